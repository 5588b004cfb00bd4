package dev.synack.sim;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/** Builds just enough of an IP packet for the network to route it, with a number in its payload. */
final class TestPackets {
  private TestPackets() {}

  /** Returns the address of an IPv4 or IPv6 literal. */
  static InetAddress addr(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(literal, e);
    }
  }

  /**
   * Returns a packet of {@code size} bytes from {@code src} to {@code dst} carrying {@code number}.
   */
  static byte[] packet(InetAddress src, InetAddress dst, int number, int size) {
    byte[] s = src.getAddress();
    byte[] d = dst.getAddress();
    if (s.length != d.length)
      throw new IllegalArgumentException("mixed IP versions: " + src + " " + dst);
    int header = s.length == 4 ? 20 : 40;
    if (size < header + 4) throw new IllegalArgumentException("too small: " + size);
    ByteBuffer b = ByteBuffer.allocate(size);
    if (s.length == 4) {
      b.put(0, (byte) 0x45).putShort(2, (short) size).put(12, s).put(16, d);
    } else {
      b.put(0, (byte) 0x60).putShort(4, (short) (size - header)).put(8, s).put(24, d);
    }
    return b.putInt(header, number).array();
  }

  /** Returns a 100-byte packet carrying {@code number}. */
  static byte[] packet(InetAddress src, InetAddress dst, int number) {
    return packet(src, dst, number, 100);
  }

  /** Returns the number a packet of {@link #packet} carries. */
  static int number(byte[] packet) {
    int header = (packet[0] & 0xf0) == 0x40 ? 20 : 40;
    return ByteBuffer.wrap(packet).getInt(header);
  }

  /** Returns the packet with source and destination swapped, as an echo would send it back. */
  static byte[] reversed(byte[] packet) {
    byte[] out = packet.clone();
    boolean v4 = (packet[0] & 0xf0) == 0x40;
    int src = v4 ? 12 : 8;
    int len = v4 ? 4 : 16;
    System.arraycopy(packet, src, out, src + len, len);
    System.arraycopy(packet, src + len, out, src, len);
    return out;
  }
}
