package dev.synack.cli;

import dev.synack.sim.Torture;
import dev.synack.sim.TortureResult;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.LongStream;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code synack torture}: the torture runs of the test suite from the command line. One seed prints
 * its parameters and verdict, and can write its trace, pcap and HTML page like {@code demo}; many
 * seeds run on every core and print a summary with each failure's replay command.
 */
@Command(
    name = "torture",
    mixinStandardHelpOptions = true,
    header = "Runs seeded random transfers over a bad simulated path.",
    description = {
      "Runs seeded torture runs: random data both ways between two synack hosts over a simulated"
          + " path with random loss, reordering, duplication, corruption, delay, bandwidth and MTU,"
          + " closed in a random order; checks every byte arrived once, in order, and both ends"
          + " closed cleanly. Exit code 1 if a run failed."
    })
final class TortureCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @ArgGroup(multiplicity = "1")
  Which which;

  /** Exactly one of the two ways to choose runs. */
  static final class Which {
    @Option(
        names = "--seed",
        paramLabel = "N",
        required = true,
        description = "run this seed and print what it did")
    Long seed;

    @Option(
        names = "--seeds",
        paramLabel = "N",
        required = true,
        description = "run N seeds and print a summary")
    Integer seeds;
  }

  @Option(
      names = "--from",
      paramLabel = "S",
      description = "with --seeds: the first seed (default: 0)")
  Long from;

  @Option(
      names = "--trace",
      paramLabel = "FILE.jsonl",
      description = "with --seed: write the trace as JSON lines")
  Path traceFile;

  @Option(
      names = "--pcap",
      paramLabel = "FILE.pcap",
      description = "with --seed: write every packet both hosts sent")
  Path pcapFile;

  @Option(
      names = "--html",
      paramLabel = "FILE.html",
      description = "with --seed: write the run as an HTML page (large for big runs)")
  Path htmlFile;

  @Override
  public Integer call() throws IOException {
    if (which.seed != null) {
      if (from != null) throw new Main.UsageError("--from goes with --seeds, not --seed");
      return one(which.seed);
    }
    if (which.seeds < 1) throw new Main.UsageError("--seeds must be at least 1: " + which.seeds);
    if (traceFile != null || pcapFile != null || htmlFile != null) {
      throw new Main.UsageError("--trace, --pcap and --html replay one run: use them with --seed");
    }
    long first = from == null ? 0 : from;
    if (first > Long.MAX_VALUE - which.seeds)
      throw new Main.UsageError("--from too large for " + which.seeds + " seeds: " + first);
    return many(first, which.seeds);
  }

  private int one(long seed) throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    try (TraceOutputs outputs = TraceOutputs.open(traceFile, pcapFile, htmlFile)) {
      TortureResult r = Torture.run(seed, outputs.sink());
      out.println("synack torture: seed " + seed);
      for (String line : r.describe()) out.println(line);
      outputs.finish("synack torture: seed " + seed, out);
      out.flush();
      return r.passed() ? 0 : 1;
    }
  }

  private int many(long first, int count) {
    PrintWriter out = spec.commandLine().getOut();
    out.println("synack torture: seeds " + first + " to " + (first + count - 1));
    out.flush();
    // Each run is independent and deterministic, so they may go on every core in any order.
    List<TortureResult> results =
        LongStream.range(first, first + count)
            .parallel()
            .mapToObj(Torture::run)
            .sorted(Comparator.comparingLong(TortureResult::seed))
            .toList();
    return summarise(results, out);
  }

  /**
   * Prints each failure with its replay command, then totals; returns the exit code: 1 if any run
   * failed.
   */
  static int summarise(List<TortureResult> results, PrintWriter out) {
    long failed = 0;
    long bytes = 0;
    long packets = 0;
    long corrupted = 0;
    long caught = 0;
    double virtualSeconds = 0;
    for (TortureResult r : results) {
      if (!r.passed()) {
        failed++;
        out.println("FAIL seed " + r.seed() + ": " + r.reason());
        out.println("  replay: " + Torture.replayCommand(r.seed()));
      }
      bytes += r.bytesToServer() + r.bytesToClient();
      packets += r.clientToServer().sent() + r.serverToClient().sent();
      corrupted += r.clientToServer().corrupted() + r.serverToClient().corrupted();
      caught += r.caughtAtServer() + r.caughtAtClient();
      virtualSeconds += r.virtualNanos() / 1e9;
    }
    out.println(
        String.format(
            Locale.ROOT,
            "%d runs: %d passed, %d failed; %d bytes delivered, %d packets sent, %d corrupted and %d caught, %.0f s of virtual time",
            results.size(),
            results.size() - failed,
            failed,
            bytes,
            packets,
            corrupted,
            caught,
            virtualSeconds));
    out.flush();
    return failed == 0 ? 0 : 1;
  }
}
