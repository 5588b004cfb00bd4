package dev.synack.nio;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.UnsupportedAddressTypeException;

/** The checks the JDK's channels make on the addresses they are given. */
final class SocketAddresses {
  private SocketAddresses() {}

  /**
   * Returns {@code a} as a resolved {@link InetSocketAddress}, or throws as the JDK's channels do.
   */
  static InetSocketAddress check(SocketAddress a) {
    if (a == null) throw new NullPointerException("address");
    if (!(a instanceof InetSocketAddress isa)) throw new UnsupportedAddressTypeException();
    if (isa.isUnresolved()) throw new UnresolvedAddressException();
    return isa;
  }
}
