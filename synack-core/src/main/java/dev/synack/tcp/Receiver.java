package dev.synack.tcp;

import dev.synack.wire.SackBlock;
import dev.synack.wire.SeqNum;
import java.nio.ByteBuffer;

/**
 * The receive side of the TCB (RFC 9293 §3.3.1): IRS, RCV.NXT, the window we offer and the receive
 * buffer of in-order data not yet read.
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
 * <p>RCV.WND is what we last announced: its right edge, RCV.NXT + RCV.WND, never moves left (RFC
 * 9293 §3.8.6.2.2, SHLD-14: no shrinking). Data that arrives ahead of RCV.NXT waits in the {@link
 * ReassemblyQueue} and joins the buffer when the hole before it fills; it lies inside the window
 * announced, so the window needs no correction for it.
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

  /**
   * RCV.UP (RFC 9293 §3.3.1): the sequence number just after the urgent data, valid once {@link
   * #urgentKnown}.
   */
  int rcvUp;

  /** Whether an urgent pointer has arrived. */
  boolean urgentKnown;

  /** Last.ACK.sent (RFC 7323 §4.3): the RCV.NXT of the last ACK we sent. */
  int lastAckSent;

  /** Shift count of the windows we announce (RFC 7323 §2.3), 0 until window scaling is agreed. */
  byte rcvShift;

  /**
   * The peer's full segment (its Eff.snd.MSS as far as we know), for silly window avoidance; 536
   * until the SYNs settle it.
   */
  int peerSegmentSize = 536;

  /**
   * The receive buffer's size: the most unread data we offer a window for; auto-tuning raises it.
   */
  private int bufferSize;

  /** Bytes the user has read in all, for auto-tuning. */
  private long totalRead;

  /** The most auto-tuning may grow the buffer to. */
  private final int maxBufferSize;

  /**
   * Receive-buffer auto-tuning (Linux's {@code tcp_rcv_space_adjust}); {@code null} until data
   * arrives or the user sets the size.
   */
  private ReceiveBufferTuner tuner;

  /**
   * Unread in-order data. It may exceed {@link #bufferSize} by less than one window-scale unit (see
   * {@link #windowField}). Null until data arrives, and again once drained and its storage given
   * back ({@link #reclaimStorage}): an idle connection holds no queue.
   */
  private ByteQueue buffer;

  /** The window size (scaled, in bytes) the last segment we sent announced. */
  private int lastAnnounced;

  /** RCV.NXT + RCV.WND as last announced. */
  private int rightEdge;

  /*
   * The helpers below exist only once they have something to do, so that an idle connection that
   * never saw data, a hole or a duplicate holds none of them: each is created by its accessor.
   */
  /** Data received ahead of RCV.NXT. */
  private ReassemblyQueue outOfOrder;

  /** When in-order data is acknowledged (RFC 1122 §4.2.3.2). */
  private DelayedAck delayedAck;

  /** Whether {@link #flush} dropped a FIN that waited alone ahead of RCV.NXT. */
  private boolean finAloneFlushed;

  /**
   * The SACK blocks our ACKs report (RFC 2018 §4, RFC 2883), used when SACK-permitted was agreed.
   */
  private SackGenerator sack;

  /**
   * Creates the receive side with a buffer of {@code bufferSize} bytes that auto-tuning may grow up
   * to {@code maxBufferSize} (equal sizes: no tuning). Nothing is allocated until data arrives.
   */
  Receiver(int bufferSize, int maxBufferSize) {
    this.bufferSize = bufferSize;
    this.maxBufferSize = Math.max(bufferSize, maxBufferSize);
  }

  /** Returns the window size the last segment we sent announced (for {@link TimeWaitTcb}). */
  int lastAnnounced() {
    return lastAnnounced;
  }

  /** Returns RCV.NXT + RCV.WND as last announced (for {@link TimeWaitTcb}). */
  int rightEdge() {
    return rightEdge;
  }

  /**
   * Returns whether the receive side holds nothing but its window: no data, nothing out of order,
   * no SACK or D-SACK state ({@link TimeWaitTcb} keeps no more).
   */
  boolean holdsOnlyWindow() {
    return (buffer == null || buffer.size() == 0)
        && (outOfOrder == null || outOfOrder.isEmpty())
        && (sack == null || sack.isEmpty())
        && !urgentKnown;
  }

  /**
   * Restores the receive side of a connection in TIME-WAIT ({@link TimeWaitTcb}): the peer's SYN
   * and FIN received, the window as last announced.
   */
  void restoreTimeWait(
      int irs,
      int rcvNxt,
      int lastAckSent,
      int rcvShift,
      int peerSegmentSize,
      int bufferSize,
      int lastAnnounced,
      int rightEdge) {
    this.irs = irs;
    this.rcvNxt = rcvNxt;
    this.rcvUp = rcvNxt;
    this.synReceived = true;
    this.finReceived = true;
    this.lastAckSent = lastAckSent;
    this.rcvShift = (byte) rcvShift;
    this.peerSegmentSize = peerSegmentSize;
    this.bufferSize = bufferSize;
    this.lastAnnounced = lastAnnounced;
    this.rightEdge = rightEdge;
  }

  /** Returns receive-buffer auto-tuning (Linux's {@code tcp_rcv_space_adjust}). */
  ReceiveBufferTuner tuner() {
    if (tuner == null) tuner = new ReceiveBufferTuner(maxBufferSize);
    return tuner;
  }

  /**
   * Returns the receive space the tuner measured, without making a tuner (0 before the first read).
   */
  int rcvSpace() {
    return tuner == null ? 0 : tuner.space();
  }

  /**
   * Returns the largest segment the peer sent as far as known, without making the ACK state (0
   * before data).
   */
  int rcvMss() {
    return delayedAck == null ? 0 : delayedAck.rcvMss();
  }

  /** Returns when in-order data is acknowledged (RFC 1122 §4.2.3.2). */
  DelayedAck delayedAck() {
    if (delayedAck == null) delayedAck = new DelayedAck();
    return delayedAck;
  }

  private ReassemblyQueue outOfOrder() {
    if (outOfOrder == null) outOfOrder = new ReassemblyQueue(bufferSize);
    return outOfOrder;
  }

  private SackGenerator sack() {
    if (sack == null) sack = new SackGenerator();
    return sack;
  }

  /** Returns the receive buffer's size now. */
  int bufferSize() {
    return bufferSize;
  }

  /**
   * Sets the receive buffer's size, as auto-tuning or the user ({@code SO_RCVBUF}, which stops the
   * tuning when {@code byUser}) decides. A smaller buffer shrinks the window only as data is read:
   * the right edge already announced stays (see {@link #windowField}).
   */
  void setBufferSize(int size, boolean byUser) {
    if (size < 1)
      throw new IllegalArgumentException("receive buffer size must be positive: " + size);
    if (byUser) tuner().lock();
    bufferSize = size;
    if (buffer != null) buffer.setCapacity(size + (1 << 14));
    if (outOfOrder != null) outOfOrder.resize(size);
  }

  /** Lets auto-tuning look at what the user read; returns whether the buffer grew. */
  boolean onUserRead(long now, long srtt, int mss) {
    int size = tuner().onRead(totalRead, now, srtt, bufferSize, mss);
    if (size <= bufferSize) return false;
    setBufferSize(size, false);
    return true;
  }

  /**
   * Takes the peer's SYN (RFC 9293 §3.10.7.2 third, §3.10.7.3 fourth): IRS = SEG.SEQ, RCV.NXT =
   * SEG.SEQ + 1, with the window a SYN-ACK announces.
   */
  void onSyn(int seq, int roundTo) {
    irs = seq;
    rcvNxt = SeqNum.add(seq, 1);
    synReceived = true;
    lastAckSent = rcvNxt;
    lastAnnounced = synWindow(roundTo);
    rightEdge = SeqNum.add(rcvNxt, lastAnnounced);
  }

  /** Returns RCV.WND, the window last announced, as seen from RCV.NXT. */
  int rcvWnd() {
    return Math.max(0, SeqNum.diff(rightEdge, rcvNxt));
  }

  /**
   * Grows the buffer to the next multiple of {@code mss} (FreeBSD's {@code tcp_mss}, see {@link
   * TcpChoices#receiveBufferRoundedUpToMss}), within the queue's room for one window-scale unit
   * more than the buffer (16 KiB): enough for any MSS of an Ethernet-sized path.
   */
  void roundBufferUpTo(int mss) {
    if (mss <= 0 || bufferSize <= mss) return;
    int rounded = (int) Math.min((long) Math.ceilDiv(bufferSize, mss) * mss, capacity());
    if (rounded > bufferSize) bufferSize = rounded;
  }

  /** Returns the free buffer space in bytes. */
  int freeSpace() {
    return free();
  }

  /** Returns the unread bytes. */
  int queued() {
    return buffer == null ? 0 : buffer.size();
  }

  /**
   * Returns the queue's limit: one window-scale unit (16 KiB) above the buffer's size when made.
   */
  private int capacity() {
    return buffer != null ? buffer.capacity() : bufferSize + (1 << 14);
  }

  /**
   * Returns whether the queue exists: an idle connection (nothing queued, storage given back) has
   * none.
   */
  boolean holdsQueue() {
    return buffer != null;
  }

  /** Returns the queue of unread data, made when the first data arrives. */
  private ByteQueue buffer() {
    ByteQueue q = buffer;
    if (q == null) buffer = q = new ByteQueue(capacity());
    return q;
  }

  /**
   * Returns the window field of a SYN: never scaled (RFC 7323 §2.2), at most 65535, rounded down to
   * a multiple of the MSS as Linux's {@code tcp_select_initial_window} does (64240 for 1460).
   */
  int synWindow(int roundTo) {
    int w = Math.min(free(), 0xffff);
    return roundTo > 0 && w >= roundTo ? w - w % roundTo : w;
  }

  /**
   * Returns the window field of a non-SYN segment, scaled by our shift, and records what it
   * announces. The free buffer space is rounded down to the scale unit, unless that would move the
   * right edge left, in which case the old edge is rounded up (as Linux's {@code
   * tcp_select_window}), accepting at most one unit more than the buffer holds.
   *
   * <p>Receiver-side silly window avoidance (RFC 9293 §3.8.6.2.2, MUST-39): "keep RCV.NXT+RCV.WND
   * fixed until the reduction satisfies RCV.BUFF - RCV.USER - RCV.WND >= min(Fr * RCV.BUFF,
   * Eff.snd.MSS)" with Fr = 1/2: the right edge moves only by a worthwhile amount, so the peer is
   * never invited to send tiny segments into a window that opens byte by byte.
   */
  int windowField() {
    int unit = 1 << rcvShift;
    int free = free();
    if (free - rcvWnd() < Math.min(bufferSize / 2, peerSegmentSize)) {
      // Announcing again the size announced last is no opening at all, and the buffer has room for
      // it: Linux's __tcp_select_window keeps rcv_wnd so (a FIN or read data moved RCV.NXT on).
      free = Math.max(rcvWnd(), Math.min(free, lastAnnounced));
    }
    int fresh = free >>> rcvShift;
    int old = (rcvWnd() + unit - 1) >>> rcvShift;
    int field = Math.min(Math.max(fresh, old), 0xffff);
    int edge = SeqNum.add(rcvNxt, field << rcvShift);
    if (SeqNum.gt(edge, rightEdge)) rightEdge = edge;
    lastAnnounced = field << rcvShift;
    return field;
  }

  /** Notes that a segment carrying ACK = RCV.NXT left (for TS.Recent and the delayed ACK). */
  void onAckSent() {
    lastAckSent = rcvNxt;
    if (delayedAck != null) delayedAck.onAckSent();
  }

  /** Returns the bytes received in order and not yet acknowledged. */
  int unacknowledged() {
    return SeqNum.diff(rcvNxt, lastAckSent);
  }

  /**
   * Takes in-order data at RCV.NXT, already trimmed to the window, then the held data it joins;
   * returns the bytes made readable. Held data the segment repeats is a duplicate, reported as a
   * D-SACK (RFC 2883 §4; Linux's {@code tcp_ofo_queue} with {@code tcp_dsack_extend}).
   */
  int accept(ByteBuffer payload) {
    int n =
        buffer()
            .write(payload); // the segment's payload() is a copy of the view: its position may move
    rcvNxt = SeqNum.add(rcvNxt, n);
    if (n > 0 && hasOutOfOrder()) {
      SackBlock repeated = outOfOrder.firstHeldBelow(rcvNxt);
      if (repeated != null) sack().onDuplicate(repeated.left(), repeated.right());
      int joined = outOfOrder.deliverTo(rcvNxt, buffer);
      rcvNxt = SeqNum.add(rcvNxt, joined);
      n += joined;
    }
    return n;
  }

  /**
   * Holds text that starts after RCV.NXT, within the window, until the hole before it fills (a FIN
   * with it). The block it joins becomes the first SACK block; bytes held already are a duplicate
   * for D-SACK.
   */
  ReassemblyQueue.Arrival holdOutOfOrder(int seq, ByteBuffer payload, boolean fin) {
    ReassemblyQueue.Arrival arrival = outOfOrder().add(seq, payload, fin);
    if (arrival.refused()) return arrival;
    if (arrival.duplicate()) sack().onDuplicate(arrival.dupLeft(), arrival.dupRight());
    long run = payload.hasRemaining() ? outOfOrder.runAround(seq) : ReassemblyQueue.NO_RUN;
    if (run != ReassemblyQueue.NO_RUN)
      sack().onOutOfOrder(SackGenerator.left(run), SackGenerator.right(run));
    return arrival;
  }

  /**
   * Notes a segment whose sequence space [{@code seq}, {@code end}) starts below RCV.NXT: what lies
   * below RCV.NXT arrived before, and the next ACK reports it as a D-SACK (RFC 2883 §4, as Linux's
   * {@code tcp_send_dupack} and the partial case of {@code tcp_data_queue}).
   */
  void noteDuplicate(int seq, int end) {
    if (synReceived && SeqNum.lt(seq, rcvNxt) && SeqNum.lt(seq, end)) {
      sack().onDuplicate(seq, SeqNum.min(end, rcvNxt));
      // The peer resent what we had: our ACKs may have been lost or late, so the next go at once
      // (Linux's tcp_send_dupack).
      delayedAck().enterQuickAck(rcvWnd());
    }
  }

  /**
   * Puts the SACK blocks for the ACK being built, at most {@code max}, in {@link #sackEdges} and
   * returns how many; a D-SACK among them is reported only this once.
   */
  int sackBlocks(int max) {
    return sack == null ? 0 : sack.blocks(rcvNxt, outOfOrder(), max);
  }

  /**
   * Returns the edges of the blocks {@link #sackBlocks} put, left and right in turn (reused: read
   * before the next call).
   */
  int[] sackEdges() {
    return sack == null ? NO_EDGES : sack.edges();
  }

  private static final int[] NO_EDGES = new int[0];

  /** Drops what waits ahead of RCV.NXT. */
  void discardOutOfOrder() {
    if (outOfOrder != null) outOfOrder.clear();
    if (sack != null) sack.forgetHeld();
  }

  /** Returns whether data or a FIN waits ahead of RCV.NXT. */
  boolean hasOutOfOrder() {
    return outOfOrder != null && !outOfOrder.isEmpty();
  }

  /** Returns whether a FIN that arrived out of order is now next: everything before it arrived. */
  boolean heldFinReached() {
    return outOfOrder != null && outOfOrder.finReached(rcvNxt);
  }

  /**
   * Returns the bytes of storage the receive side holds now: the buffer's ring and the data held
   * out of order.
   */
  int storageHeld() {
    return (buffer == null ? 0 : buffer.allocated()) + outOfOrderBytes();
  }

  /**
   * Returns whether the receive buffer is drained and still holds storage ({@link
   * ByteQueue#reclaim}).
   */
  boolean holdsIdleStorage() {
    return buffer != null && buffer.holdsIdleRing();
  }

  /**
   * Gives the receive buffer's storage back if it has been idle since the last look, and the
   * reassembly queue and SACK state if they hold nothing; returns whether idle storage remains.
   */
  boolean reclaimStorage() {
    if (outOfOrder != null && outOfOrder.isEmpty()) outOfOrder = null;
    if (sack != null && sack.isEmpty()) sack = null;
    if (buffer == null) return false;
    boolean held = buffer.reclaim();
    dropIfDrained();
    return held;
  }

  /** Gives the receive buffer's storage back now if it is drained. */
  void releaseIdleStorage() {
    if (buffer == null) return;
    buffer.release();
    dropIfDrained();
  }

  /** Drops the queue once it is empty and holds no storage: the idle form. */
  private void dropIfDrained() {
    if (buffer.size() == 0 && buffer.allocated() == 0) buffer = null;
  }

  /**
   * Returns whether a FIN alone waits ahead of RCV.NXT, with no data, or did when the queues were
   * flushed at the close (Linux's {@code tcp_fastopen_active_disable_ofo_check} looks at it then).
   */
  boolean finAloneHeld() {
    return finAloneFlushed || (outOfOrder != null && outOfOrder.holdsFinAlone());
  }

  /** Returns the data held ahead of RCV.NXT, in bytes. */
  int outOfOrderBytes() {
    return outOfOrder == null ? 0 : outOfOrder.bytes();
  }

  /**
   * Takes an urgent pointer, RCV.UP = max(RCV.UP, SEG.SEQ + SEG.UP) (RFC 9293 §3.10.7.4 sixth
   * step); returns whether it advanced past what the user has read, which the user must be told.
   */
  boolean onUrgentPointer(int up) {
    if (urgentKnown && !SeqNum.gt(up, rcvUp)) return false;
    if (!SeqNum.gt(up, readSeq())) return false; // urgent data already read: nothing to signal
    rcvUp = up;
    urgentKnown = true;
    return true;
  }

  /**
   * Returns the bytes of urgent data not read yet (RFC 9293 MUST-33), in the buffer or still to
   * come.
   */
  int urgentRemaining() {
    return urgentKnown ? Math.max(0, SeqNum.diff(rcvUp, readSeq())) : 0;
  }

  /** Returns the sequence number of the next byte the user reads. */
  private int readSeq() {
    return SeqNum.add(rcvNxt, -queued() - (finReceived ? 1 : 0));
  }

  /**
   * Takes the peer's FIN: it occupies one sequence number (RFC 9293 §3.10.7.4 eighth step); nothing
   * can follow it.
   */
  void onFin() {
    rcvNxt = SeqNum.add(rcvNxt, 1);
    finReceived = true;
    discardOutOfOrder();
  }

  /** Moves unread data into {@code dst} (the RECEIVE call); returns the count. */
  int read(ByteBuffer dst) {
    int n = buffer == null ? 0 : buffer.read(dst);
    totalRead += n;
    return n;
  }

  /** Drops unread data and the data held out of order. */
  void flush() {
    if (outOfOrder != null && outOfOrder.holdsFinAlone()) finAloneFlushed = true;
    if (buffer != null) buffer.clear();
    if (outOfOrder != null) outOfOrder.clear();
    if (sack != null) sack.clear();
  }

  /**
   * Returns whether reading opened the window enough to tell the peer: by at least the smaller of
   * half the buffer and one MSS (RFC 9293 §3.8.6.2.2, receiver-side silly window avoidance).
   */
  boolean windowUpdateDue(int mss) {
    int possible = (free() >>> rcvShift) << rcvShift;
    return possible - rcvWnd() >= Math.min(bufferSize / 2, mss);
  }

  /**
   * Returns whether reading opened the window enough to tell the peer by Linux's rule ({@code
   * tcp_cleanup_rbuf}, see {@link TcpChoices#windowUpdateWhenDoubled}): the window offered is at
   * most half the buffer, and the one possible now is at least twice it.
   */
  boolean windowDoubled() {
    int offered = rcvWnd();
    int possible = (free() >>> rcvShift) << rcvShift;
    return 2L * offered <= bufferSize && possible > 0 && possible >= 2L * offered;
  }

  private int free() {
    return Math.max(0, bufferSize - queued());
  }
}
