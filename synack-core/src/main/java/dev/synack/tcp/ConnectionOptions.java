package dev.synack.tcp;

import java.time.Duration;

/**
 * The options a user sets on one connection, as Linux's {@code setsockopt} on a TCP socket: {@code
 * TCP_USER_TIMEOUT} (RFC 9293 §3.8.3 and RFC 5482's user timeout), {@code TCP_KEEPIDLE}, {@code
 * TCP_KEEPINTVL}, {@code TCP_KEEPCNT} (RFC 1122 §4.2.3.6), {@code TCP_MAXSEG}, {@code
 * TCP_NOTSENT_LOWAT} and {@code TCP_CORK}. Each replaces the connection's settings with a copy that
 * has the change, so that a connection whose user sets nothing holds nothing more; timers already
 * running are moved to the new values. Call on the connection's thread, with {@code now} as for
 * every engine call.
 */
public final class ConnectionOptions {
  /** Linux's {@code TCP_MIN_MSS} ... {@code MAX_TCP_WINDOW}: the values TCP_MAXSEG takes. */
  private static final int MIN_MSS = 88;

  private static final int MAX_MSS = 32767;
  private final TcpConnection c;

  ConnectionOptions(TcpConnection connection) {
    this.c = connection;
  }

  /**
   * Sets {@code TCP_USER_TIMEOUT}: how long sent data may stay unacknowledged (and a zero window
   * unopened) before the connection is aborted with "connection aborted due to user timeout" (RFC
   * 9293 §3.10.8); zero turns it off, leaving R2's retransmission count. With data in flight the
   * limit counts from now, as a new user timeout does in RFC 9293 §3.10.8 ("restart").
   */
  public void setUserTimeout(Duration timeout, long now) {
    if (timeout.isNegative())
      throw new IllegalArgumentException("user timeout is negative: " + timeout);
    c.cfg = c.cfg.withUserTimeout(timeout);
    c.timers.cancel(TimerKind.USER_TIMEOUT, now);
    if (!timeout.isZero() && c.snd.hasOutstanding() && c.state != TcpState.CLOSED) {
      c.timers.set(TimerKind.USER_TIMEOUT, TimeMath.after(now, timeout.toNanos()), now);
    }
  }

  /** Returns {@code TCP_USER_TIMEOUT}; zero when off. */
  public Duration userTimeout() {
    return Duration.ofNanos(c.cfg.userTimeout());
  }

  /**
   * Sets keep-alive's timing: {@code TCP_KEEPIDLE} (silence before the first probe), {@code
   * TCP_KEEPINTVL} (between probes) and {@code TCP_KEEPCNT} (unanswered probes before the peer is
   * taken for dead). Linux takes each alone; pass the present value for those unchanged. When
   * keep-alive is on, the next probe is due after the new idle time since the peer was last heard.
   */
  public void setKeepAliveTiming(Duration idle, Duration interval, int count, long now) {
    c.cfg = c.cfg.withKeepAlive(c.keepAlive.on(), idle, interval, count);
    if (c.keepAlive.on() && c.keepAliveState()) {
      c.timers.set(TimerKind.KEEPALIVE, Math.max(now, c.keepAlive.idleDeadline(c.cfg)), now);
    }
  }

  /** Returns {@code TCP_KEEPIDLE}. */
  public Duration keepAliveIdle() {
    return Duration.ofNanos(c.cfg.keepAliveIdle());
  }

  /** Returns {@code TCP_KEEPINTVL}. */
  public Duration keepAliveInterval() {
    return Duration.ofNanos(c.cfg.keepAliveInterval());
  }

  /** Returns {@code TCP_KEEPCNT}. */
  public int keepAliveCount() {
    return c.cfg.keepAliveCount();
  }

  /**
   * Sets {@code TCP_MAXSEG}, 88 to 32767 bytes as Linux takes it: before our SYN leaves, the MSS it
   * announces and the most we send (RFC 9293 §3.7.1); afterwards a ceiling on the segments we send,
   * which only ever lowers the effective MSS.
   */
  public void setMaxSegment(int mss) {
    if (mss < MIN_MSS || mss > MAX_MSS)
      throw new IllegalArgumentException("TCP_MAXSEG out of range 88..32767: " + mss);
    boolean synSent = c.state != TcpState.SYN_SENT || c.snd.sndNxt != c.snd.iss;
    if (!synSent) {
      // Linux's user_mss: it clamps the MSS the route gives (tcp_connect_init, tcp_mss_clamp);
      // the user's settings are not copied for it.
      c.params = c.params.withMss(Math.min(mss, c.params.mss()));
      c.opts = new OptionsNegotiation(c.cfg, c.params, c.id.isIpv6());
    } else {
      c.opts.lowerPathMss(mss);
    }
  }

  /**
   * Sets {@code TCP_NOTSENT_LOWAT}: a SEND takes data only while fewer than {@code bytes} wait
   * unsent, and a writer waiting is told it may write ({@link ConnectionEvent.Writable}) once the
   * unsent bytes fall below half of it, as Linux's {@code tcp_stream_memory_free} (its {@code
   * notsent << 1 < lowat} on wake-up). Linux may overshoot by the rest of a socket buffer it is
   * filling; a SEND here stops at the limit. 0xffffffff, the default, sets no limit.
   */
  public void setNotSentLowat(long bytes) {
    c.cfg = c.cfg.withNotSentLowat(bytes);
    c.onSendBufferFreed();
  }

  /** Returns {@code TCP_NOTSENT_LOWAT}. */
  public long notSentLowat() {
    return c.cfg.notSentLowat();
  }

  /**
   * Queues what of {@code data} the send buffer and {@code TCP_NOTSENT_LOWAT} take; returns the
   * count.
   */
  static int writeWithinLowat(TcpConnection c, java.nio.ByteBuffer data) {
    long lowat = c.cfg.notSentLowat();
    if (lowat >= 0xffff_ffffL) return c.snd.write(data);
    long room = lowat - c.snd.unsent();
    if (room <= 0) return 0;
    if (data.remaining() <= room) return c.snd.write(data);
    java.nio.ByteBuffer part = data.duplicate().limit(data.position() + (int) room);
    int n = c.snd.write(part);
    data.position(data.position() + n);
    return n;
  }

  /**
   * Returns whether {@code TCP_NOTSENT_LOWAT} lets a writer be told it may write (poll's POLLOUT):
   * no limit set, or the unsent bytes under half of it.
   */
  public static boolean belowLowat(TcpConnection c) {
    long lowat = c.cfg.notSentLowat();
    return lowat >= 0xffff_ffffL || 2L * c.snd.unsent() < lowat;
  }

  /**
   * Sets {@code TCP_CORK}: while on, segments smaller than the MSS wait (for more data, the FIN, or
   * the 200 ms ceiling Linux's probe timer gives when nothing is in flight); turning it off sends
   * what waits when Nagle is off and leaves it to Nagle otherwise, as Linux ({@link Cork}).
   */
  public void setCork(boolean on) {
    Cork.set(c.snd, on);
  }

  /** Returns {@code TCP_CORK}. */
  public boolean cork() {
    return c.snd.corked;
  }

  /**
   * Sets {@code TCP_QUICKACK} as Linux's {@code __tcp_sock_set_quickack}. 0 enters ping-pong mode:
   * the quick ACKs that start the data (or follow an idle spell) wait for the delayed-ACK timer
   * like any other, until the timer has had to send one ({@link DelayedAck}). Any other value
   * leaves that mode, and in ESTABLISHED or CLOSE-WAIT an ACK the timer holds goes at the next
   * {@link TcpConnection#pollTransmit} when the application has read everything received, or more
   * than a full segment waits for its ACK (Linux's {@code tcp_cleanup_rbuf} with {@code
   * ICSK_ACK_PUSHED}); an even value then enters ping-pong mode again. Neither value is permanent,
   * as tcp(7) says: the connection's own events move it in and out of the mode.
   */
  public void setQuickAck(int value, long now) {
    DelayedAck d = c.rcv.delayedAck();
    if (value == 0) {
      d.setPingpong(true);
      return;
    }
    d.setPingpong(false);
    boolean established = c.state == TcpState.ESTABLISHED || c.state == TcpState.CLOSE_WAIT;
    if (established && c.timers.isSet(TimerKind.DELAYED_ACK)) {
      if (c.rcv.queued() == 0 || c.rcv.unacknowledged() > Math.max(d.rcvMss(), 1)) {
        c.timers.cancel(TimerKind.DELAYED_ACK, now);
        c.ackNow = true;
      }
      if ((value & 1) == 0) d.setPingpong(true);
    }
  }

  /**
   * Returns {@code TCP_QUICKACK} as Linux's getsockopt: false in ping-pong mode (quick ACKs held
   * back), else true.
   */
  public boolean quickAck() {
    return !c.rcv.delayedAck().pingpong();
  }

  /**
   * Returns {@code TCP_MAXSEG} as Linux's getsockopt does: the effective MSS once synchronized,
   * else the one we announce.
   */
  public int maxSegment() {
    return c.state.isSynchronized() ? c.opts.effectiveMss() : c.params.mss();
  }
}
