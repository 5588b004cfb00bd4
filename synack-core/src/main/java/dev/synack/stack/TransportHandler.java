package dev.synack.stack;

import dev.synack.wire.IcmpMessage;
import dev.synack.wire.IcmpQuote;
import dev.synack.wire.IpDatagram;
import java.nio.ByteBuffer;

/** A transport protocol of a host, registered with its {@link IpInput} by protocol number. */
interface TransportHandler {
  /**
   * Takes one whole datagram of this protocol: {@code datagram} holds the bytes {@code ip} was
   * parsed from, at the same indexes, for the duration of the call only.
   *
   * @param checksumUnnecessary whether the link vouched for the transport checksum
   */
  void handle(IpDatagram ip, ByteBuffer datagram, boolean checksumUnnecessary, long now);

  /**
   * Takes an ICMP error that quotes a datagram of this protocol, which this host sent (RFC 1122
   * §4.2.3.9, §4.1.3.3): the handler finds the endpoint it is for by the quoted addresses and
   * ports.
   */
  void handleIcmpError(IpDatagram ip, IcmpMessage message, IcmpQuote quote, long now);
}
