package dev.synack.tcp;

/**
 * The errors a user call or a connection can end with: the messages of RFC 9293 §3.10, each with
 * the RFC's text, plus the timeouts of §3.8.3 and §3.10.8 and the ICMP errors of RFC 1122 §4.2.3.9.
 */
public enum TcpError {
  /** §3.10.2–3.10.6 in CLOSED: the TCB does not exist. */
  CONNECTION_DOES_NOT_EXIST("connection does not exist"),
  /** §3.10.1: OPEN for a connection that already exists. */
  CONNECTION_ALREADY_EXISTS("connection already exists"),
  /** §3.10.2–3.10.4 after a CLOSE (ours or, for RECEIVE, the peer's with nothing left to read). */
  CONNECTION_CLOSING("connection closing"),
  /** §3.10.7.4 second step: the peer reset the connection. */
  CONNECTION_RESET("connection reset"),
  /** §3.10.7.3 / §3.10.7.4: our SYN was answered by a RST (Linux's ECONNREFUSED). */
  CONNECTION_REFUSED("connection refused"),
  /** §3.10.8: the user timeout expired with data still unacknowledged. */
  CONNECTION_ABORTED_USER_TIMEOUT("connection aborted due to user timeout"),
  /** §3.8.3: retransmissions reached R2 (or the SYN retries ran out); Linux's ETIMEDOUT. */
  CONNECTION_TIMED_OUT("connection timed out"),
  /** §3.10.2: SEND in LISTEN when the foreign socket is unspecified. */
  FOREIGN_SOCKET_UNSPECIFIED("foreign socket unspecified"),
  /**
   * The local user closed the connection while unread data remained, which resets it (RFC 1122
   * §4.2.2.13).
   */
  CONNECTION_ABORTED("connection aborted"),
  /**
   * An ICMP error said the peer's host cannot be reached (destination unreachable: host, address,
   * administratively prohibited; time exceeded), Linux's EHOSTUNREACH: at once during the
   * handshake, or instead of "timed out" once data went unanswered (RFC 1122 §4.2.3.9).
   */
  HOST_UNREACHABLE("host unreachable"),
  /** As {@link #HOST_UNREACHABLE}, for a network the routers cannot reach (Linux's ENETUNREACH). */
  NETWORK_UNREACHABLE("network unreachable");

  private final String rfcText;

  TcpError(String rfcText) {
    this.rfcText = rfcText;
  }

  /** Returns the message as RFC 9293 words it, e.g. {@code connection reset}. */
  public String rfcText() {
    return rfcText;
  }
}
