package dev.synack.tcp;

import dev.synack.wire.OutboundSegment;
import java.nio.ByteBuffer;

/**
 * A bounded FIFO of bytes over a ring buffer that grows on demand, so that an idle connection holds
 * no data buffer (DESIGN.md "Buffers grow on demand"). Used for the send buffer (bytes from SND.UNA
 * on) and the receive buffer (bytes received and not yet read).
 *
 * <p>The ring is allocated with the first bytes written, as a power of two that holds them (at
 * least {@value #FIRST_ALLOCATION} bytes: a request of a few bytes takes no more), and doubles when
 * it must, never beyond the capacity. A drained queue keeps its ring while the connection is busy,
 * so that a bulk transfer, which drains its queues on every ACK or read, does not grow a ring again
 * each time; the connection gives it back through {@link #reclaim} once the queue has been idle for
 * a while: a connection that has moved megabytes and is now quiet holds nothing. Linux frees its
 * per-segment buffers (skbs) as they are read or acknowledged, and keeps the memory charged to the
 * socket as forward allocation, reclaimed later, for the same reason.
 */
final class ByteQueue {
  private static final byte[] EMPTY = new byte[0];
  private static final int FIRST_ALLOCATION = 256;

  /** The most bytes the queue may hold. */
  private int capacity;

  /** The ring; empty when nothing is queued, never longer than {@link #capacity}. */
  private byte[] ring = EMPTY;

  /** Index in {@link #ring} of the first byte. */
  private int head;

  /** Number of bytes held, 0 to {@link #capacity}. */
  private int size;

  /** Whether the queue was written or drained since {@link #reclaim} last looked: it is in use. */
  private boolean usedSinceLook;

  ByteQueue(int capacity) {
    if (capacity < 0) throw new IllegalArgumentException("capacity is negative: " + capacity);
    this.capacity = capacity;
  }

  int size() {
    return size;
  }

  int capacity() {
    return capacity;
  }

  /** Returns how many more bytes fit. */
  int free() {
    return capacity - size;
  }

  /** Returns the bytes of storage held now (0 when empty), for tests and memory accounting. */
  int allocated() {
    return ring.length;
  }

  /**
   * Changes the most bytes the queue may hold (receive-buffer auto-tuning, a socket option). A
   * limit below what is queued keeps the queued bytes; only later writes see the new limit.
   */
  void setCapacity(int capacity) {
    if (capacity < 0) throw new IllegalArgumentException("capacity is negative: " + capacity);
    this.capacity = capacity;
  }

  /** Appends as many bytes of {@code src} as fit, advancing its position; returns the count. */
  int write(ByteBuffer src) {
    int n = Math.min(src.remaining(), free());
    if (n <= 0) return 0;
    ensureRoom(size + n);
    int tail = index(size);
    int first = Math.min(n, ring.length - tail);
    src.get(ring, tail, first);
    src.get(ring, 0, n - first);
    size += n;
    usedSinceLook = true;
    return n;
  }

  /**
   * Lends {@code length} bytes starting {@code offset} bytes after the head to {@code out} as its
   * payload, where they lie in the ring (no copy); the queue is unchanged. The loan lasts until the
   * queue is next written or drained.
   */
  void lend(int offset, int length, OutboundSegment out) {
    if (offset < 0 || length < 0 || offset + length > size) {
      throw new IllegalArgumentException(
          "range " + offset + "+" + length + " outside the " + size + " bytes queued");
    }
    out.payload(ring, length == 0 ? 0 : index(offset), length);
  }

  /**
   * Moves as many bytes as {@code dst} has room for into it, advancing its position; returns the
   * count.
   */
  int read(ByteBuffer dst) {
    int n = Math.min(dst.remaining(), size);
    if (n == 0) return 0;
    int first = Math.min(n, ring.length - head);
    dst.put(ring, head, first);
    dst.put(ring, 0, n - first);
    discard(n);
    return n;
  }

  /**
   * Drops the first {@code n} bytes; a drained queue keeps its ring until {@link #reclaim} finds it
   * idle.
   */
  void discard(int n) {
    if (n < 0 || n > size)
      throw new IllegalArgumentException("cannot discard " + n + " of " + size + " bytes");
    size -= n;
    if (size == 0) {
      head = 0; // the next bytes start at the ring's beginning: fewer segments straddle the wrap
      if (n > 0) usedSinceLook = true;
    } else {
      head = index(n);
    }
  }

  /** Drops everything and gives the memory back. */
  void clear() {
    discard(size);
    release();
  }

  /** Returns whether the queue is drained but still holds its ring. */
  boolean holdsIdleRing() {
    return size == 0 && ring.length > 0;
  }

  /**
   * Gives the ring back if the queue is drained and was neither written nor drained since the
   * previous call; returns whether it still holds a ring that is drained (so another look is due).
   * Called periodically, it frees a ring one to two periods after the queue was last used.
   */
  boolean reclaim() {
    if (size == 0 && !usedSinceLook) release();
    usedSinceLook = false;
    return holdsIdleRing();
  }

  /** Gives the ring back if nothing is queued. */
  void release() {
    if (size == 0) {
      ring = EMPTY;
      head = 0;
    }
  }

  /**
   * Returns the ring index {@code offset} bytes after the head ({@code offset} at most the ring's
   * length).
   */
  private int index(int offset) {
    int i = head + offset;
    return i >= ring.length ? i - ring.length : i;
  }

  /**
   * Grows the ring, by doubling, to hold {@code needed} bytes (at most the capacity), keeping the
   * bytes in order.
   */
  private void ensureRoom(int needed) {
    if (needed <= ring.length) return;
    long length = Math.max(FIRST_ALLOCATION, ring.length);
    while (length < needed) length <<= 1;
    byte[] bigger = new byte[(int) Math.min(length, Math.max(capacity, needed))];
    int first = Math.min(size, ring.length - head);
    System.arraycopy(ring, head, bigger, 0, first);
    System.arraycopy(ring, 0, bigger, first, size - first);
    ring = bigger;
    head = 0;
  }
}
