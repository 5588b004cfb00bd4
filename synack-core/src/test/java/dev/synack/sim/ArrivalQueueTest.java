package dev.synack.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.PriorityQueue;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ArrivalQueueTest {
  /** A packet as a priority queue over (time, sequence number) orders it: the queue it replaced. */
  private record Expected(long time, long seq, byte[] packet) implements Comparable<Expected> {
    @Override
    public int compareTo(Expected o) {
      int byTime = Long.compare(time, o.time);
      return byTime != 0 ? byTime : Long.compare(seq, o.seq);
    }
  }

  @Test
  void takesPacketsInTheOrderOfOnePriorityQueueOverTimeAndSequence() {
    SplittableRandom random = new SplittableRandom(7);
    ArrivalQueue queue = new ArrivalQueue();
    PriorityQueue<Expected> expected = new PriorityQueue<>();
    long now = 0;
    int taken = 0;
    for (int round = 0; round < 20_000; round++) {
      // Mostly in order (the ring), sometimes earlier than the last (the heap), many ties.
      int adds = random.nextInt(4);
      for (int i = 0; i < adds; i++) {
        long time = now + (random.nextInt(8) == 0 ? random.nextInt(50) : 10 + round / 4);
        byte[] packet = new byte[1];
        expected.add(new Expected(time, queue.nextSeq(), packet));
        queue.add(time, null, packet, false, false, null, null);
      }
      int polls = random.nextInt(4);
      for (int i = 0; i < polls; i++) {
        Expected e = expected.poll();
        ArrivalQueue.Arrival a = queue.poll();
        if (e == null) {
          assertNull(a);
          continue;
        }
        assertEquals(e.time(), a.time, "time of packet " + taken);
        assertEquals(e.seq(), a.seq, "sequence of packet " + taken);
        assertSame(e.packet(), a.packet);
        now = Math.max(now, a.time);
        taken++;
      }
      assertEquals(expected.size(), queue.size());
    }
    assertEquals(true, taken > 10_000, taken + " taken");
  }
}
