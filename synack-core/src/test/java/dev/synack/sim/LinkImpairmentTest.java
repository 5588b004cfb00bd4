package dev.synack.sim;

import static dev.synack.sim.TestPackets.addr;
import static dev.synack.sim.TestPackets.packet;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class LinkImpairmentTest {
  static final long MS = 1_000_000L;
  static final long SECOND = 1_000 * MS;
  static final InetAddress A = addr("192.0.2.1");
  static final InetAddress B = addr("192.0.2.2");

  final SimNetwork net = new SimNetwork(7);
  final ScriptedNode a = new ScriptedNode("a");
  final ScriptedNode b = new ScriptedNode("b");

  LinkImpairmentTest() {
    net.attach(a, A);
    net.attach(b, B);
  }

  /** Sends {@code count} numbered packets of {@code size} bytes from a, {@code gap} ns apart. */
  void sendNumbered(int count, int size, long gap) {
    for (int i = 0; i < count; i++) a.sendAt(i * gap, packet(A, B, i, size));
  }

  @Nested
  class Bandwidth {
    @Test
    void twelveMegabits_1500Bytes_takeOneMillisecond() {
      net.setLink(a, b, LinkConfig.ideal().withBandwidth(12_000_000));
      a.sendNow(packet(A, B, 1, 1500));

      net.runUntilIdle(SECOND);

      assertEquals(List.of(MS), b.times());
    }

    @Test
    void burst_serialisedBackToBack_thenPropagationDelay() {
      net.setLink(
          a, b, LinkConfig.ideal().withBandwidth(12_000_000).withDelay(Duration.ofMillis(10)));
      sendNumbered(3, 1500, 0);

      net.runUntilIdle(SECOND);

      assertEquals(List.of(11 * MS, 12 * MS, 13 * MS), b.times());
    }

    @Test
    void burst_queueLimit_tailDropsQueueFull() {
      // One packet on the wire and two waiting (3000 bytes) fit; the other seven do not.
      net.setLink(a, b, LinkConfig.ideal().withBandwidth(12_000_000).withQueueLimit(3000));
      sendNumbered(10, 1500, 0);

      net.runUntilIdle(SECOND);

      assertEquals(List.of(0, 1, 2), b.numbers());
      assertEquals(7, net.stats(a, b).dropped(SimNetwork.QUEUE_FULL));
    }

    @Test
    void queueDrained_laterPacket_acceptedAgain() {
      net.setLink(a, b, LinkConfig.ideal().withBandwidth(12_000_000).withQueueLimit(1500));
      sendNumbered(3, 1500, 0);
      a.sendAt(2 * MS, packet(A, B, 3, 1500));

      net.runUntilIdle(SECOND);

      assertEquals(List.of(0, 1, 3), b.numbers());
      assertEquals(List.of(MS, 2 * MS, 3 * MS), b.times());
    }

    @Test
    void zeroQueueLimit_idleLink_stillCarriesOnePacket() {
      net.setLink(a, b, LinkConfig.ideal().withBandwidth(8_000_000).withQueueLimit(0));
      sendNumbered(2, 1000, 0);

      net.runUntilIdle(SECOND);

      assertEquals(List.of(0), b.numbers());
      assertEquals(List.of(MS), b.times());
    }
  }

  @Nested
  class Impairments {
    @Test
    void loss1Percent_100kPackets_rateWithinFiveSigma() {
      net.setLink(a, b, LinkConfig.ideal().withLoss(0.01));
      int n = 100_000;
      for (int i = 0; i < n; i++) a.sendNow(packet(A, B, i, 24));

      net.runUntilIdle(SECOND);

      // Binomial(100000, 0.01): mean 1000, sigma about 31.5.
      long lost = net.stats(a, b).dropped(SimNetwork.LOSS);
      assertTrue(lost > 842 && lost < 1158, "lost " + lost);
      assertEquals(n - lost, b.received.size());
    }

    @Test
    void fullDuplication_eachPacket_arrivesTwiceAsEqualCopies() {
      net.setLink(a, b, LinkConfig.ideal().withDuplication(1));
      sendNumbered(3, 100, MS);

      net.runUntilIdle(SECOND);

      assertEquals(List.of(0, 0, 1, 1, 2, 2), b.numbers());
      assertArrayEquals(b.received.get(0).packet(), b.received.get(1).packet());
      assertNotSame(
          b.received.get(0).packet(), b.received.get(1).packet(), "copies must not share an array");
      assertEquals(3, net.stats(a, b).duplicated());
    }

    @Test
    void reorder_heldBackPackets_areOvertaken() {
      net.setLink(
          a,
          b,
          LinkConfig.ideal()
              .withDelay(Duration.ofMillis(1))
              .withReorder(0.2, Duration.ofMillis(5)));
      sendNumbered(200, 100, MS);

      net.runUntilIdle(SECOND);

      List<Integer> got = b.numbers();
      assertEquals(IntStream.range(0, 200).boxed().toList(), got.stream().sorted().toList());
      assertNotEquals(got.stream().sorted().toList(), got);
      long reordered = net.stats(a, b).reordered();
      assertTrue(reordered > 20 && reordered < 60, "reordered " + reordered);
    }

    @Test
    void jitterWithoutReorder_arrivalTimesSpread_orderKept() {
      net.setLink(
          a,
          b,
          LinkConfig.ideal().withDelay(Duration.ofMillis(10)).withJitter(Duration.ofMillis(5)));
      sendNumbered(200, 100, 100_000);

      net.runUntilIdle(SECOND);

      assertEquals(IntStream.range(0, 200).boxed().toList(), b.numbers());
      List<Long> delays = new ArrayList<>();
      for (ScriptedNode.Received r : b.received) delays.add(r.time() - r.number() * 100_000L);
      assertTrue(delays.stream().allMatch(d -> d >= 10 * MS && d <= 15 * MS), delays.toString());
      assertTrue(delays.stream().distinct().count() > 100, "jitter should vary delays");
    }

    @Test
    void corruption_packet_exactlyOneByteDiffers() {
      net.setLink(a, b, LinkConfig.ideal().withCorruption(1));
      List<byte[]> sent = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        byte[] p = packet(A, B, i, 200);
        sent.add(p.clone());
        a.sendNow(p);
      }

      net.runUntilIdle(SECOND);

      assertEquals(50, b.received.size());
      for (int i = 0; i < 50; i++) {
        byte[] before = sent.get(i);
        byte[] after = b.received.get(i).packet();
        int differing = 0;
        for (int j = 0; j < before.length; j++) if (before[j] != after[j]) differing++;
        assertEquals(1, differing, "packet " + i);
      }
      assertEquals(50, net.stats(a, b).corrupted());
    }

    @Test
    void corruptionWithDuplication_copies_corruptedIndependently() {
      net.setLink(a, b, LinkConfig.ideal().withCorruption(0.5).withDuplication(1));
      byte[] original = packet(A, B, 1, 1000);
      a.sendNow(original.clone());
      a.sendNow(original.clone());

      net.runUntilIdle(SECOND);

      assertEquals(4, b.received.size());
      long changed =
          b.received.stream().filter(r -> !java.util.Arrays.equals(original, r.packet())).count();
      assertEquals(net.stats(a, b).corrupted(), changed);
    }

    @Test
    void mtu_largerPacket_droppedMtuExceeded_equalPacketPasses() {
      net.setLink(a, b, LinkConfig.ideal().withMtu(1500));
      a.sendNow(packet(A, B, 1, 1500)).sendNow(packet(A, B, 2, 1501));

      net.runUntilIdle(SECOND);

      assertEquals(List.of(1), b.numbers());
      assertEquals(1, net.stats(a, b).dropped(SimNetwork.MTU_EXCEEDED));
    }

    @Test
    void lossWithBandwidth_lostPacket_stillUsedItsSlotOnTheWire() {
      net.setLink(a, b, LinkConfig.ideal().withBandwidth(12_000_000).withLoss(0.5));
      sendNumbered(40, 1500, 0);

      net.runUntilIdle(SECOND);

      for (ScriptedNode.Received r : b.received) assertEquals((r.number() + 1) * MS, r.time());
      assertTrue(b.received.size() < 40 && !b.received.isEmpty(), "received " + b.received.size());
    }
  }
}
