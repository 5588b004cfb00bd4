package dev.synack.tcp;

/**
 * The eleven connection states of RFC 9293 §3.3.2 (figure 5). {@link #name()} is the name traces,
 * tools and tests use ({@code SYN_RECEIVED}, {@code TIME_WAIT}...).
 */
public enum TcpState {
  /** No connection: the TCB does not exist (a fictional state, RFC 9293 §3.3.2). */
  CLOSED,
  /** Waiting for a connection request from any remote TCP and port. */
  LISTEN,
  /** A connection request (SYN) was sent; waiting for a matching one. */
  SYN_SENT,
  /** A SYN was received and one sent; waiting for the acknowledgment of ours. */
  SYN_RECEIVED,
  /** An open connection: data flows both ways. */
  ESTABLISHED,
  /** Our FIN was sent (or is queued after data); waiting for its ACK or the peer's FIN. */
  FIN_WAIT_1,
  /** Our FIN is acknowledged; waiting for the peer's FIN. The peer may still send data. */
  FIN_WAIT_2,
  /** The peer's FIN was received; waiting for the local user to close. We may still send. */
  CLOSE_WAIT,
  /** Both FINs were sent (simultaneous close); waiting for the ACK of ours. */
  CLOSING,
  /** Our FIN, sent after the peer's, waits for its ACK. */
  LAST_ACK,
  /**
   * Both FINs acknowledged; waiting 2 MSL so that the last ACK can be resent and old segments die.
   */
  TIME_WAIT;

  /**
   * Returns whether the state is synchronized (RFC 9293 §3.5.2): a connection has been established,
   * or is being established with both ISNs known (SYN-RECEIVED onwards).
   */
  public boolean isSynchronized() {
    return ordinal() >= SYN_RECEIVED.ordinal();
  }
}
