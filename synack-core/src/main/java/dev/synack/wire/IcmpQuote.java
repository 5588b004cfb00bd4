package dev.synack.wire;

import java.net.InetAddress;
import java.nio.ByteBuffer;

/**
 * The start of the datagram an ICMP error quotes (RFC 792: "Internet Header + 64 bits of Original
 * Data Datagram"; RFC 4443 §3: "as much of invoking packet as possible"): who sent it to whom, its
 * upper-layer protocol, and the first bytes of that protocol's header. For TCP those eight bytes
 * hold the ports and the sequence number, all a stack needs to find the connection the error is
 * about and to check that it is about data in flight (RFC 5927 §4.1).
 *
 * @param version 4 or 6
 * @param source the quoted datagram's source: our own address when we sent it
 * @param destination the quoted datagram's destination
 * @param protocol its upper-layer protocol (6 for TCP), after any IPv6 extension headers
 * @param transport the quoted upper-layer bytes, at least {@link #MIN_TRANSPORT_BYTES}, a read-only
 *     view at position 0
 */
public record IcmpQuote(
    int version, InetAddress source, InetAddress destination, int protocol, ByteBuffer transport) {
  /** The upper-layer bytes every ICMP error carries at least (RFC 792, RFC 1812 §4.3.2.3). */
  public static final int MIN_TRANSPORT_BYTES = 8;

  private static final int IPV4_PROTOCOL = 9;
  private static final int IPV4_FLAGS_FRAGMENT_OFFSET = 6;
  private static final int IPV4_SOURCE = 12;
  private static final int IPV4_DESTINATION = 16;

  /**
   * Parses the quoted datagram at the start of {@code original} (an error's body, IP header first),
   * or returns why it cannot be used: {@code icmp-quote-truncated} (too short for the IP header and
   * eight upper-layer bytes), {@code icmp-quote-bad-version}, or {@code icmp-quote-fragment} (a
   * fragment other than the first, which quotes no upper-layer header). No length field of the
   * quote has to match the bytes there are, since the quote is cut short by design, and the quoted
   * IPv4 header checksum is not verified, as Linux does not. Never throws for any bytes.
   */
  public static Parsed<IcmpQuote> parse(ByteBuffer original) {
    ByteBuffer buf = original.slice();
    if (!buf.hasRemaining()) return Parsed.malformed(MalformedReason.ICMP_QUOTE_TRUNCATED);
    return switch (Bytes.u8(buf, 0) >>> 4) {
      case 4 -> parse4(buf);
      case 6 -> parse6(buf);
      default -> Parsed.malformed(MalformedReason.ICMP_QUOTE_BAD_VERSION);
    };
  }

  private static Parsed<IcmpQuote> parse4(ByteBuffer buf) {
    if (buf.limit() < Ipv4Packet.MIN_HEADER_LENGTH)
      return Parsed.malformed(MalformedReason.ICMP_QUOTE_TRUNCATED);
    int headerLength = (Bytes.u8(buf, 0) & 0xf) * 4;
    if (headerLength < Ipv4Packet.MIN_HEADER_LENGTH)
      return Parsed.malformed(MalformedReason.ICMP_QUOTE_TRUNCATED);
    if ((Bytes.u16(buf, IPV4_FLAGS_FRAGMENT_OFFSET) & 0x1fff) != 0)
      return Parsed.malformed(MalformedReason.ICMP_QUOTE_FRAGMENT);
    if (buf.limit() < headerLength + MIN_TRANSPORT_BYTES)
      return Parsed.malformed(MalformedReason.ICMP_QUOTE_TRUNCATED);
    return Parsed.ok(
        new IcmpQuote(
            4,
            Bytes.address4(buf, IPV4_SOURCE),
            Bytes.address4(buf, IPV4_DESTINATION),
            Bytes.u8(buf, IPV4_PROTOCOL),
            Bytes.slice(buf, headerLength, buf.limit() - headerLength)));
  }

  private static Parsed<IcmpQuote> parse6(ByteBuffer buf) {
    Parsed<Ipv6Packet> wrapped = Ipv6Packet.wrapQuoted(buf);
    if (!(wrapped instanceof Parsed.Ok<Ipv6Packet>(Ipv6Packet p)))
      return Parsed.malformed(MalformedReason.ICMP_QUOTE_TRUNCATED);
    if (p.fragmentOffset() != 0) return Parsed.malformed(MalformedReason.ICMP_QUOTE_FRAGMENT);
    ByteBuffer transport = p.upperLayerPayload();
    if (transport.remaining() < MIN_TRANSPORT_BYTES)
      return Parsed.malformed(MalformedReason.ICMP_QUOTE_TRUNCATED);
    return Parsed.ok(
        new IcmpQuote(6, p.source(), p.destination(), p.upperLayerProtocol(), transport));
  }

  /** Returns the quoted source port (TCP and UDP: bytes 0-1 of the upper-layer header). */
  public int sourcePort() {
    return Bytes.u16(transport, 0);
  }

  /** Returns the quoted destination port (TCP and UDP: bytes 2-3). */
  public int destinationPort() {
    return Bytes.u16(transport, 2);
  }

  /**
   * Returns the quoted TCP sequence number (bytes 4-7), SEG.SEQ of the segment the error is about.
   */
  public int tcpSequenceNumber() {
    return transport.getInt(4);
  }
}
