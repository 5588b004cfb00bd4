package dev.synack.stack;

import dev.synack.tcp.ConnectionEvent;

/** Something a {@link Host} tells its user: an event of one connection, or a listener with a connection to accept. */
public sealed interface HostEvent {
  /** An event of one connection (connected, readable, writable, end of stream, closed). */
  record OfConnection(Connection connection, ConnectionEvent event) implements HostEvent {}

  /** A listener has a connection in its accept queue. */
  record Acceptable(Listener listener) implements HostEvent {}
}
