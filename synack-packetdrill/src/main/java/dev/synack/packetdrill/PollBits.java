package dev.synack.packetdrill;

import dev.synack.stack.Readiness;

/**
 * The bits poll() and epoll_wait() report for a socket, read off the core's {@link Readiness} mask:
 * the runner keeps no readiness rules of its own, as Linux's {@code tcp_poll} and {@code
 * inet_csk_listen_poll} translate one socket state into both calls' bits.
 *
 * <p>Numbers are Linux's; poll's {@code POLLIN}, {@code POLLOUT}, {@code POLLERR} and {@code
 * POLLHUP} are FreeBSD's too, and epoll's bits are poll's.
 */
final class PollBits {
  static final long POLLIN = 0x1;
  static final long POLLPRI = 0x2;
  static final long POLLOUT = 0x4;
  static final long POLLERR = 0x8;
  static final long POLLHUP = 0x10;

  /** An unknown descriptor; poll() only. */
  static final long POLLNVAL = 0x20;

  static final long POLLRDNORM = 0x40;

  /** Linux's POLLRDHUP and EPOLLRDHUP: the peer shut its sending side. */
  static final long POLLRDHUP = 0x2000;

  private PollBits() {}

  /**
   * Returns the bits of a readiness mask: POLLIN and POLLRDNORM when readable or acceptable,
   * POLLOUT when writable, POLLERR on an error, POLLHUP when hung up, POLLRDHUP once the peer's FIN
   * arrived.
   */
  static long of(int readiness) {
    long bits = 0;
    if ((readiness & (Readiness.READABLE | Readiness.ACCEPTABLE)) != 0) bits |= POLLIN | POLLRDNORM;
    if ((readiness & Readiness.WRITABLE) != 0) bits |= POLLOUT;
    if ((readiness & Readiness.ERROR) != 0) bits |= POLLERR;
    if ((readiness & Readiness.HANGUP) != 0) bits |= POLLHUP;
    if ((readiness & Readiness.READ_HANGUP) != 0) bits |= POLLRDHUP;
    return bits;
  }

  /**
   * Returns what poll() reports for a descriptor asking for {@code events}: the asked bits, and
   * POLLERR and POLLHUP always (POSIX: "ignored in events"); POLLNVAL for no socket.
   */
  static long revents(ScriptSocket s, long events) {
    if (s == null) return POLLNVAL;
    return of(s.readiness()) & (events | POLLERR | POLLHUP);
  }
}
