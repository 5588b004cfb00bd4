package dev.synack.lesson;

import dev.synack.trace.TraceEvent.Sample;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * A line plot over time as an SVG element: axes with round ticks, one step line per connection side
 * (a value holds until the next sample), and a legend. No script: tooltips are {@code <title>}s.
 */
final class PlotSvg {
  private static final int WIDTH = 660;
  private static final int HEIGHT = 230;
  private static final int LEFT = 72;
  private static final int RIGHT = 16;

  /** Room above the plot for the title line; each further series' legend adds a line. */
  private static final int TOP = 28;

  private static final int LEGEND_LINE = 14;
  private static final int BOTTOM = 36;
  private static final int SERIES_COLOURS = 6;

  private PlotSvg() {}

  /**
   * Returns a plot of one quantity of the samples, a line per host and connection.
   *
   * @param origin the time drawn as 0, in nanoseconds
   */
  static String render(
      String title,
      String unit,
      List<Sample> samples,
      ToDoubleFunction<Sample> value,
      long origin) {
    return render(title, unit, "time (s)", samples, value, origin);
  }

  /**
   * Returns a plot of one quantity of the samples, a line per host and connection, its time axis
   * named {@code timeAxis}.
   *
   * @param origin the time drawn as 0, in nanoseconds
   */
  static String render(
      String title,
      String unit,
      String timeAxis,
      List<Sample> samples,
      ToDoubleFunction<Sample> value,
      long origin) {
    Map<String, List<Sample>> series = new LinkedHashMap<>();
    for (Sample s : samples)
      series.computeIfAbsent(s.host() + " " + s.conn(), k -> new ArrayList<>()).add(s);
    double maxT = 0;
    double maxV = 0;
    for (Sample s : samples) {
      maxT = Math.max(maxT, (s.timeNanos() - origin) / 1e9);
      maxV = Math.max(maxV, value.applyAsDouble(s));
    }
    double stepT = niceStep(maxT);
    double stepV = niceStep(maxV);
    double topT = Math.max(stepT, Math.ceil(maxT / stepT) * stepT);
    double topV = Math.max(stepV, Math.ceil(maxV / stepV) * stepV);
    int top = TOP + LEGEND_LINE * Math.max(0, series.size() - 1);
    int height = HEIGHT + top - TOP;
    double plotW = WIDTH - LEFT - RIGHT;
    double plotH = height - top - BOTTOM;

    StringBuilder out = new StringBuilder();
    out.append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" width=\"")
        .append(WIDTH)
        .append("\" height=\"")
        .append(height)
        .append("\" viewBox=\"0 0 ")
        .append(WIDTH)
        .append(' ')
        .append(height)
        .append("\" role=\"img\">\n<text class=\"plot-title\" x=\"")
        .append(LEFT)
        .append("\" y=\"16\">")
        .append(HtmlReport.escape(title + " (" + unit + ")"))
        .append("</text>\n");
    for (double v = 0; v <= topV + stepV / 2; v += stepV) {
      double y = top + plotH - v / topV * plotH;
      out.append("<line class=\"grid\" x1=\"")
          .append(LEFT)
          .append("\" y1=\"")
          .append(SequenceSvg.num(y))
          .append("\" x2=\"")
          .append(WIDTH - RIGHT)
          .append("\" y2=\"")
          .append(SequenceSvg.num(y))
          .append("\"/>")
          .append("<text class=\"tick\" x=\"")
          .append(LEFT - 6)
          .append("\" y=\"")
          .append(SequenceSvg.num(y + 4))
          .append("\" text-anchor=\"end\">")
          .append(tick(v))
          .append("</text>\n");
    }
    for (double t = 0; t <= topT + stepT / 2; t += stepT) {
      double x = LEFT + t / topT * plotW;
      out.append("<line class=\"grid\" x1=\"")
          .append(SequenceSvg.num(x))
          .append("\" y1=\"")
          .append(top)
          .append("\" x2=\"")
          .append(SequenceSvg.num(x))
          .append("\" y2=\"")
          .append(top + (int) plotH)
          .append("\"/>")
          .append("<text class=\"tick\" x=\"")
          .append(SequenceSvg.num(x))
          .append("\" y=\"")
          .append(height - BOTTOM + 16)
          .append("\" text-anchor=\"middle\">")
          .append(tick(t))
          .append("</text>\n");
    }
    out.append("<line class=\"axis\" x1=\"")
        .append(LEFT)
        .append("\" y1=\"")
        .append(top + (int) plotH)
        .append("\" x2=\"")
        .append(WIDTH - RIGHT)
        .append("\" y2=\"")
        .append(top + (int) plotH)
        .append("\"/>")
        .append("<line class=\"axis\" x1=\"")
        .append(LEFT)
        .append("\" y1=\"")
        .append(top)
        .append("\" x2=\"")
        .append(LEFT)
        .append("\" y2=\"")
        .append(top + (int) plotH)
        .append("\"/>\n")
        .append("<text class=\"tick\" x=\"")
        .append(WIDTH - RIGHT)
        .append("\" y=\"")
        .append(height - 4)
        .append("\" text-anchor=\"end\">")
        .append(HtmlReport.escape(timeAxis))
        .append("</text>\n");
    int i = 0;
    for (Map.Entry<String, List<Sample>> e : series.entrySet()) {
      StringBuilder points = new StringBuilder();
      double lastY = Double.NaN;
      for (Sample s : e.getValue()) {
        double x = LEFT + (s.timeNanos() - origin) / 1e9 / topT * plotW;
        double y = top + plotH - value.applyAsDouble(s) / topV * plotH;
        // A step line: the value holds until the next sample.
        if (!Double.isNaN(lastY))
          points.append(SequenceSvg.num(x)).append(',').append(SequenceSvg.num(lastY)).append(' ');
        points.append(SequenceSvg.num(x)).append(',').append(SequenceSvg.num(y)).append(' ');
        lastY = y;
      }
      String colour = "s" + (i % SERIES_COLOURS);
      out.append("<polyline class=\"series ")
          .append(colour)
          .append("\" points=\"")
          .append(points.toString().strip())
          .append("\"><title>")
          .append(HtmlReport.escape(e.getKey()))
          .append("</title></polyline>\n")
          .append("<text class=\"legend ")
          .append(colour)
          .append("\" x=\"")
          .append(WIDTH - RIGHT)
          .append("\" y=\"")
          .append(16 + LEGEND_LINE * i)
          .append("\" text-anchor=\"end\">")
          .append(HtmlReport.escape(e.getKey()))
          .append("</text>\n");
      i++;
    }
    return out.append("</svg>\n").toString();
  }

  /**
   * Returns a round step (1, 2 or 5 times a power of ten) that cuts {@code max} into about five.
   */
  static double niceStep(double max) {
    if (!(max > 0)) return 1;
    double raw = max / 5;
    double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
    double f = raw / magnitude;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * magnitude;
  }

  /** Returns a tick value without trailing zeros, e.g. {@code 0.25}, {@code 14600}. */
  static String tick(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) return Long.toString((long) v);
    return new java.math.BigDecimal(v)
        .setScale(6, java.math.RoundingMode.HALF_EVEN)
        .stripTrailingZeros()
        .toPlainString();
  }
}
