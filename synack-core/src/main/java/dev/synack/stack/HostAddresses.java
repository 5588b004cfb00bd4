package dev.synack.stack;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The addresses a host answers to, and which of them a packet may be for: one of them, or, in
 * any-destination mode ({@link HostConfig#anyDestination()}), any unicast address at all.
 */
final class HostAddresses {
  private final String hostName;
  private final boolean anyDestination;
  private final List<InetAddress> addresses = new ArrayList<>(2);

  HostAddresses(String hostName, boolean anyDestination) {
    this.hostName = hostName;
    this.anyDestination = anyDestination;
  }

  void add(InetAddress address) {
    if (!addresses.contains(address)) addresses.add(address);
  }

  List<InetAddress> list() {
    return List.copyOf(addresses);
  }

  /**
   * Returns whether a packet to {@code destination} is taken in. In any-destination mode every
   * unicast address is (gVisor's promiscuous NIC, smoltcp's {@code any_ip}); multicast, the
   * unspecified address and IPv4's limited broadcast are not, since no connection can be for them.
   */
  boolean accepts(InetAddress destination) {
    if (addresses.contains(destination)) return true;
    if (!anyDestination) return false;
    if (destination.isMulticastAddress() || destination.isAnyLocalAddress()) return false;
    byte[] a = destination.getAddress();
    return !(a.length == 4 && (a[0] & a[1] & a[2] & a[3]) == (byte) 0xff);
  }

  /** Returns the host's first address of {@code remote}'s family, the source of an active open. */
  InetAddress sourceFor(InetAddress remote) {
    boolean v4 = remote instanceof Inet4Address;
    for (InetAddress a : addresses) {
      if ((a instanceof Inet4Address) == v4) return a;
    }
    throw new IllegalStateException(
        "host "
            + hostName
            + " has no "
            + (v4 ? "IPv4" : "IPv6")
            + " address to reach "
            + remote.getHostAddress());
  }

  /**
   * Returns the host's own instance of {@code address}, or {@code address} if it is none of them.
   */
  InetAddress own(InetAddress address) {
    for (InetAddress a : addresses) {
      if (a.equals(address)) return a;
    }
    return address;
  }
}
