package dev.synack.cli;

import dev.synack.lesson.HtmlReport;
import dev.synack.lesson.Sentence;
import dev.synack.trace.JsonLinesSink;
import dev.synack.trace.TraceEvent;
import dev.synack.trace.TraceSink;
import dev.synack.wire.PcapWriter;
import java.io.BufferedOutputStream;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The files a simulated run writes when asked with {@code --trace FILE.jsonl}, {@code --pcap
 * FILE.pcap} and {@code --html FILE.html} ({@code demo} and {@code torture}): opened before the
 * run, fed by one {@link #sink()}, then {@link #finish}ed and closed.
 *
 * <p>Sinks must not throw, so a write error is kept and reported by {@link #finish} after the run.
 */
final class TraceOutputs implements AutoCloseable {
  /** The hosts of every simulated run, in the order the diagrams draw them. */
  static final List<String> HOSTS = List.of("client", "server");

  private final Path traceFile;
  private final Path pcapFile;
  private final Path htmlFile;
  private final List<AutoCloseable> open = new ArrayList<>();
  private JsonLinesSink json;
  private PcapSink pcap;

  /**
   * Events kept for the HTML page, which is drawn from all of them at the end; null without --html.
   */
  private final List<TraceEvent> events;

  private TraceSink sink = TraceSink.NONE;

  private TraceOutputs(Path traceFile, Path pcapFile, Path htmlFile) {
    this.traceFile = traceFile;
    this.pcapFile = pcapFile;
    this.htmlFile = htmlFile;
    this.events = htmlFile == null ? null : new ArrayList<>();
  }

  /**
   * Opens the files asked for (each path may be null), after checking that each can be written; the
   * HTML page is written at the end, but a path it cannot be written to is found here, before the
   * run.
   *
   * @throws Main.UsageError naming the option and the path that cannot be written
   */
  static TraceOutputs open(Path traceFile, Path pcapFile, Path htmlFile) throws IOException {
    OutputPaths.distinct("--trace", traceFile, "--pcap", pcapFile);
    OutputPaths.distinct("--trace", traceFile, "--html", htmlFile);
    OutputPaths.distinct("--pcap", pcapFile, "--html", htmlFile);
    OutputPaths.check("--trace", traceFile);
    OutputPaths.check("--pcap", pcapFile);
    OutputPaths.check("--html", htmlFile);
    TraceOutputs o = new TraceOutputs(traceFile, pcapFile, htmlFile);
    try {
      if (traceFile != null) {
        Writer w = Files.newBufferedWriter(traceFile, StandardCharsets.UTF_8);
        o.open.add(w);
        o.json = new JsonLinesSink(w);
        o.sink = o.json;
      }
      if (pcapFile != null) {
        OutputStream out = new BufferedOutputStream(Files.newOutputStream(pcapFile));
        o.open.add(out);
        o.pcap = new PcapSink(PcapWriter.open(out, PcapWriter.Resolution.NANOSECONDS));
        o.sink = TraceSink.both(o.sink, o.pcap);
      }
      if (o.events != null) o.sink = TraceSink.both(o.sink, o.events::add);
    } catch (IOException | RuntimeException e) {
      o.close();
      throw e;
    }
    return o;
  }

  /** Returns whether any file was asked for. */
  boolean any() {
    return traceFile != null || pcapFile != null || htmlFile != null;
  }

  /** Returns the sink the run traces into: {@link TraceSink#NONE} when no file was asked for. */
  TraceSink sink() {
    return sink;
  }

  /**
   * Reports a write error kept during the run, writes the HTML page titled {@code title}, and names
   * each file written on {@code out}.
   */
  void finish(String title, PrintWriter out) throws IOException {
    finish(HtmlReport.Options.defaults().withTitle(title).withHosts(HOSTS), out);
  }

  /**
   * Reports a write error kept during the run, writes the HTML page with {@code page}'s title,
   * language and timers, and names each file written on {@code out}.
   */
  void finish(HtmlReport.Options page, PrintWriter out) throws IOException {
    if (json != null && json.error() != null) throw json.error();
    if (pcap != null && pcap.error != null) throw pcap.error;
    if (htmlFile != null) {
      try (BufferedWriter w = Files.newBufferedWriter(htmlFile, StandardCharsets.UTF_8)) {
        HtmlReport.write(hostsOnly(events), page, w);
      }
    }
    if (traceFile != null)
      out.println(Sentence.of(Sentence.Kind.WROTE_TRACE, "file", traceFile).in(page.lang()));
    if (pcapFile != null)
      out.println(Sentence.of(Sentence.Kind.WROTE_PCAP, "file", pcapFile).in(page.lang()));
    if (htmlFile != null)
      out.println(Sentence.of(Sentence.Kind.WROTE_HTML, "file", htmlFile).in(page.lang()));
  }

  /**
   * The diagrams show the two hosts; the network's own notes (drops) are drawn on the arrows
   * already.
   */
  static List<TraceEvent> hostsOnly(List<TraceEvent> events) {
    return events.stream().filter(e -> !e.host().equals("net")).toList();
  }

  @Override
  public void close() {
    for (AutoCloseable c : open.reversed()) {
      try {
        c.close();
      } catch (Exception ignored) {
        // Closing after the run; an error writing was reported by finish.
      }
    }
    open.clear();
  }

  /**
   * Writes every packet a host sent to a pcap file, keeping the first error instead of throwing.
   */
  private static final class PcapSink implements TraceSink {
    private final PcapWriter writer;
    private IOException error;

    PcapSink(PcapWriter writer) {
      this.writer = writer;
    }

    @Override
    public void accept(TraceEvent event) {
      if (error != null || !(event instanceof TraceEvent.Packet p) || !p.outbound()) return;
      try {
        writer.write(p.timeNanos(), p.bytes());
      } catch (IOException e) {
        error = e;
      }
    }

    @Override
    public boolean wantsPackets() {
      return true;
    }
  }
}
