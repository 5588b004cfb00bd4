package dev.synack.tcp;

/**
 * CUBIC congestion control (RFC 9438), Linux's default: after a reduction the window follows the
 * cubic W_cubic(t) = C·(t − K)³ + W_max, concave up to the window before the loss (W_max), flat
 * around it, then convex as it probes beyond. Constants as the RFC and Linux: C = 0.4, β = 0.7,
 * fast convergence on, and the Reno-friendly region (§4.3) where an AIMD estimate would do better.
 * The initial slow start uses HyStart++ (RFC 9406).
 *
 * <p>Windows are kept in segments as doubles (the RFC's unit) and shown in bytes.
 */
final class Cubic implements CongestionControl {
  /** RFC 9438 §5: C = 0.4, in segments per second cubed. */
  static final double C = 0.4;

  /** RFC 9438 §4.6: the multiplicative decrease factor. */
  static final double BETA = 0.7;

  /** RFC 9438 §4.3: the Reno-friendly additive increase, 3·(1 − β)/(1 + β). */
  private static final double ALPHA = 3 * (1 - BETA) / (1 + BETA);

  private static final long NO_EPOCH = Long.MIN_VALUE;

  private final int mss;
  private final SlowStart slowStart;
  private final HyStartPlusPlus hyStart = new HyStartPlusPlus();

  /** cwnd in segments. */
  private double cwnd;

  /** ssthresh in segments; infinite until the first reduction. */
  private double ssthresh = Double.POSITIVE_INFINITY;

  /** W_max: the window just before the last reduction (less with fast convergence). */
  private double wMax;

  /** K in seconds: when W_cubic reaches W_max again (§4.2 equation 2). */
  private double k;

  /** When the current congestion-avoidance epoch started, ns; {@link #NO_EPOCH} when none has. */
  private long epochStart = NO_EPOCH;

  /** W_est: the window an AIMD flow with the same β would have (§4.3). */
  private double wEst;

  /** cwnd_prior: the window at the last reduction, where α turns to 1 (§4.3). */
  private double cwndPrior;

  /**
   * The smallest RTT seen in ns, the "RTT" of W_cubic(t + RTT): Linux uses this ({@code delay_min})
   * rather than SRTT.
   */
  private long minRtt = Long.MAX_VALUE;

  /** The state before the last reduction, for {@link #onSpuriousCongestionEvent} (§4.9). */
  private double priorCwnd;

  private double priorSsthresh;
  private double priorWMax;
  private double priorK;
  private long priorEpochStart;
  private double priorWEst;
  private double priorCwndPrior;

  Cubic(int mss) {
    this(mss, SlowStart.LINUX);
  }

  Cubic(int mss, SlowStart slowStart) {
    if (mss <= 0) throw new IllegalArgumentException("mss must be positive: " + mss);
    this.mss = mss;
    this.slowStart = slowStart;
    this.cwnd = (double) slowStart.initialWindow(mss) / mss;
  }

  @Override
  public String name() {
    return "cubic";
  }

  @Override
  public int cwnd() {
    return (int) Math.min(Integer.MAX_VALUE, Math.max(1, cwnd) * mss);
  }

  @Override
  public int ssthresh() {
    return ssthresh == Double.POSITIVE_INFINITY
        ? Integer.MAX_VALUE
        : (int) Math.min(Integer.MAX_VALUE, ssthresh * mss);
  }

  /** Returns W_max in bytes, for tests and traces. */
  int wMax() {
    return (int) (wMax * mss);
  }

  /** Returns K in seconds. */
  double k() {
    return k;
  }

  /** Returns W_cubic(t) in segments, t seconds into the epoch (§4.2 equation 1). */
  double wCubic(double t) {
    double d = t - k;
    return C * d * d * d + wMax;
  }

  @Override
  public void onAck(int acked, long rtt, long now) {
    if (rtt >= 0) minRtt = Math.min(minRtt, rtt);
    if (cwnd < ssthresh) {
      // What slow start leaves once it reaches ssthresh goes on into congestion avoidance, as
      // Linux's cubictcp_cong_avoid.
      acked = slowStart(acked, rtt);
      if (acked <= 0) return;
    }
    double segmentsAcked = (double) acked / mss;
    if (epochStart == NO_EPOCH) {
      // §4.2: a new epoch begins with the first ACK in congestion avoidance. K from equation 2,
      // with cwnd_epoch the window now; above W_max (after an undo or a slow start that ended
      // below it) the curve starts at the plateau.
      epochStart = now;
      if (cwnd < wMax) {
        k = Math.cbrt((wMax - cwnd) / C);
      } else {
        k = 0;
        wMax = cwnd;
      }
      wEst = cwnd;
    }
    double rttSeconds = minRtt == Long.MAX_VALUE ? 0 : minRtt / 1e9;
    double t = (now - epochStart) / 1e9;
    // §4.3: W_est grows as AIMD with α, and with α = 1 once it reached the window at the last
    // reduction.
    wEst += (wEst >= cwndPrior ? 1 : ALPHA) * segmentsAcked / cwnd;
    if (wCubic(t) < wEst) {
      cwnd = wEst; // §4.3: the Reno-friendly region
      return;
    }
    // §4.4 (concave) and §4.5 (convex): grow by (target − cwnd)/cwnd per segment acknowledged,
    // the target W_cubic one RTT ahead, kept within [cwnd, 1.5·cwnd].
    double target = Math.clamp(wCubic(t + rttSeconds), cwnd, 1.5 * cwnd);
    cwnd += (target - cwnd) / cwnd * segmentsAcked;
  }

  /**
   * Standard slow start, or HyStart++'s conservative one during the initial slow start (RFC 9406
   * §4.3); returns the acknowledged bytes it did not use, once cwnd reached ssthresh.
   */
  private int slowStart(int acked, long rtt) {
    boolean initial = ssthresh == Double.POSITIVE_INFINITY;
    if (initial) hyStart.onRttSample(rtt);
    int bytes = cwnd();
    int counted = slowStart.countable(acked, mss);
    int grown = SlowStart.grow(bytes, ssthresh(), counted);
    int growth = grown - bytes;
    int rest = counted - growth;
    if (initial && hyStart.inCss()) growth /= HyStartPlusPlus.CSS_GROWTH_DIVISOR;
    cwnd += (double) growth / mss;
    // The byte values above are truncated: a slow start that reached ssthresh ends on it, or cwnd
    // stays a fraction of a byte below and never leaves slow start (stuck at 7.6996 of 7.7
    // segments).
    if (!initial && grown >= ssthresh()) cwnd = Math.max(cwnd, ssthresh);
    return rest;
  }

  @Override
  public void onRoundStart(long now) {
    if (ssthresh != Double.POSITIVE_INFINITY) return;
    hyStart.onRoundStart();
    // RFC 9406 §4.3: after CSS_ROUNDS rounds of CSS, "enter congestion avoidance by setting the
    // ssthresh to the current cwnd".
    if (hyStart.takeSlowStartEnd()) ssthresh = cwnd;
  }

  @Override
  public void onEnterRecovery(int flightSize, long now) {
    reduce(flightSize);
    cwnd = ssthresh;
  }

  @Override
  public void onExitRecovery(long now) {
    cwnd = Math.min(cwnd, ssthresh);
  }

  @Override
  public void onRetransmissionTimeout(int flightSize, boolean newEvent, long now) {
    // §4.8: ssthresh as for a loss, then cwnd of one segment (RFC 5681's loss window); the cubic
    // epoch restarts when congestion avoidance does.
    if (newEvent) reduce(flightSize);
    cwnd = 1;
    epochStart = NO_EPOCH;
  }

  @Override
  public void onSpuriousCongestionEvent(long now) {
    // §4.9: restore the state from before the congestion event.
    cwnd = Math.max(cwnd, priorCwnd);
    ssthresh = Math.max(ssthresh, priorSsthresh);
    wMax = priorWMax;
    k = priorK;
    epochStart = priorEpochStart;
    wEst = priorWEst;
    cwndPrior = priorCwndPrior;
  }

  /**
   * §4.6 multiplicative decrease and §4.7 fast convergence, remembering the state before (§4.9).
   */
  private void reduce(int flightSize) {
    priorCwnd = cwnd;
    priorSsthresh = ssthresh;
    priorWMax = wMax;
    priorK = k;
    priorEpochStart = epochStart;
    priorWEst = wEst;
    priorCwndPrior = cwndPrior;
    // §4.7: if the window did not regain the last W_max, another flow is probably taking a share;
    // release some by remembering a lower W_max.
    wMax = cwnd < wMax ? cwnd * (1 + BETA) / 2 : cwnd;
    cwndPrior = cwnd;
    // §4.6: "ssthresh = flight_size × β_cubic", and "cwnd = max(ssthresh, 2)".
    ssthresh = Math.max((double) flightSize / mss * BETA, 2);
    epochStart = NO_EPOCH;
  }

  @Override
  public String toString() {
    return "cubic cwnd=" + cwnd() + " ssthresh=" + ssthresh() + " wmax=" + wMax();
  }
}
