package dev.synack.stack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.sim.HostNode;
import dev.synack.sim.PacketFilter;
import dev.synack.sim.PacketObserver;
import dev.synack.sim.SimNetwork;
import dev.synack.sim.SimNode;
import dev.synack.tcp.TcpState;
import dev.synack.wire.Packets;
import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpOption;
import dev.synack.wire.TcpSegment;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * TCP Fast Open between two hosts on the simulated network (RFC 7413): the first connection gets a
 * cookie, the second sends its data on the SYN and the server hands the connection out, readable,
 * before the handshake completes; invalid or rotated keys, the Fast Open queue's bound, the modes
 * of {@code tcp_fastopen}, and a client that falls back when SYNs with data are dropped.
 */
class FastOpenHostTest {
  static final InetAddress CLIENT = ip("10.0.0.1");
  static final InetAddress SERVER = ip("10.0.0.2");
  static final long SECOND = 1_000_000_000L;
  static final byte[] REQUEST = "GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  final Host client = new Host("client", HostConfig.defaults(31), null);
  final Host server = new Host("server", HostConfig.defaults(32), null);
  final SimNetwork net = new SimNetwork(7);
  final HostNode clientNode = new HostNode(client);
  final HostNode serverNode = new HostNode(server);
  final Listener listener;

  /** The TCP segments each way, in order. */
  final List<TcpSegment> fromClient = new ArrayList<>();

  final List<TcpSegment> fromServer = new ArrayList<>();

  FastOpenHostTest() {
    client.addAddress(CLIENT);
    server.addAddress(SERVER);
    net.attach(clientNode, CLIENT);
    net.attach(serverNode, SERVER);
    server.setFastOpen(TcpFastOpen.CLIENT | TcpFastOpen.SERVER);
    listener = server.listen(null, 80, 16);
    listener.setFastOpenQueueLength(16);
    net.addObserver(
        new PacketObserver() {
          @Override
          public void onSend(SimNode from, SimNode to, byte[] packet, long now) {
            TcpSegment seg = Packets.parseTcp(ByteBuffer.wrap(packet), true).value().segment();
            (from == clientNode ? fromClient : fromServer).add(seg);
          }
        });
  }

  static InetAddress ip(String s) {
    try {
      return InetAddress.getByName(s);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  Connection connect() {
    fromClient.clear();
    fromServer.clear();
    return client.connectFastOpen(
        null, 0, SERVER, 80, client.config().tcp(), ByteBuffer.wrap(REQUEST), net.now());
  }

  /** Runs until the server has a connection to accept, and returns it. */
  Connection accepted() {
    assertTrue(
        net.runUntil(() -> listener.pendingAccepts() > 0, net.now() + 10 * SECOND),
        "a connection to accept");
    return listener.accept();
  }

  String read(Connection c) {
    ByteBuffer b = ByteBuffer.allocate(4096);
    c.receive(b, net.now());
    return new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII);
  }

  /** The first connection: gets a cookie; the second: sends its data on the SYN. */
  @Test
  void secondConnection_dataOnTheSyn_readableBeforeTheHandshakeCompletes() {
    Connection first = connect();
    Connection s1 = accepted();
    assertTrue(syn(fromClient).options().fastOpen().isRequest(), "the first SYN asks for a cookie");
    assertEquals(0, syn(fromClient).payloadLength());
    byte[] cookie = syn(fromServer).options().fastOpen().cookie();
    assertEquals(8, cookie.length);
    assertTrue(
        net.runUntil(() -> s1.status().receiveQueued() == REQUEST.length, 10 * SECOND),
        () -> fromClient.toString());
    assertArrayEquals(cookie, client.fastOpenCookie(SERVER), "the client cached the cookie");
    first.abort(net.now());

    Connection second = connect();
    // Only the SYN has left: the server's SYN-ACK and the client's ACK are still in flight.
    assertTrue(net.runUntil(() -> listener.pendingAccepts() > 0, 10 * SECOND));
    TcpSegment syn = syn(fromClient);
    assertTrue(syn.has(TcpFlags.SYN));
    assertArrayEquals(REQUEST, bytes(syn.payload()), "the request rides on the SYN");
    assertEquals(new TcpOption.FastOpen(cookie, false), syn.options().fastOpen());
    Connection s2 = listener.accept();
    assertEquals(TcpState.SYN_RECEIVED, s2.state(), "handed out before the handshake completes");
    assertEquals(new String(REQUEST, StandardCharsets.US_ASCII), read(s2));
    assertTrue(
        net.runUntil(
            () -> second.state() == TcpState.ESTABLISHED && s2.state() == TcpState.ESTABLISHED,
            10 * SECOND));
    assertEquals(
        1,
        fromClient.stream().filter(s -> s.payloadLength() > 0).count(),
        "the request went once: " + fromClient);
    assertEquals(1, server.counters().fastOpenPassive());
    assertEquals(1, client.counters().fastOpenActive());
    assertEquals(1, server.counters().fastOpenCookieRequested());
    assertEquals(0, listener.fastOpenPending, "the queue empties when the handshake completes");
  }

  @Test
  void rotatedKey_oldCookieStillValidAndReplaced_twiceRotatedFailsAndDataFollowsTheHandshake() {
    connect();
    accepted();
    byte[] cookie = client.fastOpenCookie(SERVER);
    assertNotNull(cookie);
    server.rotateFastOpenKey();
    connect();
    Connection s2 = accepted();
    assertEquals(
        new String(REQUEST, StandardCharsets.US_ASCII),
        read(s2),
        "a cookie of the backup key still counts");
    byte[] fresh = syn(fromServer).options().fastOpen().cookie();
    assertTrue(!java.util.Arrays.equals(cookie, fresh), "and the SYN-ACK replaces it");
    assertEquals(1, server.counters().fastOpenPassiveAltKey());

    server.rotateFastOpenKey();
    server.rotateFastOpenKey();
    Connection c3 = connect();
    Connection s3 = accepted();
    assertEquals(TcpState.ESTABLISHED, s3.state(), "an invalid cookie: a plain handshake");
    assertTrue(syn(fromClient).payloadLength() > 0);
    assertEquals(
        0,
        syn(fromServer).acknowledgmentNumber() - syn(fromClient).sequenceNumber() - 1,
        "the SYN-ACK acknowledges the SYN alone");
    assertTrue(
        net.runUntil(() -> s3.status().receiveQueued() == REQUEST.length, 10 * SECOND),
        "the data came again");
    assertEquals(new String(REQUEST, StandardCharsets.US_ASCII), read(s3));
    assertEquals(1, server.counters().fastOpenPassiveFail());
    assertEquals(1, client.counters().fastOpenActiveFail());
    assertNotNull(c3);
  }

  @Test
  void serverWithoutFastOpen_ignoresTheOption_clientSendsTheDataAfterTheHandshake() {
    server.setFastOpen(TcpFastOpen.CLIENT);
    connect();
    Connection s = accepted();
    assertNull(syn(fromServer).options().fastOpen(), "no cookie");
    assertTrue(net.runUntil(() -> s.status().receiveQueued() == REQUEST.length, 10 * SECOND));
    assertNull(client.fastOpenCookie(SERVER));
    // The next SYN asks again, with no data on it.
    connect();
    accepted();
    assertTrue(syn(fromClient).options().fastOpen().isRequest());
    assertEquals(0, syn(fromClient).payloadLength());
  }

  @Test
  void fastOpenQueueFull_synWithValidCookieGetsAPlainHandshake() {
    connect();
    accepted();
    listener.setFastOpenQueueLength(1);
    // A SYN with data whose SYN-ACK is never answered keeps its place in the queue.
    net.setFilter(
        (from, to, packet, now) ->
            from == clientNode && isAckOnly(packet) ? PacketFilter.DROP : PacketFilter.PASS);
    connect();
    Connection pending = accepted();
    assertEquals(TcpState.SYN_RECEIVED, pending.state());
    assertEquals(1, listener.fastOpenPending);
    connect();
    assertTrue(net.runUntil(() -> server.counters().fastOpenListenOverflow() == 1, 10 * SECOND));
    assertEquals(
        1, listener.pendingHandshakes(), "the second waits in the SYN queue, its data not taken");
  }

  @Test
  void clientNoCookieAndServerCookieNotRequired_dataOnTheFirstSyn() {
    client.setFastOpen(TcpFastOpen.CLIENT | TcpFastOpen.CLIENT_NO_COOKIE);
    server.setFastOpen(TcpFastOpen.SERVER | TcpFastOpen.SERVER_COOKIE_NOT_REQUIRED);
    connect();
    Connection s = accepted();
    assertNull(syn(fromClient).options().fastOpen());
    assertArrayEquals(REQUEST, bytes(syn(fromClient).payload()));
    assertEquals(TcpState.SYN_RECEIVED, s.state());
    assertEquals(new String(REQUEST, StandardCharsets.US_ASCII), read(s));
  }

  @Test
  void synsWithDataDropped_clientRetriesWithoutAndStopsSendingDataOnSyns() {
    connect();
    accepted();
    // A middlebox that drops SYNs with data (RFC 7413 §7.1).
    net.setFilter(
        (from, to, packet, now) ->
            from == clientNode && synWithData(packet) ? PacketFilter.DROP : PacketFilter.PASS);
    for (int i = 0; i < 2; i++) {
      Connection c = connect();
      Connection s = accepted();
      assertTrue(
          net.runUntil(() -> s.status().receiveQueued() == REQUEST.length, 60 * SECOND),
          "the data arrives after the handshake");
      List<TcpSegment> syns = fromClient.stream().filter(x -> x.has(TcpFlags.SYN)).toList();
      assertTrue(
          syns.size() == 2 && syns.get(1).payloadLength() == 0,
          "the SYN again, without the data: " + syns);
      assertSame(TcpState.ESTABLISHED, c.state());
    }
    Connection c = connect();
    accepted();
    assertNull(syn(fromClient).options().fastOpen(), "after two losses, a plain SYN");
    assertEquals(0, syn(fromClient).payloadLength());
    assertNotNull(c);
  }

  /**
   * Returns the first SYN (or SYN-ACK) among {@code sent}: earlier connections may still be
   * talking.
   */
  @Nested
  class Blackhole {
    static final long HOUR = 3600 * SECOND;

    /** The SYNs the client sent, passed or dropped, in order. */
    final List<TcpSegment> syns = new ArrayList<>();

    /** Whether the middlebox drops the client's segments that carry a Fast Open option. */
    boolean dropping = true;

    Blackhole() {
      net.setFilter(
          (from, to, packet, now) -> {
            if (from != clientNode) return PacketFilter.PASS;
            TcpSegment seg = Packets.parseTcp(ByteBuffer.wrap(packet), true).value().segment();
            if (seg.has(TcpFlags.SYN)) syns.add(seg);
            return dropping && seg.options().fastOpen() != null
                ? PacketFilter.DROP
                : PacketFilter.PASS;
          });
    }

    /** Opens a connection with Fast Open, lets its first SYN leave, and returns it. */
    Connection open() {
      Connection c = connect();
      net.runUntil(net.now() + SECOND / 1000);
      return c;
    }

    TcpOption.FastOpen lastSynOption() {
      return syns.getLast().options().fastOpen();
    }

    @Test
    void thirdSynTimeoutInARow_pausesClientFastOpen_plainSynsGetThrough_thenItIsTriedAgain() {
      client.setFastOpenBlackholeTimeout(java.time.Duration.ofHours(1));
      Connection lost = open();
      net.runUntil(6 * SECOND + SECOND / 2); // SYNs at 0, 1 and 3 s: two timeouts
      assertEquals(0, client.counters().fastOpenBlackhole());
      net.runUntil(
          7 * SECOND
              + SECOND / 2); // the third, at 7 s (Linux's icsk_retransmits == 2 when it fires)
      assertEquals(1, client.counters().fastOpenBlackhole());
      assertEquals(1, client.fastOpenBlackholePauses());
      lost.abort(net.now());

      Connection plain = open();
      assertNull(lastSynOption(), "paused: the SYN carries no Fast Open option");
      Connection s = accepted();
      assertTrue(
          net.runUntil(() -> s.status().receiveQueued() == REQUEST.length, net.now() + 10 * SECOND),
          "the request follows the handshake");
      assertEquals(TcpState.ESTABLISHED, plain.state());
      plain.abort(net.now());
      s.abort(net.now());

      net.runUntil(7 * SECOND + HOUR);
      Connection again = open();
      assertNotNull(lastSynOption(), "the pause is over: Fast Open is tried again");
      net.runUntil(net.now() + 8 * SECOND);
      assertEquals(
          2, client.fastOpenBlackholePauses(), "still black-holed: a second pause, twice as long");
      again.abort(net.now());
      net.runUntil(net.now() + HOUR + 10 * SECOND);
      open().abort(net.now());
      assertNull(lastSynOption(), "one hour into a two-hour pause");
      net.runUntil(net.now() + HOUR);
      open().abort(net.now());
      assertNotNull(lastSynOption(), "two hours on, Fast Open is tried again");
    }

    @Test
    void offByDefault_asLinuxSince514_timeoutsPauseNothing() {
      open();
      net.runUntil(20 * SECOND);
      assertEquals(0, client.counters().fastOpenBlackhole());
      open().abort(net.now());
      assertNotNull(lastSynOption(), "Fast Open is still used");
    }

    @Test
    void aConnectionAfterThePauseThatReceivesData_endsTheDoubling() {
      client.setFastOpenBlackholeTimeout(java.time.Duration.ofHours(1));
      Connection lost = open();
      net.runUntil(8 * SECOND);
      assertEquals(1, client.fastOpenBlackholePauses());
      lost.abort(net.now());
      dropping = false; // the middlebox is gone
      net.runUntil(net.now() + HOUR);
      Connection c = open();
      assertNotNull(lastSynOption());
      Connection s = accepted();
      s.send(ByteBuffer.wrap(REQUEST), net.now());
      assertTrue(
          net.runUntil(
              () -> c.status().receiveQueued() == REQUEST.length, net.now() + 10 * SECOND));
      assertEquals(1, client.fastOpenBlackholePauses(), "until the connection ends");
      c.abort(net.now());
      assertEquals(
          0,
          client.fastOpenBlackholePauses(),
          "Fast Open works again: the next pause starts at one hour");
    }
  }

  /**
   * Linux's other blackhole sign ({@code tcp_fastopen_active_disable_ofo_check}): over a connection
   * whose SYN carried data, the server's data is lost on the way while its FIN comes through, so
   * that a FIN alone waits out of order when the connection ends.
   */
  @Nested
  class FinAloneOutOfOrder {
    static final byte[] RESPONSE = "HTTP/1.0 200 OK\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    /** Whether a middlebox drops the server's segments that carry data. */
    boolean droppingServerData;

    FinAloneOutOfOrder() {
      net.setFilter(
          (from, to, packet, now) -> {
            if (from != serverNode || !droppingServerData) return PacketFilter.PASS;
            TcpSegment seg = Packets.parseTcp(ByteBuffer.wrap(packet), true).value().segment();
            return seg.payloadLength() > 0 ? PacketFilter.DROP : PacketFilter.PASS;
          });
    }

    /**
     * Gives the client a cookie over a first connection, then opens one whose SYN carries the
     * request; returns it and the server's end, both established.
     */
    Connection[] openedWithDataOnTheSyn() {
      Connection first = connect();
      Connection s1 = accepted();
      assertTrue(
          net.runUntil(
              () -> s1.status().receiveQueued() == REQUEST.length, net.now() + 10 * SECOND));
      first.abort(net.now());
      s1.abort(net.now());
      Connection c = connect();
      Connection s = accepted();
      assertArrayEquals(REQUEST, bytes(syn(fromClient).payload()), "the request rides on the SYN");
      assertTrue(
          net.runUntil(
              () -> c.state() == TcpState.ESTABLISHED && s.state() == TcpState.ESTABLISHED,
              net.now() + 10 * SECOND));
      return new Connection[] {c, s};
    }

    /** The server answers and closes: its answer and its FIN leave in separate segments. */
    void serverAnswersAndCloses(Connection s) {
      s.send(ByteBuffer.wrap(RESPONSE), net.now());
      net.runUntil(net.now() + SECOND / 100);
      s.close(net.now());
      net.runUntil(net.now() + SECOND / 10);
    }

    @Test
    void serversDataLostItsFinThrough_theConnectionsEndPausesClientFastOpen() {
      client.setFastOpenBlackholeTimeout(java.time.Duration.ofHours(1));
      Connection[] cs = openedWithDataOnTheSyn();
      droppingServerData = true;
      serverAnswersAndCloses(cs[1]);
      assertEquals(0, cs[0].status().receiveQueued(), "no data came through");
      assertEquals(TcpState.ESTABLISHED, cs[0].state(), "the FIN waits out of order");
      assertEquals(0, client.fastOpenBlackholePauses(), "until the connection ends");
      cs[0].abort(net.now());
      assertEquals(1, client.fastOpenBlackholePauses());
      assertEquals(1, client.counters().fastOpenBlackhole());
      Connection next = connect();
      net.runUntil(net.now() + SECOND / 1000);
      assertNull(syn(fromClient).options().fastOpen(), "paused: a plain SYN");
      next.abort(net.now());
    }

    @Test
    void serversDataThrough_noPause() {
      client.setFastOpenBlackholeTimeout(java.time.Duration.ofHours(1));
      Connection[] cs = openedWithDataOnTheSyn();
      serverAnswersAndCloses(cs[1]);
      assertEquals(RESPONSE.length, cs[0].status().receiveQueued());
      cs[0].abort(net.now());
      assertEquals(0, client.fastOpenBlackholePauses());
      Connection next = connect();
      net.runUntil(net.now() + SECOND / 1000);
      assertNotNull(syn(fromClient).options().fastOpen());
      next.abort(net.now());
    }

    @Test
    void resetInTheWindowNotAtRcvNxt_noDataYet_pausesClientFastOpen_asLinuxsChallengeAckCase() {
      client.setFastOpenBlackholeTimeout(java.time.Duration.ofHours(1));
      Connection[] cs = openedWithDataOnTheSyn();
      int rcvNxt = syn(fromServer).sequenceNumber() + 1;
      TcpSegment rst = TcpSegment.of(80, cs[0].id().localPort(), rcvNxt + 100, 0, TcpFlags.RST, 0);
      client.handlePacket(Packets.tcp(SERVER, CLIENT, 64, rst), net.now());
      assertEquals(TcpState.ESTABLISHED, cs[0].state(), "challenged, not reset (RFC 5961 §3.2)");
      assertEquals(1, client.fastOpenBlackholePauses());
      TcpSegment far =
          TcpSegment.of(80, cs[0].id().localPort(), rcvNxt + (1 << 30), 0, TcpFlags.RST, 0);
      client.handlePacket(Packets.tcp(SERVER, CLIENT, 64, far), net.now());
      assertEquals(1, client.fastOpenBlackholePauses(), "outside the window: dropped, no pause");
    }

    @Test
    void blackholeDetectionOff_asLinuxsDefault_noPause() {
      Connection[] cs = openedWithDataOnTheSyn();
      droppingServerData = true;
      serverAnswersAndCloses(cs[1]);
      cs[0].abort(net.now());
      assertEquals(0, client.fastOpenBlackholePauses());
      assertEquals(0, client.counters().fastOpenBlackhole());
    }
  }

  static TcpSegment syn(List<TcpSegment> sent) {
    return sent.stream()
        .filter(s -> s.has(TcpFlags.SYN))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no SYN in " + sent));
  }

  static boolean isAckOnly(byte[] packet) {
    TcpSegment s = Packets.parseTcp(ByteBuffer.wrap(packet), true).value().segment();
    return s.flags() == TcpFlags.ACK;
  }

  static boolean synWithData(byte[] packet) {
    TcpSegment s = Packets.parseTcp(ByteBuffer.wrap(packet), true).value().segment();
    return s.has(TcpFlags.SYN) && s.payloadLength() > 0;
  }

  static byte[] bytes(ByteBuffer b) {
    byte[] a = new byte[b.remaining()];
    b.duplicate().get(a);
    return a;
  }
}
