package dev.synack.cli;

import dev.synack.sim.DemoOptions;
import dev.synack.sim.DemoRun;
import dev.synack.sim.DemoRunner;
import dev.synack.sim.Scenario;
import dev.synack.trace.HtmlReport;
import dev.synack.trace.JsonLinesSink;
import dev.synack.trace.Ladder;
import dev.synack.trace.Narration;
import dev.synack.trace.TraceEvent;
import dev.synack.trace.TraceSink;
import dev.synack.wire.PcapWriter;
import java.io.BufferedOutputStream;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code synack demo}: runs a scenario between two synack hosts, {@code client} and
 * {@code server}, on a simulated network in virtual time, and draws what happened from the run's
 * own trace: the ladder diagram, each side's states, and a narration in English or Chinese.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Runs a TCP scenario between two synack hosts on a simulated network and draws it from the",
      "run's trace: segments, both sides' states, and what each step means.",
      "",
      "Scenarios: connection (default), handshake, teardown, half-close, simultaneous-open,",
      "simultaneous-close, lost-final-ack, old-duplicate-syn, reset, refused, transfer."
    })
final class DemoCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--scenario", paramLabel = "NAME", defaultValue = "connection", description = "what to run (default: ${DEFAULT-VALUE})")
  String scenario;

  @Option(names = "--loss", paramLabel = "P", defaultValue = "0", description = "packet loss probability each way, 0 to <1")
  double loss;

  @Option(names = "--delay", paramLabel = "MS", defaultValue = "10", description = "one-way delay in milliseconds (default: ${DEFAULT-VALUE})")
  double delayMillis;

  @Option(names = "--reorder", paramLabel = "P", defaultValue = "0", description = "probability a packet is overtaken by later ones")
  double reorder;

  @Option(names = "--dup", paramLabel = "P", defaultValue = "0", description = "probability a packet is delivered twice")
  double duplicate;

  @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "seed of every random choice: the same seed replays the same run")
  long seed;

  @Option(names = "--bytes", paramLabel = "N", defaultValue = "100000", description = "bytes each way for the transfer scenario (default: ${DEFAULT-VALUE})")
  long bytes;

  @Option(names = "--trace", paramLabel = "FILE.jsonl", description = "write the trace as JSON lines")
  Path traceFile;

  @Option(names = "--pcap", paramLabel = "FILE.pcap", description = "write every packet both hosts sent as a pcap file")
  Path pcapFile;

  @Option(names = "--html", paramLabel = "FILE.html", description = "write a self-contained HTML page: the diagram as SVG and plots of cwnd, RTT, bytes in flight")
  Path htmlFile;

  @Option(names = "--lang", paramLabel = "en|zh", defaultValue = "en", description = "language of the narration: en or zh (the articles' Chinese)")
  String lang;

  @Option(names = "--ascii", description = "draw with ASCII characters only")
  boolean ascii;

  @Option(names = "--timers", description = "show timers (RTO, TIME_WAIT...) in the diagram")
  boolean timers;

  @Override
  public Integer call() throws IOException {
    Scenario s = Scenario.byName(scenario);
    if (s == null) {
      StringJoiner names = new StringJoiner(", ");
      for (Scenario each : Scenario.values()) names.add(each.cliName());
      throw new Main.UsageError("unknown scenario '" + scenario + "' (one of: " + names + ")");
    }
    if (!lang.equals("en") && !lang.equals("zh")) {
      throw new Main.UsageError("unknown language '" + lang + "' (en or zh)");
    }
    DemoOptions options;
    try {
      options = new DemoOptions(loss, delayMillis, reorder, duplicate, seed, bytes);
    } catch (IllegalArgumentException e) {
      throw new Main.UsageError(e.getMessage());
    }
    if (bytes > Integer.MAX_VALUE - 8) throw new Main.UsageError("--bytes at most " + (Integer.MAX_VALUE - 8) + ": " + bytes);

    List<AutoCloseable> open = new ArrayList<>();
    try {
      TraceSink sink = TraceSink.NONE;
      JsonLinesSink json = null;
      if (traceFile != null) {
        Writer w = Files.newBufferedWriter(traceFile, StandardCharsets.UTF_8);
        open.add(w);
        json = new JsonLinesSink(w);
        sink = json;
      }
      if (pcapFile != null) {
        OutputStream o = new BufferedOutputStream(Files.newOutputStream(pcapFile));
        open.add(o);
        sink = TraceSink.both(sink, packetSink(PcapWriter.open(o, PcapWriter.Resolution.NANOSECONDS)));
      }
      DemoRun run = DemoRunner.run(s, options, sink == TraceSink.NONE ? null : sink);
      if (json != null && json.error() != null) throw json.error();
      print(run);
      if (htmlFile != null) {
        try (BufferedWriter w = Files.newBufferedWriter(htmlFile, StandardCharsets.UTF_8)) {
          HtmlReport.write(segmentsAndStates(run.events()), HtmlReport.Options.defaults()
              .withTitle("synack demo: " + s.cliName()).withHosts(List.of("client", "server")), w);
        }
      }
      return run.ok() ? 0 : 1;
    } catch (UncheckedIOException e) {
      throw e.getCause();
    } finally {
      for (AutoCloseable c : open.reversed()) {
        try {
          c.close();
        } catch (Exception ignored) {
          // Closing after the run; an error writing was reported above.
        }
      }
    }
  }

  private void print(DemoRun run) {
    PrintWriter out = spec.commandLine().getOut();
    out.println("synack demo: " + run.scenario().cliName() + " (" + run.scenario().description() + ")");
    out.println();
    Ladder.Options ladder = Ladder.Options.defaults().withAscii(ascii).withTimers(timers)
        .withHosts(List.of("client", "server"));
    out.print(Ladder.render(segmentsAndStates(run.events()), ladder));
    out.println();
    for (String line : Narration.narrate(run.events(), lang)) {
      out.println(line);
    }
    if (!run.results().isEmpty()) out.println();
    for (String line : run.results()) {
      out.println(line);
    }
    if (traceFile != null) out.println("trace: " + traceFile);
    if (pcapFile != null) out.println("pcap: " + pcapFile);
    if (htmlFile != null) out.println("html: " + htmlFile);
    out.flush();
  }

  /** The diagrams show the two hosts; the network's own notes (drops) are drawn on the arrows already. */
  private static List<TraceEvent> segmentsAndStates(List<TraceEvent> events) {
    return events.stream().filter(e -> !e.host().equals("net")).toList();
  }

  /** A sink that writes every whole packet to a pcap file. */
  private static TraceSink packetSink(PcapWriter pcap) {
    return new TraceSink() {
      @Override
      public void accept(TraceEvent event) {
        if (event instanceof TraceEvent.Packet p && p.outbound()) {
          try {
            pcap.write(p.timeNanos(), p.bytes());
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      }

      @Override
      public boolean wantsPackets() {
        return true;
      }
    };
  }
}
