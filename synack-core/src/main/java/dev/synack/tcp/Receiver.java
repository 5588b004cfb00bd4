package dev.synack.tcp;

import java.nio.ByteBuffer;

/**
 * The receive side of the TCB (RFC 9293 §3.3.1): IRS, RCV.NXT, the window we offer and the
 * receive buffer of in-order data not yet read.
 *
 * <pre>
 *     1          2          3
 * ----------|----------|----------
 *        RCV.NXT    RCV.NXT
 *                  +RCV.WND
 * 1 - old sequence numbers that have been acknowledged
 * 2 - sequence numbers allowed for new reception
 * 3 - future sequence numbers that are not yet allowed
 * </pre>
 *
 * <p>RCV.WND is what we last announced: its right edge, RCV.NXT + RCV.WND, never moves left
 * (RFC 9293 §3.8.6.2.2, SHLD-14: no shrinking). Out-of-order data is not kept in this issue; issue 4
 * adds a reassembly queue in front of {@link #accept}.
 */
final class Receiver {
  /** IRS, the peer's initial sequence number. */
  int irs;
  /** RCV.NXT, the next sequence number expected. */
  int rcvNxt;
  /** Whether the peer's SYN arrived (IRS and RCV.NXT are known). */
  boolean synReceived;
  /** Whether the peer's FIN arrived: after the buffered data, the stream ends. */
  boolean finReceived;
  /** Last.ACK.sent (RFC 7323 §4.3): the RCV.NXT of the last ACK we sent. */
  int lastAckSent;
  /** Shift count of the windows we announce (RFC 7323 §2.3), 0 until window scaling is agreed. */
  int rcvShift;

  /** The receive buffer's size: the most unread data we offer a window for. */
  private int bufferSize;
  /** Unread in-order data. It may exceed {@link #bufferSize} by less than one window-scale unit (see {@link #windowField}). */
  private final ByteQueue buffer;
  /** RCV.NXT + RCV.WND as last announced. */
  private int rightEdge;

  Receiver(int bufferSize) {
    this.bufferSize = bufferSize;
    this.buffer = new ByteQueue(bufferSize + (1 << 14));
  }

  /** Takes the peer's SYN (RFC 9293 §3.10.7.2 third, §3.10.7.3 fourth): IRS = SEG.SEQ, RCV.NXT = SEG.SEQ + 1, with the window a SYN-ACK announces. */
  void onSyn(int seq, int roundTo) {
    irs = seq;
    rcvNxt = SeqNum.add(seq, 1);
    synReceived = true;
    lastAckSent = rcvNxt;
    rightEdge = SeqNum.add(rcvNxt, synWindow(roundTo));
  }

  /** Returns RCV.WND, the window last announced, as seen from RCV.NXT. */
  int rcvWnd() {
    return Math.max(0, SeqNum.diff(rightEdge, rcvNxt));
  }

  /**
   * Grows the buffer to the next multiple of {@code mss} (FreeBSD's {@code tcp_mss}, see
   * {@link TcpChoices#receiveBufferRoundedUpToMss}), within the queue's room for one window-scale
   * unit more than the buffer (16 KiB): enough for any MSS of an Ethernet-sized path.
   */
  void roundBufferUpTo(int mss) {
    if (mss <= 0 || bufferSize <= mss) return;
    int rounded = (int) Math.min((long) Math.ceilDiv(bufferSize, mss) * mss, buffer.capacity());
    if (rounded > bufferSize) bufferSize = rounded;
  }

  /** Returns the free buffer space in bytes. */
  int freeSpace() {
    return free();
  }

  /** Returns the receive buffer's size in bytes (SO_RCVBUF). */
  int bufferSize() {
    return bufferSize;
  }

  /** Returns the unread bytes. */
  int queued() {
    return buffer.size();
  }

  /**
   * Returns the window field of a SYN: never scaled (RFC 7323 §2.2), at most 65535, rounded down
   * to a multiple of the MSS as Linux's {@code tcp_select_initial_window} does (64240 for 1460).
   */
  int synWindow(int roundTo) {
    int w = Math.min(free(), 0xffff);
    return roundTo > 0 && w >= roundTo ? w - w % roundTo : w;
  }

  /**
   * Returns the window field of a non-SYN segment, scaled by our shift, and records what it
   * announces. The free buffer space is rounded down to the scale unit, unless that would move the
   * right edge left, in which case the old edge is rounded up (as Linux's {@code tcp_select_window}),
   * accepting at most one unit more than the buffer holds.
   */
  int windowField() {
    int unit = 1 << rcvShift;
    int fresh = free() >>> rcvShift;
    int old = (rcvWnd() + unit - 1) >>> rcvShift;
    int field = Math.min(Math.max(fresh, old), 0xffff);
    int edge = SeqNum.add(rcvNxt, field << rcvShift);
    if (SeqNum.gt(edge, rightEdge)) rightEdge = edge;
    return field;
  }

  /** Notes that a segment carrying ACK = RCV.NXT left (for TS.Recent). */
  void onAckSent() {
    lastAckSent = rcvNxt;
  }

  /** Takes in-order data at RCV.NXT, already trimmed to the window; returns the bytes taken. */
  int accept(ByteBuffer payload) {
    int n = buffer.write(payload.duplicate());
    rcvNxt = SeqNum.add(rcvNxt, n);
    return n;
  }

  /** Takes the peer's FIN: it occupies one sequence number (RFC 9293 §3.10.7.4 eighth step). */
  void onFin() {
    rcvNxt = SeqNum.add(rcvNxt, 1);
    finReceived = true;
  }

  /** Moves unread data into {@code dst} (the RECEIVE call); returns the count. */
  int read(ByteBuffer dst) {
    return buffer.read(dst);
  }

  /** Drops unread data. */
  void flush() {
    buffer.clear();
  }

  /**
   * Returns whether reading opened the window enough to tell the peer: by at least the smaller of
   * half the buffer and one MSS (RFC 9293 §3.8.6.2.2, receiver-side silly window avoidance).
   */
  boolean windowUpdateDue(int mss) {
    int possible = (free() >>> rcvShift) << rcvShift;
    return possible - rcvWnd() >= Math.min(bufferSize / 2, mss);
  }

  private int free() {
    return Math.max(0, bufferSize - buffer.size());
  }
}
