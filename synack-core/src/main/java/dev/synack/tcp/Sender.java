package dev.synack.tcp;

import dev.synack.wire.OutboundSegment;
import dev.synack.wire.SeqNum;
import dev.synack.wire.TcpFlags;
import java.nio.ByteBuffer;

/**
 * The send side of the TCB (RFC 9293 §3.3.1): the send sequence variables, the send buffer (bytes
 * from SND.UNA on, sent then unsent), our SYN and FIN, and the {@link Scoreboard} of the segments
 * sent and not yet acknowledged, which is the retransmission queue.
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
 * <p>SND.NXT is the highest sequence number sent and never moves back: what must be resent is
 * marked lost on the scoreboard ({@link LossRecovery} decides), and {@link #next} picks it first
 * (RFC 6675 NextSeg), so that an ACK for data sent before a timeout stays acceptable. Congestion
 * control limits {@link #next} through its {@code allowance} argument, cwnd − pipe.
 */
final class Sender {
  /**
   * What to send next: a range of sequence space with its SYN and FIN bits. One instance per
   * sender, refilled by every {@link #next} (no object per segment): valid until the next call.
   */
  static final class Chunk {
    private int seq;
    private int length;
    private int flags;
    private boolean retransmit;

    int seq() {
      return seq;
    }

    int length() {
      return length;
    }

    int flags() {
      return flags;
    }

    boolean retransmit() {
      return retransmit;
    }

    /** Returns the sequence space the chunk occupies. */
    int space() {
      return length + ((flags & TcpFlags.SYN) != 0 ? 1 : 0) + ((flags & TcpFlags.FIN) != 0 ? 1 : 0);
    }

    private Chunk set(int seq, int length, int flags, boolean retransmit) {
      this.seq = seq;
      this.length = length;
      this.flags = flags;
      this.retransmit = retransmit;
      return this;
    }

    @Override
    public String toString() {
      return "Chunk[seq="
          + SeqNum.toString(seq)
          + ", length="
          + length
          + ", flags="
          + TcpFlags.tcpdump(flags)
          + (retransmit ? ", retransmit" : "")
          + "]";
    }
  }

  /** What a tail loss probe (RFC 8985 §7.3) asks {@link #next} to send, ahead of cwnd. */
  enum Probe {
    NONE,
    NEW_DATA,
    LAST_SEGMENT
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

  /**
   * Consecutive timeouts without an acknowledgment of new data, for R2 (RFC 9293 §3.8.3) and the
   * SYN retries.
   */
  int timeouts;

  /**
   * When the segment at SND.UNA was last sent before the first of {@link #timeouts}: the start of
   * the time the retransmissions may take (Linux's {@code retrans_stamp}); valid while timeouts >
   * 0.
   */
  long retransmitSince;

  /** Whether our SYN still has to be sent (again) as a new segment. */
  boolean synPending;

  /** Whether our SYN timed out and must be resent. */
  boolean synLost;

  /** Whether our SYN was ever retransmitted (RFC 6298 §5.7). */
  boolean synRetransmitted;

  /** Whether the user closed: a FIN follows the buffered data. */
  boolean finQueued;

  /** The tail loss probe asked for, if any. */
  Probe probe = Probe.NONE;

  /**
   * Whether the next lost segment goes whatever cwnd says: the fast retransmit that starts a
   * recovery (RFC 5681 §3.2 step 3, RFC 6675 §5 step 4.3) and the retransmission a partial ACK
   * calls for (RFC 6582 §3.2 step 5).
   */
  boolean retransmitAhead;

  /** Whether Nagle's algorithm is off (TCP_NODELAY). */
  boolean noDelay;

  /** Whether partial segments wait (TCP_CORK, Linux's {@code TCP_NAGLE_CORK}); see {@link Cork}. */
  boolean corked;

  /**
   * Whether the data queued up to {@link #pushEnd} goes whatever Nagle and the cork say (Linux's
   * {@code TCP_NAGLE_PUSH}).
   */
  boolean pushPending;

  /** The end of the data a push lets go. */
  int pushEnd;

  /**
   * Whether the next new segment may be smaller than sender-side silly window avoidance allows: the
   * override timeout has passed (RFC 9293 §3.8.6.2.1 (4)).
   */
  boolean windowOverride;

  /**
   * Zero-window probes (or overrides) sent since the window last let data go: the persist timer's
   * backoff (at most {@link Long#SIZE}: a byte, as an idle connection's size counts).
   */
  byte persistBackoff;

  /**
   * Zero-window probes sent since the peer last sent an acceptable ACK (Linux's {@code
   * icsk_probes_out}).
   */
  int probesOut;

  /**
   * When the first zero-window probe of this closed window was due (Linux's {@code
   * icsk_probes_tstamp}); valid while {@link #persistBackoff} > 0.
   */
  long probingSince;

  /**
   * Whether the last {@link #next} found data or a FIN to send but no room for it in cwnd ({@code
   * allowance}).
   */
  boolean blockedByCwnd;

  /**
   * The segments sent and not yet cumulatively acknowledged, SYN excepted; null until the first
   * goes on it ({@link #scoreboard()}), so that a connection that never sent data holds none.
   */
  private Scoreboard scoreboard;

  /**
   * Bytes from {@link #dataStart} on: sent and unacknowledged, then unsent; its capacity is the
   * most the buffer may grow to. Null until the first write, and again once drained and its storage
   * given back ({@link #reclaimStorage}): an idle connection holds no queue.
   */
  private ByteQueue buffer;

  /** The most the send buffer may grow to: the queue's capacity, kept while there is no queue. */
  private int bufferCapacity;

  /**
   * The send buffer's current size: the most bytes {@link #write} queues; grows with cwnd ({@link
   * #growBuffer}).
   */
  private int bufferLimit;

  /**
   * The chunk {@link #next} fills and returns, made on first use and dropped once the handshake is
   * acknowledged with nothing queued, or when the storage of an idle sender goes back: an idle
   * connection holds none.
   */
  private Chunk chunk;

  /**
   * The end of the last segment sent smaller than the MSS (Minshall's SND.SML, Linux's {@code
   * snd_sml}).
   */
  private int sndSml;

  /** Whether the chunk {@link #next} returned is new data smaller than the MSS. */
  private boolean smallChunk;

  /** Sequence number of the first byte in {@link #buffer}: ISS+1 until data is acknowledged. */
  private int dataStart;

  /**
   * When our SYN, timed for an RTT sample, was sent; {@link #NOT_TIMING} when none is timed (data
   * segments are timed on the scoreboard).
   */
  private long synSentAt = NOT_TIMING;

  /** {@link #synSentAt} when no SYN is timed. */
  private static final long NOT_TIMING = Long.MIN_VALUE;

  /**
   * Bytes of data our first SYN may carry (TCP Fast Open, RFC 7413 §4.2.1), 0 without; the data
   * sent so goes on the scoreboard as a segment of its own, so a timeout or a SYN-ACK that
   * acknowledges only the SYN resends it as data, and retransmitted SYNs go without it, as Linux's.
   */
  int synDataRoom;

  /** Data bytes our first SYN carried. */
  int synDataSent;

  Sender(int bufferSize) {
    this(bufferSize, bufferSize);
  }

  /**
   * Returns a sender whose buffer starts at {@code bufferSize} bytes and may grow to {@code
   * maxBufferSize}.
   */
  Sender(int bufferSize, int maxBufferSize) {
    this.bufferCapacity = Math.max(bufferSize, maxBufferSize);
    this.bufferLimit = bufferSize;
  }

  /**
   * Grows the send buffer to {@code size} bytes if it is smaller, within its maximum (it never
   * shrinks).
   */
  void growBuffer(long size) {
    bufferLimit = (int) Math.clamp(size, bufferLimit, bufferCapacity);
  }

  /**
   * Chooses the ISS (RFC 9293 §3.4.1) and queues our SYN: SND.UNA = ISS, SND.NXT = ISS until it is
   * sent.
   */
  void start(int iss) {
    this.iss = iss;
    sndUna = sndNxt = sndSml = iss;
    dataStart = SeqNum.add(iss, 1);
    synPending = true;
  }

  /** Returns whether the peer acknowledged our SYN. */
  boolean synAcked() {
    return SeqNum.gt(sndUna, iss);
  }

  /**
   * Returns the sequence number just after the queued data: where our FIN goes once {@link
   * #finQueued}.
   */
  int endOfData() {
    return SeqNum.add(dataStart, queued());
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

  /** Returns FlightSize (RFC 5681 §2): the sequence space sent and not yet acknowledged. */
  int flightSize() {
    return SeqNum.diff(sndNxt, sndUna);
  }

  /** Returns the bytes queued: unacknowledged plus unsent. */
  int queued() {
    return buffer == null ? 0 : buffer.size();
  }

  /**
   * Returns whether the queue exists: an idle connection (nothing queued, storage given back) has
   * none.
   */
  boolean holdsQueue() {
    return buffer != null;
  }

  /** Returns the send queue, made by the first write. */
  private ByteQueue buffer() {
    ByteQueue q = buffer;
    if (q == null) buffer = q = new ByteQueue(bufferCapacity);
    return q;
  }

  /** Drops the queue once it is empty and holds no storage: the idle form. */
  private void dropBufferIfDrained() {
    if (buffer != null && buffer.size() == 0 && buffer.allocated() == 0) buffer = null;
  }

  /** Returns the send buffer's size: the most bytes queued, unacknowledged and unsent together. */
  int bufferSize() {
    return bufferLimit;
  }

  /**
   * Sets the send buffer's size ({@code SO_SNDBUF}), which also stops its growth with cwnd, as a
   * set {@code SO_SNDBUF} does on Linux; bytes already queued stay even beyond a smaller size.
   */
  void setBufferSize(int size) {
    bufferCapacity = size;
    if (buffer != null) buffer.setCapacity(size);
    bufferLimit = size;
  }

  /** Returns how many more bytes the send buffer takes. */
  int free() {
    return Math.max(0, bufferLimit - queued());
  }

  /** Returns the bytes queued and never sent. */
  int unsent() {
    int sent = SeqNum.diff(sndNxt, dataStart);
    return queued() - Math.clamp(sent, 0, queued());
  }

  /** Returns how many new bytes the peer's window still takes: SND.UNA + SND.WND − SND.NXT. */
  int usableWindow() {
    return SeqNum.diff(SeqNum.add(sndUna, sndWnd), sndNxt);
  }

  /** Queues as much of {@code src} as fits (the SEND call, RFC 9293 §3.10.2); returns the count. */
  int write(ByteBuffer src) {
    int room = free();
    if (src.remaining() <= room) return buffer().write(src);
    int n = buffer().write(src.duplicate().limit(src.position() + room));
    src.position(src.position() + n);
    return n;
  }

  /**
   * Returns whether {@link #next} may need its {@code allowance}: something besides our SYN is
   * queued, sent or to resend. Otherwise it answers the same whatever the allowance.
   */
  boolean awaitsAllowance() {
    return queued() > 0 || finQueued || !boardEmpty();
  }

  /** Returns whether SEG.ACK acknowledges something new and sent: SND.UNA < SEG.ACK =< SND.NXT. */
  boolean acksNew(int ack) {
    return SeqNum.lt(sndUna, ack) && SeqNum.le(ack, sndNxt);
  }

  /**
   * Returns the next chunk to send, or {@code null}: our SYN (again), then what a tail loss probe
   * asks for, then the first segment marked lost (RFC 6675 NextSeg rule 1), then new data (at most
   * {@code mss} bytes, within the peer's window; rule 2), then our FIN, which rides on the last
   * data segment when it fits. Everything but the SYN and a probe needs a whole segment's room in
   * {@code allowance} (cwnd − pipe), or an empty network: cwnd counts segments, as Linux's.
   *
   * @param dataAllowed whether the state lets new data and FIN go (ESTABLISHED, CLOSE-WAIT, or a
   *     close pending)
   */
  Chunk next(int mss, boolean dataAllowed, int allowance) {
    blockedByCwnd = false;
    smallChunk = false;
    if (synLost) return chunk().set(iss, 0, TcpFlags.SYN, true);
    if (synPending) {
      int synData = synDataRoom > 0 && sndNxt == iss ? Math.min(synDataRoom, queued()) : 0;
      return chunk().set(iss, synData, TcpFlags.SYN, false);
    }
    // Data that rode on our SYN waits for the SYN-ACK, whose processing decides whether to resend
    // it.
    if (synDataSent > 0 && !synAcked()) return null;
    Scoreboard board = scoreboard;
    if (probe == Probe.LAST_SEGMENT && board != null && !board.isEmpty())
      return resend(board.count() - 1, mss);
    int lost = board == null ? -1 : board.nextLost();
    if (lost >= 0) {
      if (retransmitAhead || fits(Math.min(board.length(lost), mss), allowance))
        return resend(lost, mss);
      blockedByCwnd = true;
      return null;
    }
    if (!dataAllowed) return null;
    boolean probing = probe == Probe.NEW_DATA;
    int unsent = unsent();
    if (unsent > 0) {
      int usable = usableWindow();
      int length = Math.min(Math.min(mss, unsent), usable);
      if (length <= 0) return null;
      if (!probing && !windowOverride && !worthSending(length, unsent, usable, mss)) return null;
      if (!probing && !fits(length, allowance)) {
        blockedByCwnd = true;
        return null;
      }
      // Linux merges the FIN into the last queued segment (tcp_send_fin), so FIN needs no segment
      // of its own.
      boolean fin = finQueued && length == unsent;
      smallChunk = length < mss;
      return chunk().set(sndNxt, length, fin ? TcpFlags.FIN : 0, false);
    }
    if (finQueued && !finSent()) {
      if (!probing && !fits(1, allowance)) {
        blockedByCwnd = true;
        return null;
      }
      return chunk().set(sndNxt, 0, TcpFlags.FIN, false);
    }
    return null;
  }

  /**
   * Grows {@code c}, a first send of one full segment of new data, into a run of whole segments of
   * {@code mss} bytes, at most {@code maxBytes} and what the peer's window, the data queued and
   * {@code allowance} (congestion control's room) take, for a caller that writes the run as one
   * offloaded packet (TSO: Linux's sender keeps such a run as one {@code sk_buff}, {@code
   * tcp_write_xmit} sizing it by {@code tcp_tso_autosize}). The run is one record on the scoreboard
   * (a SACK or a loss splits it, a resend cuts an MSS from it), so the sender's work per write no
   * longer grows with the segments in it. A run that ends the queued data carries the FIN queued
   * behind it, as {@link #next} merges it. Returns the segments the chunk now holds (1 when it
   * stays as it was).
   */
  int extendRun(Chunk c, int mss, int maxBytes, int allowance) {
    if (c.retransmit() || c.flags() != 0 || c.length() != mss || probe != Probe.NONE) return 1;
    int unsent = unsent();
    int room = Math.min(Math.min(unsent, usableWindow()), Math.min(maxBytes, allowance));
    int segments = room / mss;
    if (segments <= 1) return 1;
    int length = segments * mss;
    c.set(c.seq(), length, finQueued && length == unsent ? TcpFlags.FIN : 0, false);
    return segments;
  }

  /**
   * Returns whether a new segment of {@code length} bytes should go now: sender-side silly window
   * avoidance (RFC 9293 §3.8.6.2.1) with Nagle's algorithm (RFC 896, RFC 9293 §3.7.4). It goes (1)
   * when it is a full segment; (2) when it carries all the queued data, which every SEND pushes,
   * unless Nagle holds it; (3) when the window is what limits it but it is at least half the
   * largest window the peer offered, unless Nagle holds it. Otherwise the data waits for ACKs, or
   * for the override timeout (the persist timer). Nagle is Linux's, with Minshall's refinement
   * ({@code tcp_minshall_check}): a small segment waits only while an earlier small segment is
   * unacknowledged, and a segment with our FIN never waits.
   */
  private boolean worthSending(int length, int unsent, int usable, int mss) {
    if (length >= mss) return true;
    boolean pushed = pushPending && SeqNum.le(SeqNum.add(sndNxt, length), pushEnd);
    if (!pushed && Cork.holds(this)) return false;
    boolean nagleHolds =
        !noDelay && !pushed && hasOutstanding() && SeqNum.gt(sndSml, sndUna) && !finQueued;
    if (unsent <= usable) return !nagleHolds;
    return length >= maxSndWnd / 2 && (noDelay || !hasOutstanding());
  }

  /**
   * Returns whether a segment of {@code length} fits in the allowance, or goes alone into an empty
   * network.
   */
  private boolean fits(int length, int allowance) {
    return allowance >= length || (allowance > 0 && (scoreboard == null || scoreboard.pipe() == 0));
  }

  /**
   * Returns a chunk that resends record {@code i}, cut to one MSS if it is longer (the MSS fell).
   */
  private Chunk resend(int i, int mss) {
    Scoreboard board = scoreboard();
    boolean fin = board.has(i, Scoreboard.FIN);
    int dataLength = board.length(i) - (fin ? 1 : 0);
    if (dataLength > mss) {
      board.splitAt(i, SeqNum.add(board.start(i), mss));
      fin = false;
      dataLength = mss;
    }
    return chunk().set(board.start(i), dataLength, fin ? TcpFlags.FIN : 0, true);
  }

  /**
   * Lends the payload of a chunk to {@code out}, where it lies in the send buffer (see {@link
   * ByteQueue#lend}).
   */
  void lendPayload(Chunk c, OutboundSegment out) {
    int first =
        (c.flags() & TcpFlags.SYN) != 0
            ? SeqNum.add(c.seq(), 1)
            : c.seq(); // a SYN's data follows the SYN
    if (c.length() > 0) buffer.lend(SeqNum.diff(first, dataStart), c.length(), out);
  }

  /**
   * Records that a chunk left at {@code now}: SND.NXT advances and the scoreboard records it, or
   * notes the resend.
   */
  void onSent(Chunk c, long now) {
    probe = Probe.NONE;
    if ((c.flags() & TcpFlags.SYN) != 0) {
      synPending = false;
      if (c.retransmit()) {
        synLost = false;
        synRetransmitted = true;
        synSentAt = NOT_TIMING; // Karn's rule: an ACK may now answer either copy.
      } else if (synSentAt == NOT_TIMING) {
        synSentAt = now;
      }
      if (c.length() > 0) {
        synDataSent = c.length();
        scoreboard().append(SeqNum.add(iss, 1), SeqNum.add(iss, 1 + c.length()), now, false);
      }
      if (SeqNum.gt(SeqNum.add(iss, 1 + c.length()), sndNxt))
        sndNxt = SeqNum.add(iss, 1 + c.length());
      return;
    }
    if (c.retransmit()) {
      scoreboard().onRetransmitted(scoreboard.indexOf(c.seq()), now);
      retransmitAhead = false;
      return;
    }
    int end = SeqNum.add(c.seq(), c.space());
    scoreboard().append(c.seq(), end, now, (c.flags() & TcpFlags.FIN) != 0);
    if (SeqNum.gt(end, sndNxt)) sndNxt = end;
    if (smallChunk) sndSml = end;
    if (pushPending && SeqNum.ge(end, pushEnd)) pushPending = false;
    if (c.length() > 0) {
      windowOverride = false;
      persistBackoff = 0;
    }
  }

  /**
   * Stops timing our SYN: its send time is not known (a SYN cookie's SYN-ACK, rebuilt later), so no
   * RTT sample may come of it.
   */
  void forgetSynTiming() {
    synSentAt = NOT_TIMING;
  }

  /**
   * Sends our SYN again as a new segment (a SYN-ACK in a simultaneous open), not timed from the
   * first copy.
   */
  void resendSyn() {
    synPending = true;
    synSentAt = NOT_TIMING;
  }

  /**
   * Takes an acknowledgment of new data, SND.UNA = SEG.ACK, removing what it covers from the
   * retransmission queue (RFC 9293 §3.10.7.4 fifth step) and reporting the segments it delivered;
   * returns the data bytes freed from the send buffer.
   */
  int onAck(int ack, Scoreboard.DeliveryListener listener) {
    if (scoreboard != null) scoreboard.ackUpTo(ack, listener);
    int freed = Math.clamp(SeqNum.diff(ack, dataStart), 0, queued());
    if (freed > 0) buffer.discard(freed);
    dataStart = SeqNum.add(dataStart, freed);
    // The handshake's last send acknowledged with nothing behind it: the chunk goes until data
    // does.
    if (sndUna == iss && SeqNum.gt(ack, iss) && queued() == 0 && boardEmpty()) chunk = null;
    sndUna = ack;
    timeouts = 0;
    if (synLost && synAcked()) synLost = false;
    return freed;
  }

  private Chunk chunk() {
    Chunk c = chunk;
    if (c == null) chunk = c = new Chunk();
    return c;
  }

  /**
   * Returns the RTT sample the last {@link #onAck} up to {@code ack} gave, in ns, or -1 (RFC 6298
   * §3, Karn's rule: only from a segment never retransmitted): our SYN's, or the oldest data
   * segment it newly acknowledged (as Linux's {@code first_ackt}).
   */
  long rttSample(int ack, long now) {
    if (synSentAt != NOT_TIMING && SeqNum.gt(ack, iss)) {
      long sentAt = synSentAt;
      synSentAt = NOT_TIMING;
      return now - sentAt;
    }
    long sentAt = scoreboard == null ? Long.MIN_VALUE : scoreboard.ackedCleanSentAt();
    return sentAt == Long.MIN_VALUE ? -1 : now - sentAt;
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

  /**
   * Sets SND.WND, SND.WL1 and SND.WL2 unconditionally (from a SYN, or the ACK that ends the
   * handshake).
   */
  void setWindow(int seq, int ack, int window) {
    sndWnd = window;
    sndWl1 = seq;
    sndWl2 = ack;
    maxSndWnd = Math.max(maxSndWnd, window);
  }

  /**
   * Notes a retransmission timeout (RFC 6298 §5.4): an unacknowledged SYN is resent; data is marked
   * lost by {@link LossRecovery}.
   */
  void onTimeout(long now, long rto) {
    if (timeouts == 0)
      retransmitSince = boardEmpty() ? now - rto : Math.min(now, scoreboard.sentAt(0));
    if (!synAcked() && !synPending) synLost = true;
    synSentAt = NOT_TIMING;
    probe = Probe.NONE;
    retransmitAhead = false;
    timeouts++;
  }

  /**
   * Returns the scoreboard, created on first use: by the first segment sent after the SYN, or by
   * loss recovery's machinery when it starts.
   */
  Scoreboard scoreboard() {
    Scoreboard board = scoreboard;
    if (board == null) scoreboard = board = new Scoreboard();
    return board;
  }

  /** Returns the scoreboard, or null if nothing has needed one yet. */
  Scoreboard scoreboardIfMade() {
    return scoreboard;
  }

  /** Returns whether nothing besides our SYN is on the scoreboard (or it was never made). */
  boolean boardEmpty() {
    return scoreboard == null || scoreboard.isEmpty();
  }

  /**
   * Returns whether the send buffer is drained and still holds storage ({@link ByteQueue#reclaim}).
   */
  boolean holdsIdleStorage() {
    return buffer != null && buffer.holdsIdleRing();
  }

  /**
   * Gives the send buffer's storage back if it has been idle since the last look, and the
   * scoreboard's with it; returns whether idle storage remains.
   */
  boolean reclaimStorage() {
    boolean held = buffer != null && buffer.reclaim();
    dropBufferIfDrained();
    if (!held && queued() == 0) {
      if (scoreboard != null) scoreboard.release();
      if (boardEmpty()) chunk = null;
    }
    return held;
  }

  /** Gives the send buffer's and the scoreboard's storage back now if they are drained. */
  void releaseIdleStorage() {
    if (buffer != null) buffer.release();
    dropBufferIfDrained();
    if (scoreboard != null) scoreboard.release();
    if (queued() == 0 && boardEmpty()) chunk = null;
  }

  /**
   * Restores the send side of a connection in TIME-WAIT ({@link TimeWaitTcb}): everything up to
   * SND.NXT was sent and acknowledged, our FIN last.
   */
  void restoreTimeWait(int iss, int sndNxt, int sndWnd, int sndWl1, int sndWl2, int maxSndWnd) {
    this.iss = iss;
    this.sndUna = this.sndNxt = this.sndSml = sndNxt;
    this.dataStart = SeqNum.add(sndNxt, -1); // our FIN, the last sequence number sent
    this.finQueued = true;
    this.sndWnd = sndWnd;
    this.sndWl1 = sndWl1;
    this.sndWl2 = sndWl2;
    this.maxSndWnd = maxSndWnd;
  }

  /** Drops every queued byte (ABORT, RST: "all segment queues should be flushed"). */
  void flush() {
    if (buffer != null) buffer.clear();
    if (scoreboard != null) scoreboard.clear();
    dataStart = sndNxt;
    finQueued = false;
    probe = Probe.NONE;
  }
}
