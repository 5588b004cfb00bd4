package dev.synack.link;

import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One end of two links joined in memory: what one end sends, the other receives, in order, without
 * loss unless the receiver's queue is full. Made for tests of the driver in real time.
 *
 * <p>A packet longer than the MTU is a bug in the sender and is rejected. A packet sent to a full
 * queue or a closed end is dropped, as a wire would drop it, and counted by {@link #drops()} of the
 * sending end.
 */
public final class MemoryLink implements Link {
  /** Packets a queue holds when the pair is made without saying. */
  public static final int DEFAULT_CAPACITY = 1024;

  /** The two ends of a pair. */
  public record Pair(MemoryLink a, MemoryLink b) {}

  private final int mtu;

  /** Packets waiting for this end to receive them. */
  private final Queue inbox;

  /** Packets waiting for the other end; this end sends into it. */
  private final Queue outbox;

  /** Packets this end sent that were dropped (full or closed queue); guarded by outbox's lock. */
  private long drops;

  private MemoryLink(int mtu, Queue inbox, Queue outbox) {
    this.mtu = mtu;
    this.inbox = inbox;
    this.outbox = outbox;
  }

  /** Returns two joined links with MTU 1500 and queues of {@value #DEFAULT_CAPACITY} packets. */
  public static Pair pair() {
    return pair(UdpLink.DEFAULT_MTU, DEFAULT_CAPACITY);
  }

  /**
   * Returns two joined links of the given MTU (68 or more), each queue holding capacity packets.
   */
  public static Pair pair(int mtu, int capacity) {
    if (mtu < 68) throw new IllegalArgumentException("mtu must be >= 68: " + mtu);
    if (capacity < 1) throw new IllegalArgumentException("capacity must be >= 1: " + capacity);
    Queue toA = new Queue(capacity);
    Queue toB = new Queue(capacity);
    return new Pair(new MemoryLink(mtu, toA, toB), new MemoryLink(mtu, toB, toA));
  }

  /** Returns how many packets this end sent that were dropped. */
  public long drops() {
    outbox.lock.lock();
    try {
      return drops;
    } finally {
      outbox.lock.unlock();
    }
  }

  @Override
  public int mtu() {
    return mtu;
  }

  @Override
  public int receive(ByteBuffer dst, long timeoutNanos) throws ClosedChannelException {
    Timeouts.check(timeoutNanos);
    long deadline = timeoutNanos == 0 ? 0 : Timeouts.deadline(timeoutNanos);
    inbox.lock.lock();
    try {
      while (true) {
        if (inbox.closed) throw new ClosedChannelException();
        byte[] packet = inbox.packets.poll();
        if (packet != null) {
          int length = Math.min(packet.length, dst.remaining());
          dst.put(packet, 0, length);
          return length;
        }
        if (inbox.wakeupPending || timeoutNanos == 0) {
          inbox.wakeupPending = false;
          return 0;
        }
        long remaining = Timeouts.remaining(deadline);
        if (remaining <= 0) return 0;
        try {
          if (remaining == Timeouts.NONE) inbox.changed.await();
          else inbox.changed.awaitNanos(remaining);
        } catch (InterruptedException e) {
          Thread.currentThread()
              .interrupt(); // Kept for the caller; this receive ends like a wakeup.
          return 0;
        }
      }
    } finally {
      inbox.lock.unlock();
    }
  }

  @Override
  public void send(ByteBuffer packet) throws ClosedChannelException {
    if (packet.remaining() > mtu) {
      throw new IllegalArgumentException(
          "packet of " + packet.remaining() + " bytes exceeds MTU " + mtu);
    }
    if (inbox.isClosed()) throw new ClosedChannelException();
    byte[] copy = new byte[packet.remaining()];
    packet.get(copy);
    outbox.lock.lock();
    try {
      if (outbox.closed || outbox.packets.size() >= outbox.capacity) {
        drops++;
        return;
      }
      outbox.packets.add(copy);
      outbox.changed.signal();
    } finally {
      outbox.lock.unlock();
    }
  }

  @Override
  public void wakeup() {
    inbox.lock.lock();
    try {
      inbox.wakeupPending = true;
      inbox.changed.signal();
    } finally {
      inbox.lock.unlock();
    }
  }

  @Override
  public void close() {
    inbox.lock.lock();
    try {
      inbox.closed = true;
      inbox.packets.clear();
      inbox.changed.signalAll();
    } finally {
      inbox.lock.unlock();
    }
  }

  @Override
  public String toString() {
    return "MemoryLink[mtu " + mtu + ", " + (inbox.isClosed() ? "closed" : "open") + "]";
  }

  /** Packets in flight towards one end, with what a waiting receiver needs to know. */
  private static final class Queue {
    final ReentrantLock lock = new ReentrantLock();

    /** Signalled when a packet arrives, a wakeup comes or the end closes. */
    final Condition changed = lock.newCondition();

    final ArrayDeque<byte[]> packets = new ArrayDeque<>();
    final int capacity;

    /** A wakeup came while no receive was waiting; the next one returns at once. */
    boolean wakeupPending;

    /** The receiving end is closed: receives fail, packets sent here are dropped. */
    boolean closed;

    Queue(int capacity) {
      this.capacity = capacity;
    }

    boolean isClosed() {
      lock.lock();
      try {
        return closed;
      } finally {
        lock.unlock();
      }
    }
  }
}
