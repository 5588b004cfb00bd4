package dev.synack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * SipHash-2-4 against the reference vectors of Aumasson and Bernstein ({@code vectors.h}): key 00
 * 01 .. 0f, message i = bytes 00 .. i-1, output as little-endian bytes.
 */
class SipHashTest {
  @ParameterizedTest(name = "length {0}")
  @CsvSource({
    "0,  310e0edd47db6f72",
    "1,  fd67dc93c539f874",
    "2,  5a4fa9d909806c0d",
    "3,  2d7efbd796666785",
    "7,  37d1018bf50002ab",
    "8,  6224939a79f5f593",
    "9,  b0e4a90bdf82009e",
    "15, e545be4961ca29a1",
  })
  void hash_referenceVector_matches(int length, String littleEndianHex) {
    byte[] key = new byte[16];
    for (int i = 0; i < 16; i++) key[i] = (byte) i;
    byte[] message = new byte[length];
    for (int i = 0; i < length; i++) message[i] = (byte) i;
    long h =
        SipHash.hash(SipHash.littleEndian(key, 0, 8), SipHash.littleEndian(key, 8, 8), message);
    byte[] out = java.util.HexFormat.of().parseHex(littleEndianHex);
    assertEquals(SipHash.littleEndian(out, 0, 8), h);
  }

  @Test
  void hashOfWords_isTheHashOfTheSameBytes_forEveryLengthUpTo16() {
    SplittableRandom random = new SplittableRandom(12);
    for (int trial = 0; trial < 2_000; trial++) {
      int length = trial % 17;
      byte[] message = new byte[16];
      random.nextBytes(message);
      long k0 = random.nextLong();
      long k1 = random.nextLong();
      long m0 = littleEndian(message, 0);
      long m1 = littleEndian(message, 8);
      assertEquals(
          SipHash.hash(k0, k1, Arrays.copyOf(message, length)),
          SipHash.hash(k0, k1, m0, m1, length),
          "length " + length);
    }
  }

  @Test
  void littleEndianOfABigEndianInt_isItsBytesInOrder() {
    byte[] bytes = {(byte) 198, 18, 7, (byte) 255};
    assertEquals(SipHash.littleEndian(bytes, 0, 4), SipHash.littleEndian(0xc61207ff));
  }

  /** The little-endian word of {@code b}'s 8 bytes from {@code at}, written out. */
  private static long littleEndian(byte[] b, int at) {
    long v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | (b[at + i] & 0xffL);
    return v;
  }
}
