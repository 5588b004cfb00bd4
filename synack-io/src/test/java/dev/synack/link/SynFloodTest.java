package dev.synack.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.wire.Packets;
import dev.synack.wire.Parsed;
import dev.synack.wire.TcpFlags;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Tests of {@link SynFlood}: the kernel end of a TUN device in a namespace of the test's own floods
 * synack's address, and what the device hands over is read back and parsed.
 */
class SynFloodTest {
  private static final Inet4Address SYNACK = (Inet4Address) InetAddress.ofLiteral("10.78.0.2");
  private static final Inet4Address SOURCES = (Inet4Address) InetAddress.ofLiteral("198.18.0.0");

  @Test
  void flood_1000Syns_eachArrivesAsAValidSynFromTheSourceNetworkToThePort() throws Exception {
    NetnsFixture.assumePrivileged();
    int count = 1000; // within the device's queue (TunLink.QUEUE_LENGTH), so none is dropped unread
    try (NetnsFixture ns = NetnsFixture.create();
        TunLink tun = InNetns.call(ns.name(), () -> TunLink.open(NetnsFixture.uniqueName("skf")))) {
      ns.addressAndUp(tun.name(), "10.78.0.1/24");
      SynFlood.Report report;
      try (SynFlood flood =
          InNetns.call(ns.name(), () -> SynFlood.open(SYNACK, 8080, SOURCES, 15, 7))) {
        report = flood.flood(count, 0, () -> false);
      }
      assertEquals(count, report.sent() + report.refused(), report.toString());
      assertTrue(report.sent() > count * 9 / 10, "the kernel took most: " + report);
      int syns = 0;
      Set<String> sources = new HashSet<>();
      Set<Integer> ports = new HashSet<>();
      ByteBuffer buf = ByteBuffer.allocateDirect(65_535);
      for (int i = 0; i < 10 * count; i++) {
        buf.clear();
        if (tun.receive(buf, TimeUnit.MILLISECONDS.toNanos(500)) == 0) break;
        buf.flip();
        if (buf.get(0) >> 4 != 4 || buf.get(9) != 6) continue; // the kernel's own IPv6 chatter
        Parsed<Packets.TcpPacket> parsed = Packets.parseTcp(buf, true);
        assertTrue(parsed instanceof Parsed.Ok<Packets.TcpPacket>, "a malformed SYN: " + parsed);
        Packets.TcpPacket p = parsed.value();
        assertEquals(SYNACK, p.ip().destination());
        byte[] from = p.ip().source().getAddress();
        assertTrue(
            (from[0] & 0xff) == 198 && (from[1] & 0xfe) == 18,
            "source outside 198.18.0.0/15: " + p);
        assertEquals(8080, p.segment().destinationPort());
        assertEquals(TcpFlags.SYN, p.segment().flags(), "flags of " + p);
        assertTrue(p.segment().sourcePort() >= 1024, p.toString());
        assertEquals(1460, p.segment().options().mss(), p.toString());
        sources.add(p.ip().source().getHostAddress());
        ports.add(p.segment().sourcePort());
        syns++;
      }
      assertEquals(report.sent(), syns, "every SYN the kernel took came out of the device");
      assertTrue(
          sources.size() > syns * 9 / 10, "sources are random: " + sources.size() + " of " + syns);
      assertTrue(
          ports.size() > syns / 2, "source ports are random: " + ports.size() + " of " + syns);
    }
  }

  @Test
  void flood_atARate_takesAtLeastTheTimeTheRateAllows() throws Exception {
    NetnsFixture.assumePrivileged();
    try (NetnsFixture ns = NetnsFixture.create();
        TunLink tun = InNetns.call(ns.name(), () -> TunLink.open(NetnsFixture.uniqueName("skf")))) {
      ns.addressAndUp(tun.name(), "10.78.0.1/24");
      try (SynFlood flood =
          InNetns.call(ns.name(), () -> SynFlood.open(SYNACK, 80, SOURCES, 15, 8))) {
        SynFlood.Report r = flood.flood(2 * SynFlood.BATCH, 1000, () -> false);
        // 128 SYNs at 1,000/s: the second batch waits for its time, so at least 64 ms pass (a lower
        // bound only).
        assertTrue(r.nanos() >= TimeUnit.MILLISECONDS.toNanos(64), r.toString());
      }
    }
  }

  @Test
  void flood_stopSaysSo_sendsNoMoreBatches() throws Exception {
    NetnsFixture.assumePrivileged();
    try (NetnsFixture ns = NetnsFixture.create();
        TunLink tun = InNetns.call(ns.name(), () -> TunLink.open(NetnsFixture.uniqueName("skf")))) {
      ns.addressAndUp(tun.name(), "10.78.0.1/24");
      try (SynFlood flood =
          InNetns.call(ns.name(), () -> SynFlood.open(SYNACK, 80, SOURCES, 15, 9))) {
        int[] asked = {0};
        SynFlood.Report r = flood.flood(1_000_000, 0, () -> asked[0]++ >= 2);
        assertEquals(2 * SynFlood.BATCH, r.sent() + r.refused(), r.toString());
      }
    }
  }

  @Test
  void open_badPort_rejectedWithTheValue() {
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> SynFlood.open(SYNACK, 0, SOURCES, 15, 1));
    assertEquals("port must be 1..65535: 0", e.getMessage());
  }
}
