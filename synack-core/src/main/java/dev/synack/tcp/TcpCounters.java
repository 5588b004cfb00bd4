package dev.synack.tcp;

import dev.synack.wire.InboundSegment;
import dev.synack.wire.SeqNum;
import dev.synack.wire.TcpFlags;

/**
 * What a connection has sent and received over its life, for {@link TcpInfo}: counted where
 * segments enter ({@link TcpConnection#handleSegment}) and leave ({@link
 * TcpConnection#pollTransmit}), as Linux's {@code tcp_info} counters are. Byte counts are 64-bit;
 * segment counts and the times of the last data and ACK are 32-bit and wrap, as Linux's {@code u32}
 * fields (segments) and jiffies (times, here milliseconds) do: every idle connection holds one of
 * these.
 */
final class TcpCounters {
  private static final long MS = 1_000_000L;

  long bytesSent;
  long bytesRetrans;
  long bytesAcked;
  long bytesReceived;
  int segsIn;
  int segsOut;
  int dataSegsIn;
  int dataSegsOut;
  int totalRetrans;
  int dsackDups;

  /** Window reductions for ECN echoes (RFC 3168 §6.1.2). */
  int ecnReductions;

  /**
   * When data was last sent or received and an ACK last received, in ms of {@code now}; see {@link
   * #seen}.
   */
  private int lastDataSentMs;

  private int lastDataRecvMs;
  private int lastAckRecvMs;

  /** Which of the three times were ever set: bits 1, 2, 4. */
  private byte seen;

  /** Counts a segment about to be processed. */
  void onArrival(InboundSegment seg, long now) {
    segsIn++;
    if (seg.payloadLength() > 0) {
      dataSegsIn++;
      lastDataRecvMs = (int) (now / MS);
      seen |= 2;
    }
    if (seg.has(TcpFlags.ACK)) {
      lastAckRecvMs = (int) (now / MS);
      seen |= 4;
    }
  }

  /** Counts what the processing of a segment moved: SND.UNA and RCV.NXT, before and after. */
  void onProcessed(
      int unaBefore,
      int unaAfter,
      boolean sndKnownBefore,
      int rcvNxtBefore,
      int rcvNxtAfter,
      boolean rcvKnownBefore) {
    int acked = sndKnownBefore ? SeqNum.diff(unaAfter, unaBefore) : 0;
    if (acked > 0) bytesAcked += acked;
    // RCV.NXT is first set from the peer's SYN (IRS + 1): that is not data received.
    int received = rcvKnownBefore ? SeqNum.diff(rcvNxtAfter, rcvNxtBefore) : 0;
    if (received > 0) bytesReceived += received;
  }

  /** Counts a segment sent: {@code length} payload bytes, resent or not. */
  void onSent(int length, boolean retransmit, long now) {
    segsOut++;
    if (length > 0) {
      dataSegsOut++;
      bytesSent += length;
      lastDataSentMs = (int) (now / MS);
      seen |= 1;
    }
    if (retransmit) {
      totalRetrans++;
      bytesRetrans += length;
    }
  }

  /**
   * Counts the segments beyond the first of a run that left as one offloaded write (after {@link
   * #onSent} for the run): the device sends them as segments of their own.
   */
  void onRunSegments(int extra) {
    segsOut += extra;
    dataSegsOut += extra;
  }

  /** Returns µs since data was last sent, 0 for never. */
  long sinceDataSent(long now) {
    return since(1, lastDataSentMs, now);
  }

  /** Returns µs since data was last received, 0 for never. */
  long sinceDataRecv(long now) {
    return since(2, lastDataRecvMs, now);
  }

  /** Returns µs since an ACK was last received, 0 for never. */
  long sinceAckRecv(long now) {
    return since(4, lastAckRecvMs, now);
  }

  private long since(int bit, int atMs, long now) {
    if ((seen & bit) == 0) return 0;
    return Integer.toUnsignedLong((int) (now / MS) - atMs) * 1000;
  }
}
