package dev.synack.stack;

import dev.synack.tcp.FourTuple;
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

  /**
   * Returns true when it took a SYN (alone) for {@code id}, a 4-tuple this host holds no connection
   * for, because another host of the group holds it: the device moved the flow to another queue
   * mid-connection, and opening a second connection here would answer the peer's SYN (a
   * retransmission, or a new incarnation over TIME-WAIT) with a second handshake. The owner takes
   * it as RFC 9293 §3.10.7.4 says for a SYN on a synchronized connection (RFC 5961 §4). False, the
   * default, handles it here. Called on the host's thread, inside {@code handlePacket}.
   *
   * @param datagram as for {@link #handOff}
   */
  default boolean handOffSyn(FourTuple id, ByteBuffer datagram, long now) {
    return false;
  }

  /**
   * Hears that this host now holds a connection of {@code id} (a passive or an active open), so
   * that the group can tell the others ({@link #handOffSyn}). Host thread.
   */
  default void held(FourTuple id) {}

  /** Hears that this host let go of its connection of {@code id} (released). Host thread. */
  default void released(FourTuple id) {}
}
