package dev.synack.stack;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.sim.HostNode;
import dev.synack.sim.LinkConfig;
import dev.synack.sim.SimNetwork;
import dev.synack.tcp.ConnectionEvent;
import dev.synack.tcp.TcpError;
import dev.synack.tcp.TcpState;
import dev.synack.trace.TraceEvent;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * A forwarding host in any-destination mode: SYNs to addresses that are not its own reach its SYN
 * policy, which accepts, refuses, drops or answers with an ICMP unreachable, now or later.
 */
class SynPolicyTest {
  static final InetAddress CLIENT4 = ip("10.0.0.1");
  static final InetAddress FORWARDER4 = ip("10.0.0.2");

  /** An address of no host: the forwarder takes packets to it in any-destination mode. */
  static final InetAddress REMOTE4 = ip("203.0.113.7");

  static final InetAddress CLIENT6 = ip("fd00::1");
  static final InetAddress REMOTE6 = ip("2001:db8::7");
  static final long SECOND = 1_000_000_000L;

  final List<TraceEvent> trace = new ArrayList<>();
  final List<HeldSyn> asked = new ArrayList<>();
  final List<Connection> accepted = new ArrayList<>();
  Host client;
  Host forwarder;
  SimNetwork net;

  SynPolicyTest() {
    setUp(HostConfig.defaults(32).withAnyDestination(true));
  }

  /** Makes the client, the forwarder with {@code forwarderConfig}, and the network between them. */
  void setUp(HostConfig forwarderConfig) {
    client = new Host("client", HostConfig.defaults(31), trace::add);
    forwarder = new Host("forwarder", forwarderConfig, trace::add);
    net = new SimNetwork(3);
    client.addAddress(CLIENT4);
    client.addAddress(CLIENT6);
    forwarder.addAddress(FORWARDER4);
    HostNode c = new HostNode(client);
    HostNode f = new HostNode(forwarder);
    net.attach(c, CLIENT4, CLIENT6);
    // The network routes the remote addresses to the forwarder, as a TUN route does; the host
    // itself has none of them.
    net.attach(f, FORWARDER4, REMOTE4, REMOTE6);
    net.setLink(c, f, LinkConfig.ideal().withDelay(Duration.ofMillis(5)));
  }

  void policy(BiConsumer<HeldSyn, Long> answer) {
    forwarder.setSynPolicy(
        (syn, now) -> {
          asked.add(syn);
          answer.accept(syn, now);
        });
  }

  @Nested
  class Accept {
    @Test
    void synToAnyAddress_acceptedNow_connectsFromTheAddressThePeerUsed() {
      policy((syn, now) -> accepted.add(syn.accept(now)));
      Connection c = client.connect(REMOTE4, 80, net.now());

      assertTrue(
          net.runUntil(() -> c.state() == TcpState.ESTABLISHED, 10 * SECOND),
          "handshake completes");
      assertEquals(1, asked.size());
      assertEquals(REMOTE4, asked.get(0).id().localAddress());
      assertEquals(80, asked.get(0).id().localPort());
      Connection s = accepted.get(0);
      assertEquals(
          REMOTE4, s.id().localAddress(), "the forwarder's end is the address the client called");
      assertEquals(c.id().localPort(), s.id().remotePort());

      byte[][] got =
          SimExchange.exchange(net, c, s, "hello".getBytes(UTF_8), "world!".getBytes(UTF_8));
      assertArrayEquals("hello".getBytes(UTF_8), got[0]);
      assertArrayEquals("world!".getBytes(UTF_8), got[1]);
      assertEquals(0, forwarder.heldSynCount());
    }

    @Test
    void connectedEvent_reachesTheEmbedderThroughPollEvent() {
      policy((syn, now) -> accepted.add(syn.accept(now)));
      Connection c = client.connect(REMOTE4, 443, net.now());
      List<HostEvent> events = new ArrayList<>();
      assertTrue(
          net.runUntil(
              () -> {
                HostEvent e;
                while ((e = forwarder.pollEvent()) != null) events.add(e);
                return c.state() == TcpState.ESTABLISHED && !events.isEmpty();
              },
              10 * SECOND));
      assertTrue(
          events.stream()
              .anyMatch(
                  e ->
                      e instanceof HostEvent.OfConnection(var conn, var ev)
                          && conn == accepted.get(0)
                          && ev instanceof ConnectionEvent.Connected),
          "Connected event for the accepted connection: " + events);
    }

    @Test
    void acceptedLater_retransmittedSynsAbsorbedWhileHeld() {
      policy((syn, now) -> {});
      Connection c = client.connect(REMOTE4, 80, net.now());
      // The client's SYN is retransmitted after 1 s and 3 s (RTO backoff); the policy answers at
      // 3.5 s.
      net.runUntil(3_500_000_000L);
      assertEquals(1, asked.size(), "retransmissions do not ask again");
      assertEquals(1, forwarder.heldSynCount());
      assertTrue(
          forwarder.counters().dropped("syn-held") >= 2,
          "retransmitted SYNs absorbed: " + forwarder.counters());
      assertEquals(TcpState.SYN_SENT, c.state());

      Connection s = asked.get(0).accept(net.now());
      assertNotNull(s);
      assertTrue(
          net.runUntil(
              () -> c.state() == TcpState.ESTABLISHED && s.state() == TcpState.ESTABLISHED,
              10 * SECOND));
      assertNull(asked.get(0).accept(net.now()), "a held SYN is answered once");
      assertEquals(0, forwarder.heldSynCount());
    }

    @Test
    void ipv6_acceptedFromTheAddressThePeerUsed() {
      policy((syn, now) -> accepted.add(syn.accept(now)));
      Connection c = client.connect(REMOTE6, 80, net.now());
      assertTrue(net.runUntil(() -> c.state() == TcpState.ESTABLISHED, 10 * SECOND));
      assertEquals(REMOTE6, accepted.get(0).id().localAddress());
    }
  }

  @Nested
  class Refuse {
    @Test
    void refused_clientSeesConnectionRefused() {
      policy((syn, now) -> syn.refuse(now));
      Connection c = client.connect(REMOTE4, 80, net.now());
      assertTrue(net.runUntil(() -> c.state() == TcpState.CLOSED, 10 * SECOND));
      assertEquals(TcpError.CONNECTION_REFUSED, c.closeError());
      assertEquals(1, forwarder.counters().resetsSent());
      assertEquals(0, forwarder.connectionCount());
    }
  }

  @Nested
  class Drop {
    @Test
    void dropped_noAnswer_eachRetransmissionAsksAgain() {
      policy((syn, now) -> syn.drop(now));
      Connection c = client.connect(REMOTE4, 80, net.now());
      net.runUntil(4 * SECOND);
      assertEquals(TcpState.SYN_SENT, c.state(), "nothing came back");
      assertEquals(0, forwarder.counters().packetsOut());
      assertEquals(3, asked.size(), "the SYN at 0 s and its retransmissions at 1 s and 3 s");
      assertEquals(3, forwarder.counters().dropped("syn-policy-drop"));
      assertEquals(0, forwarder.heldSynCount());
    }
  }

  @Nested
  class Unreachable {
    @Test
    void hostProhibited_clientAbortsWithHostUnreachable() {
      // ICMPv4 code 13, administratively prohibited, is a hard error (RFC 1122 §4.2.3.9): SYN_SENT
      // aborts.
      policy((syn, now) -> syn.unreachable(13, now));
      Connection c = client.connect(REMOTE4, 80, net.now());
      assertTrue(net.runUntil(() -> c.state() == TcpState.CLOSED, 10 * SECOND));
      assertEquals(TcpError.HOST_UNREACHABLE, c.closeError());
      assertEquals(1, forwarder.counters().unreachablesSent());
      assertEquals(1, client.counters().icmpErrorsDelivered());
    }

    @Test
    void ipv6AdminProhibited_clientAbortsWithHostUnreachable() {
      policy((syn, now) -> syn.unreachable(1, now));
      Connection c = client.connect(REMOTE6, 80, net.now());
      assertTrue(net.runUntil(() -> c.state() == TcpState.CLOSED, 10 * SECOND));
      assertEquals(TcpError.HOST_UNREACHABLE, c.closeError());
    }
  }

  @Nested
  class Bounds {
    @Test
    void synsBeyondTheLimit_droppedAndCounted() {
      setUp(HostConfig.defaults(32).withAnyDestination(true).withHeldSynLimit(2));
      policy((syn, now) -> {});
      for (int port = 1; port <= 3; port++) client.connect(REMOTE4, port, net.now());
      net.runUntil(500_000_000L);
      assertEquals(2, forwarder.heldSynCount());
      assertEquals(2, asked.size());
      assertEquals(1, forwarder.counters().dropped("syn-held-limit"));
    }

    @Test
    void withoutAnyDestination_packetsToOtherAddressesAreNotForThisHost() {
      setUp(HostConfig.defaults(32));
      policy((syn, now) -> syn.accept(now));
      client.connect(REMOTE4, 80, net.now());
      net.runUntil(500_000_000L);
      assertTrue(asked.isEmpty());
      assertEquals(1, forwarder.counters().dropped("not-for-this-host"));
    }

    @Test
    void withoutPolicy_synToNoListener_answeredWithRst() {
      Connection c = client.connect(REMOTE4, 80, net.now());
      assertTrue(net.runUntil(() -> c.state() == TcpState.CLOSED, 10 * SECOND));
      assertEquals(TcpError.CONNECTION_REFUSED, c.closeError());
    }

    @Test
    void listenerOnThePort_takesTheSynBeforeThePolicy() {
      policy((syn, now) -> syn.refuse(now));
      Listener l = forwarder.listen(null, 80, 8);
      Connection c = client.connect(REMOTE4, 80, net.now());
      assertTrue(net.runUntil(() -> c.state() == TcpState.ESTABLISHED, 10 * SECOND));
      assertTrue(asked.isEmpty());
      assertTrue(net.runUntil(() -> l.pendingAccepts() == 1, SECOND));
    }
  }

  static InetAddress ip(String s) {
    try {
      return InetAddress.getByName(s);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(e);
    }
  }
}
