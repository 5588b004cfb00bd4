package dev.synack.nio;

import dev.synack.sim.HostNode;
import dev.synack.sim.LinkConfig;
import dev.synack.sim.SimNetwork;
import dev.synack.stack.Host;
import dev.synack.stack.HostConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;

/**
 * Two hosts, client (10.0.0.1) and server (10.0.0.2), on a simulated network run in real time for
 * applications.
 */
final class SimPair implements AutoCloseable {
  static final InetAddress CLIENT = InetAddress.ofLiteral("10.0.0.1");
  static final InetAddress SERVER = InetAddress.ofLiteral("10.0.0.2");

  final Host client;
  final Host server = new Host("server", HostConfig.defaults(2), null);
  final HostNode clientNode;
  final HostNode serverNode = new HostNode(server);
  final SimApps apps;

  SimPair(long seed, LinkConfig link) {
    this(seed, link, HostConfig.defaults(1));
  }

  /** With the client host's settings given. */
  SimPair(long seed, LinkConfig link, HostConfig clientConfig) {
    client = new Host("client", clientConfig, null);
    clientNode = new HostNode(client);
    client.addAddress(CLIENT);
    server.addAddress(SERVER);
    SimNetwork net = new SimNetwork(seed);
    net.attach(clientNode, CLIENT);
    net.attach(serverNode, SERVER);
    net.setLink(clientNode, serverNode, link);
    apps = SimApps.start(net, client, server);
  }

  SimPair() {
    this(7, LinkConfig.ideal().withDelay(Duration.ofMillis(1)));
  }

  /** Sets the link both ways while the network runs (a partition: loss 1.0). */
  void setLink(LinkConfig link) throws IOException {
    apps.network(
        n -> {
          n.setLink(clientNode, serverNode, link);
          return null;
        });
  }

  @Override
  public void close() throws IOException {
    apps.close();
  }
}
