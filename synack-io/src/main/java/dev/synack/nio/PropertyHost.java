package dev.synack.nio;

import dev.synack.link.KernelInterface;
import dev.synack.link.Link;
import dev.synack.link.TunLink;
import dev.synack.link.UdpLink;
import dev.synack.runtime.HostDriver;
import dev.synack.stack.Host;
import dev.synack.stack.HostConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.security.SecureRandom;
import java.util.Properties;

/**
 * The host an unmodified program gets from system properties, started on the first channel that
 * needs it, when no {@link HostScope} default was set ({@code synack run} sets these):
 * <ul>
 *   <li>{@code synack.addr}: synack's own IP address (required);</li>
 *   <li>{@code synack.tun}: a TUN device, the kernel on the other side, and optionally
 *       {@code synack.host-addr} ({@code IP/PREFIX}), the address given to the kernel's side;</li>
 *   <li>or {@code synack.udp} ({@code LOCAL_ADDR:PORT}) and {@code synack.peer}
 *       ({@code REMOTE_ADDR:PORT}): a UDP tunnel to another synack.</li>
 * </ul>
 */
final class PropertyHost {
  static final String ADDR = "synack.addr";
  static final String TUN = "synack.tun";
  static final String HOST_ADDR = "synack.host-addr";
  static final String UDP = "synack.udp";
  static final String PEER = "synack.peer";

  private PropertyHost() {}

  /** Returns whether the properties ask for a host. */
  static boolean configured(Properties p) {
    return p.getProperty(TUN) != null || p.getProperty(UDP) != null;
  }

  /**
   * Starts the host the properties describe; its loop runs until the JVM exits.
   *
   * @throws SocketException with one line saying which property is wrong or why the link did not open
   */
  static HostScope.Binding start(Properties p) throws SocketException {
    String addr = p.getProperty(ADDR);
    if (addr == null) throw new SocketException("synack: " + ADDR + " is not set (synack's own IP address)");
    try {
      InetAddress address = literal(ADDR, addr);
      Link link = p.getProperty(TUN) != null ? openTun(p) : openUdp(p);
      Host host = new Host("synack", HostConfig.defaults(new SecureRandom().nextLong()).withMtu(link.mtu()), null);
      host.addAddress(address);
      return new HostScope.Binding(new HostDriver(host, link), host);
    } catch (IOException | IllegalArgumentException e) {
      throw new SocketException(e.getMessage() != null && e.getMessage().startsWith("synack") ? e.getMessage() : "synack: " + e.getMessage());
    }
  }

  private static Link openTun(Properties p) throws IOException {
    TunLink tun = TunLink.open(p.getProperty(TUN));
    String hostAddr = p.getProperty(HOST_ADDR);
    if (hostAddr != null) {
      int slash = hostAddr.indexOf('/');
      if (slash < 0) throw new IllegalArgumentException(HOST_ADDR + " needs a prefix length, as 10.0.0.1/24: " + hostAddr);
      try {
        KernelInterface.addAddress(tun.name(), literal(HOST_ADDR, hostAddr.substring(0, slash)),
            Integer.parseInt(hostAddr.substring(slash + 1)));
        KernelInterface.up(tun.name());
      } catch (IOException | RuntimeException e) {
        tun.close();
        throw e;
      }
    }
    return tun;
  }

  private static Link openUdp(Properties p) throws IOException {
    String peer = p.getProperty(PEER);
    return UdpLink.open(endpoint(UDP, p.getProperty(UDP)), peer == null ? null : endpoint(PEER, peer));
  }

  private static InetSocketAddress endpoint(String name, String value) {
    int colon = value.lastIndexOf(':');
    if (colon < 0) throw new IllegalArgumentException(name + " needs ADDR:PORT: " + value);
    String host = value.substring(0, colon).replace("[", "").replace("]", "");
    try {
      return new InetSocketAddress(literal(name, host), Integer.parseInt(value.substring(colon + 1)));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " has a bad port: " + value);
    }
  }

  private static InetAddress literal(String name, String value) {
    try {
      return InetAddress.ofLiteral(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(name + " is not an IP address: " + value);
    }
  }
}
