package dev.synack.link;

import dev.synack.wire.SeqNum;
import java.nio.ByteBuffer;

/**
 * ACK filtering in a batch of packets about to leave (RFC 3449 §5.2.1; Linux's {@code sch_cake}
 * {@code ack-filter}): a pure ACK is left out when a later packet of the same batch, the next one
 * of its connection, is a pure ACK that acknowledges more and offers at least its window, so says
 * everything the earlier one said.
 *
 * <p>Reading a batch of GRO super-packets (up to 16 of 64 KiB), the host owes an ACK for each, and
 * each would be one {@code write(2)} into the device, running the kernel's ACK processing and its
 * sender's next transmit in that call; the last ACK alone carries the same cumulative ACK and right
 * window edge, as Linux's own receiver would have sent had GRO merged the packets into one.
 *
 * <p>Conservative, as cake's conservative mode: both packets IPv4 without options or fragmentation,
 * or IPv6 with TCP next; neither with an ECN codepoint; both with exactly the ACK flag (no SYN,
 * FIN, RST, PSH, URG, ECE, CWR or AE: AccECN's counters ride there), no payload, and only NOP and
 * timestamp options (a SACK block or anything else keeps both). The ACK number must advance
 * strictly (equal ACKs may be the duplicate ACKs a sender counts, RFC 5681 §3.2), and the later one
 * must not close the window the earlier one left open. The window field may fall: while the
 * application has not read yet, each ACK of a batch offers less from a higher ACK number, the same
 * right edge; the host that wrote both never moves its right edge left (RFC 9293 §3.8.6.2.2, as
 * Linux's {@code tcp_select_window}), so the later edge is at least the earlier one's, to within
 * the window scale's rounding.
 */
final class AckFilter {
  private static final int PROTOCOL_TCP = 6;
  private static final int FLAG_ACK = 0x10;
  private static final int OPTION_END = 0;
  private static final int OPTION_NOP = 1;
  private static final int OPTION_TIMESTAMPS = 8;
  private static final int TIMESTAMPS_LENGTH = 10;

  private AckFilter() {}

  /**
   * Marks in {@code drop} (cleared first) each whole packet ({@code segmentSizes[i] == 0}) of
   * {@code packets[0, count)} that a later one supersedes, and returns how many it marked. Reads
   * the packets between their positions and limits, changes nothing in them.
   */
  static int mark(ByteBuffer[] packets, int[] segmentSizes, int count, boolean[] drop) {
    int marked = 0;
    for (int i = 0; i < count; i++) drop[i] = false;
    for (int i = 0; i < count - 1; i++) {
      ByteBuffer earlier = packets[i];
      if (segmentSizes[i] != 0 || tcpOfPureAck(earlier) < 0) continue;
      for (int j = i + 1; j < count; j++) {
        ByteBuffer later = packets[j];
        if (!sameFlow(earlier, later)) continue;
        // The next packet of the connection decides: a pure ACK that says more, or nothing.
        if (segmentSizes[j] == 0 && supersedes(later, earlier)) {
          drop[i] = true;
          marked++;
        }
        break;
      }
    }
    return marked;
  }

  /** Whether {@code later}, of {@code earlier}'s connection, is a pure ACK saying all it says. */
  private static boolean supersedes(ByteBuffer later, ByteBuffer earlier) {
    int t1 = tcpOfPureAck(later);
    if (t1 < 0) return false;
    int t0 = tcpOfPureAck(earlier);
    int ack0 = int32(earlier, t0 + 8);
    int ack1 = int32(later, t1 + 8);
    int window0 = uint16(earlier, t0 + 14);
    int window1 = uint16(later, t1 + 14);
    // A zero window after an open one keeps both: the sender's persist timer starts from it.
    return SeqNum.gt(ack1, ack0) && (window1 != 0 || window0 == 0);
  }

  /**
   * Returns the absolute index of the TCP header of {@code p} if it is a pure ACK this filter may
   * drop or keep in its place (see the class doc), else -1.
   */
  static int tcpOfPureAck(ByteBuffer p) {
    int o = p.position();
    int length = p.limit() - o;
    if (length < 40) return -1;
    int version = (p.get(o) & 0xf0) >>> 4;
    int tcp;
    if (version == 4) {
      if ((p.get(o) & 0x0f) != 5) return -1; // options: leave it alone
      if (uint16(p, o + 2) != length) return -1;
      if ((uint16(p, o + 6) & 0x3fff) != 0) return -1; // a fragment
      if (p.get(o + 9) != PROTOCOL_TCP) return -1;
      if ((p.get(o + 1) & 0x03) != 0) return -1; // ECN codepoint
      tcp = o + 20;
    } else if (version == 6) {
      if (length < 60) return -1;
      if (uint16(p, o + 4) != length - 40) return -1;
      if (p.get(o + 6) != PROTOCOL_TCP) return -1;
      if ((p.get(o + 1) & 0x30) != 0) return -1; // ECN codepoint: the traffic class's low bits
      tcp = o + 40;
    } else {
      return -1;
    }
    int headerLength = ((p.get(tcp + 12) & 0xf0) >>> 4) * 4;
    if (headerLength < 20 || tcp + headerLength != o + length) return -1; // payload, or short
    if ((p.get(tcp + 12) & 0x0f) != 0 || (p.get(tcp + 13) & 0xff) != FLAG_ACK) return -1;
    for (int at = tcp + 20, end = tcp + headerLength; at < end; ) {
      int kind = p.get(at) & 0xff;
      if (kind == OPTION_END) break;
      if (kind == OPTION_NOP) {
        at++;
      } else if (kind == OPTION_TIMESTAMPS
          && at + 1 < end
          && (p.get(at + 1) & 0xff) == TIMESTAMPS_LENGTH) {
        at += TIMESTAMPS_LENGTH;
      } else {
        return -1; // SACK blocks, or an option this filter does not know
      }
    }
    return tcp;
  }

  /** The 16-bit unsigned big-endian value at {@code i}, whatever the buffer's order. */
  private static int uint16(ByteBuffer p, int i) {
    return ((p.get(i) & 0xff) << 8) | (p.get(i + 1) & 0xff);
  }

  /** The 32-bit big-endian value at {@code i}, whatever the buffer's order. */
  private static int int32(ByteBuffer p, int i) {
    return (uint16(p, i) << 16) | uint16(p, i + 2);
  }

  /** Whether two IP packets carrying TCP have the same addresses and ports, in the same order. */
  private static boolean sameFlow(ByteBuffer a, ByteBuffer b) {
    int oa = a.position();
    int ob = b.position();
    if (a.limit() - oa < 40 || b.limit() - ob < 40) return false;
    int version = (a.get(oa) & 0xf0) >>> 4;
    if (version != ((b.get(ob) & 0xf0) >>> 4)) return false;
    int addressesAt;
    int addressBytes;
    int tcpA;
    int tcpB;
    if (version == 4) {
      addressesAt = 12;
      addressBytes = 8;
      tcpA = oa + (a.get(oa) & 0x0f) * 4;
      tcpB = ob + (b.get(ob) & 0x0f) * 4;
      if (a.get(oa + 9) != PROTOCOL_TCP || b.get(ob + 9) != PROTOCOL_TCP) return false;
    } else if (version == 6) {
      if (a.limit() - oa < 60 || b.limit() - ob < 60) return false;
      addressesAt = 8;
      addressBytes = 32;
      tcpA = oa + 40;
      tcpB = ob + 40;
      if (a.get(oa + 6) != PROTOCOL_TCP || b.get(ob + 6) != PROTOCOL_TCP) return false;
    } else {
      return false;
    }
    if (tcpA + 4 > a.limit() || tcpB + 4 > b.limit()) return false;
    if (int32(a, tcpA) != int32(b, tcpB)) return false; // both ports
    for (int k = 0; k < addressBytes; k += 4) {
      if (int32(a, oa + addressesAt + k) != int32(b, ob + addressesAt + k)) return false;
    }
    return true;
  }
}
