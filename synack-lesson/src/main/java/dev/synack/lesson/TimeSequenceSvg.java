package dev.synack.lesson;

import dev.synack.lesson.LadderModel.Arrow;
import dev.synack.lesson.LadderModel.Fate;
import dev.synack.lesson.LadderModel.Step;
import dev.synack.trace.TraceEvent.SegmentInfo;
import dev.synack.wire.TcpFlags;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The time–sequence graph of each direction that carried data, in the style of tcptrace and of
 * Stevens' figures: a vertical bar per segment from its first to its last byte at the time it was
 * sent (retransmissions and lost segments in their own colours), the ACK line and the
 * receive-window line (ACK + window, scaled) as the sender heard them, and SACK blocks as short
 * bars at the time their ACK arrived. Sequence numbers are relative to the direction's ISN.
 */
final class TimeSequenceSvg {
  private static final int WIDTH = 660;
  private static final int HEIGHT = 300;
  private static final int LEFT = 80;
  private static final int RIGHT = 16;

  /** Room above the plot for the title line and the key line. */
  private static final int TOP = 44;

  private static final int BOTTOM = 36;
  private static final Pattern SACK_BLOCK = Pattern.compile("\\{(\\d+):(\\d+)}");

  private TimeSequenceSvg() {}

  /** Returns a graph per direction with data, or an empty string when no segment carried any. */
  static String render(LadderModel model, Map<String, String> words, String lang) {
    Map<String, List<Arrow>> byDirection = new LinkedHashMap<>();
    for (Step s : model.steps()) {
      if (s instanceof Arrow a)
        byDirection.computeIfAbsent(a.from() + " " + a.conn(), k -> new ArrayList<>()).add(a);
    }
    long origin = model.steps().stream().mapToLong(Step::time).min().orElse(0);
    StringBuilder out = new StringBuilder();
    for (Map.Entry<String, List<Arrow>> e : byDirection.entrySet()) {
      List<Arrow> sent = e.getValue();
      if (sent.stream().noneMatch(a -> a.segment().len() > 0)) continue;
      Arrow first = sent.getFirst();
      List<Arrow> acks =
          byDirection.getOrDefault(first.to() + " " + LadderModel.reverse(first.conn()), List.of());
      out.append(graph(model, sent, acks, origin, words, lang));
    }
    return out.toString();
  }

  private static String graph(
      LadderModel model,
      List<Arrow> sent,
      List<Arrow> acks,
      long origin,
      Map<String, String> words,
      String lang) {
    SegmentInfo syn =
        sent.stream().map(Arrow::segment).filter(s -> s.has(TcpFlags.SYN)).findFirst().orElse(null);
    long isn = syn != null ? syn.seq() : sent.getFirst().segment().seq();
    int shift = -1;
    SegmentInfo peerSyn =
        acks.stream().map(Arrow::segment).filter(s -> s.has(TcpFlags.SYN)).findFirst().orElse(null);
    if (syn != null
        && peerSyn != null
        && syn.options().contains("wscale ")
        && peerSyn.options().contains("wscale ")) {
      shift = Integer.parseInt(peerSyn.options().replaceAll(".*wscale (\\d+).*", "$1"));
    }
    double maxT = 0;
    double maxY = 1;
    for (Arrow a : sent) {
      maxT = Math.max(maxT, (a.time() - origin) / 1e9);
      maxY = Math.max(maxY, rel(a.segment().seq(), isn) + extent(a.segment()));
    }
    for (Arrow a : acks) {
      if (a.endTime() >= 0) maxT = Math.max(maxT, (a.endTime() - origin) / 1e9);
    }
    double stepT = PlotSvg.niceStep(maxT);
    double stepY = PlotSvg.niceStep(maxY);
    double topT = Math.max(stepT, Math.ceil(maxT / stepT) * stepT);
    double topY = Math.max(stepY, Math.ceil(maxY / stepY) * stepY);
    double plotW = WIDTH - LEFT - RIGHT;
    double plotH = HEIGHT - TOP - BOTTOM;
    StringBuilder out = new StringBuilder();
    String title =
        NarrationText.host(model.hosts().get(sent.getFirst().from()), lang).strip()
            + " → "
            + NarrationText.host(model.hosts().get(sent.getFirst().to()), lang).strip();
    out.append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot tsg\" width=\"")
        .append(WIDTH)
        .append("\" height=\"")
        .append(HEIGHT)
        .append("\" viewBox=\"0 0 ")
        .append(WIDTH)
        .append(' ')
        .append(HEIGHT)
        .append("\" role=\"img\">\n")
        .append("<text class=\"plot-title\" x=\"")
        .append(LEFT)
        .append("\" y=\"16\">")
        .append(HtmlReport.escape(title + " (" + words.get("relseq") + ")"))
        .append("</text>\n");
    for (double v = 0; v <= topY + stepY / 2; v += stepY) {
      double y = TOP + plotH - v / topY * plotH;
      out.append("<line class=\"grid\" x1=\"")
          .append(LEFT)
          .append("\" y1=\"")
          .append(SequenceSvg.num(y))
          .append("\" x2=\"")
          .append(WIDTH - RIGHT)
          .append("\" y2=\"")
          .append(SequenceSvg.num(y))
          .append("\"/><text class=\"tick\" x=\"")
          .append(LEFT - 6)
          .append("\" y=\"")
          .append(SequenceSvg.num(y + 4))
          .append("\" text-anchor=\"end\">")
          .append(PlotSvg.tick(v))
          .append("</text>\n");
    }
    for (double t = 0; t <= topT + stepT / 2; t += stepT) {
      double x = LEFT + t / topT * plotW;
      out.append("<line class=\"grid\" x1=\"")
          .append(SequenceSvg.num(x))
          .append("\" y1=\"")
          .append(TOP)
          .append("\" x2=\"")
          .append(SequenceSvg.num(x))
          .append("\" y2=\"")
          .append(TOP + (int) plotH)
          .append("\"/><text class=\"tick\" x=\"")
          .append(SequenceSvg.num(x))
          .append("\" y=\"")
          .append(HEIGHT - BOTTOM + 16)
          .append("\" text-anchor=\"middle\">")
          .append(PlotSvg.tick(t))
          .append("</text>\n");
    }
    out.append("<text class=\"tick\" x=\"")
        .append(WIDTH - RIGHT)
        .append("\" y=\"")
        .append(HEIGHT - 4)
        .append("\" text-anchor=\"end\">")
        .append(HtmlReport.escape(words.get("time")))
        .append("</text>\n");
    // The ACK and window lines, as step lines at the times the ACKs reached the sender.
    StringBuilder ackLine = new StringBuilder();
    StringBuilder winLine = new StringBuilder();
    double lastAck = Double.NaN;
    double lastWin = Double.NaN;
    StringBuilder sacks = new StringBuilder();
    for (Arrow a : acks) {
      SegmentInfo s = a.segment();
      if (!s.has(TcpFlags.ACK) || a.endTime() < 0 || a.fate() == Fate.DROPPED) continue;
      double x = LEFT + (a.endTime() - origin) / 1e9 / topT * plotW;
      double ack = rel(s.ack(), isn);
      if (ack > topY * 1.5) continue; // an ACK of another incarnation
      long win = s.has(TcpFlags.SYN) || shift < 0 ? s.win() : (long) s.win() << Math.min(shift, 14);
      double yAck = y(ack, topY, plotH);
      double yWin = Math.max(TOP, y(ack + win, topY, plotH));
      if (!Double.isNaN(lastAck)) {
        ackLine.append(SequenceSvg.num(x)).append(',').append(SequenceSvg.num(lastAck)).append(' ');
        winLine.append(SequenceSvg.num(x)).append(',').append(SequenceSvg.num(lastWin)).append(' ');
      }
      ackLine.append(SequenceSvg.num(x)).append(',').append(SequenceSvg.num(yAck)).append(' ');
      winLine.append(SequenceSvg.num(x)).append(',').append(SequenceSvg.num(yWin)).append(' ');
      lastAck = yAck;
      lastWin = yWin;
      Matcher m = SACK_BLOCK.matcher(s.options());
      while (m.find()) {
        double left = rel(Long.parseLong(m.group(1)), isn);
        double right = rel(Long.parseLong(m.group(2)), isn);
        if (right > topY * 1.5) continue;
        sacks
            .append("<line class=\"ts-sack\" x1=\"")
            .append(SequenceSvg.num(x + 2))
            .append("\" y1=\"")
            .append(SequenceSvg.num(y(left, topY, plotH)))
            .append("\" x2=\"")
            .append(SequenceSvg.num(x + 2))
            .append("\" y2=\"")
            .append(SequenceSvg.num(y(right, topY, plotH)))
            .append("\"/>");
      }
    }
    if (!ackLine.isEmpty()) {
      out.append("<polyline class=\"ts-win\" points=\"")
          .append(winLine.toString().strip())
          .append("\"><title>")
          .append(HtmlReport.escape(words.get("win")))
          .append("</title></polyline>\n")
          .append("<polyline class=\"ts-ack\" points=\"")
          .append(ackLine.toString().strip())
          .append("\"><title>")
          .append(HtmlReport.escape(words.get("ackline")))
          .append("</title></polyline>\n");
    }
    out.append(sacks).append('\n');
    for (Arrow a : sent) {
      SegmentInfo s = a.segment();
      if (s.len() == 0 && !s.has(TcpFlags.SYN) && !s.has(TcpFlags.FIN)) continue;
      double x = LEFT + (a.time() - origin) / 1e9 / topT * plotW;
      double lo = rel(s.seq(), isn);
      String kind = a.stopsShort() ? "lost" : a.retransmit() ? "rtx" : "ok";
      out.append("<line class=\"ts-seg ")
          .append(kind)
          .append("\" x1=\"")
          .append(SequenceSvg.num(x))
          .append("\" y1=\"")
          .append(SequenceSvg.num(y(lo, topY, plotH)))
          .append("\" x2=\"")
          .append(SequenceSvg.num(x))
          .append("\" y2=\"")
          .append(SequenceSvg.num(Math.min(y(lo, topY, plotH) - 2, y(lo + extent(s), topY, plotH))))
          .append("\"><title>")
          .append(
              HtmlReport.escape(
                  LadderModel.flagNames(s.flags())
                      + " "
                      + (long) lo
                      + ":"
                      + (long) (lo + s.len())
                      + (a.retransmit() ? " " + words.get("rtx") : "")
                      + (a.stopsShort() ? " " + words.get("lost") : "")))
          .append("</title></line>");
      if (a.retransmit()) {
        out.append("<text class=\"ts-r\" x=\"")
            .append(SequenceSvg.num(x))
            .append("\" y=\"")
            .append(SequenceSvg.num(y(lo + extent(s), topY, plotH) - 3))
            .append("\">R</text>");
      }
    }
    out.append("\n<text class=\"legend ts-key\" x=\"")
        .append(LEFT)
        .append("\" y=\"32\">")
        .append(key(words.get("tskey")))
        .append("</text>\n");
    return out.append("</svg>\n").toString();
  }

  /**
   * Returns the key's five parts (segment, retransmission, ACK, window, SACK), each in its line's
   * colour.
   */
  private static String key(String text) {
    String[] parts = text.split("[,，] ?");
    String[] classes = {"k-seg", "k-rtx", "k-ack", "k-win", "k-sack"};
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < parts.length; i++) {
      b.append(i == 0 ? "" : "  ")
          .append("<tspan class=\"")
          .append(classes[Math.min(i, classes.length - 1)])
          .append("\">")
          .append(HtmlReport.escape(parts[i]))
          .append("</tspan>");
    }
    return b.toString();
  }

  private static double y(double v, double top, double plotH) {
    return TOP + plotH - v / top * plotH;
  }

  /** Returns how much sequence space a segment covers: its bytes, and one for a SYN or a FIN. */
  private static long extent(SegmentInfo s) {
    return (long) s.len() + (s.has(TcpFlags.SYN) ? 1 : 0) + (s.has(TcpFlags.FIN) ? 1 : 0);
  }

  private static double rel(long seq, long isn) {
    return (seq - isn) & 0xffff_ffffL;
  }
}
