package dev.synack.packetdrill;

import dev.synack.stack.Connection;
import dev.synack.stack.Listener;
import dev.synack.stack.Readiness;
import dev.synack.tcp.TcpError;
import dev.synack.tcp.TcpState;

/**
 * A socket a script holds by file descriptor: its options, what it is bound to, and the listener or
 * connection of the host behind it. Its state as {@code sockstat} shows it follows from those.
 */
final class ScriptSocket {
  final int fd;
  boolean nonBlocking;
  int receiveBuffer;
  int sendBuffer;
  boolean reuseAddress;

  /** SO_REUSEPORT: listen() joins the port's group (Linux's reuseport groups). */
  boolean reusePort;

  /** TCP_CORK: partial segments wait. */
  boolean cork;

  /** TCP_QUICKACK as last set (1 until set), for getsockopt before a connection exists. */
  int quickAck = 1;

  /** TCP_USER_TIMEOUT in ms, 0 for none. */
  long userTimeoutMs;

  /** TCP_MAXSEG as set, 0 for none. */
  int maxSegment;

  /** TCP_NOOPT: no options in our SYN or SYN-ACK. */
  boolean noOptions;

  /** TCP_NODELAY: Nagle's algorithm off. */
  boolean noDelay;

  /** TCP_CONGESTION: the congestion control's name, {@code null} for the sysctl's. */
  String congestion;

  /** SO_KEEPALIVE. */
  boolean keepAlive;

  /**
   * TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPINIT in seconds, and TCP_KEEPCNT; 0 for the sysctl's
   * value, as FreeBSD.
   */
  long keepIdleSeconds;

  long keepIntervalSeconds;
  long keepInitSeconds;
  int keepCount;

  /** TCP_NOTSENT_LOWAT as set: 0 for the sysctl's (no limit). */
  long notSentLowat;

  /** TCP_FASTOPEN on a listener: its Fast Open queue length (RFC 7413), 0 for none. */
  int fastOpenQueue;

  /**
   * TCP_FASTOPEN_CONNECT: connect() uses Fast Open, deferring the SYN to the first write when a
   * cookie is cached.
   */
  boolean fastOpenConnect;

  /**
   * Whether connect() was deferred by TCP_FASTOPEN_CONNECT: the first write opens the connection
   * with its data.
   */
  boolean fastOpenDeferred;

  /** SO_LINGER: -1 off, else the linger time in seconds (only 0 is emulated). */
  int lingerSeconds = -1;

  /** The port given by bind, 0 when unbound. */
  int boundPort;

  Listener listener;
  Connection connection;

  /** Whether shutdown(SHUT_WR) or close was called: no more writes. */
  boolean writeShut;

  /** Whether shutdown(SHUT_RD) was called: reads return end of stream. */
  boolean readShut;

  /**
   * Whether the error that closed the connection was reported (SO_ERROR, or a failed call), as
   * so_error is cleared once read.
   */
  private boolean errorReported;

  ScriptSocket(int fd, int receiveBuffer, int sendBuffer) {
    this.fd = fd;
    this.receiveBuffer = receiveBuffer;
    this.sendBuffer = sendBuffer;
  }

  /**
   * Returns the error that closed the connection and clears it, as getsockopt(SO_ERROR) does; null
   * when none is pending.
   */
  Errno takeError() {
    Errno e = pendingError();
    if (e != null) errorReported = true;
    return e;
  }

  /** Returns the pending error without clearing it. */
  Errno pendingError() {
    if (connection == null || errorReported) return null;
    TcpError error = connection.closeError();
    return error == null ? null : Errno.of(error);
  }

  /**
   * Returns the socket's {@link Readiness} mask: its listener's or connection's, or {@link
   * Readiness#UNCONNECTED} with neither; less ERROR once the error was reported, as reading {@code
   * so_error} clears it and with it {@code POLLERR} (Linux's {@code sock_error}).
   */
  int readiness() {
    if (listener != null) return listener.readiness();
    if (connection == null) return Readiness.UNCONNECTED;
    int mask = connection.readiness();
    return errorReported ? mask & ~Readiness.ERROR : mask;
  }

  /**
   * Returns whether the handshake completed and the connection is not CLOSED (readiness's
   * CONNECTED).
   */
  boolean connected() {
    return connection != null && (connection.readiness() & Readiness.CONNECTED) != 0;
  }

  /** Returns the state's name as FreeBSD's {@code sockstat -s} prints it. */
  String sockstatState() {
    if (listener != null) return listener.isClosed() ? "CLOSED" : "LISTEN";
    if (connection == null) return "CLOSED";
    return sockstatName(connection.state());
  }

  /** Returns a TCP state's name as {@code sockstat} and {@code netstat} print it on FreeBSD. */
  static String sockstatName(TcpState state) {
    return state == TcpState.SYN_RECEIVED ? "SYN_RCVD" : state.name();
  }
}
