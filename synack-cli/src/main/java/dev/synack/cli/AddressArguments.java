package dev.synack.cli;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * AddressArguments as the command line gives them: IP literals ({@code 10.0.0.2}, {@code fd00::2})
 * and endpoints ({@code 127.0.0.1:9000}, {@code [::1]:9000}). Host names are refused: resolving
 * them would ask a network synack does not control, and a mistyped name should fail at once.
 */
final class AddressArguments {
  private AddressArguments() {}

  /**
   * Parses an IP address literal given to {@code option}; a bad one is a {@link Main.UsageError}.
   */
  static InetAddress literal(String option, String text) {
    try {
      return InetAddress.ofLiteral(text);
    } catch (IllegalArgumentException e) {
      throw new Main.UsageError(option + " must be an IP address, as 10.0.0.2 or fd00::2: " + text);
    }
  }

  /**
   * Checks that {@code address}, given to {@code option} as a host's own address, is one a host can
   * own on a link: not the unspecified address, loopback, multicast or the limited broadcast.
   *
   * @throws Main.UsageError naming the option, the address and what kind of address it is
   */
  static void own(String option, InetAddress address) {
    String kind = notUnicast(address);
    if (kind != null) {
      throw new Main.UsageError(
          option
              + " "
              + dev.synack.wire.Addresses.text(address)
              + " is "
              + kind
              + ": a host cannot own it (give a unicast address, as 10.0.0.2 or fd00::2)");
    }
  }

  /**
   * Checks that {@code address}, given to {@code option} as the peer of a connection, can be one:
   * TCP connects only to one unicast host (RFC 1122 §4.2.3.10: a SYN to a broadcast or multicast
   * address is dropped), and loopback never leaves the host (RFC 1122 §3.2.1.3 (g)).
   *
   * @throws Main.UsageError naming the option, the address and what kind of address it is
   */
  static void peer(String option, InetAddress address) {
    String kind = notUnicast(address);
    if (kind != null) {
      throw new Main.UsageError(
          option
              + " "
              + dev.synack.wire.Addresses.text(address)
              + " is "
              + kind
              + ": TCP connects to one unicast host on the link");
    }
  }

  /**
   * Returns what kind of address {@code a} is when it is not a unicast one a host may own, else
   * null.
   */
  private static String notUnicast(InetAddress a) {
    // RFC 1122 §3.2.1.3: 0.0.0.0/8 is "this network" (a source during bootstrap only), 127/8
    // loopback,
    // 255.255.255.255 the limited broadcast; RFC 4291 §2.5.2, 2.5.3, 2.7 for ::, ::1 and ff00::/8.
    byte[] b = a.getAddress();
    if (a.isAnyLocalAddress()) return "the unspecified address";
    if (a.isLoopbackAddress()) return "a loopback address";
    if (a.isMulticastAddress()) return "a multicast address";
    if (b.length == 4
        && (b[0] & 0xff) == 255
        && (b[1] & 0xff) == 255
        && (b[2] & 0xff) == 255
        && (b[3] & 0xff) == 255) {
      return "the limited broadcast address";
    }
    if (b.length == 4 && b[0] == 0)
      return "in 0.0.0.0/8 (\"this network\", never a host's address)";
    return null;
  }

  /**
   * Parses {@code ADDR:PORT} (an IPv6 address in brackets) given to {@code option}, with a port
   * from {@code lowestPort} (0 lets the kernel pick one) to 65535; a bad one is a {@link
   * Main.UsageError}.
   */
  static InetSocketAddress endpoint(String option, String text, int lowestPort) {
    int colon = text.lastIndexOf(':');
    String host = colon < 0 ? "" : text.substring(0, colon);
    boolean bracketed = host.startsWith("[") && host.endsWith("]");
    if (colon < 0 || host.isEmpty() || (host.contains(":") && !bracketed)) {
      throw new Main.UsageError(
          option + " must be ADDR:PORT, as 127.0.0.1:9000 or [::1]:9000: " + text);
    }
    InetAddress address;
    try {
      address = InetAddress.ofLiteral(bracketed ? host.substring(1, host.length() - 1) : host);
    } catch (IllegalArgumentException e) {
      throw new Main.UsageError(
          option
              + " must be ADDR:PORT with an IP address, as 127.0.0.1:9000 or [::1]:9000: "
              + text);
    }
    int port;
    try {
      port = Integer.parseInt(text.substring(colon + 1));
    } catch (NumberFormatException e) {
      port = -1;
    }
    if (port < lowestPort || port > 65535) {
      throw new Main.UsageError(option + " port must be " + lowestPort + "..65535: " + text);
    }
    return new InetSocketAddress(address, port);
  }
}
