package dev.synack.link;

import java.nio.ByteBuffer;

/**
 * Hand-built IPv4 ICMP echo packets for the TUN tests (RFC 791, RFC 792), written byte by byte so
 * the tests do not depend on the wire package they will later exercise.
 */
final class Icmp4 {
  static final int IP_HEADER = 20;
  static final int PROTOCOL_ICMP = 1;
  static final int ECHO_REPLY = 0;
  static final int ECHO_REQUEST = 8;

  private Icmp4() {}

  /**
   * Returns an echo request from {@code src} to {@code dst} with the given id, sequence and data.
   */
  static byte[] echoRequest(byte[] src, byte[] dst, int id, int seq, byte[] data) {
    byte[] p = new byte[IP_HEADER + 8 + data.length];
    ByteBuffer b = ByteBuffer.wrap(p);
    b.put(0, (byte) 0x45) // version 4, IHL 5 words
        .putShort(2, (short) p.length)
        .putShort(4, (short) 0x1234) // identification
        .putShort(6, (short) 0x4000) // DF
        .put(8, (byte) 64) // TTL
        .put(9, (byte) PROTOCOL_ICMP)
        .put(12, src)
        .put(16, dst)
        .put(IP_HEADER, (byte) ECHO_REQUEST)
        .putShort(IP_HEADER + 4, (short) id)
        .putShort(IP_HEADER + 6, (short) seq)
        .put(IP_HEADER + 8, data);
    fillChecksums(p);
    return p;
  }

  /** Returns the echo reply to an echo request: addresses swapped, type 0, same id, seq, data. */
  static byte[] echoReplyTo(byte[] request, int length) {
    int ihl = (request[0] & 0x0f) * 4;
    byte[] p = new byte[IP_HEADER + length - ihl]; // Options of the request are not echoed.
    ByteBuffer b = ByteBuffer.wrap(p);
    b.put(0, (byte) 0x45)
        .putShort(2, (short) p.length)
        .putShort(6, (short) 0x4000)
        .put(8, (byte) 64)
        .put(9, (byte) PROTOCOL_ICMP)
        .put(12, request, 16, 4)
        .put(16, request, 12, 4)
        .put(IP_HEADER, request, ihl, length - ihl)
        .put(IP_HEADER, (byte) ECHO_REPLY);
    fillChecksums(p);
    return p;
  }

  /** Returns the ICMP type if {@code p} is an IPv4 ICMP packet of {@code length} bytes, else -1. */
  static int icmpType(byte[] p, int length) {
    if (length < IP_HEADER + 8 || (p[0] >> 4) != 4 || p[9] != PROTOCOL_ICMP) return -1;
    return p[(p[0] & 0x0f) * 4] & 0xff;
  }

  /** Returns the 4-byte address at {@code offset} (12 source, 16 destination) as text. */
  static String address(byte[] p, int offset) {
    return (p[offset] & 0xff)
        + "."
        + (p[offset + 1] & 0xff)
        + "."
        + (p[offset + 2] & 0xff)
        + "."
        + (p[offset + 3] & 0xff);
  }

  /** Returns the 16-bit field at {@code offset} of the ICMP message (4 id, 6 sequence). */
  static int icmpField(byte[] p, int offset) {
    return ByteBuffer.wrap(p).getShort((p[0] & 0x0f) * 4 + offset) & 0xffff;
  }

  /** Returns the RFC 1071 Internet checksum of {@code length} bytes at {@code offset}. */
  static int checksum(byte[] p, int offset, int length) {
    long sum = 0;
    for (int i = 0; i + 1 < length; i += 2) {
      sum += ((p[offset + i] & 0xff) << 8) | (p[offset + i + 1] & 0xff);
    }
    if ((length & 1) != 0) sum += (p[offset + length - 1] & 0xff) << 8;
    while ((sum >> 16) != 0) sum = (sum & 0xffff) + (sum >> 16);
    return (int) (~sum & 0xffff);
  }

  private static void fillChecksums(byte[] p) {
    ByteBuffer b = ByteBuffer.wrap(p);
    b.putShort(10, (short) 0).putShort(10, (short) checksum(p, 0, IP_HEADER));
    b.putShort(IP_HEADER + 2, (short) 0)
        .putShort(IP_HEADER + 2, (short) checksum(p, IP_HEADER, p.length - IP_HEADER));
  }
}
