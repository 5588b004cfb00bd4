package dev.synack.stack;

import dev.synack.sim.SimNode;
import java.util.function.IntFunction;

/**
 * An attacker on the simulated network: from {@code start}, every {@code interval} it sends a burst
 * of packets it makes (spoofed as it likes) until it has sent {@code total}. It is off the path
 * between the hosts it attacks, so it sees only packets addressed to itself: its attacks are blind.
 */
final class Attacker implements SimNode {
  private final String name;
  private final long interval;
  private final int perBurst;
  private final int total;
  private final IntFunction<byte[]> packet;
  private long next;
  private int sent;
  private int burstLeft;

  /** Packets that reached the attacker (answers to its own address). */
  int received;

  Attacker(
      String name, long start, long interval, int perBurst, int total, IntFunction<byte[]> packet) {
    this.name = name;
    this.next = start;
    this.interval = interval;
    this.perBurst = perBurst;
    this.total = total;
    this.packet = packet;
  }

  /** Returns how many packets it sent. */
  int sent() {
    return sent;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void handlePacket(byte[] p, long now) {
    received++;
  }

  @Override
  public byte[] pollTransmit(long now) {
    if (burstLeft == 0 || sent == total) return null;
    burstLeft--;
    return packet.apply(sent++);
  }

  @Override
  public long pollTimeout() {
    return sent == total ? Long.MAX_VALUE : next;
  }

  @Override
  public void handleTimeout(long now) {
    if (now < next) return;
    burstLeft = perBurst;
    next = now + interval;
  }
}
