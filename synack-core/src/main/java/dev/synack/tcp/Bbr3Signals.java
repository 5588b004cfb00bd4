package dev.synack.tcp;

/**
 * The congestion signals {@link Bbr3} gathers per round trip (draft-ietf-ccwg-bbr §2.10,
 * §5.5.10.3): whether the round lost data, the latest delivery rate and volume (bw_latest,
 * inflight_latest), the loss events of a STARTUP round; and, as Linux's v3, the ECN marks of the
 * round and the cycle and their EWMA {@code alpha}.
 *
 * <p>A loss round is timed as the draft's: it starts at the first loss of a round and ends when a
 * segment sent after it is delivered, so that it covers the whole flight the loss was in.
 */
final class Bbr3Signals {
  private boolean lossInRound;
  private boolean lossRoundStart;

  /** C.delivered ending the loss round; 1 at first, as Linux, so the first flight is whole. */
  private long lossRoundDelivered = 1;

  private double bwLatest;
  private long inflightLatest;
  private int lossEventsInRound;
  private int startupEcnRounds;

  private boolean ecnInRound;
  private boolean ecnInCycle;
  private boolean lossInCycle;

  /** EWMA of the CE-marked share of what was delivered, per round; 1 at first, as Linux's. */
  private double ecnAlpha = 1;

  private long alphaLastDelivered;
  private long alphaLastDeliveredCe;
  private long deliveredCe;

  boolean lossInRound() {
    return lossInRound;
  }

  boolean lossRoundStart() {
    return lossRoundStart;
  }

  double bwLatest() {
    return bwLatest;
  }

  long inflightLatest() {
    return inflightLatest;
  }

  boolean ecnInRound() {
    return ecnInRound;
  }

  boolean ecnInCycle() {
    return ecnInCycle;
  }

  boolean lossInCycle() {
    return lossInCycle;
  }

  double ecnAlpha() {
    return ecnAlpha;
  }

  /** NoteLoss's first step: the loss round runs until what is delivered now is passed. */
  void startLossRound(long delivered) {
    lossRoundDelivered = delivered;
  }

  void noteLoss() {
    lossInRound = true;
    lossInCycle = true;
  }

  void clearLossInRound() {
    lossInRound = false;
  }

  /** Takes the ECN feedback of an ACK: the round saw marks. */
  void onAck(RateSample rs) {
    deliveredCe += rs.ceMarked();
    if (rs.ceMarked() > 0) ecnInRound = true;
  }

  /** Linux's end of {@code bbr_main}: the cycle saw a loss, or marks. */
  void endAck(RateSample rs) {
    if (rs.lost() > 0) lossInCycle = true;
    if (rs.ceMarked() > 0) ecnInCycle = true;
  }

  /**
   * Updates {@code alpha} at the start of a round with the share of the data delivered since the
   * last update that was marked (Linux's {@code bbr_update_ecn_alpha}, gain 1/16); returns that
   * share, or -1 when nothing was delivered.
   */
  double updateEcnAlpha(long delivered) {
    long d = delivered - alphaLastDelivered;
    if (d <= 0) return -1;
    double ceRatio = Math.min(1, (double) (deliveredCe - alphaLastDeliveredCe) / d);
    ecnAlpha = Math.min(1, (1 - Bbr3.ECN_ALPHA_GAIN) * ecnAlpha + Bbr3.ECN_ALPHA_GAIN * ceRatio);
    alphaLastDelivered = delivered;
    alphaLastDeliveredCe = deliveredCe;
    return ceRatio;
  }

  /**
   * Counts a STARTUP round whose marked share was high, or starts over; returns the rounds in a
   * row.
   */
  int countStartupEcnRound(boolean high) {
    startupEcnRounds = high ? startupEcnRounds + 1 : 0;
    return startupEcnRounds;
  }

  /** UpdateLatestDeliverySignals (§5.5.10.3), near the start of an ACK. */
  void updateLatestDeliverySignals(RateSample rs, long delivered) {
    lossRoundStart = false;
    if (!rs.hasRate() || rs.acked() <= 0) return; // not a valid observation
    bwLatest = Math.max(bwLatest, rs.rate());
    inflightLatest = Math.max(inflightLatest, rs.delivered());
    if (rs.priorDelivered() >= lossRoundDelivered) {
      lossRoundDelivered = delivered;
      lossRoundStart = true;
    }
  }

  /** AdvanceLatestDeliverySignals, near the end: a new round starts from this sample. */
  void advanceLatestDeliverySignals(RateSample rs) {
    if (!lossRoundStart) return;
    bwLatest = rs.rate();
    inflightLatest = Math.max(0, rs.delivered());
  }

  /** The per-round adaptation is done: the next round starts clean. */
  void endRound() {
    lossInRound = false;
    ecnInRound = false;
  }

  void countLossEvent() {
    if (lossEventsInRound < 15) lossEventsInRound++; // Linux's saturating 4-bit counter
  }

  int lossEventsInRound() {
    return lossEventsInRound;
  }

  void resetLossEvents() {
    lossEventsInRound = 0;
  }

  /** ResetCongestionSignals: after a probe, before a phase that adapts the lower bounds. */
  void resetCongestionSignals() {
    lossInRound = false;
    ecnInRound = false;
    lossInCycle = false;
    ecnInCycle = false;
    bwLatest = 0;
    inflightLatest = 0;
  }
}
