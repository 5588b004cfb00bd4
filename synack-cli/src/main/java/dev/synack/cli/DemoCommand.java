package dev.synack.cli;

import dev.synack.demo.DemoOptions;
import dev.synack.demo.DemoRun;
import dev.synack.demo.DemoRunner;
import dev.synack.demo.Scenario;
import dev.synack.lesson.HtmlReport;
import dev.synack.lesson.Ladder;
import dev.synack.lesson.Narration;
import dev.synack.lesson.Sentence;
import dev.synack.trace.TraceEvent;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.StringJoiner;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code synack demo}: runs a scenario between two synack hosts, {@code client} and {@code server},
 * on a simulated network in virtual time, and draws what happened from the run's own trace: the
 * ladder diagram, each side's states, and a narration in English or Chinese.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    header = "Runs a TCP scenario on a simulated network and draws it.",
    description = {
      "Runs a TCP scenario between two synack hosts on a simulated network and draws it from the"
          + " run's trace: segments, both sides' states, and what each step means.",
      "",
      "Scenarios: connection (default), handshake, teardown, half-close, simultaneous-open,"
          + " simultaneous-close, lost-final-ack, old-duplicate-syn, reset, refused, transfer,"
          + " fast-retransmit, timeout, tail-loss, spurious-retransmit, zero-window, keep-alive, why-three-way,"
          + " why-time-wait.",
      "",
      "why-three-way and why-time-wait answer the articles' two why questions by experiment: each runs a"
          + " lesson-only engine that breaks the rule (a two-message handshake; TIME-WAIT cut to zero), then the"
          + " real engine, on the same path, and prints what the rule prevents. They take --delay and --seed only.",
      "",
      "--cc cubic,bbr,bbr3 instead runs congestion control algorithms side by side: each moves 4 MB over the"
          + " same 10 Mbit/s bottleneck with a queue of 8 BDP, RTT 2 x --delay, --loss (0.1 %% unless"
          + " given) on data packets; prints throughput and queue delay over time (and plots them with --html)."
    })
final class DemoCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--scenario",
      paramLabel = "NAME",
      defaultValue = "connection",
      description = "what to run (default: ${DEFAULT-VALUE})")
  String scenario;

  @Option(
      names = "--loss",
      paramLabel = "P",
      defaultValue = "0",
      description = "packet loss probability each way, 0 to <1")
  double loss;

  @Option(
      names = "--delay",
      paramLabel = "MS",
      defaultValue = "10",
      description = "one-way delay in milliseconds (default: ${DEFAULT-VALUE})")
  double delayMillis;

  @Option(
      names = "--reorder",
      paramLabel = "P",
      defaultValue = "0",
      description = "probability a packet is overtaken by later ones")
  double reorder;

  @Option(
      names = "--dup",
      paramLabel = "P",
      defaultValue = "0",
      description = "probability a packet is delivered twice")
  double duplicate;

  @Option(
      names = "--seed",
      paramLabel = "N",
      defaultValue = "1",
      description = "seed of every random choice: the same seed replays the same run")
  long seed;

  @Option(
      names = "--bytes",
      paramLabel = "N",
      defaultValue = "100000",
      description = "bytes each way for the transfer scenario (default: ${DEFAULT-VALUE})")
  long bytes;

  @Option(
      names = "--trace",
      paramLabel = "FILE.jsonl",
      description = "write the trace as JSON lines")
  Path traceFile;

  @Option(
      names = "--pcap",
      paramLabel = "FILE.pcap",
      description = "write every packet both hosts sent as a pcap file")
  Path pcapFile;

  @Option(
      names = "--html",
      paramLabel = "FILE.html",
      description =
          "write a self-contained HTML page: the ladder with the narration beside it (in --lang), a step-through player on the state diagram, time-sequence graphs, plots of cwnd, RTT, bytes in flight")
  Path htmlFile;

  @Option(
      names = "--lang",
      paramLabel = "en|zh",
      defaultValue = "en",
      description =
          "language of everything the run prints (narration, results, the ladder's notes) and of the HTML page: en or zh (the articles' Chinese)")
  String lang;

  @Option(names = "--ascii", description = "draw with ASCII characters only")
  boolean ascii;

  @Option(
      names = "--timers",
      description = "show timers (RTO, TIME_WAIT...) in the diagram and the HTML page")
  boolean timers;

  @Option(
      names = "--cc",
      paramLabel = "A,B",
      split = ",",
      description =
          "compare congestion control algorithms (cubic, newreno, bbr, bbr3) on one deep-buffered lossy path instead of a scenario")
  java.util.List<String> cc;

  /** The bytes each algorithm moves in a --cc comparison. */
  private static final long COMPARISON_BYTES = 4_000_000;

  @Override
  public Integer call() throws IOException {
    if (cc != null) return compare();
    Scenario s = Scenario.byName(scenario);
    if (s == null) {
      StringJoiner names = new StringJoiner(", ");
      for (Scenario each : Scenario.values()) names.add(each.cliName());
      throw new Main.UsageError("unknown scenario '" + scenario + "' (one of: " + names + ")");
    }
    if (!lang.equals("en") && !lang.equals("zh")) {
      throw new Main.UsageError("unknown language '" + lang + "' (en or zh)");
    }
    // NaN passes every range check (each comparison is false): refused here by name.
    for (double v : new double[] {loss, delayMillis, reorder, duplicate}) {
      if (!Double.isFinite(v)) {
        throw new Main.UsageError("--loss, --delay, --reorder and --dup take finite numbers: " + v);
      }
    }
    if ((s == Scenario.WHY_THREE_WAY || s == Scenario.WHY_TIME_WAIT)
        && (loss > 0 || reorder > 0 || duplicate > 0)) {
      throw new Main.UsageError(
          s.cliName()
              + " stages its old segment on a clean path: --loss, --reorder and --dup are not taken");
    }
    DemoOptions options;
    try {
      options =
          DemoOptions.defaults().toBuilder()
              .loss(loss)
              .delayMillis(delayMillis)
              .reorder(reorder)
              .duplicate(duplicate)
              .seed(seed)
              .bytes(bytes)
              .build();
    } catch (IllegalArgumentException e) {
      throw new Main.UsageError(e.getMessage());
    }
    if (bytes > Integer.MAX_VALUE - 8)
      throw new Main.UsageError("--bytes at most " + (Integer.MAX_VALUE - 8) + ": " + bytes);

    try (TraceOutputs outputs = TraceOutputs.open(traceFile, pcapFile, htmlFile)) {
      DemoRun run = DemoRunner.run(s, options, outputs.any() ? outputs.sink() : null);
      print(run);
      outputs.finish(
          HtmlReport.Options.defaults()
              .withTitle(Sentence.of(Sentence.Kind.DEMO_TITLE, "name", s.cliName()).in(lang))
              .withHosts(TraceOutputs.HOSTS)
              .withLang(lang)
              .withTimers(timers),
          spec.commandLine().getOut());
      spec.commandLine().getOut().flush();
      return run.ok() ? 0 : 1;
    }
  }

  /** Runs the --cc comparison: a summary on stdout, the plots in --html. */
  private int compare() throws IOException {
    if (!lang.equals("en") && !lang.equals("zh"))
      throw new Main.UsageError("unknown language '" + lang + "' (en or zh)");
    for (String name : cc) {
      if (!dev.synack.tcp.TcpConfig.congestionControls().contains(name)) {
        throw new Main.UsageError(
            "unknown congestion control '"
                + name
                + "' (one of: "
                + String.join(", ", dev.synack.tcp.TcpConfig.congestionControls())
                + ")");
      }
    }
    if (!Double.isFinite(loss) || loss < 0 || loss >= 1)
      throw new Main.UsageError("--loss takes a probability in [0, 1): " + loss);
    if (!Double.isFinite(delayMillis) || delayMillis < 0 || delayMillis > 10_000)
      throw new Main.UsageError("--delay takes 0 to 10000 ms: " + delayMillis);
    var path =
        dev.synack.demo.CcComparison.deepBufferedPath(
            java.time.Duration.ofNanos((long) (2 * delayMillis * 1e6)), loss > 0 ? loss : 0.001);
    var comparison = dev.synack.demo.CcComparison.run(path, cc, COMPARISON_BYTES, seed);
    PrintWriter out = spec.commandLine().getOut();
    out.println(Sentence.of(Sentence.Kind.CC_HEADER, "names", String.join(" vs ", cc)).in(lang));
    for (String line : comparison.summary(lang)) out.println(line);
    if (htmlFile != null) {
      java.nio.file.Files.writeString(htmlFile, comparison.html(lang));
      out.println(Sentence.of(Sentence.Kind.WROTE_HTML, "file", htmlFile).in(lang));
    }
    out.flush();
    return 0;
  }

  private void print(DemoRun run) {
    PrintWriter out = spec.commandLine().getOut();
    out.println(
        Sentence.of(
                Sentence.Kind.DEMO_HEADER,
                "name",
                run.scenario().cliName(),
                "what",
                run.scenario().describe())
            .in(lang));
    out.println();
    Ladder.Options ladder =
        Ladder.Options.defaults()
            .withAscii(ascii)
            .withTimers(timers)
            .withLang(lang)
            .withHosts(TraceOutputs.HOSTS);
    out.print(Ladder.render(TraceOutputs.hostsOnly(run.events()), ladder));
    out.println();
    for (String line : Narration.narrate(run.events(), lang)) {
      out.println(line);
    }
    if (!run.results().isEmpty()) out.println();
    for (String line : run.results(lang)) {
      out.println(line);
    }
    if (run.scenario() == Scenario.TRANSFER) out.println(verdict(run, bytes).in(lang));
    out.flush();
  }

  /**
   * Returns the transfer's one-line verdict: intact or not, how long the data took in virtual time
   * (from the first segment to the last one that carried data), and how many segments were sent
   * again.
   */
  static Sentence verdict(DemoRun run, long bytesEachWay) {
    long first = Long.MAX_VALUE;
    long lastData = Long.MIN_VALUE;
    long retransmissions = 0;
    for (TraceEvent e : run.events()) {
      if (!(e instanceof TraceEvent.Segment s) || s.host().equals("net")) continue;
      first = Math.min(first, s.timeNanos());
      if (s.action() == TraceEvent.SegmentAction.RETRANSMIT) retransmissions++;
      if (s.action() == TraceEvent.SegmentAction.RECV
          && s.segment() != null
          && s.segment().len() > 0) {
        lastData = Math.max(lastData, s.timeNanos());
      }
    }
    double seconds = lastData == Long.MIN_VALUE ? 0 : (lastData - first) / 1e9;
    return Sentence.of(
        Sentence.Kind.TRANSFER,
        "intact",
        Sentence.of(run.ok() ? Sentence.Kind.INTACT_BOTH_WAYS : Sentence.Kind.NOT_INTACT),
        "bytes",
        bytesEachWay,
        "s",
        String.format(java.util.Locale.ROOT, "%.3f", seconds),
        "rtx",
        Sentence.of(Sentence.Kind.RETRANSMISSIONS, "n", retransmissions));
  }
}
