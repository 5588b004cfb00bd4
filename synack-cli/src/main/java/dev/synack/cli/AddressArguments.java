package dev.synack.cli;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * AddressArguments as the command line gives them: IP literals ({@code 10.0.0.2}, {@code fd00::2}) and
 * endpoints ({@code 127.0.0.1:9000}, {@code [::1]:9000}). Host names are refused: resolving them
 * would ask a network synack does not control, and a mistyped name should fail at once.
 */
final class AddressArguments {
  private AddressArguments() {}

  /** Parses an IP address literal given to {@code option}; a bad one is a {@link Main.UsageError}. */
  static InetAddress literal(String option, String text) {
    try {
      return InetAddress.ofLiteral(text);
    } catch (IllegalArgumentException e) {
      throw new Main.UsageError(option + " must be an IP address, as 10.0.0.2 or fd00::2: " + text);
    }
  }

  /**
   * Parses {@code ADDR:PORT} (an IPv6 address in brackets) given to {@code option}, with a port
   * from {@code lowestPort} (0 lets the kernel pick one) to 65535; a bad one is a {@link Main.UsageError}.
   */
  static InetSocketAddress endpoint(String option, String text, int lowestPort) {
    int colon = text.lastIndexOf(':');
    String host = colon < 0 ? "" : text.substring(0, colon);
    boolean bracketed = host.startsWith("[") && host.endsWith("]");
    if (colon < 0 || host.isEmpty() || (host.contains(":") && !bracketed)) {
      throw new Main.UsageError(option + " must be ADDR:PORT, as 127.0.0.1:9000 or [::1]:9000: " + text);
    }
    InetAddress address;
    try {
      address = InetAddress.ofLiteral(bracketed ? host.substring(1, host.length() - 1) : host);
    } catch (IllegalArgumentException e) {
      throw new Main.UsageError(option + " must be ADDR:PORT with an IP address, as 127.0.0.1:9000 or [::1]:9000: "
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
