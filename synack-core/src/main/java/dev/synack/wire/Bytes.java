package dev.synack.wire;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/** Reading helpers shared by the views: addresses and read-only slices, by absolute index. */
final class Bytes {
  private Bytes() {}

  /**
   * Returns the IPv4 (4 bytes) or IPv6 (16 bytes) address at {@code index}; built with
   * {@link InetAddress#getByAddress(byte[])}, so no name lookup is ever made.
   */
  static InetAddress address(ByteBuffer buf, int index, int length) {
    byte[] raw = new byte[length];
    buf.get(index, raw);
    try {
      return InetAddress.getByAddress(raw);
    } catch (UnknownHostException e) {
      // getByAddress only throws for a length other than 4 or 16, which callers never pass.
      throw new AssertionError("address length " + length, e);
    }
  }

  /** Writes {@code address}'s bytes at {@code index}. */
  static void putAddress(ByteBuffer buf, int index, InetAddress address) {
    buf.put(index, address.getAddress());
  }

  /** Returns a read-only view of {@code length} bytes from {@code index}, position 0, big-endian. */
  static ByteBuffer slice(ByteBuffer buf, int index, int length) {
    return buf.slice(index, length).asReadOnlyBuffer();
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
