package dev.synack.wire;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/** Reading helpers shared by the views: addresses and read-only slices, by absolute index. */
final class Bytes {
  private Bytes() {}

  /** Returns the IPv4 address at {@code index}; built from the bytes, no name lookup is made. */
  static Inet4Address address4(ByteBuffer buf, int index) {
    byte[] raw = new byte[4];
    buf.get(index, raw);
    try {
      return (Inet4Address) InetAddress.getByAddress(raw);
    } catch (UnknownHostException e) {
      throw new AssertionError("getByAddress throws only for a length other than 4 or 16", e);
    }
  }

  /**
   * Returns the IPv6 address at {@code index}; built from the bytes, no name lookup is made. An
   * IPv4-mapped address ({@code ::ffff:a.b.c.d}) stays an {@link Inet6Address}, which {@link
   * InetAddress#getByAddress(byte[])} would turn into an IPv4 one.
   */
  static Inet6Address address6(ByteBuffer buf, int index) {
    byte[] raw = new byte[16];
    buf.get(index, raw);
    try {
      return Inet6Address.getByAddress(null, raw, -1);
    } catch (UnknownHostException e) {
      throw new AssertionError("getByAddress throws only for a length other than 4 or 16", e);
    }
  }

  /** Writes {@code address}'s bytes at {@code index}. */
  static void putAddress(ByteBuffer buf, int index, InetAddress address) {
    buf.put(index, address.getAddress());
  }

  /**
   * Returns a read-only view of {@code length} bytes from {@code index}, position 0, big-endian.
   */
  static ByteBuffer slice(ByteBuffer buf, int index, int length) {
    ByteBuffer slice = buf.slice(index, length);
    return slice.isReadOnly() ? slice : slice.asReadOnlyBuffer();
  }

  /** Returns the unsigned byte at {@code index}. */
  static int u8(ByteBuffer buf, int index) {
    return buf.get(index) & 0xff;
  }

  /** Returns the unsigned big-endian 16-bit value at {@code index}. */
  static int u16(ByteBuffer buf, int index) {
    return buf.getShort(index) & 0xffff;
  }
}
