package dev.synack.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.sim.HostNode;
import dev.synack.sim.LinkConfig;
import dev.synack.sim.SimNetwork;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The host's deadline queue hears of a connection's moved deadline once per run of calls for it,
 * yet whenever it is read it holds every connection's own next deadline: nothing the host does is
 * due later (or earlier) than the connection says.
 */
class DeadlineRescheduleTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void severalBusyConnections_hostDeadlineIsAlwaysTheEarliestOfTheirs() throws Exception {
    SimNetwork net = new SimNetwork(3);
    Host a = new Host("client", HostConfig.defaults(1), null);
    Host b = new Host("server", HostConfig.defaults(2), null);
    InetAddress aAddress = InetAddress.getByAddress(new byte[] {10, 0, 0, 1});
    InetAddress bAddress = InetAddress.getByAddress(new byte[] {10, 0, 0, 2});
    a.addAddress(aAddress);
    b.addAddress(bAddress);
    net.attach(new HostNode(a), aAddress);
    net.attach(new HostNode(b), bAddress);
    net.setDefaultLink(
        LinkConfig.ideal()
            .withDelay(Duration.ofMillis(2))
            .withLoss(0.02)
            .withBandwidth(50_000_000));
    Listener listener = b.listen(null, 5001, 16);
    List<Connection> clients = new ArrayList<>();
    for (int i = 0; i < 3; i++) clients.add(a.connect(aAddress, 0, bAddress, 5001, net.now()));
    assertTrue(net.runUntil(() -> listener.pendingAccepts() == 3, 10 * SECOND));
    List<Connection> servers = new ArrayList<>();
    for (int i = 0; i < 3; i++) servers.add(listener.accept());
    ByteBuffer src = ByteBuffer.allocate(64 * 1024);
    ByteBuffer dst = ByteBuffer.allocate(64 * 1024);
    long received = 0;
    int checks = 0;
    for (int step = 0; step < 200_000 && received < 3L * 400_000; step++) {
      // User calls on each connection in turn, between steps: each moves that one's deadline.
      for (int i = 0; i < 3; i++) {
        if (step % (i + 1) == 0) clients.get(i).send(src.clear(), net.now());
        received += servers.get(i).receive(dst.clear(), net.now());
        if (step % 7 == i) {
          assertEquals(earliest(a), a.pollTimeout(), "client, step " + step);
          assertEquals(earliest(b), b.pollTimeout(), "server, step " + step);
          checks++;
        }
      }
      if (!net.step()) break;
      assertEquals(earliest(a), a.pollTimeout(), "client after step " + step);
      assertEquals(earliest(b), b.pollTimeout(), "server after step " + step);
    }
    assertTrue(received >= 3L * 400_000, received + " bytes received");
    assertTrue(checks > 100, checks + " checks between user calls");
    assertTrue(net.stats(net.nodes().get(0), net.nodes().get(1)).dropped("loss") > 0);
  }

  /** Returns the earliest deadline of the host's connections, as each engine says it. */
  private static long earliest(Host host) {
    long min = Long.MAX_VALUE;
    for (Connection c : host.connections()) min = Math.min(min, c.engine.pollTimeout());
    return min;
  }
}
