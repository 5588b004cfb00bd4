package dev.synack.stack;

import dev.synack.trace.TraceEvent;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * The packets a host made itself (RSTs for closed ports, ICMP replies and errors, UDP datagrams),
 * which leave before connections' segments, and the count and trace of every packet sent.
 */
final class HostOutput {
  private final HostLog log;
  private final ArrayDeque<byte[]> outbox = new ArrayDeque<>();

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

  /** Returns the next queued packet, or null. */
  byte[] poll() {
    return outbox.poll();
  }

  /** Returns how many packets wait. */
  int size() {
    return outbox.size();
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
