package dev.synack.lesson;

import dev.synack.trace.TraceEvent;
import dev.synack.trace.TraceEvent.Note;
import dev.synack.trace.TraceEvent.Packet;
import dev.synack.trace.TraceEvent.Sample;
import dev.synack.trace.TraceEvent.Segment;
import dev.synack.trace.TraceEvent.StateChange;
import dev.synack.trace.TraceEvent.Timer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * A trace as one self-contained HTML page: the ladder as an SVG sequence diagram, plots of each
 * side's congestion window, smoothed RTT and bytes in flight, and a table of every event.
 *
 * <p>Beside the ladder, the narration in the page's language, each sentence tied to its arrow
 * (select one, the other lights up); a player that steps through the segments and shows both ends
 * on RFC 9293's state diagram; a time–sequence graph per direction; relative or absolute numbers.
 *
 * <p>The page loads nothing (no network, no script libraries): styles and its one small script are
 * inline, tooltips are SVG {@code <title>} elements, so it opens offline, from a file.
 */
public final class HtmlReport {
  private HtmlReport() {}

  /**
   * What to put on the page.
   *
   * @param title the page's title and heading
   * @param relativeSeq whether sequence numbers are relative to each direction's ISN
   * @param hosts hosts to put first, left to right; the others follow in order of appearance
   */
  public record Options(
      String title, boolean relativeSeq, List<String> hosts, String lang, boolean timers) {
    public Options {
      if (title == null) throw new IllegalArgumentException("title is null");
      if (!"en".equals(lang) && !"zh".equals(lang))
        throw new IllegalArgumentException("language must be en or zh: " + lang);
      hosts = List.copyOf(hosts);
    }

    /** The options of earlier versions: English, timers shown. */
    public Options(String title, boolean relativeSeq, List<String> hosts) {
      this(title, relativeSeq, hosts, "en", true);
    }

    /**
     * Returns the defaults: title "synack trace", relative sequence numbers, English, no timers.
     */
    public static Options defaults() {
      return new Options("synack trace", true, List.of(), "en", false);
    }

    /** Returns these options with another title. */
    public Options withTitle(String title) {
      return new Options(title, relativeSeq, hosts, lang, timers);
    }

    /** Returns these options with relative sequence numbers, or absolute ones, shown first. */
    public Options withRelativeSeq(boolean relativeSeq) {
      return new Options(title, relativeSeq, hosts, lang, timers);
    }

    /** Returns these options with the given hosts first, left to right. */
    public Options withHosts(List<String> hosts) {
      return new Options(title, relativeSeq, hosts, lang, timers);
    }

    /**
     * Returns these options in another language, {@code en} or {@code zh}: the narration and the
     * page's words.
     */
    public Options withLang(String lang) {
      return new Options(title, relativeSeq, hosts, lang, timers);
    }

    /** Returns these options with timer events drawn in the ladder, or not. */
    public Options withTimers(boolean timers) {
      return new Options(title, relativeSeq, hosts, lang, timers);
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
  public static void write(List<TraceEvent> events, Options options, Appendable out)
      throws IOException {
    LadderModel model = LadderModel.of(events, options.hosts());
    Map<String, String> w = HtmlWords.of(options.lang());
    long origin = model.steps().stream().mapToLong(LadderModel.Step::time).min().orElse(0);
    out.append("<!DOCTYPE html>\n<html lang=\"")
        .append(options.lang())
        .append("\">\n<head>\n<meta charset=\"utf-8\"/>\n")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n")
        .append("<title>")
        .append(escape(options.title()))
        .append("</title>\n<style>\n")
        .append(HtmlAssets.CSS)
        .append("</style>\n")
        .append("</head>\n<body>\n<h1>")
        .append(escape(options.title()))
        .append("</h1>\n");
    long arrows = model.steps().stream().filter(s -> s instanceof LadderModel.Arrow).count();
    out.append("<p class=\"summary\">")
        .append(
            escape(
                w.get("summary")
                    .replace("{hosts}", Integer.toString(model.hosts().size()))
                    .replace("{segments}", Long.toString(arrows))
                    .replace("{events}", Integer.toString(events.size()))))
        .append("</p>\n");
    out.append("<div class=\"controls\" id=\"controls\">")
        .append("<button type=\"button\" id=\"prev\">")
        .append(escape(w.get("prev")))
        .append("</button>")
        .append("<button type=\"button\" id=\"next\">")
        .append(escape(w.get("next")))
        .append("</button>")
        .append("<button type=\"button\" id=\"play\" data-play=\"")
        .append(escape(w.get("play")))
        .append("\" data-pause=\"")
        .append(escape(w.get("pause")))
        .append("\">")
        .append(escape(w.get("play")))
        .append("</button>")
        .append("<span id=\"position\"></span>")
        .append("<label><input type=\"checkbox\" id=\"absolute\"")
        .append(options.relativeSeq() ? "" : " checked")
        .append("/> ")
        .append(escape(w.get("absolute")))
        .append("</label>")
        .append(
            "<button type=\"button\" id=\"zoomout\">−</button><button type=\"button\" id=\"zoomin\">+</button>")
        .append("</div>\n");
    out.append("<div class=\"main\">\n<div class=\"scroll\" id=\"ladder\">\n")
        .append(SequenceSvg.render(model, options.relativeSeq(), options.timers(), options.lang()))
        .append("</div>\n");
    out.append("<div class=\"side\">\n<h2>")
        .append(escape(w.get("narration")))
        .append("</h2>\n<ol class=\"narration\" id=\"narration\">\n");
    Map<Integer, Integer> folds = SequenceSvg.folds(model);
    List<Narrator.Line> rel = Narration.lines(model, options.lang(), true);
    List<Narrator.Line> abs = Narration.lines(model, options.lang(), false);
    for (int i = 0; i < rel.size(); i++) {
      String shown = options.relativeSeq() ? rel.get(i).text() : abs.get(i).text();
      out.append("<li data-step=\"")
          .append(Integer.toString(drawnStep(model, rel.get(i).step(), options.timers(), folds)))
          .append("\" data-rel=\"")
          .append(escape(rel.get(i).text()))
          .append("\" data-abs=\"")
          .append(escape(abs.get(i).text()))
          .append("\">")
          .append(escape(shown))
          .append("</li>\n");
    }
    out.append("</ol>\n<h2>")
        .append(escape(w.get("diagram")))
        .append("</h2>\n")
        .append(
            StateDiagramSvg.render(
                model.hosts().stream()
                    .map(h -> NarrationText.host(h, options.lang()).strip())
                    .toList()))
        .append("</div>\n</div>\n");
    out.append("<p class=\"legend\"><span class=\"k ok\">")
        .append(escape(w.get("segment")))
        .append("</span> <span class=\"k rtx\">")
        .append(escape(w.get("rtx")))
        .append("</span> <span class=\"k lost\">")
        .append(escape(w.get("lost")))
        .append(" ✗</span> <span class=\"k unsent\">")
        .append(escape(w.get("unsent")))
        .append("</span></p>\n");
    out.append("<script type=\"application/json\" id=\"frames\">")
        .append(PlayerFrames.json(model))
        .append("</script>\n");
    String tsg = TimeSequenceSvg.render(model, w, options.lang());
    out.append("<h2>").append(escape(w.get("tsg"))).append("</h2>\n");
    out.append(
        tsg.isEmpty()
            ? "<p>" + escape(w.get("nodata")) + "</p>\n"
            : "<div class=\"plots\">\n" + tsg + "</div>\n");
    out.append("<h2>").append(escape(w.get("sender"))).append("</h2>\n");
    if (model.samples().isEmpty()) {
      out.append("<p>").append(escape(w.get("nosamples"))).append("</p>\n");
    } else {
      // The lines are named by host as the page's language calls it, and connection.
      List<Sample> samples =
          model.samples().stream()
              .map(
                  x ->
                      new Sample(
                          x.timeNanos(),
                          NarrationText.host(x.host(), options.lang()).strip(),
                          x.conn(),
                          x.cwnd(),
                          x.srttNanos(),
                          x.bytesInFlight()))
              .toList();
      String t = w.get("time");
      out.append("<div class=\"plots\">\n")
          .append(PlotSvg.render(w.get("cwnd"), w.get("bytes"), t, samples, Sample::cwnd, origin))
          .append(PlotSvg.render(w.get("srtt"), "ms", t, samples, s -> s.srttNanos() / 1e6, origin))
          .append(
              PlotSvg.render(
                  w.get("inflight"), w.get("bytes"), t, samples, Sample::bytesInFlight, origin))
          .append("</div>\n");
    }
    out.append("<h2>").append(escape(w.get("events"))).append("</h2>\n<table>\n<thead><tr>");
    for (String th : List.of("th_time", "th_host", "th_conn", "th_event", "th_details")) {
      out.append("<th>").append(escape(w.get(th))).append("</th>");
    }
    out.append("</tr></thead>\n<tbody>\n");
    String lang = options.lang();
    for (TraceEvent e : events) {
      if (e instanceof Packet) continue;
      String event = w.getOrDefault("ev_" + e.eventName(), e.eventName());
      out.append("<tr class=\"")
          .append(e.eventName())
          .append("\"><td>+")
          .append(Ladder.seconds(e.timeNanos() - origin, 6))
          .append("</td><td>")
          .append(escape(NarrationText.host(e.host(), lang).strip()))
          .append("</td><td>")
          .append(escape(e.conn()))
          .append("</td><td>")
          .append(escape(event))
          .append("</td><td>")
          .append(escape(details(e, w, lang)))
          .append("</td></tr>\n");
    }
    out.append("</tbody>\n</table>\n<script>\n")
        .append(HtmlAssets.SCRIPT)
        .append("</script>\n</body>\n</html>\n");
  }

  /**
   * Returns the step whose element a sentence is tied to: the step itself when the ladder draws it,
   * the arrow of an arrival, else the nearest drawn step before it (a timer hidden without {@code
   * --timers}).
   */
  static int drawnStep(LadderModel model, int step, boolean timers) {
    return drawnStep(model, step, timers, SequenceSvg.folds(model));
  }

  @SuppressWarnings("ReferenceEquality") // the arrow drawn at this step, not an equal one
  static int drawnStep(LadderModel model, int step, boolean timers, Map<Integer, Integer> folds) {
    List<LadderModel.Step> steps = model.steps();
    if (folds.containsKey(step)) return folds.get(step);
    for (int i = step; i >= 0; i--) {
      LadderModel.Step s = steps.get(i);
      if (s instanceof LadderModel.Arrival a) {
        for (int j = i - 1; j >= 0; j--) {
          if (steps.get(j) == a.arrow()) return folds.getOrDefault(j, j);
        }
        continue;
      }
      if (s instanceof LadderModel.TimerStep t
          && (!timers || t.action() == LadderModel.TimerAction.CANCELLED)) continue;
      return i;
    }
    return step;
  }

  /** Returns an event's fields for the table, the words in the page's language {@code w}. */
  private static String details(TraceEvent e, Map<String, String> w, String lang) {
    boolean zh = lang.equals("zh");
    return switch (e) {
      case StateChange s -> s.from() + " → " + s.to();
      case Segment s when s.segment() == null -> w.get("tipreason") + reason(s.reason(), zh);
      case Segment s -> {
        TraceEvent.SegmentInfo i = s.segment();
        yield LadderModel.flagNames(i.flags())
            + " seq="
            + i.seq()
            + " ack="
            + i.ack()
            + " win="
            + i.win()
            + " len="
            + i.len()
            + (i.options().isEmpty() ? "" : " [" + i.options() + "]")
            + (s.reason() == null ? "" : " " + w.get("tipreason") + reason(s.reason(), zh));
      }
      case Timer t ->
          zh
              ? NarrationText.timer(t.timer(), lang)
                  + w.getOrDefault("timer_" + t.action(), t.action())
              : t.timer() + " " + t.action();
      case Sample s ->
          "cwnd="
              + s.cwnd()
              + " srtt="
              + Ladder.seconds(s.srttNanos(), 6)
              + " "
              + w.get("inflightkey")
              + "="
              + s.bytesInFlight();
      case Note n -> zh ? NarrationText.noteZh(n.text()) : n.text();
      case Packet p -> "";
    };
  }

  /** Returns a drop reason in Chinese when {@code zh} and a translation exists, else as given. */
  private static String reason(String reason, boolean zh) {
    String t = zh ? NarrationText.reasonZh(reason) : null;
    return t == null ? String.valueOf(reason) : t;
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
}
