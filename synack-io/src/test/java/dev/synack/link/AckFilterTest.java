package dev.synack.link;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class AckFilterTest {
  private static final int ACK = 0x10;
  private static final int PSH = 0x08;
  private static final int FIN = 0x01;
  private static final int ECE = 0x40;

  /** A TCP packet over IPv4 from 10.0.0.2:{@code srcPort} to 10.0.0.1:5001, with a timestamp. */
  private static ByteBuffer v4(
      int srcPort, int ack, int window, int flags, byte[] extraOptions, int payload) {
    int options = 12 + extraOptions.length;
    int tcpLength = 20 + options;
    ByteBuffer p = ByteBuffer.allocate(20 + tcpLength + payload);
    p.put(0, (byte) 0x45);
    p.putShort(2, (short) p.capacity());
    p.put(8, (byte) 64);
    p.put(9, (byte) 6);
    p.put(12, new byte[] {10, 0, 0, 2});
    p.put(16, new byte[] {10, 0, 0, 1});
    p.putShort(20, (short) srcPort);
    p.putShort(22, (short) 5001);
    p.putInt(24, 1000);
    p.putInt(28, ack);
    p.put(32, (byte) ((tcpLength / 4) << 4));
    p.put(33, (byte) flags);
    p.putShort(34, (short) window);
    p.put(40, new byte[] {1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0, 9});
    p.put(52, extraOptions);
    return p;
  }

  private static ByteBuffer pureAck(int ack, int window) {
    return v4(40000, ack, window, ACK, new byte[0], 0);
  }

  /** A TCP packet over IPv6 from fd00::2 to fd00::1, ports 40000 to 5001, no options. */
  private static ByteBuffer v6(int ack, int window, int flags) {
    ByteBuffer p = ByteBuffer.allocate(60);
    p.put(0, (byte) 0x60);
    p.putShort(4, (short) 20);
    p.put(6, (byte) 6);
    p.put(7, (byte) 64);
    p.put(8, (byte) 0xfd);
    p.put(23, (byte) 2);
    p.put(24, (byte) 0xfd);
    p.put(39, (byte) 1);
    p.putShort(40, (short) 40000);
    p.putShort(42, (short) 5001);
    p.putInt(48, ack);
    p.put(52, (byte) 0x50);
    p.put(53, (byte) flags);
    p.putShort(54, (short) window);
    return p;
  }

  private static boolean[] mark(ByteBuffer... packets) {
    boolean[] drop = new boolean[packets.length];
    int marked = AckFilter.mark(packets, new int[packets.length], packets.length, drop);
    int counted = 0;
    for (boolean d : drop) if (d) counted++;
    assertEquals(counted, marked, "the count returned is the packets marked");
    return drop;
  }

  @Test
  void ackRunOfOneConnection_onlyTheLastLeaves() {
    assertArrayEquals(
        new boolean[] {true, true, false},
        mark(pureAck(100, 500), pureAck(200, 500), pureAck(300, 600)));
  }

  @Test
  void ackRunOverIpv6_onlyTheLastLeaves() {
    assertArrayEquals(new boolean[] {true, false}, mark(v6(100, 500, ACK), v6(200, 500, ACK)));
  }

  @Test
  void equalAckNumbers_bothLeave_theyMayBeDuplicateAcks() {
    assertArrayEquals(new boolean[] {false, false}, mark(pureAck(100, 500), pureAck(100, 500)));
  }

  @Test
  void laterAckWithSmallerWindow_sameRightEdge_onlyTheLastLeaves() {
    // Nothing read between them: 100 more bytes acknowledged, 100 fewer offered (scale 0).
    assertArrayEquals(new boolean[] {true, false}, mark(pureAck(100, 500), pureAck(200, 400)));
  }

  @Test
  void laterAckClosingTheWindow_bothLeave() {
    assertArrayEquals(new boolean[] {false, false}, mark(pureAck(100, 500), pureAck(200, 0)));
  }

  @Test
  void laterAckOpeningAClosedWindow_onlyTheLastLeaves() {
    assertArrayEquals(new boolean[] {true, false}, mark(pureAck(100, 0), pureAck(200, 300)));
  }

  @Test
  void ackNumberWrappingAround_stillAdvances() {
    assertArrayEquals(
        new boolean[] {true, false}, mark(pureAck(0xffff_fff0, 500), pureAck(0x10, 500)));
  }

  @Test
  void olderAckAfterNewer_bothLeave() {
    assertArrayEquals(new boolean[] {false, false}, mark(pureAck(300, 500), pureAck(200, 500)));
  }

  @Test
  void sackBlocksOnEither_bothLeave() {
    byte[] sack = {1, 1, 5, 10, 0, 0, 0, 50, 0, 0, 0, 60};
    ByteBuffer withSack = v4(40000, 200, 500, ACK, sack, 0);
    assertArrayEquals(
        new boolean[] {false, false}, mark(v4(40000, 100, 500, ACK, sack, 0), pureAck(200, 500)));
    assertArrayEquals(new boolean[] {false, false}, mark(pureAck(100, 500), withSack));
  }

  @Test
  void otherFlagsOnEither_bothLeave() {
    for (int flags : new int[] {ACK | PSH, ACK | FIN, ACK | ECE}) {
      assertArrayEquals(
          new boolean[] {false, false},
          mark(v4(40000, 100, 500, flags, new byte[0], 0), pureAck(200, 500)),
          "earlier with flags " + flags);
      assertArrayEquals(
          new boolean[] {false, false},
          mark(pureAck(100, 500), v4(40000, 200, 500, flags, new byte[0], 0)),
          "later with flags " + flags);
    }
  }

  @Test
  void ecnCodepointInIp_bothLeave() {
    ByteBuffer ect = pureAck(100, 500);
    ect.put(1, (byte) 0x02);
    assertArrayEquals(new boolean[] {false, false}, mark(ect, pureAck(200, 500)));
  }

  @Test
  void dataOfTheSameConnectionBetween_earlierAckLeaves() {
    ByteBuffer data = v4(40000, 150, 500, ACK, new byte[0], 100);
    assertArrayEquals(
        new boolean[] {false, false, false}, mark(pureAck(100, 500), data, pureAck(200, 500)));
  }

  @Test
  void anotherConnectionBetween_doesNotKeepTheEarlierAck() {
    ByteBuffer other = v4(40001, 999, 500, ACK, new byte[0], 0);
    assertArrayEquals(
        new boolean[] {true, false, false}, mark(pureAck(100, 500), other, pureAck(200, 500)));
  }

  @Test
  void superPacketBetween_earlierAckLeaves() {
    ByteBuffer[] packets = {
      pureAck(100, 500), v4(40000, 150, 500, ACK, new byte[0], 2896), pureAck(200, 500)
    };
    boolean[] drop = new boolean[3];
    assertEquals(0, AckFilter.mark(packets, new int[] {0, 1448, 0}, 3, drop));
  }

  @Test
  void packetsWhereTheyLieInALargerBuffer_readFromTheirPosition() {
    ByteBuffer area = ByteBuffer.allocateDirect(1000);
    ByteBuffer a = pureAck(100, 500);
    ByteBuffer b = pureAck(200, 500);
    area.put(10, a, 0, a.capacity());
    area.put(200, b, 0, b.capacity());
    ByteBuffer va = area.duplicate().position(10).limit(10 + a.capacity());
    ByteBuffer vb = area.duplicate().position(200).limit(200 + b.capacity());
    assertArrayEquals(new boolean[] {true, false}, mark(va, vb));
    assertEquals(10, va.position(), "the filter moves no position");
  }

  @Test
  void malformedOrShortPackets_neverMarkedNorThrow() {
    ByteBuffer truncated = pureAck(100, 500).limit(30);
    ByteBuffer lyingLength = pureAck(100, 500);
    lyingLength.putShort(2, (short) 9999);
    ByteBuffer badOffset = pureAck(100, 500);
    badOffset.put(32, (byte) 0xf0);
    assertArrayEquals(
        new boolean[] {false, false, false, false},
        mark(truncated, lyingLength, badOffset, pureAck(200, 500)));
  }
}
