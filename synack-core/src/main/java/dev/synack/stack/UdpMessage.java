package dev.synack.stack;

import dev.synack.wire.Addresses;
import java.net.InetAddress;

/**
 * A UDP datagram received by a {@link UdpEndpoint}, with both ends' addresses: the local one is
 * where the peer sent it, which in any-destination mode is the address a reply must come from.
 *
 * @param remoteAddress the sender's address
 * @param remotePort the sender's port
 * @param localAddress the address the datagram was sent to
 * @param localPort the port it was sent to
 * @param payload the data; the receiver owns the array
 */
public record UdpMessage(
    InetAddress remoteAddress,
    int remotePort,
    InetAddress localAddress,
    int localPort,
    byte[] payload) {
  @Override
  public String toString() {
    return "UDP "
        + Addresses.endpoint(remoteAddress, remotePort)
        + " > "
        + Addresses.endpoint(localAddress, localPort)
        + ", length "
        + payload.length;
  }
}
