package dev.synack.wire;

import java.net.InetAddress;
import java.nio.ByteBuffer;

/**
 * A UDP datagram (RFC 768): ports and payload, parsed from an IP datagram's payload or written into
 * a new IP packet with its checksum.
 *
 * @param sourcePort the source port (0 when the sender expects no reply, RFC 768)
 * @param destinationPort the destination port
 * @param payload the data, a read-only view at position 0 that shares the packet's bytes
 */
public record UdpPacket(int sourcePort, int destinationPort, ByteBuffer payload) {
  /** The IP protocol number of UDP. */
  public static final int PROTOCOL = 17;

  /** The length of the UDP header. */
  public static final int HEADER_LENGTH = 8;

  /**
   * The largest payload a UDP datagram carries: 65535 less the IPv4 and UDP headers (IPv6
   * jumbograms aside).
   */
  public static final int MAX_PAYLOAD = 65535 - 20 - HEADER_LENGTH;

  public UdpPacket {
    if ((sourcePort & ~0xffff) != 0 || (destinationPort & ~0xffff) != 0) {
      throw new IllegalArgumentException(
          "port out of range 0..65535: " + sourcePort + ", " + destinationPort);
    }
    payload = payload.asReadOnlyBuffer().slice();
  }

  /**
   * Parses the UDP datagram in {@code ip}'s payload, or returns why it is malformed: {@code
   * udp-truncated} (shorter than its header), {@code udp-bad-length} (the length field is below 8
   * or beyond the bytes there are), {@code udp-zero-checksum-ipv6} (RFC 8200 §8.1: over IPv6 the
   * checksum is mandatory, a zero one is discarded), {@code udp-bad-checksum}. Over IPv4 a zero
   * checksum means none was computed (RFC 768) and is accepted. Bytes beyond the length field are
   * ignored, as Linux trims them. Never throws for any bytes.
   *
   * @param verifyChecksum false when the link vouched for the checksum
   */
  public static Parsed<UdpPacket> parse(IpDatagram ip, boolean verifyChecksum) {
    ByteBuffer udp = ip.payload();
    int available = udp.remaining();
    if (available < HEADER_LENGTH) return Parsed.malformed(MalformedReason.UDP_TRUNCATED);
    int at = udp.position();
    int length = Bytes.u16(udp, at + 4);
    if (length < HEADER_LENGTH || length > available)
      return Parsed.malformed(MalformedReason.UDP_BAD_LENGTH);
    int checksum = Bytes.u16(udp, at + 6);
    if (checksum == 0 && ip.version() == 6)
      return Parsed.malformed(MalformedReason.UDP_ZERO_CHECKSUM_IPV6);
    if (verifyChecksum && checksum != 0) {
      long sum =
          Checksum.pseudoHeaderSum(ip.source(), ip.destination(), PROTOCOL, length)
              + Checksum.sum(udp, at, length);
      if (!Checksum.verifies(sum)) return Parsed.malformed(MalformedReason.UDP_BAD_CHECKSUM);
    }
    return Parsed.ok(
        new UdpPacket(
            Bytes.u16(udp, at),
            Bytes.u16(udp, at + 2),
            udp.slice(at + HEADER_LENGTH, length - HEADER_LENGTH)));
  }

  /**
   * Returns a whole IPv4 or IPv6 packet (by the addresses' family) carrying a datagram from {@code
   * sourcePort} to {@code destinationPort} with the bytes of {@code payload} from its position to
   * its limit (the position is not moved), every checksum computed; a computed UDP checksum of zero
   * is sent as all ones (RFC 768).
   *
   * @throws IllegalArgumentException if the payload exceeds {@link #MAX_PAYLOAD} or the addresses
   *     are of different families
   */
  public static byte[] packet(
      InetAddress source,
      int sourcePort,
      InetAddress destination,
      int destinationPort,
      int hopLimit,
      ByteBuffer payload) {
    int n = payload.remaining();
    if (n > MAX_PAYLOAD)
      throw new IllegalArgumentException("UDP payload too large: " + n + " > " + MAX_PAYLOAD);
    ByteBuffer out = Packets.ipPacket(source, destination, PROTOCOL, hopLimit, HEADER_LENGTH + n);
    int at = out.position();
    out.putShort((short) sourcePort)
        .putShort((short) destinationPort)
        .putShort((short) (HEADER_LENGTH + n))
        .putShort((short) 0);
    out.put(payload.duplicate());
    long sum =
        Checksum.pseudoHeaderSum(source, destination, PROTOCOL, HEADER_LENGTH + n)
            + Checksum.sum(out, at, HEADER_LENGTH + n);
    int checksum = Checksum.finish(sum);
    out.putShort(at + 6, (short) (checksum == 0 ? 0xffff : checksum));
    return out.array();
  }

  /** Returns one tcpdump-like line: {@code UDP 53 > 40000, length 12}. */
  @Override
  public String toString() {
    return "UDP " + sourcePort + " > " + destinationPort + ", length " + payload.remaining();
  }
}
