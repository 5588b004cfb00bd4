package dev.synack.lesson;

import java.util.List;
import java.util.Map;

/**
 * RFC 9293's state diagram (section 3.3.2, figure 5) as an SVG element: a box per state, an arrow
 * per transition, and one marker per host that the page's player moves to the state that host is
 * in. The boxes are {@code <g class="sd-state" data-state="NAME">}.
 */
final class StateDiagramSvg {
  private static final int WIDTH = 600;
  private static final int HEIGHT = 430;
  private static final int BOX_W = 128;
  private static final int BOX_H = 26;

  /** Where each state's box is centred, laid out as figure 5 of RFC 9293. */
  private static final Map<String, int[]> AT =
      Map.ofEntries(
          Map.entry("CLOSED", new int[] {300, 30}),
          Map.entry("LISTEN", new int[] {300, 90}),
          Map.entry("SYN_RECEIVED", new int[] {130, 150}),
          Map.entry("SYN_SENT", new int[] {470, 150}),
          Map.entry("ESTABLISHED", new int[] {300, 210}),
          Map.entry("FIN_WAIT_1", new int[] {130, 270}),
          Map.entry("CLOSE_WAIT", new int[] {470, 270}),
          Map.entry("FIN_WAIT_2", new int[] {130, 330}),
          Map.entry("CLOSING", new int[] {300, 330}),
          Map.entry("LAST_ACK", new int[] {470, 330}),
          Map.entry("TIME_WAIT", new int[] {130, 390}));

  /** The transitions of figure 5, each as from and to. */
  private static final List<String[]> EDGES =
      List.of(
          new String[] {"CLOSED", "LISTEN"},
          new String[] {"CLOSED", "SYN_SENT"},
          new String[] {"LISTEN", "SYN_RECEIVED"},
          new String[] {"LISTEN", "SYN_SENT"},
          new String[] {"SYN_SENT", "SYN_RECEIVED"},
          new String[] {"SYN_RECEIVED", "ESTABLISHED"},
          new String[] {"SYN_SENT", "ESTABLISHED"},
          new String[] {"SYN_RECEIVED", "FIN_WAIT_1"},
          new String[] {"ESTABLISHED", "FIN_WAIT_1"},
          new String[] {"ESTABLISHED", "CLOSE_WAIT"},
          new String[] {"FIN_WAIT_1", "FIN_WAIT_2"},
          new String[] {"FIN_WAIT_1", "CLOSING"},
          new String[] {"FIN_WAIT_2", "TIME_WAIT"},
          new String[] {"CLOSING", "TIME_WAIT"},
          new String[] {"CLOSE_WAIT", "LAST_ACK"});

  private StateDiagramSvg() {}

  /** Returns the diagram with a marker per host, named as the page names them. */
  static String render(List<String> hostNames) {
    StringBuilder out = new StringBuilder();
    out.append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"states\" width=\"")
        .append(WIDTH)
        .append("\" height=\"")
        .append(HEIGHT)
        .append("\" viewBox=\"0 0 ")
        .append(WIDTH)
        .append(' ')
        .append(HEIGHT)
        .append("\" role=\"img\">\n")
        .append(
            "<defs><marker id=\"sd-head\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\"")
        .append(" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\"/></marker></defs>\n");
    for (String[] e : EDGES) {
      int[] a = AT.get(e[0]);
      int[] b = AT.get(e[1]);
      double[] from = edge(a, b);
      double[] to = edge(b, a);
      out.append("<line class=\"sd-edge\" x1=\"")
          .append(SequenceSvg.num(from[0]))
          .append("\" y1=\"")
          .append(SequenceSvg.num(from[1]))
          .append("\" x2=\"")
          .append(SequenceSvg.num(to[0]))
          .append("\" y2=\"")
          .append(SequenceSvg.num(to[1]))
          .append("\" marker-end=\"url(#sd-head)\"/>\n");
    }
    // The two ways back to CLOSED go round the outside, as in the figure.
    out.append(
            "<polyline class=\"sd-edge\" points=\"66,390 24,390 24,30 236,30\" marker-end=\"url(#sd-head)\"/>\n")
        .append(
            "<polyline class=\"sd-edge\" points=\"534,330 576,330 576,30 364,30\" marker-end=\"url(#sd-head)\"/>\n");
    for (Map.Entry<String, int[]> s :
        AT.entrySet().stream().sorted(Map.Entry.comparingByKey()).toList()) {
      int[] c = s.getValue();
      out.append("<g class=\"sd-state\" data-state=\"")
          .append(s.getKey())
          .append("\"><rect x=\"")
          .append(c[0] - BOX_W / 2)
          .append("\" y=\"")
          .append(c[1] - BOX_H / 2)
          .append("\" width=\"")
          .append(BOX_W)
          .append("\" height=\"")
          .append(BOX_H)
          .append("\" rx=\"6\"/><text x=\"")
          .append(c[0])
          .append("\" y=\"")
          .append(c[1] + 4)
          .append("\">")
          .append(s.getKey())
          .append("</text></g>\n");
    }
    for (int i = 0; i < hostNames.size() && i < 2; i++) {
      out.append("<text class=\"sd-mark m")
          .append(i)
          .append("\" data-column=\"")
          .append(i)
          .append("\" x=\"-100\" y=\"-100\">")
          .append(HtmlReport.escape(hostNames.get(i)))
          .append("</text>\n");
    }
    return out.append("</svg>\n").toString();
  }

  /** Returns the point where the line from box {@code a} towards box {@code b} leaves {@code a}. */
  private static double[] edge(int[] a, int[] b) {
    double dx = b[0] - a[0];
    double dy = b[1] - a[1];
    double sx = dx == 0 ? Double.MAX_VALUE : (BOX_W / 2.0) / Math.abs(dx);
    double sy = dy == 0 ? Double.MAX_VALUE : (BOX_H / 2.0) / Math.abs(dy);
    double s = Math.min(sx, sy);
    return new double[] {a[0] + dx * s, a[1] + dy * s};
  }

  /** Returns the centre of a state's box, or null for a name not in the figure. */
  static int[] centre(String state) {
    return AT.get(state);
  }
}
