package dev.synack.stack;

import dev.synack.tcp.Status;
import dev.synack.tcp.TcpState;

/**
 * The readiness mask of a connection or listener: which calls would go on now without waiting,
 * computed from its state, in the manner of gVisor's {@code waiter.EventMask} and Linux's {@code
 * tcp_poll}. Waiters (blocking sockets, selectors) register against these bits.
 *
 * <p>A mask is an {@code int} of the bits below; {@link #toString(int)} names them.
 */
public final class Readiness {
  /** Data is readable, or a read would end (end of stream) or fail at once (an error). */
  public static final int READABLE = 1;

  /** A send would take bytes now: the connection is open for sending and its buffer has room. */
  public static final int WRITABLE = 1 << 1;

  /** A listener has an established connection waiting to be accepted. */
  public static final int ACCEPTABLE = 1 << 2;

  /** The handshake completed: the connection reached ESTABLISHED (and may have moved on). */
  public static final int CONNECTED = 1 << 3;

  /** The connection closed on an error (refused, reset, timed out, unreachable). */
  public static final int ERROR = 1 << 4;

  /** The peer's FIN arrived: after what is queued, reads end (Linux's {@code POLLRDHUP}). */
  public static final int READ_HANGUP = 1 << 5;

  /** Both directions are done, or the connection is CLOSED (Linux's {@code POLLHUP}). */
  public static final int HANGUP = 1 << 6;

  /** Every bit. */
  public static final int ALL = (1 << 7) - 1;

  /**
   * The mask of a stream socket that has no connection (made, perhaps bound, never connected): no
   * peer, so hung up, and writable because a write fails at once; as Linux's {@code tcp_poll}
   * reports for {@code TCP_CLOSE} with nothing shut down ({@code EPOLLOUT | EPOLLHUP}).
   */
  public static final int UNCONNECTED = WRITABLE | HANGUP;

  private static final String[] NAMES = {
    "READABLE", "WRITABLE", "ACCEPTABLE", "CONNECTED", "ERROR", "READ_HANGUP", "HANGUP"
  };

  private Readiness() {}

  /**
   * Returns the mask of a connection, as Linux's {@code tcp_poll} computes it: READABLE with queued
   * data, after the peer's FIN, or once CLOSED; WRITABLE while SENDs are accepted (ESTABLISHED,
   * CLOSE_WAIT, a Fast Open child's SYN-RECEIVED) and the send buffer has room (and the unsent
   * bytes are under half of {@code TCP_NOTSENT_LOWAT} when it is set), or once sending can only
   * fail (after our FIN, or CLOSED), so a writer learns of it at once.
   */
  public static int of(Connection c) {
    Status s = c.engine.status();
    TcpState state = s.state();
    int mask = 0;
    boolean finReceived =
        switch (state) {
          case CLOSE_WAIT, CLOSING, LAST_ACK, TIME_WAIT -> true;
          default -> false;
        };
    if (state == TcpState.CLOSED) {
      // Every call now ends or fails at once: Linux sets POLLIN, POLLOUT, POLLRDHUP and POLLHUP
      // (and
      // POLLERR after an error) for TCP_CLOSE, and a CLOSED connection is no longer CONNECTED.
      mask |= HANGUP | READ_HANGUP | READABLE | WRITABLE;
      if (c.closeError != null) mask |= ERROR;
      return mask;
    }
    if (state.ordinal() >= TcpState.ESTABLISHED.ordinal()) mask |= CONNECTED;
    if (s.receiveQueued() > 0 || finReceived) mask |= READABLE;
    if (finReceived) mask |= READ_HANGUP;
    if (state == TcpState.TIME_WAIT || state == TcpState.LAST_ACK || state == TcpState.CLOSING)
      mask |= HANGUP;
    // A Fast Open child may write in SYN-RECEIVED (RFC 7413 §4.2.2): Linux's tcp_poll treats it as
    // open (fastopen_rsk).
    boolean sending =
        state == TcpState.ESTABLISHED
            || state == TcpState.CLOSE_WAIT
            || (state == TcpState.SYN_RECEIVED && (c.fastOpen & Connection.FAST_OPEN_PENDING) != 0);
    if (sending
        && s.sendQueued() < c.engine.sendBufferSize()
        && dev.synack.tcp.ConnectionOptions.belowLowat(
            c.engine)) { // TCP_NOTSENT_LOWAT, as tcp_poll's tcp_stream_memory_free
      mask |= WRITABLE;
    }
    // Our FIN is queued (CLOSE or shutdown(SHUT_WR)): a SEND can only fail now, and tcp_poll sets
    // EPOLLOUT once SEND_SHUTDOWN is set, so a writer waiting learns of it at once.
    if (sendShut(state)) mask |= WRITABLE;
    return mask;
  }

  private static boolean sendShut(TcpState state) {
    return switch (state) {
      case FIN_WAIT_1, FIN_WAIT_2, CLOSING, LAST_ACK, TIME_WAIT -> true;
      default -> false;
    };
  }

  /** Returns the mask of a listener: ACCEPTABLE while a connection waits, HANGUP once closed. */
  public static int of(Listener l) {
    if (l.isClosed()) return HANGUP;
    return l.pendingAccepts() > 0 ? ACCEPTABLE : 0;
  }

  /** Returns the bits' names joined by {@code |}, or {@code 0} for none. */
  public static String toString(int mask) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < NAMES.length; i++) {
      if ((mask & (1 << i)) != 0) b.append(b.isEmpty() ? "" : "|").append(NAMES[i]);
    }
    return b.isEmpty() ? "0" : b.toString();
  }
}
