package dev.synack.wire;

import java.net.InetAddress;
import java.nio.ByteBuffer;

/**
 * An IP datagram of either version, reduced to what the layers above need: who sent it to whom,
 * which upper-layer protocol it carries, and those bytes.
 *
 * @param version 4 or 6
 * @param source the source address ({@code Inet4Address} or {@code Inet6Address})
 * @param destination the destination address, of the same family
 * @param protocol the upper-layer protocol: IPv4's protocol field, or the IPv6 next header after
 *     the extension headers (6 TCP, 1 ICMP, 58 ICMPv6)
 * @param hopLimit IPv4's time to live or IPv6's hop limit
 * @param payload the upper-layer bytes, a read-only view into the packet, position 0
 * @param fragment whether the datagram is a fragment; its payload is then not a whole upper-layer
 *     packet
 * @param header the version's parsed header
 * @param packet the whole datagram, a read-only view trimmed to its length, for quoting in ICMP
 */
public record IpDatagram(
    int version,
    InetAddress source,
    InetAddress destination,
    int protocol,
    int hopLimit,
    ByteBuffer payload,
    boolean fragment,
    IpHeader header,
    ByteBuffer packet) {

  /**
   * Parses the datagram in {@code packet}'s remaining bytes by the version nibble, or returns the
   * reason it is malformed. Never throws for any bytes. The buffer's position and limit are not
   * changed; the record's views share its bytes.
   */
  public static Parsed<IpDatagram> parse(ByteBuffer packet) {
    if (!packet.hasRemaining()) return Parsed.malformed(MalformedReason.IP_TRUNCATED);
    return switch ((packet.get(packet.position()) & 0xff) >>> 4) {
      case 4 -> Ipv4Packet.wrap(packet).map(IpDatagram::of);
      case 6 -> Ipv6Packet.wrap(packet).map(IpDatagram::of);
      default -> Parsed.malformed(MalformedReason.IP_BAD_VERSION);
    };
  }

  /** Returns the datagram of a parsed IPv4 packet. */
  static IpDatagram of(Ipv4Packet p) {
    Ipv4Packet.Repr header =
        p.toRepr(); // its addresses serve the datagram too: each is parsed once
    return new IpDatagram(
        4,
        header.source(),
        header.destination(),
        p.protocol(),
        p.timeToLive(),
        p.payload(),
        p.isFragment(),
        header,
        p.packet());
  }

  /** Returns the datagram of a parsed IPv6 packet. */
  static IpDatagram of(Ipv6Packet p) {
    Ipv6Packet.Repr header = p.toRepr();
    return new IpDatagram(
        6,
        header.source(),
        header.destination(),
        p.upperLayerProtocol(),
        p.hopLimit(),
        p.upperLayerPayload(),
        p.isFragment(),
        header,
        p.packet());
  }

  /** Returns the ECN codepoint of the IP header (RFC 3168 §5), one of {@link Ecn}'s. */
  public int ecn() {
    return switch (header) {
      case Ipv4Packet.Repr v4 -> v4.ecn();
      case Ipv6Packet.Repr v6 -> v6.trafficClass() & 0x3;
    };
  }

  /** Returns one line: {@code IP 127.0.0.1 > 127.0.0.1: proto 6, ttl 64, length 40}. */
  @Override
  public String toString() {
    return (version == 4 ? "IP " : "IP6 ")
        + Addresses.text(source)
        + " > "
        + Addresses.text(destination)
        + ": proto "
        + protocol
        + ", hlim "
        + hopLimit
        + (fragment ? ", fragment" : "")
        + ", length "
        + payload.remaining();
  }
}
