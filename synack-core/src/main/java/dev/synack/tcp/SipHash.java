package dev.synack.tcp;

/**
 * SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed pseudorandom function of a byte string, the
 * {@code F()} of RFC 6528 §3 as Linux uses it ({@code secure_tcp_seq}). Its state lives in locals:
 * nothing is allocated per hash.
 */
public final class SipHash {
  private SipHash() {}

  /**
   * Returns SipHash-2-4 of {@code message} under a 128-bit key given as its two little-endian
   * halves {@code k0} (bytes 0–7) and {@code k1} (bytes 8–15).
   */
  public static long hash(long k0, long k1, byte[] message) {
    long v0 = 0x736f6d6570736575L ^ k0;
    long v1 = 0x646f72616e646f6dL ^ k1;
    long v2 = 0x6c7967656e657261L ^ k0;
    long v3 = 0x7465646279746573L ^ k1;
    int length = message.length;
    int whole = length & ~7;
    for (int i = 0; i <= whole; i += 8) {
      // The last block holds the remaining bytes and, in its top byte, the length modulo 256.
      long m =
          i < whole
              ? littleEndian(message, i, 8)
              : littleEndian(message, whole, length - whole) | ((long) (length & 0xff) << 56);
      v3 ^= m;
      for (int r = 0; r < 2; r++) { // the "2" of SipHash-2-4: two SipRounds a block
        v0 += v1;
        v1 = Long.rotateLeft(v1, 13) ^ v0;
        v0 = Long.rotateLeft(v0, 32);
        v2 += v3;
        v3 = Long.rotateLeft(v3, 16) ^ v2;
        v0 += v3;
        v3 = Long.rotateLeft(v3, 21) ^ v0;
        v2 += v1;
        v1 = Long.rotateLeft(v1, 17) ^ v2;
        v2 = Long.rotateLeft(v2, 32);
      }
      v0 ^= m;
    }
    v2 ^= 0xff;
    for (int r = 0; r < 4; r++) {
      v0 += v1;
      v1 = Long.rotateLeft(v1, 13) ^ v0;
      v0 = Long.rotateLeft(v0, 32);
      v2 += v3;
      v3 = Long.rotateLeft(v3, 16) ^ v2;
      v0 += v3;
      v3 = Long.rotateLeft(v3, 21) ^ v0;
      v2 += v1;
      v1 = Long.rotateLeft(v1, 17) ^ v2;
      v2 = Long.rotateLeft(v2, 32);
    }
    return v0 ^ v1 ^ v2 ^ v3;
  }

  /**
   * Returns SipHash-2-4, as {@link #hash(long, long, byte[])}, of a message of {@code length} bytes
   * (0 to 16) given as two little-endian words: bytes 0–7 in {@code m0}, bytes 8–15 in {@code m1}
   * (the bytes past the length ignored). For short messages, such as a SYN cookie's IPv4 4-tuple
   * and clock, built without an array.
   */
  public static long hash(long k0, long k1, long m0, long m1, int length) {
    if (length < 0 || length > 16)
      throw new IllegalArgumentException("length must be 0..16: " + length);
    long v0 = 0x736f6d6570736575L ^ k0;
    long v1 = 0x646f72616e646f6dL ^ k1;
    long v2 = 0x6c7967656e657261L ^ k0;
    long v3 = 0x7465646279746573L ^ k1;
    int whole = length >>> 3;
    int rest = length & 7;
    long tail = whole == 0 ? m0 : whole == 1 ? m1 : 0;
    tail = (rest == 0 ? 0 : tail & ((1L << (8 * rest)) - 1)) | ((long) length << 56);
    for (int b = 0; b <= whole; b++) {
      long m = b == whole ? tail : b == 0 ? m0 : m1;
      v3 ^= m;
      for (int r = 0; r < 2; r++) {
        v0 += v1;
        v1 = Long.rotateLeft(v1, 13) ^ v0;
        v0 = Long.rotateLeft(v0, 32);
        v2 += v3;
        v3 = Long.rotateLeft(v3, 16) ^ v2;
        v0 += v3;
        v3 = Long.rotateLeft(v3, 21) ^ v0;
        v2 += v1;
        v1 = Long.rotateLeft(v1, 17) ^ v2;
        v2 = Long.rotateLeft(v2, 32);
      }
      v0 ^= m;
    }
    v2 ^= 0xff;
    for (int r = 0; r < 4; r++) {
      v0 += v1;
      v1 = Long.rotateLeft(v1, 13) ^ v0;
      v0 = Long.rotateLeft(v0, 32);
      v2 += v3;
      v3 = Long.rotateLeft(v3, 16) ^ v2;
      v0 += v3;
      v3 = Long.rotateLeft(v3, 21) ^ v0;
      v2 += v1;
      v1 = Long.rotateLeft(v1, 17) ^ v2;
      v2 = Long.rotateLeft(v2, 32);
    }
    return v0 ^ v1 ^ v2 ^ v3;
  }

  /**
   * Returns the little-endian word of 4 bytes given as a big-endian int ({@code
   * Inet4Address.hashCode()}'s address, say), for {@link #hash(long, long, long, long, int)}.
   */
  public static long littleEndian(int bigEndian) {
    return Integer.reverseBytes(bigEndian) & 0xffffffffL;
  }

  /** Returns {@code n} bytes (0 to 8) from {@code offset} as a little-endian number. */
  static long littleEndian(byte[] b, int offset, int n) {
    long v = 0;
    for (int i = n - 1; i >= 0; i--) {
      v = (v << 8) | (b[offset + i] & 0xffL);
    }
    return v;
  }
}
