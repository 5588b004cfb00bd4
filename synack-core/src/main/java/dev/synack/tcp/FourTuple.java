package dev.synack.tcp;

import dev.synack.wire.Addresses;
import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * A connection's identity (RFC 9293 §3.3.1 "socket pair"), as seen from the local host. The remote
 * end of a passive open may be unspecified: a {@code null} address and port 0.
 *
 * @param localAddress the local IP address
 * @param localPort the local port, 0 to 65535
 * @param remoteAddress the remote IP address, or {@code null} for "any" (LISTEN only)
 * @param remotePort the remote port, 0 for "any"
 */
public record FourTuple(
    InetAddress localAddress, int localPort, InetAddress remoteAddress, int remotePort) {
  public FourTuple {
    if (localAddress == null) throw new IllegalArgumentException("local address is null");
    if ((localPort & ~0xffff) != 0)
      throw new IllegalArgumentException("local port out of range: " + localPort);
    if ((remotePort & ~0xffff) != 0)
      throw new IllegalArgumentException("remote port out of range: " + remotePort);
  }

  /**
   * Returns whether this is the tuple of these addresses and ports, without making one to compare
   * with.
   */
  public boolean matches(
      InetAddress local, int localPortNumber, InetAddress remote, int remotePortNumber) {
    return localPort == localPortNumber
        && remotePort == remotePortNumber
        && localAddress.equals(local)
        && remoteAddress != null
        && remoteAddress.equals(remote);
  }

  /** Returns whether the remote address or port is unspecified ("any"). */
  public boolean isRemoteWildcard() {
    return remoteAddress == null || remotePort == 0;
  }

  /** Returns whether the connection runs over IPv6. */
  public boolean isIpv6() {
    return localAddress instanceof Inet6Address;
  }

  /** Returns this tuple with another remote end, as LISTEN fills in the foreign socket. */
  public FourTuple withRemote(InetAddress address, int port) {
    return new FourTuple(localAddress, localPort, address, port);
  }

  /**
   * Returns the trace's {@code conn}: {@code "10.0.0.1:40000-10.0.0.2:80"}, IPv6 addresses in
   * brackets ({@code "[::1]:80"}), {@code *} for an unspecified address or port.
   */
  @Override
  public String toString() {
    return endpoint(localAddress, localPort) + "-" + endpoint(remoteAddress, remotePort);
  }

  private static String endpoint(InetAddress address, int port) {
    if (address == null) return port == 0 ? "*:*" : "*:" + port;
    return Addresses.endpoint(address, port);
  }
}
