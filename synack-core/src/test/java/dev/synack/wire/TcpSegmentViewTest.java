package dev.synack.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The reused segment view against the parse: whatever the view takes, it reads as the record the
 * parse makes, field for field, option for option, payload byte for byte; and it takes no segment
 * the parse refuses.
 */
class TcpSegmentViewTest {
  private static final InetAddress A = address(10, 0, 0, 1);
  private static final InetAddress B = address(10, 0, 0, 2);

  @Test
  void steadySegments_readAsTheParsedRecord() {
    SplittableRandom random = new SplittableRandom(7);
    TcpSegmentView view = new TcpSegmentView();
    int taken = 0;
    for (int i = 0; i < 2_000; i++) {
      byte[] bytes = TcpCodec.toBytes(steadySegment(random), A, B);
      ByteBuffer packet = ByteBuffer.allocate(bytes.length + 13);
      packet.put(13, bytes);
      assertTrue(view.wrap(packet, 13, bytes.length), "the view takes a steady segment");
      taken++;
      TcpSegment parsed = TcpCodec.parse(ByteBuffer.wrap(bytes), A, B, true).value();
      assertSame(parsed, view);
    }
    assertEquals(2_000, taken);
  }

  @Test
  void mutatedSegments_takenOnlyWhenTheParseTakesThem_andReadTheSame() {
    SplittableRandom random = new SplittableRandom(11);
    TcpSegmentView view = new TcpSegmentView();
    int taken = 0;
    int refused = 0;
    for (int i = 0; i < 20_000; i++) {
      byte[] bytes = TcpCodec.toBytes(steadySegment(random), A, B);
      for (int m = 1 + random.nextInt(3); m > 0; m--)
        bytes[random.nextInt(Math.min(bytes.length, 60))] = (byte) random.nextInt(256);
      Parsed<TcpSegment> parsed = TcpCodec.parse(ByteBuffer.wrap(bytes), A, B, false);
      if (view.wrap(ByteBuffer.wrap(bytes), 0, bytes.length)) {
        taken++;
        assertNull(parsed.reason(), "the parse takes what the view takes");
        assertSame(parsed.value(), view);
      } else {
        refused++;
      }
    }
    assertTrue(taken > 1_000 && refused > 1_000, "both kinds seen: " + taken + ", " + refused);
  }

  @Test
  void otherOptionsAndShortHeaders_areLeftToTheParse() {
    TcpSegmentView view = new TcpSegmentView();
    TcpSegment withMss =
        TcpSegment.of(1, 2, 3, 4, TcpFlags.SYN, 5)
            .withOptions(TcpOptions.of(new TcpOption.MaximumSegmentSize(1460)));
    byte[] bytes = TcpCodec.toBytes(withMss, A, B);
    assertFalse(view.wrap(ByteBuffer.wrap(bytes), 0, bytes.length), "an MSS option");
    assertFalse(view.wrap(ByteBuffer.wrap(new byte[19]), 0, 19), "19 bytes");
    byte[] plain = TcpCodec.toBytes(TcpSegment.of(1, 2, 3, 4, TcpFlags.ACK, 5), A, B);
    plain[12] = (byte) 0x40; // data offset 4 words
    assertFalse(view.wrap(ByteBuffer.wrap(plain), 0, plain.length), "a data offset below 5");
  }

  private static void assertSame(TcpSegment parsed, TcpSegmentView view) {
    assertEquals(parsed, view.toSegment(), "the record");
    assertEquals(parsed.sourcePort(), view.sourcePort());
    assertEquals(parsed.destinationPort(), view.destinationPort());
    assertEquals(parsed.sequenceNumber(), view.sequenceNumber());
    assertEquals(parsed.acknowledgmentNumber(), view.acknowledgmentNumber());
    assertEquals(parsed.flags(), view.flags());
    assertEquals(parsed.window(), view.window());
    assertEquals(parsed.urgentPointer(), view.urgentPointer());
    assertEquals(parsed.payloadLength(), view.payloadLength());
    assertEquals(parsed.segmentLength(), view.segmentLength());
    assertEquals(parsed.payload(), view.payload(), "the payload's bytes");
    assertEquals(parsed.hasTimestamps(), view.hasTimestamps());
    assertEquals(parsed.tsVal(), view.tsVal());
    assertEquals(parsed.tsEcr(), view.tsEcr());
    assertEquals(parsed.sackBlockCount(), view.sackBlockCount());
    for (int b = 0; b < parsed.sackBlockCount(); b++) {
      assertEquals(parsed.sackLeft(b), view.sackLeft(b));
      assertEquals(parsed.sackRight(b), view.sackRight(b));
    }
    assertEquals(parsed.options(), view.options());
  }

  /** Returns a segment as a connection sends one: NOPs, timestamps, SACK blocks, some payload. */
  private static TcpSegment steadySegment(SplittableRandom random) {
    List<TcpOption> options = new ArrayList<>();
    boolean ts = random.nextBoolean();
    if (ts) {
      options.add(TcpOption.NOP);
      options.add(TcpOption.NOP);
      options.add(new TcpOption.Timestamps(random.nextInt(), random.nextInt()));
    }
    int blocks = random.nextInt(ts ? 4 : 5);
    if (blocks > 0) {
      List<SackBlock> list = new ArrayList<>();
      for (int b = 0; b < blocks; b++) list.add(new SackBlock(random.nextInt(), random.nextInt()));
      options.add(TcpOption.NOP);
      options.add(TcpOption.NOP);
      options.add(new TcpOption.Sack(list));
    }
    byte[] payload = new byte[random.nextInt(64)];
    random.nextBytes(payload);
    int flags = TcpFlags.ACK | (random.nextBoolean() ? TcpFlags.PSH : 0);
    if (random.nextInt(8) == 0) flags |= TcpFlags.FIN;
    return new TcpSegment(
        random.nextInt(65536),
        random.nextInt(65536),
        random.nextInt(),
        random.nextInt(),
        flags,
        random.nextInt(65536),
        0,
        0,
        new TcpOptions(options),
        ByteBuffer.wrap(payload));
  }

  private static InetAddress address(int a, int b, int c, int d) {
    try {
      return InetAddress.getByAddress(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }
}
