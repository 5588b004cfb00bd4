package dev.synack.stack;

import dev.synack.tcp.ConnectionEvent;
import dev.synack.tcp.TcpError;
import java.net.InetAddress;

/**
 * Something a {@link Host} tells its user: an event of one connection, a listener with a connection
 * to accept, or news of a UDP endpoint.
 */
public sealed interface HostEvent {
  /** An event of one connection (connected, readable, writable, end of stream, closed). */
  record OfConnection(Connection connection, ConnectionEvent event) implements HostEvent {}

  /** A listener has a connection in its accept queue. */
  record Acceptable(Listener listener) implements HostEvent {}

  /** A UDP endpoint's receive queue turned non-empty: {@link UdpEndpoint#receive} until null. */
  record UdpReadable(UdpEndpoint endpoint) implements HostEvent {}

  /**
   * An ICMP error came back about a datagram a UDP endpoint sent from {@code localAddress}:{@code
   * localPort} to {@code remoteAddress}:{@code remotePort}: {@link TcpError#CONNECTION_REFUSED} for
   * port unreachable (ECONNREFUSED), else host or network unreachable.
   */
  record UdpError(
      UdpEndpoint endpoint,
      InetAddress localAddress,
      int localPort,
      InetAddress remoteAddress,
      int remotePort,
      TcpError error)
      implements HostEvent {}
}
