package dev.synack.stack;

import java.net.InetAddress;

/**
 * What a host in any-destination mode does with an echo request to an address that is not its own:
 * a forwarder passes it on to the real destination (through an unprivileged ICMP socket) and
 * answers with {@link Host#sendEchoReply} when the destination replies. With no relay set, or when
 * the relay declines, the host answers the request itself (RFC 792, RFC 4443 §4.2).
 */
@FunctionalInterface
public interface EchoRelay {
  /**
   * Takes an echo request; returns whether the relay took it (false: the host answers it itself).
   * Called on the host's thread, inside {@code handlePacket}.
   *
   * @param data the request's data, a copy the relay may keep
   */
  boolean relay(
      InetAddress source,
      InetAddress destination,
      int identifier,
      int sequenceNumber,
      byte[] data,
      long now);
}
