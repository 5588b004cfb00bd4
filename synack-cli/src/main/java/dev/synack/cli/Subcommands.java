package dev.synack.cli;

import java.util.List;

/** The subcommands of {@code synack}, in the order {@code --help} lists them. */
final class Subcommands {
  private Subcommands() {}

  static List<Object> all() {
    return List.of(new DemoCommand(), new TortureCommand(), new DecodeCommand());
  }
}
