package dev.synack.packetdrill;

import dev.synack.stack.Connection;
import dev.synack.stack.Listener;
import dev.synack.stack.Readiness;
import dev.synack.stack.TcpFastOpen;
import dev.synack.tcp.TcpError;
import dev.synack.tcp.TcpException;
import dev.synack.tcp.TcpState;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The system calls of a script, on emulated sockets over the host's {@link Connection}s and {@link
 * Listener}s, with BSD socket semantics and errno: what packetdrill calls in the kernel.
 *
 * <p>As in packetdrill, the script's file descriptor numbers name the sockets: {@code socket() = 3}
 * makes the new socket descriptor 3. Bound and listening ports are packetdrill's 8080; the peer the
 * script plays has one address and port, which connect() and bind() make the live 4-tuple of the
 * packets the script injects.
 */
final class SocketCalls {
  /** packetdrill's bind and connect port. */
  static final int SCRIPT_PORT = 8080;

  /** The port of the peer the script plays, when it opens the connection. */
  static final int PEER_PORT = 47000;

  /** What a finished call returned: a value, and the errno when it failed (value -1). */
  record Result(long value, Errno errno) {
    static Result ok(long value) {
      return new Result(value, null);
    }

    static Result fail(Errno errno) {
      return new Result(-1, errno);
    }
  }

  /**
   * A call in progress: {@link #poll} returns its result once the stack lets it finish, null while
   * it blocks.
   */
  interface Call {
    Result poll();
  }

  private final HostUnderTest hut;
  private final Sysctls sysctls;
  private final Profile profile;
  private final InetAddress localAddress;
  private final InetAddress remoteAddress;
  private final SocketOptions options;
  private final Map<Integer, ScriptSocket> sockets = new TreeMap<>();
  private final EpollCalls epoll = new EpollCalls(fd -> sockets.get(fd));

  /**
   * packetdrill's "socket under test": the one created or accepted last, which code assertions
   * read.
   */
  private ScriptSocket underTest;

  private int liveLocalPort = SCRIPT_PORT;
  private int liveRemotePort = PEER_PORT;

  SocketCalls(
      HostUnderTest hut,
      Sysctls sysctls,
      Profile profile,
      MatchMode mode,
      InetAddress localAddress,
      InetAddress remoteAddress) {
    this.hut = hut;
    this.sysctls = sysctls;
    this.profile = profile;
    this.localAddress = localAddress;
    this.remoteAddress = remoteAddress;
    this.options = new SocketOptions(hut, sysctls, profile, mode);
  }

  int liveLocalPort() {
    return liveLocalPort;
  }

  int liveRemotePort() {
    return liveRemotePort;
  }

  ScriptSocket underTest() {
    return underTest;
  }

  /** Returns the open sockets, by descriptor. */
  List<ScriptSocket> sockets() {
    return new ArrayList<>(sockets.values());
  }

  /**
   * Starts a call.
   *
   * @throws ScriptException (unsupported) for a call or option the emulation does not have, or
   *     (mismatch) when an output argument differs from the script's
   */
  Call start(Event.Syscall sc) {
    List<Expr> a = sc.args();
    return switch (sc.name()) {
      case "socket" -> now(socket(a, sc.result()));
      case "fcntl" -> now(fcntl(a));
      case "setsockopt" -> now(setsockopt(a));
      case "getsockopt" -> now(getsockopt(a));
      case "bind" -> now(bind(a));
      case "listen" -> now(listen(a));
      case "connect" -> connect(a);
      case "accept" -> accept(a, sc.result());
      case "read", "recv", "recvfrom", "readv", "recvmsg" -> {
        DataArgs d = DataArgs.of(sc.name(), a);
        yield read(a, d.length(), d.flags());
      }
      case "write", "send", "sendto", "writev", "sendmsg" -> {
        DataArgs d = DataArgs.of(sc.name(), a);
        yield write(a, d.length(), d.flags());
      }
      case "shutdown" -> now(shutdown(a));
      case "close" -> now(close(a));
      case "poll" -> poll(a);
      case "epoll_create", "epoll_create1" -> {
        if (a.size() != 1)
          throw ScriptException.syntax(0, sc.name() + " takes 1 argument, not " + a.size());
        int fd = newFd(sc.result());
        sockets.put(fd, new ScriptSocket(fd, 0, 0));
        yield now(epoll.create(fd));
      }
      case "epoll_ctl" -> now(epoll.ctl(a));
      case "epoll_wait", "epoll_pwait" -> epoll.waitFor(a.subList(0, Math.min(a.size(), 4)));
      case "ioctl" -> now(ioctl(a));
      case "getsockname", "getpeername" -> now(name(a, sc.name()));
      default -> throw ScriptException.unsupported(0, "system call " + sc.name() + "()");
    };
  }

  private static Call now(Result r) {
    return () -> r;
  }

  // ---- socket, fcntl, options ----

  private Result socket(List<Expr> a, Expr result) {
    arity(a, 3, "socket");
    Long type = Symbols.evaluate(a.get(1));
    Long proto = Symbols.evaluate(a.get(2));
    if (type == null || type != 1 || proto == null || (proto != 6 && proto != 0)) {
      throw ScriptException.unsupported(
          0, "socket() of another kind than SOCK_STREAM, IPPROTO_TCP: " + a);
    }
    ScriptSocket s = new ScriptSocket(newFd(result), sysctls.receiveSpace(), sysctls.sendSpace());
    sockets.put(s.fd, s);
    underTest = s;
    return Result.ok(s.fd);
  }

  private int newFd(Expr expected) {
    if (expected instanceof Expr.Num(long n) && n >= 0 && !sockets.containsKey((int) n))
      return (int) n;
    int fd = 3;
    while (sockets.containsKey(fd)) fd++;
    return fd;
  }

  private Result fcntl(List<Expr> a) {
    ScriptSocket s = socketOf(a);
    if (s == null) return Result.fail(Errno.EBADF);
    String cmd = symbol(a.get(1));
    switch (cmd) {
      case "F_GETFL" -> {
        return Result.ok(Symbols.O_RDWR | (s.nonBlocking ? Symbols.O_NONBLOCK : 0));
      }
      case "F_SETFL" -> {
        arity(a, 3, "fcntl(F_SETFL)");
        Long flags = Symbols.evaluate(a.get(2));
        if (flags == null) throw ScriptException.unsupported(0, "fcntl flags " + a.get(2));
        s.nonBlocking = (flags & Symbols.O_NONBLOCK) != 0;
        return Result.ok(0);
      }
      default -> throw ScriptException.unsupported(0, "fcntl command " + cmd);
    }
  }

  private Result setsockopt(List<Expr> a) {
    arity(a, 5, "setsockopt");
    ScriptSocket s = socketOf(a);
    if (s == null) return Result.fail(Errno.EBADF);
    return options.set(s, symbol(a.get(2)), a.get(3));
  }

  private Result getsockopt(List<Expr> a) {
    arity(a, 5, "getsockopt");
    ScriptSocket s = socketOf(a);
    if (s == null) return Result.fail(Errno.EBADF);
    Expr want =
        a.get(3) instanceof Expr.Array arr && arr.elements().size() == 1
            ? arr.elements().getFirst()
            : a.get(3);
    options.get(s, symbol(a.get(2)), want);
    return Result.ok(0);
  }

  // ---- bind, listen, connect, accept ----

  private Result bind(List<Expr> a) {
    ScriptSocket s = socketOf(a);
    if (s == null) return Result.fail(Errno.EBADF);
    if (s.boundPort != 0) return Result.fail(Errno.EINVAL);
    s.boundPort = SCRIPT_PORT;
    liveLocalPort = SCRIPT_PORT;
    liveRemotePort = PEER_PORT;
    return Result.ok(0);
  }

  private Result listen(List<Expr> a) {
    arity(a, 2, "listen");
    ScriptSocket s = socketOf(a);
    if (s == null) return Result.fail(Errno.EBADF);
    if (s.connection != null) return Result.fail(Errno.EINVAL);
    if (s.listener != null)
      throw ScriptException.unsupported(0, "listen() again on a listening socket");
    Long backlog = Symbols.evaluate(a.get(1));
    if (backlog == null) throw ScriptException.unsupported(0, "listen backlog " + a.get(1));
    if (s.boundPort == 0) s.boundPort = SCRIPT_PORT;
    try {
      s.listener =
          hut.host.listen(
              null, s.boundPort, (int) Math.max(1, backlog), options.tcp(s), options.bind(s));
      if (s.fastOpenQueue > 0) s.listener.setFastOpenQueueLength(s.fastOpenQueue);
    } catch (IllegalStateException e) {
      return Result.fail(Errno.EADDRINUSE);
    }
    return Result.ok(0);
  }

  private Call connect(List<Expr> a) {
    ScriptSocket s = socketOf(a);
    if (s == null) return now(Result.fail(Errno.EBADF));
    if (s.listener != null) return now(Result.fail(Errno.EINVAL));
    if (s.connection != null) {
      if (s.connected()) return now(Result.fail(Errno.EISCONN));
      Errno e = s.takeError();
      return now(Result.fail(e != null ? e : Errno.EALREADY));
    }
    if (s.fastOpenDeferred) return now(Result.fail(Errno.EISCONN));
    boolean fastOpen = s.fastOpenConnect && (hut.host.fastOpen() & TcpFastOpen.CLIENT) != 0;
    if (fastOpen && hut.host.fastOpenCookie(remoteAddress) != null) {
      // Linux's TCP_FASTOPEN_CONNECT with a cookie cached (tcp_fastopen_defer_connect): connect()
      // says 0 at once and sends nothing; the first write opens the connection with its data on the
      // SYN.
      s.fastOpenDeferred = true;
      return now(Result.ok(0));
    }
    try {
      s.connection =
          fastOpen
              ? hut.host.connectFastOpen(
                  localAddress,
                  s.boundPort,
                  remoteAddress,
                  SCRIPT_PORT,
                  options.tcp(s),
                  ByteBuffer.allocate(0),
                  hut.now())
              : hut.host.connect(
                  localAddress, s.boundPort, remoteAddress, SCRIPT_PORT, options.tcp(s), hut.now());
    } catch (IllegalStateException e) {
      return now(Result.fail(Errno.EADDRINUSE));
    }
    options.applyOpened(s);
    hut.collect();
    liveLocalPort = s.connection.id().localPort();
    liveRemotePort = SCRIPT_PORT;
    if (s.nonBlocking) return now(Result.fail(Errno.EINPROGRESS));
    return () -> {
      int r = s.readiness();
      if ((r & Readiness.CONNECTED) != 0) return Result.ok(0);
      Errno e = s.takeError();
      if (e != null) return Result.fail(e);
      return (r & Readiness.HANGUP) != 0 ? Result.fail(Errno.ECONNABORTED) : null;
    };
  }

  private Call accept(List<Expr> a, Expr result) {
    ScriptSocket s = socketOf(a);
    if (s == null) return now(Result.fail(Errno.EBADF));
    if (s.listener == null) return now(Result.fail(Errno.EINVAL));
    Call attempt =
        () -> {
          Connection c = s.listener.accept();
          if (c == null) return s.nonBlocking ? Result.fail(Errno.EAGAIN) : null;
          ScriptSocket child = new ScriptSocket(newFd(result), s.receiveBuffer, s.sendBuffer);
          child.connection = c;
          SocketOptions.inherit(child, s);
          options.applyOpened(child);
          child.boundPort = s.boundPort;
          // BSD's accept() hands the new socket the listener's O_NONBLOCK; Linux's does not.
          child.nonBlocking = profile == Profile.FREEBSD && s.nonBlocking;
          sockets.put(child.fd, child);
          underTest = child;
          return Result.ok(child.fd);
        };
    return attempt;
  }

  // ---- data ----

  /**
   * read, recv, recvfrom, readv, recvmsg: {@code length} bytes at most, with the flags named in
   * {@code flags} ({@link DataArgs} has refused those not emulated): MSG_DONTWAIT makes this one
   * call non-blocking, MSG_WAITALL makes a blocking call wait for all of {@code length}.
   */
  private Call read(List<Expr> a, long length, java.util.Set<String> flags) {
    ScriptSocket s = socketOf(a);
    if (s == null) return now(Result.fail(Errno.EBADF));
    boolean nonBlocking = s.nonBlocking || flags.contains("MSG_DONTWAIT");
    boolean waitAll = flags.contains("MSG_WAITALL") && !nonBlocking;
    boolean peek = flags.contains("MSG_PEEK");
    ByteBuffer buffer = ByteBuffer.allocate((int) length);
    return () -> {
      // MSG_WAITALL waits for all of length while more may come: no error, no FIN from the peer.
      if (waitAll
          && s.connection != null
          && !s.readShut
          && s.connection.status().receiveQueued() < length
          && (s.readiness() & (Readiness.ERROR | Readiness.READ_HANGUP)) == 0) {
        return null;
      }
      if (s.connection == null) return Result.fail(Errno.ENOTCONN);
      if (s.readShut) return Result.ok(0);
      Errno pending = s.pendingError();
      int queued = s.connection.isReleased() ? 0 : s.connection.status().receiveQueued();
      if (peek && queued > 0)
        return Result.ok(Math.min(length, queued)); // tcp_recvmsg(): copied, left queued
      try {
        int n = s.connection.receive(buffer.clear(), hut.now());
        hut.collect();
        if (n > 0) return Result.ok(n);
        if (n < 0) return Result.ok(0);
      } catch (TcpException e) {
        if (pending != null) return Result.fail(s.takeError());
        return e.error() == TcpError.CONNECTION_CLOSING
            ? Result.ok(0)
            : Result.fail(Errno.ENOTCONN);
      }
      if (pending != null) return Result.fail(s.takeError());
      if (s.connection.state() == TcpState.CLOSED) return Result.ok(0);
      return nonBlocking ? Result.fail(Errno.EAGAIN) : null;
    };
  }

  /**
   * write, send, sendto, writev, sendmsg: {@code length} zero bytes; MSG_DONTWAIT makes this one
   * call non-blocking.
   */
  private Call write(List<Expr> a, long length, java.util.Set<String> flags) {
    ScriptSocket s = socketOf(a);
    if (s == null) return now(Result.fail(Errno.EBADF));
    boolean nonBlocking = s.nonBlocking || flags.contains("MSG_DONTWAIT");
    // packetdrill writes zeros when the buffer is written "...".
    ByteBuffer data = ByteBuffer.allocate((int) length);
    if (s.connection == null
        && s.listener == null
        && (s.fastOpenDeferred || flags.contains("MSG_FASTOPEN"))) {
      return fastOpenWrite(s, data, nonBlocking);
    }
    return () -> {
      if (s.connection == null) return Result.fail(Errno.ENOTCONN);
      if (s.writeShut) return Result.fail(Errno.EPIPE);
      Errno pending = s.takeError();
      if (pending != null) return Result.fail(pending);
      if ((s.readiness() & (Readiness.CONNECTED | Readiness.HANGUP)) == 0) { // in the handshake
        if (nonBlocking) return Result.fail(Errno.EAGAIN);
        return null; // a blocking write waits for the handshake, as BSD's sosend does
      }
      try {
        s.connection.send(data, hut.now());
        hut.collect();
      } catch (TcpException e) {
        return Result.fail(e.error() == TcpError.CONNECTION_CLOSING ? Errno.EPIPE : Errno.ENOTCONN);
      }
      if (!data.hasRemaining()) return Result.ok(length);
      if (nonBlocking)
        return data.position() > 0 ? Result.ok(data.position()) : Result.fail(Errno.EAGAIN);
      return null;
    };
  }

  /**
   * The write that opens a connection with TCP Fast Open: {@code sendto(MSG_FASTOPEN)} on an
   * unconnected socket, or the first write after a deferred TCP_FASTOPEN_CONNECT. As Linux's {@code
   * tcp_sendmsg_fastopen}: with a cookie (or {@code TFO_CLIENT_NO_COOKIE}) the data rides on the
   * SYN and a non-blocking call returns its length at once; without one the SYN asks for a cookie
   * and a non-blocking call says EINPROGRESS. A blocking call waits for the handshake, then for the
   * rest to be queued.
   */
  private Call fastOpenWrite(ScriptSocket s, ByteBuffer data, boolean nonBlocking) {
    if ((hut.host.fastOpen() & TcpFastOpen.CLIENT) == 0 && !s.fastOpenDeferred)
      return now(Result.fail(Errno.EOPNOTSUPP));
    boolean dataOnSyn =
        hut.host.fastOpenCookie(remoteAddress) != null
            || (hut.host.fastOpen() & TcpFastOpen.CLIENT_NO_COOKIE) != 0;
    try {
      s.connection =
          hut.host.connectFastOpen(
              localAddress,
              s.boundPort,
              remoteAddress,
              SCRIPT_PORT,
              options.tcp(s),
              data,
              hut.now());
    } catch (IllegalStateException e) {
      return now(Result.fail(Errno.EADDRINUSE));
    }
    s.fastOpenDeferred = false;
    options.applyOpened(s);
    hut.collect();
    liveLocalPort = s.connection.id().localPort();
    liveRemotePort = SCRIPT_PORT;
    int length = data.capacity();
    if (nonBlocking)
      return now(dataOnSyn ? Result.ok(data.position()) : Result.fail(Errno.EINPROGRESS));
    return () -> {
      Errno e = s.takeError();
      if (e != null) return Result.fail(e);
      int r = s.readiness();
      if ((r & Readiness.HANGUP) != 0 && (r & Readiness.CONNECTED) == 0)
        return Result.fail(Errno.ECONNABORTED);
      if ((r & Readiness.CONNECTED) == 0) return null;
      if (data.hasRemaining()) {
        s.connection.send(data, hut.now());
        hut.collect();
      }
      return data.hasRemaining() ? null : Result.ok(length);
    };
  }

  // ---- shutdown, close ----

  private Result shutdown(List<Expr> a) {
    arity(a, 2, "shutdown");
    ScriptSocket s = socketOf(a);
    if (s == null) return Result.fail(Errno.EBADF);
    if (s.connection == null) return Result.fail(Errno.ENOTCONN);
    String how = symbol(a.get(1));
    boolean wr = how.equals("SHUT_WR") || how.equals("SHUT_RDWR");
    boolean rd = how.equals("SHUT_RD") || how.equals("SHUT_RDWR");
    if (!wr && !rd) throw ScriptException.unsupported(0, "shutdown how " + how);
    if (rd) s.readShut = true;
    if (wr && !s.writeShut) {
      s.writeShut = true;
      if (s.connection.state() != TcpState.CLOSED) {
        try {
          s.connection.close(hut.now());
        } catch (TcpException e) {
          return Result.fail(Errno.ENOTCONN);
        }
        hut.collect();
      }
    }
    return Result.ok(0);
  }

  private Result close(List<Expr> a) {
    ScriptSocket s = socketOf(a);
    if (s == null) return Result.fail(Errno.EBADF);
    sockets.remove(s.fd);
    epoll.close(s.fd);
    if (underTest == s) underTest = null;
    if (s.listener != null) {
      s.listener.close(hut.now());
    } else if (s.connection != null && s.connection.state() != TcpState.CLOSED) {
      try {
        s.connection.closeFully(hut.now());
      } catch (TcpException e) {
        // Already closed by the peer: nothing to send.
      }
    }
    hut.collect();
    return Result.ok(0);
  }

  // ---- ioctl, names ----

  /**
   * ioctl: the queue sizes Linux reports ({@code SIOCINQ}/{@code FIONREAD}: bytes to read; {@code
   * SIOCOUTQ}: bytes sent and not acknowledged plus bytes not sent; {@code SIOCOUTQNSD}: bytes not
   * sent), compared with the script's {@code [N]}.
   */
  private Result ioctl(List<Expr> a) {
    arity(a, 3, "ioctl");
    ScriptSocket s = socketOf(a);
    if (s == null) return Result.fail(Errno.EBADF);
    String request = symbol(a.get(1));
    if (s.connection == null || s.connection.isReleased()) return Result.fail(Errno.EINVAL);
    var st = s.connection.status();
    long inFlight = Integer.toUnsignedLong(st.sndNxt() - st.sndUna());
    long value =
        switch (request) {
          case "SIOCINQ", "FIONREAD" -> st.receiveQueued();
          case "SIOCOUTQ" -> st.sendQueued();
          case "SIOCOUTQNSD" -> Math.max(0, st.sendQueued() - inFlight);
          default -> throw ScriptException.unsupported(0, "ioctl request " + request);
        };
    Long want = Symbols.evaluate(a.get(2));
    if (!(a.get(2) instanceof Expr.Ellipsis) && (want == null || want != value)) {
      throw ScriptException.mismatch(
          0, "ioctl(" + request + ") value", String.valueOf(a.get(2)), "[" + value + "]");
    }
    return Result.ok(0);
  }

  /**
   * getsockname and getpeername: the script writes the address as {@code ...}; a peer needs a
   * connection.
   */
  private Result name(List<Expr> a, String call) {
    arity(a, 3, call);
    ScriptSocket s = socketOf(a);
    if (s == null) return Result.fail(Errno.EBADF);
    if (!(a.get(1) instanceof Expr.Ellipsis))
      throw ScriptException.unsupported(
          0, call + "() address " + a.get(1) + " (compared only as ...)");
    if (call.equals("getpeername") && !s.connected()) return Result.fail(Errno.ENOTCONN);
    return Result.ok(0);
  }

  // ---- poll ----

  private Call poll(List<Expr> a) {
    arity(a, 3, "poll");
    if (!(a.get(0) instanceof Expr.Array fds))
      throw ScriptException.unsupported(0, "poll() without an array of pollfd");
    Long timeout = Symbols.evaluate(a.get(2));
    if (timeout == null) throw ScriptException.unsupported(0, "poll timeout " + a.get(2));
    return () -> {
      int ready = 0;
      for (Expr e : fds.elements()) {
        if (!(e instanceof Expr.Struct st)) throw ScriptException.unsupported(0, "poll entry " + e);
        Long fd = Symbols.evaluate(st.fields().get("fd"));
        Long events = Symbols.evaluate(st.fields().getOrDefault("events", new Expr.Num(0)));
        if (fd == null || events == null) throw ScriptException.unsupported(0, "poll entry " + e);
        if (PollBits.revents(sockets.get(fd.intValue()), events) != 0) ready++;
      }
      if (ready == 0 && timeout != 0) return null;
      // The revents the script expects are compared once the call returns.
      for (Expr e : fds.elements()) {
        Expr.Struct st = (Expr.Struct) e;
        Expr want = st.fields().get("revents");
        if (want == null) continue;
        ScriptSocket s = sockets.get(Symbols.evaluate(st.fields().get("fd")).intValue());
        long events = Symbols.evaluate(st.fields().getOrDefault("events", new Expr.Num(0)));
        long got = PollBits.revents(s, events);
        Long expected = Symbols.evaluate(want);
        if (expected == null || expected != got) {
          throw ScriptException.mismatch(
              0,
              "poll revents of fd " + st.fields().get("fd"),
              String.valueOf(want),
              Long.toString(got));
        }
      }
      return Result.ok(ready);
    };
  }

  // ---- arguments ----

  private ScriptSocket socketOf(List<Expr> a) {
    if (a.isEmpty()) throw ScriptException.syntax(0, "a socket call needs a descriptor");
    Long fd = Symbols.evaluate(a.getFirst());
    if (fd == null) throw ScriptException.unsupported(0, "descriptor " + a.getFirst());
    return sockets.get(fd.intValue());
  }

  private static String symbol(Expr e) {
    if (e instanceof Expr.Sym s) return s.name();
    throw ScriptException.unsupported(0, "expected a symbolic constant, not " + e);
  }

  private static void arity(List<Expr> a, int n, String call) {
    if (a.size() != n)
      throw ScriptException.syntax(0, call + " takes " + n + " arguments, not " + a.size());
  }
}
