package dev.synack.wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The link-layer header types a pcap or pcapng file may declare (the LINKTYPE_ values of
 * tcpdump.org's "Link-layer header types" registry) and how to find the IP packet inside a frame of
 * each.
 */
public final class LinkType {
  /** LINKTYPE_NULL: BSD loopback, a 4-byte address family in the capturing host's byte order. */
  public static final int NULL = 0;

  /** LINKTYPE_ETHERNET: IEEE 802.3 Ethernet, possibly with 802.1Q / 802.1ad VLAN tags. */
  public static final int ETHERNET = 1;

  /** LINKTYPE_RAW: a bare IPv4 or IPv6 packet, told apart by its version nibble. */
  public static final int RAW = 101;

  /** LINKTYPE_LOOP: OpenBSD loopback, like {@link #NULL} but the family is big-endian. */
  public static final int LOOP = 108;

  /**
   * LINKTYPE_LINUX_SLL: Linux "cooked" capture v1 (e.g. {@code tcpdump -i any}), 16-byte header.
   */
  public static final int LINUX_SLL = 113;

  /** LINKTYPE_IPV4: a bare IPv4 packet. */
  public static final int IPV4 = 228;

  /** LINKTYPE_IPV6: a bare IPv6 packet. */
  public static final int IPV6 = 229;

  /** LINKTYPE_LINUX_SLL2: Linux "cooked" capture v2, 20-byte header. */
  public static final int LINUX_SLL2 = 276;

  private static final int ETHERTYPE_IPV4 = 0x0800;
  private static final int ETHERTYPE_IPV6 = 0x86dd;
  private static final int ETHERTYPE_VLAN = 0x8100;
  private static final int ETHERTYPE_QINQ = 0x88a8;
  private static final int ETHERTYPE_QINQ_OLD = 0x9100;

  private LinkType() {}

  /** Returns the registry name of a link type, e.g. {@code ETHERNET}, or {@code LINKTYPE 42}. */
  public static String name(int linkType) {
    return switch (linkType) {
      case NULL -> "NULL";
      case ETHERNET -> "ETHERNET";
      case RAW -> "RAW";
      case LOOP -> "LOOP";
      case LINUX_SLL -> "LINUX_SLL";
      case IPV4 -> "IPV4";
      case IPV6 -> "IPV6";
      case LINUX_SLL2 -> "LINUX_SLL2";
      default -> "LINKTYPE " + linkType;
    };
  }

  /** Returns whether frames of this link type can be searched for IP packets. */
  public static boolean isSupported(int linkType) {
    return switch (linkType) {
      case NULL, ETHERNET, RAW, LOOP, LINUX_SLL, IPV4, IPV6, LINUX_SLL2 -> true;
      default -> false;
    };
  }

  /**
   * Returns the IP packet inside a captured frame, or {@code null} when the frame carries no IPv4
   * or IPv6 packet or its link header is cut short.
   *
   * @param frame the frame from its first byte to its last captured byte; not changed. The result
   *     is a read-only view into it.
   */
  public static ByteBuffer ipPacket(int linkType, ByteBuffer frame) {
    ByteBuffer f = frame.slice().order(ByteOrder.BIG_ENDIAN);
    int offset =
        switch (linkType) {
          case RAW -> f.remaining() > 0 && isIpVersion(f.get(0) >> 4 & 0xf) ? 0 : -1;
          case IPV4 -> 0;
          case IPV6 -> 0;
          case ETHERNET -> ethernetPayload(f);
          case LINUX_SLL -> f.remaining() >= 16 && isIp(f.getShort(14) & 0xffff) ? 16 : -1;
          case LINUX_SLL2 -> f.remaining() >= 20 && isIp(f.getShort(0) & 0xffff) ? 20 : -1;
          case NULL -> f.remaining() >= 4 && isIpFamily(nullFamily(f)) ? 4 : -1;
          case LOOP -> f.remaining() >= 4 && isIpFamily(f.getInt(0)) ? 4 : -1;
          default -> -1;
        };
    return offset < 0 ? null : f.slice(offset, f.remaining() - offset).asReadOnlyBuffer();
  }

  /** Returns the offset of the IP packet in an Ethernet II frame, after any VLAN tags, or -1. */
  private static int ethernetPayload(ByteBuffer f) {
    int at = 12;
    while (f.remaining() >= at + 2) {
      int etherType = f.getShort(at) & 0xffff;
      if (etherType == ETHERTYPE_VLAN
          || etherType == ETHERTYPE_QINQ
          || etherType == ETHERTYPE_QINQ_OLD) {
        // IEEE 802.1Q: a 4-byte tag (TPID, TCI) sits before the real EtherType.
        at += 4;
        continue;
      }
      return isIp(etherType) ? at + 2 : -1;
    }
    return -1;
  }

  /**
   * Returns the address family of a NULL frame. It is in the byte order of the host that captured
   * it, which the file does not say; like tcpdump, a value with bits in the upper half is taken to
   * be byte-swapped, since families are small numbers.
   */
  private static int nullFamily(ByteBuffer f) {
    int family = f.getInt(0);
    return (family & 0xffff0000) != 0 ? Integer.reverseBytes(family) : family;
  }

  private static boolean isIp(int etherType) {
    return etherType == ETHERTYPE_IPV4 || etherType == ETHERTYPE_IPV6;
  }

  /** AF_INET is 2 everywhere; AF_INET6 is 24 on NetBSD/OpenBSD, 28 on FreeBSD, 30 on macOS. */
  private static boolean isIpFamily(int family) {
    return family == 2 || family == 24 || family == 28 || family == 30;
  }

  private static boolean isIpVersion(int version) {
    return version == 4 || version == 6;
  }
}
