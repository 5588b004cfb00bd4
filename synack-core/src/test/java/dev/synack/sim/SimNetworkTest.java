package dev.synack.sim;

import static dev.synack.sim.TestPackets.addr;
import static dev.synack.sim.TestPackets.packet;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.trace.TraceEvent;
import dev.synack.trace.TraceSink;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class SimNetworkTest {
  static final long MS = 1_000_000L;
  static final long SECOND = 1_000 * MS;
  static final InetAddress A = addr("10.0.0.1");
  static final InetAddress B = addr("10.0.0.2");
  static final InetAddress C = addr("10.0.0.3");

  final SimNetwork net = new SimNetwork(42);
  final ScriptedNode a = new ScriptedNode("a");
  final ScriptedNode b = new ScriptedNode("b");

  SimNetworkTest() {
    net.attach(a, A);
    net.attach(b, B);
  }

  @Nested
  class Routing {
    @Test
    void idealLink_packet_arrivesAtSendTimeUnchanged() {
      byte[] sent = packet(A, B, 7);
      a.sendAt(5 * MS, sent.clone());

      assertTrue(net.runUntilIdle(SECOND));

      assertEquals(List.of(5 * MS), b.times());
      assertArrayEquals(sent, b.received.getFirst().packet());
    }

    @Test
    void delay_packet_arrivesAfterExactlyTheDelay() {
      net.setLink(a, b, LinkConfig.ideal().withDelay(Duration.ofMillis(25)));
      a.sendAt(3 * MS, packet(A, B, 1));

      net.runUntilIdle(SECOND);

      assertEquals(List.of(28 * MS), b.times());
    }

    @Test
    void echo_roundTrip_takesBothDelays() {
      net.setOneWayLink(a, b, LinkConfig.ideal().withDelay(Duration.ofMillis(10)));
      net.setOneWayLink(b, a, LinkConfig.ideal().withDelay(Duration.ofMillis(30)));
      b.echo = true;
      a.sendAt(0, packet(A, B, 9));

      net.runUntilIdle(SECOND);

      assertEquals(List.of(10 * MS), b.times());
      assertEquals(List.of(40 * MS), a.times());
      assertEquals(List.of(9), a.numbers());
    }

    @Test
    void secondAddress_packet_reachesTheSameNode() {
      net.attach(b, addr("2001:db8::2"));
      a.sendNow(packet(A, B, 1));
      b.sendNow(packet(addr("2001:db8::2"), addr("2001:db8::2"), 2));
      net.attach(a, addr("2001:db8::1"));
      b.sendNow(packet(addr("2001:db8::2"), addr("2001:db8::1"), 3));

      net.runUntilIdle(SECOND);

      assertEquals(List.of(1, 2), b.numbers());
      assertEquals(List.of(3), a.numbers());
    }

    @Test
    void unknownAddress_packet_droppedNoRoute() {
      List<String> drops = new ArrayList<>();
      net.addObserver(
          new PacketObserver() {
            @Override
            public void onDrop(SimNode from, SimNode to, byte[] p, String reason, long now) {
              drops.add(from.name() + ">" + to + ":" + reason);
            }
          });
      a.sendNow(packet(A, C, 1));

      net.runUntilIdle(SECOND);

      assertEquals(List.of("a>null:no-route"), drops);
      assertEquals(1, net.totalStats().dropped(SimNetwork.NO_ROUTE));
      assertEquals(List.of(), b.received);
    }

    @Test
    void notIp_packet_droppedMalformed() {
      a.sendNow(new byte[] {0x45, 0, 0}).sendNow(new byte[] {0x12, 1, 2, 3}).sendNow(new byte[0]);

      net.runUntilIdle(SECOND);

      assertEquals(3, net.totalStats().dropped(SimNetwork.MALFORMED));
      assertEquals(3, net.totalStats().sent());
    }

    @Test
    void oneWayLink_config_leavesTheOtherDirectionAlone() {
      net.setOneWayLink(a, b, LinkConfig.ideal().withDelay(Duration.ofMillis(50)));

      assertEquals(Duration.ofMillis(50), net.linkConfig(a, b).delay());
      assertSame(LinkConfig.ideal(), net.linkConfig(b, a));
    }

    @Test
    void defaultLink_change_appliesToLinksWithoutTheirOwn() {
      LinkConfig own = LinkConfig.ideal().withMtu(1280);
      LinkConfig wan = LinkConfig.ideal().withDelay(Duration.ofMillis(80));
      net.setOneWayLink(a, b, own);
      net.linkConfig(b, a);

      net.setDefaultLink(wan);

      assertSame(own, net.linkConfig(a, b));
      assertSame(wan, net.linkConfig(b, a));
    }

    @Test
    void attach_nameTaken_throws() {
      var e =
          assertThrows(IllegalArgumentException.class, () -> net.attach(new ScriptedNode("a"), C));
      assertTrue(e.getMessage().contains("a"), e.getMessage());
    }

    @Test
    void attach_addressTaken_throwsAndAttachesNothing() {
      ScriptedNode c = new ScriptedNode("c");

      var e = assertThrows(IllegalArgumentException.class, () -> net.attach(c, C, B));

      assertTrue(e.getMessage().contains("10.0.0.2"), e.getMessage());
      assertEquals(List.of(a, b), net.nodes());
    }

    @Test
    void link_nodeNotAttached_throws() {
      assertThrows(
          IllegalArgumentException.class,
          () -> net.setLink(a, new ScriptedNode("x"), LinkConfig.ideal()));
    }
  }

  @Nested
  class VirtualTime {
    /** A node with one deadline that it clears when it fires, and re-arms every period if asked. */
    static final class TimerNode implements SimNode {
      long deadline;
      final long period;
      final List<Long> fired = new ArrayList<>();

      TimerNode(long deadline, long period) {
        this.deadline = deadline;
        this.period = period;
      }

      @Override
      public String name() {
        return "timer";
      }

      @Override
      public void handlePacket(byte[] packet, long now) {}

      @Override
      public byte[] pollTransmit(long now) {
        return null;
      }

      @Override
      public long pollTimeout() {
        return deadline;
      }

      @Override
      public void handleTimeout(long now) {
        fired.add(now);
        deadline = period == 0 ? Long.MAX_VALUE : now + period;
      }
    }

    @Test
    void sixtySecondTimeout_runUntilIdle_jumpsInOneStep() {
      TimerNode timer = new TimerNode(60 * SECOND, 0);
      net.attach(timer);

      assertTrue(net.runUntilIdle(120 * SECOND));

      assertEquals(List.of(60 * SECOND), timer.fired);
      assertEquals(60 * SECOND, net.now());
      assertEquals(1, net.steps());
    }

    @Test
    void periodicTimer_runUntilIdle_stopsWhenTheNextDeadlineIsBeyondMaxTime() {
      TimerNode timer = new TimerNode(SECOND, SECOND);
      net.attach(timer);

      assertTrue(net.runUntilIdle(10 * SECOND + 1));

      assertEquals(10, timer.fired.size());
      assertEquals(10 * SECOND, net.now());
    }

    @Test
    void packetBeyondMaxTime_runUntilIdle_returnsFalseAtMaxTime() {
      net.setLink(a, b, LinkConfig.ideal().withDelay(Duration.ofSeconds(5)));
      a.sendNow(packet(A, B, 1));

      assertFalse(net.runUntilIdle(SECOND));

      assertEquals(SECOND, net.now());
      assertEquals(1, net.inFlight());
      assertTrue(net.runUntilIdle(10 * SECOND));
      assertEquals(List.of(5 * SECOND), b.times());
    }

    @Test
    void runUntilTime_nothingDue_setsTheClock() {
      net.runUntil(7 * SECOND);

      assertEquals(7 * SECOND, net.now());
      assertEquals(0, net.steps());
    }

    @Test
    void runUntilTime_eventsAfterIt_stayPending() {
      a.sendAt(MS, packet(A, B, 1)).sendAt(3 * MS, packet(A, B, 2));

      net.runUntil(2 * MS);

      assertEquals(List.of(1), b.numbers());
      assertEquals(2 * MS, net.now());
    }

    @Test
    void runUntilCondition_holds_stopsAtOnce() {
      for (int i = 0; i < 10; i++) a.sendAt(i * MS, packet(A, B, i));

      assertTrue(net.runUntil(() -> b.received.size() == 4, SECOND));

      assertEquals(3 * MS, net.now());
      assertEquals(List.of(0, 1, 2, 3), b.numbers());
    }

    @Test
    void runUntilCondition_neverHolds_returnsFalseAtMaxTime() {
      a.sendAt(MS, packet(A, B, 1));

      assertFalse(net.runUntil(() -> b.received.size() == 2, SECOND));

      assertEquals(SECOND, net.now());
    }

    @Test
    void step_nothingToDo_returnsFalseAndKeepsTheClock() {
      net.runUntil(MS);

      assertFalse(net.step());

      assertEquals(MS, net.now());
    }

    @Test
    void sameTimeArrivals_step_deliversInSendOrder() {
      for (int i = 0; i < 5; i++) a.sendAt(MS, packet(A, B, i));

      net.runUntilIdle(SECOND);

      assertEquals(List.of(0, 1, 2, 3, 4), b.numbers());
    }

    @Test
    void zeroDelayPingPong_run_throwsStuckInsteadOfHanging() {
      a.echo = true;
      b.echo = true;
      a.sendNow(packet(A, B, 1));

      var e = assertThrows(IllegalStateException.class, () -> net.runUntilIdle(SECOND));

      assertTrue(e.getMessage().startsWith("stuck"), e.getMessage());
    }
  }

  @Nested
  class Observability {
    @Test
    void observer_deliveryAndDrop_seesEveryPacketOnce() {
      List<String> seen = new ArrayList<>();
      net.addObserver(
          new PacketObserver() {
            @Override
            public void onSend(SimNode from, SimNode to, byte[] p, long now) {
              seen.add("send " + TestPackets.number(p) + " @" + now);
            }

            @Override
            public void onDeliver(SimNode from, SimNode to, byte[] p, long now) {
              seen.add("deliver " + TestPackets.number(p) + " @" + now);
            }

            @Override
            public void onDrop(SimNode from, SimNode to, byte[] p, String reason, long now) {
              seen.add("drop " + TestPackets.number(p) + " " + reason);
            }
          });
      net.setLink(a, b, LinkConfig.ideal().withDelay(Duration.ofNanos(10)).withMtu(200));
      a.sendNow(packet(A, B, 1)).sendNow(packet(A, B, 2, 300));

      net.runUntilIdle(SECOND);

      assertEquals(List.of("send 1 @0", "send 2 @0", "drop 2 mtu-exceeded", "deliver 1 @10"), seen);
    }

    @Test
    void trace_drop_emitsANoteWithTheReason() {
      List<TraceEvent> events = new ArrayList<>();
      net.setTrace(events::add);
      net.setLink(a, b, LinkConfig.ideal().withLoss(1));
      a.sendAt(MS, packet(A, B, 1));

      net.runUntilIdle(SECOND);

      assertEquals(List.of(new TraceEvent.Note(MS, "net", "", "drop a>b 100 B: loss")), events);
    }

    @Test
    void stats_mixedFates_countedPerLinkAndInTotal() {
      net.setOneWayLink(a, b, LinkConfig.ideal().withMtu(150));
      a.sendNow(packet(A, B, 1)).sendNow(packet(A, B, 2, 200)).sendNow(packet(A, C, 3));
      b.sendNow(packet(B, A, 4));

      net.runUntilIdle(SECOND);

      LinkStats ab = net.stats(a, b);
      assertEquals(2, ab.sent());
      assertEquals(300, ab.bytesSent());
      assertEquals(1, ab.delivered());
      assertEquals(100, ab.bytesDelivered());
      assertEquals(1, ab.dropped(SimNetwork.MTU_EXCEEDED));
      LinkStats total = net.totalStats();
      assertEquals(4, total.sent());
      assertEquals(2, total.delivered());
      assertEquals(2, total.droppedTotal());
      assertEquals(List.of("mtu-exceeded", "no-route"), List.copyOf(total.dropped().keySet()));
    }

    @Test
    void inject_forgedPacket_deliveredLikeASentOne() {
      net.inject(a, packet(A, B, 66));

      net.runUntilIdle(SECOND);

      assertEquals(List.of(66), b.numbers());
    }

    @Test
    void inject_tracedAsTheSendersOutboundPacket_soThePcapHoldsIt() {
      List<TraceEvent> events = new ArrayList<>();
      net.setTrace(
          new TraceSink() {
            @Override
            public void accept(TraceEvent e) {
              events.add(e);
            }

            @Override
            public boolean wantsPackets() {
              return true;
            }
          });
      byte[] forged = packet(A, B, 66);
      net.runUntil(MS);

      net.inject(a, forged);

      assertEquals(1, events.size());
      TraceEvent.Packet p = (TraceEvent.Packet) events.getFirst();
      assertEquals("a", p.host());
      assertEquals(MS, p.timeNanos());
      assertTrue(p.outbound());
      assertArrayEquals(forged, p.bytes());
    }
  }

  @Nested
  class Determinism {
    /**
     * Runs a lossy, jittery, reordering, duplicating, corrupting exchange and logs every delivery.
     */
    List<String> run(long seed, boolean extraTraffic) {
      SimNetwork n = new SimNetwork(seed);
      ScriptedNode x = new ScriptedNode("x");
      ScriptedNode y = new ScriptedNode("y");
      ScriptedNode z = new ScriptedNode("z");
      n.attach(x, A);
      n.attach(y, B);
      n.attach(z, C);
      n.setDefaultLink(
          LinkConfig.ideal()
              .withDelay(Duration.ofMillis(5))
              .withJitter(Duration.ofMillis(2))
              .withLoss(0.1)
              .withDuplication(0.05)
              .withReorder(0.1, Duration.ofMillis(3))
              .withCorruption(0.05));
      List<String> log = new ArrayList<>();
      n.addObserver(
          new PacketObserver() {
            @Override
            public void onDeliver(SimNode from, SimNode to, byte[] p, long now) {
              if (from == x)
                log.add(now + " " + to.name() + " " + java.util.HexFormat.of().formatHex(p));
            }
          });
      for (int i = 0; i < 500; i++) {
        x.sendAt(i * 100_000L, packet(A, B, i));
        if (extraTraffic) z.sendAt(i * 70_000L, packet(C, B, i));
      }
      n.runUntilIdle(10 * SECOND);
      return log;
    }

    @Test
    void sameSeed_run_identicalDeliveryLog() {
      assertEquals(run(1, false), run(1, false));
    }

    @Test
    void differentSeed_run_differentDeliveryLog() {
      assertNotEquals(run(1, false), run(2, false));
    }

    @Test
    void otherLinksTraffic_run_leavesALinksFateUnchanged() {
      assertEquals(run(3, false), run(3, true));
    }

    @Test
    void linkSeed_namesSwappedOrShifted_differs() {
      assertNotEquals(SimLink.seed(1, "a", "b"), SimLink.seed(1, "b", "a"));
      assertNotEquals(SimLink.seed(1, "ab", "c"), SimLink.seed(1, "a", "bc"));
      assertNotEquals(SimLink.seed(1, "a", "b"), SimLink.seed(2, "a", "b"));
    }
  }
}
