package dev.synack.tcp;

import dev.synack.wire.TcpFlags;
import java.nio.ByteBuffer;

/**
 * The send side of the TCB (RFC 9293 §3.3.1): the send sequence variables, the send buffer
 * (which is also the retransmission queue: bytes from SND.UNA on, sent then unsent), our SYN and
 * FIN, and the round-trip timing of one segment at a time (Karn's rule).
 *
 * <pre>
 *      1         2          3          4
 * ----------|----------|----------|----------
 *        SND.UNA    SND.NXT    SND.UNA
 *                             +SND.WND
 * 1 - old sequence numbers that have been acknowledged
 * 2 - sequence numbers of unacknowledged data (in the buffer, may be resent)
 * 3 - sequence numbers allowed for new data transmission
 * 4 - future sequence numbers that are not yet allowed
 * </pre>
 *
 * <p>SND.NXT is the highest sequence number sent and never moves back; after a timeout the
 * segments from SND.UNA are resent from a separate pointer, {@link #rtxNxt}, so that an ACK for
 * data sent before the timeout stays acceptable. Issue 4 puts congestion control in front of
 * {@link #next} through its {@code allowance} argument.
 */
final class Sender {
  /** What to send next: a range of sequence space with its SYN and FIN bits. */
  record Chunk(int seq, int length, int flags, boolean retransmit) {
    /** Returns the sequence space the chunk occupies. */
    int space() {
      return length + ((flags & TcpFlags.SYN) != 0 ? 1 : 0) + ((flags & TcpFlags.FIN) != 0 ? 1 : 0);
    }
  }

  /** ISS, our initial send sequence number. */
  int iss;
  /** SND.UNA, the oldest unacknowledged sequence number. */
  int sndUna;
  /** SND.NXT, the next new sequence number to send. */
  int sndNxt;
  /** SND.WND in bytes, scaled. */
  int sndWnd;
  /** SND.WL1, the SEG.SEQ of the segment last used to update SND.WND. */
  int sndWl1;
  /** SND.WL2, the SEG.ACK of the segment last used to update SND.WND. */
  int sndWl2;
  /** MAX.SND.WND (RFC 5961 §5.2): the largest window the peer has offered. */
  int maxSndWnd;
  /** Next sequence number to resend after a timeout; equals SND.NXT when nothing is being resent. */
  int rtxNxt;
  /** Consecutive timeouts without an acknowledgment of new data, for R2 (RFC 9293 §3.8.3) and the SYN retries. */
  int timeouts;
  /** Whether our SYN still has to be sent (again) as a new segment. */
  boolean synPending;
  /** Whether our SYN was ever retransmitted (RFC 6298 §5.7). */
  boolean synRetransmitted;
  /** Whether the user closed: a FIN follows the buffered data. */
  boolean finQueued;

  /** Bytes from {@link #dataStart} on: sent and unacknowledged, then unsent. */
  private final ByteQueue buffer;
  /** Sequence number of the first byte in {@link #buffer}: ISS+1 until data is acknowledged. */
  private int dataStart;
  /** Whether one segment is being timed for an RTT sample. */
  private boolean timing;
  /** The first sequence number of the timed segment: an ACK above it completes the sample. */
  private int timedSeq;
  private long timedAt;

  Sender(int bufferSize) {
    this.buffer = new ByteQueue(bufferSize);
  }

  /** Chooses the ISS (RFC 9293 §3.4.1) and queues our SYN: SND.UNA = ISS, SND.NXT = ISS until it is sent. */
  void start(int iss) {
    this.iss = iss;
    sndUna = sndNxt = rtxNxt = iss;
    dataStart = SeqNum.add(iss, 1);
    synPending = true;
  }

  /** Returns whether the peer acknowledged our SYN. */
  boolean synAcked() {
    return SeqNum.gt(sndUna, iss);
  }

  /** Returns the sequence number just after the queued data: where our FIN goes once {@link #finQueued}. */
  int endOfData() {
    return SeqNum.add(dataStart, buffer.size());
  }

  /** Returns the sequence number of our FIN (meaningful once {@link #finQueued}). */
  int finSeq() {
    return endOfData();
  }

  boolean finSent() {
    return finQueued && SeqNum.gt(sndNxt, finSeq());
  }

  boolean finAcked() {
    return finQueued && SeqNum.gt(sndUna, finSeq());
  }

  /** Returns whether sequence space is sent and unacknowledged. */
  boolean hasOutstanding() {
    return sndUna != sndNxt;
  }

  /** Returns the bytes queued: unacknowledged plus unsent. */
  int queued() {
    return buffer.size();
  }

  /** Returns the send buffer's size: the most bytes queued, unacknowledged and unsent together. */
  int bufferSize() {
    return buffer.capacity();
  }

  /** Sets the send buffer's size ({@code SO_SNDBUF}); bytes already queued stay even beyond a smaller size. */
  void setBufferSize(int size) {
    buffer.setCapacity(size);
  }

  /** Returns how many more bytes the send buffer takes. */
  int free() {
    return buffer.free();
  }

  /** Returns the bytes queued and never sent. */
  int unsent() {
    int sent = SeqNum.diff(sndNxt, dataStart);
    return buffer.size() - Math.clamp(sent, 0, buffer.size());
  }

  /** Queues as much of {@code src} as fits (the SEND call, RFC 9293 §3.10.2); returns the count. */
  int write(ByteBuffer src) {
    return buffer.write(src);
  }

  /** Returns whether SEG.ACK acknowledges something new and sent: SND.UNA < SEG.ACK =< SND.NXT. */
  boolean acksNew(int ack) {
    return SeqNum.lt(sndUna, ack) && SeqNum.le(ack, sndNxt);
  }

  /**
   * Returns the next chunk to send, or {@code null}: first what a timeout asks to resend, then our
   * SYN, then new data (at most {@code mss} bytes, within the peer's window and the
   * {@code allowance}), then our FIN, which rides on the last data segment when it fits.
   *
   * @param dataAllowed whether the state lets data and FIN go (ESTABLISHED, CLOSE-WAIT, or a close pending)
   */
  Chunk next(int mss, boolean dataAllowed, int allowance) {
    if (SeqNum.lt(rtxNxt, sndNxt)) {
      if (rtxNxt == iss) return new Chunk(iss, 0, TcpFlags.SYN, true);
      int dataEnd = finSent() ? finSeq() : sndNxt;
      int length = Math.clamp(SeqNum.diff(dataEnd, rtxNxt), 0, mss);
      boolean fin = finSent() && SeqNum.add(rtxNxt, length) == finSeq();
      return new Chunk(rtxNxt, length, fin ? TcpFlags.FIN : 0, true);
    }
    if (synPending) return new Chunk(iss, 0, TcpFlags.SYN, false);
    if (!dataAllowed) return null;
    int unsent = unsent();
    if (unsent > 0) {
      int usable = Math.min(allowance, SeqNum.diff(SeqNum.add(sndUna, sndWnd), sndNxt));
      int length = Math.min(Math.min(mss, unsent), usable);
      if (length <= 0) return null;
      // Linux merges the FIN into the last queued segment (tcp_send_fin), so FIN needs no segment of its own.
      boolean fin = finQueued && length == unsent;
      return new Chunk(sndNxt, length, fin ? TcpFlags.FIN : 0, false);
    }
    if (finQueued && !finSent()) return new Chunk(sndNxt, 0, TcpFlags.FIN, false);
    return null;
  }

  /** Returns the payload of a chunk, copied from the buffer. */
  ByteBuffer payload(Chunk chunk) {
    return chunk.length() == 0 ? null : buffer.copy(SeqNum.diff(chunk.seq(), dataStart), chunk.length());
  }

  /** Records that a chunk left at {@code now}: SND.NXT advances, or the resend pointer does. */
  void onSent(Chunk chunk, long now) {
    int end = SeqNum.add(chunk.seq(), chunk.space());
    if ((chunk.flags() & TcpFlags.SYN) != 0) synPending = false;
    if (chunk.retransmit()) {
      rtxNxt = end;
      if ((chunk.flags() & TcpFlags.SYN) != 0) synRetransmitted = true;
      timing = false; // Karn's rule: an ACK may now answer either copy.
      return;
    }
    if (SeqNum.gt(end, sndNxt)) sndNxt = end;
    rtxNxt = sndNxt;
    if (!timing && chunk.space() > 0) {
      timing = true;
      timedSeq = chunk.seq();
      timedAt = now;
    }
  }

  /** Sends our SYN again as a new segment (a SYN-ACK in a simultaneous open), not timed from the first copy. */
  void resendSyn() {
    synPending = true;
    timing = false;
  }

  /**
   * Takes an acknowledgment of new data, SND.UNA = SEG.ACK, removing what it covers from the
   * retransmission queue (RFC 9293 §3.10.7.4 fifth step); returns the data bytes freed.
   */
  int onAck(int ack) {
    int freed = Math.clamp(SeqNum.diff(ack, dataStart), 0, buffer.size());
    buffer.discard(freed);
    dataStart = SeqNum.add(dataStart, freed);
    sndUna = ack;
    if (SeqNum.lt(rtxNxt, sndUna)) rtxNxt = sndUna;
    timeouts = 0;
    return freed;
  }

  /** Returns the RTT sample an acknowledgment up to {@code ack} completes, or -1 (RFC 6298 §3, Karn). */
  long rttSample(int ack, long now) {
    if (!timing || !SeqNum.gt(ack, timedSeq)) return -1;
    timing = false;
    return now - timedAt;
  }

  /**
   * Updates SND.WND if the segment is newer than the one that last did (RFC 9293 §3.10.7.4 fifth
   * step: SND.WL1 < SEG.SEQ, or SND.WL1 = SEG.SEQ and SND.WL2 =< SEG.ACK); returns whether it did.
   */
  boolean updateWindow(int seq, int ack, int window) {
    if (SeqNum.lt(sndWl1, seq) || (sndWl1 == seq && SeqNum.le(sndWl2, ack))) {
      setWindow(seq, ack, window);
      return true;
    }
    return false;
  }

  /** Sets SND.WND, SND.WL1 and SND.WL2 unconditionally (from a SYN, or the ACK that ends the handshake). */
  void setWindow(int seq, int ack, int window) {
    sndWnd = window;
    sndWl1 = seq;
    sndWl2 = ack;
    maxSndWnd = Math.max(maxSndWnd, window);
  }

  /** Prepares a resend from SND.UNA after the retransmission timer expired (RFC 6298 §5.4). */
  void onTimeout() {
    rtxNxt = sndUna;
    timing = false;
    timeouts++;
  }

  /**
   * Resends everything in flight from SND.UNA without counting a timeout, as Linux's
   * {@code tcp_simple_retransmit} after the path MTU fell: the segments were lost for their size.
   */
  void resendOutstanding() {
    rtxNxt = sndUna;
    timing = false; // Karn's rule: an ACK may now answer either copy.
  }

  /** Drops every queued byte (ABORT, RST: "all segment queues should be flushed"). */
  void flush() {
    buffer.clear();
    dataStart = sndNxt;
    finQueued = false;
  }
}
