package dev.synack.stack;

import dev.synack.trace.TraceEvent;
import dev.synack.wire.Ecn;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * The packets a host made itself (RSTs for closed ports, ICMP replies and errors, UDP datagrams,
 * SYN cookies' SYN-ACKs), which leave before connections' segments, and the count and trace of
 * every packet sent.
 *
 * <p>Small packets the host writes in place ({@link #reserveSlot}: a SYN cookie's SYN-ACK) go into
 * a ring of fixed slots reused from packet to packet, so that answering a SYN flood allocates
 * nothing per SYN; they keep their place among the other packets through a shared marker in the
 * queue.
 */
final class HostOutput {
  /** Bytes of one ring slot: the largest SYN-ACK, 40 bytes of IPv6 and 60 of TCP, fits. */
  static final int SLOT = 128;

  /** Stands in the queue for the packet in the ring's first slot; never sent itself. */
  private static final byte[] IN_RING = new byte[0];

  private final HostLog log;
  private final ArrayDeque<byte[]> outbox = new ArrayDeque<>();

  /** The ring's slots, {@link #SLOT} bytes each; grows by doubling when full. */
  private byte[] ring = new byte[16 * SLOT];

  private ByteBuffer ringBuffer = ByteBuffer.wrap(ring);

  /** The length of the packet in each slot. */
  private int[] lengths = new int[16];

  /** The first slot in line and how many are in use. */
  private int head;

  private int used;

  HostOutput(HostLog log) {
    this.log = log;
  }

  /** Queues a whole IP packet; the host owns the array from now on. */
  void add(byte[] packet) {
    outbox.add(packet);
  }

  /**
   * Queues a whole IP packet to leave before every other: a segment a connection made that could
   * not join a run.
   */
  void addFirst(byte[] packet) {
    outbox.addFirst(packet);
  }

  /**
   * Returns the index in {@link #ringBuffer()} of a free slot of {@link #SLOT} bytes in which to
   * write a packet, which {@link #commitSlot} then queues; growing the ring if every slot is in
   * use.
   */
  int reserveSlot() {
    if (used == lengths.length) {
      int slots = lengths.length;
      byte[] bigger = new byte[2 * slots * SLOT];
      int[] biggerLengths = new int[2 * slots];
      for (int i = 0; i < used; i++) {
        int from = (head + i) % slots;
        System.arraycopy(ring, from * SLOT, bigger, i * SLOT, SLOT);
        biggerLengths[i] = lengths[from];
      }
      ring = bigger;
      ringBuffer = ByteBuffer.wrap(ring);
      lengths = biggerLengths;
      head = 0;
    }
    return ((head + used) % lengths.length) * SLOT;
  }

  /**
   * Returns the ring as a buffer over its whole array (its position and limit are the caller's).
   */
  ByteBuffer ringBuffer() {
    return ringBuffer;
  }

  /** Queues the packet of {@code length} bytes written into the slot {@link #reserveSlot} gave. */
  void commitSlot(int length) {
    lengths[(head + used) % lengths.length] = length;
    used++;
    outbox.add(IN_RING);
  }

  /** Returns the next queued packet, or null; the caller owns the array. */
  @SuppressWarnings("ReferenceEquality") // IN_RING is a sentinel: identity is meant
  byte[] poll() {
    byte[] packet = outbox.poll();
    if (packet != IN_RING) return packet;
    int at = head * SLOT;
    byte[] copy = Arrays.copyOfRange(ring, at, at + lengths[head]);
    popSlot();
    return copy;
  }

  /** Returns whether a packet waits. */
  boolean hasQueued() {
    return !outbox.isEmpty();
  }

  /**
   * Writes the next queued packet into {@code buffer} from its position on, moves the position past
   * it and returns its length (0 when none waits).
   *
   * @throws IllegalArgumentException when it does not fit in {@code buffer}'s remaining bytes; it
   *     stays first in line
   */
  @SuppressWarnings("ReferenceEquality") // IN_RING is a sentinel: identity is meant
  int pollInto(ByteBuffer buffer) {
    byte[] packet = outbox.peek();
    if (packet == null) return 0;
    if (packet == IN_RING) {
      int length = lengths[head];
      fits(length, buffer);
      buffer.put(ring, head * SLOT, length);
      outbox.poll();
      popSlot();
      return length;
    }
    fits(packet.length, buffer);
    buffer.put(packet);
    outbox.poll();
    return packet.length;
  }

  private static void fits(int length, ByteBuffer buffer) {
    if (length > buffer.remaining())
      throw new IllegalArgumentException(
          "packet of " + length + " bytes, buffer has " + buffer.remaining());
  }

  private void popSlot() {
    head = (head + 1) % lengths.length;
    used--;
  }

  /** Returns how many packets wait. */
  int size() {
    return outbox.size();
  }

  /** Returns the ECN codepoint of a packet written at {@code at} in {@code buffer}. */
  static int ecnOf(ByteBuffer buffer, int at) {
    int version = (buffer.get(at) & 0xff) >>> 4;
    if (version == 4) return buffer.get(at + 1) & 0x3;
    if (version == 6) return (buffer.get(at + 1) & 0xff) >>> 4 & 0x3;
    return Ecn.NOT_ECT;
  }

  /** Counts and traces a packet that leaves the host. */
  void sent(byte[] packet, long now) {
    log.counters.packetsOut++;
    if (log.trace.wantsPackets()) {
      log.trace.accept(new TraceEvent.Packet(now, log.name, "", true, packet.clone()));
    }
  }

  /**
   * Counts and traces a packet written into a lent buffer, {@code length} bytes from {@code at}
   * holding {@code segments} segments (only whole packets are traced: a host that traces packets
   * sends no super-packets).
   */
  void sent(ByteBuffer buffer, int at, int length, int segments, long now) {
    log.counters.packetsOut += segments;
    if (log.trace.wantsPackets()) {
      byte[] copy = new byte[length];
      buffer.get(at, copy);
      log.trace.accept(new TraceEvent.Packet(now, log.name, "", true, copy));
    }
  }

  /** Returns whether packets are traced, and so must leave whole. */
  boolean tracesPackets() {
    return log.trace.wantsPackets();
  }
}
