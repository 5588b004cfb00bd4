package dev.synack.wire;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The Internet checksum (RFC 1071): the 16-bit ones' complement of the ones' complement sum of
 * 16-bit words, and the pseudo-header sums that TCP, UDP and ICMPv6 add to it.
 *
 * <p>Sums are kept unfolded in a {@code long} so that parts (pseudo-header, header, payload) can be
 * added with {@code +} and folded once by {@link #finish}. Each part must start at an even offset
 * of the checksummed data, which holds for every header here.
 */
public final class Checksum {
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle INTS =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

  private Checksum() {}

  /**
   * Returns the unfolded ones' complement sum of {@code length} bytes of {@code buf} from absolute
   * index {@code offset}, as big-endian 16-bit words; an odd last byte is padded with a zero byte
   * (RFC 1071 §1). The buffer's position, limit and byte order are not changed.
   */
  public static long sum(ByteBuffer buf, int offset, int length) {
    if (buf.hasArray()) return sum(buf.array(), buf.arrayOffset() + offset, length);
    // A read-only or direct buffer, through its accessors.
    // RFC 1071 §2(C): the sum can be computed over wider words and folded at the end; 32-bit
    // halves of each long are added into a 64-bit accumulator, which cannot overflow for any
    // buffer Java can hold.
    long acc = 0;
    int i = offset;
    int end = offset + length;
    for (; end - i >= 8; i += 8) {
      long w = buf.getLong(i);
      acc += (w >>> 32) + (w & 0xffff_ffffL);
    }
    if (end - i >= 4) {
      acc += buf.getInt(i) & 0xffff_ffffL;
      i += 4;
    }
    if (end - i >= 2) {
      acc += buf.getShort(i) & 0xffffL;
      i += 2;
    }
    if (buf.order() == ByteOrder.LITTLE_ENDIAN) {
      // RFC 1071 §2(B): the sum is byte-order independent up to a final swap.
      acc = swapFolded(acc);
    }
    if (i < end) {
      acc += (buf.get(i) & 0xffL) << 8;
    }
    return acc;
  }

  /** Returns the unfolded sum of the bytes of {@code bytes} as big-endian 16-bit words. */
  static long sum(byte[] bytes) {
    return sum(bytes, 0, bytes.length);
  }

  /**
   * Returns the unfolded sum of {@code length} bytes of {@code bytes} from {@code offset}, as
   * {@link #sum(ByteBuffer, int, int)}: the fast path, about 1.6 times the speed of the buffer's
   * accessors. The words are read little-endian, as the machine stores them, and the folded sum
   * swapped once at the end (RFC 1071 §2(B): the sum is byte-order independent); 64 bits at a time,
   * their 32-bit halves added into four accumulators so that the additions do not wait for one
   * another (§2(C), "deferred carries").
   */
  static long sum(byte[] bytes, int offset, int length) {
    long a0 = 0;
    long a1 = 0;
    long a2 = 0;
    long a3 = 0;
    int i = offset;
    int end = offset + length;
    for (; end - i >= 32; i += 32) {
      long w = (long) LONGS.get(bytes, i);
      long x = (long) LONGS.get(bytes, i + 8);
      long y = (long) LONGS.get(bytes, i + 16);
      long z = (long) LONGS.get(bytes, i + 24);
      a0 += (w >>> 32) + (w & 0xffff_ffffL);
      a1 += (x >>> 32) + (x & 0xffff_ffffL);
      a2 += (y >>> 32) + (y & 0xffff_ffffL);
      a3 += (z >>> 32) + (z & 0xffff_ffffL);
    }
    for (; end - i >= 8; i += 8) {
      long w = (long) LONGS.get(bytes, i);
      a0 += (w >>> 32) + (w & 0xffff_ffffL);
    }
    long acc = a0 + a1 + a2 + a3;
    if (end - i >= 4) {
      acc += (int) INTS.get(bytes, i) & 0xffff_ffffL;
      i += 4;
    }
    if (end - i >= 2) {
      acc += (bytes[i] & 0xff) | (bytes[i + 1] & 0xff) << 8;
      i += 2;
    }
    acc = swapFolded(acc);
    if (i < end) {
      acc += (bytes[i] & 0xffL) << 8;
    }
    return acc;
  }

  /** Folds an unfolded sum to 16 bits with end-around carry (RFC 1071 §4.1). */
  public static int fold(long sum) {
    while ((sum >>> 16) != 0) {
      sum = (sum & 0xffff) + (sum >>> 16);
    }
    return (int) sum;
  }

  /**
   * Returns the checksum field value for an unfolded sum: the ones' complement of the folded sum.
   */
  public static int finish(long sum) {
    return ~fold(sum) & 0xffff;
  }

  /** Returns whether data whose sum (checksum field included) is {@code sum} verifies. */
  public static boolean verifies(long sum) {
    // A correct checksum makes the folded sum all ones (RFC 1071 §1, "check").
    return fold(sum) == 0xffff;
  }

  /**
   * Returns the checksum of {@code length} bytes of {@code buf} from absolute index {@code offset}.
   */
  public static int compute(ByteBuffer buf, int offset, int length) {
    return finish(sum(buf, offset, length));
  }

  /**
   * Returns the unfolded sum of the pseudo-header for an upper-layer packet of {@code
   * upperLayerLength} bytes between {@code source} and {@code destination}: the IPv4 one of RFC
   * 9293 §3.1 (addresses, zero, protocol, TCP length) or the IPv6 one of RFC 8200 §8.1 (addresses,
   * 32-bit upper-layer length, zeros, next header), chosen by the address family.
   *
   * @throws IllegalArgumentException if the two addresses are of different families
   */
  public static long pseudoHeaderSum(
      InetAddress source, InetAddress destination, int protocol, int upperLayerLength) {
    if ((source instanceof Inet4Address) != (destination instanceof Inet4Address)
        || !(source instanceof Inet4Address || source instanceof Inet6Address)) {
      throw new IllegalArgumentException(
          "addresses of different families: " + source + " and " + destination);
    }
    // The IPv4 16-bit length and the IPv6 32-bit length give the same sum for lengths below 2^16;
    // the high half is added for IPv6 jumbo lengths.
    return addressSum(source)
        + addressSum(destination)
        + (protocol & 0xff)
        + (upperLayerLength & 0xffff)
        + (upperLayerLength >>> 16);
  }

  /**
   * Returns the unfolded sum of an address's 16-bit words. An IPv4 address is read from its hash
   * code, which the JDK defines as the address in network order (Inet4Address.hashCode since 1.0),
   * so the per-packet pseudo-header costs no copy of the address; ChecksumTest pins that down.
   */
  private static long addressSum(InetAddress address) {
    if (address instanceof Inet4Address) {
      int a = address.hashCode();
      return (long) ((a >>> 16) + (a & 0xffff));
    }
    return sum(address.getAddress());
  }

  /** Folds a sum of byte-swapped words and swaps the result back (RFC 1071 §2(B)). */
  private static long swapFolded(long swappedSum) {
    int folded = fold(swappedSum);
    return (long) (((folded & 0xff) << 8) | (folded >>> 8));
  }
}
