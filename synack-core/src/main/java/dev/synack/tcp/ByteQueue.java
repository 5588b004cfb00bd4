package dev.synack.tcp;

import java.nio.ByteBuffer;

/**
 * A bounded FIFO of bytes over a ring buffer that grows on demand, so that an idle connection holds
 * no data buffer (DESIGN.md "Buffers grow on demand"). Used for the send buffer (bytes from
 * SND.UNA on) and the receive buffer (bytes received and not yet read).
 */
final class ByteQueue {
  private static final byte[] EMPTY = new byte[0];
  private static final int FIRST_ALLOCATION = 4096;

  /** The most bytes the queue may hold. */
  private final int capacity;
  /** The ring; its length is a power of two or 0, never more than needed for {@link #capacity}. */
  private byte[] ring = EMPTY;
  /** Index in {@link #ring} of the first byte. */
  private int head;
  /** Number of bytes held, 0 to {@link #capacity}. */
  private int size;

  ByteQueue(int capacity) {
    if (capacity < 0) throw new IllegalArgumentException("capacity is negative: " + capacity);
    this.capacity = capacity;
  }

  int size() { return size; }

  int capacity() { return capacity; }

  /** Returns how many more bytes fit. */
  int free() { return capacity - size; }

  /** Appends as many bytes of {@code src} as fit, advancing its position; returns the count. */
  int write(ByteBuffer src) {
    int n = Math.min(src.remaining(), free());
    if (n == 0) return 0;
    ensureRoom(size + n);
    int tail = (head + size) & (ring.length - 1);
    int first = Math.min(n, ring.length - tail);
    src.get(ring, tail, first);
    src.get(ring, 0, n - first);
    size += n;
    return n;
  }

  /** Copies {@code length} bytes starting {@code offset} bytes after the head into a new read-only buffer; the queue is unchanged. */
  ByteBuffer copy(int offset, int length) {
    if (offset < 0 || length < 0 || offset + length > size) {
      throw new IllegalArgumentException("range " + offset + "+" + length + " outside the " + size + " bytes queued");
    }
    byte[] out = new byte[length];
    int start = (head + offset) & (ring.length - 1);
    int first = Math.min(length, ring.length - start);
    System.arraycopy(ring, start, out, 0, first);
    System.arraycopy(ring, 0, out, first, length - first);
    return ByteBuffer.wrap(out).asReadOnlyBuffer();
  }

  /** Moves as many bytes as {@code dst} has room for into it, advancing its position; returns the count. */
  int read(ByteBuffer dst) {
    int n = Math.min(dst.remaining(), size);
    if (n == 0) return 0;
    int first = Math.min(n, ring.length - head);
    dst.put(ring, head, first);
    dst.put(ring, 0, n - first);
    discard(n);
    return n;
  }

  /** Drops the first {@code n} bytes. */
  void discard(int n) {
    if (n < 0 || n > size) throw new IllegalArgumentException("cannot discard " + n + " of " + size + " bytes");
    size -= n;
    head = size == 0 ? 0 : (head + n) & (ring.length - 1);
    if (size == 0) ring = EMPTY;
  }

  /** Drops everything and gives the memory back. */
  void clear() {
    discard(size);
  }

  private void ensureRoom(int needed) {
    if (needed <= ring.length) return;
    int length = Math.max(FIRST_ALLOCATION, ring.length);
    while (length < needed) length <<= 1;
    byte[] bigger = new byte[length];
    int first = Math.min(size, ring.length - head);
    System.arraycopy(ring, head, bigger, 0, first);
    System.arraycopy(ring, 0, bigger, first, size - first);
    ring = bigger;
    head = 0;
  }
}
