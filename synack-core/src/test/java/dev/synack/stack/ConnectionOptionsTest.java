package dev.synack.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.sim.HostNode;
import dev.synack.sim.LinkConfig;
import dev.synack.sim.SimNetwork;
import dev.synack.tcp.TcpError;
import dev.synack.tcp.TcpState;
import dev.synack.trace.TraceEvent;
import dev.synack.wire.TcpFlags;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Socket options on a connection between two hosts on a simulated network: keep-alive, buffer
 * sizes, linger 0.
 */
class ConnectionOptionsTest {
  private static final long MS = 1_000_000L;
  private static final long HOUR = 3_600_000 * MS;
  private final List<TraceEvent> trace = new ArrayList<>();
  private final Host clientHost = new Host("client", HostConfig.defaults(1), trace::add);
  private final Host serverHost = new Host("server", HostConfig.defaults(2), trace::add);
  private final SimNetwork net = new SimNetwork(9);
  private final Connection client;
  private final Connection server;

  ConnectionOptionsTest() {
    InetAddress c = ip("10.0.0.1");
    InetAddress s = ip("10.0.0.2");
    clientHost.addAddress(c);
    serverHost.addAddress(s);
    HostNode cn = new HostNode(clientHost);
    HostNode sn = new HostNode(serverHost);
    net.attach(cn, c);
    net.attach(sn, s);
    net.setLink(cn, sn, LinkConfig.ideal().withDelay(Duration.ofMillis(5)));
    Listener listener = serverHost.listen(null, 80, 4);
    client = clientHost.connect(s, 80, net.now());
    Connection[] accepted = new Connection[1];
    assertTrue(
        net.runUntil(
            () ->
                (accepted[0] = accepted[0] != null ? accepted[0] : listener.accept()) != null
                    && client.state() == TcpState.ESTABLISHED,
            1000 * MS));
    server = accepted[0];
  }

  @Test
  void userTimeout_setThroughTheHost_abortsAConnectionWhosePeerWentSilent() {
    client.configure(o -> o.setUserTimeout(Duration.ofSeconds(4), net.now()));
    long start = net.now();
    net.setFilter(
        (from, to, packet, now) -> dev.synack.sim.PacketFilter.DROP); // the path goes dark
    client.send(ByteBuffer.wrap(new byte[100]), net.now());
    assertTrue(net.runUntil(() -> client.state() == TcpState.CLOSED, start + 60_000 * MS));
    assertEquals(TcpError.CONNECTION_ABORTED_USER_TIMEOUT, client.closeError());
    assertTrue(
        net.now() - start >= 4_000 * MS && net.now() - start < 5_000 * MS,
        "closed after " + (net.now() - start) / MS + " ms");
  }

  @Test
  void soLingerZero_closeFully_resetsInsteadOfFin() {
    client.send(ByteBuffer.wrap(new byte[100]), net.now());
    client.setSoLinger(true, 0);
    assertEquals(0, client.soLinger());
    client.closeFully(net.now());
    assertEquals(TcpState.CLOSED, client.state());
    assertTrue(net.runUntil(() -> server.state() == TcpState.CLOSED, net.now() + 1000 * MS));
    assertEquals(TcpError.CONNECTION_RESET, server.closeError());
    assertTrue(clientSent().stream().anyMatch(s -> (s.flags() & TcpFlags.RST) != 0), "a RST");
    assertTrue(clientSent().stream().noneMatch(s -> (s.flags() & TcpFlags.FIN) != 0), "no FIN");
  }

  @Test
  void soLingerOff_closeFully_orderlyFin() {
    client.setSoLinger(true, 0);
    client.setSoLinger(false, 0);
    assertEquals(-1, client.soLinger());
    client.closeFully(net.now());
    assertEquals(TcpState.FIN_WAIT_1, client.state());
  }

  @Test
  void keepAliveOn_idleTwoHours_probedAndAnswered() {
    assertFalse(client.keepAlive(), "off by default (RFC 1122 §4.2.3.6)");
    client.setKeepAlive(true, net.now());
    assertTrue(client.keepAlive());
    long start = net.now();
    net.runUntil(start + 2 * HOUR + 1000 * MS);
    List<TraceEvent.SegmentInfo> probes =
        clientSent().stream()
            .filter(
                s ->
                    s.flags() == TcpFlags.ACK
                        && s.len() == 0
                        && s.seq() == Integer.toUnsignedLong(client.status().sndUna() - 1))
            .toList();
    assertEquals(1, probes.size(), "one probe after two idle hours");
    assertEquals(TcpState.ESTABLISHED, client.state());
  }

  @Test
  void receiveBufferSet_windowFollowsAndTuningStops() {
    server.setReceiveBufferSize(8192, net.now());
    assertEquals(8192, server.receiveBufferSize());
    byte[] data = new byte[200_000];
    ByteBuffer pending = ByteBuffer.wrap(data);
    ByteBuffer got = ByteBuffer.allocate(data.length);
    assertTrue(
        net.runUntil(
            () -> {
              if (pending.hasRemaining()) client.send(pending, net.now());
              while (server.receive(got, net.now()) > 0) {}
              return !got.hasRemaining();
            },
            net.now() + 60_000 * MS));
    assertEquals(8192, server.receiveBufferSize(), "auto-tuning stopped by the user's size");
    assertTrue(
        client.status().sndWnd() <= 8192 + 128, "window offered: " + client.status().sndWnd());
  }

  @Test
  void sendBufferSet_sendTakesOnlyThatMuch() {
    client.setSendBufferSize(1000, net.now());
    assertEquals(1000, client.sendBufferSize());
    assertEquals(1000, client.send(ByteBuffer.wrap(new byte[5000]), net.now()));
    assertThrows(IllegalArgumentException.class, () -> client.setSendBufferSize(0, net.now()));
  }

  private List<TraceEvent.SegmentInfo> clientSent() {
    return trace.stream()
        .filter(
            e ->
                e instanceof TraceEvent.Segment s
                    && s.host().equals("client")
                    && s.action() == TraceEvent.SegmentAction.SEND)
        .map(e -> ((TraceEvent.Segment) e).segment())
        .toList();
  }

  private static InetAddress ip(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(literal, e);
    }
  }
}
