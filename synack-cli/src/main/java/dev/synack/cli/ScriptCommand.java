package dev.synack.cli;

import dev.synack.packetdrill.KernelRunner;
import dev.synack.packetdrill.MatchMode;
import dev.synack.packetdrill.Profile;
import dev.synack.packetdrill.ScriptResult;
import dev.synack.packetdrill.ScriptRunner;
import dev.synack.packetdrill.ScriptSuite;
import dev.synack.trace.JsonLinesSink;
import dev.synack.trace.TraceSink;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code synack script [--target T] [--profile P] [--match M] FILE|DIR...}: runs packetdrill
 * scripts against the stack in virtual time, or against the Linux kernel.
 */
@Command(
    name = "script",
    mixinStandardHelpOptions = true,
    header =
        "Runs packetdrill scripts against synack in virtual time, or against the Linux kernel.",
    description = {
      "Runs scripts in the packetdrill language against synack in virtual time (or, with --target kernel,"
          + " against this Linux in a network namespace of its own, in real time, as root), and prints for each"
          + " pass, FAIL or unsupported with the first line that did not hold, then a summary. A"
          + " directory is searched for *.pkt files. Exit code 1 when a script did not pass; 2 when"
          + " a file is not a script (not UTF-8 text, or nothing in it to check)."
    })
final class ScriptCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(
      arity = "1..*",
      paramLabel = "FILE|DIR",
      description = "scripts, or directories searched for *.pkt")
  List<Path> paths;

  @Option(
      names = "--profile",
      paramLabel = "P",
      defaultValue = "freebsd",
      description =
          "whose defaults the stack runs with: freebsd, linux or rfc (default: ${DEFAULT-VALUE})")
  String profile;

  @Option(
      names = "--match",
      paramLabel = "M",
      defaultValue = "exact",
      description =
          "exact (as packetdrill: window and option bytes too) or semantic (flags, numbers, payload) (default: ${DEFAULT-VALUE})")
  String match;

  @Option(
      names = "--target",
      paramLabel = "T",
      defaultValue = "synack",
      description =
          "the stack under test: synack (in virtual time) or kernel (this Linux, in a network namespace of"
              + " its own through a TUN device, in real time; needs root) (default: ${DEFAULT-VALUE})")
  String target;

  @Option(
      names = "--tolerance-usecs",
      paramLabel = "US",
      defaultValue = "0",
      description =
          "with --target kernel: the least timing tolerance, above the script's own (a loaded machine is late)")
  long toleranceFloor;

  @Option(
      names = "--quiet",
      description = "print only the scripts that did not pass, and the summary")
  boolean quiet;

  @Option(
      names = "--trace",
      paramLabel = "FILE.jsonl",
      description =
          "write the stack's trace of a single script as JSON lines (segments, drops with reasons, states, timers)")
  Path traceFile;

  @Override
  public Integer call() {
    Profile p = Profile.named(profile);
    if (p == null)
      throw new Main.UsageError("unknown profile '" + profile + "' (freebsd, linux or rfc)");
    MatchMode m;
    try {
      m = MatchMode.valueOf(match.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new Main.UsageError("unknown match mode '" + match + "' (exact or semantic)");
    }
    if (!target.equals("synack") && !target.equals("kernel")) {
      throw new Main.UsageError("unknown target '" + target + "' (synack or kernel)");
    }
    if (toleranceFloor < 0)
      throw new Main.UsageError("--tolerance-usecs must be 0 or more: " + toleranceFloor);
    if (target.equals("kernel") && traceFile != null)
      throw new Main.UsageError("--trace is synack's trace; the kernel target has none");
    List<Path> scripts;
    try {
      scripts = ScriptSuite.find(paths);
      // Every file is checked before any runs: one that is no script is a bad command line.
      scripts.forEach(ScriptSuite::read);
    } catch (IllegalArgumentException e) {
      throw new Main.UsageError(e.getMessage());
    }
    if (traceFile != null && scripts.size() != 1) {
      throw new Main.UsageError("--trace takes one script, not " + scripts.size());
    }
    OutputPaths.check("--trace", traceFile);
    PrintWriter out = spec.commandLine().getOut();
    try (Writer w =
        traceFile == null ? null : Files.newBufferedWriter(traceFile, StandardCharsets.UTF_8)) {
      JsonLinesSink json = w == null ? null : new JsonLinesSink(w);
      ScriptSuite.Runner runner =
          target.equals("kernel")
              ? new KernelRunner(m, toleranceFloor)::run
              : new ScriptRunner(p, m, json == null ? TraceSink.NONE : json)::run;
      ScriptSuite.Summary summary =
          ScriptSuite.run(
              scripts,
              runner,
              r -> {
                if (quiet && r.outcome() == ScriptResult.Outcome.PASS) return;
                r.describe().forEach(out::println);
                r.warnings().forEach(warning -> out.println("    warning: " + warning));
              });
      if (json != null && json.error() != null) throw json.error();
      out.println(summary);
      if (traceFile != null) out.println("trace: " + traceFile);
      out.flush();
      return summary.allPassed() ? 0 : 1;
    } catch (IOException e) {
      throw new Main.UsageError("cannot write " + traceFile + ": " + e.getMessage());
    }
  }
}
