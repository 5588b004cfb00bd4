package dev.synack.tcp;

import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpSegment;

/**
 * What a connection has sent and received over its life, for {@link TcpInfo}: counted where
 * segments enter ({@link TcpConnection#handleSegment}) and leave ({@link TcpConnection#pollTransmit}),
 * as Linux's {@code tcp_info} counters are (RFC 4898's names in its comments).
 */
final class TcpCounters {
  long segsIn;
  long segsOut;
  long dataSegsIn;
  long dataSegsOut;
  long bytesSent;
  long bytesRetrans;
  long totalRetrans;
  long bytesAcked;
  long bytesReceived;
  long dsackDups;
  /** Window reductions for an ECN echo (RFC 3168 §6.1.2). */
  long ecnReductions;
  /** When data was last sent or received and an ACK last received; {@link Long#MIN_VALUE} for never. */
  long lastDataSent = Long.MIN_VALUE;
  long lastDataRecv = Long.MIN_VALUE;
  long lastAckRecv = Long.MIN_VALUE;

  /** Counts a segment about to be processed. */
  void onArrival(TcpSegment seg, long now) {
    segsIn++;
    if (seg.payloadLength() > 0) {
      dataSegsIn++;
      lastDataRecv = now;
    }
    if (seg.has(TcpFlags.ACK)) lastAckRecv = now;
  }

  /** Counts what the processing of a segment moved: SND.UNA and RCV.NXT, before and after. */
  void onProcessed(int unaBefore, int unaAfter, int rcvNxtBefore, int rcvNxtAfter, boolean rcvKnownBefore) {
    int acked = SeqNum.diff(unaAfter, unaBefore);
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
      lastDataSent = now;
    }
    if (retransmit) {
      totalRetrans++;
      bytesRetrans += length;
    }
  }

  /** Returns µs since {@code at}, 0 for never. */
  static long since(long at, long now) {
    return at == Long.MIN_VALUE ? 0 : Math.max(0, (now - at) / 1000);
  }
}
