package dev.synack.link;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.wire.Checksum;
import dev.synack.wire.Packets;
import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpOption;
import dev.synack.wire.TcpOptions;
import dev.synack.wire.TcpSegment;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Runs of segments merged for the kernel to cut (GSO): what may merge, and the merged packet's
 * headers and virtio header, checked against what Linux's tcp_gso_segment makes of them.
 */
class SegmentMergerTest {
  private static final InetAddress A = address("10.0.0.1");
  private static final InetAddress B = address("10.0.0.2");
  private static final InetAddress A6 = address("fd00::1");
  private static final InetAddress B6 = address("fd00::2");
  private static final int MSS = 1448;
  private static final TcpOptions TS =
      TcpOptions.of(TcpOption.NOP, TcpOption.NOP, new TcpOption.Timestamps(100, 200));

  @Nested
  class Runs {
    @Test
    void burstOfFullSegmentsEndingWithPsh_oneRun() {
      ByteBuffer[] burst = burst(A, B, 5, MSS, TcpFlags.PSH);
      assertEquals(5, SegmentMerger.run(burst, 0, 5));
    }

    @Test
    void shortSegmentInTheMiddle_runEndsWithIt() {
      ByteBuffer[] burst = {
        segment(A, B, 1000, MSS, 0),
        segment(A, B, 1000 + MSS, 500, 0),
        segment(A, B, 1000 + MSS + 500, MSS, 0)
      };
      assertEquals(2, SegmentMerger.run(burst, 0, 3), "a short segment can only be the last");
    }

    @Test
    void pshInTheMiddle_runEndsWithIt() {
      ByteBuffer[] burst = {
        segment(A, B, 1000, MSS, 0),
        segment(A, B, 1000 + MSS, MSS, TcpFlags.PSH),
        segment(A, B, 1000 + 2 * MSS, MSS, 0)
      };
      assertEquals(2, SegmentMerger.run(burst, 0, 3));
    }

    @Test
    void gapInTheSequence_notMerged() {
      ByteBuffer[] burst = {segment(A, B, 1000, MSS, 0), segment(A, B, 1000 + 2 * MSS, MSS, 0)};
      assertEquals(1, SegmentMerger.run(burst, 0, 2), "a retransmission or another flight");
    }

    @Test
    void otherConnectionOrOtherTimestamp_notMerged() {
      ByteBuffer[] ports = {segment(A, B, 1000, MSS, 0), segment(B, A, 1000 + MSS, MSS, 0)};
      assertEquals(1, SegmentMerger.run(ports, 0, 2));
      TcpOptions later =
          TcpOptions.of(TcpOption.NOP, TcpOption.NOP, new TcpOption.Timestamps(101, 200));
      ByteBuffer[] stamps = {segment(A, B, 1000, MSS, 0), segment(A, B, 1000 + MSS, MSS, 0, later)};
      assertEquals(
          1,
          SegmentMerger.run(stamps, 0, 2),
          "the kernel copies the first header's options into every segment");
    }

    @Test
    void pureAckSynOrFin_aloneOrLast() {
      ByteBuffer ack = segment(A, B, 1000, 0, 0);
      assertEquals(1, SegmentMerger.run(new ByteBuffer[] {ack, segment(A, B, 1000, MSS, 0)}, 0, 2));
      ByteBuffer fin = segment(A, B, 1000, MSS, TcpFlags.FIN);
      assertEquals(
          1,
          SegmentMerger.run(new ByteBuffer[] {fin, segment(A, B, 1000 + MSS + 1, MSS, 0)}, 0, 2));
      ByteBuffer[] finLast = {
        segment(A, B, 1000, MSS, 0), segment(A, B, 1000 + MSS, 10, TcpFlags.FIN)
      };
      assertEquals(2, SegmentMerger.run(finLast, 0, 2));
    }

    @Test
    void moreThan64KiB_runStopsBelowIt() {
      ByteBuffer[] burst = burst(A, B, 60, MSS, 0);
      int run = SegmentMerger.run(burst, 0, 60);
      assertEquals((65_535 - 52) / MSS, run);
    }
  }

  @Nested
  class Merged {
    @Test
    void ipv4Run_oneIpPacketWithTheLastFlagsAndAPartialChecksum() {
      ByteBuffer[] burst = burst(A, B, 3, MSS, TcpFlags.PSH);
      try (Arena arena = Arena.ofConfined()) {
        MemorySegment out = arena.allocate(65_535);
        MemorySegment vnet = arena.allocate(VirtioNetHeader.SIZE);
        int length = SegmentMerger.merge(burst, 0, 3, out, vnet);
        ByteBuffer p = out.asSlice(0, length).asByteBuffer();
        assertEquals(20 + 32 + 3 * MSS, length);
        assertEquals(length, p.getShort(2) & 0xffff, "IP total length");
        assertEquals(0xffff, Checksum.fold(Checksum.sum(p, 0, 20)), "IP header checksum valid");
        assertEquals(TcpFlags.ACK | TcpFlags.PSH, p.get(20 + 13), "PSH of the last");
        assertEquals(1000, p.getInt(20 + 4), "the first sequence number");
        long pseudo = Checksum.sum(p, 12, 8) + 6 + (length - 20);
        assertEquals(
            Checksum.fold(pseudo),
            p.getShort(20 + 16) & 0xffff,
            "CHECKSUM_PARTIAL: the pseudo-header's sum");
        assertArrayEquals(
            payloads(burst), Arrays.copyOfRange(bytes(p), 52, length), "the payloads in order");
        assertVnet(vnet, VirtioNetHeader.GSO_TCPV4, 52, MSS, 20);
      }
    }

    @Test
    void ipv6Run_payloadLengthAndTcpv6() {
      ByteBuffer[] burst = burst(A6, B6, 2, 1428, 0);
      try (Arena arena = Arena.ofConfined()) {
        MemorySegment out = arena.allocate(65_535);
        MemorySegment vnet = arena.allocate(VirtioNetHeader.SIZE);
        int length = SegmentMerger.merge(burst, 0, 2, out, vnet);
        ByteBuffer p = out.asSlice(0, length).asByteBuffer();
        assertEquals(length - 40, p.getShort(4) & 0xffff, "IPv6 payload length");
        long pseudo = Checksum.sum(p, 8, 32) + 6 + (length - 40);
        assertEquals(Checksum.fold(pseudo), p.getShort(40 + 16) & 0xffff);
        assertVnet(vnet, VirtioNetHeader.GSO_TCPV6, 72, 1428, 40);
      }
    }
  }

  @Nested
  class PartialChecksums {
    /**
     * What the kernel leaves (the pseudo-header's sum in the field) completes into what a full sum
     * gives.
     */
    @Test
    void needsCsum_completed_equalsTheFullChecksum() {
      ByteBuffer whole = segment(A, B, 1000, 999, TcpFlags.PSH);
      int full = whole.getShort(20 + 16) & 0xffff;
      int length = whole.remaining();
      ByteBuffer partial = ByteBuffer.allocateDirect(length).put(whole.duplicate()).flip();
      long pseudo = Checksum.sum(partial, 12, 8) + 6 + (length - 20);
      partial.putShort(20 + 16, (short) Checksum.fold(pseudo));
      try (Arena arena = Arena.ofConfined()) {
        MemorySegment vnet = arena.allocate(VirtioNetHeader.SIZE);
        VirtioNetHeader.writeTcpSegmentation(vnet, false, 52, 999, 20);
        VirtioNetHeader.completeChecksum(vnet, partial, length);
      }
      assertEquals(full, partial.getShort(20 + 16) & 0xffff);
    }
  }

  private static void assertVnet(
      MemorySegment vnet, int gsoType, int headers, int segmentSize, int tcpStart) {
    ValueLayout.OfShort le = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    assertEquals(VirtioNetHeader.F_NEEDS_CSUM, vnet.get(ValueLayout.JAVA_BYTE, 0));
    assertEquals(gsoType, vnet.get(ValueLayout.JAVA_BYTE, 1));
    assertEquals(headers, vnet.get(le, 2));
    assertEquals(segmentSize, vnet.get(le, 4));
    assertEquals(tcpStart, vnet.get(le, 6));
    assertEquals(16, vnet.get(le, 8));
    assertTrue(VirtioNetHeader.checksumUnnecessary(vnet));
  }

  /**
   * Returns {@code count} consecutive segments of {@code size} bytes from sequence number 1000, the
   * last with {@code lastFlags}.
   */
  private static ByteBuffer[] burst(
      InetAddress src, InetAddress dst, int count, int size, int lastFlags) {
    List<ByteBuffer> out = new ArrayList<>();
    for (int i = 0; i < count; i++)
      out.add(segment(src, dst, 1000 + i * size, size, i == count - 1 ? lastFlags : 0));
    return out.toArray(ByteBuffer[]::new);
  }

  private static ByteBuffer segment(
      InetAddress src, InetAddress dst, int seq, int size, int flags) {
    return segment(src, dst, seq, size, flags, TS);
  }

  private static ByteBuffer segment(
      InetAddress src, InetAddress dst, int seq, int size, int flags, TcpOptions options) {
    byte[] payload = new byte[size];
    for (int i = 0; i < size; i++) payload[i] = (byte) (seq + i);
    TcpSegment s =
        new TcpSegment(
            src.equals(A) || src.equals(A6) ? 40000 : 80,
            src.equals(A) || src.equals(A6) ? 80 : 40000,
            seq,
            7,
            TcpFlags.ACK | flags,
            512,
            0,
            0,
            options,
            ByteBuffer.wrap(payload));
    return ByteBuffer.wrap(Packets.tcp(src, dst, 64, s));
  }

  private static byte[] payloads(ByteBuffer[] burst) {
    int headers = (burst[0].get(0) >>> 4) == 4 ? 52 : 72;
    ByteBuffer all = ByteBuffer.allocate(65_535);
    for (ByteBuffer p : burst) all.put(Arrays.copyOfRange(p.array(), headers, p.limit()));
    return Arrays.copyOf(all.array(), all.position());
  }

  private static byte[] bytes(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.get(0, out);
    return out;
  }

  private static InetAddress address(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }
}
