package dev.synack.sim;

import java.util.Arrays;

/**
 * Which node each address belongs to, and the destination of a packet read in place. It reads the
 * destination address alone and deliberately does not validate the packet as {@code
 * dev.synack.wire} would: like a real link, the network must carry a packet whose checksum it
 * corrupted to the receiver, whose own parser is the one that has to catch it.
 *
 * <p>A network has a handful of addresses, so they are kept in a list scanned in order, the address
 * of the last packet routed first: a lookup compares bytes where they lie in the packet, where a
 * map would need a key made for every packet.
 */
final class Routes {
  /** RFC 791 §3.1: the destination address is bytes 16..19 of the IPv4 header. */
  private static final int IPV4_DST = 16;

  /** RFC 8200 §3: the destination address is bytes 24..39 of the IPv6 header. */
  private static final int IPV6_DST = 24;

  private byte[][] addresses = new byte[4][];
  private SimNode[] owners = new SimNode[4];
  private int size;

  /** Index of the address the last routed packet went to. */
  private int lastHit;

  /** Gives {@code address} (4 or 16 bytes) to {@code node}, replacing its owner if it had one. */
  void put(byte[] address, SimNode node) {
    int i = indexOf(address, 0, address);
    if (i >= 0) {
      owners[i] = node;
      return;
    }
    if (size == addresses.length) {
      addresses = Arrays.copyOf(addresses, size * 2);
      owners = Arrays.copyOf(owners, size * 2);
    }
    addresses[size] = address.clone();
    owners[size++] = node;
  }

  /** Returns the owner of {@code address}, or null. */
  SimNode owner(byte[] address) {
    int i = indexOf(address, 0, address);
    return i < 0 ? null : owners[i];
  }

  /**
   * Returns whether {@code packet} is long enough to hold the destination address of its IP
   * version.
   */
  static boolean hasDestination(byte[] packet) {
    return destinationOffset(packet) >= 0;
  }

  /**
   * Returns the node {@code packet} is addressed to, or null for no route or no destination to
   * read.
   */
  SimNode route(byte[] packet) {
    int offset = destinationOffset(packet);
    if (offset < 0) return null;
    int i = indexOf(packet, offset, null);
    if (i < 0) return null;
    lastHit = i;
    return owners[i];
  }

  /**
   * Returns the index of the address found at {@code offset} of {@code bytes} (of the length {@code
   * whole} has, or by the IP version when {@code whole} is null), or -1.
   */
  private int indexOf(byte[] bytes, int offset, byte[] whole) {
    int length = whole != null ? whole.length : offset == IPV4_DST ? 4 : 16;
    if (lastHit < size && matches(addresses[lastHit], bytes, offset, length)) return lastHit;
    for (int i = 0; i < size; i++) {
      if (matches(addresses[i], bytes, offset, length)) return i;
    }
    return -1;
  }

  private static boolean matches(byte[] address, byte[] bytes, int offset, int length) {
    return address.length == length
        && Arrays.equals(address, 0, length, bytes, offset, offset + length);
  }

  /** Returns where the destination address of {@code packet} starts, or -1 if it has none. */
  private static int destinationOffset(byte[] packet) {
    if (packet.length == 0) return -1;
    return switch ((packet[0] & 0xff) >>> 4) {
      case 4 -> packet.length >= IPV4_DST + 4 ? IPV4_DST : -1;
      case 6 -> packet.length >= IPV6_DST + 16 ? IPV6_DST : -1;
      default -> -1;
    };
  }
}
