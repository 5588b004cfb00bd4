package dev.synack.wire;

import java.net.InetAddress;

/** The parsed header of an IP datagram, of either version. */
public sealed interface IpHeader permits Ipv4Packet.Repr, Ipv6Packet.Repr {
  /** Returns the source address. */
  InetAddress source();

  /** Returns the destination address. */
  InetAddress destination();
}
