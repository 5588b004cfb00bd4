package dev.synack.wire;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a TCP segment as a whole IP packet into a buffer the caller lends, and grows it, segment
 * by segment, into one GSO super-packet when the segments that follow make a run: what Linux's
 * {@code tcp_gso_segment} (and a network card's TSO) cuts back into exactly those segments. A run
 * is what those segments were already: same addresses, ports, ACK, window, options and ECN
 * codepoint, sequence numbers that follow on, every segment but the last exactly the first's
 * payload length (the segment size), and no flag but ACK before the last, which may add PSH and
 * FIN. The super-packet carries the first segment's headers with the total length, the last
 * segment's flags, and in the TCP checksum field the folded pseudo-header sum ({@code
 * CHECKSUM_PARTIAL}) for the device to complete per segment; a packet of one segment gets its whole
 * checksum. A segment whose payload is a run already ({@link OutboundSegment#segmentSize()} above
 * 0, a sender that keeps a run as one chunk) begins the packet with all the segments it holds.
 *
 * <p>One writer is reused for every packet: nothing is allocated per packet, and each payload byte
 * is copied once, from the sender's buffer into the lent one. Calling order: {@link #begin}, then
 * {@link #extend} while {@link #canExtend} and it returns true, then {@link #finish}.
 *
 * <p>IPv4 packets have DF set and identification 0 (RFC 6864 §4.1: atomic datagrams need no unique
 * ID), as {@link Packets#tcp(InetAddress, InetAddress, int, OutboundSegment)} writes them.
 */
public final class GsoPacket {
  /** The largest IP packet without jumbograms, and so the largest super-packet. */
  public static final int MAX_PACKET = 65_535;

  private static final int ACK = TcpFlags.ACK;
  private static final int PSH = TcpFlags.PSH;
  private static final int FIN = TcpFlags.FIN;

  /**
   * The header of the segment {@link #extend} is offered, written to be compared with the first's.
   */
  private final ByteBuffer candidate = ByteBuffer.allocate(60);

  /** The lent buffer, big-endian (a duplicate only when the caller's is little-endian). */
  private ByteBuffer out;

  private ByteBuffer lent;

  /**
   * Where the packet starts, where its TCP header starts, where the headers end, where it ends now.
   */
  private int start;

  private int tcp;
  private int headersEnd;
  private int end;

  /** Where the packet may end at most: the lent buffer's limit, or 64 KiB from its start. */
  private int maxEnd;

  private boolean ipv6;
  private int ecn;

  /** The first segment's payload length, the number of segments, and the flags of the last. */
  private int segmentSize;

  private int segments;
  private int lastFlags;
  private int lastPayload;

  /** Whether {@link #finish} left the TCP checksum partial, for the device to complete. */
  private boolean partial;

  /** The sequence number the next segment of the run must have. */
  private int nextSequence;

  /**
   * The addresses of the last packet, their bytes and their pseudo-header sum, kept while they stay
   * the same.
   */
  private InetAddress source;

  private InetAddress destination;
  private byte[] sourceBytes;
  private byte[] destinationBytes;
  private long addressSum;

  /**
   * Writes {@code segment} from {@code source} to {@code destination} as a whole IP packet at
   * {@code out}'s position, checksums left for {@link #finish}. The position is not moved until
   * then.
   *
   * @throws IllegalArgumentException if the packet does not fit in {@code out}'s remaining bytes,
   *     the addresses are of different families, or the options exceed 40 bytes
   */
  public void begin(
      ByteBuffer out,
      InetAddress source,
      InetAddress destination,
      int hopLimit,
      OutboundSegment segment) {
    setAddresses(source, destination);
    this.lent = out;
    this.out =
        out.order() == ByteOrder.BIG_ENDIAN ? out : out.duplicate().order(ByteOrder.BIG_ENDIAN);
    start = out.position();
    tcp = start + (ipv6 ? Ipv6Packet.HEADER_LENGTH : Ipv4Packet.MIN_HEADER_LENGTH);
    int length = tcp - start + segment.encodedLength();
    if (length > out.remaining()) {
      throw new IllegalArgumentException(
          "packet of " + length + " bytes, buffer has " + out.remaining());
    }
    writeIpHeader(hopLimit, segment.ecn());
    headersEnd = tcp + segment.writeHeader(this.out, tcp);
    segment.writePayload(this.out, headersEnd);
    int payload = segment.payloadLength();
    end = headersEnd + payload;
    maxEnd = Math.min(out.limit(), start + MAX_PACKET);
    ecn = segment.ecn();
    // A segment that is a run already (segmentSize(), from a sender that keeps runs whole) begins
    // the super-packet with all its segments.
    int size = segment.segmentSize();
    segmentSize = size > 0 && size < payload ? size : payload;
    segments = segmentSize == 0 ? 1 : Math.ceilDiv(payload, segmentSize);
    lastPayload = payload - (segments - 1) * segmentSize;
    lastFlags = segment.flags();
    nextSequence = segment.sequenceNumber() + payload;
  }

  /**
   * Returns whether a further segment may still join the packet, at most {@code maxSegments} in
   * all: the last one is a full segment that carries only ACK, and another full one fits.
   */
  public boolean canExtend(int maxSegments) {
    return segments < maxSegments
        && segmentSize > 0
        && lastFlags == ACK
        && lastPayload == segmentSize
        && end + segmentSize <= maxEnd;
  }

  /**
   * Appends {@code next}'s payload if it continues the run (see the class doc) and returns true;
   * returns false and writes nothing when it does not, and the caller sends it otherwise. Call only
   * when {@link #canExtend} said yes.
   */
  public boolean extend(OutboundSegment next) {
    int length = next.payloadLength();
    if (length == 0 || length > segmentSize || next.ecn() != ecn) return false;
    if ((next.flags() & ~(PSH | FIN)) != ACK || next.sequenceNumber() != nextSequence) return false;
    if (next.encodedLength() - length != headersEnd - tcp) return false;
    next.writeHeader(candidate, 0);
    for (int i = 0; i < headersEnd - tcp; i++) {
      // The sequence number, the flags and the checksum differ between segments of one run.
      if ((i >= 4 && i < 8) || i == 13 || i == 16 || i == 17) continue;
      if (candidate.get(i) != out.get(tcp + i)) return false;
    }
    next.writePayload(out, end);
    end += length;
    segments++;
    lastFlags = next.flags();
    lastPayload = length;
    nextSequence += length;
    return true;
  }

  /**
   * Completes the packet, its lengths, the last segment's flags and its checksums, moves the lent
   * buffer's position past it and returns its length.
   */
  public int finish() {
    return finish(false);
  }

  /**
   * Completes the packet as {@link #finish()} does; with {@code partialChecksum} a packet of one
   * segment that carries data gets the partial checksum of a super-packet too, for a device that
   * completes checksums (Linux's {@code NETIF_F_HW_CSUM}: the kernel never sums what such a device
   * sends), and {@link #segmentSize()} then says its payload length.
   */
  public int finish(boolean partialChecksum) {
    partial = segments > 1 || (partialChecksum && segmentSize > 0);
    int length = end - start;
    int tcpLength = end - tcp;
    if (ipv6) {
      out.putShort(start + 4, (short) tcpLength);
    } else {
      out.putShort(start + 2, (short) length);
      out.putShort(start + 10, (short) 0);
      out.putShort(start + 10, (short) Checksum.compute(out, start, Ipv4Packet.MIN_HEADER_LENGTH));
    }
    out.put(tcp + 13, (byte) lastFlags);
    long pseudo = addressSum + TcpCodec.PROTOCOL + (tcpLength & 0xffff) + (tcpLength >>> 16);
    out.putShort(tcp + 16, (short) 0);
    if (!partial) {
      out.putShort(tcp + 16, (short) Checksum.finish(pseudo + Checksum.sum(out, tcp, tcpLength)));
    } else {
      // CHECKSUM_PARTIAL: the folded pseudo-header sum, uncomplemented (Linux's
      // __tcp_v4_send_check).
      out.putShort(tcp + 16, (short) Checksum.fold(pseudo));
    }
    lent.position(end);
    out = null;
    lent = null;
    return length;
  }

  /**
   * Returns the payload length of each segment but the last when the checksum is left partial (a
   * super-packet, or one segment finished with a partial checksum), or 0 for a whole packet.
   */
  public int segmentSize() {
    return partial ? segmentSize : 0;
  }

  /** Returns how many segments the packet holds. */
  public int segments() {
    return segments;
  }

  /** Returns the ECN codepoint of the packet's IP header. */
  public int ecn() {
    return ecn;
  }

  /**
   * Cuts a super-packet into the segments it holds, as Linux's {@code tcp_gso_segment} does in
   * software for a device without TSO: each with the headers, its sequence number, ACK only but for
   * the last (which keeps PSH and FIN), its lengths and whole checksums. The packet is read from
   * {@code packet}'s position to its limit; a {@code segmentSize} of 0, or a packet that is not a
   * TCP packet this class writes, comes back whole as one copy.
   */
  public static List<byte[]> segment(ByteBuffer packet, int segmentSize) {
    ByteBuffer p = packet.slice().order(ByteOrder.BIG_ENDIAN);
    int length = p.remaining();
    int version = length > 0 ? (p.get(0) & 0xff) >>> 4 : 0;
    int ipHeader = version == 6 ? Ipv6Packet.HEADER_LENGTH : Ipv4Packet.MIN_HEADER_LENGTH;
    List<byte[]> segments = new ArrayList<>();
    if (segmentSize <= 0
        || (version != 4 && version != 6)
        || length < ipHeader + TcpHeader.MIN_HEADER_LENGTH) {
      byte[] whole = new byte[length];
      p.get(0, whole);
      segments.add(whole);
      return segments;
    }
    int headers = ipHeader + ((p.get(ipHeader + 12) & 0xff) >>> 4) * 4;
    int flags = p.get(ipHeader + 13) & 0xff;
    int sequence = p.getInt(ipHeader + 4);
    long addresses = version == 6 ? Checksum.sum(p, 8, 32) : Checksum.sum(p, 12, 8);
    for (int at = headers; at < length; at += segmentSize) {
      int payload = Math.min(segmentSize, length - at);
      boolean last = at + payload == length;
      ByteBuffer s = ByteBuffer.allocate(headers + payload);
      s.put(0, p, 0, headers).put(headers, p, at, payload);
      int tcpLength = headers - ipHeader + payload;
      if (version == 6) {
        s.putShort(4, (short) tcpLength);
      } else {
        s.putShort(2, (short) s.capacity());
        s.putShort(10, (short) 0);
        s.putShort(10, (short) Checksum.compute(s, 0, Ipv4Packet.MIN_HEADER_LENGTH));
      }
      s.putInt(ipHeader + 4, sequence + (at - headers));
      s.put(ipHeader + 13, (byte) (last ? flags : flags & ~(PSH | FIN)));
      s.putShort(ipHeader + 16, (short) 0);
      long pseudo = addresses + TcpCodec.PROTOCOL + tcpLength;
      s.putShort(
          ipHeader + 16, (short) Checksum.finish(pseudo + Checksum.sum(s, ipHeader, tcpLength)));
      segments.add(s.array());
    }
    return segments;
  }

  /**
   * Completes the TCP checksum of a whole packet of one segment that {@link #finish(boolean)} left
   * partial, in place: what a device with checksum offload does as the packet leaves (Linux's
   * {@code CHECKSUM_PARTIAL}, completed by {@code skb_checksum_help} or the NIC). The field holds
   * the folded pseudo-header sum, so the checksum is the complement of the sum of the TCP header
   * and payload as they stand (RFC 1071 §4.1: a sum over data that includes its own checksum
   * field). The packet is {@code packet}'s bytes from 0 to its length, IPv4 with its IHL or IPv6
   * with TCP as the next header; anything else is left unchanged and false returned.
   */
  public static boolean completeChecksum(byte[] packet) {
    if (packet.length < Ipv4Packet.MIN_HEADER_LENGTH) return false;
    int version = (packet[0] & 0xff) >>> 4;
    int tcp;
    if (version == 4) {
      if (packet[9] != TcpCodec.PROTOCOL) return false;
      tcp = (packet[0] & 0x0f) * 4;
    } else if (version == 6 && packet.length >= Ipv6Packet.HEADER_LENGTH) {
      if (packet[6] != TcpCodec.PROTOCOL) return false;
      tcp = Ipv6Packet.HEADER_LENGTH;
    } else {
      return false;
    }
    if (packet.length < tcp + TcpHeader.MIN_HEADER_LENGTH) return false;
    int checksum = Checksum.finish(Checksum.sum(packet, tcp, packet.length - tcp));
    packet[tcp + 16] = (byte) (checksum >>> 8);
    packet[tcp + 17] = (byte) checksum;
    return true;
  }

  @SuppressWarnings("ReferenceEquality") // the same instances: a connection's own, every packet
  private void setAddresses(InetAddress newSource, InetAddress newDestination) {
    if (newSource == source && newDestination == destination) return;
    if (newSource.equals(source) && newDestination.equals(destination)) return;
    boolean v4 = newSource instanceof Inet4Address && newDestination instanceof Inet4Address;
    if (!v4 && !(newSource instanceof Inet6Address && newDestination instanceof Inet6Address)) {
      throw new IllegalArgumentException(
          "addresses of different families: " + newSource + " and " + newDestination);
    }
    ipv6 = !v4;
    sourceBytes = newSource.getAddress();
    destinationBytes = newDestination.getAddress();
    addressSum = Checksum.sum(sourceBytes) + Checksum.sum(destinationBytes);
    source = newSource;
    destination = newDestination;
  }

  /** Writes the IP header with a length of one segment, fixed by {@link #finish}. */
  private void writeIpHeader(int hopLimit, int codepoint) {
    if (ipv6) {
      out.putInt(start, 6 << 28 | codepoint << 20);
      out.putShort(start + 6, (short) (TcpCodec.PROTOCOL << 8 | hopLimit));
      out.put(start + 8, sourceBytes).put(start + 24, destinationBytes);
    } else {
      out.putInt(start, 0x45 << 24 | codepoint << 16);
      out.putInt(start + 4, 0x4000); // identification 0, DF, offset 0
      out.putShort(start + 8, (short) (hopLimit << 8 | TcpCodec.PROTOCOL));
      out.put(start + 12, sourceBytes).put(start + 16, destinationBytes);
    }
  }
}
