package dev.synack.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.synack.wire.OutboundSegment;
import dev.synack.wire.SackBlock;
import dev.synack.wire.TcpCodec;
import dev.synack.wire.TcpSegment;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The SACK blocks of our ACKs (RFC 2018 §4, RFC 2883 §4) from the arrays {@link SackGenerator}
 * reuses: the order the RFCs ask for, and no allocation for an ACK built while holes remain.
 */
class SackGeneratorTest {
  private static final int RCV_NXT = 1000;
  private static final InetAddress A = address(10, 0, 0, 1);
  private static final InetAddress B = address(10, 0, 0, 2);

  private static InetAddress address(int... bytes) {
    try {
      byte[] b = new byte[bytes.length];
      for (int i = 0; i < b.length; i++) b[i] = (byte) bytes[i];
      return InetAddress.getByAddress(b);
    } catch (java.net.UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  /** Holds 100 bytes at each of {@code starts}. */
  private static ReassemblyQueue held(SackGenerator g, int... starts) {
    ReassemblyQueue q = new ReassemblyQueue(1 << 20);
    for (int seq : starts) {
      q.add(seq, ByteBuffer.allocate(100), false);
      long run = q.runAround(seq);
      g.onOutOfOrder(SackGenerator.left(run), SackGenerator.right(run));
    }
    return q;
  }

  private static int[] edges(SackGenerator g, int n) {
    return Arrays.copyOf(g.edges(), 2 * n);
  }

  @Test
  void blocks_mostRecentFirst_atMostMax_joinedRunsOnce() {
    SackGenerator g = new SackGenerator();
    ReassemblyQueue q = held(g, 2000, 4000, 6000, 2100);
    // 2100 joined 2000's run: that run is the most recent, reported once.
    assertEquals(3, g.blocks(RCV_NXT, q, 4));
    assertArrayEquals(new int[] {2000, 2200, 6000, 6100, 4000, 4100}, edges(g, 3));
    assertEquals(2, g.blocks(RCV_NXT, q, 2));
    assertArrayEquals(new int[] {2000, 2200, 6000, 6100}, edges(g, 2));
  }

  @Test
  void fiveRuns_oldestFallsOff() {
    SackGenerator g = new SackGenerator();
    ReassemblyQueue q = held(g, 2000, 3000, 4000, 5000, 6000);
    assertEquals(4, g.blocks(RCV_NXT, q, 4));
    assertArrayEquals(
        new int[] {6000, 6100, 5000, 5100, 4000, 4100, 3000, 3100}, edges(g, 4), "2000 is gone");
  }

  @Test
  void duplicate_reportedFirstOnceWithTheRunAroundIt() {
    SackGenerator g = new SackGenerator();
    ReassemblyQueue q = held(g, 2000, 4000);
    g.onDuplicate(4000, 4050);
    // RFC 2883 §4.1: the duplicate, then the run it lies in, then the others; that run once.
    assertEquals(3, g.blocks(RCV_NXT, q, 4));
    assertArrayEquals(new int[] {4000, 4050, 4000, 4100, 2000, 2100}, edges(g, 3));
    assertEquals(2, g.blocks(RCV_NXT, q, 4), "the D-SACK went once");
    assertArrayEquals(new int[] {4000, 4100, 2000, 2100}, edges(g, 2));
  }

  @Test
  void delivered_runsBelowRcvNxtForgotten() {
    SackGenerator g = new SackGenerator();
    ReassemblyQueue q = held(g, 2000, 4000);
    q.deliverTo(3000, new ByteQueue(1 << 16));
    assertEquals(1, g.blocks(3000, q, 4));
    assertArrayEquals(new int[] {4000, 4100}, edges(g, 1));
  }

  @Test
  void outboundSegment_writesTheCopiedEdges() {
    SackGenerator g = new SackGenerator();
    ReassemblyQueue q = held(g, 2000, 4000);
    OutboundSegment out = new OutboundSegment();
    out.header(80, 40000, 1, RCV_NXT, 0x10, 1000);
    out.usualOptions(true, 7, 9, g.edges(), g.blocks(RCV_NXT, q, 3));
    g.onOutOfOrder(9000, 9100); // the generator's arrays change; the segment keeps its copy
    assertEquals(
        List.of(new SackBlock(4000, 4100), new SackBlock(2000, 2100)),
        out.toSegment().options().sackBlocks());
    ByteBuffer wire = ByteBuffer.allocate(100);
    TcpCodec.write(out, A, B, wire);
    TcpSegment parsed = TcpCodec.parse(wire.flip(), A, B, true).value();
    assertEquals(
        List.of(new SackBlock(4000, 4100), new SackBlock(2000, 2100)),
        parsed.options().sackBlocks());
  }

  @Test
  void ackWhileHolesRemain_allocatesNothing() throws ReflectiveOperationException {
    AllocationCounter mx = new AllocationCounter();
    SackGenerator g = new SackGenerator();
    ReassemblyQueue q = held(g, 2000, 4000, 6000);
    OutboundSegment out = new OutboundSegment();
    long length = 0;
    for (int i = 0; i < 20_000; i++) length += buildAck(g, q, out); // warm up, JIT
    long overhead = -mx.bytes() + mx.bytes(); // what reading the counter allocates
    long before = mx.bytes();
    for (int i = 0; i < 20_000; i++) length += buildAck(g, q, out);
    long allocated = mx.bytes() - before - overhead;
    assertEquals(40_000L * (20 + 12 + 4 + 3 * 8), length, "timestamps and three blocks each");
    // Whole bytes per ACK, as AllocationProbe reports them (the list and records this replaced took
    // about 100).
    assertEquals(0, allocated / 20_000, "bytes per ACK with three holes; " + allocated + " in all");
  }

  /**
   * The bytes this thread allocated, from {@code com.sun.management.ThreadMXBean}, read by
   * reflection: the core's module does not read jdk.management, and the tests run on the class
   * path.
   */
  private static final class AllocationCounter {
    private final Object bean;
    private final Method read;

    AllocationCounter() throws ReflectiveOperationException {
      bean =
          Class.forName("java.lang.management.ManagementFactory")
              .getMethod("getThreadMXBean")
              .invoke(null);
      read =
          Class.forName("com.sun.management.ThreadMXBean")
              .getMethod("getCurrentThreadAllocatedBytes");
    }

    long bytes() throws ReflectiveOperationException {
      return (Long) read.invoke(bean);
    }
  }

  /**
   * Builds one ACK with the generator's blocks, as TcpConnection does, and returns its encoded
   * length (the writing itself puts ints from the segment's own array).
   */
  private static int buildAck(SackGenerator g, ReassemblyQueue q, OutboundSegment out) {
    int n = g.blocks(RCV_NXT, q, 3);
    out.header(80, 40000, 1, RCV_NXT, 0x10, 1000);
    out.usualOptions(true, 7, 9, g.edges(), n);
    return out.encodedLength();
  }
}
