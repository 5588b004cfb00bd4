package dev.synack.cli;

import dev.synack.cli.bench.BenchCommand;
import java.util.List;

/** The subcommands of {@code synack}, in the order {@code --help} lists them. */
final class Subcommands {
  private Subcommands() {}

  static List<Object> all() {
    return List.of(
        new DemoCommand(),
        new ServeCommand(),
        new ConnectCommand(),
        new ForwardCommand(),
        new RunCommand(),
        new DecodeCommand(),
        new RenderCommand(),
        new SsCommand(),
        new ScriptCommand(),
        new BenchCommand(),
        new TortureCommand());
  }
}
