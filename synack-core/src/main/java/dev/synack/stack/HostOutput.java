package dev.synack.stack;

import dev.synack.trace.TraceEvent;
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
}
