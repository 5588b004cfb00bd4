package dev.synack.link;

import static dev.synack.link.LinuxSyscalls.AF_INET;
import static dev.synack.link.LinuxSyscalls.AF_INET6;
import static dev.synack.link.LinuxSyscalls.CALL_STATE_SIZE;
import static dev.synack.link.LinuxSyscalls.EAGAIN;
import static dev.synack.link.LinuxSyscalls.EINTR;
import static dev.synack.link.LinuxSyscalls.IPPROTO_ICMP;
import static dev.synack.link.LinuxSyscalls.IPPROTO_ICMPV6;
import static dev.synack.link.LinuxSyscalls.SOCK_CLOEXEC;
import static dev.synack.link.LinuxSyscalls.SOCK_DGRAM;
import static dev.synack.link.LinuxSyscalls.SOCK_NONBLOCK;
import static dev.synack.link.LinuxSyscalls.errno;
import static dev.synack.link.LinuxSyscalls.strerror;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * An unprivileged ICMP echo socket, Linux's "ping socket": {@code socket(AF_INET, SOCK_DGRAM,
 * IPPROTO_ICMP)} (or {@code AF_INET6}, {@code IPPROTO_ICMPV6}), which sends echo requests and
 * receives their replies without raw-socket privileges. The kernel sets the echo identifier (the
 * socket's own, as a UDP port) and the checksum, and gives each socket the replies to its
 * identifier.
 *
 * <p>Linux allows these sockets only to processes whose group is in {@code
 * net.ipv4.ping_group_range} (per network namespace; the kernel's default "1 0" allows nobody, root
 * included): otherwise {@link #open} fails with {@link NotPermitted}. Non-blocking; one thread at a
 * time. Wait for replies with {@link IcmpPoller}.
 */
public final class IcmpSocket implements AutoCloseable {
  private static final int ECHO_REQUEST_V4 = 8;
  private static final int ECHO_REPLY_V4 = 0;
  private static final int ECHO_REQUEST_V6 = 128;
  private static final int ECHO_REPLY_V6 = 129;
  private static final int HEADER = 8;
  private static final int MAX_MESSAGE = 65536;
  private static final ValueLayout.OfShort SHORT_BE = JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN);

  /**
   * Opening failed because this process may not have ICMP sockets ({@code
   * net.ipv4.ping_group_range}).
   */
  public static final class NotPermitted extends IOException {
    NotPermitted(String message) {
      super(message);
    }
  }

  /**
   * An echo reply received: its source, sequence number and data (the identifier is the socket's).
   */
  public record EchoReply(InetAddress source, int sequenceNumber, byte[] data) {}

  private final int fd;
  private final boolean ipv6;
  private final Arena arena = Arena.ofShared();
  private final MemorySegment state = arena.allocate(CALL_STATE_SIZE);
  private final MemorySegment buffer = arena.allocate(MAX_MESSAGE);
  private final MemorySegment address = arena.allocate(28);
  private final MemorySegment addressLength = arena.allocate(JAVA_INT);
  private boolean closed;

  private IcmpSocket(int fd, boolean ipv6) {
    this.fd = fd;
    this.ipv6 = ipv6;
  }

  /** Opens an ICMP echo socket of the family of IPv6 ({@code ipv6}) or IPv4. */
  public static IcmpSocket open(boolean ipv6) throws IOException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CALL_STATE_SIZE);
      int fd =
          LinuxSyscalls.socket(
              st,
              ipv6 ? AF_INET6 : AF_INET,
              SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
              ipv6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
      if (fd < 0) {
        int errno = errno(st);
        if (errno == LinuxSyscalls.EACCES || errno == LinuxSyscalls.EPERM) {
          throw new NotPermitted(
              "synack: unprivileged ICMP sockets are not allowed for this process's group"
                  + " (sysctl net.ipv4.ping_group_range): "
                  + strerror(errno));
        }
        throw new IOException(
            "synack: cannot open an ICMP" + (ipv6 ? "v6" : "") + " socket: " + strerror(errno));
      }
      return new IcmpSocket(fd, ipv6);
    }
  }

  /** Returns whether this is an ICMPv6 socket. */
  public boolean ipv6() {
    return ipv6;
  }

  int fd() {
    return fd;
  }

  /**
   * Sends an echo request to {@code destination} with {@code sequenceNumber} and the bytes of
   * {@code data} from its position to its limit (the position does not move). Returns false when
   * the socket's send buffer is full (the request is dropped, as the wire may drop it).
   */
  public synchronized boolean sendEcho(InetAddress destination, int sequenceNumber, ByteBuffer data)
      throws IOException {
    if (closed) throw new IOException("synack: ICMP socket closed");
    if ((destination instanceof Inet4Address) == ipv6)
      throw new IllegalArgumentException("address family mismatch: " + destination);
    int length = HEADER + data.remaining();
    if (length > MAX_MESSAGE)
      throw new IllegalArgumentException("echo data too long: " + data.remaining());
    buffer.set(JAVA_BYTE, 0, (byte) (ipv6 ? ECHO_REQUEST_V6 : ECHO_REQUEST_V4));
    buffer.set(JAVA_BYTE, 1, (byte) 0);
    buffer.set(SHORT_BE, 2, (short) 0);
    buffer.set(SHORT_BE, 4, (short) 0); // The kernel writes the socket's identifier.
    buffer.set(SHORT_BE, 6, (short) sequenceNumber);
    MemorySegment.copy(MemorySegment.ofBuffer(data), 0, buffer, HEADER, data.remaining());
    int addressSize = writeAddress(destination);
    long n;
    do {
      n = LinuxSyscalls.sendto(state, fd, buffer, length, address, addressSize);
    } while (n < 0 && errno(state) == EINTR);
    if (n < 0) {
      int errno = errno(state);
      if (errno == EAGAIN) return false;
      throw new IOException(
          "synack: ICMP send to " + destination.getHostAddress() + " failed: " + strerror(errno));
    }
    return true;
  }

  /** Returns the next echo reply waiting, or null when none is; other ICMP messages are skipped. */
  public synchronized EchoReply receiveEcho() throws IOException {
    if (closed) return null;
    while (true) {
      addressLength.set(JAVA_INT, 0, (int) address.byteSize());
      long n = LinuxSyscalls.recvfrom(state, fd, buffer, MAX_MESSAGE, address, addressLength);
      if (n < 0) {
        int errno = errno(state);
        if (errno == EINTR) continue;
        if (errno == EAGAIN) return null;
        throw new IOException("synack: ICMP receive failed: " + strerror(errno));
      }
      if (n < HEADER) continue;
      int type = buffer.get(JAVA_BYTE, 0) & 0xff;
      if (type != (ipv6 ? ECHO_REPLY_V6 : ECHO_REPLY_V4)) continue;
      byte[] data = buffer.asSlice(HEADER, n - HEADER).toArray(JAVA_BYTE);
      return new EchoReply(readAddress(), buffer.get(SHORT_BE, 6) & 0xffff, data);
    }
  }

  /**
   * Writes a {@code sockaddr_in} or {@code sockaddr_in6} for {@code a}, port 0; returns its size.
   */
  private int writeAddress(InetAddress a) {
    address.fill((byte) 0);
    address.set(JAVA_SHORT, 0, (short) (ipv6 ? AF_INET6 : AF_INET));
    byte[] bytes = a.getAddress();
    MemorySegment.copy(MemorySegment.ofArray(bytes), 0, address, ipv6 ? 8 : 4, bytes.length);
    return ipv6 ? 28 : 16;
  }

  private InetAddress readAddress() {
    try {
      return InetAddress.getByAddress(
          address.asSlice(ipv6 ? 8 : 4, ipv6 ? 16 : 4).toArray(JAVA_BYTE));
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e); // Four or sixteen bytes always make an address.
    }
  }

  /** Closes the socket; closing twice does nothing. */
  @Override
  public synchronized void close() {
    if (closed) return;
    closed = true;
    LinuxSyscalls.close(fd);
    arena.close();
  }
}
