package dev.synack.sim;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/**
 * A fake host: sends the packets it is given at the times it is given, optionally echoes what it
 * receives, and records every arrival.
 */
final class ScriptedNode implements SimNode {
  /** A packet as it arrived. */
  record Received(long time, byte[] packet) {
    int number() {
      return TestPackets.number(packet);
    }
  }

  private record Scheduled(long time, long seq, byte[] packet) {}

  private final String name;
  private final PriorityQueue<Scheduled> script =
      new PriorityQueue<>(
          (a, b) -> a.time != b.time ? Long.compare(a.time, b.time) : Long.compare(a.seq, b.seq));
  private final ArrayDeque<byte[]> outbox = new ArrayDeque<>();
  final List<Received> received = new ArrayList<>();

  /** Whether every packet received is sent back to its source. */
  boolean echo;

  int timeouts;
  private long seq;

  ScriptedNode(String name) {
    this.name = name;
  }

  /** Schedules {@code packet} to leave at {@code time}. */
  ScriptedNode sendAt(long time, byte[] packet) {
    script.add(new Scheduled(time, seq++, packet));
    return this;
  }

  /** Queues {@code packet} to leave at once, as a user call between steps would. */
  ScriptedNode sendNow(byte[] packet) {
    outbox.add(packet);
    return this;
  }

  List<Integer> numbers() {
    return received.stream().map(Received::number).toList();
  }

  List<Long> times() {
    return received.stream().map(Received::time).toList();
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void handlePacket(byte[] packet, long now) {
    received.add(new Received(now, packet));
    if (echo) outbox.add(TestPackets.reversed(packet));
  }

  @Override
  public byte[] pollTransmit(long now) {
    return outbox.poll();
  }

  @Override
  public long pollTimeout() {
    return script.isEmpty() ? Long.MAX_VALUE : script.peek().time;
  }

  @Override
  public void handleTimeout(long now) {
    timeouts++;
    while (!script.isEmpty() && script.peek().time <= now) outbox.add(script.poll().packet);
  }
}
