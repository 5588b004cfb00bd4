package dev.synack.tcp;

/**
 * SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed pseudorandom function of a byte string, the
 * {@code F()} of RFC 6528 §3 as Linux uses it ({@code secure_tcp_seq}).
 */
public final class SipHash {
  private SipHash() {}

  /**
   * Returns SipHash-2-4 of {@code message} under a 128-bit key given as its two little-endian
   * halves {@code k0} (bytes 0–7) and {@code k1} (bytes 8–15).
   */
  public static long hash(long k0, long k1, byte[] message) {
    long[] v = {
      0x736f6d6570736575L ^ k0,
      0x646f72616e646f6dL ^ k1,
      0x6c7967656e657261L ^ k0,
      0x7465646279746573L ^ k1
    };
    int length = message.length;
    int whole = length & ~7;
    for (int i = 0; i < whole; i += 8) {
      compress(v, littleEndian(message, i, 8));
    }
    // The last block holds the remaining bytes and, in its top byte, the length modulo 256.
    compress(v, littleEndian(message, whole, length - whole) | ((long) (length & 0xff) << 56));
    v[2] ^= 0xff;
    rounds(v, 4);
    return v[0] ^ v[1] ^ v[2] ^ v[3];
  }

  /** Mixes one 8-byte block into the state with two SipRounds (the "2" of SipHash-2-4). */
  private static void compress(long[] v, long m) {
    v[3] ^= m;
    rounds(v, 2);
    v[0] ^= m;
  }

  /** Applies {@code n} SipRounds to the state. */
  private static void rounds(long[] v, int n) {
    for (int i = 0; i < n; i++) {
      v[0] += v[1];
      v[1] = Long.rotateLeft(v[1], 13);
      v[1] ^= v[0];
      v[0] = Long.rotateLeft(v[0], 32);
      v[2] += v[3];
      v[3] = Long.rotateLeft(v[3], 16);
      v[3] ^= v[2];
      v[0] += v[3];
      v[3] = Long.rotateLeft(v[3], 21);
      v[3] ^= v[0];
      v[2] += v[1];
      v[1] = Long.rotateLeft(v[1], 17);
      v[1] ^= v[2];
      v[2] = Long.rotateLeft(v[2], 32);
    }
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
