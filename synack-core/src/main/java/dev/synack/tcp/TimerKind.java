package dev.synack.tcp;

/**
 * The timers of one connection (RFC 9293 §3.8, §3.10.8; RFC 1122 §4.2.3), each with its trace name.
 */
enum TimerKind {
  /**
   * The connection-establishment timer (FreeBSD's {@code TCP_KEEPINIT}): a handshake not done in
   * time drops the connection. First, so that when it expires with the retransmission timer, the
   * connection gives up rather than send one more SYN.
   */
  ESTABLISHMENT("KEEPINIT"),
  /**
   * The tail loss probe (RFC 8985 §7): PTO after the last ACK, a probe to draw SACK feedback.
   * Before the retransmission timer: a PTO capped at the RTO's deadline expires with it, and the
   * probe goes first (§7.2–7.3; in Linux the probe takes the RTO's place on their one timer).
   */
  LOSS_PROBE("TLP"),
  /** Retransmission timeout (RFC 6298): resends from SND.UNA. */
  RETRANSMIT("RTO"),
  /** 2 MSL in TIME-WAIT (RFC 9293 §3.10.8), then CLOSED. */
  TIME_WAIT("TIME_WAIT"),
  /**
   * How long an orphaned connection may wait for the peer's FIN (Linux {@code tcp_fin_timeout}).
   */
  FIN_WAIT_2("FIN_WAIT_2"),
  /** The user timeout (RFC 9293 §3.10.8, RFC 5482): unacknowledged data for too long aborts. */
  USER_TIMEOUT("USER_TIMEOUT"),
  /**
   * Delayed acknowledgment (RFC 1122 §4.2.3.2): the ACK of in-order data waits at most this long
   * (DelayedAck).
   */
  DELAYED_ACK("DELACK"),
  /** Zero-window probe (RFC 9293 §3.8.6.1). */
  PERSIST("PERSIST"),
  /**
   * Keep-alive (RFC 1122 §4.2.3.6): the next look at how long the peer has been silent (KeepAlive).
   */
  KEEPALIVE("KEEPALIVE"),
  /**
   * RACK's reorder timer (RFC 8985 §6.3): segments outstanding past RACK.rtt + reo_wnd are lost.
   */
  REORDER("RACK"),
  /**
   * Housekeeping, not a protocol timer, so not traced: a drained send or receive buffer keeps its
   * storage while the connection is busy and gives it back once idle (ByteQueue#reclaim).
   */
  RECLAIM(null),
  /**
   * The pacing timer (Linux's {@code pacing_timer}): the next segment may leave when it expires
   * ({@link Pacer}). Not traced: it runs once per segment or quantum of a paced flow.
   */
  PACING(null);

  private final String traceName;

  TimerKind(String traceName) {
    this.traceName = traceName;
  }

  /** Returns the trace's {@code timer} name. */
  String traceName() {
    return traceName;
  }

  /** Returns whether the timer's events appear in traces. */
  boolean traced() {
    return traceName != null;
  }
}
