package dev.synack.demo;

import dev.synack.lesson.ComparisonPage;
import dev.synack.lesson.Sentence;
import dev.synack.sim.PathConfig;
import dev.synack.sim.PathExperiment;
import dev.synack.sim.PathResult;
import dev.synack.tcp.TcpConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Congestion control algorithms side by side (issue 18 point 3, {@code synack demo --cc
 * cubic,bbr}): each moves the same bytes over the same lossy, deep-buffered bottleneck in a {@link
 * PathExperiment}, and the throughput and queue delay of each round trip are set next to each
 * other.
 *
 * @param path the path every run crossed
 * @param names the algorithms, in the order given
 * @param results what each run measured, in the same order
 */
public record CcComparison(PathConfig path, List<String> names, List<PathResult> results) {
  public CcComparison {
    names = List.copyOf(names);
    results = List.copyOf(results);
  }

  /**
   * Returns the demo's path: 10 Mbit/s, the given round trip, {@code loss} on data packets, and a
   * drop-tail queue of 8 BDP (a "bufferbloated" bottleneck, where loss-based control fills the
   * queue and model-based control need not).
   */
  public static PathConfig deepBufferedPath(java.time.Duration rtt, double loss) {
    PathConfig base = PathConfig.of(10_000_000, rtt);
    return base.withQueue((int) Math.max(16 * 1024, base.bdpBytes() * 8)).withLoss(loss);
  }

  /**
   * Runs each named algorithm over {@code path} with {@code bytes}; an unknown name throws {@link
   * IllegalArgumentException}.
   */
  public static CcComparison run(PathConfig path, List<String> names, long bytes, long seed) {
    List<PathResult> results = new ArrayList<>();
    for (String name : names) {
      TcpConfig tcp =
          TcpConfig.defaults().withCongestionControl(name).withBuffers(4 << 20, 4 << 20);
      results.add(PathExperiment.run(path, bytes, tcp, seed));
    }
    return new CcComparison(path, names, results);
  }

  /** Returns the length of one bin of the per-round-trip series, ns. */
  public long binNanos() {
    return Math.max(path.rttNanos(), 1_000_000L);
  }

  /**
   * Returns the summary in English: each run's figures, then a table of throughput and queue delay
   * over time.
   */
  public List<String> summary() {
    return summary("en");
  }

  /**
   * Returns the summary in {@code lang} ({@code en} or {@code zh}): each run's figures, then a
   * table over time.
   */
  public List<String> summary(String lang) {
    List<String> lines = new ArrayList<>();
    lines.add(
        Sentence.of(
                Sentence.Kind.CC_PATH,
                "path",
                describe(path),
                "bdp",
                path.bdpBytes(),
                "queue",
                String.format(Locale.ROOT, "%.0f", path.queueBytes() * 8e3 / path.bandwidth()))
            .in(lang));
    for (int i = 0; i < names.size(); i++) {
      PathResult r = results.get(i);
      lines.add(
          Sentence.of(
                  Sentence.Kind.CC_RUN,
                  "name",
                  String.format(Locale.ROOT, "%-8s", names.get(i)),
                  "goodput",
                  String.format(Locale.ROOT, "%6.3f", r.goodput() / 1e6),
                  "share",
                  String.format(Locale.ROOT, "%.0f", r.goodput() * 100 / path.bandwidth()),
                  "delay",
                  String.format(Locale.ROOT, "%7.2f", r.queueDelayMedianNanos() / 1e6),
                  "flight",
                  String.format(
                      Locale.ROOT,
                      "%.2f",
                      path.bdpBytes() == 0
                          ? 0.0
                          : (double) r.inFlightMedianBytes() / path.bdpBytes()),
                  "rtx",
                  r.retransmissions(),
                  "unfinished",
                  r.completed() ? "" : Sentence.of(Sentence.Kind.CC_NOT_COMPLETED))
              .in(lang));
    }
    int bins = 0;
    for (PathResult r : results) bins = Math.max(bins, r.perRoundTrip().size());
    int stride = Math.max(1, Math.ceilDiv(bins, 20));
    StringBuilder head =
        new StringBuilder(
            String.format(Locale.ROOT, "%8s", Sentence.of(Sentence.Kind.CC_TIME_COLUMN).in(lang)));
    for (String n : names) {
      head.append(" | ")
          .append(
              Sentence.of(
                      Sentence.Kind.CC_RUN_COLUMNS, "name", String.format(Locale.ROOT, "%-8s", n))
                  .in(lang));
    }
    lines.add("");
    lines.add(head.toString());
    for (int b = 0; b < bins; b += stride) {
      StringBuilder row =
          new StringBuilder(String.format(Locale.ROOT, "%8.2f", b * binNanos() / 1e9));
      for (PathResult r : results) {
        row.append(
            String.format(
                Locale.ROOT,
                " | %15.2f %9.2f",
                mean(r.perRoundTrip(), b, stride) / 1e6,
                mean(r.queueDelayPerRoundTrip(), b, stride)));
      }
      lines.add(row.toString());
    }
    return lines;
  }

  /**
   * Returns the HTML page in English: the summary and the two plots, throughput and queue delay
   * over time.
   */
  public String html() {
    return html("en");
  }

  /**
   * Returns the HTML page in {@code lang}: the summary and the two plots, throughput and queue
   * delay over time.
   */
  public String html(String lang) {
    // Bins of about 100 ms: goodput read per round trip jumps when a repaired hole releases what
    // waited behind it.
    int k = (int) Math.max(1, 100_000_000L / binNanos());
    List<ComparisonPage.Series> throughput = new ArrayList<>();
    List<ComparisonPage.Series> delay = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      throughput.add(
          new ComparisonPage.Series(names.get(i), coarse(results.get(i).perRoundTrip(), k, 1e-6)));
      delay.add(
          new ComparisonPage.Series(
              names.get(i), coarse(results.get(i).queueDelayPerRoundTrip(), k, 1)));
    }
    return ComparisonPage.render(
        Sentence.of(Sentence.Kind.CC_HEADER, "names", String.join(" vs ", names)).in(lang),
        summary(lang),
        binNanos() * k,
        List.of(
            new ComparisonPage.Plot(
                Sentence.of(Sentence.Kind.CC_THROUGHPUT_PLOT).in(lang), "Mbit/s", throughput),
            new ComparisonPage.Plot(
                Sentence.of(Sentence.Kind.CC_DELAY_PLOT).in(lang), "ms", delay)),
        lang);
  }

  private static List<Double> coarse(List<Double> values, int k, double scale) {
    List<Double> out = new ArrayList<>();
    for (int i = 0; i < values.size(); i += k) out.add(mean(values, i, k) * scale);
    return out;
  }

  private static double mean(List<Double> values, int from, int count) {
    double sum = 0;
    int n = 0;
    for (int i = from; i < Math.min(values.size(), from + count); i++, n++) sum += values.get(i);
    return n == 0 ? 0 : sum / n;
  }

  /**
   * Returns the path in one line, {@code 10.0 Mbit/s, RTT 20.0 ms, loss 0.10 %, queue 200000 B, mtu
   * 1500}, to be told in a language.
   */
  static Sentence describe(PathConfig path) {
    return Sentence.of(
        Sentence.Kind.CC_PATH_CONFIG,
        "mbit",
        String.format(Locale.ROOT, "%.1f", path.bandwidth() / 1e6),
        "rtt",
        String.format(Locale.ROOT, "%.1f", path.rttNanos() / 1e6),
        "loss",
        String.format(Locale.ROOT, "%.2f", path.loss() * 100),
        "queue",
        path.queueBytes(),
        "mtu",
        path.mtu());
  }
}
