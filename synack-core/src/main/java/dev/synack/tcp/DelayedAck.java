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
    if (!dataSeen || now - lastDataAt > rto) enterQuickAck(window);
    dataSeen = true;
    lastDataAt = now;
    return quickAcks > 0 || unacked > rcvMss;
  }

  /**
   * Enters quick-ACK mode (Linux's {@code tcp_incr_quickack}): up to 16 ACKs, one per two segments
   * the window holds.
   */
  void enterQuickAck(int window) {
    int quick = Math.clamp(window / (2 * Math.max(rcvMss, INITIAL_RCV_MSS)), 2, MAX_QUICK_ACKS);
    quickAcks = Math.max(quickAcks, quick);
  }

  /** Notes that a segment carrying our ACK left (Linux's {@code tcp_dec_quickack_mode}). */
  void onAckSent() {
    if (quickAcks > 0) quickAcks--;
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
