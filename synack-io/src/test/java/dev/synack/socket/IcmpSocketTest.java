package dev.synack.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.synack.runtime.SimDriver;
import dev.synack.sim.HostNode;
import dev.synack.sim.LinkConfig;
import dev.synack.sim.SimNetwork;
import dev.synack.sim.SimNode;
import dev.synack.stack.Host;
import dev.synack.stack.HostConfig;
import dev.synack.wire.IcmpMessage;
import dev.synack.wire.IpDatagram;
import dev.synack.wire.Packets;
import dev.synack.wire.Parsed;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * ICMP errors seen through the blocking socket API over a simulated network: a router answers for
 * destinations it cannot reach, and {@link TcpSocket#connect} fails at once with the exception a
 * Java programmer gets from {@code java.net.Socket} on Linux for the same error.
 */
class IcmpSocketTest {
  static final InetAddress CLIENT = address("10.0.0.1");
  static final InetAddress HOST_DOWN = address("10.0.9.9");
  static final InetAddress FIREWALLED = address("10.0.9.10");
  static final InetAddress NO_ROUTE6 = address("fd00:9::9");
  static final InetAddress ROUTER = address("10.0.0.254");
  static final InetAddress ROUTER6 = address("fd00::fe");

  private final Host client = new Host("client", HostConfig.defaults(1), null);
  private final SimDriver driver = start();

  private SimDriver start() {
    client.addAddress(CLIENT);
    client.addAddress(address("fd00::1"));
    SimNetwork net = new SimNetwork(42);
    HostNode c = new HostNode(client);
    Router router = new Router();
    net.attach(c, CLIENT, address("fd00::1"));
    net.attach(router, HOST_DOWN, FIREWALLED, NO_ROUTE6);
    net.setLink(c, router, LinkConfig.ideal().withDelay(Duration.ofMillis(1)));
    return new SimDriver(net, List.of(client));
  }

  @AfterEach
  void closeDriver() throws IOException {
    driver.close();
  }

  @Test
  void connect_toAHostARouterCannotReach_noRouteToHost() {
    NoRouteToHostException e =
        assertThrows(
            NoRouteToHostException.class,
            () -> TcpSocket.connect(driver, client, new InetSocketAddress(HOST_DOWN, 80), 10_000));
    assertEquals("No route to host", e.getMessage());
  }

  @Test
  void connect_throughAFirewallThatRejects_refused() {
    ConnectException e =
        assertThrows(
            ConnectException.class,
            () -> TcpSocket.connect(driver, client, new InetSocketAddress(FIREWALLED, 80), 10_000));
    assertEquals("Connection refused", e.getMessage());
  }

  @Test
  void connect_overIpv6WithNoRoute_networkUnreachable() {
    SocketException e =
        assertThrows(
            SocketException.class,
            () -> TcpSocket.connect(driver, client, new InetSocketAddress(NO_ROUTE6, 80), 10_000));
    assertEquals("Network is unreachable", e.getMessage());
  }

  /**
   * A router in front of three destinations: a host that is down (host unreachable, ICMPv4 code 1),
   * a firewall that rejects (port unreachable, code 3, as iptables' REJECT), and an IPv6 network it
   * has no route to (ICMPv6 no route, code 0).
   */
  static final class Router implements SimNode {
    private final ArrayDeque<byte[]> outbox = new ArrayDeque<>();

    @Override
    public String name() {
      return "router";
    }

    @Override
    public void handlePacket(byte[] packet, long now) {
      if (!(IpDatagram.parse(ByteBuffer.wrap(packet))
          instanceof Parsed.Ok<IpDatagram>(IpDatagram ip))) return;
      int code =
          ip.destination().equals(HOST_DOWN) ? 1 : ip.destination().equals(FIREWALLED) ? 3 : 0;
      InetAddress from = ip.version() == 4 ? ROUTER : ROUTER6;
      int quoted = Math.min(packet.length, ip.version() == 4 ? 28 : 48);
      outbox.add(
          Packets.icmp(
              from,
              ip.source(),
              64,
              new IcmpMessage.DestinationUnreachable(
                  code, 0, ByteBuffer.wrap(packet, 0, quoted).slice())));
    }

    @Override
    public byte[] pollTransmit(long now) {
      return outbox.poll();
    }

    @Override
    public long pollTimeout() {
      return Long.MAX_VALUE;
    }

    @Override
    public void handleTimeout(long now) {}
  }

  static InetAddress address(String s) {
    try {
      return InetAddress.getByName(s);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }
}
