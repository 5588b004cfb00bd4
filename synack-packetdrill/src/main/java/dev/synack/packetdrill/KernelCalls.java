package dev.synack.packetdrill;

import dev.synack.link.KernelSockets;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The system calls of a script made on real kernel sockets ({@link KernelSockets}), with Linux's
 * constants and errno names: what packetdrill does when it runs a script against Linux. The
 * script's descriptor numbers name the sockets ({@code socket() = 3}) and are mapped to the
 * kernel's own; addresses are the script's, the ports packetdrill's, as the emulated {@link
 * SocketCalls} uses them.
 */
final class KernelCalls {
  /** What a call returned: a value, and the errno's name when it failed (value -1). */
  record Result(long value, String errno) {}

  /**
   * Linux's values of the constants scripts use (the x86-64 and AArch64 headers agree on these).
   */
  private static final Map<String, Long> LINUX =
      Map.ofEntries(
          Map.entry("AF_INET", 2L),
          Map.entry("AF_INET6", 10L),
          Map.entry("PF_INET", 2L),
          Map.entry("PF_INET6", 10L),
          Map.entry("SOCK_STREAM", 1L),
          Map.entry("IPPROTO_TCP", 6L),
          Map.entry("IPPROTO_IP", 0L),
          Map.entry("SOL_SOCKET", 1L),
          Map.entry("SOL_TCP", 6L),
          Map.entry("SO_DEBUG", 1L),
          Map.entry("SO_REUSEADDR", 2L),
          Map.entry("SO_ERROR", 4L),
          Map.entry("SO_SNDBUF", 7L),
          Map.entry("SO_RCVBUF", 8L),
          Map.entry("SO_KEEPALIVE", 9L),
          Map.entry("SO_OOBINLINE", 10L),
          Map.entry("SO_LINGER", 13L),
          Map.entry("SO_REUSEPORT", 15L),
          Map.entry("SO_RCVLOWAT", 18L),
          Map.entry("SO_SNDLOWAT", 19L),
          Map.entry("TCP_NODELAY", 1L),
          Map.entry("TCP_MAXSEG", 2L),
          Map.entry("TCP_CORK", 3L),
          Map.entry("TCP_KEEPIDLE", 4L),
          Map.entry("TCP_KEEPINTVL", 5L),
          Map.entry("TCP_KEEPCNT", 6L),
          Map.entry("TCP_SYNCNT", 7L),
          Map.entry("TCP_LINGER2", 8L),
          Map.entry("TCP_DEFER_ACCEPT", 9L),
          Map.entry("TCP_WINDOW_CLAMP", 10L),
          Map.entry("TCP_INFO", 11L),
          Map.entry("TCP_QUICKACK", 12L),
          Map.entry("TCP_CONGESTION", 13L),
          Map.entry("TCP_USER_TIMEOUT", 18L),
          Map.entry("TCP_NOTSENT_LOWAT", 25L),
          Map.entry("F_GETFL", 3L),
          Map.entry("F_SETFL", 4L),
          Map.entry("O_RDONLY", 0L),
          Map.entry("O_WRONLY", 1L),
          Map.entry("O_RDWR", 2L),
          Map.entry("O_NONBLOCK", 0x800L),
          Map.entry("SHUT_RD", 0L),
          Map.entry("SHUT_WR", 1L),
          Map.entry("SHUT_RDWR", 2L),
          Map.entry("MSG_OOB", 1L),
          Map.entry("MSG_PEEK", 2L),
          Map.entry("MSG_TRUNC", 0x20L),
          Map.entry("MSG_DONTWAIT", 0x40L),
          Map.entry("MSG_EOR", 0x80L),
          Map.entry("MSG_WAITALL", 0x100L),
          Map.entry("MSG_NOSIGNAL", 0x4000L),
          Map.entry("MSG_MORE", 0x8000L),
          Map.entry("POLLIN", 1L),
          Map.entry("POLLPRI", 2L),
          Map.entry("POLLOUT", 4L),
          Map.entry("POLLERR", 8L),
          Map.entry("POLLHUP", 0x10L),
          Map.entry("POLLNVAL", 0x20L),
          Map.entry("POLLRDNORM", 0x40L),
          Map.entry("POLLWRNORM", 0x100L),
          Map.entry("POLLRDHUP", 0x2000L));

  /** Linux's errno numbers (asm-generic/errno.h) by name. */
  private static final Map<String, Integer> ERRNO =
      Map.ofEntries(
          Map.entry("EPERM", 1),
          Map.entry("ENOENT", 2),
          Map.entry("EINTR", 4),
          Map.entry("EIO", 5),
          Map.entry("EBADF", 9),
          Map.entry("EAGAIN", 11),
          Map.entry("ENOMEM", 12),
          Map.entry("EACCES", 13),
          Map.entry("EFAULT", 14),
          Map.entry("EEXIST", 17),
          Map.entry("EINVAL", 22),
          Map.entry("EPIPE", 32),
          Map.entry("ENOTSOCK", 88),
          Map.entry("EDESTADDRREQ", 89),
          Map.entry("EMSGSIZE", 90),
          Map.entry("EPROTOTYPE", 91),
          Map.entry("ENOPROTOOPT", 92),
          Map.entry("EOPNOTSUPP", 95),
          Map.entry("EADDRINUSE", 98),
          Map.entry("EADDRNOTAVAIL", 99),
          Map.entry("ENETUNREACH", 101),
          Map.entry("ECONNABORTED", 103),
          Map.entry("ECONNRESET", 104),
          Map.entry("ENOBUFS", 105),
          Map.entry("EISCONN", 106),
          Map.entry("ENOTCONN", 107),
          Map.entry("ETIMEDOUT", 110),
          Map.entry("ECONNREFUSED", 111),
          Map.entry("EHOSTUNREACH", 113),
          Map.entry("EALREADY", 114),
          Map.entry("EINPROGRESS", 115));

  private final InetAddress local;
  private final InetAddress remote;

  /** Script descriptor to kernel descriptor. */
  private final Map<Integer, Integer> fds = new TreeMap<>();

  private Integer underTest;
  private volatile int liveLocalPort = SocketCalls.SCRIPT_PORT;
  private volatile int liveRemotePort = SocketCalls.PEER_PORT;

  KernelCalls(InetAddress local, InetAddress remote) {
    this.local = local;
    this.remote = remote;
  }

  int liveLocalPort() {
    return liveLocalPort;
  }

  int liveRemotePort() {
    return liveRemotePort;
  }

  /**
   * Returns the kernel descriptor of the socket under test (the one made or accepted last), or null
   * once it is closed.
   */
  Integer underTest() {
    return underTest;
  }

  /**
   * Starts a call: socket() runs at once (on the calling thread, whose namespace the socket joins);
   * the others are returned to run, since they may block.
   *
   * @throws ScriptException (unsupported) for a call or argument the kernel target does not make
   */
  Supplier<Result> start(Event.Syscall sc) {
    List<Expr> a = sc.args();
    return switch (sc.name()) {
      case "socket" -> {
        Result r = socket(a, sc.result());
        yield () -> r;
      }
      case "bind" -> {
        int fd = fd(a);
        yield () ->
            result(
                KernelSockets.bind(fd, new InetSocketAddress(local, SocketCalls.SCRIPT_PORT)),
                () -> {
                  liveLocalPort = SocketCalls.SCRIPT_PORT;
                  liveRemotePort = SocketCalls.PEER_PORT;
                });
      }
      case "listen" -> {
        int fd = fd(a);
        long backlog = value(a.get(1));
        yield () -> result(KernelSockets.listen(fd, (int) backlog), null);
      }
      case "connect" -> {
        int fd = fd(a);
        // The kernel picks the port as the SYN leaves, while a blocking connect() still runs: the
        // runner learns it from the first packet to the peer (learnLocalPort).
        liveLocalPort = 0;
        liveRemotePort = SocketCalls.SCRIPT_PORT;
        yield () ->
            result(
                KernelSockets.connect(fd, new InetSocketAddress(remote, SocketCalls.SCRIPT_PORT)),
                null);
      }
      case "accept", "accept4" -> {
        int fd = fd(a);
        Expr want = sc.result();
        yield () -> {
          KernelSockets.Result r = KernelSockets.accept(fd);
          if (r.failed()) return result(r, null);
          int scriptFd = newFd(want);
          synchronized (fds) {
            fds.put(scriptFd, (int) r.value());
          }
          underTest = (int) r.value();
          return new Result(scriptFd, null);
        };
      }
      case "read", "recv", "recvfrom", "readv", "recvmsg" -> data(a, sc.name(), true);
      case "write", "send", "sendto", "writev", "sendmsg" -> data(a, sc.name(), false);
      case "shutdown" -> {
        int fd = fd(a);
        long how = value(a.get(1));
        yield () -> result(KernelSockets.shutdown(fd, (int) how), null);
      }
      case "close" -> {
        int fd = fd(a);
        int scriptFd = (int) value(a.get(0));
        yield () ->
            result(
                KernelSockets.close(fd),
                () -> {
                  synchronized (fds) {
                    fds.remove(scriptFd);
                  }
                  if (underTest != null && underTest == fd) underTest = null;
                });
      }
      case "fcntl" -> {
        int fd = fd(a);
        long cmd = value(a.get(1));
        long arg = a.size() > 2 ? value(a.get(2)) : 0;
        yield () -> result(KernelSockets.fcntl(fd, (int) cmd, arg), null);
      }
      case "setsockopt" -> setsockopt(a);
      case "getsockopt" -> getsockopt(a);
      case "poll" -> poll(a);
      default ->
          throw ScriptException.unsupported(
              0, "system call " + sc.name() + "() on the kernel target");
    };
  }

  /** Closes every socket the script left open (at the end of a run). */
  void closeAll() {
    synchronized (fds) {
      fds.values().forEach(KernelSockets::close);
      fds.clear();
    }
  }

  /** Takes {@code port} as the live local port when connect() left it to be learnt. */
  void learnLocalPort(int port) {
    if (liveLocalPort == 0) liveLocalPort = port;
  }

  private Result socket(List<Expr> a, Expr expected) {
    if (a.size() != 3) throw ScriptException.syntax(0, "socket takes 3 arguments, not " + a.size());
    long domain =
        a.get(0) instanceof Expr.Ellipsis ? (KernelHost.v4(local) ? 2 : 10) : value(a.get(0));
    KernelSockets.Result r =
        KernelSockets.socket((int) domain, (int) value(a.get(1)), (int) value(a.get(2)));
    if (r.failed()) return result(r, null);
    int scriptFd = newFd(expected);
    synchronized (fds) {
      fds.put(scriptFd, (int) r.value());
    }
    underTest = (int) r.value();
    return new Result(scriptFd, null);
  }

  private Supplier<Result> data(List<Expr> a, String call, boolean read) {
    int fd = fd(a);
    long length = lengthOf(call, a);
    long flags =
        switch (call) {
          case "recv", "send", "recvfrom", "sendto" -> value(a.get(3));
          case "recvmsg", "sendmsg" -> value(a.get(2));
          default -> 0;
        };
    if (call.endsWith("msg")
        && a.get(1) instanceof Expr.Struct msg
        && msg.field("msg_control") instanceof Expr.Array c
        && !c.elements().isEmpty()) {
      throw ScriptException.unsupported(0, call + "() with ancillary data on the kernel target");
    }
    long f = flags;
    // MSG_NOSIGNAL on writes: EPIPE comes back as the return value, as the script expects, and no
    // SIGPIPE reaches the JVM.
    return read
        ? () -> result(KernelSockets.recv(fd, length, (int) f), null)
        : () -> result(KernelSockets.send(fd, length, (int) (f | 0x4000)), null);
  }

  private static long lengthOf(String call, List<Expr> a) {
    return switch (call) {
      case "read", "write", "recv", "send", "recvfrom", "sendto" -> {
        if (a.size() < 3) throw ScriptException.syntax(0, call + " takes at least 3 arguments");
        yield value(a.get(2));
      }
      default -> {
        // readv, writev, recvmsg, sendmsg: the iovecs' lengths added up, read as the emulation
        // reads them.
        DataArgs d = DataArgs.of(call, withoutFlags(call, a));
        yield d.length();
      }
    };
  }

  /**
   * Returns a call's arguments with its flags zeroed, so that DataArgs reads only the lengths (the
   * kernel takes every flag).
   */
  private static List<Expr> withoutFlags(String call, List<Expr> a) {
    List<Expr> copy = new ArrayList<>(a);
    if ((call.equals("recvmsg") || call.equals("sendmsg")) && copy.size() == 3)
      copy.set(2, new Expr.Num(0));
    return copy;
  }

  private Supplier<Result> setsockopt(List<Expr> a) {
    if (a.size() != 5)
      throw ScriptException.syntax(0, "setsockopt takes 5 arguments, not " + a.size());
    int fd = fd(a);
    int level = (int) value(a.get(1));
    int name = (int) value(a.get(2));
    byte[] v = optionBytes(a.get(3));
    return () -> result(KernelSockets.setsockopt(fd, level, name, v), null);
  }

  private Supplier<Result> getsockopt(List<Expr> a) {
    if (a.size() != 5)
      throw ScriptException.syntax(0, "getsockopt takes 5 arguments, not " + a.size());
    int fd = fd(a);
    int level = (int) value(a.get(1));
    int name = (int) value(a.get(2));
    Expr want =
        a.get(3) instanceof Expr.Array arr && arr.elements().size() == 1
            ? arr.elements().getFirst()
            : a.get(3);
    byte[] expected = want instanceof Expr.Ellipsis ? null : optionBytes(want);
    return () -> {
      byte[] got = new byte[expected == null ? 256 : expected.length];
      KernelSockets.Result r = KernelSockets.getsockopt(fd, level, name, got);
      if (r.failed() || expected == null) return result(r, null);
      if (!java.util.Arrays.equals(expected, java.util.Arrays.copyOf(got, expected.length))) {
        String seen =
            expected.length == 4
                ? Integer.toString(KernelSockets.intAt(got, 0))
                : java.util.HexFormat.of().formatHex(got, 0, (int) r.value());
        throw ScriptException.mismatch(
            0, "getsockopt() option value " + seen, want.toString(), seen);
      }
      return new Result(0, null);
    };
  }

  /** Returns an option's bytes: an int, or a {@code struct linger {onoff, linger}}. */
  private static byte[] optionBytes(Expr e) {
    if (e instanceof Expr.Array arr && arr.elements().size() == 1)
      return optionBytes(arr.elements().getFirst());
    if (e instanceof Expr.Struct st) {
      Expr on = st.field("onoff", "l_onoff");
      Expr secs = st.field("linger", "l_linger");
      if (on == null || secs == null || st.fields().size() != 2)
        throw ScriptException.unsupported(0, "option value " + e + " on the kernel target");
      byte[] b = new byte[8];
      System.arraycopy(KernelSockets.intBytes((int) value(on)), 0, b, 0, 4);
      System.arraycopy(KernelSockets.intBytes((int) value(secs)), 0, b, 4, 4);
      return b;
    }
    return KernelSockets.intBytes((int) value(e));
  }

  private Supplier<Result> poll(List<Expr> a) {
    if (a.size() != 3 || !(a.get(0) instanceof Expr.Array list))
      throw ScriptException.unsupported(0, "poll() without an array of pollfd");
    int n = list.elements().size();
    int[] kfds = new int[n];
    short[] events = new short[n];
    Long[] wantRevents = new Long[n];
    for (int i = 0; i < n; i++) {
      if (!(list.elements().get(i) instanceof Expr.Struct st) || st.field("fd") == null) {
        throw ScriptException.unsupported(0, "poll entry " + list.elements().get(i));
      }
      Integer k = fds.get((int) value(st.field("fd")));
      kfds[i] = k == null ? -1 : k;
      events[i] = st.field("events") == null ? 0 : (short) value(st.field("events"));
      wantRevents[i] =
          st.field("revents") == null || st.field("revents") instanceof Expr.Ellipsis
              ? null
              : value(st.field("revents"));
    }
    int timeout = (int) value(a.get(2));
    return () -> {
      short[] revents = new short[n];
      KernelSockets.Result r = KernelSockets.poll(kfds, events, revents, timeout);
      if (!r.failed()) {
        for (int i = 0; i < n; i++) {
          if (wantRevents[i] != null && wantRevents[i] != (revents[i] & 0xffff)) {
            throw ScriptException.mismatch(
                0,
                "poll() revents",
                "0x" + Long.toHexString(wantRevents[i]),
                "0x" + Integer.toHexString(revents[i] & 0xffff));
          }
        }
      }
      return result(r, null);
    };
  }

  private int fd(List<Expr> a) {
    if (a.isEmpty()) throw ScriptException.syntax(0, "no descriptor");
    Integer k = fds.get((int) value(a.get(0)));
    return k == null
        ? Integer.MAX_VALUE - 1
        : k; // a descriptor the script never opened: EBADF, as the kernel says
  }

  private int newFd(Expr expected) {
    synchronized (fds) {
      if (expected instanceof Expr.Num(long n) && n >= 0 && !fds.containsKey((int) n))
        return (int) n;
      int fd = 3;
      while (fds.containsKey(fd)) fd++;
      return fd;
    }
  }

  private static Result result(KernelSockets.Result r, Runnable onSuccess) {
    if (!r.failed()) {
      if (onSuccess != null) onSuccess.run();
      return new Result(r.value(), null);
    }
    return new Result(-1, errnoName(r.errno()));
  }

  /** Returns Linux's name of an errno number. */
  static String errnoName(int errno) {
    for (var e : ERRNO.entrySet()) if (e.getValue() == errno) return e.getKey();
    return "errno " + errno;
  }

  /**
   * Returns a constant expression's value with Linux's constants and errno numbers.
   *
   * @throws ScriptException (unsupported) for what it cannot evaluate
   */
  static long value(Expr e) {
    return switch (e) {
      case Expr.Num(long v) -> v;
      case Expr.Sym(String name) -> {
        if (name.equals("EWOULDBLOCK")) yield ERRNO.get("EAGAIN");
        Long v = LINUX.get(name);
        if (v != null) yield v;
        Integer errno = ERRNO.get(name);
        if (errno != null) yield errno;
        throw ScriptException.unsupported(0, "constant " + name + " on the kernel target");
      }
      case Expr.Or(List<Expr> terms) -> {
        long v = 0;
        for (Expr t : terms) v |= value(t);
        yield v;
      }
      case Expr.Array(List<Expr> elements) when elements.size() == 1 -> value(elements.getFirst());
      case Expr.Call(String name, List<Expr> args)
          when args.size() == 1 && (name.equals("htons") || name.equals("htonl")) -> {
        long v = value(args.getFirst());
        yield name.equals("htons")
            ? Short.toUnsignedInt(Short.reverseBytes((short) v))
            : Integer.toUnsignedLong(Integer.reverseBytes((int) v));
      }
      default -> throw ScriptException.unsupported(0, "argument " + e + " on the kernel target");
    };
  }
}
