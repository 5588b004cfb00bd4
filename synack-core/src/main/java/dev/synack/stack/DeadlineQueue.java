package dev.synack.stack;

import java.util.Arrays;

/**
 * The host's connections by their next deadline, earliest first: a binary heap in which each
 * connection knows its own position, so that a deadline that moves (the retransmission timer
 * restarts on every ACK) is moved in place. No object per change and no stale entries: a {@code
 * PriorityQueue} of (time, connection) pairs gathered one per change until each time came.
 */
final class DeadlineQueue {
  private static final Connection[] EMPTY = new Connection[0];

  /**
   * The heap: each connection's deadline is no earlier than its parent's, at {@code (i - 1) / 2}.
   */
  private Connection[] heap = EMPTY;

  private int size;

  /** Returns how many connections have a deadline queued (one entry each: no stale entries). */
  int size() {
    return size;
  }

  /** Returns the earliest deadline, {@link Long#MAX_VALUE} when none is scheduled. */
  long nextTime() {
    return size == 0 ? Long.MAX_VALUE : heap[0].scheduledDeadline;
  }

  /** Returns the connection with the earliest deadline, or {@code null}. */
  Connection first() {
    return size == 0 ? null : heap[0];
  }

  /**
   * Schedules {@code c} at {@code time}, moving it if it was scheduled; {@link Long#MAX_VALUE}
   * removes it.
   */
  void schedule(Connection c, long time) {
    if (time == Long.MAX_VALUE) {
      remove(c);
      return;
    }
    long before = c.scheduledDeadline;
    c.scheduledDeadline = time;
    int i = c.deadlineIndex;
    if (i < 0) {
      if (size == heap.length) heap = Arrays.copyOf(heap, Math.max(16, size * 2));
      i = size++;
      heap[i] = c;
      c.deadlineIndex = i;
      siftUp(i);
    } else if (time < before) {
      siftUp(i);
    } else {
      siftDown(i);
    }
  }

  /** Takes {@code c} off the queue if it is on it. */
  void remove(Connection c) {
    int i = c.deadlineIndex;
    c.scheduledDeadline = Long.MAX_VALUE;
    if (i < 0) return;
    c.deadlineIndex = -1;
    Connection last = heap[--size];
    heap[size] = null;
    if (i == size) return;
    heap[i] = last;
    last.deadlineIndex = i;
    siftDown(i);
    siftUp(last.deadlineIndex);
  }

  private void siftUp(int i) {
    Connection c = heap[i];
    long time = c.scheduledDeadline;
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      Connection p = heap[parent];
      if (p.scheduledDeadline <= time) break;
      heap[i] = p;
      p.deadlineIndex = i;
      i = parent;
    }
    heap[i] = c;
    c.deadlineIndex = i;
  }

  private void siftDown(int i) {
    Connection c = heap[i];
    long time = c.scheduledDeadline;
    int half = size >>> 1;
    while (i < half) {
      int child = 2 * i + 1;
      Connection smaller = heap[child];
      int right = child + 1;
      if (right < size && heap[right].scheduledDeadline < smaller.scheduledDeadline) {
        child = right;
        smaller = heap[child];
      }
      if (time <= smaller.scheduledDeadline) break;
      heap[i] = smaller;
      smaller.deadlineIndex = i;
      i = child;
    }
    heap[i] = c;
    c.deadlineIndex = i;
  }
}
