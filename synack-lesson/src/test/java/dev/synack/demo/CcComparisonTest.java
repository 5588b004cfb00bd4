package dev.synack.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.sim.PathConfig;
import dev.synack.sim.PathResult;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The --cc comparison: same path for every algorithm, a summary row each, a plot line each. */
class CcComparisonTest {
  @Test
  void twoAlgorithms_samePath_summaryAndPlots() {
    PathConfig path = CcComparison.deepBufferedPath(Duration.ofMillis(20), 0.001);
    assertEquals(8 * path.bdpBytes(), path.queueBytes());
    CcComparison c = CcComparison.run(path, List.of("cubic", "bbr"), 500_000, 1);
    assertEquals(2, c.results().size());
    assertTrue(c.results().stream().allMatch(PathResult::completed));
    List<String> summary = c.summary();
    assertTrue(
        summary.get(1).startsWith("cubic") && summary.get(2).startsWith("bbr"), summary.toString());
    // In Chinese, the same figures in the articles' words; only units, algorithm names and
    // abbreviations stay Latin.
    List<String> zh = c.summary("zh");
    assertTrue(
        zh.getFirst().startsWith("路径：10.0 Mbit/s，RTT 20.0 ms，丢包率 0.10 %，队列 "), zh.toString());
    assertTrue(
        zh.get(1).startsWith("cubic")
            && zh.get(1).contains("有效吞吐量")
            && zh.get(1).contains("排队时延中位数"),
        zh.toString());
    for (String line : zh) {
      for (String english :
          List.of("goodput", "median", "queue", "path", "loss", "time", "retransmitted")) {
        assertTrue(!line.contains(english), english + " in: " + line);
      }
    }
    assertTrue(c.html("zh").contains("<html lang=\"zh\">") && c.html("zh").contains("瓶颈处的排队时延"));
    String html = c.html();
    assertEquals(2, html.split("<svg", -1).length - 1, "a throughput plot and a queue-delay plot");
    assertEquals(4, html.split("<polyline", -1).length - 1, "a line per algorithm in each");
  }

  @Test
  void threeAlgorithms_bbr3BesideV1_aLineEachAndLessQueueThanCubic() {
    PathConfig path = CcComparison.deepBufferedPath(Duration.ofMillis(20), 0.001);
    CcComparison c = CcComparison.run(path, List.of("cubic", "bbr", "bbr3"), 1_000_000, 1);
    List<String> summary = c.summary();
    assertTrue(summary.get(3).startsWith("bbr3 "), summary.toString());
    assertTrue(c.results().stream().allMatch(PathResult::completed), summary.toString());
    // CUBIC fills the 8-BDP buffer; BBR v3 keeps about a BDP in flight and the queue near empty.
    PathResult cubic = c.results().get(0);
    PathResult bbr3 = c.results().get(2);
    assertTrue(
        bbr3.queueDelayMedianNanos() * 10 < cubic.queueDelayMedianNanos(), summary.toString());
    String html = c.html();
    assertEquals(6, html.split("<polyline", -1).length - 1, "three lines in each of two plots");
    assertTrue(html.contains(">bbr3 </text>"), "bbr3 in the legends");
  }

  @Test
  void unknownAlgorithm_rejected() {
    assertThrows(
        IllegalArgumentException.class,
        () ->
            CcComparison.run(
                CcComparison.deepBufferedPath(Duration.ofMillis(20), 0),
                List.of("vegas"),
                1000,
                1));
  }

  @Test
  void pathToldInEnglish_readsAsThePathsOwnToString() {
    // PathConfig formats itself without the narration (the core does not see this module), and
    // the demo tells the same line from its sentence table: the two must not drift apart.
    PathConfig path = PathConfig.of(12_500_000, Duration.ofMillis(35)).withLoss(0.0125);
    assertEquals(
        "12.5 Mbit/s, RTT 35.0 ms, loss 1.25 %, queue " + path.queueBytes() + " B, mtu 1500",
        CcComparison.describe(path).in("en"));
    assertEquals(CcComparison.describe(path).in("en"), path.toString());
  }
}
