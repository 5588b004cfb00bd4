package dev.synack.link;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A link that passes packets to and from another link but drops, duplicates and reorders a share of
 * them in each direction, drawn from a seeded random source: a bad path in user space, for a kernel
 * without netem. The same seed and the same packets in the same order give the same fate.
 *
 * <p>A reordered packet is held back and let through right after the next packet in its direction,
 * or after {@link #HOLD_NANOS} when none follows (a receive that waits lets held packets of both
 * directions go when their time comes). Threads as for any {@link Link}; closing drops what is held
 * and closes the inner link.
 */
public final class ImpairedLink implements Link {
  /** The longest a reordered packet is held back when no other packet overtakes it. */
  public static final long HOLD_NANOS = 3_000_000L;

  /**
   * The share of packets one direction loses, delivers twice, and delivers after the next one.
   *
   * @param loss probability a packet is dropped, 0 to below 1
   * @param duplicate probability a packet is delivered twice, 0 to 1
   * @param reorder probability a packet is held back behind the next one, 0 to 1
   */
  public record Impairment(double loss, double duplicate, double reorder) {
    /** No impairment: every packet once, in order. */
    public static final Impairment NONE = new Impairment(0, 0, 0);

    public Impairment {
      if (!(loss >= 0 && loss < 1))
        throw new IllegalArgumentException("loss must be in [0, 1): " + loss);
      if (!(duplicate >= 0 && duplicate <= 1))
        throw new IllegalArgumentException("duplicate must be in [0, 1]: " + duplicate);
      if (!(reorder >= 0 && reorder <= 1))
        throw new IllegalArgumentException("reorder must be in [0, 1]: " + reorder);
    }
  }

  /** What happened to the packets of one direction so far. */
  public record Counts(long packets, long dropped, long duplicated, long reordered) {}

  private final Link inner;
  private final Direction outbound;
  private final Direction inbound;

  /**
   * Guards {@link #outbound} and sending to the inner link: senders and a waiting receive share
   * them.
   */
  private final ReentrantLock sendLock = new ReentrantLock();

  /**
   * Packets through the inbound impairment, waiting for {@link #receive}; receiving thread only.
   */
  private final ArrayDeque<byte[]> arrived = new ArrayDeque<>();

  /** Where the inner link's packets land; receiving thread only. */
  private final ByteBuffer landing;

  private ImpairedLink(Link inner, Impairment out, Impairment in, long seed) {
    this.inner = inner;
    SplittableRandom random = new SplittableRandom(seed);
    this.outbound = new Direction(out, random.split());
    this.inbound = new Direction(in, random.split());
    this.landing = ByteBuffer.allocateDirect(inner.mtu());
  }

  /**
   * Wraps {@code inner}, impairing what is sent by {@code outbound} and what is received by {@code
   * inbound}, with randomness seeded by {@code seed}; the wrapper owns the inner link.
   */
  public static ImpairedLink wrap(Link inner, Impairment outbound, Impairment inbound, long seed) {
    return new ImpairedLink(inner, outbound, inbound, seed);
  }

  /** Returns what happened to the packets sent so far. */
  public Counts sent() {
    return outbound.counts();
  }

  /** Returns what happened to the packets received so far. */
  public Counts received() {
    return inbound.counts();
  }

  @Override
  public int mtu() {
    return inner.mtu();
  }

  @Override
  public void send(ByteBuffer packet) throws IOException {
    byte[] bytes = new byte[packet.remaining()];
    packet.get(bytes);
    sendLock.lock();
    try {
      for (byte[] p : outbound.pass(bytes, System.nanoTime())) inner.send(ByteBuffer.wrap(p));
    } finally {
      sendLock.unlock();
    }
  }

  @Override
  public int receive(ByteBuffer dst, long timeoutNanos) throws IOException {
    Timeouts.check(timeoutNanos);
    if (arrived.isEmpty()) {
      long now = System.nanoTime();
      releaseHeld(now);
      if (arrived.isEmpty()) {
        long wait = Math.min(timeoutNanos, untilRelease(now));
        landing.clear();
        int n = inner.receive(landing, wait);
        if (n > 0) {
          byte[] bytes = new byte[n];
          landing.flip().get(bytes);
          arrived.addAll(inbound.pass(bytes, System.nanoTime()));
        }
        // Waking early for a held packet, or a wakeup, returns 0: the caller asks again.
        releaseHeld(System.nanoTime());
      }
    }
    byte[] packet = arrived.poll();
    if (packet == null) return 0;
    int length = Math.min(packet.length, dst.remaining());
    dst.put(packet, 0, length);
    return length;
  }

  @Override
  public void wakeup() {
    inner.wakeup();
  }

  @Override
  public void close() throws IOException {
    inner.close();
  }

  @Override
  public String toString() {
    return "ImpairedLink["
        + inner
        + ", out "
        + outbound.impairment
        + ", in "
        + inbound.impairment
        + "]";
  }

  /**
   * Lets held packets go whose time has come: inbound ones to {@link #arrived}, outbound ones out.
   */
  private void releaseHeld(long now) throws IOException {
    byte[] in = inbound.releaseIfDue(now);
    if (in != null) arrived.add(in);
    sendLock.lock();
    try {
      byte[] out = outbound.releaseIfDue(now);
      if (out != null) inner.send(ByteBuffer.wrap(out));
    } finally {
      sendLock.unlock();
    }
  }

  /**
   * Returns the nanoseconds until a held packet is due, or {@link Link#FOREVER} when none is held.
   */
  private long untilRelease(long now) {
    sendLock.lock();
    try {
      return Math.max(0, Math.min(inbound.dueIn(now), outbound.dueIn(now)));
    } finally {
      sendLock.unlock();
    }
  }

  /** One direction's impairment, random source, held packet and counts. */
  private static final class Direction {
    final Impairment impairment;
    private final SplittableRandom random;
    private byte[] held;
    private long heldUntil;
    private final AtomicLong packets = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong duplicated = new AtomicLong();
    private final AtomicLong reordered = new AtomicLong();

    Direction(Impairment impairment, SplittableRandom random) {
      this.impairment = impairment;
      this.random = random;
    }

    /** Decides the fate of one packet; returns what goes on now, in order. */
    List<byte[]> pass(byte[] packet, long now) {
      packets.incrementAndGet();
      // Three draws for every packet, so that one packet's fate never shifts the next one's draws.
      double lose = random.nextDouble();
      double hold = random.nextDouble();
      double twice = random.nextDouble();
      List<byte[]> out = new ArrayList<>(3);
      if (lose < impairment.loss()) {
        dropped.incrementAndGet();
        return out;
      }
      if (hold < impairment.reorder() && held == null) {
        reordered.incrementAndGet();
        held = packet;
        heldUntil = now + HOLD_NANOS;
        return out;
      }
      out.add(packet);
      if (twice < impairment.duplicate()) {
        duplicated.incrementAndGet();
        out.add(packet);
      }
      if (held != null) {
        out.add(held);
        held = null;
      }
      return out;
    }

    /** Returns the held packet if its time has come (and lets go of it), else null. */
    byte[] releaseIfDue(long now) {
      if (held == null || now - heldUntil < 0) return null;
      byte[] p = held;
      held = null;
      return p;
    }

    long dueIn(long now) {
      return held == null ? FOREVER : heldUntil - now;
    }

    Counts counts() {
      return new Counts(packets.get(), dropped.get(), duplicated.get(), reordered.get());
    }
  }
}
