package dev.synack.stack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.sim.HostNode;
import dev.synack.sim.LinkConfig;
import dev.synack.sim.SimNetwork;
import dev.synack.tcp.TcpState;
import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpSegment;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** A listener whose queues overflow behaves as Linux's with its defaults (see {@link Listener}). */
class ListenerOverflowTest {
  static final long SECOND = 1_000_000_000L;

  @Nested
  class SynQueueEntry {
    @Test
    void unansweredSynAck_resentFiveTimesWithBackoff_thenTheEntryIsRemovedSilently() {
      StatePeer p = StatePeer.into(TcpState.SYN_RECEIVED, true);
      List<Long> resent = new ArrayList<>();
      while (p.host.pollTimeout() != Long.MAX_VALUE) {
        p.now = p.host.pollTimeout();
        p.host.handleTimeout(p.now);
        p.drain();
        for (TcpSegment s : p.takeSent()) {
          assertEquals(TcpFlags.SYN | TcpFlags.ACK, s.flags(), "only SYN-ACKs, no RST at the end");
          resent.add(p.now / SECOND);
        }
      }

      assertEquals(
          List.of(1L, 3L, 7L, 15L, 31L), resent, "tcp_synack_retries = 5, RTO doubling from 1 s");
      assertEquals(0, p.listener.pendingHandshakes());
      assertEquals(0, p.host.connectionCount());
      assertEquals(63, p.now / SECOND, "given up 63 s after the SYN, as Linux");
    }
  }

  @Nested
  class AcceptQueueFull {
    @Test
    void finalAck_droppedWithoutRst_entryStaysInSynReceived_thenTheResentAckGetsIn() {
      StatePeer p = new StatePeer(HostConfig.defaults(11), true);
      // Our SYN is admitted first; then other clients fill the accept queue.
      TcpSegment synAck = SynCookieTest.synAck(p, p.syn());
      for (int i = 0; i < StatePeer.BACKLOG; i++) {
        int port = 50000 + i;
        TcpSegment sa =
            SynCookieTest.synAck(
                p, TcpSegment.of(port, StatePeer.HOST_PORT, 7, 0, TcpFlags.SYN, 65535));
        p.send(
            TcpSegment.of(
                port, StatePeer.HOST_PORT, 8, sa.sequenceNumber() + 1, TcpFlags.ACK, 65535));
      }
      assertEquals(StatePeer.BACKLOG, p.listener.pendingAccepts());
      p.takeSent();

      p.send(SynCookieTest.ackOf(p, synAck, 0, 10));

      assertTrue(p.takeSent().isEmpty(), "dropped, no RST (tcp_abort_on_overflow = 0)");
      assertEquals(1, p.host.counters().listenOverflows());
      assertEquals(1, p.listener.pendingHandshakes(), "the entry is still there");
      Connection entry = p.listener.synQueue.iterator().next();
      assertEquals(TcpState.SYN_RECEIVED, entry.state());

      p.listener.accept();
      p.send(SynCookieTest.ackOf(p, synAck, 0, 10));

      assertEquals(TcpState.ESTABLISHED, entry.state());
      assertEquals(StatePeer.BACKLOG, p.listener.pendingAccepts());
      assertEquals(10, entry.status().receiveQueued(), "the data on the resent segment is taken");
    }

    @Test
    void clientsBeyondTheBacklog_getInOnceTheApplicationAccepts_onTheSimulatedNetwork() {
      InetAddress serverAddress = Ipv6EndToEndTest.ip("10.0.0.2");
      // Cookies off, so that the queues alone are at work (with cookies, a client whose cookie ACK
      // meets a full accept queue is dropped, and its following segments fail the cookie check and
      // draw a RST, as on Linux).
      Host server =
          new Host("server", HostConfig.defaults(2).withSynCookies(SynCookiePolicy.OFF), null);
      server.addAddress(serverAddress);
      Listener listener = server.listen(null, 80, 2);
      SimNetwork net = new SimNetwork(4);
      net.setDefaultLink(LinkConfig.ideal().withDelay(Duration.ofMillis(10)));
      net.attach(new HostNode(server), serverAddress);
      List<Connection> clients = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        Host client = new Host("client" + i, HostConfig.defaults(10 + i), null);
        InetAddress address = Ipv6EndToEndTest.ip("10.0.1." + (i + 1));
        client.addAddress(address);
        net.attach(new HostNode(client), address);
        Connection c = client.connect(serverAddress, 80, 0);
        // Each client writes its request at once, as an HTTP client would: its resends knock again.
        c.send(java.nio.ByteBuffer.wrap(request(i)), 0);
        clients.add(c);
      }

      // The application sleeps for 5 s: two connections wait in the accept queue; the other SYNs
      // found the SYN queue full, then the accept queue full, and are resent (1 s, 3 s, 7 s...).
      net.runUntil(5 * SECOND);
      assertEquals(2, listener.pendingAccepts());
      assertTrue(server.counters().synQueueFullDrops() > 0, server.counters().toString());
      assertTrue(server.counters().listenOverflows() > 0, server.counters().toString());
      List<Connection> accepted = new ArrayList<>();
      assertTrue(
          net.runUntil(
              () -> {
                for (Connection c = listener.accept(); c != null; c = listener.accept())
                  accepted.add(c);
                return accepted.size() == 6;
              },
              120 * SECOND),
          "every client gets in once the application accepts: " + accepted.size());
      for (int i = 0; i < 6; i++) {
        Connection c = clients.get(i);
        Connection s =
            accepted.stream()
                .filter(a -> a.id().remoteAddress().equals(c.id().localAddress()))
                .findFirst()
                .orElseThrow();
        byte[][] got = SimExchange.exchange(net, c, s, new byte[0], new byte[0]);
        assertArrayEquals(request(i), got[0], "client " + i + "'s request arrived whole");
      }
    }

    private static byte[] request(int client) {
      return Ipv6EndToEndTest.random(5000, client);
    }
  }
}
