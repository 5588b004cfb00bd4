package dev.synack.tcp;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.trace.TraceEvent;
import dev.synack.wire.TcpSegment;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Congestion control over a path, read from the sender's {@code sample} events as the HTML plots
 * show them: CUBIC's window after a loss (RFC 9438: concave up to W_max, then convex), NewReno's
 * halving and linear growth (RFC 5681), a window that reordering does not collapse (RACK-TLP and
 * D-SACK undo, RFC 8985, RFC 3708), and goodput against the Mathis bound on a lossy path.
 */
class CongestionScenarioTest {
  private static final long MS = 1_000_000L;
  private static final long S = 1_000_000_000L;

  /** Buffers that never limit the window on these paths. */
  private static final TcpConfig BIG = TcpConfig.defaults().withBuffers(16 << 20, 16 << 20);

  private static final int MSS = 1448;

  @Nested
  class CubicWindow {
    @Test
    void oneLoss_windowConcaveUpToWMaxThenConvex() {
      PathHarness h = new PathHarness(BIG, PathHarness.Path.of(200, 20));
      dropOnce(h, 250);
      h.run(18 * S);
      Reduction r = reduction(h.samples, 2 * 200 * MS);
      double wMax = (double) r.before / MSS;
      double k = Math.cbrt(wMax * (1 - Cubic.BETA) / Cubic.C);
      long kNanos = (long) (k * S);
      double early = growth(h.samples, r.time + kNanos / 10, r.time + 3 * kNanos / 10);
      double late = growth(h.samples, r.time + 6 * kNanos / 10, r.time + 8 * kNanos / 10);
      double past = growth(h.samples, r.time + 12 * kNanos / 10, r.time + 14 * kNanos / 10);
      double farPast = growth(h.samples, r.time + 16 * kNanos / 10, r.time + 18 * kNanos / 10);
      String curve =
          "W_max "
              + (int) wMax
              + " segments, K "
              + k
              + " s, growth per 0.2·K: "
              + early
              + ", "
              + late
              + ", "
              + past
              + ", "
              + farPast;
      assertTrue(early > late, "concave: growth slows towards W_max; " + curve);
      assertTrue(farPast > past, "convex: growth speeds up beyond W_max; " + curve);
      double atK = cwndAt(h.samples, r.time + kNanos) / MSS;
      assertTrue(
          Math.abs(atK - wMax) < 0.1 * wMax,
          "the plateau: cwnd near W_max at K (" + atK + "); " + curve);
    }
  }

  @Nested
  class NewRenoWindow {
    @Test
    void oneLoss_windowHalvedThenOneSegmentPerRoundTrip() {
      PathHarness h =
          new PathHarness(BIG.withCongestionControl("newreno"), PathHarness.Path.of(100, 20));
      dropOnce(h, 100);
      h.run(6 * S);
      Reduction r = reduction(h.samples, 2 * 100 * MS);
      double ratio = (double) r.after / r.before;
      assertTrue(ratio > 0.4 && ratio < 0.6, "halved: " + r.before + " -> " + r.after);
      // Congestion avoidance: one segment per RTT, about 10 in a second of 100 ms round trips.
      long start = r.time + S;
      double perSecond = (cwndAt(h.samples, start + S) - cwndAt(h.samples, start)) / MSS;
      assertTrue(
          perSecond > 6 && perSecond < 12, "linear growth, segments per second: " + perSecond);
    }
  }

  @Nested
  class Reordering {
    @Test
    void fivePercentReordered_windowNotCollapsed() {
      PathHarness.Path clean = PathHarness.Path.of(50, 20);
      long inOrder = goodput(BIG, clean, 10 * S);
      PathHarness reordered = new PathHarness(BIG, clean.withReorder(0.05, 10 * MS));
      reordered.run(10 * S);
      long withReordering = reordered.delivered();
      assertTrue(
          withReordering > 0.9 * inOrder,
          "reordering costs under 10 %: "
              + withReordering
              + " of "
              + inOrder
              + " bytes; notes "
              + reordered.notes.stream().limit(5).map(TraceEvent.Note::text).toList());
      assertTrue(reordered.sender().recovery.rack().reorderingSeen());
    }
  }

  @Nested
  class Throughput {
    @Test
    void defaultConfig_100MbitPath50msRtt_keptFullAfterSlowStart() {
      // The bandwidth-delay product is 625 KB: the send buffer grows past its initial 128 KiB with
      // cwnd (Linux's send-buffer autotuning), and window scaling lets the receiver offer it.
      PathHarness h =
          new PathHarness(
              TcpConfig.defaults(), PathHarness.Path.of(50, 100).withQueueLimit(625_000));
      h.run(S);
      long before = h.delivered();
      h.run(3 * S);
      double payloadShare =
          MSS / (double) (MSS + 40); // what the link carries of each packet the harness counts
      double utilisation = (h.delivered() - before) * 8.0 / 2 / 100e6 / payloadShare;
      assertTrue(utilisation >= 0.95, "link kept " + utilisation + " full");
    }
  }

  @Nested
  class RandomLoss {
    @Test
    void onePercentLoss_goodputAboveMathisBound_cubicAboveNewReno() {
      PathHarness.Path lossy = PathHarness.Path.of(50, 100).withLoss(0.01);
      long seconds = 30;
      double mathis = MSS * 8 / 0.050 * 1.22 / Math.sqrt(0.01) / 1e6; // Mbit/s
      double cubic = 0;
      double newReno = 0;
      for (long seed = 1; seed <= 3; seed++) {
        cubic += goodput(BIG, lossy.withSeed(seed), seconds * S) * 8.0 / seconds / 1e6 / 3;
        newReno +=
            goodput(BIG.withCongestionControl("newreno"), lossy.withSeed(seed), seconds * S)
                * 8.0
                / seconds
                / 1e6
                / 3;
      }
      String figures =
          "CUBIC "
              + cubic
              + " Mbit/s, NewReno "
              + newReno
              + " Mbit/s, Mathis bound "
              + mathis
              + " Mbit/s";
      assertTrue(cubic > mathis, figures);
      assertTrue(newReno > 0.8 * mathis, figures);
      assertTrue(cubic > newReno, figures);
    }
  }

  // ---- Helpers ----

  private static long goodput(TcpConfig cfg, PathHarness.Path path, long duration) {
    PathHarness h = new PathHarness(cfg, path);
    h.run(duration);
    return h.delivered();
  }

  /** Drops the data segment that starts the {@code n}th MSS of the stream, once. */
  private static void dropOnce(PathHarness h, int n) {
    int seq = EnginePair.CLIENT_ISS + 1 + n * MSS;
    boolean[] done = {false};
    h.dropWhen(
        (TcpSegment seg) -> {
          if (done[0] || seg.sequenceNumber() != seq || seg.payloadLength() == 0) return false;
          done[0] = true;
          return true;
        });
  }

  private record Reduction(long time, long before, long after) {}

  /**
   * Returns the first reduction of cwnd by more than a fifth: when the window began to fall, the
   * window before, and the least it fell to within {@code span} ns. With PRR (RFC 6937) the window
   * comes down over the recovery's round trip, not in one step.
   */
  private static Reduction reduction(List<TraceEvent.Sample> samples, long span) {
    for (int i = 1; i < samples.size(); i++) {
      long before = samples.get(i - 1).cwnd();
      if (samples.get(i).cwnd() >= before) continue;
      long start = samples.get(i).timeNanos();
      long after = before;
      for (int j = i; j < samples.size() && samples.get(j).timeNanos() <= start + span; j++) {
        after = Math.min(after, samples.get(j).cwnd());
      }
      if (after < 0.8 * before) return new Reduction(start, before, after);
    }
    throw new AssertionError("no reduction in " + samples.size() + " samples");
  }

  /** Returns cwnd at time t, the last sample before it (the plots' step line). */
  private static double cwndAt(List<TraceEvent.Sample> samples, long t) {
    long cwnd = samples.getFirst().cwnd();
    for (TraceEvent.Sample s : samples) {
      if (s.timeNanos() > t) break;
      cwnd = s.cwnd();
    }
    return cwnd;
  }

  private static double growth(List<TraceEvent.Sample> samples, long from, long to) {
    return (cwndAt(samples, to) - cwndAt(samples, from)) / MSS;
  }
}
