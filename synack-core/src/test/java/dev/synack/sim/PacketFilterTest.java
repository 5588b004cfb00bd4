package dev.synack.sim;

import static dev.synack.sim.TestPackets.addr;
import static dev.synack.sim.TestPackets.number;
import static dev.synack.sim.TestPackets.packet;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class PacketFilterTest {
  static final long MS = 1_000_000L;
  static final InetAddress A = addr("10.0.0.1");
  static final InetAddress B = addr("10.0.0.2");

  final SimNetwork net = new SimNetwork(7);
  final ScriptedNode a = new ScriptedNode("a");
  final ScriptedNode b = new ScriptedNode("b");

  PacketFilterTest() {
    net.attach(a, A);
    net.attach(b, B);
    net.setLink(a, b, LinkConfig.ideal().withDelay(Duration.ofMillis(10)));
  }

  @Test
  void filter_dropsTheChosenPacket_andCountsItAsFiltered() {
    net.setFilter((from, to, p, now) -> number(p) == 2 ? PacketFilter.DROP : PacketFilter.PASS);
    for (int i = 1; i <= 3; i++) a.sendAt(i * MS, packet(A, B, i));

    net.runUntilIdle(1_000 * MS);

    assertEquals(List.of(1, 3), b.received.stream().map(r -> number(r.packet())).toList());
    assertEquals(1, net.stats(a, b).dropped(SimNetwork.FILTERED));
  }

  @Test
  void filter_holdsAPacketBack_soLaterOnesOvertakeIt() {
    net.setFilter((from, to, p, now) -> number(p) == 1 ? 50 * MS : PacketFilter.PASS);
    a.sendAt(1 * MS, packet(A, B, 1));
    a.sendAt(2 * MS, packet(A, B, 2));

    net.runUntilIdle(1_000 * MS);

    assertEquals(List.of(2, 1), b.received.stream().map(r -> number(r.packet())).toList());
    assertEquals(List.of(12 * MS, 61 * MS), b.times(), "held 50 ms, then the link's 10 ms delay");
  }
}
