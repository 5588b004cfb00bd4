package dev.synack.stack;

import static dev.synack.stack.Readiness.ACCEPTABLE;
import static dev.synack.stack.Readiness.CONNECTED;
import static dev.synack.stack.Readiness.ERROR;
import static dev.synack.stack.Readiness.HANGUP;
import static dev.synack.stack.Readiness.READABLE;
import static dev.synack.stack.Readiness.READ_HANGUP;
import static dev.synack.stack.Readiness.WRITABLE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.sim.HostNode;
import dev.synack.sim.LinkConfig;
import dev.synack.sim.SimNetwork;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The readiness mask of connections and listeners, from their state, over two hosts in virtual
 * time.
 */
class ReadinessTest {
  static final InetAddress CLIENT = ip("10.0.0.1");
  static final InetAddress SERVER = ip("10.0.0.2");
  static final long SECOND = 1_000_000_000L;

  final Host client = new Host("client", HostConfig.defaults(1), null);
  final Host server = new Host("server", HostConfig.defaults(2), null);
  final SimNetwork net = new SimNetwork(5);

  ReadinessTest() {
    client.addAddress(CLIENT);
    server.addAddress(SERVER);
    HostNode c = new HostNode(client);
    HostNode s = new HostNode(server);
    net.attach(c, CLIENT);
    net.attach(s, SERVER);
    net.setLink(c, s, LinkConfig.ideal().withDelay(Duration.ofMillis(5)));
  }

  private void settle() {
    net.runUntilIdle(net.now() + 5 * SECOND);
  }

  /** Returns an accepted server side and its client, both ESTABLISHED. */
  private Connection[] established(Listener l) {
    Connection c = client.connect(SERVER, 80, net.now());
    assertEquals(0, c.readiness(), "SYN_SENT: neither connected nor writable yet");
    settle();
    Connection s = l.accept();
    assertNotNull(s);
    return new Connection[] {c, s};
  }

  @Test
  void handshake_completes_connectedAndWritable_listenerAcceptableUntilAccepted() {
    Listener l = server.listen(null, 80, 8);
    assertEquals(0, l.readiness());
    Connection c = client.connect(SERVER, 80, net.now());
    settle();
    assertEquals(ACCEPTABLE, l.readiness(), "an established child waits in the accept queue");
    assertEquals(CONNECTED | WRITABLE, c.readiness());
    Connection s = l.accept();
    assertEquals(0, l.readiness(), "the accept queue is empty again");
    assertEquals(CONNECTED | WRITABLE, s.readiness());
    l.close(net.now());
    assertEquals(HANGUP, l.readiness());
  }

  @Test
  void notSentLowat_unsentDataAboveHalfTheLimit_notWritableUntilItLeaves() {
    // A server with a 2000-byte receive buffer that reads nothing: the client's data mostly waits
    // unsent.
    Listener l =
        server.listen(
            null,
            80,
            8,
            dev.synack.tcp.TcpConfig.defaults()
                .withBuffers(2000, 2000)
                .withReceiveBufferAutoTuning(false, 2000));
    Connection[] cs = established(l);
    cs[0].configure(o -> o.setNotSentLowat(4000));
    cs[0].send(ByteBuffer.wrap(new byte[20_000]), net.now());
    settle();
    assertEquals(CONNECTED, cs[0].readiness(), "unsent bytes at the limit: not writable");
    int more = cs[0].send(ByteBuffer.wrap(new byte[10_000]), net.now());
    assertTrue(
        more > 0 && more < 4000,
        "a SEND tops the unsent bytes up to the limit, no further: " + more);
    assertEquals(0, cs[0].send(ByteBuffer.wrap(new byte[10]), net.now()));
    cs[0].configure(o -> o.setNotSentLowat(0xffff_ffffL));
    assertEquals(CONNECTED | WRITABLE, cs[0].readiness(), "no limit: the send buffer has room");
  }

  @Test
  void established_dataArrives_readableUntilRead() {
    Listener l = server.listen(null, 80, 8);
    Connection[] cs = established(l);
    cs[1].send(ByteBuffer.wrap(new byte[100]), net.now());
    settle();
    assertEquals(CONNECTED | WRITABLE | READABLE, cs[0].readiness());
    assertEquals(100, cs[0].receive(ByteBuffer.allocate(1000), net.now()));
    assertEquals(CONNECTED | WRITABLE, cs[0].readiness(), "nothing left to read");
  }

  @Test
  void established_peerCloses_readableWithReadHangup_thenHangupOnceBothClosed() {
    Listener l = server.listen(null, 80, 8);
    Connection[] cs = established(l);
    cs[1].close(net.now());
    settle();
    assertEquals(
        CONNECTED | WRITABLE | READABLE | READ_HANGUP,
        cs[0].readiness(),
        "CLOSE_WAIT: a read ends, sends go on");
    assertEquals(-1, cs[0].receive(ByteBuffer.allocate(10), net.now()));
    cs[0].close(net.now());
    assertEquals(
        CONNECTED | READABLE | READ_HANGUP | HANGUP | WRITABLE,
        cs[0].readiness(),
        "LAST_ACK: both directions done; writable, as a send fails at once");
    settle();
    assertEquals(
        HANGUP | READ_HANGUP | READABLE | WRITABLE, cs[0].readiness(), "CLOSED in order: no ERROR");
  }

  @Test
  void established_weClose_writableAsASendFailsAtOnce_readableOnlyOnceThePeerCloses() {
    Listener l = server.listen(null, 80, 8);
    Connection[] cs = established(l);
    cs[0].close(net.now());
    assertEquals(
        CONNECTED | WRITABLE,
        cs[0].readiness(),
        "FIN_WAIT_1: tcp_poll's EPOLLOUT after SEND_SHUTDOWN");
    settle();
    assertEquals(CONNECTED | WRITABLE, cs[0].readiness(), "FIN_WAIT_2");
    assertEquals(
        CONNECTED | WRITABLE | READABLE | READ_HANGUP, cs[1].readiness(), "the peer in CLOSE_WAIT");
    cs[1].close(net.now());
    settle();
    assertEquals(
        CONNECTED | WRITABLE | READABLE | READ_HANGUP | HANGUP, cs[0].readiness(), "TIME_WAIT");
  }

  @Test
  void established_peerResets_errorAndHangup() {
    Listener l = server.listen(null, 80, 8);
    Connection[] cs = established(l);
    cs[1].abort(net.now());
    settle();
    assertEquals(ERROR | HANGUP | READ_HANGUP | READABLE | WRITABLE, cs[0].readiness());
  }

  @Test
  void connect_toClosedPort_errorWithoutConnected() {
    Connection c = client.connect(SERVER, 81, net.now());
    settle();
    int mask = c.readiness();
    assertEquals(ERROR, mask & (ERROR | CONNECTED), Readiness.toString(mask));
  }

  @Test
  void sendBufferFull_notWritable_untilThePeerReadsAndAcks() {
    Listener l = server.listen(null, 80, 8);
    Connection[] cs = established(l);
    cs[1].setReceiveBufferSize(4096, net.now());
    cs[0].setSendBufferSize(8192, net.now());
    ByteBuffer lots = ByteBuffer.allocate(1 << 20);
    cs[0].send(lots, net.now());
    settle();
    cs[0].send(lots, net.now());
    assertEquals(CONNECTED, cs[0].readiness(), "the peer's window and our buffer are full");
    ByteBuffer sink = ByteBuffer.allocate(1 << 20);
    for (int i = 0; i < 20 && (cs[0].readiness() & WRITABLE) == 0; i++) {
      sink.clear();
      cs[1].receive(sink, net.now());
      settle();
    }
    assertEquals(
        CONNECTED | WRITABLE, cs[0].readiness(), "room again once the peer read and acknowledged");
  }

  @Test
  void unconnected_writableAndHungUp_likeAClosedConnectionWithoutItsReadBits() {
    // A write on either fails at once; only a connection that existed has a read side that ended.
    Connection c = client.connect(SERVER, 81, net.now());
    settle();
    assertEquals(WRITABLE | HANGUP, Readiness.UNCONNECTED);
    assertEquals(
        Readiness.UNCONNECTED,
        c.readiness() & Readiness.UNCONNECTED,
        "a refused connection is as writable and hung up");
    assertEquals(0, Readiness.UNCONNECTED & (READABLE | READ_HANGUP | CONNECTED | ERROR));
  }

  @Test
  void toString_namesTheBits() {
    assertEquals("READABLE|HANGUP", Readiness.toString(READABLE | HANGUP));
    assertEquals("0", Readiness.toString(0));
  }

  private static InetAddress ip(String s) {
    try {
      return InetAddress.getByName(s);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }
}
