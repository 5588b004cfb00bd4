package dev.synack.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.link.ImpairedLink.Impairment;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Tests of {@link ImpairedLink} over a {@link MemoryLink} pair: numbered packets, counted fates.
 */
class ImpairedLinkTest {
  private static final Impairment BAD = new Impairment(0.1, 0.1, 0.1);
  private static final long WAIT = TimeUnit.SECONDS.toNanos(2);

  @Nested
  class Outbound {
    @Test
    void thousandPackets_arrivalsMatchTheCountsAndSomeAreOutOfOrder() throws IOException {
      MemoryLink.Pair pair = MemoryLink.pair(1500, 4096);
      ImpairedLink link = ImpairedLink.wrap(pair.a(), BAD, Impairment.NONE, 42);
      for (int i = 0; i < 1000; i++) link.send(numbered(i));
      link.receive(ByteBuffer.allocate(1500), ImpairedLink.HOLD_NANOS * 2); // lets a held packet go

      List<Integer> arrived = drain(pair.b());
      ImpairedLink.Counts c = link.sent();
      assertEquals(1000, c.packets());
      assertTrue(c.dropped() > 50 && c.duplicated() > 50 && c.reordered() > 50, c.toString());
      assertEquals(1000 - c.dropped() + c.duplicated(), arrived.size(), c.toString());
      assertTrue(outOfOrder(arrived) > 0, "some packet arrives after a later one");
    }

    @Test
    void sameSeed_sameFates() throws IOException {
      assertEquals(runWithSeed(7), runWithSeed(7));
      assertTrue(!runWithSeed(7).equals(runWithSeed(8)));
    }

    @Test
    void heldPacketWithNothingAfterIt_goesOnceItsTimeComes() throws IOException {
      MemoryLink.Pair pair = MemoryLink.pair();
      ImpairedLink link = ImpairedLink.wrap(pair.a(), new Impairment(0, 0, 1), Impairment.NONE, 1);
      link.send(numbered(5));
      assertEquals(0, pair.b().receive(ByteBuffer.allocate(1500), 0), "held back");
      // A receive that waits lets it go when its hold ends.
      link.receive(ByteBuffer.allocate(1500), WAIT);
      assertEquals(List.of(5), drain(pair.b()));
    }
  }

  @Nested
  class Inbound {
    @Test
    void thousandPackets_receivedMatchTheCounts() throws IOException {
      MemoryLink.Pair pair = MemoryLink.pair(1500, 4096);
      ImpairedLink link = ImpairedLink.wrap(pair.a(), Impairment.NONE, BAD, 42);
      for (int i = 0; i < 1000; i++) pair.b().send(numbered(i));

      List<Integer> received = new ArrayList<>();
      ByteBuffer buf = ByteBuffer.allocate(1500);
      for (int tries = 0;
          tries < 5000
              && (link.received().packets() < 1000 || received.size() < expected(link.received()));
          tries++) {
        buf.clear();
        if (link.receive(buf, WAIT) > 0) received.add(buf.getInt(0));
      }
      ImpairedLink.Counts c = link.received();
      assertEquals(expected(c), received.size(), c.toString());
      assertTrue(outOfOrder(received) > 0);
    }
  }

  @Test
  void impairment_outOfRange_rejected() {
    assertThrows(IllegalArgumentException.class, () -> new Impairment(1, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> new Impairment(0, -0.1, 0));
    assertThrows(IllegalArgumentException.class, () -> new Impairment(0, 0, Double.NaN));
  }

  private static long expected(ImpairedLink.Counts c) {
    return c.packets() - c.dropped() + c.duplicated();
  }

  private static List<Integer> runWithSeed(long seed) throws IOException {
    MemoryLink.Pair pair = MemoryLink.pair(1500, 4096);
    ImpairedLink link = ImpairedLink.wrap(pair.a(), BAD, Impairment.NONE, seed);
    for (int i = 0; i < 200; i++) link.send(numbered(i));
    return drain(pair.b());
  }

  private static ByteBuffer numbered(int n) {
    return ByteBuffer.allocate(40).putInt(0, n);
  }

  private static List<Integer> drain(MemoryLink link) throws IOException {
    List<Integer> out = new ArrayList<>();
    ByteBuffer buf = ByteBuffer.allocate(1500);
    while (link.receive(buf.clear(), 0) > 0) out.add(buf.getInt(0));
    return out;
  }

  private static int outOfOrder(List<Integer> numbers) {
    int count = 0;
    for (int i = 1; i < numbers.size(); i++) {
      if (numbers.get(i) < numbers.get(i - 1)) count++;
    }
    return count;
  }
}
