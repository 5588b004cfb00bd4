package dev.synack.stack;

/**
 * Where a host that is one loop of a group sends a datagram it put back together from fragments.
 * Only a datagram's first fragment carries its ports, so fragments cannot be steered to the loop
 * that owns their flow; the loop that read them reassembles, and the whole datagram belongs to the
 * owner of its 4-tuple, whose host holds its endpoint (handled anywhere else, a UDP datagram for a
 * port bound on another loop would draw an ICMP port unreachable).
 */
@FunctionalInterface
public interface ReassembledHandoff {
  /** Keeps every datagram: a host that is alone. */
  ReassembledHandoff NONE = (datagram, now) -> false;

  /**
   * Returns true when it took {@code datagram} for another host, which the caller then no longer
   * handles; false to handle it here. Called on the host's thread, inside {@code handlePacket}.
   *
   * @param datagram the whole IP datagram, no longer a fragment; the callee owns the array
   */
  boolean handOff(byte[] datagram, long now);
}
