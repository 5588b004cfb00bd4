package dev.synack.stack;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.sim.HostNode;
import dev.synack.sim.LinkConfig;
import dev.synack.sim.SimNetwork;
import dev.synack.tcp.TcpError;
import dev.synack.wire.IcmpCodec;
import dev.synack.wire.IcmpMessage;
import dev.synack.wire.IpDatagram;
import dev.synack.wire.Parsed;
import dev.synack.wire.UdpPacket;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * UDP in the host: endpoints, checksums, port unreachable and its rate limit, ICMP errors, the
 * any-destination catch-all.
 */
class UdpTest {
  static final InetAddress A4 = ip("10.0.0.1");
  static final InetAddress B4 = ip("10.0.0.2");
  static final InetAddress A6 = ip("fd00::1");
  static final InetAddress B6 = ip("fd00::2");
  static final InetAddress ELSEWHERE4 = ip("198.51.100.9");
  static final long SECOND = 1_000_000_000L;

  final Host a = new Host("a", HostConfig.defaults(41), null);
  final Host b = new Host("b", HostConfig.defaults(42), null);

  UdpTest() {
    a.addAddress(A4);
    a.addAddress(A6);
    b.addAddress(B4);
    b.addAddress(B6);
  }

  @Nested
  class Exchange {
    @Test
    void datagram_ipv4_deliveredWithBothAddresses_andAnswered() {
      echo(A4, B4);
    }

    @Test
    void datagram_ipv6_deliveredWithBothAddresses_andAnswered() {
      echo(A6, B6);
    }

    void echo(InetAddress from, InetAddress to) {
      SimNetwork net = network();
      UdpEndpoint server = b.bindUdp(null, 53);
      UdpEndpoint client = a.bindUdp(null, 0);
      assertTrue(
          client.port() >= 32768 && client.port() <= 60999, "ephemeral port " + client.port());
      client.send(ByteBuffer.wrap("query".getBytes(UTF_8)), to, 53, net.now());
      assertTrue(net.runUntil(() -> server.pending() > 0, SECOND));
      assertInstanceOf(HostEvent.UdpReadable.class, b.pollEvent());
      UdpMessage q = server.receive();
      assertEquals(from, q.remoteAddress());
      assertEquals(client.port(), q.remotePort());
      assertEquals(to, q.localAddress());
      assertEquals(53, q.localPort());
      assertArrayEquals("query".getBytes(UTF_8), q.payload());

      server.send(
          ByteBuffer.wrap("answer".getBytes(UTF_8)), q.remoteAddress(), q.remotePort(), net.now());
      assertTrue(net.runUntil(() -> client.pending() > 0, SECOND));
      UdpMessage r = client.receive();
      assertEquals(to, r.remoteAddress());
      assertEquals(53, r.remotePort());
      assertArrayEquals("answer".getBytes(UTF_8), r.payload());
      assertNull(client.receive());
      assertEquals(1, a.counters().udpDatagramsIn());
      assertEquals(1, a.counters().udpDatagramsOut());
    }

    @Test
    void tenThousandDatagrams_eachArrivesOnce() {
      SimNetwork net = network();
      UdpEndpoint server = b.bindUdp(B4, 7);
      UdpEndpoint client = a.bindUdp(A4, 0);
      List<Integer> got = new ArrayList<>();
      for (int i = 0; i < 10_000; i++) {
        client.send(ByteBuffer.allocate(4).putInt(0, i), B4, 7, net.now());
        assertTrue(net.runUntil(() -> server.pending() > 0, net.now() + SECOND));
        UdpMessage m;
        while ((m = server.receive()) != null) got.add(ByteBuffer.wrap(m.payload()).getInt());
      }
      assertEquals(10_000, got.size());
      for (int i = 0; i < got.size(); i++) assertEquals(i, got.get(i));
    }
  }

  @Nested
  class Checksums {
    @Test
    void sentChecksum_verifies() {
      UdpEndpoint e = a.bindUdp(null, 1000);
      e.send(ByteBuffer.wrap(new byte[] {1, 2, 3}), B4, 2000, 0);
      IpDatagram ip = IpDatagram.parse(ByteBuffer.wrap(a.pollPacket(0))).value();
      Parsed<UdpPacket> p = UdpPacket.parse(ip, true);
      assertTrue(p.isOk(), () -> String.valueOf(p.reason()));
      assertEquals(1000, p.value().sourcePort());
      assertEquals(2000, p.value().destinationPort());
    }

    @Test
    void computedZeroChecksum_sentAsAllOnes() {
      // RFC 768: a computed zero is sent as 0xffff, since zero means "no checksum". A payload word
      // equal to the checksum of the zero payload makes the sum all ones, the checksum zero.
      int c = checksumField(UdpPacket.packet(A4, 1, B4, 2, 64, ByteBuffer.wrap(new byte[2])));
      byte[] packet =
          UdpPacket.packet(
              A4, 1, B4, 2, 64, ByteBuffer.wrap(new byte[] {(byte) (c >> 8), (byte) c}));
      assertEquals(0xffff, checksumField(packet));
      assertTrue(UdpPacket.parse(IpDatagram.parse(ByteBuffer.wrap(packet)).value(), true).isOk());
    }

    @Test
    void badChecksum_droppedAndCounted() {
      UdpEndpoint e = b.bindUdp(null, 53);
      byte[] packet = UdpPacket.packet(A4, 1000, B4, 53, 64, ByteBuffer.wrap(new byte[] {9}));
      packet[packet.length - 1] ^= 1;
      b.handlePacket(packet, 0);
      assertEquals(0, e.pending());
      assertEquals(1, b.counters().dropped("udp-bad-checksum"));
      assertEquals(1, b.counters().malformed());
    }

    @Test
    void zeroChecksum_ipv4_acceptedAsNone() {
      UdpEndpoint e = b.bindUdp(null, 53);
      byte[] packet = UdpPacket.packet(A4, 1000, B4, 53, 64, ByteBuffer.wrap(new byte[] {9}));
      packet[20 + 6] = 0;
      packet[20 + 7] = 0;
      b.handlePacket(packet, 0);
      assertEquals(1, e.pending());
    }

    @Test
    void zeroChecksum_ipv6_dropped() {
      UdpEndpoint e = b.bindUdp(null, 53);
      byte[] packet = UdpPacket.packet(A6, 1000, B6, 53, 64, ByteBuffer.wrap(new byte[] {9}));
      packet[40 + 6] = 0;
      packet[40 + 7] = 0;
      b.handlePacket(packet, 0);
      assertEquals(0, e.pending());
      assertEquals(1, b.counters().dropped("udp-zero-checksum-ipv6"));
    }

    @Test
    void lengthFieldBeyondThePacket_dropped() {
      byte[] packet = UdpPacket.packet(A4, 1000, B4, 53, 64, ByteBuffer.wrap(new byte[] {9}));
      packet[20 + 5] = 50;
      b.bindUdp(null, 53);
      b.handlePacket(packet, 0);
      assertEquals(1, b.counters().dropped("udp-bad-length"));
    }

    int checksumField(byte[] ipv4Packet) {
      return ((ipv4Packet[26] & 0xff) << 8) | (ipv4Packet[27] & 0xff);
    }
  }

  @Nested
  class ClosedPort {
    @Test
    void datagramToClosedPort_portUnreachable_deliveredToTheSenderAsRefused() {
      SimNetwork net = network();
      UdpEndpoint client = a.bindUdp(null, 0);
      client.send(ByteBuffer.wrap(new byte[] {1}), B4, 9999, net.now());
      net.runUntilIdle(SECOND);
      assertEquals(1, b.counters().dropped("udp-closed-port"));
      assertEquals(1, b.counters().unreachablesSent());
      HostEvent e = a.pollEvent();
      HostEvent.UdpError error = assertInstanceOf(HostEvent.UdpError.class, e);
      assertEquals(client, error.endpoint());
      assertEquals(TcpError.CONNECTION_REFUSED, error.error());
      assertEquals(B4, error.remoteAddress());
      assertEquals(9999, error.remotePort());
      assertEquals(client.port(), error.localPort());
    }

    @Test
    void portUnreachable_ipv6_code4() {
      b.handlePacket(UdpPacket.packet(A6, 1000, B6, 9999, 64, ByteBuffer.wrap(new byte[] {1})), 0);
      IpDatagram ip = IpDatagram.parse(ByteBuffer.wrap(b.pollPacket(0))).value();
      IcmpMessage m = IcmpCodec.parse(ip, true).value();
      assertEquals(4, assertInstanceOf(IcmpMessage.DestinationUnreachable.class, m).code());
      assertEquals(A6, ip.destination());
    }

    @Test
    void manyToOneSource_limitedToTheBurstOfSix_thenOnePerSecond() {
      for (int i = 0; i < 100; i++)
        b.handlePacket(
            UdpPacket.packet(A4, 1000, B4, 9999, 64, ByteBuffer.wrap(new byte[] {1})), 0);
      assertEquals(6, drain(b, 0));
      b.handlePacket(
          UdpPacket.packet(A4, 1000, B4, 9999, 64, ByteBuffer.wrap(new byte[] {1})), SECOND / 2);
      assertEquals(0, drain(b, SECOND / 2));
      b.handlePacket(
          UdpPacket.packet(A4, 1000, B4, 9999, 64, ByteBuffer.wrap(new byte[] {1})), SECOND);
      assertEquals(1, drain(b, SECOND));
      assertEquals(100 - 6 + 1, b.counters().dropped("icmp-rate-limited"));
    }

    @Test
    void manySources_limitedByTheHostWideBurstOfFifty() {
      for (int i = 0; i < 200; i++) {
        InetAddress src = ip("10.1." + (i / 250) + "." + (i % 250 + 1));
        b.handlePacket(
            UdpPacket.packet(src, 1000, B4, 9999, 64, ByteBuffer.wrap(new byte[] {1})), 0);
      }
      assertEquals(50, drain(b, 0));
    }

    int drain(Host h, long now) {
      int n = 0;
      while (h.pollPacket(now) != null) n++;
      return n;
    }
  }

  @Nested
  class Endpoints {
    @Test
    void sameAddressAndPort_twice_inUse() {
      a.bindUdp(null, 53);
      assertThrows(IllegalStateException.class, () -> a.bindUdp(A4, 53));
    }

    @Test
    void boundToOneAddress_takesOnlyThatAddress() {
      UdpEndpoint one = b.bindUdp(B6, 53);
      assertThrows(
          IllegalStateException.class, () -> b.bindUdp(null, 53), "as Linux without SO_REUSEADDR");
      UdpEndpoint other = b.bindUdp(B4, 53);
      b.handlePacket(UdpPacket.packet(A6, 1000, B6, 53, 64, ByteBuffer.wrap(new byte[] {1})), 0);
      b.handlePacket(UdpPacket.packet(A4, 1000, B4, 53, 64, ByteBuffer.wrap(new byte[] {1, 2})), 0);
      assertEquals(1, one.receive().payload().length);
      assertEquals(2, other.receive().payload().length);
    }

    @Test
    void closed_portFreeAgain_andDatagramsDrawPortUnreachable() {
      UdpEndpoint e = b.bindUdp(null, 53);
      e.close();
      b.handlePacket(UdpPacket.packet(A4, 1000, B4, 53, 64, ByteBuffer.wrap(new byte[] {1})), 0);
      assertEquals(1, b.counters().dropped("udp-closed-port"));
      assertNotNull(b.bindUdp(null, 53));
    }

    @Test
    void receiveBufferFull_droppedAndCounted() {
      UdpEndpoint e = b.bindUdp(null, 53);
      int size = 60_000;
      int fits = UdpEndpoint.RECEIVE_BUFFER_BYTES / size;
      for (int i = 0; i < fits + 2; i++) {
        b.handlePacket(UdpPacket.packet(A4, 1000, B4, 53, 64, ByteBuffer.allocate(size)), 0);
      }
      assertEquals(fits, e.pending());
      assertEquals(2, b.counters().dropped("udp-receive-buffer-full"));
      int events = 0;
      while (b.pollEvent() != null) events++;
      assertEquals(1, events, "one readable event when the queue turns non-empty");
    }
  }

  @Nested
  class AnyDestination {
    @Test
    void catchAll_takesEveryAddressAndPort_andRepliesFromTheAddressThePeerUsed() {
      Host f = new Host("forwarder", HostConfig.defaults(43).withAnyDestination(true), null);
      f.addAddress(B4);
      UdpEndpoint all = f.bindUdpAll();
      f.handlePacket(
          UdpPacket.packet(A4, 40000, ELSEWHERE4, 53, 64, ByteBuffer.wrap("q".getBytes(UTF_8))), 0);
      UdpMessage m = all.receive();
      assertNotNull(m);
      assertEquals(ELSEWHERE4, m.localAddress());
      assertEquals(53, m.localPort());

      all.send(
          ByteBuffer.wrap("r".getBytes(UTF_8)),
          m.localAddress(),
          m.localPort(),
          m.remoteAddress(),
          m.remotePort(),
          0);
      IpDatagram ip = IpDatagram.parse(ByteBuffer.wrap(f.pollPacket(0))).value();
      assertEquals(ELSEWHERE4, ip.source());
      assertEquals(A4, ip.destination());
      UdpPacket udp = UdpPacket.parse(ip, true).value();
      assertEquals(53, udp.sourcePort());
      assertEquals(40000, udp.destinationPort());
      assertThrows(
          IllegalStateException.class, () -> all.send(ByteBuffer.wrap(new byte[1]), A4, 1, 0));
    }

    @Test
    void withoutAnyDestination_otherAddressesAreNotTaken() {
      UdpEndpoint all = b.bindUdpAll();
      b.handlePacket(
          UdpPacket.packet(A4, 40000, ELSEWHERE4, 53, 64, ByteBuffer.wrap("q".getBytes(UTF_8))), 0);
      assertEquals(0, all.pending());
      assertEquals(1, b.counters().dropped("not-for-this-host"));
      assertNotEquals(0, b.counters().droppedTotal());
    }
  }

  @Nested
  class Connected {
    @Test
    void connectedEndpoint_takesItsPeerOnly_othersDrawPortUnreachable() {
      SimNetwork net = network();
      UdpEndpoint server = b.bindUdp(null, 9000);
      UdpEndpoint peer = a.bindUdp(null, 40001);
      UdpEndpoint stranger = a.bindUdp(null, 40002);
      server.connect(A4, 40001);
      stranger.send(ByteBuffer.wrap(new byte[] {1}), B4, 9000, net.now());
      peer.send(ByteBuffer.wrap(new byte[] {2}), B4, 9000, net.now());
      assertTrue(net.runUntil(() -> server.pending() > 0, SECOND));
      net.runUntil(net.now() + 10_000_000L);
      assertEquals(1, server.pending());
      assertArrayEquals(new byte[] {2}, server.receive().payload());
      assertEquals(
          1,
          b.counters().dropped("udp-closed-port"),
          "the stranger's datagram, as to a closed port");
      assertEquals(Readiness.WRITABLE, server.readiness());
    }

    @Test
    void connectedEndpoint_keepsThePortUnreachableOfItsPeer_once() {
      SimNetwork net = network();
      UdpEndpoint client = a.bindUdp(null, 0);
      client.connect(B4, 9);
      client.send(ByteBuffer.wrap(new byte[] {1}), B4, 9, net.now());
      assertTrue(net.runUntil(() -> (client.readiness() & Readiness.ERROR) != 0, SECOND));
      assertEquals(TcpError.CONNECTION_REFUSED, client.takeError());
      assertNull(client.takeError(), "reported once, as sk_err");
      assertEquals(Readiness.WRITABLE, client.readiness());
    }

    @Test
    void unconnectedEndpoint_keepsNoError_theEventAlone() {
      SimNetwork net = network();
      UdpEndpoint client = a.bindUdp(null, 0);
      client.send(ByteBuffer.wrap(new byte[] {1}), B4, 9, net.now());
      assertTrue(net.runUntil(() -> a.counters().icmpErrorsDelivered() > 0, SECOND));
      assertNull(client.takeError());
    }
  }

  SimNetwork network() {
    SimNetwork net = new SimNetwork(9);
    HostNode na = new HostNode(a);
    HostNode nb = new HostNode(b);
    net.attach(na, A4, A6);
    net.attach(nb, B4, B6);
    net.setLink(na, nb, LinkConfig.ideal().withDelay(Duration.ofMillis(1)));
    return net;
  }

  static InetAddress ip(String s) {
    try {
      return InetAddress.getByName(s);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(e);
    }
  }
}
