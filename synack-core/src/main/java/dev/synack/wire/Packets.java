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
      return (ip.version() == 4 ? "IP " : "IP6 ") + ip.source().getHostAddress() + '.' + segment.sourcePort()
          + " > " + ip.destination().getHostAddress() + '.' + segment.destinationPort() + ": "
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
  public static byte[] tcp(InetAddress source, InetAddress destination, int hopLimit, TcpSegment segment) {
    ByteBuffer out = ipPacket(source, destination, TcpCodec.PROTOCOL, hopLimit, TcpCodec.encodedLength(segment));
    TcpCodec.write(segment, source, destination, out);
    return out.array();
  }

  /**
   * Parses a whole IP packet carrying TCP, or returns the reason it is malformed: any IP or TCP
   * reason, {@code ip-not-tcp}, or {@code ip-fragment} (fragments are not reassembled). Never
   * throws for any bytes. The record's views share {@code ipPacket}'s bytes.
   */
  public static Parsed<TcpPacket> parseTcp(ByteBuffer ipPacket, boolean verifyChecksum) {
    return IpDatagram.parse(ipPacket).flatMap(ip -> parseTcp(ip, verifyChecksum));
  }

  /** Parses the TCP segment of a parsed datagram, as {@link #parseTcp(ByteBuffer, boolean)}. */
  public static Parsed<TcpPacket> parseTcp(IpDatagram ip, boolean verifyChecksum) {
    if (ip.protocol() != TcpCodec.PROTOCOL) return Parsed.malformed("ip-not-tcp");
    if (ip.fragment()) return Parsed.malformed("ip-fragment");
    return TcpCodec.parse(ip.payload(), ip.source(), ip.destination(), verifyChecksum)
        .map(segment -> new TcpPacket(ip, segment));
  }

  /**
   * Returns a new buffer of exactly the IP header plus {@code payloadLength}, the header written
   * and the position after it, for the caller to write the payload.
   */
  static ByteBuffer ipPacket(InetAddress source, InetAddress destination, int protocol, int hopLimit, int payloadLength) {
    if (source instanceof Inet4Address s4 && destination instanceof Inet4Address d4) {
      ByteBuffer out = ByteBuffer.allocate(Ipv4Packet.MIN_HEADER_LENGTH + payloadLength);
      Ipv4Packet.write(Ipv4Packet.Repr.of(s4, d4, protocol, hopLimit, payloadLength), out);
      return out;
    }
    if (source instanceof Inet6Address s6 && destination instanceof Inet6Address d6) {
      ByteBuffer out = ByteBuffer.allocate(Ipv6Packet.HEADER_LENGTH + payloadLength);
      Ipv6Packet.write(Ipv6Packet.Repr.of(s6, d6, protocol, hopLimit, payloadLength), out);
      return out;
    }
    throw new IllegalArgumentException("addresses of different families: " + source + " and " + destination);
  }
}
