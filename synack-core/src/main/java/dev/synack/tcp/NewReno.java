package dev.synack.tcp;

/**
 * NewReno congestion control in bytes: slow start and congestion avoidance with byte counting (RFC
 * 5681 §3.1, RFC 3465), halving on loss (RFC 5681 §3.2 equation 4) with the recovery of RFC 6582
 * (whose partial-ACK retransmissions {@link LossRecovery} makes), and the one-segment loss window
 * after a timeout.
 */
final class NewReno implements CongestionControl {
  private final int mss;
  private final SlowStart slowStart;

  /** cwnd in bytes. */
  private int cwnd;

  /** ssthresh in bytes. */
  private int ssthresh = Integer.MAX_VALUE;

  /**
   * Bytes acknowledged in congestion avoidance since cwnd last grew (RFC 3465 §2.1 "bytes_acked").
   */
  private int bytesAcked;

  /** cwnd and ssthresh before the last reduction, for {@link #onSpuriousCongestionEvent}. */
  private int priorCwnd;

  private int priorSsthresh = Integer.MAX_VALUE;

  NewReno(int mss) {
    this(mss, SlowStart.LINUX);
  }

  NewReno(int mss, SlowStart slowStart) {
    if (mss <= 0) throw new IllegalArgumentException("mss must be positive: " + mss);
    this.mss = mss;
    this.slowStart = slowStart;
    this.cwnd = slowStart.initialWindow(mss);
  }

  @Override
  public String name() {
    return "newreno";
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
  public void onAck(int acked, long rtt, long now) {
    if (cwnd < ssthresh) {
      // Slow start (RFC 5681 §3.1), counting the ACK's bytes as SlowStart says; what is left once
      // cwnd reaches ssthresh goes on into congestion avoidance, as Linux's tcp_reno_cong_avoid.
      int counted = slowStart.countable(acked, mss);
      int grown = SlowStart.grow(cwnd, ssthresh, counted);
      acked = counted - (grown - cwnd);
      cwnd = grown;
      if (acked <= 0) return;
    }
    // RFC 5681 §3.1 congestion avoidance with byte counting (RFC 3465 §2.1): one SMSS more per cwnd
    // acknowledged, as many as a stretch ACK covers (Linux's tcp_cong_avoid_ai).
    bytesAcked += acked;
    if (bytesAcked >= cwnd) {
      int delta = bytesAcked / cwnd;
      bytesAcked -= delta * cwnd;
      cwnd = (int) Math.min(Integer.MAX_VALUE, cwnd + (long) delta * mss);
    }
  }

  @Override
  public void onRoundStart(long now) {}

  @Override
  public void onEnterRecovery(int flightSize, long now) {
    halve(flightSize);
    cwnd = ssthresh;
  }

  @Override
  public void onExitRecovery(long now) {
    // RFC 6582 §3.2 step 3, full acknowledgment: "Set cwnd to ... ssthresh" (the first option).
    cwnd = Math.min(cwnd, ssthresh);
  }

  @Override
  public void onRetransmissionTimeout(int flightSize, boolean newEvent, long now) {
    if (newEvent) halve(flightSize);
    // RFC 5681 §3.1: "the congestion window MUST be set to no more than the loss window, LW, which
    // equals 1 full-sized segment".
    cwnd = mss;
  }

  @Override
  public void onSpuriousCongestionEvent(long now) {
    // As Linux's tcp_undo_cwnd_reduction with tcp_reno_undo_cwnd: the larger of now and before.
    cwnd = Math.max(cwnd, priorCwnd);
    ssthresh = Math.max(ssthresh, priorSsthresh);
  }

  /**
   * RFC 5681 §3.1 equation 4: ssthresh = max(FlightSize / 2, 2·SMSS), remembering the window
   * before.
   */
  private void halve(int flightSize) {
    priorCwnd = cwnd;
    priorSsthresh = ssthresh;
    ssthresh = Math.max(flightSize / 2, 2 * mss);
    bytesAcked = 0;
  }

  @Override
  public String toString() {
    return "newreno cwnd=" + cwnd + " ssthresh=" + ssthresh;
  }
}
