package dev.synack.sim;

import java.util.Arrays;

/**
 * The packets in flight of a {@link SimNetwork}, taken in order of arrival time, then of the order
 * they were scheduled: a first-in-first-out ring for the common case, where each packet arrives no
 * earlier than the last one scheduled (every link in order, with the same delay or none), and a
 * binary heap for the packets that overtake (reordering, jitter, held packets, links of different
 * delays). Both hold reused slots, so scheduling and taking a packet allocates nothing.
 *
 * <p>The order is exactly that of one priority queue over (time, sequence number): the ring is
 * sorted because a packet enters it only when it sorts after the ring's last one, the heap is a
 * heap, and {@link #poll} takes the smaller of their two heads.
 */
final class ArrivalQueue {
  /**
   * A packet in flight. A held packet (see {@link PacketFilter}) has no link yet: at its time it is
   * handed to the link from {@code heldFrom} to {@code heldTo}. {@code checksumFlag} is, for a
   * packet on a link, whether its checksums need no verifying ({@link SimNode#handlePacket(byte[],
   * boolean, long)}); for a held one, whether its sender vouched for them. {@code pooled} when the
   * array came from the network's {@link PacketArrays}, which may have it back once delivered.
   * {@code partialChecksum} when its TCP checksum is still partial, for the network to complete
   * before anyone who needs it whole sees the packet ({@link SimNode#lastChecksumPartial()}).
   * Reused once taken: valid until the next {@link #poll}.
   */
  static final class Arrival {
    long time;
    long seq;
    SimLink link;
    byte[] packet;
    boolean checksumFlag;
    boolean pooled;
    boolean partialChecksum;
    SimNode heldFrom;
    SimNode heldTo;

    boolean before(Arrival o) {
      return time < o.time || (time == o.time && seq < o.seq);
    }
  }

  /**
   * The in-order packets, {@link #ringSize} of them from {@link #ringHead}, a power of two long.
   */
  private Arrival[] ring = new Arrival[16];

  private int ringHead;
  private int ringSize;

  /** The packets that arrive before some already scheduled, a min-heap of {@link #heapSize}. */
  private Arrival[] heap = new Arrival[16];

  private int heapSize;

  /** Slots taken and given back, for reuse. */
  private Arrival[] free = new Arrival[16];

  private int freeSize;

  /** The slot {@link #poll} returned last, given back at the next call. */
  private Arrival taken;

  private long nextSeq;

  /** Returns how many packets are in flight. */
  int size() {
    return ringSize + heapSize;
  }

  boolean isEmpty() {
    return ringSize + heapSize == 0;
  }

  /** Returns the sequence number the next packet scheduled will get. */
  long nextSeq() {
    return nextSeq;
  }

  /**
   * Schedules a packet to arrive at {@code time}, after every packet scheduled before it for the
   * same time.
   */
  void add(
      long time,
      SimLink link,
      byte[] packet,
      boolean checksumFlag,
      boolean pooled,
      SimNode heldFrom,
      SimNode heldTo) {
    add(time, link, packet, checksumFlag, pooled, false, heldFrom, heldTo);
  }

  /**
   * As {@link #add(long, SimLink, byte[], boolean, boolean, SimNode, SimNode)}, saying whether the
   * packet's TCP checksum is still partial.
   */
  void add(
      long time,
      SimLink link,
      byte[] packet,
      boolean checksumFlag,
      boolean pooled,
      boolean partialChecksum,
      SimNode heldFrom,
      SimNode heldTo) {
    Arrival a = freeSize > 0 ? free[--freeSize] : new Arrival();
    free[freeSize] = null;
    a.time = time;
    a.seq = nextSeq++;
    a.link = link;
    a.packet = packet;
    a.checksumFlag = checksumFlag;
    a.pooled = pooled;
    a.partialChecksum = partialChecksum;
    a.heldFrom = heldFrom;
    a.heldTo = heldTo;
    // Its sequence number is the largest yet, so it sorts after the ring's last when not earlier.
    if (ringSize == 0 || ring[(ringHead + ringSize - 1) & (ring.length - 1)].time <= time) {
      if (ringSize == ring.length) growRing();
      ring[(ringHead + ringSize++) & (ring.length - 1)] = a;
    } else {
      if (heapSize == heap.length) heap = Arrays.copyOf(heap, heapSize * 2);
      siftUp(heapSize++, a);
    }
  }

  /** Returns the packet that arrives first, without taking it, or null. */
  Arrival peek() {
    Arrival r = ringSize > 0 ? ring[ringHead] : null;
    Arrival h = heapSize > 0 ? heap[0] : null;
    if (r == null) return h;
    return h != null && h.before(r) ? h : r;
  }

  /**
   * Takes the packet that arrives first, or returns null; the slot returned is valid until the next
   * call of this method.
   */
  Arrival poll() {
    release();
    Arrival first = peek();
    if (first == null) return null;
    if (ringSize > 0 && first == ring[ringHead]) {
      ring[ringHead] = null;
      ringHead = (ringHead + 1) & (ring.length - 1);
      ringSize--;
    } else {
      Arrival last = heap[--heapSize];
      heap[heapSize] = null;
      if (heapSize > 0) siftDown(0, last);
    }
    taken = first;
    return first;
  }

  /** Gives the slot of the last {@link #poll} back, dropping its references. */
  private void release() {
    Arrival a = taken;
    if (a == null) return;
    taken = null;
    a.link = null;
    a.packet = null;
    a.heldFrom = null;
    a.heldTo = null;
    if (freeSize == free.length) free = Arrays.copyOf(free, freeSize * 2);
    free[freeSize++] = a;
  }

  private void growRing() {
    Arrival[] bigger = new Arrival[ring.length * 2];
    for (int i = 0; i < ringSize; i++) bigger[i] = ring[(ringHead + i) & (ring.length - 1)];
    ring = bigger;
    ringHead = 0;
  }

  private void siftUp(int k, Arrival a) {
    while (k > 0) {
      int parent = (k - 1) >>> 1;
      Arrival p = heap[parent];
      if (!a.before(p)) break;
      heap[k] = p;
      k = parent;
    }
    heap[k] = a;
  }

  private void siftDown(int k, Arrival a) {
    int half = heapSize >>> 1;
    while (k < half) {
      int child = 2 * k + 1;
      Arrival c = heap[child];
      int right = child + 1;
      if (right < heapSize && heap[right].before(c)) c = heap[child = right];
      if (!c.before(a)) break;
      heap[k] = c;
      k = child;
    }
    heap[k] = a;
  }
}
