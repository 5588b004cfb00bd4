package dev.synack.stack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.sim.HostNode;
import dev.synack.sim.LinkConfig;
import dev.synack.sim.PacketFilter;
import dev.synack.sim.SimNetwork;
import dev.synack.tcp.TcpState;
import dev.synack.trace.TraceEvent;
import dev.synack.wire.IcmpCodec;
import dev.synack.wire.IcmpMessage;
import dev.synack.wire.IpDatagram;
import dev.synack.wire.Packets;
import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpSegment;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Hosts with IPv6 addresses (RFC 8200): echo, RST for closed ports, whole connections on the
 * simulated network, and path MTU discovery driven by ICMP (RFC 8201, and RFC 1191 for IPv4).
 */
class Ipv6EndToEndTest {
  static final InetAddress CLIENT6 = ip("fd00::1");
  static final InetAddress SERVER6 = ip("fd00::2");
  static final InetAddress ROUTER6 = ip("fd00::fe");
  static final InetAddress CLIENT4 = ip("10.0.0.1");
  static final InetAddress SERVER4 = ip("10.0.0.2");
  static final InetAddress ROUTER4 = ip("10.0.0.254");
  static final int PORT = 443;
  static final long SECOND = 1_000_000_000L;

  final List<TraceEvent> trace = new ArrayList<>();
  final Host client = new Host("client", HostConfig.defaults(21), trace::add);
  final Host server = new Host("server", HostConfig.defaults(22), trace::add);

  Ipv6EndToEndTest() {
    client.addAddress(CLIENT4);
    client.addAddress(CLIENT6);
    server.addAddress(SERVER4);
    server.addAddress(SERVER6);
  }

  @Nested
  class OneHost {
    @Test
    void echoRequest6_answeredWithEchoReply6() {
      byte[] ping =
          Packets.icmp(
              CLIENT6,
              SERVER6,
              64,
              new IcmpMessage.EchoRequest(9, 3, ByteBuffer.wrap(new byte[] {1, 2})));
      server.handlePacket(ping, 0);

      byte[] reply = server.pollPacket(0);
      assertNotNull(reply);
      IpDatagram ip = IpDatagram.parse(ByteBuffer.wrap(reply)).value();
      assertEquals(6, ip.version());
      assertEquals(CLIENT6, ip.destination());
      IcmpMessage m = IcmpCodec.parse(ip, true).value();
      assertTrue(
          m instanceof IcmpMessage.EchoReply r && r.identifier() == 9 && r.sequenceNumber() == 3,
          m.toString());
    }

    @Test
    void syn6_toClosedPort_answeredWithRst6() {
      server.handlePacket(
          Packets.tcp(CLIENT6, SERVER6, 64, TcpSegment.of(50000, 9, 77, 0, TcpFlags.SYN, 65535)),
          0);

      byte[] reply = server.pollPacket(0);
      Packets.TcpPacket rst = Packets.parseTcp(ByteBuffer.wrap(reply), true).value();
      assertEquals(6, rst.ip().version());
      assertEquals(CLIENT6, rst.ip().destination());
      assertEquals(TcpFlags.RST | TcpFlags.ACK, rst.segment().flags());
      assertEquals(78, rst.segment().acknowledgmentNumber());
    }

    @Test
    void ipv6Fragments_reassembledIntoOneSyn_answeredWithRst() {
      // RFC 8200 §4.5: a SYN in two fragments (16 bytes of TCP header, then the rest) is put back
      // together.
      byte[] whole =
          Packets.tcp(CLIENT6, SERVER6, 64, TcpSegment.of(50000, 9, 77, 0, TcpFlags.SYN, 65535));
      server.handlePacket(FragmentsTest.fragment6(whole, 16, whole.length - 40 - 16, false, 5), 0);
      assertNull(server.pollPacket(0), "nothing until the datagram is whole");
      server.handlePacket(FragmentsTest.fragment6(whole, 0, 16, true, 5), 0);

      byte[] reply = server.pollPacket(0);
      Packets.TcpPacket rst = Packets.parseTcp(ByteBuffer.wrap(reply), true).value();
      assertEquals(TcpFlags.RST | TcpFlags.ACK, rst.segment().flags());
      assertEquals(78, rst.segment().acknowledgmentNumber());
      assertEquals(1, server.counters().datagramsReassembled());
    }
  }

  @Nested
  class OnTheSimulatedNetwork {
    @Test
    void wholeConnection6_handshakeDataBothWaysTeardownTimeWait() {
      SimNetwork net = network(LinkConfig.ideal().withDelay(Duration.ofMillis(10)).withLoss(0.02));
      Listener listener = server.listen(null, PORT, 8);
      Connection c = client.connect(SERVER6, PORT, 0);
      assertTrue(
          net.runUntil(() -> listener.pendingAccepts() > 0, 60 * SECOND), "handshake completes");
      Connection s = listener.accept();
      assertEquals(c.id().localAddress(), CLIENT6);
      assertEquals(s.id().remoteAddress(), CLIENT6);

      byte[] up = random(200_000, 1);
      byte[] down = random(150_000, 2);
      byte[][] got = exchange(net, c, s, up, down);

      assertArrayEquals(up, got[0], "client to server, every byte once and in order");
      assertArrayEquals(down, got[1], "server to client");
      assertEquals(
          1500 - 40 - 20 - 12,
          c.status().effectiveMss(),
          "less IPv6 and TCP headers and the timestamps option");
      assertTrue(
          net.runUntil(
              () -> c.state() == TcpState.CLOSED && s.state() == TcpState.CLOSED, 600 * SECOND));
      // Whichever side closed first waited 2 MSL; conn names carry the IPv6 addresses in brackets.
      assertTrue(
          trace.stream()
              .anyMatch(
                  e ->
                      e instanceof TraceEvent.StateChange st
                          && st.to().equals("TIME_WAIT")
                          && st.conn().contains("[fd00::1]:")),
          () ->
              "a side passed TIME_WAIT: "
                  + trace.stream().filter(e -> e instanceof TraceEvent.StateChange).toList());
      net.runUntilIdle(600 * SECOND);
      assertEquals(0, client.connectionCount());
      assertEquals(0, server.connectionCount());
    }

    @Test
    void pathMtuDiscovery6_routerSaysPacketTooBig_transferCompletesAtTheSmallerMss() {
      pathMtuDiscovery(SERVER6, ROUTER6, 1280, 1280 - 60);
    }

    @Test
    void pathMtuDiscovery4_routerSaysFragmentationNeeded_transferCompletesAtTheSmallerMss() {
      pathMtuDiscovery(SERVER4, ROUTER4, 1000, 1000 - 40);
    }

    /**
     * A router on the path forwards packets of at most {@code pathMtu} bytes and answers bigger
     * ones with an ICMP error, as RFC 1191 §4 and RFC 4443 §3.2 ask: the sender's MSS falls to what
     * the path takes and the data arrives.
     */
    private void pathMtuDiscovery(
        InetAddress serverAddress, InetAddress router, int pathMtu, int mssWithoutOptions) {
      SimNetwork net = network(LinkConfig.ideal().withDelay(Duration.ofMillis(5)));
      net.setFilter(new TooBigRouter(net, router, pathMtu));
      Listener listener = server.listen(null, PORT, 8);
      Connection c = client.connect(serverAddress, PORT, 0);
      assertTrue(net.runUntil(() -> listener.pendingAccepts() > 0, 60 * SECOND));
      Connection s = listener.accept();

      byte[] up = random(50_000, 3);
      byte[][] got = exchange(net, c, s, up, new byte[0]);

      assertArrayEquals(up, got[0]);
      assertEquals(mssWithoutOptions - 12, c.status().effectiveMss(), "less the timestamps option");
      assertTrue(client.counters().icmpErrorsDelivered() >= 1);
      assertTrue(
          trace.stream()
              .anyMatch(
                  e ->
                      e instanceof TraceEvent.Note n
                          && n.host().equals("client")
                          && n.text().contains("MSS lowered to " + (mssWithoutOptions - 12))),
          trace.toString());
    }
  }

  /**
   * A filter playing a router with a small next-hop MTU: drops what is too big and says so by ICMP.
   */
  private record TooBigRouter(SimNetwork net, InetAddress address, int mtu)
      implements PacketFilter {
    @Override
    public long decide(
        dev.synack.sim.SimNode from, dev.synack.sim.SimNode to, byte[] packet, long now) {
      if (packet.length <= mtu) return PASS;
      IpDatagram ip = IpDatagram.parse(ByteBuffer.wrap(packet)).value();
      IcmpMessage error =
          ip.version() == 4
              ? new IcmpMessage.DestinationUnreachable(
                  4, mtu, ByteBuffer.wrap(packet, 0, 28).slice())
              : new IcmpMessage.PacketTooBig(mtu, ByteBuffer.wrap(packet, 0, 1280 - 48).slice());
      net.inject(to, Packets.icmp(address, ip.source(), 64, error));
      return DROP;
    }
  }

  SimNetwork network(LinkConfig link) {
    SimNetwork net = new SimNetwork(5);
    HostNode c = new HostNode(client);
    HostNode s = new HostNode(server);
    net.attach(c, CLIENT4, CLIENT6);
    net.attach(s, SERVER4, SERVER6);
    net.setLink(c, s, link);
    return net;
  }

  static byte[][] exchange(SimNetwork net, Connection c, Connection s, byte[] up, byte[] down) {
    return SimExchange.exchange(net, c, s, up, down);
  }

  static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new SplittableRandom(seed).nextBytes(b);
    return b;
  }

  static InetAddress ip(String s) {
    try {
      return InetAddress.getByName(s);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }
}
