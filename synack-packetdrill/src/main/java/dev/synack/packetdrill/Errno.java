package dev.synack.packetdrill;

import dev.synack.tcp.TcpError;

/**
 * The errno values the socket calls of a script can end with, with FreeBSD's numbers (the suites
 * were written on FreeBSD, and packetdrill prints the number with the name).
 */
enum Errno {
  ENOENT(2, "No such file or directory"),
  EBADF(9, "Bad file descriptor"),
  EEXIST(17, "File exists"),
  EAGAIN(35, "Resource temporarily unavailable"),
  EINPROGRESS(36, "Operation now in progress"),
  EALREADY(37, "Operation already in progress"),
  ENOTSOCK(38, "Socket operation on non-socket"),
  EDESTADDRREQ(39, "Destination address required"),
  ENOPROTOOPT(42, "Protocol not available"),
  EOPNOTSUPP(45, "Operation not supported"),
  EADDRINUSE(48, "Address already in use"),
  ECONNABORTED(53, "Software caused connection abort"),
  ECONNRESET(54, "Connection reset by peer"),
  ENOBUFS(55, "No buffer space available"),
  EISCONN(56, "Socket is already connected"),
  ENOTCONN(57, "Socket is not connected"),
  EPIPE(32, "Broken pipe"),
  EINVAL(22, "Invalid argument"),
  ETIMEDOUT(60, "Operation timed out"),
  ECONNREFUSED(61, "Connection refused"),
  ENETUNREACH(51, "Network is unreachable"),
  EHOSTUNREACH(65, "No route to host");

  final int number;
  final String text;

  Errno(int number, String text) {
    this.number = number;
    this.text = text;
  }

  /**
   * Returns the errno for a name, with packetdrill's alias EWOULDBLOCK for EAGAIN; null if unknown.
   */
  static Errno named(String name) {
    if (name.equals("EWOULDBLOCK")) return EAGAIN;
    for (Errno e : values()) if (e.name().equals(name)) return e;
    return null;
  }

  /**
   * Returns the errno a socket reports for a connection that closed with {@code error} (as BSD
   * sockets map them).
   */
  static Errno of(TcpError error) {
    return switch (error) {
      case CONNECTION_RESET -> ECONNRESET;
      case CONNECTION_REFUSED -> ECONNREFUSED;
      case CONNECTION_TIMED_OUT, CONNECTION_ABORTED_USER_TIMEOUT -> ETIMEDOUT;
      case CONNECTION_ABORTED -> ECONNABORTED;
      case CONNECTION_CLOSING -> EPIPE;
      case CONNECTION_DOES_NOT_EXIST, FOREIGN_SOCKET_UNSPECIFIED -> ENOTCONN;
      case CONNECTION_ALREADY_EXISTS -> EISCONN;
      case HOST_UNREACHABLE -> EHOSTUNREACH;
      case NETWORK_UNREACHABLE -> ENETUNREACH;
    };
  }

  @Override
  public String toString() {
    return name() + " (" + text + ")";
  }
}
