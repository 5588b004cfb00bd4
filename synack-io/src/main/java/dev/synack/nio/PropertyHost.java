package dev.synack.nio;

import dev.synack.link.KernelInterface;
import dev.synack.link.Link;
import dev.synack.link.TunLink;
import dev.synack.link.UdpLink;
import dev.synack.runtime.Stack;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.Properties;

/**
 * The host an unmodified program gets from system properties, started on the first channel that
 * needs it, when no {@link HostScope} default was set ({@code synack run} sets these):
 *
 * <ul>
 *   <li>{@code synack.addr}: synack's own IP address (required);
 *   <li>{@code synack.tun}: a TUN device, the kernel on the other side, and optionally {@code
 *       synack.host-addr} ({@code IP/PREFIX}), the address given to the kernel's side;
 *   <li>or {@code synack.udp} ({@code LOCAL_ADDR:PORT}) and {@code synack.peer} ({@code
 *       REMOTE_ADDR:PORT}): a UDP tunnel to another synack;
 *   <li>{@code synack.loops}: with a TUN device, the number of event loops, each on a queue of the
 *       device (0 for one per processor; 1 by default), over which connections are sharded.
 * </ul>
 *
 * The host is a {@link Stack}, of one loop or several.
 */
final class PropertyHost {
  static final String ADDR = "synack.addr";
  static final String TUN = "synack.tun";
  static final String HOST_ADDR = "synack.host-addr";
  static final String UDP = "synack.udp";
  static final String PEER = "synack.peer";
  static final String LOOPS = "synack.loops";

  private PropertyHost() {}

  /** Returns whether the properties ask for a host. */
  static boolean configured(Properties p) {
    return p.getProperty(TUN) != null || p.getProperty(UDP) != null;
  }

  /**
   * Starts the host the properties describe; its loop runs until the JVM exits.
   *
   * @throws SocketException with one line saying which property is wrong or why the link did not
   *     open
   */
  static HostScope.Binding start(Properties p) throws SocketException {
    String addr = p.getProperty(ADDR);
    if (addr == null)
      throw new SocketException("synack: " + ADDR + " is not set (synack's own IP address)");
    try {
      InetAddress address = literal(ADDR, addr);
      int loops = loops(p);
      Stack.Builder builder = Stack.builder().name("synack").address(address);
      Stack stack;
      if (loops != 1) {
        stack = builder.tun(p.getProperty(TUN)).loops(loops).build();
        if (stack.note() != null)
          System.err.println(
              stack.note()); // fewer loops than asked: the program's user should know
        try {
          configureKernelSide(((TunLink) stack.link(0)).name(), p);
        } catch (IOException | RuntimeException e) {
          stack.close();
          throw e;
        }
      } else {
        stack = builder.link(p.getProperty(TUN) != null ? openTun(p) : openUdp(p)).build();
      }
      return HostScope.Binding.of(stack);
    } catch (IOException | IllegalArgumentException e) {
      throw new SocketException(
          e.getMessage() != null && e.getMessage().startsWith("synack")
              ? e.getMessage()
              : "synack: " + e.getMessage());
    }
  }

  /**
   * Returns the loops {@code synack.loops} asks for: 1 by default, 0 for one per processor; several
   * need a TUN device.
   */
  static int loops(Properties p) {
    String value = p.getProperty(LOOPS);
    if (value == null) return 1;
    int n;
    try {
      n = Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(LOOPS + " is not a number: " + value);
    }
    if (n < 0 || n > TunLink.MAX_QUEUES)
      throw new IllegalArgumentException(
          LOOPS + " must be 0.." + TunLink.MAX_QUEUES + ": " + value);
    if (n == 0) n = Runtime.getRuntime().availableProcessors();
    if (n != 1 && p.getProperty(TUN) == null)
      throw new IllegalArgumentException(LOOPS + " above 1 needs " + TUN + " (a queue per loop)");
    return n;
  }

  private static Link openTun(Properties p) throws IOException {
    TunLink tun = TunLink.open(p.getProperty(TUN));
    try {
      configureKernelSide(tun.name(), p);
    } catch (IOException | RuntimeException e) {
      tun.close();
      throw e;
    }
    return tun;
  }

  /**
   * Gives the kernel's side of the device {@code synack.host-addr} and brings it up, if that is
   * set.
   */
  private static void configureKernelSide(String device, Properties p) throws IOException {
    String hostAddr = p.getProperty(HOST_ADDR);
    if (hostAddr == null) return;
    int slash = hostAddr.indexOf('/');
    if (slash < 0)
      throw new IllegalArgumentException(
          HOST_ADDR + " needs a prefix length, as 10.0.0.1/24: " + hostAddr);
    KernelInterface.addAddress(
        device,
        literal(HOST_ADDR, hostAddr.substring(0, slash)),
        Integer.parseInt(hostAddr.substring(slash + 1)));
    KernelInterface.up(device);
  }

  private static Link openUdp(Properties p) throws IOException {
    String peer = p.getProperty(PEER);
    return UdpLink.open(
        endpoint(UDP, p.getProperty(UDP)), peer == null ? null : endpoint(PEER, peer));
  }

  private static InetSocketAddress endpoint(String name, String value) {
    int colon = value.lastIndexOf(':');
    if (colon < 0) throw new IllegalArgumentException(name + " needs ADDR:PORT: " + value);
    String host = value.substring(0, colon).replace("[", "").replace("]", "");
    try {
      return new InetSocketAddress(
          literal(name, host), Integer.parseInt(value.substring(colon + 1)));
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
