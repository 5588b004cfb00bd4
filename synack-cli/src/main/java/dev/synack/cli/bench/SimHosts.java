package dev.synack.cli.bench;

import dev.synack.sim.HostNode;
import dev.synack.sim.LinkConfig;
import dev.synack.sim.SimNetwork;
import dev.synack.stack.Connection;
import dev.synack.stack.Host;
import dev.synack.stack.HostConfig;
import dev.synack.stack.HostEvent;
import dev.synack.stack.Listener;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Two synack hosts, {@code client} and {@code server}, on a {@link SimNetwork} whose links have no
 * impairment and no delay: what the sim figures measure is the CPU cost of the stacks and of the
 * network's own bookkeeping. The client may have several addresses, so that more connections to one
 * server port can be open than one address has ephemeral ports.
 */
final class SimHosts {
  static final int SERVER_PORT = 5001;

  /** Connections per client address: below the 28,232 ports of Linux's default ephemeral range. */
  static final int CONNECTIONS_PER_ADDRESS = 25_000;

  final SimNetwork net;
  final Host client;
  final Host server;
  private final InetAddress serverAddress;
  private final InetAddress[] clientAddresses;

  private SimHosts(int mtu, int clientAddressCount) {
    net = new SimNetwork(1);
    client = new Host("client", HostConfig.defaults(1).withMtu(mtu), null);
    server = new Host("server", HostConfig.defaults(2).withMtu(mtu), null);
    serverAddress = address(10, 0, 0, 2);
    server.addAddress(serverAddress);
    clientAddresses = new InetAddress[clientAddressCount];
    for (int i = 0; i < clientAddressCount; i++) {
      clientAddresses[i] = address(10, 1, i >>> 8, 1 + (i & 0xff));
      client.addAddress(clientAddresses[i]);
    }
    net.attach(new HostNode(client), clientAddresses);
    net.attach(new HostNode(server), serverAddress);
    net.setDefaultLink(LinkConfig.ideal().withMtu(mtu));
  }

  /**
   * Returns two hosts whose links and interfaces have the given MTU, the client with one address.
   */
  static SimHosts create(int mtu) {
    return new SimHosts(mtu, 1);
  }

  /**
   * Returns two hosts at MTU 1500, the client with enough addresses for {@code connections} at
   * once.
   */
  static SimHosts forConnections(int connections) {
    return new SimHosts(
        1500, Math.max(1, (connections + CONNECTIONS_PER_ADDRESS - 1) / CONNECTIONS_PER_ADDRESS));
  }

  /** Returns the server's address. */
  InetAddress serverAddress() {
    return serverAddress;
  }

  /** Listens on {@link #SERVER_PORT} of the server. */
  Listener listen() {
    return server.listen(null, SERVER_PORT, 4096);
  }

  /**
   * Opens the {@code index}th connection: from the client address it falls on, to the server port.
   */
  Connection connect(int index) {
    InetAddress from = clientAddresses[(index / CONNECTIONS_PER_ADDRESS) % clientAddresses.length];
    return client.connect(from, 0, serverAddress, SERVER_PORT, net.now());
  }

  /**
   * Returns one connection from the client, accepted by the server, both established: {client,
   * server}.
   */
  Connection[] establishedPair() {
    Listener listener = listen();
    Connection c = connect(0);
    if (!net.runUntil(() -> listener.pendingAccepts() > 0, net.now() + 10_000_000_000L)) {
      throw new IllegalStateException("the handshake did not complete: client " + c.state());
    }
    Connection s = listener.accept();
    discardEvents();
    return new Connection[] {c, s};
  }

  /**
   * Drops the events both hosts queued: the loops that need none must still not let them pile up.
   */
  void discardEvents() {
    while (client.pollEvent() != null) {}
    while (server.pollEvent() != null) {}
  }

  /** Returns the next event of either host, the client's first, or null. */
  HostEvent pollEvent() {
    HostEvent e = client.pollEvent();
    return e != null ? e : server.pollEvent();
  }

  private static InetAddress address(int a, int b, int c, int d) {
    try {
      return InetAddress.getByAddress(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }
}
