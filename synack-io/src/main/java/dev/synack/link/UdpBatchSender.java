package dev.synack.link;

import static dev.synack.link.LinuxSyscalls.*;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Sends a UDP link's packets {@value #BATCH} to a system call with {@code sendmmsg(2)}, as quinn
 * and the kernel's own tunnels do, on the socket of the link's channel: the JDK gives no access to
 * a channel's descriptor, so this finds it among the process's descriptors by its bound address and
 * type ({@code getsockname}, {@code SO_TYPE}) and keeps a duplicate, which shares the socket and
 * its non-blocking mode. Where libc or the kernel lacks {@code sendmmsg}, the socket cannot be
 * found, or the module has no native access, there is no batch sender and the link sends one
 * datagram a call.
 *
 * <p>Packets are copied into off-heap slots of the MTU's size; each message is one datagram. Calls
 * and close are serialised by a lock (close may come from another thread).
 */
final class UdpBatchSender implements AutoCloseable {
  /** Datagrams per {@code sendmmsg} call. */
  static final int BATCH = 64;

  private static final int SOL_SOCKET = 1;
  private static final int SO_TYPE = 3;
  private static final int F_DUPFD_CLOEXEC = 1030;
  private static final int ECONNREFUSED = 111;
  private static final int SOCKADDR_SIZE = 28;

  /** What one call did: {@code sent} datagrams taken, or none and the {@code errno} why. */
  record Outcome(int sent, int errno) {}

  private final int fd;
  private final int slot;
  private final Arena arena = Arena.ofShared();
  private final MemorySegment data;
  private final MemorySegment iovecs;
  private final MemorySegment msgs;
  private final MemorySegment name;
  private final MemorySegment state;
  private final ReentrantLock lock = new ReentrantLock();

  /** Calls made and datagrams they carried, under {@link #lock}. */
  private long calls;

  private long datagrams;
  private boolean closed;

  private UdpBatchSender(int fd, int mtu) {
    this.fd = fd;
    this.slot = mtu;
    this.data = arena.allocate((long) BATCH * mtu, 64);
    this.iovecs = arena.allocate(BATCH * IOVEC_SIZE, 8);
    this.msgs = arena.allocate(BATCH * MMSGHDR_SIZE, 8);
    this.name = arena.allocate(SOCKADDR_SIZE, 8);
    this.state = arena.allocate(CALL_STATE_SIZE, 8);
    for (int i = 0; i < BATCH; i++) {
      long m = i * MMSGHDR_SIZE;
      msgs.set(ADDRESS, m + MSGHDR_IOV_OFFSET, iovecs.asSlice(i * IOVEC_SIZE, IOVEC_SIZE));
      msgs.set(JAVA_LONG, m + MSGHDR_IOVLEN_OFFSET, 1L);
    }
  }

  /**
   * Returns a batch sender on the datagram socket bound to {@code local} (the link's channel, or
   * another of its {@code SO_REUSEPORT} group: the datagrams leave from the same address), or null
   * when sendmmsg is missing or the socket cannot be found.
   */
  static UdpBatchSender find(InetSocketAddress local, int mtu) {
    // A JVM that did not grant this module native access (a program run on the class path by
    // synack run) would print the JDK's warning on first use: it sends one datagram a call instead.
    if (!UdpBatchSender.class.getModule().isNativeAccessEnabled() || !hasSendmmsg()) return null;
    try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
      for (Path p : fds) {
        String target;
        try {
          target = Files.readSymbolicLink(p).toString();
        } catch (IOException e) {
          continue; // closed since it was listed
        }
        if (!target.startsWith("socket:")) continue;
        int fd;
        try {
          fd = Integer.parseInt(p.getFileName().toString());
        } catch (NumberFormatException e) {
          continue;
        }
        if (!isDatagramSocketAt(fd, local)) continue;
        KernelSockets.Result dup = KernelSockets.fcntl(fd, F_DUPFD_CLOEXEC, 0);
        if (dup.failed()) continue;
        int copy = (int) dup.value();
        // The number may have been reused between the look and the copy: the copy is checked again.
        if (isDatagramSocketAt(copy, local)) return new UdpBatchSender(copy, mtu);
        KernelSockets.close(copy);
      }
    } catch (IOException | RuntimeException | UnsatisfiedLinkError e) {
      return null; // No /proc, or no native access: one datagram a call.
    }
    return null;
  }

  private static boolean isDatagramSocketAt(int fd, InetSocketAddress local) {
    if (!local.equals(KernelSockets.localAddress(fd))) return false;
    byte[] type = new byte[4];
    return !KernelSockets.getsockopt(fd, SOL_SOCKET, SO_TYPE, type).failed()
        && KernelSockets.intAt(type, 0) == SOCK_DGRAM;
  }

  /**
   * Sends {@code packets[offset, offset + count)} (count at most {@value #BATCH}) as one datagram
   * each, to {@code to}, or to the connected peer when {@code to} is null; the datagrams taken have
   * their position moved to their limit.
   */
  Outcome send(ByteBuffer[] packets, int offset, int count, InetSocketAddress to) {
    if (count < 1 || count > BATCH)
      throw new IllegalArgumentException("count must be 1.." + BATCH + ": " + count);
    lock.lock();
    try {
      if (closed) return new Outcome(0, EBADFD);
      int nameLength = to == null ? 0 : sockaddr(to);
      for (int i = 0; i < count; i++) {
        ByteBuffer p = packets[offset + i];
        int length = p.remaining();
        MemorySegment at = data.asSlice((long) i * slot, slot);
        MemorySegment.copy(MemorySegment.ofBuffer(p), 0, at, 0, length);
        iovec(iovecs, i, at, length);
        long m = i * MMSGHDR_SIZE;
        msgs.set(ADDRESS, m + MSGHDR_NAME_OFFSET, to == null ? MemorySegment.NULL : name);
        msgs.set(JAVA_INT, m + MSGHDR_NAMELEN_OFFSET, nameLength);
      }
      int r;
      do {
        r = sendmmsg(state, fd, msgs, count);
      } while (r < 0 && errno(state) == EINTR);
      if (r < 0) return new Outcome(0, errno(state));
      calls++;
      datagrams += r;
      for (int i = 0; i < r; i++) packets[offset + i].position(packets[offset + i].limit());
      return new Outcome(r, 0);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Returns whether {@code errno} says the peer's port was unreachable (an earlier datagram's ICMP
   * error).
   */
  static boolean unreachable(int errno) {
    return errno == ECONNREFUSED;
  }

  /**
   * Returns whether {@code errno} says the socket's buffer is full: the datagrams are dropped, as a
   * busy wire drops them.
   */
  static boolean full(int errno) {
    return errno == EAGAIN || errno == ENOBUFS;
  }

  /** Returns {calls, datagrams} sent so far: how many datagrams each system call carried. */
  long[] counts() {
    lock.lock();
    try {
      return new long[] {calls, datagrams};
    } finally {
      lock.unlock();
    }
  }

  /** Writes {@code to} as a sockaddr_in or sockaddr_in6 into {@link #name}; returns its length. */
  private int sockaddr(InetSocketAddress to) {
    boolean v4 = to.getAddress() instanceof Inet4Address;
    name.fill((byte) 0);
    name.set(JAVA_SHORT, 0, (short) (v4 ? AF_INET : AF_INET6));
    name.set(JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN), 2, (short) to.getPort());
    byte[] a = to.getAddress().getAddress();
    MemorySegment.copy(a, 0, name, JAVA_BYTE, v4 ? 4 : 8, a.length);
    return v4 ? 16 : SOCKADDR_SIZE;
  }

  @Override
  public void close() {
    lock.lock();
    try {
      if (closed) return;
      closed = true;
      LinuxSyscalls.close(fd);
      arena.close();
    } finally {
      lock.unlock();
    }
  }
}
