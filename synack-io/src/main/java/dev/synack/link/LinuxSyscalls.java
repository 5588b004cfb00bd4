package dev.synack.link;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * Bindings to the few Linux system calls the links need, through the Foreign Function & Memory API;
 * constants are named as in the kernel and libc headers (x86-64 and AArch64 values).
 *
 * <p>Every call that can fail takes a leading {@code state} segment of {@link #CALL_STATE_SIZE}
 * bytes into which the JVM captures {@code errno} right after the call, before anything else can
 * overwrite it; read it with {@link #errno}. A segment must not be shared by two threads calling at
 * the same time.
 */
@SuppressWarnings("restricted") // Native access is this class's purpose; the launcher enables it.
final class LinuxSyscalls {
  // <fcntl.h>
  static final int O_RDWR = 0x0002;
  static final int O_NONBLOCK = 0x0800;
  static final int O_CLOEXEC = 0x8_0000;

  // <errno.h>
  static final int EPERM = 1;
  static final int ENOENT = 2;
  static final int EINTR = 4;
  static final int EIO = 5;
  static final int ENXIO = 6;
  static final int EAGAIN = 11;
  static final int EACCES = 13;
  static final int EBUSY = 16;
  static final int EEXIST = 17;
  static final int ENODEV = 19;
  static final int EINVAL = 22;
  static final int ENOSYS = 38;
  static final int EBADFD = 77;
  static final int ENOBUFS = 105;

  // <linux/if_tun.h>: TUNSETIFF is _IOW('T', 202, int).
  static final long TUNSETIFF = 0x400454caL;
  static final short IFF_TUN = 0x0001;
  static final short IFF_NO_PI = 0x1000;

  /**
   * Each packet read or written is preceded by a {@code struct virtio_net_hdr} ({@link
   * VirtioNetHeader}).
   */
  static final short IFF_VNET_HDR = 0x4000;

  /** {@code <linux/if_tun.h>}: one descriptor per queue of a multiqueue device (Linux 3.8). */
  static final short IFF_MULTI_QUEUE = 0x0100;

  /**
   * {@code _IOW('T', 208, unsigned int)}: the offloads the reader takes, TUN_F_* as the argument's
   * value.
   */
  static final long TUNSETOFFLOAD = 0x400454d0L;

  /**
   * {@code _IOW('T', 220, int)}: the virtio header's fields in little-endian order whatever the
   * machine.
   */
  static final long TUNSETVNETLE = 0x400454dcL;

  /**
   * Partial checksums: the reader completes (or trusts) checksums the kernel left for a device to
   * fill.
   */
  static final int TUN_F_CSUM = 0x01;

  /**
   * TCP segmentation offload for IPv4 and IPv6: the kernel may hand over TCP packets of up to 64
   * KiB.
   */
  static final int TUN_F_TSO4 = 0x02;

  static final int TUN_F_TSO6 = 0x04;

  /** {@code struct iovec}: a base pointer and a length. */
  static final long IOVEC_SIZE = 16;

  // <linux/sockios.h>, <sys/socket.h>
  static final long SIOCGIFFLAGS = 0x8913L;
  static final long SIOCSIFFLAGS = 0x8914L;
  static final long SIOCSIFADDR = 0x8916L;
  static final long SIOCSIFNETMASK = 0x891cL;
  static final long SIOCGIFMTU = 0x8921L;
  static final long SIOCGIFINDEX = 0x8933L;

  /**
   * Reads and sets a device's transmit queue length ({@code ifr_qlen}), what {@code ip link set
   * txqueuelen} sets.
   */
  static final long SIOCGIFTXQLEN = 0x8942L;

  static final long SIOCSIFTXQLEN = 0x8943L;
  static final int AF_INET = 2;
  static final int AF_INET6 = 10;
  static final int SOCK_DGRAM = 2;
  static final int SOCK_CLOEXEC = O_CLOEXEC;
  static final int SOCK_NONBLOCK = O_NONBLOCK;
  // <netinet/in.h>
  static final int IPPROTO_ICMP = 1;
  static final int IPPROTO_ICMPV6 = 58;

  // <net/if.h>: struct ifreq { char ifr_name[IFNAMSIZ]; union { short ifr_flags; int ifr_mtu; ... }
  // }
  static final int IFNAMSIZ = 16;
  static final long IFREQ_SIZE = 40;
  static final long IFR_FLAGS_OFFSET = IFNAMSIZ;
  static final long IFR_MTU_OFFSET = IFNAMSIZ;
  static final long IFR_IFINDEX_OFFSET = IFNAMSIZ;
  static final long IFR_QLEN_OFFSET = IFNAMSIZ;

  /**
   * struct sockaddr_in in the union: sin_family (host order), sin_port, sin_addr (network order).
   */
  static final long IFR_ADDR_OFFSET = IFNAMSIZ;

  static final long SOCKADDR_IN_ADDR_OFFSET = 4;
  // <linux/if.h>
  static final short IFF_UP = 0x0001;

  // <linux/ipv6.h>: struct in6_ifreq { struct in6_addr ifr6_addr; __u32 ifr6_prefixlen; int
  // ifr6_ifindex; }
  static final long IN6_IFREQ_SIZE = 24;
  static final long IN6_IFREQ_PREFIXLEN_OFFSET = 16;
  static final long IN6_IFREQ_IFINDEX_OFFSET = 20;

  // <sys/eventfd.h>
  static final int EFD_NONBLOCK = O_NONBLOCK;
  static final int EFD_CLOEXEC = O_CLOEXEC;

  // <poll.h>: struct pollfd { int fd; short events; short revents; }
  static final long POLLFD_SIZE = 8;
  static final long POLLFD_EVENTS_OFFSET = 4;
  static final long POLLFD_REVENTS_OFFSET = 6;
  static final short POLLIN = 0x0001;
  static final short POLLOUT = 0x0004;
  static final short POLLERR = 0x0008;
  static final short POLLHUP = 0x0010;
  static final short POLLNVAL = 0x0020;

  // <sys/socket.h>: struct msghdr { void *msg_name; socklen_t msg_namelen; struct iovec *msg_iov;
  // size_t msg_iovlen; void *msg_control; size_t msg_controllen; int msg_flags; }, and struct
  // mmsghdr
  // { struct msghdr msg_hdr; unsigned int msg_len; } (LP64: x86-64 and AArch64).
  static final long MSGHDR_NAME_OFFSET = 0;
  static final long MSGHDR_NAMELEN_OFFSET = 8;
  static final long MSGHDR_IOV_OFFSET = 16;
  static final long MSGHDR_IOVLEN_OFFSET = 24;
  static final long MMSGHDR_LEN_OFFSET = 56;
  static final long MMSGHDR_SIZE = 64;
  static final int SOCK_RAW = 3;
  static final int IPPROTO_RAW = 255;

  // <time.h>: struct timespec { time_t tv_sec; long tv_nsec; }
  static final long TIMESPEC_SIZE = 16;

  private static final Linker LINKER = Linker.nativeLinker();
  private static final SymbolLookup LIBC = LINKER.defaultLookup();
  private static final StructLayout STATE_LAYOUT = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      STATE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));

  /** Size in bytes of a segment into which a call captures errno. */
  static final long CALL_STATE_SIZE = STATE_LAYOUT.byteSize();

  private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

  /** int open(const char *pathname, int flags); */
  private static final MethodHandle OPEN =
      downcall("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), CAPTURE_ERRNO);

  /** int close(int fd); */
  private static final MethodHandle CLOSE =
      downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));

  /** ssize_t read(int fd, void *buf, size_t count); */
  private static final MethodHandle READ =
      downcall(
          "read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), CAPTURE_ERRNO);

  /** ssize_t write(int fd, const void *buf, size_t count); */
  private static final MethodHandle WRITE =
      downcall(
          "write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), CAPTURE_ERRNO);

  /** int ioctl(int fd, unsigned long request, ...); called with one pointer argument. */
  private static final MethodHandle IOCTL =
      downcall(
          "ioctl",
          FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS),
          Linker.Option.firstVariadicArg(2),
          CAPTURE_ERRNO);

  /**
   * int ioctl(int fd, unsigned long request, unsigned long arg); for requests that take a value,
   * not a pointer.
   */
  private static final MethodHandle IOCTL_VALUE =
      downcall(
          "ioctl",
          FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG),
          Linker.Option.firstVariadicArg(2),
          CAPTURE_ERRNO);

  /** ssize_t readv(int fd, const struct iovec *iov, int iovcnt); */
  private static final MethodHandle READV =
      downcall(
          "readv", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT), CAPTURE_ERRNO);

  /** ssize_t writev(int fd, const struct iovec *iov, int iovcnt); */
  private static final MethodHandle WRITEV =
      downcall(
          "writev", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT), CAPTURE_ERRNO);

  /**
   * int ppoll(struct pollfd *fds, nfds_t nfds, const struct timespec *tmo_p, const sigset_t
   * *sigmask);
   */
  private static final MethodHandle PPOLL =
      downcall(
          "ppoll",
          FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS),
          CAPTURE_ERRNO);

  /** int eventfd(unsigned int initval, int flags); */
  private static final MethodHandle EVENTFD =
      downcall("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), CAPTURE_ERRNO);

  /** int socket(int domain, int type, int protocol); */
  private static final MethodHandle SOCKET =
      downcall(
          "socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), CAPTURE_ERRNO);

  /**
   * ssize_t sendto(int sockfd, const void *buf, size_t len, int flags, const struct sockaddr
   * *dest_addr, socklen_t addrlen);
   */
  private static final MethodHandle SENDTO =
      downcall(
          "sendto",
          FunctionDescriptor.of(
              JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT),
          CAPTURE_ERRNO);

  /**
   * ssize_t recvfrom(int sockfd, void *buf, size_t len, int flags, struct sockaddr *src_addr,
   * socklen_t *addrlen);
   */
  private static final MethodHandle RECVFROM =
      downcall(
          "recvfrom",
          FunctionDescriptor.of(
              JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS),
          CAPTURE_ERRNO);

  /** int sendmmsg(int sockfd, struct mmsghdr *msgvec, unsigned int vlen, int flags); */
  private static final MethodHandle SENDMMSG =
      LIBC.find("sendmmsg")
          .map(
              symbol ->
                  LINKER.downcallHandle(
                      symbol,
                      FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
                      CAPTURE_ERRNO))
          .orElse(null);

  /** long syscall(long number, ...); called as {@code bpf(int cmd, union bpf_attr *attr, size)}. */
  private static final MethodHandle SYSCALL_BPF =
      downcall(
          "syscall",
          FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT),
          Linker.Option.firstVariadicArg(1),
          CAPTURE_ERRNO);

  /** The bpf(2) system call's number: 321 on x86-64, 280 on AArch64 (it has no libc wrapper). */
  static final long SYS_BPF = "aarch64".equals(System.getProperty("os.arch")) ? 280 : 321;

  /** {@code <linux/bpf.h>}: the bpf(2) command that loads a program and returns its descriptor. */
  static final int BPF_PROG_LOAD = 5;

  /** {@code <linux/bpf.h>}: the bpf(2) command that creates a map and returns its descriptor. */
  static final int BPF_MAP_CREATE = 0;

  /** {@code <linux/bpf.h>}: the bpf(2) command that runs a program once on given input. */
  static final int BPF_PROG_TEST_RUN = 10;

  /** {@code <linux/bpf.h>}: a map of fixed-size values indexed by a 32-bit key. */
  static final int BPF_MAP_TYPE_ARRAY = 2;

  /** {@code <linux/bpf.h>}: a socket filter, the type a TUN device's filter must have. */
  static final int BPF_PROG_TYPE_SOCKET_FILTER = 1;

  /**
   * {@code <linux/if_tun.h>}: {@code _IOR('T', 225, int)}, a socket-filter program's fd, -1: none.
   */
  static final long TUNSETFILTEREBPF = 0x800454e1L;

  /** char *strerror(int errnum); */
  private static final MethodHandle STRERROR =
      downcall("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));

  private LinuxSyscalls() {}

  /** Returns the errno captured in {@code state} by the last failed call that used it. */
  static int errno(MemorySegment state) {
    return (int) ERRNO.get(state, 0L);
  }

  /** Returns libc's description of an errno value, such as "Device or resource busy". */
  static String strerror(int errno) {
    try {
      MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
      // strerror returns a pointer of unknown size; the string ends at its NUL well within 1 KiB.
      return text.equals(MemorySegment.NULL)
          ? "errno " + errno
          : text.reinterpret(1024).getString(0);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static int open(MemorySegment state, MemorySegment path, int flags) {
    try {
      return (int) OPEN.invokeExact(state, path, flags);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** Closes fd; errors are ignored because Linux releases the descriptor even when close fails. */
  static void close(int fd) {
    try {
      int ignored = (int) CLOSE.invokeExact(fd);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static long read(MemorySegment state, int fd, MemorySegment buf, long count) {
    try {
      return (long) READ.invokeExact(state, fd, buf, count);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static long write(MemorySegment state, int fd, MemorySegment buf, long count) {
    try {
      return (long) WRITE.invokeExact(state, fd, buf, count);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static int ioctl(MemorySegment state, int fd, long request, MemorySegment arg) {
    try {
      return (int) IOCTL.invokeExact(state, fd, request, arg);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static int ioctlValue(MemorySegment state, int fd, long request, long value) {
    try {
      return (int) IOCTL_VALUE.invokeExact(state, fd, request, value);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static long readv(MemorySegment state, int fd, MemorySegment iovecs, int count) {
    try {
      return (long) READV.invokeExact(state, fd, iovecs, count);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static long writev(MemorySegment state, int fd, MemorySegment iovecs, int count) {
    try {
      return (long) WRITEV.invokeExact(state, fd, iovecs, count);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /**
   * Sets the {@code index}th {@code struct iovec} of {@code iovecs} to {@code length} bytes at
   * {@code base}.
   */
  static void iovec(MemorySegment iovecs, int index, MemorySegment base, long length) {
    iovecs.set(ADDRESS, index * IOVEC_SIZE, base);
    iovecs.set(JAVA_LONG, index * IOVEC_SIZE + 8, length);
  }

  /** Calls ppoll with no signal mask; a NULL {@code timeout} waits without limit. */
  static int ppoll(MemorySegment state, MemorySegment fds, long nfds, MemorySegment timeout) {
    try {
      return (int) PPOLL.invokeExact(state, fds, nfds, timeout, MemorySegment.NULL);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static int eventfd(MemorySegment state, int initval, int flags) {
    try {
      return (int) EVENTFD.invokeExact(state, initval, flags);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static int socket(MemorySegment state, int domain, int type, int protocol) {
    try {
      return (int) SOCKET.invokeExact(state, domain, type, protocol);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static long sendto(
      MemorySegment state,
      int fd,
      MemorySegment buf,
      long length,
      MemorySegment address,
      int addressLength) {
    try {
      return (long) SENDTO.invokeExact(state, fd, buf, length, 0, address, addressLength);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static long recvfrom(
      MemorySegment state,
      int fd,
      MemorySegment buf,
      long length,
      MemorySegment address,
      MemorySegment addressLength) {
    try {
      return (long) RECVFROM.invokeExact(state, fd, buf, length, 0, address, addressLength);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /**
   * Returns whether libc has sendmmsg(2) (glibc 2.14 and later, musl); the kernel may still say
   * ENOSYS.
   */
  static boolean hasSendmmsg() {
    return SENDMMSG != null;
  }

  /**
   * Sends {@code count} messages of {@code msgvec} in one call; returns how many left, or -1 with
   * errno.
   */
  static int sendmmsg(MemorySegment state, int fd, MemorySegment msgvec, int count) {
    if (SENDMMSG == null) throw new UnsupportedOperationException("libc has no sendmmsg");
    try {
      return (int) SENDMMSG.invokeExact(state, fd, msgvec, count, 0);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** Calls bpf(2) with {@code cmd} and the {@code size} bytes of {@code attr}. */
  static long bpf(MemorySegment state, int cmd, MemorySegment attr, int size) {
    try {
      return (long) SYSCALL_BPF.invokeExact(state, SYS_BPF, cmd, attr, size);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  private static MethodHandle downcall(
      String name, FunctionDescriptor descriptor, Linker.Option... options) {
    MemorySegment symbol =
        LIBC.find(name)
            .orElseThrow(
                () -> new UnsatisfiedLinkError("synack: libc has no " + name + " (Linux only)"));
    return LINKER.downcallHandle(symbol, descriptor, options);
  }

  /** Rethrows what a downcall handle threw: only errors, since the C functions throw nothing. */
  private static RuntimeException rethrow(Throwable t) {
    if (t instanceof Error e) throw e;
    if (t instanceof RuntimeException e) throw e;
    throw new IllegalStateException("synack: unexpected exception from a native call", t);
  }
}
