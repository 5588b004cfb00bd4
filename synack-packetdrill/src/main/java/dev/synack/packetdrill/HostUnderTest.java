package dev.synack.packetdrill;

import dev.synack.stack.Host;
import dev.synack.stack.HostConfig;
import dev.synack.trace.TraceSink;
import dev.synack.wire.Packets;
import dev.synack.wire.Parsed;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * The sans-IO host a script drives, on a virtual clock, with a capture of what it sends: the TUN
 * device and wall clock of packetdrill. Time only moves forward, in jumps to the next deadline of
 * the host, so a script that waits a minute costs nothing.
 */
final class HostUnderTest {
  /** A packet the host sent, and when (ns on the virtual clock). */
  record Sent(long time, Packets.TcpPacket packet) {}

  final Host host;
  private final ArrayDeque<Sent> sent = new ArrayDeque<>();
  private long now;
  private int unparsed;

  HostUnderTest(HostConfig config, InetAddress address, TraceSink trace) {
    this.host = new Host("synack", config, trace);
    host.addAddress(address);
  }

  /** Returns the virtual time in ns. */
  long now() {
    return now;
  }

  /** Hands the host a packet from the script's peer at the current time. */
  void inject(byte[] packet) {
    host.handlePacket(packet, now);
    collect();
  }

  /**
   * Moves the clock to {@code time} (never back), firing every deadline on the way, each at its own
   * time, so that what the host sends carries the time it was sent.
   */
  void advanceTo(long time) {
    while (true) {
      long deadline = host.pollTimeout();
      if (deadline > time) break;
      now = Math.max(now, deadline);
      host.handleTimeout(now);
      collect();
    }
    now = Math.max(now, time);
    collect();
  }

  /**
   * Moves the clock to the host's next deadline if it is at or before {@code limit}, and fires it.
   * Returns false, without moving, when there is none that early.
   */
  boolean step(long limit) {
    long deadline = host.pollTimeout();
    if (deadline > limit || deadline == Long.MAX_VALUE) return false;
    advanceTo(deadline);
    return true;
  }

  /**
   * Takes what the host has to send and its events (a script reads state through the sockets
   * instead).
   */
  void collect() {
    byte[] packet;
    while ((packet = host.pollPacket(now)) != null) {
      if (Packets.parseTcp(ByteBuffer.wrap(packet), true)
          instanceof Parsed.Ok<Packets.TcpPacket>(Packets.TcpPacket p)) {
        sent.add(new Sent(now, p));
      } else {
        unparsed++; // ICMP and anything else a TCP script does not expect
      }
    }
    while (host.pollEvent() != null) {
      // Drained so that the queue does not grow; the sockets ask the connections directly.
    }
  }

  /** Returns the oldest packet sent and not yet taken, or null. */
  Sent peekSent() {
    return sent.peek();
  }

  Sent takeSent() {
    return sent.poll();
  }

  int unparsedPackets() {
    return unparsed;
  }
}
