package dev.synack.tcp;

/**
 * When in-order data is acknowledged: at once, or after the delayed-ACK timer (RFC 1122 §4.2.3.2,
 * RFC 5681 §4.2), decided as Linux does ({@code __tcp_ack_snd_check}, {@code tcp_event_data_recv}).
 *
 * <ul>
 *   <li>"an ACK SHOULD be generated for at least every second full-sized segment" (RFC 5681 §4.2):
 *       once more than one full-sized segment is unacknowledged, the ACK goes now. What is
 *       full-sized is learned from the peer's segments (Linux's {@code rcv_mss}: the largest seen,
 *       at most our MSS, 536 until then).
 *   <li>Quick-ACK mode: at the start of the data, and again after an idle spell longer than the RTO
 *       or a retransmission from the peer, the next ACKs (up to 16, Linux's {@code
 *       TCP_MAX_QUICKACKS}, fewer when the window holds fewer than two segments per ACK) go at
 *       once, so that the peer's slow start is not slowed by our delay.
 *   <li>Otherwise the ACK waits for the timer (40 ms, Linux's {@code TCP_DELACK_MIN}; RFC 1122
 *       allows up to 500 ms), or for a segment of ours to carry it.
 *   <li>Ping-pong mode ({@code TCP_QUICKACK} set to 0; Linux's {@code icsk_ack.pingpong}): the
 *       quick ACKs are held back and wait for the timer like the others, as Linux's {@code
 *       tcp_in_quickack_mode} answers false; a delayed ACK that the timer had to send, a
 *       retransmission from the peer or {@code TCP_QUICKACK} set to 1 leaves it.
 * </ul>
 *
 * Out-of-order data, a filled hole and window updates are acknowledged at once by the caller,
 * whatever this says.
 */
final class DelayedAck {
  /** Linux's {@code TCP_MAX_QUICKACKS}. */
  static final int MAX_QUICK_ACKS = 16;

  /** Linux's {@code TCP_MSS_DEFAULT}: the full-sized segment assumed before the peer's are seen. */
  private static final int INITIAL_RCV_MSS = 536;

  /** ACKs still sent at once (quick-ACK mode while above 0). */
  private int quickAcks;

  /** Whether data has arrived yet (Linux: {@code icsk_ack.ato} still 0). */
  private boolean dataSeen;

  /** When in-order data last arrived. */
  private long lastDataAt;

  /**
   * The size of a full segment from the peer, as far as we know (Linux's {@code icsk_ack.rcv_mss});
   * 0 before any data.
   */
  private int rcvMss;

  /**
   * Whether quick ACKs are held back (Linux's {@code inet_csk_in_pingpong_mode}): entered by {@code
   * TCP_QUICKACK} 0, left by the delayed-ACK timer, {@link #enterQuickAck} and {@code TCP_QUICKACK}
   * 1.
   */
  private boolean pingpong;

  /**
   * Returns whether in-order data just taken calls for an ACK now.
   *
   * @param length the segment's text length
   * @param unacked the bytes received and not yet acknowledged (RCV.NXT - Last.ACK.sent), this
   *     segment's included
   * @param window the receive window, which bounds the quick ACKs
   * @param ourMss our MSS, which bounds a full-sized segment
   * @param rto the current RTO: a longer silence restarts quick-ACK mode
   */
  boolean onData(int length, int unacked, int window, int ourMss, long rto, long now) {
    if (rcvMss == 0) rcvMss = Math.min(INITIAL_RCV_MSS, ourMss);
    if (length > rcvMss) rcvMss = Math.min(length, ourMss);
    if (!dataSeen || now - lastDataAt > rto) incrQuickAck(window);
    dataSeen = true;
    lastDataAt = now;
    return (quickAcks > 0 && !pingpong) || unacked > rcvMss;
  }

  /**
   * Enters quick-ACK mode and leaves ping-pong mode (Linux's {@code tcp_enter_quickack_mode}, as on
   * a retransmission from the peer): up to 16 ACKs at once.
   */
  void enterQuickAck(int window) {
    incrQuickAck(window);
    pingpong = false;
  }

  /**
   * Adds quick ACKs (Linux's {@code tcp_incr_quickack}): up to 16, one per two segments the window
   * holds; ping-pong mode, if on, still holds them back.
   */
  private void incrQuickAck(int window) {
    int quick = Math.clamp(window / (2 * Math.max(rcvMss, INITIAL_RCV_MSS)), 2, MAX_QUICK_ACKS);
    quickAcks = Math.max(quickAcks, quick);
  }

  /** Notes that a segment carrying our ACK left (Linux's {@code tcp_dec_quickack_mode}). */
  void onAckSent() {
    if (quickAcks > 0) quickAcks--;
  }

  /**
   * Enters or leaves ping-pong mode ({@code TCP_QUICKACK} 0 or 1: Linux's {@code
   * inet_csk_enter_pingpong_mode}, {@code inet_csk_exit_pingpong_mode}).
   */
  void setPingpong(boolean on) {
    pingpong = on;
  }

  /** Returns whether ping-pong mode holds quick ACKs back ({@code TCP_QUICKACK} reads 0). */
  boolean pingpong() {
    return pingpong;
  }

  /**
   * Notes that the delayed-ACK timer sent an ACK: in ping-pong mode the delay was missed, and the
   * mode is left (Linux's {@code tcp_delack_timer_handler}), so the quick ACKs left go at once.
   */
  void onTimerAck() {
    pingpong = false;
  }

  /** Returns the size of a full segment from the peer as far as known, 0 before any data. */
  int rcvMss() {
    return rcvMss;
  }

  /** Returns how many quick ACKs remain (for tests). */
  int quickAcks() {
    return quickAcks;
  }
}
