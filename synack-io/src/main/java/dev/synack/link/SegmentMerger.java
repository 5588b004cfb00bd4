package dev.synack.link;

import dev.synack.wire.Checksum;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * Merges runs of consecutive full-sized TCP segments of one connection, as a stack sends them in a
 * burst, into one packet of up to 64 KiB that the kernel cuts back into those segments (GSO, the
 * software form of a network card's TCP segmentation offload): one {@code write(2)} for a run
 * instead of one per segment. The kernel makes each segment from the merged packet's headers, its
 * sequence number advanced, PSH and FIN kept for the last (Linux's {@code tcp_gso_segment}), so a
 * run is only what those segments were already: same addresses, ports, ACK, window and options,
 * sequence numbers that follow on, every segment but the last exactly {@code gso_size} bytes, and
 * no flag but ACK before the last.
 *
 * <p>Packets are whole IPv4 packets without IP options, or IPv6 packets without extension headers,
 * in big-endian buffers from their position; anything else is left alone (a run of one).
 */
final class SegmentMerger {
  private static final int ACK = 0x10;
  private static final int PSH = 0x08;
  private static final int FIN = 0x01;
  private static final int MAX_IP_PACKET = 65_535;

  private SegmentMerger() {}

  /**
   * Returns how many packets from {@code packets[from]} on, at most {@code count}, make one run
   * that may leave as one packet: 1 when the first must go alone.
   */
  static int run(ByteBuffer[] packets, int from, int count) {
    ByteBuffer first = packets[from];
    int tcp = tcpStart(first);
    if (tcp < 0 || flags(first, tcp) != ACK) return 1;
    int segmentSize = payloadLength(first, tcp);
    if (segmentSize == 0) return 1;
    int headers = tcp + tcpHeaderLength(first, tcp);
    int total = headers + segmentSize;
    int n = 1;
    ByteBuffer prev = first;
    while (n < count) {
      ByteBuffer next = packets[from + n];
      if (tcpStart(next) != tcp || !sameHeaders(first, next, tcp, headers)) break;
      int length = payloadLength(next, tcp);
      if (length == 0 || length > segmentSize || total + length > MAX_IP_PACKET) break;
      if (sequence(next, tcp) != sequence(prev, tcp) + payloadLength(prev, tcp)) break;
      int nextFlags = flags(next, tcp);
      if ((nextFlags & ~(PSH | FIN)) != ACK) break;
      n++;
      total += length;
      prev = next;
      // The segments before the last must be full and carry nothing but ACK.
      if (length < segmentSize || nextFlags != ACK) break;
    }
    return n;
  }

  /**
   * Writes the run {@code packets[from, from + n)} into {@code out} as one packet: the first's
   * headers with the total length, PSH and FIN of the last, and in the TCP checksum field the
   * pseudo-header's sum for the kernel to complete; fills {@code vnetHeader} to have it cut.
   * Returns the packet's length. The run must come from {@link #run} with {@code n > 1}.
   */
  static int merge(
      ByteBuffer[] packets, int from, int n, MemorySegment out, MemorySegment vnetHeader) {
    ByteBuffer first = packets[from];
    int tcp = tcpStart(first);
    int headers = tcp + tcpHeaderLength(first, tcp);
    int segmentSize = payloadLength(first, tcp);
    MemorySegment.copy(MemorySegment.ofBuffer(first), 0, out, 0, headers);
    int at = headers;
    for (int i = from; i < from + n; i++) {
      ByteBuffer p = packets[i];
      int length = payloadLength(p, tcp);
      MemorySegment.copy(MemorySegment.ofBuffer(p), headers, out, at, length);
      at += length;
    }
    ByteBuffer merged = out.asSlice(0, at).asByteBuffer(); // big-endian
    boolean ipv6 = version(first) == 6;
    if (ipv6) {
      merged.putShort(4, (short) (at - 40));
    } else {
      merged.putShort(2, (short) at);
      merged.putShort(10, (short) 0);
      merged.putShort(10, (short) Checksum.compute(merged, 0, tcp));
    }
    int lastFlags = flags(packets[from + n - 1], tcp);
    merged.put(tcp + 13, (byte) (ACK | (lastFlags & (PSH | FIN))));
    // CHECKSUM_PARTIAL: the folded pseudo-header sum, uncomplemented (Linux's __tcp_v4_send_check).
    merged.putShort(tcp + 16, (short) Checksum.fold(pseudoHeaderSum(merged, ipv6, at - tcp)));
    VirtioNetHeader.writeTcpSegmentation(vnetHeader, ipv6, headers, segmentSize, tcp);
    return at;
  }

  /**
   * Returns the sum of the TCP pseudo-header (RFC 9293 §3.1, RFC 8200 §8.1) from the packet's own
   * addresses.
   */
  private static long pseudoHeaderSum(ByteBuffer packet, boolean ipv6, int tcpLength) {
    long addresses = ipv6 ? Checksum.sum(packet, 8, 32) : Checksum.sum(packet, 12, 8);
    return addresses + 6 + (tcpLength & 0xffff) + (tcpLength >>> 16);
  }

  /**
   * Returns where the TCP header starts, or -1 when the packet is not plain TCP this class can
   * merge.
   */
  private static int tcpStart(ByteBuffer p) {
    int length = p.remaining();
    if (length < 1) return -1;
    int version = version(p);
    int tcp;
    if (version == 4) {
      if (length < 40 || (p.get(p.position()) & 0x0f) != 5 || (p.get(p.position() + 9) & 0xff) != 6)
        return -1;
      if ((p.getShort(p.position() + 6) & 0x3fff) != 0)
        return -1; // a fragment: more fragments, or an offset
      if ((p.getShort(p.position() + 2) & 0xffff) != length) return -1;
      tcp = 20;
    } else if (version == 6) {
      if (length < 60 || (p.get(p.position() + 6) & 0xff) != 6) return -1;
      if ((p.getShort(p.position() + 4) & 0xffff) != length - 40) return -1;
      tcp = 40;
    } else {
      return -1;
    }
    int tcpHeader = tcpHeaderLength(p, tcp);
    return tcpHeader < 20 || tcp + tcpHeader > length ? -1 : tcp;
  }

  /**
   * Returns whether two packets' headers are the same but for what differs between segments of one
   * burst.
   */
  private static boolean sameHeaders(ByteBuffer a, ByteBuffer b, int tcp, int headers) {
    if (headers != tcp + tcpHeaderLength(b, tcp)) return false;
    int pa = a.position();
    int pb = b.position();
    for (int i = 0; i < headers; i++) {
      if (varies(i, tcp)) continue;
      if (a.get(pa + i) != b.get(pb + i)) return false;
    }
    return true;
  }

  /**
   * Returns whether header byte {@code i} may differ between segments of one run: the IP length,
   * IPv4 identification and header checksum; the TCP sequence number, flags and checksum.
   */
  private static boolean varies(int i, int tcp) {
    if (i < tcp) {
      return tcp == 20 ? (i >= 2 && i < 6) || i == 10 || i == 11 : i == 4 || i == 5;
    }
    int t = i - tcp;
    return (t >= 4 && t < 8) || t == 13 || t == 16 || t == 17;
  }

  private static int version(ByteBuffer p) {
    return (p.get(p.position()) & 0xff) >>> 4;
  }

  private static int tcpHeaderLength(ByteBuffer p, int tcp) {
    return ((p.get(p.position() + tcp + 12) & 0xff) >>> 4) * 4;
  }

  private static int flags(ByteBuffer p, int tcp) {
    return p.get(p.position() + tcp + 13) & 0xff;
  }

  private static int sequence(ByteBuffer p, int tcp) {
    return p.getInt(p.position() + tcp + 4);
  }

  private static int payloadLength(ByteBuffer p, int tcp) {
    return p.remaining() - tcp - tcpHeaderLength(p, tcp);
  }
}
