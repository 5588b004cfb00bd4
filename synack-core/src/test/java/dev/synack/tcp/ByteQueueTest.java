package dev.synack.tcp;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.wire.OutboundSegment;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The send and receive buffers' storage: nothing held while idle, doubling up to the limit, FIFO
 * order across the wrap.
 */
class ByteQueueTest {

  @Nested
  class Memory {
    @Test
    void newQueue_nothingWritten_holdsNoStorage() {
      ByteQueue q = new ByteQueue(128 * 1024);
      assertEquals(0, q.allocated());
      assertEquals(128 * 1024, q.free());
    }

    @Test
    void write_smallFirstThenGrowsByDoubling() {
      ByteQueue q = new ByteQueue(1 << 20);
      q.write(ByteBuffer.allocate(1));
      assertEquals(256, q.allocated(), "a byte takes the smallest ring, not the whole limit");
      q.write(ByteBuffer.allocate(300));
      assertEquals(512, q.allocated());
      q.write(ByteBuffer.allocate(20_000));
      assertEquals(32768, q.allocated());
    }

    @Test
    void write_largeFirst_takesWhatItNeedsAtOnce() {
      ByteQueue q = new ByteQueue(1 << 20);
      q.write(ByteBuffer.allocate(200_000));
      assertEquals(262_144, q.allocated(), "no climb through the small sizes");
    }

    @Test
    void write_neverAllocatesBeyondTheCapacity() {
      ByteQueue q = new ByteQueue(10_000);
      assertEquals(10_000, q.write(ByteBuffer.allocate(50_000)));
      assertEquals(10_000, q.allocated(), "an odd limit is not rounded up to a power of two");
      assertEquals(0, q.free());
    }

    @Test
    void drained_keepsItsRingUntilALookFindsItIdle() {
      ByteQueue q = new ByteQueue(1 << 20);
      q.write(ByteBuffer.allocate(300_000));
      q.read(ByteBuffer.allocate(200_000));
      assertEquals(524_288, q.allocated(), "part read: the storage stays");
      q.discard(100_000);
      assertEquals(524_288, q.allocated(), "drained while busy: the ring stays for the next bytes");
      assertTrue(q.reclaim(), "the first look sees a queue used since the last one");
      assertEquals(524_288, q.allocated());
      assertFalse(q.reclaim(), "unused since the last look: the ring goes back");
      assertEquals(0, q.allocated(), "an idle connection holds no data buffer");
    }

    @Test
    void drained_usedAgainBetweenLooks_keepsItsRing() {
      ByteQueue q = new ByteQueue(1 << 16);
      q.write(ByteBuffer.allocate(1000));
      q.discard(1000);
      q.reclaim();
      q.write(ByteBuffer.allocate(10));
      q.discard(10);
      assertTrue(q.reclaim(), "written and drained since the last look: still in use");
      assertEquals(1024, q.allocated());
    }

    @Test
    void queueHoldingBytes_reclaim_keepsThem() {
      ByteQueue q = new ByteQueue(1 << 16);
      q.write(ByteBuffer.allocate(100));
      q.reclaim();
      assertFalse(q.reclaim(), "nothing idle to look at again");
      assertEquals(256, q.allocated());
      assertEquals(100, q.size());
    }

    @Test
    void clear_givesTheRingBackAtOnce() {
      ByteQueue q = new ByteQueue(1 << 16);
      q.write(ByteBuffer.allocate(10));
      q.clear();
      assertEquals(0, q.allocated());
    }

    @Test
    void setCapacity_raisesTheLimitForLaterWrites() {
      ByteQueue q = new ByteQueue(4);
      assertEquals(4, q.write(ByteBuffer.wrap("abcdefgh".getBytes(UTF_8))));
      q.setCapacity(8);
      assertEquals(4, q.write(ByteBuffer.wrap("efghijk".getBytes(UTF_8))));
      ByteBuffer out = ByteBuffer.allocate(8);
      q.read(out);
      assertEquals("abcdefgh", new String(out.array(), UTF_8));
    }
  }

  @Nested
  class Order {
    @Test
    void wrappedRing_growing_keepsTheBytesInOrder() {
      ByteQueue q = new ByteQueue(1 << 16);
      q.write(ByteBuffer.wrap(sequence(0, 4000)));
      q.discard(3000);
      q.write(ByteBuffer.wrap(sequence(4000, 3000))); // wraps inside the 4 KiB ring
      q.write(ByteBuffer.wrap(sequence(7000, 3000))); // grows while wrapped
      assertEquals(7000, q.size());
      ByteBuffer out = ByteBuffer.allocate(7000);
      q.read(out);
      assertArrayEquals(sequence(3000, 7000), out.array());
    }

    @Test
    void lend_acrossTheWrap_leavesTheQueueAlone() {
      ByteQueue q = new ByteQueue(4096);
      q.write(ByteBuffer.wrap(sequence(0, 4000)));
      q.discard(3500);
      q.write(ByteBuffer.wrap(sequence(4000, 1000)));
      OutboundSegment segment = new OutboundSegment().header(1, 2, 0, 0, 0, 0);
      q.lend(400, 300, segment);
      byte[] got = new byte[300];
      segment.toSegment().payload().get(got);
      assertArrayEquals(sequence(3900, 300), got);
      assertEquals(1500, q.size());
    }
  }

  /**
   * Any sequence of writes, reads and discards behaves as a FIFO of at most {@code capacity} bytes.
   */
  @Property(tries = 300)
  void anyOperations_behaveLikeABoundedFifo(
      @ForAll @IntRange(min = 1, max = 20_000) int capacity,
      @ForAll @Size(max = 60) List<@IntRange(min = -9000, max = 9000) Integer> ops) {
    ByteQueue q = new ByteQueue(capacity);
    ArrayDeque<Byte> model = new ArrayDeque<>();
    int next = 0;
    for (int op : ops) {
      if (op == 0) {
        q.reclaim(); // a look of the reclaim timer, anywhere in the sequence
      } else if (op > 0) {
        byte[] data = sequence(next, op);
        int taken = q.write(ByteBuffer.wrap(data));
        assertEquals(Math.min(op, capacity - model.size()), taken);
        for (int i = 0; i < taken; i++) model.add(data[i]);
        next += taken;
      } else if (op % 2 == 0) {
        ByteBuffer out = ByteBuffer.allocate(-op);
        int got = q.read(out);
        assertEquals(Math.min(-op, model.size()), got);
        for (int i = 0; i < got; i++) assertEquals(model.poll(), out.get(i));
      } else {
        int n = Math.min(-op, model.size());
        q.discard(n);
        for (int i = 0; i < n; i++) model.poll();
      }
      assertEquals(model.size(), q.size());
      if (!model.isEmpty()) assertTrue(q.allocated() >= model.size(), "queued bytes have storage");
      assertEquals(true, q.allocated() <= capacity);
    }
  }

  private static byte[] sequence(int from, int length) {
    byte[] b = new byte[length];
    for (int i = 0; i < length; i++) b[i] = (byte) ((from + i) * 7 + (from + i) / 251);
    return b;
  }
}
