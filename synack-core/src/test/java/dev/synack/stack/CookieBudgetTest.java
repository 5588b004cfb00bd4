package dev.synack.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.synack.tcp.TcpState;
import dev.synack.wire.Packets;
import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpSegment;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The cookie budget of a backed-up turn ({@link Host#limitSynCookies}): SYNs over it that would
 * draw a cookie are dropped and counted as {@code syn-flood-shed}; SYNs the SYN queue takes and
 * every segment of a connection go on as before.
 */
class CookieBudgetTest {
  static final InetAddress CLIENT = Ipv6EndToEndTest.ip("10.0.0.1");
  static final InetAddress SERVER = Ipv6EndToEndTest.ip("10.0.0.2");
  static final int PORT = 80;
  static final long MS = 1_000_000L;

  private static Host host(String name, HostConfig config, InetAddress address) {
    Host h = new Host(name, config, null);
    h.addAddress(address);
    return h;
  }

  /** Moves packets both ways until neither host has one to send; returns how many moved a→b. */
  private static int pump(Host a, Host b, long now) {
    int toB = 0;
    boolean moved = true;
    while (moved) {
      moved = false;
      for (byte[] p; (p = a.pollPacket(now)) != null; toB++, moved = true) b.handlePacket(p, now);
      for (byte[] p; (p = b.pollPacket(now)) != null; moved = true) a.handlePacket(p, now);
    }
    return toB;
  }

  private static byte[] spoofedSyn(int i) {
    try {
      InetAddress source =
          InetAddress.getByAddress(new byte[] {(byte) 198, 18, (byte) (i >>> 8), (byte) i});
      return Packets.tcp(
          source, SERVER, 64, TcpSegment.of(40000 + i, PORT, i * 7919, 0, TcpFlags.SYN, 64240));
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  /** Returns how many SYN-ACKs {@code h} sends now (its connection's segments are passed over). */
  private static int synAcks(Host h, long now) {
    int n = 0;
    for (byte[] p; (p = h.pollPacket(now)) != null; ) {
      TcpSegment seg = Packets.parseTcp(ByteBuffer.wrap(p), true).value().segment();
      if (seg.flags() == (TcpFlags.SYN | TcpFlags.ACK)) n++;
    }
    return n;
  }

  private static long shed(Host h) {
    return h.counters().dropped(HostDropReason.SYN_FLOOD_SHED);
  }

  @Test
  void overTheBudget_cookieSynsAreShed_whileAnOpenConnectionsDataAndAcksGetThrough() {
    Host server =
        host("server", HostConfig.defaults(2).withSynCookies(SynCookiePolicy.ALWAYS), SERVER);
    Host client = host("client", HostConfig.defaults(1), CLIENT);
    Listener listener = server.listen(null, PORT, 16);
    Connection c = client.connect(SERVER, PORT, 0);
    pump(client, server, 0);
    Connection s = listener.accept();
    assertNotNull(s, "the client came in by a cookie");
    assertEquals(TcpState.ESTABLISHED, c.state());

    server.limitSynCookies(2);
    for (int i = 0; i < 10; i++) server.handlePacket(spoofedSyn(i), MS);
    assertEquals(2, synAcks(server, MS), "two SYN-ACKs within the budget");
    assertEquals(8, shed(server), "the eight SYNs over it shed, counted");
    assertEquals(1 + 2, server.counters().syncookiesSent(), "the client's cookie and the two");

    // The budget is spent, yet the connection's data and ACKs are taken as ever, both ways.
    byte[] hello = "over the flood".getBytes(StandardCharsets.US_ASCII);
    c.send(ByteBuffer.wrap(hello), 2 * MS);
    s.send(ByteBuffer.wrap(hello), 2 * MS);
    pump(client, server, 2 * MS);
    ByteBuffer got = ByteBuffer.allocate(100);
    assertEquals(hello.length, s.receive(got, 3 * MS), "the server read the client's data");
    got.clear();
    assertEquals(hello.length, c.receive(got, 3 * MS), "the client read the server's data");
    assertEquals(0, s.status().sndNxt() - s.status().sndUna(), "the client's ACK was taken");
    assertEquals(8, shed(server), "nothing of the connection was shed");

    server.limitSynCookies(Integer.MAX_VALUE);
    server.handlePacket(spoofedSyn(99), 4 * MS);
    assertNotNull(server.pollPacket(4 * MS), "no limit: the next SYN draws its cookie");
    assertEquals(8, shed(server));
  }

  @Test
  void aBudgetOfZero_shedsOnlyTheSynsThatWouldDrawACookie() {
    Host server = host("server", HostConfig.defaults(2), SERVER); // cookies when the queue is full
    Listener listener = server.listen(null, PORT, 4);
    server.limitSynCookies(0);
    for (int i = 0; i < 10; i++) server.handlePacket(spoofedSyn(i), MS);
    assertEquals(4, listener.pendingHandshakes(), "the SYN queue took the first four");
    assertEquals(4, synAcks(server, MS), "the four queued SYNs had their SYN-ACKs");
    assertEquals(6, shed(server), "the six that would have drawn a cookie were shed");
    assertEquals(0, server.counters().syncookiesSent());
  }

  @Test
  void aNegativeBudget_isRefused() {
    Host server = host("server", HostConfig.defaults(2), SERVER);
    assertThrows(IllegalArgumentException.class, () -> server.limitSynCookies(-1));
  }
}
