package dev.synack.tcp;

import dev.synack.wire.SeqNum;
import java.util.Arrays;

/**
 * The sender's record of every segment sent and not yet cumulatively acknowledged, in sequence
 * order: its range, when it was (last) sent, and what is known about it. It is the SACK scoreboard
 * of RFC 6675 §3 and the per-segment state RACK needs (RFC 8985 §5.2: xmit_ts, lost,
 * retransmitted).
 *
 * <p>A record is SACKED when a SACK block covered it (RFC 2018), LOST once loss detection gave it
 * up (RACK, DupThresh, a timeout), RETRANSMITTED while a retransmission of it is in flight, and
 * EVER_RETRANSMITTED once it was sent twice (Karn's rule, RFC 6298 §3; RACK's ambiguity test). From
 * these, as Linux's {@code tcp_packets_in_flight}, in bytes:
 *
 * <pre>
 *   pipe = outstanding − SACKed − lost + retransmitted   (RFC 6675 §4 "pipe")
 * </pre>
 *
 * since a SACKed segment has left the network, a lost one too, and its retransmission is in it.
 *
 * <p>Records live in parallel primitive arrays (no object per segment): the live ones are {@code
 * [head, tail)}; index arguments are relative to the oldest record. The SYN is not here (the {@link
 * Sender} times and resends it itself); a FIN is part of the last record.
 */
final class Scoreboard {
  static final int SACKED = 1;
  static final int LOST = 2;
  static final int RETRANSMITTED = 4;
  static final int EVER_RETRANSMITTED = 8;
  static final int FIN = 16;

  /**
   * The sender was application-limited when the record was (last) sent
   * (draft-cheng-iccrg-delivery-rate-estimation, {@code is_app_limited}).
   */
  static final int APP_LIMITED = 32;

  /** The record carries delivery-rate snapshots (it was sent once the estimator ran). */
  static final int RATE_SNAPSHOT = 64;

  /**
   * Told of each segment newly delivered, cumulatively or selectively acknowledged, in ascending
   * sequence order (RFC 8985 §6.2 step 1).
   */
  interface DeliveryListener {
    void onDelivered(int start, int end, long sentAt, boolean everRetransmitted);
  }

  /**
   * Records the arrays start with; they double as a flight grows. Four hold a short connection's
   * SYN, request and FIN: sixteen (session 6) made each connection end allocate about 1 KB of
   * arrays it never filled, more once BBRv3's three snapshots per record were added
   * (sim-conn-rate's allocation per cycle 18,518 -> 19,954 B; 18,498 B with four).
   */
  private static final int INITIAL_CAPACITY = 4;

  private static final int[] NO_INTS = new int[0];
  private static final long[] NO_LONGS = new long[0];
  private static final byte[] NO_BYTES = new byte[0];

  /**
   * The records, in four parallel arrays from {@link #head} to {@link #tail}; shared empty ones
   * until the first record.
   */
  private int[] starts = NO_INTS;

  private int[] ends = NO_INTS;
  private long[] sentAt = NO_LONGS;
  private byte[] flags = NO_BYTES;

  /**
   * The delivery-rate snapshots taken when each record was (last) sent
   * (draft-cheng-iccrg-delivery-rate-estimation §3.2, Linux's {@code tcp_skb_cb.tx}): C.delivered,
   * C.delivered_time and C.first_sent_time then.
   */
  private long[] txDelivered = NO_LONGS;

  private long[] txDeliveredTime = NO_LONGS;
  private long[] txFirstSent = NO_LONGS;

  /**
   * Also taken when each record was (last) sent (draft-ietf-ccwg-bbr §4.1.2.1.2, for BBRv3): the
   * bytes in flight just after it left (P.tx_in_flight), C.lost and the bytes reported CE-marked
   * then.
   */
  private int[] txInFlight = NO_INTS;

  private long[] txLost = NO_LONGS;
  private long[] txDeliveredCe = NO_LONGS;

  /**
   * The delivery-rate estimator told of sends and deliveries; {@code null} until congestion control
   * starts.
   */
  private DeliveryRate rate;

  private int head;
  private int tail;

  /**
   * No record before this absolute index is lost and waiting for retransmission (Linux's {@code
   * retransmit_skb_hint}).
   */
  private int lostHint;

  private int outstandingBytes;
  private int sackedBytes;
  private int lostBytes;
  private int retransmittedBytes;
  private int sackedSegments;

  /**
   * Whether any record was retransmitted, and the end of the highest one: RACK's walk stops past
   * it.
   */
  private boolean anyRetransmitted;

  private int highestRetransmittedEnd;

  /**
   * When the oldest record the last {@link #ackUpTo} removed was sent, among those never
   * retransmitted nor SACKed before: the RTT sample that ACK gives (Linux's {@code first_ackt});
   * {@link Long#MIN_VALUE} when it gave none (Karn's rule: also when it removed a resent record).
   */
  private long ackedCleanSentAt = Long.MIN_VALUE;

  /**
   * When the last {@link #ackUpTo} removed segment sent last was sent (resent ones included), or
   * {@link Long#MIN_VALUE}.
   */
  private long ackedLatestSentAt = Long.MIN_VALUE;

  /**
   * Returns how many records carry {@code flag} (one of {@link #LOST}, {@link #RETRANSMITTED}, ...)
   * and not SACKED.
   */
  int countFlagged(int flag) {
    int n = 0;
    for (int i = head; i < tail; i++) {
      if ((flags[i] & flag) != 0 && (flags[i] & SACKED) == 0) n++;
    }
    return n;
  }

  /** Returns how many records the arrays hold room for (0 while none are allocated). */
  int capacity() {
    return starts.length;
  }

  /** Returns the number of records. */
  int count() {
    return tail - head;
  }

  boolean isEmpty() {
    return tail == head;
  }

  int start(int i) {
    return starts[head + i];
  }

  int end(int i) {
    return ends[head + i];
  }

  long sentAt(int i) {
    return sentAt[head + i];
  }

  boolean has(int i, int flag) {
    return (flags[head + i] & flag) != 0;
  }

  /** Returns the length in sequence space of record {@code i} (a FIN counts one). */
  int length(int i) {
    return SeqNum.diff(ends[head + i], starts[head + i]);
  }

  /** Returns RFC 6675's pipe in bytes: the data estimated to be in the network. */
  int pipe() {
    return outstandingBytes - sackedBytes - lostBytes + retransmittedBytes;
  }

  /** Returns the sequence space of all records (SND.NXT − SND.UNA without the SYN). */
  int outstandingBytes() {
    return outstandingBytes;
  }

  int sackedBytes() {
    return sackedBytes;
  }

  int lostBytes() {
    return lostBytes;
  }

  int retransmittedBytes() {
    return retransmittedBytes;
  }

  /** Returns how many records are SACKed (RACK's {@code segs_sacked}). */
  int sackedSegments() {
    return sackedSegments;
  }

  /**
   * Returns when the segment that gave the last cumulative ACK's RTT sample was sent, or {@link
   * Long#MIN_VALUE}.
   */
  long ackedCleanSentAt() {
    return ackedCleanSentAt;
  }

  /**
   * Returns when the most recently sent segment the last cumulative ACK newly acknowledged was
   * (last) sent, or {@link Long#MIN_VALUE}.
   */
  long ackedLatestSentAt() {
    return ackedLatestSentAt;
  }

  /** Sets the delivery-rate estimator that snapshots each send and hears each delivery. */
  void rate(DeliveryRate estimator) {
    this.rate = estimator;
  }

  /**
   * Records a segment sent for the first time: {@code [start, end)}, a FIN included in {@code end}.
   */
  void append(int start, int end, long now, boolean fin) {
    if (tail == starts.length) makeRoom();
    starts[tail] = start;
    ends[tail] = end;
    sentAt[tail] = now;
    flags[tail] = (byte) (fin ? FIN : 0);
    snapshot(tail, now, pipe() + SeqNum.diff(end, start));
    tail++;
    outstandingBytes += SeqNum.diff(end, start);
  }

  /**
   * Returns the index of the record holding {@code seq}, or -1 (binary search: records are in
   * sequence order).
   */
  int indexOf(int seq) {
    int lo = head;
    int hi = tail - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (SeqNum.lt(seq, starts[mid])) {
        hi = mid - 1;
      } else if (SeqNum.ge(seq, ends[mid])) {
        lo = mid + 1;
      } else {
        return mid - head;
      }
    }
    return -1;
  }

  /** Notes that record {@code i} was sent again at {@code now}. */
  void onRetransmitted(int i, long now) {
    int a = head + i;
    if ((flags[a] & RETRANSMITTED) == 0) retransmittedBytes += length(i);
    flags[a] |= RETRANSMITTED | EVER_RETRANSMITTED;
    sentAt[a] = now;
    snapshot(a, now, pipe());
    if (!anyRetransmitted || SeqNum.gt(ends[a], highestRetransmittedEnd))
      highestRetransmittedEnd = ends[a];
    anyRetransmitted = true;
  }

  /** Returns whether record {@code i} may be the last retransmitted one: none after it was. */
  boolean retransmittedNoneAfter(int i) {
    return !anyRetransmitted || SeqNum.ge(starts[head + i], highestRetransmittedEnd);
  }

  /**
   * Marks record {@code i} lost (unless SACKed): it is owed a retransmission. A retransmission in
   * flight is given up too (RACK detecting a lost retransmission, RFC 8985 §6.2).
   */
  void markLost(int i) {
    int a = head + i;
    int f = flags[a];
    if ((f & SACKED) != 0) return;
    if ((f & LOST) == 0) {
      lostBytes += length(i);
      if (rate != null) rate.onLost(length(i));
    }
    if ((f & RETRANSMITTED) != 0) retransmittedBytes -= length(i);
    flags[a] = (byte) ((f | LOST) & ~RETRANSMITTED);
    if (a < lostHint) lostHint = a;
  }

  /**
   * Returns the index of the first record lost and not retransmitted since (RFC 6675 NextSeg rule
   * 1), or -1.
   */
  int nextLost() {
    for (int a = Math.max(lostHint, head); a < tail; a++) {
      if ((flags[a] & (LOST | RETRANSMITTED | SACKED)) == LOST) {
        lostHint = a;
        return a - head;
      }
    }
    lostHint = tail;
    return -1;
  }

  /**
   * Marks lost every record that RFC 6675's IsLost() gives up: one with DupThresh SACKed segments,
   * or more than (DupThresh − 1)·SMSS SACKed bytes, above it (RFC 6675 §4).
   */
  void markLostByDupThresh(int dupThresh, int mss) {
    if (sackedSegments == 0) return;
    int segmentsAbove = 0;
    int bytesAbove = 0;
    for (int a = tail - 1; a >= head; a--) {
      if ((flags[a] & SACKED) != 0) {
        segmentsAbove++;
        bytesAbove += SeqNum.diff(ends[a], starts[a]);
      } else if ((flags[a] & LOST) == 0
          && (segmentsAbove >= dupThresh || bytesAbove > (dupThresh - 1) * mss)) {
        markLost(a - head);
      }
    }
  }

  /**
   * Marks every record lost and forgets the SACKs, after a timeout (RFC 6675 §5.1, RFC 2018 §8:
   * "ignore prior SACK information").
   */
  void markAllLostForgettingSacks() {
    for (int a = head; a < tail; a++)
      flags[a] = (byte) ((flags[a] & (FIN | EVER_RETRANSMITTED)) | LOST);
    sackedBytes = sackedSegments = retransmittedBytes = 0;
    if (rate != null) rate.onLost(outstandingBytes - lostBytes);
    lostBytes = outstandingBytes;
    lostHint = head;
  }

  /**
   * Forgets every loss mark, after an undo: the segments were not lost after all (Linux's {@code
   * tcp_undo_cwnd_reduction}).
   */
  void clearLost() {
    for (int a = head; a < tail; a++) flags[a] &= ~LOST;
    lostBytes = 0;
  }

  /**
   * Takes a cumulative acknowledgment: the records below {@code ack} go, a record that straddles it
   * is trimmed. Each record newly delivered (not SACKed before) is reported; returns the sequence
   * space acknowledged.
   */
  int ackUpTo(int ack, DeliveryListener listener) {
    ackedCleanSentAt = Long.MIN_VALUE;
    ackedLatestSentAt = Long.MIN_VALUE;
    int acked = 0;
    boolean retransmissionAcked = false;
    while (head < tail && SeqNum.le(ends[head], ack)) {
      int f = flags[head];
      int len = SeqNum.diff(ends[head], starts[head]);
      retransmissionAcked |= (f & EVER_RETRANSMITTED) != 0;
      if ((f & SACKED) == 0) {
        if ((f & EVER_RETRANSMITTED) == 0 && ackedCleanSentAt == Long.MIN_VALUE)
          ackedCleanSentAt = sentAt[head];
        ackedLatestSentAt = Math.max(ackedLatestSentAt, sentAt[head]);
        listener.onDelivered(starts[head], ends[head], sentAt[head], (f & EVER_RETRANSMITTED) != 0);
        if (rate != null) delivered(head, len);
      }
      uncount(f, len, true);
      acked += len;
      head++;
    }
    // Karn's rule for the whole ACK, as Linux's FLAG_RETRANS_DATA_ACKED: an ACK that covers a
    // resent segment may have waited for that copy, so the clean segments it also covers (sent
    // before the loss) would count the recovery as round-trip time.
    if (retransmissionAcked) ackedCleanSentAt = Long.MIN_VALUE;
    if (head < tail && SeqNum.gt(ack, starts[head])) {
      int cut = SeqNum.diff(ack, starts[head]);
      if (rate != null && (flags[head] & SACKED) == 0) delivered(head, cut);
      uncount(flags[head], cut, false);
      starts[head] = ack;
      acked += cut;
    }
    if (head == tail) {
      head = tail = lostHint = 0;
      anyRetransmitted =
          false; // the arrays stay for the next flight; release() gives them back once idle
    }
    return acked;
  }

  /**
   * Takes one valid SACK block {@code [left, right)} (RFC 2018 §3): the records it covers become
   * SACKED, splitting those it covers in part; each newly SACKed record is reported. Returns the
   * bytes newly SACKed.
   */
  int sack(int left, int right, DeliveryListener listener) {
    int i = firstEndingAfter(left);
    int newly = 0;
    for (int a = head + i; a < tail && SeqNum.lt(starts[a], right); a++) {
      if ((flags[a] & SACKED) != 0) continue;
      if (SeqNum.lt(starts[a], left)) {
        a = split(a, left);
        continue; // the part from left on is the next record
      }
      if (SeqNum.gt(ends[a], right)) a = split(a, right);
      int f = flags[a];
      int len = SeqNum.diff(ends[a], starts[a]);
      if ((f & LOST) != 0) lostBytes -= len;
      if ((f & RETRANSMITTED) != 0) retransmittedBytes -= len;
      flags[a] = (byte) ((f & ~(LOST | RETRANSMITTED)) | SACKED);
      sackedBytes += len;
      sackedSegments++;
      newly += len;
      listener.onDelivered(starts[a], ends[a], sentAt[a], (f & EVER_RETRANSMITTED) != 0);
      if (rate != null) delivered(a, len);
    }
    return newly;
  }

  /**
   * Takes the estimator's snapshot for the record at absolute index {@code a}, sent at {@code now}
   * with {@code inFlight} bytes in flight after it (Linux's {@code tcp_rate_skb_sent}).
   */
  private void snapshot(int a, long now, int inFlight) {
    if (rate == null) return;
    rate.onSent(head == tail, now); // appending to an empty board: nothing is in flight
    txDelivered[a] = rate.delivered();
    txDeliveredTime[a] = rate.deliveredTime();
    txFirstSent[a] = rate.firstSentTime();
    txInFlight[a] = inFlight;
    txLost[a] = rate.lost();
    txDeliveredCe[a] = rate.deliveredCe();
    flags[a] =
        (byte) ((flags[a] & ~APP_LIMITED) | RATE_SNAPSHOT | (rate.appLimited() ? APP_LIMITED : 0));
  }

  /**
   * Tells the estimator that the record at absolute index {@code a}, {@code len} bytes, was
   * delivered (Linux's {@code tcp_rate_skb_delivered}).
   */
  private void delivered(int a, int len) {
    rate.onDelivered(
        len,
        sentAt[a],
        ends[a],
        (flags[a] & RATE_SNAPSHOT) != 0,
        txDelivered[a],
        txDeliveredTime[a],
        txFirstSent[a],
        (flags[a] & APP_LIMITED) != 0,
        (flags[a] & EVER_RETRANSMITTED) != 0,
        txInFlight[a],
        txLost[a],
        txDeliveredCe[a]);
  }

  /**
   * Cuts record {@code i} in two at sequence number {@code at} (a Linux {@code tcp_fragment}): same
   * marks, same send time.
   */
  void splitAt(int i, int at) {
    split(head + i, at);
  }

  /** Drops every record (the connection's queues are flushed). */
  void clear() {
    head = tail = lostHint = 0;
    outstandingBytes = sackedBytes = lostBytes = retransmittedBytes = sackedSegments = 0;
    anyRetransmitted = false;
    release();
  }

  private int firstEndingAfter(int seq) {
    int lo = head;
    int hi = tail;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (SeqNum.le(ends[mid], seq)) lo = mid + 1;
      else hi = mid;
    }
    return lo - head;
  }

  /**
   * Splits the record at absolute index {@code a}; returns its absolute index afterwards (the
   * arrays may have moved).
   */
  private int split(int a, int at) {
    if (!SeqNum.gt(at, starts[a]) || !SeqNum.lt(at, ends[a])) return a;
    if (tail == starts.length) {
      int before = head;
      makeRoom();
      a -= before - head;
    }
    System.arraycopy(starts, a + 1, starts, a + 2, tail - a - 1);
    System.arraycopy(ends, a + 1, ends, a + 2, tail - a - 1);
    System.arraycopy(sentAt, a + 1, sentAt, a + 2, tail - a - 1);
    System.arraycopy(flags, a + 1, flags, a + 2, tail - a - 1);
    System.arraycopy(txDelivered, a + 1, txDelivered, a + 2, tail - a - 1);
    System.arraycopy(txDeliveredTime, a + 1, txDeliveredTime, a + 2, tail - a - 1);
    System.arraycopy(txFirstSent, a + 1, txFirstSent, a + 2, tail - a - 1);
    System.arraycopy(txInFlight, a + 1, txInFlight, a + 2, tail - a - 1);
    System.arraycopy(txLost, a + 1, txLost, a + 2, tail - a - 1);
    System.arraycopy(txDeliveredCe, a + 1, txDeliveredCe, a + 2, tail - a - 1);
    tail++;
    starts[a + 1] = at;
    ends[a + 1] = ends[a];
    sentAt[a + 1] = sentAt[a];
    flags[a + 1] = flags[a];
    txDelivered[a + 1] = txDelivered[a];
    txDeliveredTime[a + 1] = txDeliveredTime[a];
    txFirstSent[a + 1] = txFirstSent[a];
    txInFlight[a + 1] = txInFlight[a];
    txLost[a + 1] = txLost[a];
    txDeliveredCe[a + 1] = txDeliveredCe[a];
    ends[a] = at;
    flags[a] &= ~FIN;
    if ((flags[a] & SACKED) != 0) sackedSegments++; // one SACKed record became two
    if (lostHint > a) lostHint = a;
    return a;
  }

  /**
   * Subtracts {@code len} bytes of a record with marks {@code f} from the totals; {@code whole}
   * when the record goes.
   */
  private void uncount(int f, int len, boolean whole) {
    outstandingBytes -= len;
    if ((f & SACKED) != 0) {
      sackedBytes -= len;
      if (whole) sackedSegments--;
    }
    if ((f & LOST) != 0) lostBytes -= len;
    if ((f & RETRANSMITTED) != 0) retransmittedBytes -= len;
  }

  /** Moves the live records to the front, or doubles the arrays when more than half are live. */
  private void makeRoom() {
    int live = tail - head;
    if (starts.length == 0) {
      allocate(INITIAL_CAPACITY);
      return;
    }
    if (head > 0 && live <= starts.length / 2) {
      System.arraycopy(starts, head, starts, 0, live);
      System.arraycopy(ends, head, ends, 0, live);
      System.arraycopy(sentAt, head, sentAt, 0, live);
      System.arraycopy(flags, head, flags, 0, live);
      System.arraycopy(txDelivered, head, txDelivered, 0, live);
      System.arraycopy(txDeliveredTime, head, txDeliveredTime, 0, live);
      System.arraycopy(txFirstSent, head, txFirstSent, 0, live);
      System.arraycopy(txInFlight, head, txInFlight, 0, live);
      System.arraycopy(txLost, head, txLost, 0, live);
      System.arraycopy(txDeliveredCe, head, txDeliveredCe, 0, live);
    } else {
      int capacity = starts.length * 2;
      starts = Arrays.copyOfRange(starts, head, head + capacity);
      ends = Arrays.copyOfRange(ends, head, head + capacity);
      sentAt = Arrays.copyOfRange(sentAt, head, head + capacity);
      flags = Arrays.copyOfRange(flags, head, head + capacity);
      txDelivered = Arrays.copyOfRange(txDelivered, head, head + capacity);
      txDeliveredTime = Arrays.copyOfRange(txDeliveredTime, head, head + capacity);
      txFirstSent = Arrays.copyOfRange(txFirstSent, head, head + capacity);
      txInFlight = Arrays.copyOfRange(txInFlight, head, head + capacity);
      txLost = Arrays.copyOfRange(txLost, head, head + capacity);
      txDeliveredCe = Arrays.copyOfRange(txDeliveredCe, head, head + capacity);
    }
    lostHint = Math.max(0, lostHint - head);
    tail = live;
    head = 0;
  }

  private void allocate(int capacity) {
    starts = new int[capacity];
    ends = new int[capacity];
    sentAt = new long[capacity];
    flags = new byte[capacity];
    txDelivered = new long[capacity];
    txDeliveredTime = new long[capacity];
    txFirstSent = new long[capacity];
    txInFlight = new int[capacity];
    txLost = new long[capacity];
    txDeliveredCe = new long[capacity];
  }

  /**
   * Gives the arrays back if no record is held: an idle connection holds no scoreboard (DESIGN.md,
   * "buffers grow on demand").
   */
  void release() {
    if (!isEmpty()) return;
    starts = ends = txInFlight = NO_INTS;
    sentAt = txDelivered = txDeliveredTime = txFirstSent = txLost = txDeliveredCe = NO_LONGS;
    flags = NO_BYTES;
  }
}
