package dev.synack.wire;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;

/** Builds and parses whole IP packets carrying TCP or ICMP, every checksum included. */
public final class Packets {
  private Packets() {}

  /** A TCP segment and the IP datagram that carried it. */
  public record TcpPacket(IpDatagram ip, TcpSegment segment) {
    /** Returns one tcpdump-like line: {@code IP 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], ...}. */
    @Override
    public String toString() {
      return (ip.version() == 4 ? "IP " : "IP6 ")
          + Addresses.text(ip.source())
          + '.'
          + segment.sourcePort()
          + " > "
          + Addresses.text(ip.destination())
          + '.'
          + segment.destinationPort()
          + ": "
          + segment.toString().substring(segment.toString().indexOf(": ") + 2);
    }
  }

  /**
   * Returns a whole IPv4 or IPv6 packet (by the addresses' family) carrying {@code segment}, with
   * the IP header checksum (IPv4) and the TCP checksum computed. IPv4 packets have DF set.
   *
   * @throws IllegalArgumentException if the addresses are of different families, the hop limit is
   *     outside 0..255, or the options exceed 40 bytes
   */
  public static byte[] tcp(
      InetAddress source, InetAddress destination, int hopLimit, TcpSegment segment) {
    return tcp(source, destination, hopLimit, new OutboundSegment().set(segment));
  }

  /**
   * Returns a whole IP packet carrying {@code segment}, as {@link #tcp(InetAddress, InetAddress,
   * int, TcpSegment)}: the payload is copied once, from the sender's buffer into the packet.
   */
  public static byte[] tcp(
      InetAddress source, InetAddress destination, int hopLimit, OutboundSegment segment) {
    ByteBuffer out =
        ipPacket(
            source,
            destination,
            TcpCodec.PROTOCOL,
            hopLimit,
            segment.encodedLength(),
            segment.ecn());
    TcpCodec.write(segment, source, destination, out);
    return out.array();
  }

  /**
   * Parses a whole IP packet carrying TCP, or returns the reason it is malformed: any IP or TCP
   * reason, {@code ip-not-tcp}, or {@code ip-fragment} (fragments are not reassembled). Never
   * throws for any bytes. The record's views share {@code ipPacket}'s bytes.
   */
  public static Parsed<TcpPacket> parseTcp(ByteBuffer ipPacket, boolean verifyChecksum) {
    return IpDatagram.parse(ipPacket)
        .flatMap(
            ip -> {
              if (!verifyChecksum || ip.protocol() != TcpCodec.PROTOCOL || ip.fragment())
                return parseTcp(ip, verifyChecksum);
              // The checksum is summed over the caller's buffer, which may be a writable array the
              // sum reads
              // directly; the parsed views are read-only. The segment runs to the end of the
              // datagram.
              int at = ipPacket.position() + ip.packet().remaining() - ip.payload().remaining();
              return TcpCodec.parse(ip.payload(), ipPacket, at, ip.source(), ip.destination())
                  .map(segment -> new TcpPacket(ip, segment));
            });
  }

  /** Parses the TCP segment of a parsed datagram, as {@link #parseTcp(ByteBuffer, boolean)}. */
  public static Parsed<TcpPacket> parseTcp(IpDatagram ip, boolean verifyChecksum) {
    if (ip.protocol() != TcpCodec.PROTOCOL) return Parsed.malformed(MalformedReason.IP_NOT_TCP);
    if (ip.fragment()) return Parsed.malformed(MalformedReason.IP_FRAGMENT);
    return TcpCodec.parse(ip.payload(), ip.source(), ip.destination(), verifyChecksum)
        .map(segment -> new TcpPacket(ip, segment));
  }

  /** The hop limit of ICMP messages this stack originates, Linux's default TTL (ip_default_ttl). */
  public static final int ICMP_HOP_LIMIT = 64;

  /** RFC 1812 §4.3.2.3: an ICMPv4 error holds as much of the original as fits in 576 bytes. */
  private static final int ICMP4_ERROR_MAX = 576;

  /** RFC 4443 §2.4(c): an ICMPv6 error must not exceed the minimum IPv6 MTU, 1280 bytes. */
  private static final int ICMP6_ERROR_MAX = 1280;

  /**
   * Returns a whole IPv4 packet carrying ICMPv4, or an IPv6 packet carrying ICMPv6, by the
   * addresses' family, every checksum included.
   *
   * @throws IllegalArgumentException if the addresses are of different families or the message
   *     cannot be carried by that version
   */
  public static byte[] icmp(
      InetAddress source, InetAddress destination, int hopLimit, IcmpMessage message) {
    int version = source instanceof Inet4Address ? 4 : 6;
    int protocol = version == 4 ? IcmpCodec.PROTOCOL_V4 : IcmpCodec.PROTOCOL_V6;
    ByteBuffer out =
        ipPacket(source, destination, protocol, hopLimit, IcmpCodec.encodedLength(message));
    IcmpCodec.write(message, version, source, destination, out);
    return out.array();
  }

  /**
   * Returns the echo reply to {@code request} (RFC 792, RFC 4443 §4.2: same identifier, sequence
   * number and data, addresses swapped), or {@code null} when the datagram is not a well-formed
   * echo request with a valid checksum.
   */
  public static byte[] icmpEchoReply(IpDatagram request) {
    if (!(IcmpCodec.parse(request, true)
        instanceof Parsed.Ok<IcmpMessage>(IcmpMessage.EchoRequest echo))) return null;
    if (request.destination().isMulticastAddress()) return null;
    return icmp(
        /* source= */ request.destination(),
        /* destination= */ request.source(),
        ICMP_HOP_LIMIT,
        new IcmpMessage.EchoReply(echo.identifier(), echo.sequenceNumber(), echo.data()));
  }

  /**
   * Returns a port-unreachable error for {@code offending} (ICMPv4 type 3 code 3, ICMPv6 type 1
   * code 4), sent back to its source and quoting as much of it as the error may hold; or {@code
   * null} when no error may be sent: for an ICMP error, a fragment other than the first, or a
   * multicast, broadcast or unspecified address (RFC 1122 §3.2.2, RFC 4443 §2.4(e)).
   */
  public static byte[] icmpPortUnreachable(IpDatagram offending) {
    if (!mayAnswerWithError(offending)) return null;
    int code = offending.version() == 4 ? 3 : 4;
    return icmpError(offending, new IcmpMessage.DestinationUnreachable(code, 0, quote(offending)));
  }

  /**
   * Returns a destination-unreachable error of {@code code} for {@code offending} (ICMPv4 type 3,
   * ICMPv6 type 1), from {@code source} (the router or host that reports it) back to the offending
   * datagram's source, quoting as much of it as fits; or {@code null} when no error may be sent
   * about it (as {@link #icmpPortUnreachable}).
   */
  public static byte[] icmpUnreachable(IpDatagram offending, InetAddress source, int code) {
    if (!mayAnswerWithError(offending)) return null;
    return icmp(
        source,
        offending.source(),
        ICMP_HOP_LIMIT,
        new IcmpMessage.DestinationUnreachable(code, 0, quote(offending)));
  }

  /** Returns the IP packet carrying {@code error} back to {@code offending}'s source. */
  private static byte[] icmpError(IpDatagram offending, IcmpMessage error) {
    return icmp(
        /* source= */ offending.destination(),
        /* destination= */ offending.source(),
        ICMP_HOP_LIMIT,
        error);
  }

  /**
   * Returns the start of {@code offending} that fits in an error message of the version's limit.
   */
  private static ByteBuffer quote(IpDatagram offending) {
    int headers =
        (offending.version() == 4 ? Ipv4Packet.MIN_HEADER_LENGTH : Ipv6Packet.HEADER_LENGTH)
            + IcmpPacket.HEADER_LENGTH;
    int max = (offending.version() == 4 ? ICMP4_ERROR_MAX : ICMP6_ERROR_MAX) - headers;
    ByteBuffer packet = offending.packet();
    return packet.slice(0, Math.min(max, packet.remaining()));
  }

  private static boolean mayAnswerWithError(IpDatagram offending) {
    InetAddress src = offending.source();
    InetAddress dst = offending.destination();
    if (src.isAnyLocalAddress() || src.isMulticastAddress() || dst.isMulticastAddress())
      return false;
    if (dst instanceof Inet4Address && isLimitedBroadcast(dst.getAddress())) return false;
    if (offending.header() instanceof Ipv4Packet.Repr r && r.fragmentOffset() != 0) return false;
    if (offending.fragment() && offending.header() instanceof Ipv6Packet.Repr) {
      // The first fragment's offset is not in the fixed header; parse it again to find it.
      if (Ipv6Packet.wrap(offending.packet()).value().fragmentOffset() != 0) return false;
    }
    boolean icmp =
        offending.protocol()
            == (offending.version() == 4 ? IcmpCodec.PROTOCOL_V4 : IcmpCodec.PROTOCOL_V6);
    if (icmp && !offending.fragment()) {
      Parsed<IcmpMessage> m = IcmpCodec.parse(offending, false);
      if (!m.isOk() || m.value().isError()) return false;
    }
    return true;
  }

  private static boolean isLimitedBroadcast(byte[] a) {
    return (a[0] & a[1] & a[2] & a[3]) == (byte) 0xff;
  }

  /**
   * Returns a new buffer of exactly the IP header plus {@code payloadLength}, the header written
   * and the position after it, for the caller to write the payload.
   */
  static ByteBuffer ipPacket(
      InetAddress source, InetAddress destination, int protocol, int hopLimit, int payloadLength) {
    return ipPacket(source, destination, protocol, hopLimit, payloadLength, Ecn.NOT_ECT);
  }

  /**
   * As {@link #ipPacket(InetAddress, InetAddress, int, int, int)}, with the ECN codepoint {@code
   * ecn} (RFC 3168 §5).
   */
  static ByteBuffer ipPacket(
      InetAddress source,
      InetAddress destination,
      int protocol,
      int hopLimit,
      int payloadLength,
      int ecn) {
    if (source instanceof Inet4Address s4 && destination instanceof Inet4Address d4) {
      ByteBuffer out = ByteBuffer.allocate(Ipv4Packet.MIN_HEADER_LENGTH + payloadLength);
      Ipv4Packet.write(
          new Ipv4Packet.Repr(0, ecn, 0, true, false, 0, hopLimit, protocol, s4, d4, payloadLength),
          out);
      return out;
    }
    if (source instanceof Inet6Address s6 && destination instanceof Inet6Address d6) {
      ByteBuffer out = ByteBuffer.allocate(Ipv6Packet.HEADER_LENGTH + payloadLength);
      Ipv6Packet.write(new Ipv6Packet.Repr(ecn, 0, protocol, hopLimit, s6, d6, payloadLength), out);
      return out;
    }
    throw new IllegalArgumentException(
        "addresses of different families: " + source + " and " + destination);
  }
}
