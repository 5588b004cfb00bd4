package dev.synack.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class ChecksumTest {
  /** Byte-by-byte reference of RFC 1071 §1, independent of the wide implementation. */
  static int naive(byte[] b, int off, int len) {
    long sum = 0;
    for (int i = 0; i < len; i += 2) {
      int hi = b[off + i] & 0xff;
      int lo = i + 1 < len ? b[off + i + 1] & 0xff : 0;
      sum += (hi << 8) | lo;
      sum = (sum & 0xffff) + (sum >>> 16);
    }
    return (int) (~sum & 0xffff);
  }

  @Test
  void ipv4Header_knownExample_givesItsChecksum() {
    // A widely quoted IPv4 header (UDP, 192.168.0.1 -> 192.168.0.199) whose checksum is 0xb861.
    byte[] h = HexFormat.of().parseHex("450000730000400040110000c0a80001c0a800c7");
    assertEquals(0xb861, Checksum.compute(ByteBuffer.wrap(h), 0, h.length));
    h[10] = (byte) 0xb8;
    h[11] = 0x61;
    assertTrue(Checksum.verifies(Checksum.sum(ByteBuffer.wrap(h), 0, h.length)));
    h[19] ^= 1;
    assertFalse(Checksum.verifies(Checksum.sum(ByteBuffer.wrap(h), 0, h.length)));
  }

  @Test
  void rfc1071Example_sumsToDdf2() {
    // RFC 1071 §3: the bytes 00 01 f2 03 f4 f5 f6 f7 sum to 0xddf2.
    byte[] b = HexFormat.of().parseHex("0001f203f4f5f6f7");
    assertEquals(0xddf2, Checksum.fold(Checksum.sum(ByteBuffer.wrap(b), 0, b.length)));
  }

  @Test
  void pseudoHeader_ipv4_matchesTheBytesOfRfc9293() throws UnknownHostException {
    InetAddress src = InetAddress.getByAddress(new byte[] {10, 0, 0, 1});
    InetAddress dst = InetAddress.getByAddress(new byte[] {10, 0, 0, 2});
    byte[] pseudo = HexFormat.of().parseHex("0a0000010a0000020006" + "0028");
    assertEquals(
        Checksum.fold(Checksum.sum(ByteBuffer.wrap(pseudo), 0, pseudo.length)),
        Checksum.fold(Checksum.pseudoHeaderSum(src, dst, 6, 40)));
  }

  @Test
  void pseudoHeader_ipv4WithEveryHighBitSet_matchesTheBytes() throws UnknownHostException {
    // The IPv4 sum is read from Inet4Address.hashCode (the address in network order): addresses
    // whose bytes have the sign bit set catch any sign extension or byte-order slip.
    InetAddress src =
        InetAddress.getByAddress(new byte[] {(byte) 0xc0, (byte) 0xa8, (byte) 0xff, (byte) 0xfe});
    InetAddress dst = InetAddress.getByAddress(new byte[] {(byte) 0xcb, 0, 0x71, (byte) 0xc8});
    byte[] pseudo = HexFormat.of().parseHex("c0a8fffe" + "cb0071c8" + "0006" + "ffff");
    assertEquals(
        Checksum.fold(Checksum.sum(ByteBuffer.wrap(pseudo), 0, pseudo.length)),
        Checksum.fold(Checksum.pseudoHeaderSum(src, dst, 6, 0xffff)));
  }

  @Test
  void pseudoHeader_ipv6_matchesTheBytesOfRfc8200() throws UnknownHostException {
    byte[] s = HexFormat.of().parseHex("fe800000000000000000000000000001");
    byte[] d = HexFormat.of().parseHex("fe80000000000000000000000000ffff");
    byte[] pseudo =
        HexFormat.of()
            .parseHex(
                HexFormat.of().formatHex(s)
                    + HexFormat.of().formatHex(d)
                    + "00010028"
                    + "0000003a");
    assertEquals(
        Checksum.fold(Checksum.sum(ByteBuffer.wrap(pseudo), 0, pseudo.length)),
        Checksum.fold(
            Checksum.pseudoHeaderSum(
                InetAddress.getByAddress(s), InetAddress.getByAddress(d), 58, 0x10028)));
  }

  @Test
  void pseudoHeader_mixedFamilies_throws() throws UnknownHostException {
    InetAddress v4 = InetAddress.getByAddress(new byte[4]);
    InetAddress v6 = InetAddress.getByAddress(new byte[16]);
    assertThrows(IllegalArgumentException.class, () -> Checksum.pseudoHeaderSum(v4, v6, 6, 20));
  }

  @Property
  void compute_anyRange_matchesByteByByteReference(
      @ForAll @Size(max = 300) byte[] bytes,
      @ForAll @IntRange(max = 300) int a,
      @ForAll @IntRange(max = 300) int b) {
    int off = Math.min(a, bytes.length);
    int len = Math.min(b, bytes.length - off);
    assertEquals(naive(bytes, off, len), Checksum.compute(ByteBuffer.wrap(bytes), off, len));
  }

  /**
   * The array path (a writable heap buffer, any array offset) and the accessor path (read-only,
   * direct) agree with the reference.
   */
  @Property
  void sum_everyKindOfBuffer_matchesByteByByteReference(
      @ForAll @Size(max = 700) byte[] bytes,
      @ForAll @IntRange(max = 700) int a,
      @ForAll @IntRange(max = 700) int b,
      @ForAll @IntRange(max = 9) int sliceAt) {
    int off = Math.min(a, bytes.length);
    int len = Math.min(b, bytes.length - off);
    int expected = naive(bytes, off, len);
    ByteBuffer heap = ByteBuffer.wrap(bytes);
    ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length).put(bytes).clear();
    assertEquals(expected, Checksum.compute(heap, off, len), "heap");
    assertEquals(expected, Checksum.compute(heap.asReadOnlyBuffer(), off, len), "read-only");
    assertEquals(expected, Checksum.compute(direct, off, len), "direct");
    int cut = Math.min(sliceAt, off);
    assertEquals(
        expected,
        Checksum.compute(heap.slice(cut, bytes.length - cut), off - cut, len),
        "a slice: array offset " + cut);
  }

  @Property
  void compute_littleEndianBuffer_givesTheSameChecksum(@ForAll @Size(max = 100) byte[] bytes) {
    ByteBuffer le = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(naive(bytes, 0, bytes.length), Checksum.compute(le, 0, bytes.length));
  }
}
