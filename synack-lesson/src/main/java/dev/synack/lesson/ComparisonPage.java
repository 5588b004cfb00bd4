package dev.synack.lesson;

import dev.synack.trace.TraceEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * A self-contained HTML page that sets runs side by side: a summary, then one plot per quantity
 * with a line per run (e.g. throughput and queue delay of CUBIC and BBR on one path).
 */
public final class ComparisonPage {
  /** One line of a plot: a run's name and its value in each bin of {@code binNanos}. */
  public record Series(String name, List<Double> values) {
    public Series {
      values = List.copyOf(values);
    }
  }

  /** One plot: its title, unit, and a line per run. */
  public record Plot(String title, String unit, List<Series> series) {
    public Plot {
      series = List.copyOf(series);
    }
  }

  /** Values are drawn in thousandths: {@link TraceEvent.Sample} carries whole numbers. */
  private static final double SCALE = 1000;

  private ComparisonPage() {}

  /**
   * Returns the page: {@code title}, the {@code summary} lines, and the plots over bins of {@code
   * binNanos}.
   */
  public static String render(String title, List<String> summary, long binNanos, List<Plot> plots) {
    return render(title, summary, binNanos, plots, "en");
  }

  /** Returns the page, its words in {@code lang}, {@code en} or {@code zh}. */
  public static String render(
      String title, List<String> summary, long binNanos, List<Plot> plots, String lang) {
    StringBuilder out = new StringBuilder();
    out.append("<!DOCTYPE html>\n<html lang=\"")
        .append(HtmlReport.escape(lang))
        .append("\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>")
        .append(HtmlReport.escape(title))
        .append("</title>\n<style>\n")
        .append(HtmlAssets.CSS)
        .append("</style>\n</head>\n<body>\n<h1>")
        .append(HtmlReport.escape(title))
        .append("</h1>\n<pre>");
    for (String line : summary) out.append(HtmlReport.escape(line)).append('\n');
    out.append("</pre>\n");
    for (Plot plot : plots) {
      List<TraceEvent.Sample> samples = new ArrayList<>();
      for (Series s : plot.series()) {
        for (int i = 0; i < s.values().size(); i++) {
          samples.add(
              new TraceEvent.Sample(
                  i * binNanos, s.name(), "", Math.round(s.values().get(i) * SCALE), 0, 0));
        }
      }
      out.append(
          PlotSvg.render(
              plot.title(),
              plot.unit(),
              HtmlWords.of(lang).get("time"),
              samples,
              x -> x.cwnd() / SCALE,
              0));
    }
    return out.append("</body>\n</html>\n").toString();
  }
}
