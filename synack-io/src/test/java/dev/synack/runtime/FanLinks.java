package dev.synack.runtime;

import dev.synack.link.Link;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.ObjIntConsumer;
import java.util.function.ToIntFunction;

/**
 * One wide end joined in memory to several narrow ends, as a multiqueue device joins the kernel to
 * its queues: what any narrow end sends, the wide end receives; what the wide end sends goes to the
 * narrow end a steering function names (the kernel's choice of queue, which a test may make wrong
 * on purpose so that every packet is handed between loops). Unbounded queues: nothing is dropped.
 */
final class FanLinks {
  private static final int MTU = 1500;

  final Wide wide;
  final List<Narrow> narrow = new ArrayList<>();

  /**
   * Makes {@code count} narrow ends; {@code steer} picks one for each packet the wide end sends.
   */
  FanLinks(int count, ToIntFunction<ByteBuffer> steer) {
    this(count, steer, false, (queue, packet) -> {});
  }

  /**
   * Makes {@code count} narrow ends as above, which say whether the fan steers flows as a
   * multiqueue TUN device does ({@link Link#steersFlows}); {@code sent} hears each packet a narrow
   * end sends, with its index, before the wide end has it (for a steering that learns flows).
   */
  FanLinks(
      int count,
      ToIntFunction<ByteBuffer> steer,
      boolean steersFlows,
      ObjIntConsumer<ByteBuffer> sent) {
    Box toWide = new Box();
    List<Box> toNarrow = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Box b = new Box();
      toNarrow.add(b);
      narrow.add(new Narrow(b, toWide, i, steersFlows, sent));
    }
    wide = new Wide(toWide, toNarrow, steer);
  }

  /** The side of the kernel: one link fed by every queue. */
  static final class Wide extends End {
    private final List<Box> out;
    private final ToIntFunction<ByteBuffer> steer;

    private Wide(Box in, List<Box> out, ToIntFunction<ByteBuffer> steer) {
      super(in);
      this.out = out;
      this.steer = steer;
    }

    @Override
    public void send(ByteBuffer packet) throws ClosedChannelException {
      ensureOpen();
      int i = Math.floorMod(steer.applyAsInt(packet.duplicate()), out.size());
      out.get(i).put(packet);
    }
  }

  /** One queue: the link of one loop. */
  static final class Narrow extends End {
    private final Box out;
    private final int index;
    private final boolean steersFlows;
    private final ObjIntConsumer<ByteBuffer> sent;

    private Narrow(
        Box in, Box out, int index, boolean steersFlows, ObjIntConsumer<ByteBuffer> sent) {
      super(in);
      this.out = out;
      this.index = index;
      this.steersFlows = steersFlows;
      this.sent = sent;
    }

    @Override
    public boolean steersFlows() {
      return steersFlows;
    }

    @Override
    public void send(ByteBuffer packet) throws ClosedChannelException {
      ensureOpen();
      sent.accept(packet.duplicate(), index);
      out.put(packet);
    }
  }

  abstract static class End implements Link {
    private final Box in;
    private volatile boolean closed;

    End(Box in) {
      this.in = in;
    }

    @Override
    public int mtu() {
      return MTU;
    }

    @Override
    public int receive(ByteBuffer dst, long timeoutNanos) throws ClosedChannelException {
      if (timeoutNanos < 0) throw new IllegalArgumentException("negative timeout");
      ensureOpen();
      byte[] p = in.take(timeoutNanos);
      if (p == null) return 0;
      int n = Math.min(p.length, dst.remaining());
      dst.put(p, 0, n);
      return n;
    }

    @Override
    public void wakeup() {
      in.wake();
    }

    @Override
    public void close() {
      closed = true;
      in.wake();
    }

    void ensureOpen() throws ClosedChannelException {
      if (closed) throw new ClosedChannelException();
    }
  }

  /**
   * A queue of packets with a wake-up flag, under one lock (the test harness only: the stack's
   * hand-off has none).
   */
  static final class Box {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<byte[]> packets = new ArrayDeque<>();
    private boolean woken;

    void put(ByteBuffer packet) {
      byte[] p = new byte[packet.remaining()];
      packet.get(p);
      lock.lock();
      try {
        packets.add(p);
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }

    void wake() {
      lock.lock();
      try {
        woken = true;
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }

    /** Returns the next packet, or null on timeout or a wake-up. */
    byte[] take(long timeoutNanos) {
      lock.lock();
      try {
        long left = Math.min(timeoutNanos, TimeUnit.SECONDS.toNanos(3600));
        while (packets.isEmpty()) {
          if (woken) {
            woken = false;
            return null;
          }
          if (left <= 0) return null;
          try {
            left = changed.awaitNanos(left);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
          }
        }
        return packets.poll();
      } finally {
        lock.unlock();
      }
    }
  }
}
