package dev.synack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The congestion control algorithms on their own, fed events as {@link LossRecovery} feeds them:
 * the initial window (RFC 6928), slow start and congestion avoidance (RFC 5681), NewReno's halving,
 * CUBIC's curve, fast convergence and Reno-friendly region (RFC 9438), HyStart++ (RFC 9406), and
 * undoing a spurious reduction.
 */
class CongestionControlTest {
  private static final int MSS = 1000;
  private static final long MS = 1_000_000L;

  @Test
  void create_unknownName_rejectedWithTheNames() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> CongestionControl.create("vegas", MSS));
    assertTrue(
        e.getMessage().contains("vegas")
            && e.getMessage().contains("cubic")
            && e.getMessage().contains("bbr"),
        e.getMessage());
    assertThrows(
        IllegalArgumentException.class, () -> TcpConfig.defaults().withCongestionControl("vegas"));
  }

  @Test
  void defaults_cubicAsLinux() {
    assertEquals("cubic", TcpConfig.defaults().congestionControl());
    assertEquals(
        "newreno", TcpConfig.defaults().withCongestionControl("newreno").congestionControl());
  }

  @Test
  void initialWindow_tenSegments() {
    for (String name : CongestionControl.NAMES) {
      CongestionControl cc = CongestionControl.create(name, MSS);
      assertEquals(10 * MSS, cc.cwnd(), name);
      assertEquals(
          Integer.MAX_VALUE, cc.ssthresh(), name + ": ssthresh arbitrarily high until a loss");
    }
  }

  @Nested
  class NewRenoWindow {
    @Test
    void slowStart_stretchAck_growsByEverySegmentAsLinux() {
      NewReno cc = new NewReno(MSS);
      cc.onAck(2 * MSS, 10 * MS, 0);
      assertEquals(12 * MSS, cc.cwnd());
      cc.onAck(5 * MSS, 10 * MS, 0);
      assertEquals(17 * MSS, cc.cwnd(), "every segment the ACK covers (tcp_slow_start)");
    }

    @Test
    void slowStart_rfc3465Limit_growsByAtMostTwoSegmentsPerAck() {
      NewReno cc = new NewReno(MSS, new SlowStart(10, 2));
      cc.onAck(2 * MSS, 10 * MS, 0);
      assertEquals(12 * MSS, cc.cwnd());
      cc.onAck(5 * MSS, 10 * MS, 0);
      assertEquals(14 * MSS, cc.cwnd(), "at most two segments per ACK (RFC 3465 L = 2)");
    }

    @Test
    void congestionAvoidance_oneSegmentPerWindowAcknowledged() {
      NewReno cc = new NewReno(MSS);
      cc.onEnterRecovery(40 * MSS, 0);
      cc.onExitRecovery(0);
      assertEquals(20 * MSS, cc.cwnd());
      for (int i = 0; i < 19; i++) cc.onAck(MSS, 10 * MS, 0);
      assertEquals(20 * MSS, cc.cwnd(), "not yet a whole window acknowledged");
      cc.onAck(MSS, 10 * MS, 0);
      assertEquals(21 * MSS, cc.cwnd());
    }

    @Test
    void loss_halvesTheFlightSize() {
      NewReno cc = new NewReno(MSS);
      cc.onEnterRecovery(30 * MSS, 0);
      assertEquals(15 * MSS, cc.ssthresh(), "RFC 5681 equation 4: FlightSize / 2");
      assertEquals(15 * MSS, cc.cwnd(), "RFC 6675: cwnd = ssthresh during recovery");
      cc.onEnterRecovery(3 * MSS, 0);
      assertEquals(2 * MSS, cc.ssthresh(), "never below two segments");
    }

    @Test
    void timeout_lossWindowOfOneSegment_ssthreshOnlyOnce() {
      NewReno cc = new NewReno(MSS);
      cc.onRetransmissionTimeout(20 * MSS, true, 0);
      assertEquals(MSS, cc.cwnd());
      assertEquals(10 * MSS, cc.ssthresh());
      cc.onRetransmissionTimeout(MSS, false, 0);
      assertEquals(
          10 * MSS,
          cc.ssthresh(),
          "a second timeout for the same data keeps ssthresh (RFC 5681 §3.1)");
    }

    @Test
    void spuriousLoss_undone() {
      NewReno cc = new NewReno(MSS);
      cc.onAck(2 * MSS, 10 * MS, 0);
      cc.onEnterRecovery(12 * MSS, 0);
      cc.onSpuriousCongestionEvent(0);
      assertEquals(12 * MSS, cc.cwnd());
      assertEquals(Integer.MAX_VALUE, cc.ssthresh());
    }
  }

  @Nested
  class CubicWindow {
    @Test
    void loss_reducesByBetaAndRemembersWMax() {
      Cubic cc = new Cubic(MSS);
      cc.onEnterRecovery(100 * MSS, 0);
      assertEquals(70 * MSS, cc.ssthresh(), "RFC 9438 §4.6: flight size × 0.7");
      assertEquals(70 * MSS, cc.cwnd());
      assertEquals(10 * MSS, cc.wMax(), "W_max is the window at the loss");
    }

    @Test
    void slowStartAfterTimeout_reachesAFractionalSsthresh_thenGrowsInCongestionAvoidance() {
      // ssthresh = 11 segments of 1448 × 0.7 = 7.7 segments, 11149.6 bytes, which ssthresh()
      // truncates.
      Cubic cc = new Cubic(1448);
      cc.onRetransmissionTimeout(11 * 1448, true, 0);
      long now = 0;
      for (int i = 0; i < 200; i++) cc.onAck(1024, 20 * MS, now += 2 * MS);
      assertTrue(
          cc.cwnd() > cc.ssthresh() + 1448,
          "cwnd " + cc.cwnd() + " grew past ssthresh " + cc.ssthresh());
    }

    @Test
    void secondLossBelowWMax_fastConvergenceLowersWMax() {
      Cubic cc = new Cubic(MSS);
      cc.onEnterRecovery(10 * MSS, 0); // W_max = 10, cwnd = 7
      cc.onExitRecovery(0);
      cc.onEnterRecovery(7 * MSS, 0);
      assertEquals(
          (int) (7 * MSS * (1 + Cubic.BETA) / 2),
          cc.wMax(),
          "RFC 9438 §4.7: W_max = cwnd × (1 + β) / 2");
    }

    @Test
    void afterLoss_windowConcaveUpToWMaxThenConvex() {
      Cubic cc = grownTo(100);
      cc.onEnterRecovery(100 * MSS, 0);
      cc.onExitRecovery(0);
      long rtt = 100 * MS;
      // K = cbrt(W_max × (1 − β) / C) = cbrt(100 × 0.3 / 0.4) ≈ 4.2 s.
      double k = Math.cbrt(100 * (1 - Cubic.BETA) / Cubic.C);
      List<Double> perRound = ackRounds(cc, rtt, 120);
      double wMax = 100;
      int atK = (int) Math.round(k * 1e9 / rtt);
      double growthEarly = perRound.get(5) - perRound.get(4);
      double growthBeforeK = perRound.get(atK - 3) - perRound.get(atK - 4);
      double growthAfterK = perRound.get(atK + 12) - perRound.get(atK + 11);
      double growthLater = perRound.get(atK + 30) - perRound.get(atK + 29);
      assertTrue(
          growthEarly > growthBeforeK, "concave: the growth slows towards W_max " + perRound);
      assertTrue(
          Math.abs(perRound.get(atK) - wMax) < 3,
          "the plateau at W_max near t = K: " + perRound.get(atK));
      assertTrue(
          growthLater > growthAfterK, "convex: the growth speeds up beyond W_max " + perRound);
    }

    @Test
    void smallWindowLongRtt_renoFriendlyRegionGrowsAsAimd() {
      Cubic cc = grownTo(10);
      cc.onEnterRecovery(10 * MSS, 0);
      cc.onExitRecovery(0);
      List<Double> perRound = ackRounds(cc, 200 * MS, 10);
      // W_cubic stays below W_max = 10 until K ≈ 2 s; the AIMD estimate grows 3(1−β)/(1+β) ≈ 0.53
      // segment per RTT, then one per RTT once it passed the window at the loss (RFC 9438 §4.3).
      assertTrue(
          perRound.get(9) > 11, "beyond W_max before K: the Reno-friendly region " + perRound);
      double lastRounds = perRound.get(9) - perRound.get(6);
      assertTrue(lastRounds > 2.5 && lastRounds < 3.5, "one segment per round trip: " + perRound);
    }

    @Test
    void spuriousLoss_restoresWindowAndCurve() {
      Cubic cc = grownTo(50);
      int before = cc.cwnd();
      cc.onEnterRecovery(50 * MSS, 0);
      cc.onSpuriousCongestionEvent(0);
      assertEquals(before, cc.cwnd());
      assertEquals(Integer.MAX_VALUE, cc.ssthresh());
    }

    @Test
    void hyStart_rttRiseInSlowStart_conservativeThenAvoidance() {
      Cubic cc = new Cubic(MSS);
      long now = 0;
      cc.onRoundStart(now);
      for (int i = 0; i < 10; i++) cc.onAck(MSS, 50 * MS, now);
      assertEquals(20 * MSS, cc.cwnd(), "standard slow start: a segment per segment acknowledged");
      cc.onRoundStart(now += 50 * MS);
      for (int i = 0; i < 10; i++)
        cc.onAck(MSS, 60 * MS, now); // +10 ms > eta = 50/8 ms: CSS begins
      int atCss = cc.cwnd();
      for (int i = 0; i < 8; i++) cc.onAck(MSS, 60 * MS, now);
      assertEquals(atCss + 2 * MSS, cc.cwnd(), "CSS grows a quarter as fast (RFC 9406 §4.3)");
      for (int round = 0; round < 5; round++) {
        cc.onRoundStart(now += 60 * MS);
        for (int i = 0; i < 8; i++) cc.onAck(MSS, 60 * MS, now);
      }
      assertTrue(
          cc.ssthresh() < Integer.MAX_VALUE,
          "after CSS_ROUNDS rounds, ssthresh = cwnd: congestion avoidance");
    }

    /** Returns a CUBIC whose slow start reached {@code segments} segments. */
    private Cubic grownTo(int segments) {
      Cubic cc = new Cubic(MSS);
      while (cc.cwnd() < segments * MSS)
        cc.onAck(Math.min(MSS, segments * MSS - cc.cwnd()), 10 * MS, 0);
      return cc;
    }

    /**
     * Acknowledges a whole window per round trip, one segment per ACK, and returns cwnd in segments
     * after each round.
     */
    private List<Double> ackRounds(Cubic cc, long rtt, int rounds) {
      List<Double> out = new ArrayList<>();
      long now = 0;
      for (int r = 0; r < rounds; r++) {
        int window = cc.cwnd() / MSS;
        for (int i = 0; i < window; i++) cc.onAck(MSS, rtt, now + rtt * i / window);
        now += rtt;
        out.add((double) cc.cwnd() / MSS);
      }
      return out;
    }
  }
}
