package dev.synack.stack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.sim.HostNode;
import dev.synack.sim.LinkConfig;
import dev.synack.sim.PacketObserver;
import dev.synack.sim.SimNetwork;
import dev.synack.sim.SimNode;
import dev.synack.wire.Packets;
import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpOption;
import dev.synack.wire.TcpOptions;
import dev.synack.wire.TcpSegment;
import java.net.InetAddress;
import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A SYN flood (RFC 4987) against a listener on the simulated network: 100,000 SYNs from spoofed
 * random sources fill its SYN queue at once; SYN cookies let a legitimate client in all the same,
 * and the server's memory stays bounded by the SYN queue.
 */
class SynFloodTest {
  static final InetAddress CLIENT = Ipv6EndToEndTest.ip("10.0.0.1");
  static final InetAddress SERVER = Ipv6EndToEndTest.ip("10.0.0.2");
  static final InetAddress ATTACKER = Ipv6EndToEndTest.ip("10.0.0.66");
  static final int PORT = 80;
  static final int BACKLOG = 128;
  static final long MS = 1_000_000L;
  static final long SECOND = 1000 * MS;
  static final int SPOOFED_SYNS = 100_000;

  @Test
  void hundredThousandSpoofedSyns_legitimateClientConnectsByCookieAndTransfers_memoryBounded() {
    Host client = new Host("client", HostConfig.defaults(1), null);
    Host server = new Host("server", HostConfig.defaults(2), null);
    client.addAddress(CLIENT);
    server.addAddress(SERVER);
    Listener listener = server.listen(null, PORT, BACKLOG);
    SimNetwork net = new SimNetwork(9);
    net.setDefaultLink(LinkConfig.ideal().withDelay(Duration.ofMillis(5)));
    HostNode clientNode = new HostNode(client);
    HostNode serverNode = new HostNode(server);
    // 100 SYNs a millisecond for a second, each from a random spoofed source in 172.16.0.0/12,
    // half of them with Linux's options: the server's answers go nowhere.
    SplittableRandom random = new SplittableRandom(42);
    Attacker attacker = new Attacker("attacker", 0, MS, 100, SPOOFED_SYNS, i -> spoofedSyn(random));
    net.attach(clientNode, CLIENT);
    net.attach(serverNode, SERVER);
    net.attach(attacker, ATTACKER);
    int[] maxConnections = {0};
    net.addObserver(
        new PacketObserver() {
          @Override
          public void onDeliver(SimNode from, SimNode to, byte[] packet, long now) {
            if (to == serverNode)
              maxConnections[0] = Math.max(maxConnections[0], server.connectionCount());
          }
        });

    net.runUntil(200 * MS);
    assertEquals(BACKLOG, listener.pendingHandshakes(), "the flood filled the SYN queue");
    Connection c = client.connect(SERVER, PORT, net.now());
    assertTrue(
        net.runUntil(() -> listener.pendingAccepts() > 0, 30 * SECOND),
        "the client gets in during the flood");
    Connection s = listener.accept();
    byte[] up = Ipv6EndToEndTest.random(300_000, 5);
    byte[] down = Ipv6EndToEndTest.random(100_000, 6);
    byte[][] got = SimExchange.exchange(net, c, s, up, down);

    assertArrayEquals(
        SimExchange.sha256(up), SimExchange.sha256(got[0]), "client to server: same SHA-256");
    assertArrayEquals(
        SimExchange.sha256(down), SimExchange.sha256(got[1]), "server to client: same SHA-256");
    assertTrue(
        attacker.sent() < SPOOFED_SYNS,
        "the flood was still going when the transfer ended: " + attacker.sent());
    net.runUntilIdle(600 * SECOND);
    assertEquals(SPOOFED_SYNS, attacker.sent());

    HostCounters counters = server.counters();
    assertEquals(1, counters.syncookiesValidated(), "the client came in by a cookie");
    assertEquals(
        SPOOFED_SYNS + 1 - BACKLOG,
        counters.syncookiesSent(),
        "every SYN beyond the queue got a cookie");
    assertEquals(0, counters.syncookiesFailed());
    assertTrue(
        maxConnections[0] <= BACKLOG + 1,
        "memory bounded by the SYN queue (plus the client's connection): at most "
            + maxConnections[0]);
    assertEquals(
        0,
        server.connectionCount(),
        "the spoofed entries timed out and the client's closed: nothing left");
    assertTrue(server.deadlineQueueSize() <= 2 * server.connectionCount() + 65);
  }

  private static byte[] spoofedSyn(SplittableRandom random) {
    byte[] source = {
      (byte) 172,
      (byte) (16 + random.nextInt(16)),
      (byte) random.nextInt(256),
      (byte) (1 + random.nextInt(254))
    };
    TcpSegment syn =
        TcpSegment.of(1024 + random.nextInt(64000), PORT, random.nextInt(), 0, TcpFlags.SYN, 64240);
    if (random.nextBoolean()) {
      syn =
          syn.withOptions(
              TcpOptions.of(
                  new TcpOption.MaximumSegmentSize(1460),
                  new TcpOption.SackPermitted(),
                  new TcpOption.Timestamps(random.nextInt(), 0),
                  new TcpOption.NoOperation(),
                  new TcpOption.WindowScale(7)));
    }
    try {
      return Packets.tcp(InetAddress.getByAddress(source), SERVER, 64, syn);
    } catch (java.net.UnknownHostException e) {
      throw new AssertionError(e);
    }
  }
}
