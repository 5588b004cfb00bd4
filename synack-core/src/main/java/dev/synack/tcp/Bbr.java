package dev.synack.tcp;

/**
 * BBR v1 congestion control (Cardwell et al., "BBR: Congestion-Based Congestion Control", ACM Queue
 * 2016; draft-cardwell-iccrg-bbr-congestion-control-00), as Linux's {@code tcp_bbr.c}: a model of
 * the path from its bottleneck bandwidth (the windowed maximum of the delivery rate over 10 round
 * trips) and its round-trip propagation time (the minimum RTT over 10 s), and a sender that paces
 * at gain × bandwidth with cwnd = gain × BDP plus a quantum, instead of reacting to loss.
 *
 * <p>The modes: STARTUP (gains 2/ln 2, doubling the rate each round) until the bandwidth grew by
 * less than 25 % in three rounds; DRAIN (the inverse gain) until what is in flight is one BDP;
 * PROBE_BW, cycling the pacing gain through 1.25, 0.75 and six rounds of 1; and PROBE_RTT, cwnd
 * four segments for 200 ms and a round when the minimum RTT was not refreshed in 10 s.
 *
 * <p>A token-bucket policer is detected as Linux's {@code bbr_lt_bw_sampling} does: two sampling
 * intervals of 4 to 16 rounds, each ending in heavy loss (20 %), with delivery rates within 1/8 of
 * each other; then BBR uses their mean as the bandwidth, at gain 1, for 48 rounds.
 *
 * <p>Counts are in bytes (Linux counts packets), the bandwidth in bytes per second. Not done: the
 * ACK-aggregation cwnd bonus ({@code extra_acked}); BBRv2/v3's loss and ECN response and
 * inflight_hi/lo. Where Linux draws a random PROBE_BW phase to start from, this takes one from the
 * round count, so that a run is reproducible.
 */
final class Bbr implements CongestionControl {
  enum Mode {
    STARTUP,
    DRAIN,
    PROBE_BW,
    PROBE_RTT
  }

  /**
   * 2/ln 2: the smallest gain that doubles the delivery rate each round (Linux's {@code
   * bbr_high_gain}, 2885/1000).
   */
  static final double HIGH_GAIN = 2885 / 1000.0;

  static final double DRAIN_GAIN = 1000 / 2885.0;
  static final double CWND_GAIN = 2;

  /** The PROBE_BW pacing gains, one phase per min RTT. */
  static final double[] PACING_GAIN = {5 / 4.0, 3 / 4.0, 1, 1, 1, 1, 1, 1};

  /** The bandwidth filter's window in rounds (Linux's {@code bbr_bw_rtts}: the cycle plus 2). */
  static final int BW_RTTS = PACING_GAIN.length + 2;

  static final long MIN_RTT_WINDOW = 10_000_000_000L;
  static final long PROBE_RTT_TIME = 200_000_000L;

  /** Linux's {@code bbr_cwnd_min_target}: 4 segments, enough for delayed ACKs to keep the clock. */
  static final int MIN_CWND_SEGMENTS = 4;

  private static final double FULL_BW_THRESH = 5 / 4.0;
  private static final int FULL_BW_ROUNDS = 3;

  /**
   * Linux paces 1 % below the estimate so that the bottleneck queue drains ({@code
   * bbr_pacing_margin_percent}).
   */
  private static final double PACING_MARGIN = 0.99;

  private static final long NO_RTT = Long.MAX_VALUE;

  /**
   * Long-term sampling: intervals of 4 to 16 rounds, a loss rate of 50/256, rates within 1/8 or 4
   * kbit/s, used for 48 rounds.
   */
  private static final int LT_INTERVAL_MIN_ROUNDS = 4;

  private static final double LT_LOSS_THRESH = 50 / 256.0;
  private static final double LT_BW_RATIO = 1 / 8.0;
  private static final double LT_BW_DIFF = 4000 / 8.0;
  private static final int LT_BW_MAX_ROUNDS = 48;

  private final int mss;

  /** The initial window in bytes (RFC 6928, or the configured {@code initcwnd}). */
  private final int initialWindow;

  private final WindowedMax maxBw = new WindowedMax();
  private Mode mode = Mode.STARTUP;
  private int cwnd;
  private int ssthresh = Integer.MAX_VALUE;
  private long pacingRate;
  private double pacingGain = HIGH_GAIN;
  private double cwndGain = HIGH_GAIN;
  private boolean hasSeenRtt;

  private long minRtt = NO_RTT;
  private long minRttStamp;
  private boolean minRttStamped;

  private long roundCount;

  /** C.delivered as of the last sample. */
  private long totalDelivered;

  private boolean roundStart;
  private long nextRoundDelivered;

  private double fullBw;
  private int fullBwCount;
  private boolean fullBwReached;

  private int cycleIndex;
  private long cycleStamp;

  private long probeRttDone;
  private boolean probeRttDoneSet;
  private boolean probeRttRoundDone;
  private boolean idleRestart;

  /**
   * The long-term (policed) bandwidth: whether it is used, its value, and the sampling interval.
   */
  private boolean ltUseBw;

  private double ltBw;
  private boolean ltSampling;
  private int ltRounds;
  private long ltLastStamp;
  private long ltLastDelivered;
  private long ltLastLost;

  /** Bytes marked lost since the start (Linux's {@code tp->lost}). */
  private long totalLost;

  private int priorCwnd;
  private boolean packetConservation;
  private LossRecovery.Phase previousPhase = LossRecovery.Phase.OPEN;

  Bbr(int mss) {
    this(mss, SlowStart.LINUX);
  }

  Bbr(int mss, SlowStart slowStart) {
    if (mss <= 0) throw new IllegalArgumentException("mss must be positive: " + mss);
    this.mss = mss;
    this.initialWindow = slowStart.initialWindow(mss);
    this.cwnd = initialWindow;
    // Linux's bbr_init_pacing_rate_from_rtt without an RTT: the initial window per millisecond, at
    // high gain.
    this.pacingRate = (long) (HIGH_GAIN * cwnd * 1000);
  }

  @Override
  public String name() {
    return "bbr";
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

  Mode mode() {
    return mode;
  }

  /**
   * Returns the bottleneck bandwidth estimate in bytes per second: the policed rate while one is
   * detected.
   */
  double bandwidth() {
    return ltUseBw ? ltBw : maxBw.get();
  }

  /** Returns whether a policer was detected and its long-term rate is used. */
  boolean policed() {
    return ltUseBw;
  }

  /**
   * Returns the round-trip propagation time estimate in ns, {@link Long#MAX_VALUE} before a sample.
   */
  long minRtt() {
    return minRtt;
  }

  /** Returns whether STARTUP found the pipe full. */
  boolean fullBandwidthReached() {
    return fullBwReached;
  }

  /** Returns the current pacing gain. */
  double pacingGain() {
    return pacingGain;
  }

  /**
   * Returns whether samples taken now are application-limited by BBR's own doing (PROBE_RTT holds
   * the sender back).
   */
  @Override
  public boolean holdsBack() {
    return mode == Mode.PROBE_RTT;
  }

  // ---- The window-based hooks: BBR learns from rate samples instead ----

  @Override
  public void onAck(int acked, long rtt, long now) {}

  @Override
  public void onRoundStart(long now) {}

  @Override
  public void onEnterRecovery(int flightSize, long now) {
    saveCwnd(); // Linux's bbr_ssthresh: ssthresh is left alone
  }

  @Override
  public void onExitRecovery(long now) {}

  @Override
  public void onRetransmissionTimeout(int flightSize, boolean newEvent, long now) {
    // tcp_enter_loss: cwnd = what is in flight (nothing, all is marked lost) + 1;
    // bbr_set_state(TCP_CA_Loss).
    if (newEvent) saveCwnd();
    cwnd = mss;
    previousPhase = LossRecovery.Phase.LOSS;
    fullBw = 0;
    roundStart = true;
    longTermSampling(
        true, false, now); // bbr_set_state: a timeout counts as a loss for the policer's test
  }

  @Override
  public void onSpuriousCongestionEvent(long now) {
    // bbr_undo_cwnd: cwnd stays; STARTUP's plateau count starts over.
    fullBw = 0;
    fullBwCount = 0;
    resetLongTerm(now);
  }

  /** BBR v1 does not respond to ECN (Linux's {@code tcp_bbr} has no CWR handling). */
  @Override
  public void onEcnEcho(int flightSize, long now) {}

  @Override
  public void onSent(int bytes, int inFlight, boolean appLimited, long now) {
    // bbr_cwnd_event(CA_EVENT_TX_START): restarting from idle, pace at the estimate, not above it.
    if (inFlight <= bytes && appLimited) {
      idleRestart = true;
      if (mode == Mode.PROBE_BW) setPacingRate(bandwidth(), 1);
    }
  }

  // ---- bbr_main ----

  @Override
  public void onRateSample(RateSample rs, LossRecovery.Phase phase, long now) {
    totalLost += rs.lost();
    totalDelivered = rs.totalDelivered();
    updateBandwidth(rs, now);
    updateCyclePhase(rs, now);
    checkFullBandwidthReached(rs);
    checkDrain(rs.inFlight(), now);
    updateMinRtt(rs, now);
    setPacingRate(bandwidth(), pacingGain);
    if (!hasSeenRtt && rs.rtt() >= 0) initPacingRate(rs.rtt());
    setCwnd(rs, phase);
  }

  /**
   * bbr_update_bw: a round ends when a segment sent after the last round began is delivered; the
   * filter takes the rate.
   */
  private void updateBandwidth(RateSample rs, long now) {
    roundStart = false;
    if (!rs.hasRate()) return;
    if (rs.priorDelivered() >= nextRoundDelivered) {
      nextRoundDelivered = rs.totalDelivered();
      roundCount++;
      roundStart = true;
      packetConservation = false;
    }
    longTermSampling(rs.lost() > 0, rs.appLimited(), now);
    double bw = rs.rate();
    // An application-limited sample only raises the estimate: it says the path can do at least
    // that.
    if (!rs.appLimited() || bw >= bandwidth()) maxBw.update(BW_RTTS, roundCount, bw);
  }

  /**
   * bbr_update_cycle_phase: PROBE_BW moves to the next gain after a min RTT, or as the gain's goal
   * is met.
   */
  private void updateCyclePhase(RateSample rs, long now) {
    if (mode != Mode.PROBE_BW) return;
    boolean fullLength = minRtt != NO_RTT && now - cycleStamp > minRtt;
    boolean next;
    if (pacingGain == 1) {
      next = fullLength;
    } else if (pacingGain > 1) {
      // Probing up: until a round passed and the gain's inflight is reached, or a loss says the
      // queue is full.
      next =
          fullLength && (rs.lost() > 0 || rs.priorInFlight() >= inflight(bandwidth(), pacingGain));
    } else {
      // Draining: once the queue probing built is gone, or after a round anyway.
      next = fullLength || rs.priorInFlight() <= inflight(bandwidth(), 1);
    }
    if (next) advanceCyclePhase(now);
  }

  private void advanceCyclePhase(long now) {
    cycleIndex = (cycleIndex + 1) % PACING_GAIN.length;
    cycleStamp = now;
    pacingGain = ltUseBw ? 1 : PACING_GAIN[cycleIndex];
  }

  // ---- Long-term bandwidth: a token-bucket policer (bbr_lt_bw_sampling) ----

  /**
   * Takes one ACK (or a timeout) for the policer's test: whether it reported losses, whether
   * application-limited.
   */
  private void longTermSampling(boolean losses, boolean appLimited, long now) {
    if (ltUseBw) {
      // Using the policed rate: for 48 rounds, then probe again in case the policer went.
      if (mode == Mode.PROBE_BW && roundStart && ++ltRounds >= LT_BW_MAX_ROUNDS) {
        resetLongTerm(now);
        enterProbeBandwidth(now);
      }
      return;
    }
    // The first loss starts an interval: the policer's bucket is empty, its rate now the steady
    // one.
    if (!ltSampling) {
      if (!losses) return;
      resetLongTermInterval(now);
      ltSampling = true;
    }
    if (appLimited) {
      resetLongTerm(now); // running out of data would underestimate the rate
      return;
    }
    if (roundStart) ltRounds++;
    if (ltRounds < LT_INTERVAL_MIN_ROUNDS) return;
    if (ltRounds > 4 * LT_INTERVAL_MIN_ROUNDS) {
      resetLongTerm(now);
      return;
    }
    // The interval ends with a loss, once it lost at least 20 % of what it delivered.
    if (!losses) return;
    long lost = totalLost - ltLastLost;
    long delivered = totalDelivered - ltLastDelivered;
    if (delivered <= 0 || lost < LT_LOSS_THRESH * delivered) return;
    long t = now - ltLastStamp;
    if (t < 1_000_000L) return; // under a millisecond
    double bw = delivered * 1e9 / t;
    if (ltBw > 0) {
      double diff = Math.abs(bw - ltBw);
      if (diff <= LT_BW_RATIO * ltBw || diff <= LT_BW_DIFF) {
        // Two intervals of the same rate under heavy loss: a policer. Use their mean, at gain 1.
        ltBw = (bw + ltBw) / 2;
        ltUseBw = true;
        pacingGain = 1;
        ltRounds = 0;
        return;
      }
    }
    ltBw = bw;
    resetLongTermInterval(now);
  }

  private void resetLongTermInterval(long now) {
    ltLastStamp = now;
    ltLastDelivered = totalDelivered;
    ltLastLost = totalLost;
    ltRounds = 0;
  }

  private void resetLongTerm(long now) {
    ltBw = 0;
    ltUseBw = false;
    ltSampling = false;
    resetLongTermInterval(now);
  }

  /**
   * bbr_check_full_bw_reached: STARTUP ends when three rounds in a row failed to grow the bandwidth
   * by 25 %.
   */
  private void checkFullBandwidthReached(RateSample rs) {
    if (fullBwReached || !roundStart || rs.appLimited()) return;
    if (bandwidth() >= fullBw * FULL_BW_THRESH) {
      fullBw = bandwidth();
      fullBwCount = 0;
      return;
    }
    fullBwReached = ++fullBwCount >= FULL_BW_ROUNDS;
  }

  /** bbr_check_drain: STARTUP's queue is drained at the inverse gain, then PROBE_BW begins. */
  private void checkDrain(int inFlight, long now) {
    if (mode == Mode.STARTUP && fullBwReached) {
      mode = Mode.DRAIN;
      pacingGain = DRAIN_GAIN;
      cwndGain = HIGH_GAIN;
      ssthresh = inflight(bandwidth(), 1);
    }
    if (mode == Mode.DRAIN && inFlight <= inflight(bandwidth(), 1)) enterProbeBandwidth(now);
  }

  private void enterProbeBandwidth(long now) {
    mode = Mode.PROBE_BW;
    cwndGain = CWND_GAIN;
    // Linux starts at a random phase other than the 0.75 one; a phase from the round count keeps
    // runs reproducible.
    cycleIndex = PACING_GAIN.length - 1 - (int) (roundCount % (PACING_GAIN.length - 1));
    advanceCyclePhase(now);
  }

  private void resetMode(long now) {
    if (fullBwReached) {
      enterProbeBandwidth(now);
    } else {
      mode = Mode.STARTUP;
      pacingGain = HIGH_GAIN;
      cwndGain = HIGH_GAIN;
    }
  }

  /** bbr_update_min_rtt: the 10 s min-RTT filter, and PROBE_RTT when it expires. */
  private void updateMinRtt(RateSample rs, long now) {
    boolean expired = minRttStamped && now - minRttStamp > MIN_RTT_WINDOW;
    if (rs.rtt() >= 0 && (rs.rtt() < minRtt || expired)) {
      minRtt = rs.rtt();
      minRttStamp = now;
      minRttStamped = true;
    }
    if (expired && !idleRestart && mode != Mode.PROBE_RTT) {
      mode = Mode.PROBE_RTT;
      pacingGain = 1;
      cwndGain = 1;
      saveCwnd();
      probeRttDoneSet = false;
    }
    if (mode == Mode.PROBE_RTT) {
      if (!probeRttDoneSet && rs.inFlight() <= MIN_CWND_SEGMENTS * mss) {
        // Hold 4 segments for 200 ms and at least one round, then the RTT seen is the propagation
        // time.
        probeRttDone = now + PROBE_RTT_TIME;
        probeRttDoneSet = true;
        probeRttRoundDone = false;
        nextRoundDelivered = rs.totalDelivered();
      } else if (probeRttDoneSet) {
        if (roundStart) probeRttRoundDone = true;
        if (probeRttRoundDone && now - probeRttDone > 0) {
          minRttStamp = now;
          cwnd = Math.max(cwnd, priorCwnd);
          resetMode(now);
        }
      }
    }
    if (rs.delivered() > 0) idleRestart = false;
  }

  private void initPacingRate(long rtt) {
    hasSeenRtt = true;
    pacingRate = (long) (HIGH_GAIN * cwnd * 1e9 / Math.max(1, rtt));
  }

  /** bbr_set_pacing_rate: gain × bandwidth less the margin; in STARTUP it only rises. */
  private void setPacingRate(double bw, double gain) {
    long rate = (long) (bw * gain * PACING_MARGIN);
    if (rate <= 0) return;
    if (fullBwReached || rate > pacingRate) pacingRate = rate;
  }

  /** bbr_set_cwnd: toward gain × BDP + quantum, slowly in recovery (packet conservation). */
  private void setCwnd(RateSample rs, LossRecovery.Phase phase) {
    int acked = rs.acked();
    if (acked > 0 && !recoverOrRestore(rs, phase)) {
      int target = quantizationBudget(bdp(bandwidth(), cwndGain));
      if (fullBwReached) {
        cwnd = (int) Math.min((long) cwnd + acked, target);
      } else if (cwnd < target || rs.totalDelivered() < initialWindow) {
        cwnd = (int) Math.min(Integer.MAX_VALUE, (long) cwnd + acked);
      }
      cwnd = Math.max(cwnd, MIN_CWND_SEGMENTS * mss);
    }
    if (mode == Mode.PROBE_RTT) cwnd = Math.min(cwnd, MIN_CWND_SEGMENTS * mss);
  }

  /**
   * bbr_set_cwnd_to_recover_or_restore: losses come off cwnd; the first round of a recovery sends
   * one segment per segment delivered; the end of a recovery brings the window before it back.
   * Returns whether packet conservation set cwnd.
   */
  private boolean recoverOrRestore(RateSample rs, LossRecovery.Phase phase) {
    int w = cwnd;
    if (rs.lost() > 0) w = Math.max(w - rs.lost(), mss);
    boolean recovering = phase == LossRecovery.Phase.RECOVERY || phase == LossRecovery.Phase.LOSS;
    boolean wasRecovering =
        previousPhase == LossRecovery.Phase.RECOVERY || previousPhase == LossRecovery.Phase.LOSS;
    if (phase == LossRecovery.Phase.RECOVERY && previousPhase != LossRecovery.Phase.RECOVERY) {
      packetConservation = true;
      nextRoundDelivered = rs.totalDelivered();
      w = rs.inFlight() + rs.acked();
    } else if (wasRecovering && !recovering) {
      w = Math.max(w, priorCwnd);
      packetConservation = false;
    }
    previousPhase = phase;
    if (packetConservation) {
      cwnd = Math.max(w, rs.inFlight() + rs.acked());
      return true;
    }
    cwnd = w;
    return false;
  }

  /** bbr_save_cwnd: the window to come back to after a recovery or PROBE_RTT. */
  private void saveCwnd() {
    boolean recovering =
        previousPhase == LossRecovery.Phase.RECOVERY || previousPhase == LossRecovery.Phase.LOSS;
    priorCwnd = !recovering && mode != Mode.PROBE_RTT ? cwnd : Math.max(priorCwnd, cwnd);
  }

  /**
   * bbr_bdp: gain × bandwidth × min RTT in bytes, rounded up; the initial window before an RTT is
   * known.
   */
  private int bdp(double bw, double gain) {
    if (minRtt == NO_RTT) return initialWindow;
    return (int) Math.min(Integer.MAX_VALUE, Math.ceil(bw * minRtt / 1e9 * gain));
  }

  /** bbr_inflight: the BDP at {@code gain} with the quantization budget. */
  private int inflight(double bw, double gain) {
    return quantizationBudget(bdp(bw, gain));
  }

  /**
   * bbr_quantization_budget: room for three pacing quanta in flight (the sender's, the receiver's
   * delayed ACK, and one in the network), in whole even segments, and 2 more in the 1.25 phase.
   */
  private int quantizationBudget(int window) {
    long segments = Math.ceilDiv((long) window, mss) + 3L * Pacer.quantumSegments(pacingRate, mss);
    segments = (segments + 1) & ~1L;
    if (mode == Mode.PROBE_BW && cycleIndex == 0) segments += 2;
    return (int) Math.min(Integer.MAX_VALUE, segments * mss);
  }

  @Override
  public String toString() {
    return String.format(
        java.util.Locale.ROOT,
        "bbr %s cwnd=%d bw=%.0fB/s minrtt=%dus pacing=%dB/s",
        mode,
        cwnd,
        bandwidth(),
        minRtt == NO_RTT ? -1 : minRtt / 1000,
        pacingRate);
  }
}
