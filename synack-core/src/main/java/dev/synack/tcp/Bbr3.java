package dev.synack.tcp;

import java.util.Locale;

/**
 * BBR v3 congestion control as draft-ietf-ccwg-bbr (-06) specifies it: BBR v1's model of the path
 * (the maximum delivery rate and the minimum RTT, {@link Bbr}) with a loss- and ECN-aware model of
 * how much may be in flight, and a PROBE_BW cycle that probes rarely, at a time scale meant to let
 * Reno and CUBIC flows share the bottleneck.
 *
 * <p>The model (§2.9, §5.5): {@code max_bw}, a maximum over the last two PROBE_BW cycles; {@code
 * inflight_longterm}, the in-flight level at which a probe saw more than 2 % loss (§5.5.10.2);
 * {@code bw_shortterm} and {@code inflight_shortterm}, cut to 0.7 of themselves (but not under what
 * the last round delivered) after each round with a loss while not probing (§5.5.10.3). The states
 * (§5.1.1): STARTUP (gain 2.77) until the delivery rate stops growing by 25 % in three rounds, or a
 * round of recovery lost more than 2 % in six loss events (§5.3.1.3), or ECN marked half of two
 * rounds; DRAIN (gain 0.5) until one BDP is in flight or three rounds passed; then the PROBE_BW
 * cycle: DOWN (0.9) until in flight is under both the BDP and inflight_longterm less 15 % headroom,
 * CRUISE (1.0) inside that headroom, REFILL (1.0) for a round with the short-term model reset, UP
 * (1.25, cwnd gain 2.25) growing inflight_longterm by 1, 2, 4... segments a round until the rate
 * plateaus or the loss rate passes 2 %; a new probe after 2 to 3 s or, sooner, after as many rounds
 * as the BDP has segments (at most 63) as Reno would (§5.3.3.8). PROBE_RTT (§5.3.4) comes when no
 * lower RTT was seen for 5 s, and holds cwnd at half the BDP (not 4 segments, as v1) for 200 ms and
 * a round.
 *
 * <p>ECN: the draft specifies no response (§3.7) but says CE marks MUST count as congestion; this
 * takes Linux's v3 (google/bbr, {@code v3} branch {@code tcp_bbr.c}): an EWMA {@code alpha} of the
 * fraction of data marked per round (gain 1/16, starting at 1), {@code inflight_shortterm} cut by
 * {@code alpha/3} after each round with marks while not probing, a probe ended when more than half
 * of a sample's data was marked, STARTUP left after two rounds so marked, and (below 5 ms of RTT) a
 * quick re-probe after a cycle with marks and no loss. Linux uses all of it only on routes flagged
 * as shallow-threshold ECN with RTTs under 5 ms; here every CE mark counts (the draft's MUST). With
 * classic ECN (RFC 3168) the receiver repeats ECE until CWR, so each ACK carrying it counts all it
 * acknowledges as marked, which overstates the rate; AccECN (RFC 9768) gives the exact count.
 *
 * <p>Decisions where the draft and Linux differ follow the draft (drain gain 0.5, not 0.35; DOWN
 * gain 0.9; DRAIN left after 3 rounds). The random parts (the 0-or-1 round and 0 to 1 s of the
 * probe wait, §5.3.3.8.2) come from a hash of the time and the bytes delivered, so that a run is
 * reproducible and two flows still differ. Counts are in bytes, rates in bytes per second.
 *
 * <p>Not done: the per-lost-packet step (§5.5.10.2 HandleLostPacket with InflightAtLoss): the check
 * is made per ACK on the newest delivered segment's {@code tx_in_flight} and the bytes lost since
 * it was sent, as Linux's {@code bbr_adapt_upper_bounds}, so inflight_longterm may be set somewhat
 * low (bounded below by 0.7 of the target, as the draft's Beta); a connection without SACK is
 * treated as one with it (the draft has it react to any loss); the slow-down for a loss a tail loss
 * probe repaired; Linux's fast path, PLB, and the in-network-at-EDT estimate.
 */
final class Bbr3 implements CongestionControl {
  /** The states of §5.1.1, PROBE_BW's four phases each one. */
  enum State {
    STARTUP,
    DRAIN,
    PROBE_BW_DOWN,
    PROBE_BW_CRUISE,
    PROBE_BW_REFILL,
    PROBE_BW_UP,
    PROBE_RTT;

    boolean probeBw() {
      return this == PROBE_BW_DOWN
          || this == PROBE_BW_CRUISE
          || this == PROBE_BW_REFILL
          || this == PROBE_BW_UP;
    }
  }

  /** What the ACKs arriving say of a bandwidth probe (§2.14 BBR.ack_phase). */
  private enum AckPhase {
    INIT,
    REFILLING,
    PROBE_STARTING,
    PROBE_FEEDBACK,
    PROBE_STOPPING
  }

  // ---- Constants (§2.5 to §2.16; the ECN ones from Linux) ----

  /** 4 ln 2: the smallest gain that doubles the sending rate each round (§2.5). */
  static final double STARTUP_PACING_GAIN = 4 * Math.log(2);

  static final double DRAIN_PACING_GAIN = 0.5;
  static final double DEFAULT_CWND_GAIN = 2;
  static final double DOWN_PACING_GAIN = 0.9;
  static final double UP_PACING_GAIN = 1.25;
  static final double UP_CWND_GAIN = 2.25;
  static final double PROBE_RTT_CWND_GAIN = 0.5;

  /** BBR.LossThresh: the loss rate of a round that says a probe went too far (§2.8). */
  static final double LOSS_THRESH = 0.02;

  /** BBR.Beta: the multiplicative decrease per round with loss (§2.8). */
  static final double BETA = 0.7;

  /** BBR.Headroom: the share of inflight_longterm left free for other flows (§2.8). */
  static final double HEADROOM = 0.15;

  static final int MIN_PIPE_SEGMENTS = 4;
  static final long PROBE_RTT_INTERVAL = 5_000_000_000L;
  static final long PROBE_RTT_DURATION = 200_000_000L;
  static final long MIN_RTT_FILTER_LEN = 10_000_000_000L;

  /** T_bbr: a new probe 2 s plus up to 1 s after the last (§5.3.3.8.2). */
  static final long PROBE_WAIT_BASE = 2_000_000_000L;

  static final long PROBE_WAIT_RANDOM = 1_000_000_000L;

  /** T_reno's bound in rounds. */
  static final int RENO_ROUNDS_MAX = 63;

  private static final double FULL_BW_THRESH = 1.25;
  private static final int FULL_BW_COUNT = 3;
  private static final int STARTUP_FULL_LOSS_COUNT = 6;
  private static final int DRAIN_MAX_ROUNDS = 3;
  private static final double PACING_MARGIN = 0.99;
  private static final int EXTRA_ACKED_FILTER_LEN = 10;

  /** Linux's bbr_extra_acked_max_us: the aggregation allowance is at most 100 ms of data. */
  private static final double EXTRA_ACKED_MAX_SECONDS = 0.1;

  static final double ECN_ALPHA_GAIN = 1 / 16.0;
  static final double ECN_FACTOR = 1 / 3.0;
  static final double ECN_THRESH = 0.5;
  private static final int STARTUP_FULL_ECN_COUNT = 2;
  private static final double ECN_REPROBE_GAIN = 0.5;

  /**
   * Linux's {@code bbr_ecn_max_rtt_us}: it uses ECN only below 5 ms (data centres, where a re-probe
   * costs little); here marks count at any RTT (the draft's MUST), the quick re-probe only there.
   */
  static final long ECN_REPROBE_MAX_RTT = 5_000_000L;

  private static final long INFINITE = Long.MAX_VALUE;
  private static final long NO_TIME = Long.MIN_VALUE;

  private final int mss;
  private final int initialCwnd;
  private final WindowedMax extraAckedFilter = new WindowedMax();
  private final Bbr3Signals signals = new Bbr3Signals();

  private State state = State.STARTUP;
  private double pacingGain = STARTUP_PACING_GAIN;
  private double cwndGain = DEFAULT_CWND_GAIN;
  private int cwnd;
  private int ssthresh = Integer.MAX_VALUE;
  private long pacingRate;
  private boolean hasSeenRtt;

  /** The max_bw filter's two slots (§5.5.6): the previous cycle's and this one's. */
  private double bwPreviousCycle;

  private double bwThisCycle;
  private double bwShortterm = Double.POSITIVE_INFINITY;
  private long inflightShortterm = INFINITE;
  private long inflightLongterm = INFINITE;

  private long minRtt = INFINITE;
  private long minRttStamp = NO_TIME;
  private long probeRttMinDelay = INFINITE;
  private long probeRttMinStamp = NO_TIME;
  private boolean probeRttExpired;
  private long probeRttDoneStamp = NO_TIME;
  private boolean probeRttRoundDone;

  private long roundCount;
  private boolean roundStart;
  private long nextRoundDelivered;
  private long totalDelivered;

  private double fullBw;
  private int fullBwCount;
  private boolean fullBwNow;
  private boolean fullBwReached;
  private long drainStartRound;

  private AckPhase ackPhase = AckPhase.INIT;
  private boolean bwProbeSample;
  private long bwProbeUpAcked;
  private long probeUpAckedPerInc = INFINITE;
  private int bwProbeUpRounds;
  private int roundsSinceProbeUp;
  private long bwProbeWait;
  private long cycleStamp;
  private boolean prevProbeTooHigh;
  private boolean prevProbePrecautionary;

  private State undoState;
  private double undoBwShortterm;
  private long undoInflightShortterm;
  private long undoInflightLongterm;
  private int priorCwnd;
  private boolean idleRestart;
  private LossRecovery.Phase previousPhase = LossRecovery.Phase.OPEN;

  private long extraAckedIntervalStart;
  private long extraAckedDelivered;

  /** C.is_cwnd_limited (§2.2): cwnd was used up in this round or the last. */
  private boolean cwndLimitedThisRound;

  private boolean cwndLimitedLastRound;

  /** The states entered since {@link #takeStateChange}, for the trace. */
  private StringBuilder stateChanges;

  Bbr3(int mss) {
    this(mss, SlowStart.LINUX);
  }

  Bbr3(int mss, SlowStart slowStart) {
    if (mss <= 0) throw new IllegalArgumentException("mss must be positive: " + mss);
    this.mss = mss;
    this.initialCwnd = slowStart.initialWindow(mss);
    this.cwnd = initialCwnd;
    // §5.6.2 InitPacingRate without an RTT: the initial window per millisecond, at startup gain.
    this.pacingRate = (long) (STARTUP_PACING_GAIN * initialCwnd * 1000);
  }

  @Override
  public String name() {
    return "bbr3";
  }

  @Override
  public int cwnd() {
    return cwnd;
  }

  @Override
  public int ssthresh() {
    return ssthresh;
  }

  @Override
  public long pacingRate() {
    return pacingRate;
  }

  @Override
  public boolean ownsRecoveryWindow() {
    return true;
  }

  @Override
  public boolean holdsBack() {
    return state == State.PROBE_RTT; // §5.3.4.3 HandleProbeRTT: MarkConnectionAppLimited()
  }

  @Override
  public String takeStateChange() {
    if (stateChanges == null) return null;
    String s = stateChanges.toString();
    stateChanges = null;
    return s;
  }

  State state() {
    return state;
  }

  double pacingGain() {
    return pacingGain;
  }

  double cwndGain() {
    return cwndGain;
  }

  /** Returns BBR.max_bw in bytes per second. */
  double maxBandwidth() {
    return Math.max(bwPreviousCycle, bwThisCycle);
  }

  /** Returns BBR.bw: max_bw bounded by bw_shortterm (§5.5.10.3 BoundBWForModel). */
  double bandwidth() {
    return Math.min(maxBandwidth(), bwShortterm);
  }

  long minRtt() {
    return minRtt;
  }

  /** Returns BBR.inflight_longterm in bytes, {@link Long#MAX_VALUE} while unset. */
  long inflightLongterm() {
    return inflightLongterm;
  }

  /** Returns BBR.inflight_shortterm in bytes, {@link Long#MAX_VALUE} while unset. */
  long inflightShortterm() {
    return inflightShortterm;
  }

  /** Returns BBR.bw_shortterm in bytes per second, infinite while unset. */
  double bandwidthShortterm() {
    return bwShortterm;
  }

  boolean fullBandwidthReached() {
    return fullBwReached;
  }

  /** Returns the ECN mark-rate EWMA, 0 to 1. */
  double ecnAlpha() {
    return signals.ecnAlpha();
  }

  // ---- Events from loss recovery (§5.6.4.4) ----

  @Override
  public void onAck(int acked, long rtt, long now) {}

  @Override
  public void onRoundStart(long now) {}

  /** OnEnterFastRecovery: the window before, and the model to undo to (§5.5.11.1). */
  @Override
  public void onEnterRecovery(int flightSize, long now) {
    saveStateUponLoss();
  }

  @Override
  public void onExitRecovery(long now) {
    restoreCwnd();
  }

  /**
   * OnEnterRTO: cwnd of one segment (everything in flight is marked lost), the round counted as a
   * loss round; Linux's {@code bbr_set_state(TCP_CA_Loss)} restarts the plateau detector and gives
   * the short-term model the window before, so that the next loss round cuts from there.
   */
  @Override
  public void onRetransmissionTimeout(int flightSize, boolean newEvent, long now) {
    if (newEvent) saveStateUponLoss();
    if (!signals.lossInRound()) signals.startLossRound(totalDelivered);
    signals.noteLoss();
    resetFullBw();
    if (!isProbingBandwidth() && inflightShortterm == INFINITE)
      inflightShortterm = Math.max(cwnd, priorCwnd);
    cwnd = mss;
    previousPhase = LossRecovery.Phase.LOSS;
  }

  /** HandleSpuriousLossDetection (§5.5.11.2). */
  @Override
  public void onSpuriousCongestionEvent(long now) {
    restoreCwnd();
    signals.clearLossInRound();
    resetFullBw();
    bwShortterm = Math.max(bwShortterm, undoBwShortterm);
    inflightShortterm = Math.max(inflightShortterm, undoInflightShortterm);
    inflightLongterm = Math.max(inflightLongterm, undoInflightLongterm);
    if (undoState == State.STARTUP && state != State.STARTUP) {
      fullBwReached = false;
      if (state != State.PROBE_RTT) enterStartup();
    } else if (undoState == State.PROBE_BW_UP && state != State.PROBE_BW_UP) {
      if (state != State.PROBE_RTT) startProbeBwRefill(0);
    }
    undoState = null;
  }

  /** The response to ECN is the model's (the CE marks in each rate sample), not a halving. */
  @Override
  public void onEcnEcho(int flightSize, long now) {}

  /** OnTransmit: HandleRestartFromIdle (§5.4.1), and C.is_cwnd_limited. */
  @Override
  public void onSent(int bytes, int inFlight, boolean appLimited, long now) {
    if (inFlight + mss > cwnd) cwndLimitedThisRound = true;
    if (inFlight <= bytes && appLimited) {
      idleRestart = true;
      extraAckedIntervalStart = now;
      if (state.probeBw()) setPacingRate(1);
      else if (state == State.PROBE_RTT) checkProbeRttDone(now);
    }
  }

  // ---- UpdateOnACK (§5.2.3) ----

  @Override
  public void onRateSample(RateSample rs, LossRecovery.Phase phase, long now) {
    if (minRttStamp == NO_TIME) minRttStamp = probeRttMinStamp = now;
    boolean recovering = phase == LossRecovery.Phase.RECOVERY || phase == LossRecovery.Phase.LOSS;
    if (wasRecovering() && !recovering) restoreCwnd(); // leaving recovery: RestoreCwnd()
    previousPhase = phase;
    totalDelivered = rs.totalDelivered();
    if (rs.lost() > 0) noteLoss();

    signals.onAck(rs);
    updateRound(rs);
    if (roundStart) {
      double ceRatio = signals.updateEcnAlpha(totalDelivered);
      checkEcnTooHighInStartup(ceRatio);
    }
    signals.updateLatestDeliverySignals(rs, totalDelivered);
    updateCongestionSignals(rs);
    updateAckAggregation(rs, now);
    checkStartupHighLoss(rs, phase);
    checkFullBwReached(rs);
    checkStartupDone();
    checkDrainDone(rs, now);
    updateProbeBwCyclePhase(rs, now);
    updateMinRtt(rs, now);
    checkProbeRtt(rs, now);
    signals.advanceLatestDeliverySignals(rs);

    if (!hasSeenRtt && rs.rtt() >= 0) {
      hasSeenRtt = true;
      pacingRate = (long) (STARTUP_PACING_GAIN * initialCwnd * 1e9 / Math.max(1, rs.rtt()));
    }
    setPacingRate(pacingGain);
    setCwnd(rs);
    signals.endAck(rs);
  }

  private boolean wasRecovering() {
    return previousPhase == LossRecovery.Phase.RECOVERY || previousPhase == LossRecovery.Phase.LOSS;
  }

  /** §5.5.1 UpdateRound: a round ends when a segment sent after it began is delivered. */
  private void updateRound(RateSample rs) {
    roundStart = false;
    if (!rs.hasRate() || rs.priorDelivered() < nextRoundDelivered) return;
    startRound();
    roundCount++;
    roundsSinceProbeUp++;
    roundStart = true;
    cwndLimitedLastRound = cwndLimitedThisRound;
    cwndLimitedThisRound = false;
  }

  private void startRound() {
    nextRoundDelivered = totalDelivered;
  }

  private boolean cwndLimited() {
    return cwndLimitedThisRound || cwndLimitedLastRound;
  }

  /** §5.5.10.2 NoteLoss: the first loss of a round starts a loss round and saves the model. */
  private void noteLoss() {
    if (!signals.lossInRound()) {
      signals.startLossRound(totalDelivered);
      saveStateUponLoss();
    }
    signals.noteLoss();
  }

  /**
   * §5.5.10.3 UpdateCongestionSignals: max_bw takes the sample; once per loss round the short-term
   * model adapts to the losses (and, as Linux's v3, to the CE marks) of the round.
   */
  private void updateCongestionSignals(RateSample rs) {
    if (rs.hasRate() && rs.acked() > 0) {
      double bw = rs.rate();
      if (!rs.appLimited() || bw >= maxBandwidth()) bwThisCycle = Math.max(bwThisCycle, bw);
    }
    if (!signals.lossRoundStart()) return;
    adaptLowerBounds();
    signals.endRound();
  }

  /** AdaptLowerBoundsFromCongestion (§5.5.10.3) with Linux's ECN cut. */
  private void adaptLowerBounds() {
    if (isProbingBandwidth()) return;
    long ecnInflight = INFINITE;
    if (signals.ecnInRound()) {
      initLowerBounds();
      ecnInflight = (long) (inflightShortterm * (1 - signals.ecnAlpha() * ECN_FACTOR));
    }
    if (signals.lossInRound()) {
      initLowerBounds();
      if (bwShortterm == Double.POSITIVE_INFINITY) bwShortterm = maxBandwidth();
      bwShortterm = Math.max(signals.bwLatest(), BETA * bwShortterm);
      inflightShortterm = Math.max(signals.inflightLatest(), (long) (BETA * inflightShortterm));
    }
    inflightShortterm = Math.min(inflightShortterm, ecnInflight);
  }

  private void initLowerBounds() {
    if (inflightShortterm == INFINITE) inflightShortterm = cwnd;
  }

  private void resetShortTermModel() {
    bwShortterm = Double.POSITIVE_INFINITY;
    inflightShortterm = INFINITE;
  }

  /** §5.5.9 UpdateACKAggregation: the data acknowledged beyond bw × time, windowed. */
  private void updateAckAggregation(RateSample rs, long now) {
    if (rs.acked() <= 0) return;
    double expected = bandwidth() * Math.max(0, now - extraAckedIntervalStart) / 1e9;
    if (extraAckedDelivered <= expected) {
      extraAckedDelivered = 0;
      extraAckedIntervalStart = now;
      expected = 0;
    }
    extraAckedDelivered += rs.acked();
    double extra = Math.min(extraAckedDelivered - expected, cwnd);
    extraAckedFilter.update(fullBwReached ? EXTRA_ACKED_FILTER_LEN : 1, roundCount, extra);
  }

  private double extraAcked() {
    return Math.min(extraAckedFilter.get(), bandwidth() * EXTRA_ACKED_MAX_SECONDS);
  }

  // ---- Startup and Drain (§5.3.1, §5.3.2) ----

  private void enterStartup() {
    setState(State.STARTUP);
    pacingGain = STARTUP_PACING_GAIN;
    cwndGain = DEFAULT_CWND_GAIN;
  }

  /** §5.3.1.2 CheckFullBWReached: three rounds without 25 % growth of the delivery rate. */
  private void checkFullBwReached(RateSample rs) {
    if (fullBwNow || !roundStart || rs.appLimited()) return;
    double rate = rs.rate();
    if (rate >= fullBw * FULL_BW_THRESH) {
      resetFullBw();
      fullBw = rate;
      return;
    }
    fullBwCount++;
    fullBwNow = fullBwCount >= FULL_BW_COUNT;
    if (fullBwNow) fullBwReached = true;
  }

  private void resetFullBw() {
    fullBw = 0;
    fullBwCount = 0;
    fullBwNow = false;
  }

  /**
   * §5.3.1.3 CheckStartupHighLoss, counted as Linux's: at the end of a loss round spent in
   * recovery, with six ACKs or more that marked losses in it and a loss rate over 2 %.
   */
  private void checkStartupHighLoss(RateSample rs, LossRecovery.Phase phase) {
    if (fullBwReached) return;
    if (rs.lost() > 0) signals.countLossEvent();
    if (signals.lossRoundStart()
        && phase == LossRecovery.Phase.RECOVERY
        && signals.lossEventsInRound() >= STARTUP_FULL_LOSS_COUNT
        && isInflightTooHigh(rs)) {
      handleQueueTooHighInStartup();
      return;
    }
    if (signals.lossRoundStart()) signals.resetLossEvents();
  }

  /** Linux's bbr_check_ecn_too_high_in_startup: two rounds in a row with half the data marked. */
  private void checkEcnTooHighInStartup(double ceRatio) {
    if (fullBwReached || ceRatio < 0) return;
    if (signals.countStartupEcnRound(ceRatio >= ECN_THRESH) >= STARTUP_FULL_ECN_COUNT)
      handleQueueTooHighInStartup();
  }

  private void handleQueueTooHighInStartup() {
    undoState = State.STARTUP;
    fullBwReached = true;
    inflightLongterm = Math.max(inflight(maxBandwidth(), 1), signals.inflightLatest());
  }

  /** CheckStartupDone: the pipe is full, so Drain. */
  private void checkStartupDone() {
    if (state == State.STARTUP && fullBwReached) {
      setState(State.DRAIN);
      pacingGain = DRAIN_PACING_GAIN;
      cwndGain = DEFAULT_CWND_GAIN;
      drainStartRound = roundCount;
      // As Linux: ssthresh says, for TcpInfo only, that STARTUP is over.
      ssthresh = (int) Math.min(Integer.MAX_VALUE, inflight(maxBandwidth(), 1));
      signals.resetCongestionSignals();
    }
  }

  /** §5.3.2 CheckDrainDone: one BDP in flight, or three rounds of draining. */
  private void checkDrainDone(RateSample rs, long now) {
    if (state == State.DRAIN
        && (rs.inFlight() <= inflight(bandwidth(), 1)
            || roundCount > drainStartRound + DRAIN_MAX_ROUNDS)) {
      cwndGain = DEFAULT_CWND_GAIN; // EnterProbeBW
      startProbeBwDown(now);
    }
  }

  // ---- ProbeBW (§5.3.3) ----

  private void startProbeBwDown(long now) {
    signals.resetCongestionSignals();
    probeUpAckedPerInc = INFINITE;
    pickProbeWait(now);
    cycleStamp = now;
    ackPhase = AckPhase.PROBE_STOPPING;
    startRound();
    setState(State.PROBE_BW_DOWN);
    pacingGain = DOWN_PACING_GAIN;
    cwndGain = DEFAULT_CWND_GAIN;
  }

  private void startProbeBwCruise() {
    // Linux: the short-term bound starts no higher than the long-term one.
    if (inflightShortterm != INFINITE)
      inflightShortterm = Math.min(inflightShortterm, inflightLongterm);
    setState(State.PROBE_BW_CRUISE);
    pacingGain = 1;
    cwndGain = DEFAULT_CWND_GAIN;
  }

  private void startProbeBwRefill(int upRounds) {
    resetShortTermModel();
    bwProbeUpRounds = upRounds;
    bwProbeUpAcked = 0;
    prevProbePrecautionary = false;
    ackPhase = AckPhase.REFILLING;
    startRound();
    setState(State.PROBE_BW_REFILL);
    pacingGain = 1;
    cwndGain = DEFAULT_CWND_GAIN;
  }

  private void startProbeBwUp(RateSample rs, long now) {
    ackPhase = AckPhase.PROBE_STARTING;
    startRound();
    cycleStamp = now;
    resetFullBw();
    fullBw = rs.rate();
    setState(State.PROBE_BW_UP);
    pacingGain = UP_PACING_GAIN;
    cwndGain = UP_CWND_GAIN;
    raiseInflightLongtermSlope();
  }

  /** §5.3.3.9 UpdateProbeBWCyclePhase. */
  private void updateProbeBwCyclePhase(RateSample rs, long now) {
    if (!fullBwReached) return;
    if (adaptLongTermModel(rs, now)) return;
    switch (state) {
      case PROBE_BW_DOWN -> {
        if (isTimeToProbeBw(now)) return;
        if (isTimeToCruise(rs.priorInFlight())) startProbeBwCruise();
      }
      case PROBE_BW_CRUISE -> isTimeToProbeBw(now);
      case PROBE_BW_REFILL -> {
        // After one round of REFILL the samples show what it put in flight: probe up.
        if (roundStart) {
          bwProbeSample = true;
          startProbeBwUp(rs, now);
        }
      }
      case PROBE_BW_UP -> {
        if (isTimeToGoDown(rs)) {
          prevProbeTooHigh = false;
          startProbeBwDown(now);
        }
      }
      default -> {}
    }
  }

  /**
   * AdaptLongTermModel (§5.3.3.9) with the too-high branch of Linux's {@code
   * bbr_adapt_upper_bounds}; returns whether it decided a state change.
   */
  private boolean adaptLongTermModel(RateSample rs, long now) {
    if (ackPhase == AckPhase.PROBE_STARTING && roundStart) ackPhase = AckPhase.PROBE_FEEDBACK;
    if (ackPhase == AckPhase.PROBE_STOPPING && roundStart) {
      // The feedback of the last probe is in: the best time to forget the cycle before it.
      bwProbeSample = false;
      ackPhase = AckPhase.INIT;
      if (state.probeBw() && !rs.appLimited()) advanceMaxBwFilter();
      // Precautionary probing, acceleration (§5.3.3.6): the cautious probe saw no excess loss.
      if (state.probeBw() && prevProbePrecautionary && !prevProbeTooHigh) {
        startProbeBwRefill(0);
        return true;
      }
    }
    if (isInflightTooHigh(rs)) {
      if (bwProbeSample) return handleInflightTooHigh(rs, now);
      return false;
    }
    if (inflightLongterm == INFINITE) return false;
    // Resilience to random loss: a level shown to be safe raises the bound in any phase.
    if (rs.txInFlight() > inflightLongterm) inflightLongterm = rs.txInFlight();
    if (state == State.PROBE_BW_UP) probeInflightLongtermUpward(rs);
    return false;
  }

  /**
   * §5.5.10.2 IsInflightTooHigh: more than 2 % of what was in flight when the newest delivered
   * segment left was lost since; or, as Linux's v3, more than half its data was CE-marked.
   */
  private boolean isInflightTooHigh(RateSample rs) {
    if (rs.txInFlight() > 0 && rs.lostSinceSent() > rs.txInFlight() * LOSS_THRESH) return true;
    long interval = rs.totalDelivered() - rs.priorDelivered();
    return rs.ceSinceSent() > 0 && interval > 0 && rs.ceSinceSent() > interval * ECN_THRESH;
  }

  /** §5.5.10.2 HandleInflightTooHigh; returns whether it changed state. */
  private boolean handleInflightTooHigh(RateSample rs, long now) {
    prevProbeTooHigh = true;
    bwProbeSample = false; // react once per probe
    if (!rs.appLimited())
      inflightLongterm = Math.max(rs.txInFlight(), (long) (targetInflight() * BETA));
    if (state == State.PROBE_BW_UP) {
      undoState = State.PROBE_BW_UP;
      startProbeBwDown(now);
      return true;
    }
    return false;
  }

  private void advanceMaxBwFilter() {
    if (bwThisCycle == 0) return; // no samples this cycle: keep the last
    bwPreviousCycle = bwThisCycle;
    bwThisCycle = 0;
  }

  /** RaiseInflightLongtermSlope: 1, 2, 4... segments more per round. */
  private void raiseInflightLongtermSlope() {
    long growth = 1L << bwProbeUpRounds;
    bwProbeUpRounds = Math.min(bwProbeUpRounds + 1, 30);
    probeUpAckedPerInc = Math.max(cwnd / growth, mss);
  }

  /** ProbeInflightLongtermUpward: grow the bound while it is what limits the sender. */
  private void probeInflightLongtermUpward(RateSample rs) {
    if (cwndLimited() && cwnd >= inflightLongterm) {
      bwProbeUpAcked += rs.acked();
      if (bwProbeUpAcked >= probeUpAckedPerInc) {
        long delta = bwProbeUpAcked / probeUpAckedPerInc;
        bwProbeUpAcked -= delta * probeUpAckedPerInc;
        inflightLongterm += delta * mss;
      }
    }
    if (roundStart) raiseInflightLongtermSlope();
  }

  /**
   * IsTimeToProbeBW (§5.3.3.8): after the wall-clock wait or the Reno-coexistence rounds; or, as
   * Linux's v3 on paths of {@link #ECN_REPROBE_MAX_RTT} or less, at once with fast growth when the
   * cycle saw CE marks and no loss (marks there say cross traffic, which may be gone).
   */
  private boolean isTimeToProbeBw(long now) {
    if (minRtt <= ECN_REPROBE_MAX_RTT
        && signals.ecnInCycle()
        && !signals.lossInCycle()
        && previousPhase == LossRecovery.Phase.OPEN) {
      long reprobe =
          (long) (inflightLongterm == INFINITE ? 0 : inflightLongterm * ECN_REPROBE_GAIN);
      int n = reprobe / mss > 0 ? 63 - Long.numberOfLeadingZeros(reprobe / mss) : 0;
      startProbeBwRefill(Math.min(n, 30));
      return true;
    }
    if (now - cycleStamp > bwProbeWait || isRenoCoexistenceProbeTime()) {
      startProbeBwRefill(0);
      return true;
    }
    return false;
  }

  private boolean isRenoCoexistenceProbeTime() {
    long renoRounds = targetInflight() / mss;
    return roundsSinceProbeUp >= Math.min(renoRounds, RENO_ROUNDS_MAX);
  }

  /** TargetInflight: the BDP, unless congestion cut cwnd. */
  private long targetInflight() {
    return Math.min(inflight(bandwidth(), 1), cwnd);
  }

  /**
   * PickProbeWait (§5.3.3.8.2): 0 or 1 rounds, 2 s plus 0 to 1 s, drawn from a hash of the time and
   * the bytes delivered (reproducible, yet different for two flows).
   */
  private void pickProbeWait(long now) {
    long r = mix(now ^ (totalDelivered * 0x9E3779B97F4A7C15L));
    roundsSinceProbeUp = (int) (r & 1);
    bwProbeWait = PROBE_WAIT_BASE + Math.floorMod(r >>> 1, PROBE_WAIT_RANDOM);
  }

  /** SplitMix64's finaliser. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** IsTimeToCruise: headroom left and no queue. */
  private boolean isTimeToCruise(long inFlight) {
    if (inFlight > inflightWithHeadroom()) return false;
    return inFlight <= inflight(maxBandwidth(), 1);
  }

  /** IsTimeToGoDown (§5.3.3.9). */
  private boolean isTimeToGoDown(RateSample rs) {
    if (prevProbeTooHigh && rs.priorInFlight() >= inflightLongterm) {
      prevProbePrecautionary = true; // deceleration: the level that was too high is reached
      return true;
    }
    if (cwndLimited() && cwnd >= inflightLongterm) {
      resetFullBw(); // inflight_longterm, not the path, limits the rate
      fullBw = rs.rate();
    } else if (fullBwNow) {
      return true;
    }
    return false;
  }

  /** InflightWithHeadroom: inflight_longterm less 15 % (at least a segment). */
  private long inflightWithHeadroom() {
    if (inflightLongterm == INFINITE) return INFINITE;
    long headroom = Math.max(mss, (long) (HEADROOM * inflightLongterm));
    return Math.max(inflightLongterm - headroom, (long) MIN_PIPE_SEGMENTS * mss);
  }

  private boolean isProbingBandwidth() {
    return state == State.STARTUP || state == State.PROBE_BW_REFILL || state == State.PROBE_BW_UP;
  }

  // ---- ProbeRTT (§5.3.4) ----

  /** §5.3.4.3 UpdateMinRTT: the 5 s ProbeRTT filter and the 10 s min_rtt filter. */
  private void updateMinRtt(RateSample rs, long now) {
    probeRttExpired = now - probeRttMinStamp > PROBE_RTT_INTERVAL;
    if (rs.rtt() >= 0 && (rs.rtt() < probeRttMinDelay || probeRttExpired)) {
      probeRttMinDelay = rs.rtt();
      probeRttMinStamp = now;
    }
    boolean minRttExpired = now - minRttStamp > MIN_RTT_FILTER_LEN;
    if (probeRttMinDelay < minRtt || minRttExpired) {
      minRtt = probeRttMinDelay;
      minRttStamp = probeRttMinStamp;
    }
  }

  private void checkProbeRtt(RateSample rs, long now) {
    if (state != State.PROBE_RTT && probeRttExpired && !idleRestart) {
      setState(State.PROBE_RTT);
      pacingGain = 1;
      cwndGain = PROBE_RTT_CWND_GAIN;
      saveCwnd();
      probeRttDoneStamp = NO_TIME;
      ackPhase = AckPhase.PROBE_STOPPING;
      startRound();
    }
    if (state == State.PROBE_RTT) handleProbeRtt(rs, now);
    if (rs.delivered() > 0) idleRestart = false;
  }

  private void handleProbeRtt(RateSample rs, long now) {
    if (probeRttDoneStamp == NO_TIME && rs.inFlight() <= probeRttCwnd()) {
      // Hold it for 200 ms and a round.
      probeRttDoneStamp = now + PROBE_RTT_DURATION;
      probeRttRoundDone = false;
      startRound();
    } else if (probeRttDoneStamp != NO_TIME) {
      if (roundStart) probeRttRoundDone = true;
      if (probeRttRoundDone) checkProbeRttDone(now);
    }
  }

  private void checkProbeRttDone(long now) {
    if (probeRttDoneStamp != NO_TIME && now > probeRttDoneStamp) {
      probeRttMinStamp = now; // the next ProbeRTT in 5 s
      restoreCwnd();
      resetShortTermModel(); // ExitProbeRTT
      if (fullBwReached) {
        startProbeBwDown(now);
        startProbeBwCruise(); // in flight is below the BDP already
      } else {
        enterStartup();
      }
    }
  }

  /** ProbeRTTCwnd: half the BDP, at least 4 segments. */
  long probeRttCwnd() {
    return Math.max(
        (long) bdpMultiple(bandwidth(), PROBE_RTT_CWND_GAIN), (long) MIN_PIPE_SEGMENTS * mss);
  }

  // ---- Control parameters (§5.6) ----

  /** SetPacingRateWithGain: gain × bw less 1 %; before the pipe is full it only rises. */
  private void setPacingRate(double gain) {
    long rate = (long) (gain * bandwidth() * PACING_MARGIN);
    if (rate <= 0) return;
    if (fullBwReached || rate > pacingRate) pacingRate = rate;
  }

  /** §5.6.4.6 SetCwnd, then the ProbeRTT and model bounds. */
  private void setCwnd(RateSample rs) {
    long maxInflight = quantizationBudget(bdpMultiple(bandwidth(), cwndGain) + extraAcked());
    long w = cwnd;
    int acked = rs.acked();
    if (fullBwReached) {
      w = Math.min(w + acked, maxInflight);
    } else if (w < maxInflight || totalDelivered < initialCwnd) {
      w += acked;
    }
    w = Math.max(w, (long) MIN_PIPE_SEGMENTS * mss);
    if (state == State.PROBE_RTT) w = Math.min(w, probeRttCwnd());
    w = Math.min(w, cwndCap());
    cwnd = (int) Math.min(Integer.MAX_VALUE, w);
  }

  /** §5.6.4.7 BoundCwndForModel: the volume cap of the state. */
  private long cwndCap() {
    long cap = INFINITE;
    if (state.probeBw() && state != State.PROBE_BW_CRUISE) cap = inflightLongterm;
    else if (state == State.PROBE_RTT || state == State.PROBE_BW_CRUISE)
      cap = inflightWithHeadroom();
    cap = Math.min(cap, inflightShortterm);
    return Math.max(cap, (long) MIN_PIPE_SEGMENTS * mss);
  }

  /** BDPMultiple: gain × bw × min_rtt; the initial window before an RTT is known. */
  private double bdpMultiple(double bw, double gain) {
    if (minRtt == INFINITE) return initialCwnd;
    return gain * bw * minRtt / 1e9;
  }

  /** Inflight(gain): the BDP at a gain with the offload budget. */
  private long inflight(double bw, double gain) {
    return quantizationBudget(bdpMultiple(bw, gain));
  }

  /**
   * QuantizationBudget (§5.5.8.1, §5.6.4.2): room for three send quanta (1 ms of data, 2 segments
   * to 64 KB), at least 4 segments, and 2 more in PROBE_BW_UP.
   */
  private long quantizationBudget(double inflight) {
    long quantum = Math.clamp(pacingRate / 1000, 2L * mss, 65536L);
    long cap = (long) Math.ceil(Math.max(inflight, 3.0 * quantum));
    cap = Math.max(cap, (long) MIN_PIPE_SEGMENTS * mss);
    if (state == State.PROBE_BW_UP) cap += 2L * mss;
    return cap;
  }

  // ---- cwnd across recovery (§5.6.4.4) and the undo state (§5.5.11.1) ----

  private void saveStateUponLoss() {
    saveCwnd();
    undoState = null;
    undoBwShortterm = bwShortterm;
    undoInflightShortterm = inflightShortterm;
    undoInflightLongterm = inflightLongterm;
  }

  private void saveCwnd() {
    priorCwnd = !wasRecovering() && state != State.PROBE_RTT ? cwnd : Math.max(priorCwnd, cwnd);
  }

  private void restoreCwnd() {
    cwnd = Math.max(cwnd, priorCwnd);
  }

  private void setState(State next) {
    if (next == state) return;
    state = next;
    if (stateChanges == null) stateChanges = new StringBuilder("bbr3: ").append(next);
    else stateChanges.append(" > ").append(next);
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "bbr3 %s cwnd=%d bw=%.0fB/s minrtt=%dus pacing=%dB/s inflight_lt=%s inflight_st=%s",
        state,
        cwnd,
        bandwidth(),
        minRtt == INFINITE ? -1 : minRtt / 1000,
        pacingRate,
        inflightLongterm == INFINITE ? "inf" : Long.toString(inflightLongterm),
        inflightShortterm == INFINITE ? "inf" : Long.toString(inflightShortterm));
  }
}
