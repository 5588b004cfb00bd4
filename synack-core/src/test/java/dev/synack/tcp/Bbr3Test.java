package dev.synack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * BBR v3's state machine (draft-ietf-ccwg-bbr) driven per ACK by delivery-rate samples of a steady
 * path, as {@link BbrTest} drives v1: 1 MB/s, 20 ms (a BDP of 20,000 B, 20 segments of 1000 B), one
 * sample per millisecond, so a round trip is 20 samples.
 */
class Bbr3Test {
  private static final int MSS = 1000;
  private static final long MS = 1_000_000L;
  private static final double BW = 1_000_000;
  private static final long RTT = 20 * MS;
  private static final int BDP = 20_000;

  private final Bbr3 bbr = new Bbr3(MSS);
  private final List<String> changes = new ArrayList<>();
  private long now;
  private long delivered;
  private long lost;
  private long ce;

  /**
   * One ms of the path: 1000 B delivered at the rate of {@code rateDelivered} per RTT, the newest
   * segment sent one RTT (20 samples) ago with {@code inFlight} in flight after it; {@code
   * newlyLost} bytes marked lost and {@code newlyCe} reported CE-marked on this ACK. What was lost
   * or marked since that segment left is the totals now less the totals 20 samples ago.
   */
  private void step(int inFlight, int newlyLost, int newlyCe, int rateDelivered, Phase phase) {
    now += MS;
    delivered += 1000;
    lost += newlyLost;
    ce += newlyCe;
    int back = history.size() - 20;
    long lostThen = back < 0 ? 0 : history.get(back)[0];
    long ceThen = back < 0 ? 0 : history.get(back)[1];
    bbr.onRateSample(
        new RateSample(
            1000,
            newlyLost,
            inFlight,
            inFlight,
            delivered,
            rateDelivered,
            RTT,
            RTT,
            false,
            delivered - BDP,
            inFlight,
            lost - lostThen,
            newlyCe,
            ce - ceThen),
        phase.phase,
        now);
    history.add(new long[] {lost, ce});
    String change = bbr.takeStateChange();
    if (change != null) changes.add(change);
  }

  private enum Phase {
    OPEN(LossRecovery.Phase.OPEN),
    RECOVERY(LossRecovery.Phase.RECOVERY);

    final LossRecovery.Phase phase;

    Phase(LossRecovery.Phase phase) {
      this.phase = phase;
    }
  }

  /** The running totals (lost, CE-marked) after each step. */
  private final List<long[]> history = new ArrayList<>();

  private void step(int inFlight) {
    step(inFlight, 0, 0, BDP, Phase.OPEN);
  }

  private void run(long millis, int inFlight) {
    for (long i = 0; i < millis; i++) step(inFlight);
  }

  /** Steps at {@code inFlight} until the state is {@code wanted}; fails after {@code max} ms. */
  private void runUntil(Bbr3.State wanted, int inFlight, int max) {
    for (int i = 0; i < max && bbr.state() != wanted; i++) step(inFlight);
    assertEquals(wanted, bbr.state(), "after up to " + max + " ms: " + changes);
  }

  @Test
  void startup_plateauOfThreeRounds_thenDrainAtHalfRate_thenProbeBwDownAndCruise() {
    assertEquals(Bbr3.State.STARTUP, bbr.state());
    assertEquals(4 * Math.log(2), bbr.pacingGain(), 1e-12, "§5.3.1.1: 4 ln 2 = 2.77");
    assertEquals(2.0, bbr.cwndGain());
    run(1, 3 * BDP);
    assertEquals(BW, bbr.maxBandwidth(), 1e-6);
    assertEquals(RTT, bbr.minRtt());
    // The first round ends at 20 ms; three more without 25 % growth end STARTUP at 80 ms.
    run(78, 3 * BDP);
    assertEquals(Bbr3.State.STARTUP, bbr.state(), "two rounds without growth are not enough");
    run(1, 3 * BDP);
    assertTrue(bbr.fullBandwidthReached());
    assertEquals(Bbr3.State.DRAIN, bbr.state(), "3 BDP in flight: the queue is still to drain");
    assertEquals(0.5, bbr.pacingGain(), "§5.3.2: the draft's drain gain, not Linux's 0.35");
    assertEquals((long) (BW * 0.5 * 0.99), bbr.pacingRate());
    step(BDP);
    // One BDP in flight: DOWN, whose exit test (in flight within the BDP) holds at once.
    assertEquals(Bbr3.State.PROBE_BW_CRUISE, bbr.state());
    assertEquals(
        List.of("bbr3: DRAIN", "bbr3: PROBE_BW_DOWN > PROBE_BW_CRUISE"), changes, "the trace");
    assertEquals(1.0, bbr.pacingGain());
    assertEquals((long) (BW * 0.99), bbr.pacingRate(), "pacing at bw less the 1 % margin");
  }

  @Test
  void drain_endsAfterThreeRoundsEvenWithTheQueueStillThere() {
    runUntil(Bbr3.State.DRAIN, 3 * BDP, 200);
    run(3 * 20, 3 * BDP);
    assertEquals(Bbr3.State.DRAIN, bbr.state(), "three rounds of draining");
    runUntil(Bbr3.State.PROBE_BW_DOWN, 3 * BDP, 21);
    assertEquals(0.9, bbr.pacingGain(), "§5.3.3.1: DOWN paces at 0.9 bw");
  }

  @Test
  void probeBw_cruiseThenRefillAfterRenoRoundsThenUpThenDownOnPlateau() {
    runUntil(Bbr3.State.PROBE_BW_CRUISE, BDP, 200);
    long cruiseStart = now;
    // Reno coexistence (§5.3.3.8.2): a probe after as many rounds as the BDP has segments (20), the
    // random round making it 19 or 20; long before the 2 to 3 s of the wall-clock bound.
    runUntil(Bbr3.State.PROBE_BW_REFILL, BDP, 1000);
    long rounds = (now - cruiseStart) / RTT;
    assertTrue(rounds >= 18 && rounds <= 21, "REFILL after " + rounds + " rounds");
    assertEquals(1.0, bbr.pacingGain());
    assertEquals(
        Long.MAX_VALUE, bbr.inflightShortterm(), "REFILL resets the short-term model (§5.3.3.3)");
    long refillStart = now;
    runUntil(Bbr3.State.PROBE_BW_UP, BDP, 100);
    assertTrue(now - refillStart <= RTT + MS, "one round of REFILL");
    assertEquals(1.25, bbr.pacingGain());
    assertEquals(2.25, bbr.cwndGain(), "§5.3.3.5: cwnd gain 2.25 while probing up");
    assertEquals((long) (BW * 1.25 * 0.99), bbr.pacingRate());
    // The rate does not grow: three rounds later the plateau ends the probe.
    long upStart = now;
    runUntil(Bbr3.State.PROBE_BW_DOWN, BDP, 200);
    assertTrue(now - upStart >= 2 * RTT && now - upStart <= 4 * RTT, "UP for about 3 rounds");
    assertEquals(0.9, bbr.pacingGain());
    assertEquals(
        Long.MAX_VALUE, bbr.inflightLongterm(), "no loss: inflight_longterm is still unset");
  }

  @Test
  void startup_lossOverTwoPercentInSixEventsOfARecoveryRound_exits_whereV1KeepsGoing() {
    Bbr v1 = new Bbr(MSS);
    run(20, 3 * BDP); // the first round: the plateau count starts
    bbr.onEnterRecovery(3 * BDP, now);
    v1.onEnterRecovery(3 * BDP, now);
    // Ten ACKs in a row each mark a segment lost: 10 loss events, 10 kB of 60 kB in flight.
    for (int i = 0; i < 20; i++) {
      step(3 * BDP, i < 10 ? 1000 : 0, 0, BDP, Phase.RECOVERY);
      v1.onRateSample(
          new RateSample(
              1000,
              i < 10 ? 1000 : 0,
              3 * BDP,
              3 * BDP,
              delivered,
              BDP,
              RTT,
              RTT,
              false,
              delivered - BDP),
          LossRecovery.Phase.RECOVERY,
          now);
      assertEquals(Bbr3.State.STARTUP, bbr.state(), "the loss round is not over at " + i);
    }
    step(3 * BDP, 0, 0, BDP, Phase.RECOVERY); // the loss round ends
    assertEquals(Bbr3.State.DRAIN, bbr.state(), "§5.3.1.3: high loss ends STARTUP");
    assertTrue(bbr.fullBandwidthReached());
    assertEquals(BDP, bbr.inflightLongterm(), "max(BDP, what the round delivered)");
    assertEquals(Bbr.Mode.STARTUP, v1.mode(), "v1 does not look at loss in STARTUP");
  }

  @Test
  void startup_fewLossEventsOrLowRate_doesNotExit() {
    run(20, 3 * BDP);
    bbr.onEnterRecovery(3 * BDP, now);
    // Five loss events of 2 kB: a high rate but too few events (the draft asks for 6).
    for (int i = 0; i < 21; i++) step(3 * BDP, i < 5 ? 2000 : 0, 0, BDP, Phase.RECOVERY);
    assertEquals(Bbr3.State.STARTUP, bbr.state());
  }

  /** Runs to PROBE_BW_UP, then gives one sample that lost 3 % of what was in flight. */
  private void lossyProbe() {
    runUntil(Bbr3.State.PROBE_BW_UP, BDP, 2000);
    step(25_000, 1000, 0, BDP, Phase.OPEN);
  }

  @Test
  void probeUp_lossOverTwoPercent_setsInflightLongtermAndGoesDown_thenCruisesWithHeadroom() {
    lossyProbe();
    assertEquals(Bbr3.State.PROBE_BW_DOWN, bbr.state(), "§5.5.10.2: the probe went too far");
    // max(tx_in_flight, 0.7 × the BDP target): what was in flight when the lossy flight left.
    assertEquals(25_000, bbr.inflightLongterm());
    step(BDP);
    assertEquals(Bbr3.State.PROBE_BW_CRUISE, bbr.state());
    // CRUISE leaves 15 % of inflight_longterm free for other flows (§5.6.4.7).
    assertEquals(25_000 - 3750, bbr.cwnd(), "cwnd capped at inflight_longterm less headroom");
  }

  @Test
  void probeUp_afterATooHighProbe_isPrecautionary_thenRefillsAtOnceWhenItStaysClean() {
    lossyProbe();
    changes.clear();
    // The next probe stops as soon as in flight reaches the level that was too high (§5.3.3.6).
    runUntil(Bbr3.State.PROBE_BW_UP, BDP, 2000);
    step(25_000);
    assertEquals(Bbr3.State.PROBE_BW_DOWN, bbr.state(), "deceleration at inflight_longterm");
    // A round of clean feedback from that probe (in flight kept above the cruising level): back to
    // REFILL without cruising (acceleration), and UP a round later.
    runUntil(Bbr3.State.PROBE_BW_REFILL, 22_000, 21);
    runUntil(Bbr3.State.PROBE_BW_UP, BDP, 21);
    assertEquals(
        List.of(
            "bbr3: PROBE_BW_CRUISE",
            "bbr3: PROBE_BW_REFILL",
            "bbr3: PROBE_BW_UP",
            "bbr3: PROBE_BW_DOWN",
            "bbr3: PROBE_BW_REFILL",
            "bbr3: PROBE_BW_UP"),
        changes);
    // This time it persists at inflight_longterm: only the plateau ends it.
    step(25_000);
    assertEquals(Bbr3.State.PROBE_BW_UP, bbr.state());
  }

  @Test
  void cruise_lossRounds_cutTheShortTermModelByBeta_notBelowTheLatestDelivery() {
    runUntil(Bbr3.State.PROBE_BW_CRUISE, BDP, 200);
    // The path delivers half as much for a round (10 kB per RTT), then a loss round at that rate.
    for (int i = 0; i < 25; i++) step(BDP, 0, 0, BDP / 2, Phase.OPEN);
    int cwnd = 0;
    for (int i = 0; i < 21; i++) {
      cwnd = bbr.cwnd();
      step(BDP, i == 0 ? 1000 : 0, 0, BDP / 2, Phase.OPEN);
      if (bbr.inflightShortterm() != Long.MAX_VALUE) break;
    }
    assertEquals(0.7 * BW, bbr.bandwidthShortterm(), 1e-6, "bw_shortterm = max(0.5 bw, 0.7 bw)");
    assertEquals((long) (0.7 * cwnd), bbr.inflightShortterm(), "max(10 kB, 0.7 cwnd)");
    assertEquals(0.7 * BW, bbr.bandwidth(), 1e-6, "BBR.bw = min(max_bw, bw_shortterm)");
    assertTrue(bbr.cwnd() <= 0.7 * cwnd, "cwnd " + bbr.cwnd() + " bounded by inflight_shortterm");
    // A second loss round: 0.49 bw would be below what the round delivered; it stops at 0.5.
    for (int i = 0; i < 21; i++) step(BDP, i == 0 ? 1000 : 0, 0, BDP / 2, Phase.OPEN);
    assertEquals(0.5 * BW, bbr.bandwidthShortterm(), 1e-6);
  }

  @Test
  void cruise_ceMarks_cutInflightShorttermByAlphaOverThree() {
    runUntil(Bbr3.State.PROBE_BW_CRUISE, BDP, 200);
    run(5, BDP);
    int cwnd = 0;
    for (int i = 0; i < 41 && bbr.inflightShortterm() == Long.MAX_VALUE; i++) {
      cwnd = bbr.cwnd();
      step(BDP, 0, 1000, BDP, Phase.OPEN);
    }
    double alpha = bbr.ecnAlpha();
    assertTrue(alpha > 0 && alpha < 1, "alpha " + alpha);
    assertEquals((long) (cwnd * (1 - alpha / 3)), bbr.inflightShortterm(), "cwnd × (1 - alpha/3)");
    assertTrue(bbr.cwnd() <= bbr.inflightShortterm());
    assertEquals(Bbr3.State.PROBE_BW_CRUISE, bbr.state(), "no quick re-probe at 20 ms of RTT");
  }

  @Test
  void ecnAlpha_isAnEwmaOfTheMarkedShareWithGainOneSixteenth() {
    assertEquals(1.0, bbr.ecnAlpha(), "Linux starts at 1");
    run(20, BDP); // the first round ends: nothing marked
    assertEquals(15 / 16.0, bbr.ecnAlpha(), 1e-9);
    for (int i = 0; i < 20; i++) step(BDP, 0, 500, BDP, Phase.OPEN); // half of a round marked
    assertEquals(15 / 16.0 * 15 / 16.0 + 0.5 / 16, bbr.ecnAlpha(), 1e-9);
  }

  @Test
  void startup_twoRoundsWithHalfTheDataMarked_exits() {
    run(20, 3 * BDP);
    for (int i = 0; i < 40; i++) step(3 * BDP, 0, 600, BDP, Phase.OPEN);
    step(3 * BDP);
    assertEquals(Bbr3.State.DRAIN, bbr.state(), "two rounds at 60 % marked: the queue is full");
  }

  @Test
  void probeUp_overHalfTheDataMarked_endsTheProbe() {
    runUntil(Bbr3.State.PROBE_BW_UP, BDP, 2000);
    // A sample whose flight had 60 % of its data marked.
    for (int i = 0; i < 12 && bbr.state() == Bbr3.State.PROBE_BW_UP; i++)
      step(22_000, 0, 1000, BDP, Phase.OPEN);
    assertEquals(Bbr3.State.PROBE_BW_DOWN, bbr.state());
    assertEquals(22_000, bbr.inflightLongterm());
  }

  @Test
  void probeRtt_afterFiveSecondsWithoutALowerRtt_cwndHalfTheBdp_for200msAndARound() {
    runUntil(Bbr3.State.PROBE_BW_CRUISE, BDP, 200);
    int before = bbr.cwnd();
    // Every sample gives the same RTT: none is lower, so 5 s after the first the filter expires.
    for (int i = 0; i < 6000 && bbr.state() != Bbr3.State.PROBE_RTT; i++) step(BDP);
    assertEquals(Bbr3.State.PROBE_RTT, bbr.state());
    assertTrue(now > 5000 * MS && now < 5100 * MS, "PROBE_RTT at " + now / MS + " ms");
    assertEquals(BDP / 2, bbr.probeRttCwnd(), "0.5 BDP, not v1's 4 segments");
    assertEquals(BDP / 2, bbr.cwnd());
    assertEquals(1.0, bbr.pacingGain());
    long start = now;
    for (int i = 0; i < 1000 && bbr.state() == Bbr3.State.PROBE_RTT; i++) step(BDP / 2);
    // 200 ms from when in flight came down to 0.5 BDP, and at least a round (20 ms) in it.
    assertTrue(
        now - start > 200 * MS && now - start <= 200 * MS + 3 * MS,
        "held " + (now - start) / MS + " ms");
    assertEquals(Bbr3.State.PROBE_BW_CRUISE, bbr.state());
    assertTrue(bbr.cwnd() >= before - 2 * MSS, "the window before comes back: " + bbr.cwnd());
    assertEquals(
        List.of("bbr3: PROBE_RTT", "bbr3: PROBE_BW_DOWN > PROBE_BW_CRUISE"),
        changes.subList(changes.size() - 2, changes.size()),
        "ExitProbeRTT: DOWN, then CRUISE at once (§5.3.4.4)");
    // The next one 5 s after this one ended.
    long end = now;
    for (int i = 0; i < 6000 && bbr.state() != Bbr3.State.PROBE_RTT; i++) step(BDP);
    assertTrue(now - end > 5000 * MS && now - end < 5100 * MS, "every 5 s: " + (now - end) / MS);
  }

  @Test
  void spuriousLoss_undoRestoresTheModelAndTheProbe() {
    lossyProbe();
    assertEquals(25_000, bbr.inflightLongterm());
    bbr.onSpuriousCongestionEvent(now);
    assertEquals(Long.MAX_VALUE, bbr.inflightLongterm(), "§5.5.11.2: back to what it was");
    assertEquals(Bbr3.State.PROBE_BW_REFILL, bbr.state(), "the probe the loss ended starts again");
  }

  @Test
  void timeout_oneSegment_andTheFactoryKnowsTheName() {
    runUntil(Bbr3.State.PROBE_BW_CRUISE, BDP, 200);
    bbr.onRetransmissionTimeout(BDP, true, now);
    assertEquals(MSS, bbr.cwnd());
    assertTrue(CongestionControl.create("bbr3", MSS) instanceof Bbr3);
    assertTrue(CongestionControl.NAMES.contains("bbr3"));
    assertEquals("bbr", CongestionControl.NAMES.get(2), "bbr is still v1");
  }

  @Test
  void ecnEcho_doesNotHalveTheWindow() {
    runUntil(Bbr3.State.PROBE_BW_CRUISE, BDP, 200);
    int cwnd = bbr.cwnd();
    bbr.onEcnEcho(BDP, now);
    assertEquals(cwnd, bbr.cwnd(), "the response is the model's, per round");
  }

  @Test
  void stateChange_isGivenOnce() {
    runUntil(Bbr3.State.DRAIN, 3 * BDP, 200);
    assertNull(bbr.takeStateChange(), "taken by the harness already");
    assertFalse(changes.isEmpty());
  }
}
