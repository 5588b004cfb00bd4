package dev.synack.sim;

import java.util.HexFormat;

/**
 * Reads the destination address of an IPv4 or IPv6 packet, the only header field the network
 * needs. It deliberately does not validate the packet as {@code dev.synack.wire} would: like a real
 * link, the network must carry a packet whose checksum it corrupted to the receiver, whose own
 * parser is the one that has to catch it.
 */
final class IpDestination {
  /** RFC 791 §3.1: the destination address is bytes 16..19 of the IPv4 header. */
  private static final int IPV4_DST = 16;
  /** RFC 8200 §3: the destination address is bytes 24..39 of the IPv6 header. */
  private static final int IPV6_DST = 24;

  private IpDestination() {}

  /**
   * Returns the destination address of {@code packet} as a routing key (see {@link #key(byte[])}),
   * or null when the packet is too short or of neither IP version.
   */
  static String of(byte[] packet) {
    if (packet.length == 0) return null;
    int version = (packet[0] & 0xff) >>> 4;
    return switch (version) {
      case 4 -> slice(packet, IPV4_DST, 4);
      case 6 -> slice(packet, IPV6_DST, 16);
      default -> null;
    };
  }

  /** Returns the routing key of a 4- or 16-byte address: its bytes in hex. */
  static String key(byte[] address) {
    return HexFormat.of().formatHex(address);
  }

  private static String slice(byte[] packet, int offset, int length) {
    if (packet.length < offset + length) return null;
    return HexFormat.of().formatHex(packet, offset, offset + length);
  }
}
