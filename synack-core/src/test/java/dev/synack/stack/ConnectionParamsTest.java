package dev.synack.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.sim.HostNode;
import dev.synack.sim.LinkConfig;
import dev.synack.sim.PacketObserver;
import dev.synack.sim.SimNetwork;
import dev.synack.sim.SimNode;
import dev.synack.tcp.TcpConfig;
import dev.synack.tcp.TcpState;
import dev.synack.wire.IpDatagram;
import dev.synack.wire.TcpCodec;
import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpSegment;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a connection derives from its path and address pair ({@link
 * dev.synack.tcp.ConnectionParams}) stays apart from the user's settings: the connection reports
 * the very {@link TcpConfig} it was given, and its MSS and timestamp offset come from the path MTU
 * and the address pair.
 */
class ConnectionParamsTest {
  private static final long MS = 1_000_000L;
  private static final int MTU = 9000;
  private final TcpConfig clientTcp = TcpConfig.defaults();
  private final TcpConfig listenerTcp = TcpConfig.defaults().withNoDelay(true);
  private final Host clientHost =
      new Host("client", HostConfig.defaults(1).withMtu(MTU).withTcp(clientTcp), e -> {});
  private final Host serverHost = new Host("server", HostConfig.defaults(2).withMtu(MTU), e -> {});
  private final SimNetwork net = new SimNetwork(9);
  private final InetAddress serverAddress = ip("10.0.0.2");
  private final List<TcpSegment> sent = new ArrayList<>();
  private final List<Long> sentAt = new ArrayList<>();

  ConnectionParamsTest() {
    InetAddress c = ip("10.0.0.1");
    clientHost.addAddress(c);
    clientHost.addAddress(ip("10.0.0.3"));
    serverHost.addAddress(serverAddress);
    HostNode cn = new HostNode(clientHost);
    HostNode sn = new HostNode(serverHost);
    net.attach(cn, c);
    net.attach(cn, ip("10.0.0.3"));
    net.attach(sn, serverAddress);
    net.setLink(cn, sn, LinkConfig.ideal().withDelay(Duration.ofMillis(5)));
  }

  @Test
  void connection_reportsTheUsersConfig_andTakesMssAndTimestampOffsetFromPathAndPair() {
    Listener listener = serverHost.listen(null, 80, 8, listenerTcp);
    Connection client = clientHost.connect(serverAddress, 80, net.now());
    Connection server = accept(listener, client);

    assertSame(clientTcp, client.engine.config(), "the client's settings object itself");
    assertSame(listenerTcp, server.engine.config(), "the listener's settings object itself");
    assertEquals(1460, clientTcp.mss(), "the user's settings keep their own MSS");
    // MTU 9000 less 20 bytes of IPv4 and 20 of TCP header, on both ends.
    assertEquals(MTU - 40, client.engine.params().mss());
    assertEquals(MTU - 40, server.engine.params().mss());
    assertEquals(0, clientTcp.timestampOffset());
    assertNotEquals(0, client.engine.params().timestampOffset(), "a keyed per-pair offset");
  }

  @Test
  void connectionsOfOnePair_shareTheirParams_andAnotherPairHasItsOwnOffset() {
    serverHost.listen(null, 80, 8);
    Connection a = clientHost.connect(serverAddress, 80, net.now());
    Connection b = clientHost.connect(serverAddress, 80, net.now());
    Connection other = clientHost.connect(ip("10.0.0.3"), 0, serverAddress, 80, net.now());

    assertSame(a.engine.params(), b.engine.params(), "one record per address pair");
    assertNotEquals(a.engine.params().timestampOffset(), other.engine.params().timestampOffset());
    assertEquals(MTU - 40, other.engine.params().mss());
  }

  @Test
  void synAndSynAck_announceThePathMss_andTheSynsTsValRunsFromThePairsOffset() {
    serverHost.listen(null, 80, 8);
    net.addObserver(
        new PacketObserver() {
          @Override
          public void onSend(SimNode from, SimNode to, byte[] packet, long now) {
            IpDatagram ip = IpDatagram.parse(ByteBuffer.wrap(packet)).value();
            sent.add(TcpCodec.parse(ip.payload(), ip.source(), ip.destination(), false).value());
            sentAt.add(now);
          }
        });
    Connection client = clientHost.connect(serverAddress, 80, net.now());
    assertTrue(net.runUntil(() -> client.state() == TcpState.ESTABLISHED, net.now() + 1000 * MS));
    int syn = indexOf(TcpFlags.SYN);
    int synAck = indexOf(TcpFlags.SYN | TcpFlags.ACK);
    assertEquals(MTU - 40, sent.get(syn).options().mss());
    assertEquals(MTU - 40, sent.get(synAck).options().mss());
    assertEquals(
        (int) Math.floorDiv(sentAt.get(syn), MS) + client.engine.params().timestampOffset(),
        sent.get(syn).options().timestamps().tsVal());
  }

  private int indexOf(int flags) {
    for (int i = 0; i < sent.size(); i++) if (sent.get(i).flags() == flags) return i;
    throw new AssertionError("no segment with flags " + flags + " in " + sent);
  }

  private Connection accept(Listener listener, Connection client) {
    Connection[] accepted = new Connection[1];
    assertTrue(
        net.runUntil(
            () ->
                (accepted[0] = accepted[0] != null ? accepted[0] : listener.accept()) != null
                    && client.state() == TcpState.ESTABLISHED,
            net.now() + 1000 * MS));
    return accepted[0];
  }

  private static InetAddress ip(String s) {
    try {
      return InetAddress.getByName(s);
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }
}
