package dev.synack.stack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.sim.HostNode;
import dev.synack.sim.LinkConfig;
import dev.synack.sim.SimNetwork;
import dev.synack.tcp.TcpError;
import dev.synack.tcp.TcpState;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code SO_REUSEPORT} groups and {@code SO_REUSEADDR} on a host's listeners, as Linux: who may
 * share a port, how new connections spread over a group, and what becomes of a closed member's
 * children. Two hosts on a simulated network, in virtual time.
 */
class ReusePortTest {
  private static final long MS = 1_000_000L;
  private static final long SECOND = 1000 * MS;
  private static final InetAddress CLIENT = Ipv6EndToEndTest.CLIENT4;
  private static final InetAddress SERVER = Ipv6EndToEndTest.SERVER4;
  private static final BindOptions REUSEPORT = new BindOptions(true, true);
  private static final BindOptions NO_REUSE = new BindOptions(false, false);

  private final Host server = new Host("server", HostConfig.defaults(2), null);
  private final Host client = new Host("client", HostConfig.defaults(3), null);
  private final SimNetwork net = new SimNetwork(7);

  ReusePortTest() {
    server.addAddress(SERVER);
    client.addAddress(CLIENT);
    net.setDefaultLink(LinkConfig.ideal().withDelay(Duration.ofMillis(10)));
    net.attach(new HostNode(server), SERVER);
    net.attach(new HostNode(client), CLIENT);
  }

  private Listener listen(BindOptions bind) {
    return server.listen(null, 80, 128, server.config().tcp(), bind);
  }

  private List<Connection> connectMany(int n) {
    List<Connection> clients = new ArrayList<>();
    for (int i = 0; i < n; i++) clients.add(client.connect(SERVER, 80, net.now()));
    return clients;
  }

  @Test
  void reusePortGroup_newConnectionsSpreadOverTheMembersByTheirTuple() {
    List<Listener> group = List.of(listen(REUSEPORT), listen(REUSEPORT), listen(REUSEPORT));
    List<Connection> clients = connectMany(90);
    assertTrue(
        net.runUntil(
            () -> group.stream().mapToInt(Listener::pendingAccepts).sum() == 90, 5 * SECOND));
    for (Listener l : group) {
      assertTrue(
          l.pendingAccepts() >= 15, "each member takes about a third of 90: " + l.pendingAccepts());
    }
    for (Listener l : group) {
      for (Connection c = l.accept(); c != null; c = l.accept())
        assertEquals(TcpState.ESTABLISHED, c.state());
    }
    assertTrue(clients.stream().allMatch(c -> c.state() == TcpState.ESTABLISHED));
  }

  @Test
  void reusePort_aFlowStaysWithItsMemberAndTheChoiceIsTheSameOnEveryHostWithTheSameSeed() {
    List<Listener> group = List.of(listen(REUSEPORT), listen(REUSEPORT));
    List<Connection> clients = connectMany(20);
    assertTrue(
        net.runUntil(
            () -> group.stream().mapToInt(Listener::pendingAccepts).sum() == 20, 5 * SECOND));
    List<Integer> ports = new ArrayList<>();
    for (Connection c = group.getFirst().accept(); c != null; c = group.getFirst().accept())
      ports.add(c.id().remotePort());
    assertTrue(!ports.isEmpty() && ports.size() < 20, "both members took some: " + ports.size());
    // A second run of the same seeds spreads the same flows the same way: the hash is keyed by the
    // host's seed.
    ReusePortTest again = new ReusePortTest();
    List<Listener> group2 = List.of(again.listen(REUSEPORT), again.listen(REUSEPORT));
    again.connectMany(20);
    assertTrue(
        again.net.runUntil(
            () -> group2.stream().mapToInt(Listener::pendingAccepts).sum() == 20, 5 * SECOND));
    List<Integer> ports2 = new ArrayList<>();
    for (Connection c = group2.getFirst().accept(); c != null; c = group2.getFirst().accept())
      ports2.add(c.id().remotePort());
    assertEquals(ports, ports2);
    assertEquals(20, clients.size());
  }

  @Test
  void listen_twoListenersShareAPortOnlyWhenBothSetReusePort() {
    Listener first = listen(REUSEPORT);
    assertThrows(
        IllegalStateException.class,
        () -> listen(BindOptions.DEFAULT),
        "SO_REUSEADDR alone shares no port with a listener");
    assertThrows(
        IllegalStateException.class,
        () -> server.listen(SERVER, 80, 8, server.config().tcp(), BindOptions.DEFAULT),
        "nor with a wildcard one on Linux");
    Listener second = server.listen(SERVER, 80, 8, server.config().tcp(), REUSEPORT);
    assertEquals(2, server.listenerCount());
    first.close(0);
    second.close(0);
    Listener plain = listen(BindOptions.DEFAULT);
    assertThrows(
        IllegalStateException.class,
        () -> listen(REUSEPORT),
        "the first listener did not set SO_REUSEPORT");
    plain.close(0);
  }

  @Test
  void reusePort_theExactAddressGroupIsPreferredOverTheWildcard() {
    Listener wildcard = listen(REUSEPORT);
    Listener exact = server.listen(SERVER, 80, 16, server.config().tcp(), REUSEPORT);
    connectMany(10);
    assertTrue(net.runUntil(() -> exact.pendingAccepts() == 10, 5 * SECOND));
    assertEquals(0, wildcard.pendingAccepts());
  }

  @Test
  void reuseAddress_offRefusesAPortAConnectionInTimeWaitHolds_onTakesIt() {
    Listener l = listen(BindOptions.DEFAULT);
    Connection c = client.connect(SERVER, 80, 0);
    assertTrue(net.runUntil(() -> l.pendingAccepts() == 1, 5 * SECOND));
    Connection s = l.accept();
    s.close(net.now()); // the server closes first: its end waits in TIME-WAIT (2 MSL)
    assertTrue(net.runUntil(() -> c.state() == TcpState.CLOSE_WAIT, 5 * SECOND));
    c.close(net.now());
    assertTrue(net.runUntil(() -> s.state() == TcpState.TIME_WAIT, 5 * SECOND));
    l.close(net.now());
    IllegalStateException refused =
        assertThrows(IllegalStateException.class, () -> listen(NO_REUSE));
    assertTrue(refused.getMessage().contains("address already in use"), refused.getMessage());
    assertThrows(
        IllegalStateException.class,
        () -> server.listen(SERVER, 80, 8, server.config().tcp(), NO_REUSE));
    server
        .listen(Ipv6EndToEndTest.SERVER6, 80, 8, server.config().tcp(), NO_REUSE)
        .close(0); // another address: no conflict
    Listener again = listen(BindOptions.DEFAULT);
    assertEquals(80, again.port());
  }

  @Test
  void closedMember_itsAcceptQueueGoesToTheRestOfTheGroupAndItsClientsLiveOn() {
    Listener a = listen(REUSEPORT);
    Listener b = listen(REUSEPORT);
    List<Connection> clients = connectMany(30);
    assertTrue(net.runUntil(() -> a.pendingAccepts() + b.pendingAccepts() == 30, 5 * SECOND));
    int onA = a.pendingAccepts();
    assertTrue(onA > 0 && onA < 30, "both members took some: " + onA);
    a.close(net.now());
    assertEquals(30, b.pendingAccepts(), "a's " + onA + " went to b");
    List<Connection> accepted = new ArrayList<>();
    for (Connection s = b.accept(); s != null; s = b.accept()) accepted.add(s);
    net.runUntil(net.now() + SECOND);
    assertTrue(
        clients.stream().allMatch(c -> c.state() == TcpState.ESTABLISHED), "no client was reset");
    Connection c = clients.getFirst();
    Connection s =
        accepted.stream()
            .filter(x -> x.id().remotePort() == c.id().localPort())
            .findFirst()
            .orElseThrow();
    byte[] request = Ipv6EndToEndTest.random(3000, 1);
    byte[][] got = SimExchange.exchange(net, c, s, request, new byte[0]);
    assertArrayEquals(request, got[0]);
  }

  @Test
  void closedMember_childrenStillInTheHandshakeFollowToTheRestOfTheGroup() {
    Listener a = listen(REUSEPORT);
    Listener b = listen(REUSEPORT);
    List<Connection> clients = connectMany(30);
    net.runUntil(15 * MS); // the SYNs arrived at 10 ms; the final ACKs arrive at 30 ms
    assertTrue(
        a.pendingHandshakes() > 0 && b.pendingHandshakes() > 0,
        a.pendingHandshakes() + " / " + b.pendingHandshakes());
    a.close(net.now());
    assertEquals(30, b.pendingHandshakes());
    assertTrue(
        net.runUntil(() -> b.pendingAccepts() == 30, 5 * SECOND),
        "b took them all: " + b.pendingAccepts());
    assertTrue(clients.stream().allMatch(c -> c.state() == TcpState.ESTABLISHED));
  }

  @Test
  void closedMember_withMigrationOff_itsChildrenAreResetAsLinuxsDefault() {
    server.setReusePortMigration(false);
    Listener a = listen(REUSEPORT);
    Listener b = listen(REUSEPORT);
    List<Connection> clients = connectMany(30);
    assertTrue(net.runUntil(() -> a.pendingAccepts() + b.pendingAccepts() == 30, 5 * SECOND));
    int onA = a.pendingAccepts();
    a.close(net.now());
    assertEquals(30 - onA, b.pendingAccepts());
    net.runUntil(net.now() + SECOND);
    long reset =
        clients.stream()
            .filter(
                c -> c.state() == TcpState.CLOSED && c.closeError() == TcpError.CONNECTION_RESET)
            .count();
    assertEquals(onA, reset);
  }
}
