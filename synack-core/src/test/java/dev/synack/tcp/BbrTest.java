package dev.synack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * BBR v1's model and modes (Linux's {@code tcp_bbr.c}) driven by delivery-rate samples of a steady
 * path: 1 MB/s, 20 ms (a BDP of 20,000 B), one sample per millisecond.
 */
class BbrTest {
  private static final int MSS = 1000;
  private static final long MS = 1_000_000L;
  private static final double BW = 1_000_000;
  private static final long RTT = 20 * MS;
  private static final int BDP = 20_000;

  private final Bbr bbr = new Bbr(MSS);
  private long now;
  private long delivered;

  /**
   * One ms of the path: 1000 B delivered at the bottleneck rate, the newest segment sent one RTT
   * ago.
   */
  private void step(int inFlight) {
    now += MS;
    delivered += 1000;
    bbr.onRateSample(
        new RateSample(
            1000, 0, inFlight, inFlight, delivered, BDP, RTT, RTT, false, delivered - BDP),
        LossRecovery.Phase.OPEN,
        now);
  }

  private void run(long millis, int inFlight) {
    for (long i = 0; i < millis; i++) step(inFlight);
  }

  @Test
  void startup_highGainUntilTheBandwidthStopsGrowing_thenDrainThenProbeBw() {
    assertEquals(Bbr.Mode.STARTUP, bbr.mode());
    assertEquals(Bbr.HIGH_GAIN, bbr.pacingGain());
    run(1, 3 * BDP);
    assertEquals(BW, bbr.bandwidth(), 1e-6);
    assertEquals(RTT, bbr.minRtt());
    // The bandwidth is flat from the first round: three more rounds (20 ms each) without 25 %
    // growth end STARTUP.
    run(3 * 20 + 20, 3 * BDP);
    assertTrue(bbr.fullBandwidthReached());
    assertEquals(Bbr.Mode.DRAIN, bbr.mode(), "in flight 3 BDP: the queue is still to drain");
    assertEquals(Bbr.DRAIN_GAIN, bbr.pacingGain());
    run(1, BDP);
    assertEquals(Bbr.Mode.PROBE_BW, bbr.mode());
  }

  @Test
  void probeBw_pacesAtGainTimesBandwidth_cwndTwiceTheBdpPlusQuanta() {
    run(200, BDP);
    assertEquals(Bbr.Mode.PROBE_BW, bbr.mode());
    java.util.Set<Double> gains = new java.util.HashSet<>();
    for (int i = 0; i < 8 * 25; i++) {
      // The 1.25 phase lasts until its inflight (1.25 BDP + the budget) is reached.
      step((int) (bbr.pacingGain() * BDP) + 10 * MSS);
      gains.add(bbr.pacingGain());
      assertEquals(
          (long) (BW * bbr.pacingGain() * 0.99),
          bbr.pacingRate(),
          "pacing = gain x bw, 1 % margin");
    }
    assertEquals(java.util.Set.of(1.25, 0.75, 1.0), gains, "the eight-phase cycle");
    // cwnd = 2 BDP + 3 quanta of 2 segments (+2 in the 1.25 phase), as bbr_quantization_budget.
    assertTrue(
        bbr.cwnd() >= 2 * BDP + 6 * MSS && bbr.cwnd() <= 2 * BDP + 8 * MSS, "cwnd " + bbr.cwnd());
  }

  @Test
  void probeRtt_afterTenSecondsWithoutANewMinimum_fourSegmentsFor200ms() {
    run(10_000, BDP);
    assertEquals(Bbr.Mode.PROBE_BW, bbr.mode(), "the filter has not expired yet");
    int before = bbr.cwnd();
    run(2, BDP);
    assertEquals(Bbr.Mode.PROBE_RTT, bbr.mode());
    assertEquals(4 * MSS, bbr.cwnd());
    assertEquals(1.0, bbr.pacingGain());
    run(150, 4 * MSS);
    assertEquals(Bbr.Mode.PROBE_RTT, bbr.mode(), "200 ms and a round at 4 segments");
    run(80, 4 * MSS);
    assertEquals(Bbr.Mode.PROBE_BW, bbr.mode());
    // The window before comes back (less the 1.25 phase's 2 extra segments if it was in it).
    assertTrue(
        bbr.cwnd() >= before - 2 * MSS,
        "the window before PROBE_RTT comes back: " + bbr.cwnd() + " < " + before);
  }

  @Test
  void recovery_packetConservation_thenTheWindowBefore() {
    run(200, BDP);
    int before = bbr.cwnd();
    bbr.onEnterRecovery(BDP, now);
    now += MS;
    delivered += 1000;
    bbr.onRateSample(
        new RateSample(
            1000, 2000, BDP, BDP - 3000, delivered, BDP, RTT, RTT, false, delivered - BDP),
        LossRecovery.Phase.RECOVERY,
        now);
    assertEquals(
        BDP - 3000 + 1000, bbr.cwnd(), "the first round of recovery: in flight + delivered");
    now += MS;
    delivered += 1000;
    bbr.onRateSample(
        new RateSample(1000, 0, BDP, BDP, delivered, BDP, RTT, RTT, false, delivered - BDP),
        LossRecovery.Phase.OPEN,
        now);
    // The window before comes back, then follows the target: the 1.25 phase's 2 extra segments may
    // be gone.
    assertTrue(
        bbr.cwnd() >= before - 2 * MSS,
        "the end of recovery restores " + before + ": " + bbr.cwnd());
  }

  @Test
  void appLimitedSamples_neverLowerTheEstimate() {
    run(200, BDP);
    for (int i = 0; i < 500; i++) {
      now += MS;
      delivered += 100;
      bbr.onRateSample(
          new RateSample(100, 0, 2000, 2000, delivered, 2000, RTT, RTT, true, delivered - 2000),
          LossRecovery.Phase.OPEN,
          now);
    }
    assertEquals(BW, bbr.bandwidth(), 1e-6, "an application-limited rate says nothing of the path");
  }

  @Test
  void timeout_oneSegment() {
    run(200, BDP);
    bbr.onRetransmissionTimeout(BDP, true, now);
    assertEquals(MSS, bbr.cwnd());
    assertTrue(CongestionControl.create("bbr", MSS) instanceof Bbr);
  }

  @Test
  void policer_twoLossyIntervalsAtOneRate_longTermBandwidthUsed_thenProbedAgain() {
    run(200, BDP);
    assertEquals(Bbr.Mode.PROBE_BW, bbr.mode());
    // A token-bucket policer: 500 B/ms delivered whatever is sent, 30 % lost, every ACK.
    for (int i = 0; i < 400 && !bbr.policed(); i++) policed();
    assertTrue(bbr.policed(), "two intervals of 4+ rounds at 500 kB/s with 30 % loss");
    assertEquals(500_000, bbr.bandwidth(), 500_000 / 100.0);
    assertEquals(1.0, bbr.pacingGain(), "no probing above a policed rate");
    assertEquals((long) (bbr.bandwidth() * 0.99), bbr.pacingRate());
    // 48 rounds later (20 ms each) the policed rate is given up, in case the policer went.
    for (int i = 0; i < 48 * 20 + 40 && bbr.policed(); i++) step(BDP);
    assertTrue(!bbr.policed(), "long-term bandwidth given up after 48 rounds");
  }

  @Test
  void policer_lossBelowTwentyPercent_notDetected() {
    run(200, BDP);
    for (int i = 0; i < 400; i++) {
      now += MS;
      delivered += 500;
      bbr.onRateSample(
          new RateSample(500, 50, BDP, BDP, delivered, 10_000, RTT, RTT, false, delivered - 10_000),
          LossRecovery.Phase.OPEN,
          now);
    }
    assertTrue(!bbr.policed(), "10 % loss is not a policer's");
  }

  private void policed() {
    now += MS;
    delivered += 500;
    bbr.onRateSample(
        new RateSample(500, 150, BDP, BDP, delivered, 10_000, RTT, RTT, false, delivered - 10_000),
        LossRecovery.Phase.OPEN,
        now);
  }
}
