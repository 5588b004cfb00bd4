package dev.synack.cli.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code synack bench}: measures synack beside the Linux kernel in the same run, on the same
 * machine, and prints each figure with its reference and the ratio synack / kernel.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    header = "Measures synack beside the Linux kernel in the same run.",
    description = {
      "Measures synack beside the Linux kernel in the same run: bulk throughput and connection"
          + " cycles on the simulated network vs kernel loopback, memory per idle connection vs"
          + " kernel sockets, and (as root) throughput and latency over a TUN device vs"
          + " kernel-to-kernel over veth, connection rate and many-stream bulk over TUN with one"
          + " loop and with one loop per core, and (as root) a namespace's network through synack forward vs"
          + " slirp4netns and pasta (iperf3 up and down, connections per second, bytes per idle relayed"
          + " connection). Each figure is printed with its reference and the ratio synack / reference.",
      "Also: nio-echo, one selector-driven NIO echo program over synack's SelectorProvider (simulator) and"
          + " the kernel's (loopback); tun-curl-serve-http, curl downloading a file from serve --http's server"
          + " over TUN vs from a kernel socket over veth.",
      "Also (as root): syn-flood-download, the time of that download under a spoofed SYN flood of 360,000 SYNs/s"
          + " over its time alone, synack over TUN vs the kernel over veth; syn-flood-download-loops2, the same"
          + " with synack on two loops of a two-queue device (serve --loops 2)."
    })
public final class BenchCommand implements Callable<Integer> {
  /** The figures measured on the simulated network and in memory, in the order measured. */
  private static final List<String> SIM_FIGURES =
      List.of("sim-bulk-mtu65535", "sim-bulk-mtu1500", "sim-conn-rate", "idle-conn-bytes");

  @Spec CommandSpec spec;

  @Option(
      names = "--quick",
      description = "a run under two minutes (smaller transfers, fewer repeats)")
  boolean quick;

  @Option(
      names = "--json",
      description = "print one JSON object with a list of figures instead of the table")
  boolean json;

  @Option(
      names = "--large",
      description = "hold 1,000,000 idle connections for the memory figure instead of 100,000")
  boolean large;

  @Option(
      names = "--only",
      paramLabel = "NAME[,NAME...]",
      split = ",",
      description =
          "measure only the figures whose names start with one of these (e.g. sim-bulk, tun-rr-latency), to profile one")
  List<String> only;

  /** Divides every size, so a test can check the output's shape in seconds; not for users. */
  @Option(names = "--shrink", hidden = true, defaultValue = "1")
  int shrink;

  @Override
  public Integer call() throws IOException {
    if (shrink < 1)
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--shrink must be positive: " + shrink);
    checkOnly();
    BenchSettings chosen = quick ? BenchSettings.quick() : BenchSettings.full();
    if (large) chosen = chosen.large();
    if (shrink > 1) chosen = chosen.shrunk(shrink);
    BenchSettings settings = chosen;
    PrintWriter err = spec.commandLine().getErr();
    String loadBefore = MachineInfo.loadAverage();
    List<Figure> figures = new ArrayList<>();
    measure(figures, err, SIM_FIGURES.get(0), () -> SimBulkBench.run(65535, settings));
    measure(figures, err, SIM_FIGURES.get(1), () -> SimBulkBench.run(1500, settings));
    measure(figures, err, SIM_FIGURES.get(2), () -> ConnRateBench.run(settings));
    measure(figures, err, SIM_FIGURES.get(3), () -> IdleConnBench.run(settings));
    if (TunBench.names().stream().anyMatch(this::wanted)) {
      err.println("bench: tun figures...");
      err.flush();
      figures.addAll(TunBench.run(settings, this::wanted));
    }
    if (ScalingBench.names().stream().anyMatch(this::wanted)) {
      err.println("bench: tun scaling figures (one loop, every core)...");
      err.flush();
      figures.addAll(ScalingBench.run(settings, this::wanted));
    }
    if (ForwardBench.names().stream().anyMatch(this::wanted)) {
      err.println("bench: forward figures (synack forward, slirp4netns, pasta)...");
      err.flush();
      figures.addAll(ForwardBench.run(settings, this::wanted));
    }
    measure(figures, err, NioEchoBench.NAME, () -> NioEchoBench.run(settings));
    measure(figures, err, NioEchoBench.NAME_TUN, () -> NioEchoBench.runTun(settings));
    measure(figures, err, CurlServeBench.NAME, () -> CurlServeBench.run(settings));
    measure(figures, err, SynFloodBench.NAME, () -> SynFloodBench.run(settings));
    measure(figures, err, SynFloodBench.NAME_LOOPS2, () -> SynFloodBench.runLoops2(settings));
    if (figures.isEmpty()) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(),
          "--only matches no figure: " + (only == null ? "" : String.join(",", only)));
    }
    String mode =
        (quick ? "quick" : "full")
            + (large ? ", large" : "")
            + (shrink > 1 ? ", shrunk " + shrink + "x" : "");
    Map<String, Object> machine = MachineInfo.describe();
    machine.put("loadAverageBefore", loadBefore);
    machine.put("loadAverageAfter", MachineInfo.loadAverage());
    BenchReport report = new BenchReport(mode, machine, settings.describe(), figures);
    PrintWriter out = spec.commandLine().getOut();
    if (json) report.printJson(out);
    else report.printText(out);
    return 0;
  }

  /** A measurement that may fail on this machine. */
  private interface Measurement {
    Figure run() throws IOException;
  }

  private void measure(List<Figure> figures, PrintWriter err, String name, Measurement m)
      throws IOException {
    if (!wanted(name)) return;
    err.println("bench: " + name + "...");
    err.flush();
    figures.add(m.run());
  }

  /** Returns whether {@code --only} lets figure {@code name} be measured. */
  private boolean wanted(String name) {
    return only == null || only.stream().anyMatch(name::startsWith);
  }

  /**
   * Checks the names given to {@code --only} before anything is measured: an empty name would match
   * every figure (the full run nobody asked for), and a name that matches none is a typo.
   */
  private void checkOnly() {
    if (only == null) return;
    List<String> names = new ArrayList<>(SIM_FIGURES);
    names.addAll(TunBench.names());
    names.addAll(ScalingBench.names());
    names.addAll(ForwardBench.names());
    names.addAll(
        List.of(
            NioEchoBench.NAME,
            NioEchoBench.NAME_TUN,
            CurlServeBench.NAME,
            SynFloodBench.NAME,
            SynFloodBench.NAME_LOOPS2));
    if (only.isEmpty() || only.stream().anyMatch(String::isBlank)) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(),
          "--only needs figure names or their beginnings, as sim-bulk or tun-rr-latency (one of: "
              + String.join(", ", names)
              + ")");
    }
    for (String prefix : only) {
      if (names.stream().noneMatch(n -> n.startsWith(prefix))) {
        throw new picocli.CommandLine.ParameterException(
            spec.commandLine(),
            "--only " + prefix + " matches no figure (one of: " + String.join(", ", names) + ")");
      }
    }
  }
}
