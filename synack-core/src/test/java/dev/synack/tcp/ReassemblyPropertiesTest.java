package dev.synack.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.synack.wire.TcpOption;
import dev.synack.wire.TcpOptions;
import dev.synack.wire.TcpSegment;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The receiver's promise: however a stream is cut into segments, reordered and duplicated, with
 * overlapping retransmissions, the user reads it exactly once and in order, then the end of stream.
 */
class ReassemblyPropertiesTest {

  @Property(tries = 300)
  void anySegmentationPermutationAndDuplication_deliversTheStreamOnceInOrder(
      @ForAll @IntRange(min = 1, max = 6000) int length,
      @ForAll @IntRange(min = 1, max = 1500) int maxSegment,
      @ForAll @IntRange(max = 300) int maxOverlap,
      @ForAll long seed) {
    Random random = new Random(seed);
    byte[] stream = new byte[length];
    random.nextBytes(stream);
    List<int[]> ranges = new ArrayList<>();
    for (int at = 0; at < length; ) {
      int end = Math.min(length, at + 1 + random.nextInt(maxSegment));
      // A retransmission may start earlier and end later than the original cut (repacketization).
      int from = Math.max(0, at - random.nextInt(maxOverlap + 1));
      int to = Math.min(length, end + random.nextInt(maxOverlap + 1));
      ranges.add(new int[] {from, to});
      if (random.nextInt(4) == 0) ranges.add(new int[] {from, to});
      at = end;
    }
    for (int extra = random.nextInt(5); extra > 0; extra--) {
      int from = random.nextInt(length);
      ranges.add(new int[] {from, from + 1 + random.nextInt(length - from)});
    }
    Collections.shuffle(ranges, random);

    EngineScript s = EngineScript.established(EngineScript.PLAIN);
    for (int[] r : ranges) inject(s, stream, r);
    // The receiver may prune what it holds (its piece limit); a sender resends from the ACK on.
    ranges.sort((a, b) -> a[0] - b[0]);
    for (int round = 0; round < 10 && s.conn().state() == TcpState.ESTABLISHED; round++) {
      int acked = s.conn().rcv.rcvNxt - (EngineScript.PEER_ISS + 1);
      for (int[] r : ranges) if (r[1] > acked) inject(s, stream, r);
    }
    ByteBuffer got = ByteBuffer.allocate(length + 1);
    int n;
    while ((n = s.conn().receive(got, s.now())) > 0) {}
    assertEquals(
        -1,
        n,
        () ->
            "end of stream after "
                + got.position()
                + " of "
                + length
                + " bytes\n"
                + s.trace.dump());
    assertEquals(length, got.position());
    assertArrayEquals(stream, java.util.Arrays.copyOf(got.array(), length));
    assertEquals(TcpState.CLOSE_WAIT, s.conn().state());
    assertEquals(0, s.conn().rcv.outOfOrderBytes(), "nothing left behind");
  }

  /**
   * Arbitrary segments around the window, with every flag and option combination, never make the
   * receiver throw.
   */
  @Property(tries = 200)
  void arbitrarySegmentsAroundTheWindow_neverThrow(@ForAll long seed) {
    Random random = new Random(seed);
    TcpConfig cfg =
        EngineScript.PLAIN.withSackPermitted(true).withTimestamps(true, 0).withBuffers(2000, 2000);
    EngineScript s = EngineScript.connect(cfg);
    s.expect("S", 1000, 0);
    s.inject(
        Seg.withOptions(
            s.peer("S.", EngineScript.PEER_ISS, 1001),
            new TcpOption.SackPermitted(),
            new TcpOption.Timestamps(100, 1)));
    for (int i = 0; i < 60 && s.conn().state() != TcpState.CLOSED; i++) {
      int seq = EngineScript.PEER_ISS + 1 + random.nextInt(6000) - 1000;
      byte[] text = new byte[random.nextInt(1600)];
      int flags =
          random.nextInt(64) & ~Seg.flags("S") & ~(random.nextInt(4) == 0 ? 0 : Seg.flags("R"));
      TcpSegment seg =
          new TcpSegment(
              80,
              40000,
              seq,
              1001,
              flags | Seg.flags("."),
              random.nextInt(65536),
              0,
              random.nextInt(65536),
              TcpOptions.of(new TcpOption.Timestamps(90 + random.nextInt(40), random.nextInt(3))),
              ByteBuffer.wrap(text));
      s.inject(seg);
      while (s.conn().pollTransmit(s.now()) != null) {}
      if (random.nextBoolean() && s.conn().state() != TcpState.CLOSED)
        s.conn().receive(ByteBuffer.allocate(random.nextInt(3000)), s.now());
      if (random.nextInt(5) == 0) s.advance(Duration.ofMillis(random.nextInt(300)));
    }
  }

  private static void inject(EngineScript s, byte[] stream, int[] range) {
    String flags = range[1] == stream.length ? "F." : ".";
    s.inject(
        s.peer(flags, EngineScript.PEER_ISS + 1 + range[0], 1001)
            .withPayload(ByteBuffer.wrap(stream, range[0], range[1] - range[0]).slice()));
  }
}
