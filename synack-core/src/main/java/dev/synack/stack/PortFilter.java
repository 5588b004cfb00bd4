package dev.synack.stack;

import java.net.InetAddress;

/**
 * Which ephemeral ports a host may pick for itself: a host that is one of a group of loops, each
 * owning the connections whose 4-tuple hashes to it, takes for an active open only a local port
 * whose 4-tuple lands on its own loop, so that the peer's answers are read where the connection
 * lives (Linux's per-CPU port choice in {@code __inet_hash_connect} does not do this; gVisor's
 * dispatcher shards by the same kind of hash).
 */
@FunctionalInterface
public interface PortFilter {
  /** Accepts every port: a host that is alone. */
  PortFilter ALL = (protocol, local, localPort, remote, remotePort) -> true;

  /**
   * Returns whether the host may take {@code localPort} on {@code local} for a flow of IP {@code
   * protocol} (6 for TCP, 17 for UDP) to {@code remote}:{@code remotePort}; for a UDP endpoint
   * bound to no peer, {@code remote} is null and {@code remotePort} 0.
   */
  boolean accepts(
      int protocol, InetAddress local, int localPort, InetAddress remote, int remotePort);
}
