package dev.synack.stack;

import java.nio.ByteBuffer;

/**
 * Where a host that is one loop of a group sends a TCP segment it holds no connection for and that
 * opens none (anything but a SYN alone), or an ICMP error quoting such a flow: to the loop that may
 * hold it. In a group whose link steers each flow to the loop that read its first packet (a
 * multiqueue TUN device follows a flow to the queue it was last written on, and otherwise hashes it
 * with a key of its own), a connection lives on the loop its SYN came to, and a segment the device
 * put on another queue finds no connection there; handled there, it would draw a RST.
 */
@FunctionalInterface
public interface StrayHandoff {
  /** Keeps every segment: a host that is alone answers what it holds no connection for. */
  StrayHandoff NONE = (datagram, now) -> false;

  /**
   * Returns true when it took the segment for another host, which the caller then no longer
   * handles; false to handle it here (a RST, RFC 9293 §3.10.7.1). Called on the host's thread,
   * inside {@code handlePacket}, after the checksums were verified or vouched for.
   *
   * @param datagram the whole IP datagram between position and limit, read-only and valid during
   *     the call only: the callee copies what it keeps
   */
  boolean handOff(ByteBuffer datagram, long now);
}
