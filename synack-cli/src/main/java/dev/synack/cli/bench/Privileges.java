package dev.synack.cli.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

/** What this process may do: the TUN figures need root (namespaces, devices), the rest does not. */
final class Privileges {
  /**
   * CAP_NET_ADMIN (devices, addresses) and CAP_SYS_ADMIN (namespaces, setns), from
   * linux/capability.h.
   */
  private static final int CAP_NET_ADMIN = 12;

  private static final int CAP_SYS_ADMIN = 21;

  private Privileges() {}

  /** Returns whether the process has CAP_NET_ADMIN and CAP_SYS_ADMIN. */
  static boolean isRoot() {
    long caps = effectiveCapabilities();
    return (caps & (1L << CAP_NET_ADMIN)) != 0 && (caps & (1L << CAP_SYS_ADMIN)) != 0;
  }

  /** Returns why the TUN figures cannot be measured here, or empty when they can. */
  static Optional<String> tunMissing() {
    if (!isRoot())
      return Optional.of(
          "not root: needs CAP_NET_ADMIN and CAP_SYS_ADMIN for TUN devices and namespaces");
    if (!Files.exists(Path.of("/dev/net/tun")))
      return Optional.of("/dev/net/tun is missing (modprobe tun)");
    if (Netns.ipCommand().isEmpty()) return Optional.of("ip is not installed (install iproute2)");
    return Optional.empty();
  }

  /** Reads the CapEff mask of this process from /proc/self/status (0 where there is no /proc). */
  private static long effectiveCapabilities() {
    try (Stream<String> lines = Files.lines(Path.of("/proc/self/status"))) {
      return lines
          .filter(l -> l.startsWith("CapEff:"))
          .findFirst()
          .map(l -> Long.parseUnsignedLong(l.substring("CapEff:".length()).strip(), 16))
          .orElse(0L);
    } catch (IOException | UncheckedIOException | NumberFormatException e) {
      return 0;
    }
  }
}
