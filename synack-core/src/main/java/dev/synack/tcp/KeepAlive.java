package dev.synack.tcp;

/**
 * Keep-alive (RFC 1122 §4.2.3.6) as Linux does it ({@code tcp_keepalive_timer}): after {@link
 * TcpConfig#keepAliveIdle()} without hearing from the peer, a probe every {@link
 * TcpConfig#keepAliveInterval()}; after {@link TcpConfig#keepAliveCount()} unanswered probes the
 * peer is taken for dead. Anything the peer sends restarts the count. Off by default ("MUST default
 * to off"); the user may turn it on or off at any time ({@code SO_KEEPALIVE}).
 *
 * <p>The timer is not moved by every arriving segment: when it fires, it looks how long the peer
 * has been silent and sleeps again for the rest of the idle time, as Linux does.
 */
final class KeepAlive {
  /** What to do when the keep-alive timer fires. */
  enum Action {
    /** The peer spoke within the idle time: sleep until {@link #idleDeadline(TcpConfig)}. */
    WAIT,
    /** Send a probe and wait the interval. */
    PROBE,
    /** Every probe went unanswered: the connection is dead. */
    GIVE_UP
  }

  /** Whether probing is on. */
  private boolean on;

  /**
   * Probes sent since the peer was last heard from (Linux's {@code icsk_probes_out}); at most
   * {@link TcpConfig#keepAliveCount()}, which is at most 127 (Linux's {@code MAX_TCP_KEEPCNT}).
   */
  private byte probesOut;

  /** When the peer was last heard from: an acceptable segment arrived. */
  private long lastHeardAt;

  /**
   * Takes whether probing starts on; the idle time, interval and count are read from the
   * connection's {@link TcpConfig} when needed (the connection holds it; this holds no copy).
   */
  KeepAlive(boolean on) {
    this.on = on;
  }

  boolean on() {
    return on;
  }

  void setOn(boolean on) {
    this.on = on;
  }

  /** Notes an acceptable segment from the peer: it is alive, the probes so far are answered. */
  void onHeard(long now) {
    lastHeardAt = now;
    probesOut = 0;
  }

  /**
   * Returns when the connection will have been idle long enough for a probe, with the idle time of
   * {@code cfg}.
   */
  long idleDeadline(TcpConfig cfg) {
    return TimeMath.after(lastHeardAt, cfg.keepAliveIdle());
  }

  /**
   * Decides what the expired timer does under {@code cfg}'s timing, counting the probe it sends.
   */
  Action onTimeout(long now, TcpConfig cfg) {
    if (probesOut == 0 && now - lastHeardAt < cfg.keepAliveIdle()) return Action.WAIT;
    if (probesOut >= cfg.keepAliveCount()) return Action.GIVE_UP;
    probesOut++;
    return Action.PROBE;
  }

  /** Returns the probes sent and unanswered. */
  int probesOut() {
    return probesOut;
  }
}
