package dev.synack.bench;

import dev.synack.stack.Connection;
import dev.synack.stack.Host;
import dev.synack.stack.HostConfig;
import dev.synack.stack.Listener;
import java.net.InetAddress;
import java.nio.ByteBuffer;

/**
 * Two hosts with one established connection between them, for the steady-state benchmarks that then
 * drive one of the two alone, its peer forged from packets the real peer sent once.
 */
final class HostPair {
  static final InetAddress CLIENT = EnginePairState.address(10, 0, 0, 1);
  static final InetAddress SERVER = EnginePairState.address(10, 0, 0, 2);

  final Host client;
  final Host server;
  final Connection sender;
  final Connection receiver;
  long now;

  HostPair(int mtu) {
    client = new Host("client", HostConfig.defaults(1).withMtu(mtu), null);
    server = new Host("server", HostConfig.defaults(2).withMtu(mtu), null);
    client.addAddress(CLIENT);
    server.addAddress(SERVER);
    Listener listener = server.listen(null, 80, 16);
    sender = client.connect(SERVER, 80, now);
    for (int i = 0; i < 4 && listener.pendingAccepts() == 0; i++) {
      moveAll(client, server);
      moveAll(server, client);
    }
    receiver = listener.accept();
    if (receiver == null) throw new IllegalStateException("handshake did not complete");
  }

  /** Moves every packet {@code from} has to {@code to}; returns the last one, or null. */
  byte[] moveAll(Host from, Host to) {
    byte[] last = null;
    for (byte[] p; (p = from.pollPacket(now)) != null; last = p) to.handlePacket(p, now);
    while (from.pollEvent() != null) {}
    while (to.pollEvent() != null) {}
    return last;
  }

  /** Returns where the TCP header of an IPv4 packet without options starts. */
  static int tcpStart(ByteBuffer packet) {
    return (packet.get(0) & 0x0f) * 4;
  }

  /** Returns the payload length of the TCP segment in {@code packet}, its position 0. */
  static int payloadLength(ByteBuffer packet) {
    int tcp = tcpStart(packet);
    return packet.limit() - tcp - ((packet.get(tcp + 12) & 0xff) >>> 4) * 4;
  }
}
