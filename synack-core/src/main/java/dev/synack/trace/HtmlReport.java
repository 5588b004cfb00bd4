package dev.synack.trace;

import dev.synack.trace.TraceEvent.Note;
import dev.synack.trace.TraceEvent.Packet;
import dev.synack.trace.TraceEvent.Sample;
import dev.synack.trace.TraceEvent.Segment;
import dev.synack.trace.TraceEvent.StateChange;
import dev.synack.trace.TraceEvent.Timer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * A trace as one self-contained HTML page: the ladder as an SVG sequence diagram, plots of each
 * side's congestion window, smoothed RTT and bytes in flight, and a table of every event.
 *
 * <p>The page loads nothing (no network, no script libraries): styles are inline, tooltips are SVG
 * {@code <title>} elements, so it opens offline, from a file, with no console errors.
 */
public final class HtmlReport {
  private HtmlReport() {}

  /**
   * What to put on the page.
   *
   * @param title       the page's title and heading
   * @param relativeSeq whether sequence numbers are relative to each direction's ISN
   * @param hosts       hosts to put first, left to right; the others follow in order of appearance
   */
  public record Options(String title, boolean relativeSeq, List<String> hosts) {
    public Options {
      if (title == null) throw new IllegalArgumentException("title is null");
      hosts = List.copyOf(hosts);
    }

    /** Returns the defaults: title "synack trace", absolute sequence numbers. */
    public static Options defaults() {
      return new Options("synack trace", false, List.of());
    }

    /** Returns these options with another title. */
    public Options withTitle(String title) {
      return new Options(title, relativeSeq, hosts);
    }

    /** Returns these options with relative sequence numbers, or absolute ones. */
    public Options withRelativeSeq(boolean relativeSeq) {
      return new Options(title, relativeSeq, hosts);
    }

    /** Returns these options with the given hosts first, left to right. */
    public Options withHosts(List<String> hosts) {
      return new Options(title, relativeSeq, hosts);
    }
  }

  /** Returns the page of a trace. */
  public static String render(List<TraceEvent> events, Options options) {
    StringBuilder b = new StringBuilder(16_384);
    try {
      write(events, options, b);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringBuilder does not throw
    }
    return b.toString();
  }

  /** Writes the page of a trace to {@code out}, which the caller opened and closes. */
  public static void write(List<TraceEvent> events, Options options, Appendable out) throws IOException {
    LadderModel model = LadderModel.of(events, options.hosts());
    long origin = model.steps().stream().mapToLong(LadderModel.Step::time).min().orElse(0);
    out.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n")
        .append("<title>").append(escape(options.title())).append("</title>\n<style>\n").append(CSS).append("</style>\n")
        .append("</head>\n<body>\n<h1>").append(escape(options.title())).append("</h1>\n");
    out.append("<p class=\"summary\">").append(Integer.toString(model.hosts().size())).append(" hosts, ")
        .append(Long.toString(model.steps().stream().filter(s -> s instanceof LadderModel.Arrow).count()))
        .append(" segments, ").append(Integer.toString(events.size())).append(" events. Hover an arrow for its fields.</p>\n");
    out.append("<h2>Ladder</h2>\n<div class=\"scroll\">\n").append(SequenceSvg.render(model, options.relativeSeq()))
        .append("</div>\n<p class=\"legend\"><span class=\"k ok\">segment</span> <span class=\"k rtx\">retransmission</span>"
            + " <span class=\"k lost\">lost or dropped ✗</span> <span class=\"k unsent\">not sent in this trace</span></p>\n");
    out.append("<h2>Sender state</h2>\n");
    if (model.samples().isEmpty()) {
      out.append("<p>No samples in this trace.</p>\n");
    } else {
      out.append("<div class=\"plots\">\n")
          .append(PlotSvg.render("Congestion window", "bytes", model.samples(), Sample::cwnd, origin))
          .append(PlotSvg.render("Smoothed RTT", "ms", model.samples(), s -> s.srttNanos() / 1e6, origin))
          .append(PlotSvg.render("Bytes in flight", "bytes", model.samples(), Sample::bytesInFlight, origin))
          .append("</div>\n");
    }
    out.append("<h2>Events</h2>\n<table>\n<thead><tr><th>time</th><th>host</th><th>connection</th><th>event</th>"
        + "<th>details</th></tr></thead>\n<tbody>\n");
    for (TraceEvent e : events) {
      if (e instanceof Packet) continue;
      out.append("<tr class=\"").append(e.eventName()).append("\"><td>+").append(Ladder.seconds(e.timeNanos() - origin, 6))
          .append("</td><td>").append(escape(e.host())).append("</td><td>").append(escape(e.conn()))
          .append("</td><td>").append(e.eventName()).append("</td><td>").append(escape(details(e))).append("</td></tr>\n");
    }
    out.append("</tbody>\n</table>\n</body>\n</html>\n");
  }

  private static String details(TraceEvent e) {
    return switch (e) {
      case StateChange s -> s.from() + " → " + s.to();
      case Segment s when s.segment() == null -> "reason: " + s.reason();
      case Segment s -> {
        TraceEvent.SegmentInfo i = s.segment();
        yield LadderModel.flagNames(i.flags()) + " seq=" + i.seq() + " ack=" + i.ack() + " win=" + i.win()
            + " len=" + i.len() + (i.options().isEmpty() ? "" : " [" + i.options() + "]")
            + (s.reason() == null ? "" : " reason: " + s.reason());
      }
      case Timer t -> t.timer() + " " + t.action();
      case Sample s -> "cwnd=" + s.cwnd() + " srtt=" + Ladder.seconds(s.srttNanos(), 6) + " inflight=" + s.bytesInFlight();
      case Note n -> n.text();
      case Packet p -> "";
    };
  }

  /** Returns text with {@code & < > " '} escaped, for HTML and SVG text and attributes. */
  static String escape(String s) {
    StringBuilder b = new StringBuilder(s.length() + 8);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> b.append("&amp;");
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c < 0x20 && c != '\n' && c != '\t' ? ' ' : c);
      }
    }
    return b.toString();
  }

  private static final String CSS = """
      body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #1f2937; background: #fff; }
      h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
      .summary, .legend { color: #4b5563; }
      .scroll { overflow-x: auto; border: 1px solid #e5e7eb; border-radius: 6px; }
      svg text { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; fill: #111827; }
      svg .host { font-weight: bold; font-size: 14px; text-anchor: middle; }
      svg .lifeline { stroke: #9ca3af; stroke-width: 2; }
      svg .time { fill: #6b7280; }
      svg .state { font-weight: bold; fill: #065f46; }
      svg .timer, svg .note { fill: #6b7280; font-style: italic; paint-order: stroke; stroke: #fff; stroke-width: 4px; }
      svg .label { paint-order: stroke; stroke: #fff; stroke-width: 4px; stroke-linejoin: round; }
      .seg line { stroke-width: 1.6; }
      .seg.ok line { stroke: #2563eb; } .head.ok path { fill: #2563eb; }
      .seg.rtx line { stroke: #d97706; } .head.rtx path { fill: #d97706; } .seg.rtx .label { fill: #92400e; }
      .seg.unsent line { stroke: #7c3aed; stroke-dasharray: 6 4; } .head.unsent path { fill: #7c3aed; }
      .seg.lost line { stroke: #dc2626; stroke-dasharray: 4 3; } .seg.lost .label { fill: #991b1b; }
      svg .cross { fill: #dc2626; font-size: 16px; font-weight: bold; text-anchor: middle; }
      svg .why { fill: #dc2626; paint-order: stroke; stroke: #fff; stroke-width: 4px; }
      .seg:hover line { stroke-width: 3.5; } .seg:hover .label { font-weight: bold; }
      .plots { display: flex; flex-wrap: wrap; gap: 12px; }
      .plot { border: 1px solid #e5e7eb; border-radius: 6px; }
      .plot .grid { stroke: #f3f4f6; } .plot .axis { stroke: #6b7280; }
      .plot .tick { fill: #6b7280; font-size: 11px; } .plot .plot-title { font-weight: bold; }
      .series { fill: none; stroke-width: 2; }
      .s0 { stroke: #2563eb; fill: #2563eb; } .s1 { stroke: #dc2626; fill: #dc2626; } .s2 { stroke: #059669; fill: #059669; }
      .s3 { stroke: #d97706; fill: #d97706; } .s4 { stroke: #7c3aed; fill: #7c3aed; } .s5 { stroke: #0891b2; fill: #0891b2; }
      polyline.series { fill: none; } .plot text.legend { stroke: none; font-weight: bold; }
      .k { display: inline-block; padding: 0 6px; border-left: 14px solid; margin-right: 8px; }
      .k.ok { border-color: #2563eb; } .k.rtx { border-color: #d97706; } .k.lost { border-color: #dc2626; }
      .k.unsent { border-color: #7c3aed; }
      table { border-collapse: collapse; font: 12px ui-monospace, monospace; }
      th, td { text-align: left; padding: 2px 10px; border-bottom: 1px solid #f3f4f6; white-space: nowrap; }
      tr.state td { color: #065f46; font-weight: bold; } tr.drop td, tr.retransmit td { color: #b91c1c; }
      """;
}
