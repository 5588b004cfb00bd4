package dev.synack.link;

import static dev.synack.link.LinuxSyscalls.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * The kernel's side of a network device, such as the TUN device synack sits behind: gives it an
 * address and brings it up, as {@code ip addr add ADDRESS/PREFIX dev NAME} and {@code ip link set
 * NAME up} would, through the classic interface ioctls on a datagram socket, so no outside tool is
 * needed. The kernel then routes the prefix to the device, and synack's address inside it is
 * reachable.
 *
 * <p>Needs {@code CAP_NET_ADMIN}. Acts in the network namespace of the calling thread.
 */
public final class KernelInterface {
  private KernelInterface() {}

  /**
   * Gives {@code device} the address {@code address} with a prefix of {@code prefixLength} bits; an
   * address the device has already is left as it is, so that a persistent device can be set up
   * again. An IPv4 device has one primary address, which this sets (replacing one set before); IPv6
   * addresses add up.
   *
   * @throws IOException with one line saying what is wrong (no such device, no permission)
   */
  public static void addAddress(String device, InetAddress address, int prefixLength)
      throws IOException {
    boolean v4 = address instanceof Inet4Address;
    int maxPrefix = v4 ? 32 : 128;
    if (prefixLength < 0 || prefixLength > maxPrefix) {
      throw new IllegalArgumentException(
          "prefix length must be 0.." + maxPrefix + ": " + prefixLength);
    }
    byte[] name = TunLink.checkName(device);
    String what =
        "give " + device + " the address " + address.getHostAddress() + "/" + prefixLength;
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CALL_STATE_SIZE, 8);
      int sock = socket(state, v4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      if (sock < 0) throw failure("cannot open a socket to " + what, errno(state));
      try {
        if (v4) {
          // SIOCSIFADDR gives the address a classful (or, on a point-to-point device, /32) prefix;
          // SIOCSIFNETMASK then sets the one asked for, and the kernel adds the prefix route.
          ioctlOrThrow(
              state,
              sock,
              SIOCSIFADDR,
              ifreqWithAddress(arena, name, address.getAddress()),
              device,
              what);
          byte[] mask = netmask(prefixLength);
          ioctlOrThrow(
              state, sock, SIOCSIFNETMASK, ifreqWithAddress(arena, name, mask), device, what);
        } else {
          MemorySegment in6 = arena.allocate(IN6_IFREQ_SIZE, 8);
          MemorySegment.copy(address.getAddress(), 0, in6, JAVA_BYTE, 0, 16);
          in6.set(JAVA_INT, IN6_IFREQ_PREFIXLEN_OFFSET, prefixLength);
          in6.set(
              JAVA_INT, IN6_IFREQ_IFINDEX_OFFSET, index(arena, state, sock, name, device, what));
          if (ioctl(state, sock, SIOCSIFADDR, in6) < 0 && errno(state) != EEXIST) {
            throw failure(device, what, errno(state));
          }
        }
      } finally {
        LinuxSyscalls.close(sock);
      }
    }
  }

  /**
   * Brings {@code device} up (IFF_UP), as {@code ip link set NAME up}; does nothing if it is up.
   */
  public static void up(String device) throws IOException {
    byte[] name = TunLink.checkName(device);
    String what = "bring " + device + " up";
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CALL_STATE_SIZE, 8);
      int sock = socket(state, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      if (sock < 0) throw failure("cannot open a socket to " + what, errno(state));
      try {
        MemorySegment ifr = ifreq(arena, name);
        ioctlOrThrow(state, sock, SIOCGIFFLAGS, ifr, device, what);
        short flags = ifr.get(JAVA_SHORT, IFR_FLAGS_OFFSET);
        if ((flags & IFF_UP) != 0) return;
        ifr.set(JAVA_SHORT, IFR_FLAGS_OFFSET, (short) (flags | IFF_UP));
        ioctlOrThrow(state, sock, SIOCSIFFLAGS, ifr, device, what);
      } finally {
        LinuxSyscalls.close(sock);
      }
    }
  }

  /**
   * Sets the length of {@code device}'s transmit queue in packets, as {@code ip link set NAME
   * txqueuelen LENGTH}. For a TUN device this is the queue of packets the kernel has routed to the
   * device and its reader has not read yet: a burst longer than it is dropped.
   */
  public static void setTxQueueLength(String device, int length) throws IOException {
    if (length < 0) throw new IllegalArgumentException("queue length must be >= 0: " + length);
    byte[] name = TunLink.checkName(device);
    String what = "set the queue length of " + device + " to " + length;
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CALL_STATE_SIZE, 8);
      int sock = socket(state, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      if (sock < 0) throw failure("cannot open a socket to " + what, errno(state));
      try {
        MemorySegment ifr = ifreq(arena, name);
        ifr.set(JAVA_INT, IFR_QLEN_OFFSET, length);
        ioctlOrThrow(state, sock, SIOCSIFTXQLEN, ifr, device, what);
      } finally {
        LinuxSyscalls.close(sock);
      }
    }
  }

  /**
   * Returns the length of {@code device}'s transmit queue in packets ({@code ip link}'s {@code
   * qlen}).
   */
  public static int txQueueLength(String device) throws IOException {
    byte[] name = TunLink.checkName(device);
    String what = "read the queue length of " + device;
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CALL_STATE_SIZE, 8);
      int sock = socket(state, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      if (sock < 0) throw failure("cannot open a socket to " + what, errno(state));
      try {
        MemorySegment ifr = ifreq(arena, name);
        ioctlOrThrow(state, sock, SIOCGIFTXQLEN, ifr, device, what);
        return ifr.get(JAVA_INT, IFR_QLEN_OFFSET);
      } finally {
        LinuxSyscalls.close(sock);
      }
    }
  }

  /** Returns the network mask of a prefix of {@code bits} bits, as four bytes. */
  static byte[] netmask(int bits) {
    int mask = bits == 0 ? 0 : -1 << (32 - bits);
    return new byte[] {
      (byte) (mask >>> 24), (byte) (mask >>> 16), (byte) (mask >>> 8), (byte) mask
    };
  }

  private static int index(
      Arena arena, MemorySegment state, int sock, byte[] name, String device, String what)
      throws IOException {
    MemorySegment ifr = ifreq(arena, name);
    ioctlOrThrow(state, sock, SIOCGIFINDEX, ifr, device, what);
    return ifr.get(JAVA_INT, IFR_IFINDEX_OFFSET);
  }

  private static MemorySegment ifreq(Arena arena, byte[] name) {
    MemorySegment ifr = arena.allocate(IFREQ_SIZE, 8);
    MemorySegment.copy(name, 0, ifr, JAVA_BYTE, 0, name.length);
    return ifr;
  }

  /** Returns an ifreq naming the device, whose union holds a sockaddr_in with {@code ipv4}. */
  private static MemorySegment ifreqWithAddress(Arena arena, byte[] name, byte[] ipv4) {
    MemorySegment ifr = ifreq(arena, name);
    ifr.set(JAVA_SHORT, IFR_ADDR_OFFSET, (short) AF_INET);
    MemorySegment.copy(ipv4, 0, ifr, JAVA_BYTE, IFR_ADDR_OFFSET + SOCKADDR_IN_ADDR_OFFSET, 4);
    return ifr;
  }

  private static void ioctlOrThrow(
      MemorySegment state, int sock, long request, MemorySegment arg, String device, String what)
      throws IOException {
    if (ioctl(state, sock, request, arg) < 0) throw failure(device, what, errno(state));
  }

  /** Explains a failed ioctl in one line. */
  private static IOException failure(String device, String what, int errno) {
    return switch (errno) {
      case EPERM, EACCES ->
          new IOException(
              "synack: needs CAP_NET_ADMIN to " + what + " (run as root or grant the capability)");
      case ENODEV, ENXIO ->
          new IOException("synack: cannot " + what + ": there is no device " + device);
      default -> failure("cannot " + what, errno);
    };
  }

  private static IOException failure(String what, int errno) {
    return new IOException("synack: " + what + ": " + strerror(errno) + " (errno " + errno + ")");
  }
}
