package dev.synack.cli;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;

/** The addresses this machine's kernel already owns, which it would never route to a TUN device. */
final class LocalAddresses {
  private LocalAddresses() {}

  /**
   * Returns the name of the kernel's interface that has {@code address}, or null when none has it
   * (or the interfaces cannot be listed: nothing to warn about then).
   */
  static String interfaceWith(InetAddress address) {
    try {
      NetworkInterface owner = NetworkInterface.getByInetAddress(address);
      return owner == null ? null : owner.getName();
    } catch (SocketException e) {
      return null;
    }
  }

  /**
   * Returns the warning for a synack host on TUN device {@code device} given {@code address}, or
   * null when the kernel does not own that address: a packet to a local address is delivered by the
   * kernel to itself (its local routing table comes first), never through the device.
   */
  static String warningFor(InetAddress address, String device) {
    String owner = interfaceWith(address);
    if (owner == null) return null;
    return "warning: "
        + dev.synack.wire.Addresses.text(address)
        + " is already an address of this machine (on "
        + owner
        + "): the kernel answers it itself and will never route it to "
        + device
        + "; give synack an address no interface has";
  }
}
