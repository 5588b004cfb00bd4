package dev.synack.link;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;

/**
 * The Linux kernel's own socket calls through the Foreign Function &amp; Memory API, as a C program
 * makes them: what packetdrill calls when it runs a script against the kernel. Each call answers
 * with a {@link Result}: the value the C function returned and, when it failed, its errno (Linux's
 * numbers). A socket belongs to the network namespace of the thread that made it ({@link
 * NetworkNamespace}); any thread may use it after.
 *
 * <p>Data calls send zeros and throw what they read away: a script counts bytes, not their values.
 */
@SuppressWarnings("restricted") // Native access is this class's purpose; the launcher enables it.
public final class KernelSockets {
  /** What a call returned: {@code value}, and {@code errno} when it failed (value -1), else 0. */
  public record Result(long value, int errno) {
    /** Returns whether the call failed. */
    public boolean failed() {
      return value < 0;
    }
  }

  private static final Linker LINKER = Linker.nativeLinker();
  private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
  private static final MethodHandle SOCKET =
      call("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
  private static final MethodHandle BIND =
      call("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
  private static final MethodHandle CONNECT =
      call("connect", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
  private static final MethodHandle LISTEN =
      call("listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
  private static final MethodHandle ACCEPT =
      call("accept", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
  private static final MethodHandle GETSOCKNAME =
      call("getsockname", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
  private static final MethodHandle SETSOCKOPT =
      call(
          "setsockopt",
          FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
  private static final MethodHandle GETSOCKOPT =
      call(
          "getsockopt",
          FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
  private static final MethodHandle SEND =
      call("send", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
  private static final MethodHandle RECV =
      call("recv", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
  private static final MethodHandle SHUTDOWN =
      call("shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
  private static final MethodHandle CLOSE =
      call("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
  private static final MethodHandle FCNTL =
      LINKER.downcallHandle(
          LINKER.defaultLookup().findOrThrow("fcntl"),
          FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG),
          Linker.Option.firstVariadicArg(2),
          ERRNO);

  /** int poll(struct pollfd *fds, nfds_t nfds, int timeout); */
  private static final MethodHandle POLL =
      call("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));

  private static final int AF_INET = 2;
  private static final int AF_INET6 = 10;

  /** sizeof(struct sockaddr_in6), the larger of the two. */
  private static final int SOCKADDR_SIZE = 28;

  private KernelSockets() {}

  /** socket(2). */
  public static Result socket(int domain, int type, int protocol) {
    return invoke(SOCKET, null, domain, type, protocol);
  }

  /** bind(2) to {@code address}. */
  public static Result bind(int fd, InetSocketAddress address) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment sa = sockaddr(arena, address);
      return invoke(BIND, arena, fd, sa, (int) sa.byteSize());
    }
  }

  /** connect(2) to {@code address}. */
  public static Result connect(int fd, InetSocketAddress address) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment sa = sockaddr(arena, address);
      return invoke(CONNECT, arena, fd, sa, (int) sa.byteSize());
    }
  }

  /** listen(2). */
  public static Result listen(int fd, int backlog) {
    return invoke(LISTEN, null, fd, backlog);
  }

  /** accept(2), without the peer's address; the value is the new descriptor. */
  public static Result accept(int fd) {
    return invoke(ACCEPT, null, fd, MemorySegment.NULL, MemorySegment.NULL);
  }

  /** Returns the address a socket is bound to (getsockname(2)), or null when the call fails. */
  public static InetSocketAddress localAddress(int fd) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment sa = arena.allocate(SOCKADDR_SIZE, 8);
      MemorySegment len = arena.allocate(JAVA_INT);
      len.set(JAVA_INT, 0, SOCKADDR_SIZE);
      if (invoke(GETSOCKNAME, arena, fd, sa, len).failed()) return null;
      short family = sa.get(JAVA_SHORT, 0);
      int port = Short.toUnsignedInt(sa.get(JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN), 2));
      byte[] addr =
          family == AF_INET
              ? sa.asSlice(4, 4).toArray(JAVA_BYTE)
              : sa.asSlice(8, 16).toArray(JAVA_BYTE);
      return new InetSocketAddress(InetAddress.getByAddress(addr), port);
    } catch (UnknownHostException e) {
      throw new AssertionError(e); // an address of 4 or 16 bytes is always valid
    }
  }

  /**
   * setsockopt(2) with {@code value}'s bytes as the option (an int in the machine's order, a
   * struct...).
   */
  public static Result setsockopt(int fd, int level, int name, byte[] value) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment v = arena.allocate(Math.max(1, value.length), 8);
      MemorySegment.copy(value, 0, v, JAVA_BYTE, 0, value.length);
      return invoke(SETSOCKOPT, arena, fd, level, name, v, value.length);
    }
  }

  /** setsockopt(2) with an int. */
  public static Result setsockopt(int fd, int level, int name, int value) {
    return setsockopt(fd, level, name, intBytes(value));
  }

  /**
   * getsockopt(2) into {@code value} (its length is the buffer's size); the result's value is the
   * length the kernel wrote, or -1.
   */
  public static Result getsockopt(int fd, int level, int name, byte[] value) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment v = arena.allocate(Math.max(1, value.length), 8);
      MemorySegment len = arena.allocate(JAVA_INT);
      len.set(JAVA_INT, 0, value.length);
      Result r = invoke(GETSOCKOPT, arena, fd, level, name, v, len);
      if (r.failed()) return r;
      int n = Math.min(value.length, len.get(JAVA_INT, 0));
      MemorySegment.copy(v, JAVA_BYTE, 0, value, 0, n);
      return new Result(n, 0);
    }
  }

  /** Returns an int as the machine's bytes, as setsockopt takes it. */
  public static byte[] intBytes(int value) {
    byte[] b = new byte[4];
    MemorySegment.ofArray(b).set(JAVA_INT_UNALIGNED, 0, value);
    return b;
  }

  /** Reads an int in the machine's order from {@code bytes} at {@code offset}. */
  public static int intAt(byte[] bytes, int offset) {
    return MemorySegment.ofArray(bytes).get(JAVA_INT_UNALIGNED, offset);
  }

  /** send(2) of {@code length} zero bytes; {@code flags} as MSG_*. */
  public static Result send(int fd, long length, int flags) {
    try (Arena arena = Arena.ofConfined()) {
      return invoke(SEND, arena, fd, arena.allocate(Math.max(1, length)), length, flags);
    }
  }

  /** recv(2) of up to {@code length} bytes, which are discarded; {@code flags} as MSG_*. */
  public static Result recv(int fd, long length, int flags) {
    try (Arena arena = Arena.ofConfined()) {
      return invoke(RECV, arena, fd, arena.allocate(Math.max(1, length)), length, flags);
    }
  }

  /** shutdown(2). */
  public static Result shutdown(int fd, int how) {
    return invoke(SHUTDOWN, null, fd, how);
  }

  /** close(2). */
  public static Result close(int fd) {
    return invoke(CLOSE, null, fd);
  }

  /** fcntl(2) with one integer argument (F_GETFL, F_SETFL...). */
  public static Result fcntl(int fd, int command, long argument) {
    return invoke(FCNTL, null, fd, command, argument);
  }

  /**
   * poll(2) on {@code fds} for {@code events}; {@code revents} receives what each is ready for. The
   * value is the number of descriptors ready.
   */
  public static Result poll(int[] fds, short[] events, short[] revents, int timeoutMillis) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment pfds = arena.allocate(8L * Math.max(1, fds.length), 8);
      for (int i = 0; i < fds.length; i++) {
        pfds.set(JAVA_INT, 8L * i, fds[i]);
        pfds.set(JAVA_SHORT, 8L * i + 4, events[i]);
      }
      Result r = invoke(POLL, arena, pfds, (long) fds.length, timeoutMillis);
      for (int i = 0; i < fds.length; i++) revents[i] = pfds.get(JAVA_SHORT, 8L * i + 6);
      return r;
    }
  }

  /** Builds a {@code struct sockaddr_in} or {@code sockaddr_in6}. */
  private static MemorySegment sockaddr(Arena arena, InetSocketAddress address) {
    boolean v4 = address.getAddress() instanceof Inet4Address;
    MemorySegment sa = arena.allocate(v4 ? 16 : SOCKADDR_SIZE, 8);
    sa.set(JAVA_SHORT, 0, (short) (v4 ? AF_INET : AF_INET6));
    sa.set(JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN), 2, (short) address.getPort());
    byte[] a = address.getAddress().getAddress();
    MemorySegment.copy(a, 0, sa, JAVA_BYTE, v4 ? 4 : 8, a.length);
    return sa;
  }

  private static MethodHandle call(String name, FunctionDescriptor descriptor) {
    MemorySegment symbol =
        LINKER
            .defaultLookup()
            .find(name)
            .orElseThrow(
                () -> new UnsatisfiedLinkError("synack: libc has no " + name + " (Linux only)"));
    return LINKER.downcallHandle(symbol, descriptor, ERRNO);
  }

  /**
   * Calls {@code handle} with a fresh errno capture before {@code args}; an int or long return
   * becomes the value.
   */
  private static Result invoke(MethodHandle handle, Arena shared, Object... args) {
    try (Arena own = shared == null ? Arena.ofConfined() : null) {
      Arena arena = shared == null ? own : shared;
      MemorySegment state = arena.allocate(LinuxSyscalls.CALL_STATE_SIZE, 8);
      Object[] all = new Object[args.length + 1];
      all[0] = state;
      System.arraycopy(args, 0, all, 1, args.length);
      Object v = handle.invokeWithArguments(all);
      long value = v instanceof Integer i ? i : (Long) v;
      return new Result(value, value < 0 ? LinuxSyscalls.errno(state) : 0);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("synack: unexpected exception from a native call", t);
    }
  }
}
