package dev.synack.stack;

import dev.synack.tcp.FastOpenOutcome;
import dev.synack.tcp.FourTuple;
import dev.synack.tcp.TcpConnection;
import dev.synack.tcp.TcpError;
import dev.synack.wire.TcpOption;
import dev.synack.wire.TcpSegment;
import java.net.InetAddress;

/**
 * A host's TCP Fast Open (RFC 7413): the switch Linux calls {@code net.ipv4.tcp_fastopen}, the
 * server's cookie keys, and the client's cookie cache. Connections do the protocol ({@link
 * TcpConnection#useFastOpen}, {@link TcpConnection#acceptFastOpen}); this decides, as Linux's
 * {@code tcp_fastopen.c}, what each SYN sends and whether a SYN's data is taken.
 */
public final class TcpFastOpen {
  /**
   * {@code tcp_fastopen} bit: clients may use Fast Open (MSG_FASTOPEN, TCP_FASTOPEN_CONNECT);
   * Linux's default.
   */
  public static final int CLIENT = 0x1;

  /**
   * {@code tcp_fastopen} bit: listeners with a Fast Open queue ({@code TCP_FASTOPEN}) take data on
   * SYNs.
   */
  public static final int SERVER = 0x2;

  /** {@code tcp_fastopen} bit: clients send data on the SYN without a cookie. */
  public static final int CLIENT_NO_COOKIE = 0x4;

  /** {@code tcp_fastopen} bit: listeners take data on a SYN without a cookie. */
  public static final int SERVER_COOKIE_NOT_REQUIRED = 0x200;

  /**
   * {@code tcp_fastopen} bit: every listener takes Fast Open, its backlog as its queue length,
   * without {@code TCP_FASTOPEN}.
   */
  public static final int SERVER_WITHOUT_SOCKOPT = 0x400;

  /** What a listener answers to a SYN with a Fast Open option. */
  record ServerAnswer(boolean takeData, byte[] synAckCookie) {}

  private final HostCounters counters;
  private final FastOpenCookies cookies;
  private final FastOpenCache cache = new FastOpenCache();
  private int mode = CLIENT;

  /**
   * {@code net.ipv4.tcp_fastopen_blackhole_timeout_sec} in ns: how long client Fast Open pauses
   * after a suspected blackhole, doubled per pause in a row up to 64 times; 0, Linux's default
   * since 5.14, turns detection off.
   */
  private long blackholeTimeout;

  /** Linux's {@code tfo_active_disable_times}: pauses in a row; 0 when Fast Open is not paused. */
  private int disableTimes;

  /** Linux's {@code tfo_active_disable_stamp}: when the last pause began. */
  private long disableStamp;

  TcpFastOpen(HostCounters counters, long k0, long k1) {
    this.counters = counters;
    this.cookies = new FastOpenCookies(k0, k1);
  }

  int mode() {
    return mode;
  }

  void setMode(int bits) {
    if (bits < 0) throw new IllegalArgumentException("tcp_fastopen is negative: " + bits);
    mode = bits;
  }

  FastOpenCookies cookies() {
    return cookies;
  }

  FastOpenCache cache() {
    return cache;
  }

  /**
   * Sets {@code tcp_fastopen_blackhole_timeout_sec}; zero turns blackhole detection off (and ends a
   * pause).
   */
  void setBlackholeTimeout(java.time.Duration timeout) {
    if (timeout.isNegative())
      throw new IllegalArgumentException("tcp_fastopen_blackhole_timeout is negative: " + timeout);
    blackholeTimeout = timeout.toNanos();
  }

  java.time.Duration blackholeTimeout() {
    return java.time.Duration.ofNanos(blackholeTimeout);
  }

  /**
   * Returns the pauses in a row that blackhole detection has made (Linux's {@code
   * tfo_active_disable_times}).
   */
  int blackholePauses() {
    return disableTimes;
  }

  /**
   * Sets up an active open's Fast Open before its SYN leaves ({@code tcp_fastopen_cookie_check}):
   * the cached cookie, with which the data queued rides on the SYN; or a cookie request; or, with
   * {@link #CLIENT_NO_COOKIE}, data without a cookie. Nothing while client Fast Open is off, during
   * a blackhole pause, or during the backoff after repeated SYN-data losses. Returns the
   * connection's Fast Open flags ({@link Connection#FAST_OPEN_ACTIVE}...), 0 when the SYN does not
   * use it.
   */
  byte onActiveOpen(TcpConnection engine, InetAddress server, long now) {
    if ((mode & CLIENT) == 0) return 0;
    if (pausedByBlackhole(now)) return 0;
    FastOpenCache.Entry e = cache.get(server);
    if (!cache.dataAllowed(e, now)) return 0;
    int mss = e == null ? 0 : e.mss();
    if ((mode & CLIENT_NO_COOKIE) != 0) {
      engine.useFastOpen(null, false, true, mss);
    } else if (e != null && e.cookie() != null) {
      engine.useFastOpen(e.cookie(), e.experimental(), false, mss);
    } else {
      engine.useFastOpen(new byte[0], false, false, mss);
    }
    // The first open after a pause is watched (Linux's syn_fastopen_ch): data coming back ends the
    // doubling.
    return (byte)
        (Connection.FAST_OPEN_ACTIVE
            | Connection.FAST_OPEN_USED
            | (disableTimes > 0 ? Connection.FAST_OPEN_CHECK : 0));
  }

  /**
   * Returns whether client Fast Open is paused after a suspected blackhole, as Linux's {@code
   * tcp_fastopen_active_should_disable}: for the timeout times 2^(pauses - 1), at most 2^6, from
   * the last pause's start.
   */
  private boolean pausedByBlackhole(long now) {
    if (blackholeTimeout == 0 || disableTimes == 0) return false;
    long pause = blackholeTimeout * (1L << Math.min(disableTimes - 1, 6));
    return now - disableStamp < pause;
  }

  /**
   * Looks at a connection whose SYN used Fast Open after a timer fired, as Linux's {@code
   * tcp_fastopen_active_detect_blackhole}: "broken middle-boxes may black-hole Fast Open connection
   * during or even after the handshake", so its third retransmission timeout in a row (its SYN's
   * included), or its giving up before that, pauses client Fast Open for the whole host ({@code
   * tcp_fastopen_active_disable}; counted as TCPFastOpenBlackhole).
   */
  void afterTimeout(Connection c, int timeoutsBefore, long now) {
    if (blackholeTimeout == 0) return;
    int timeouts = FastOpenOutcome.consecutiveTimeouts(c.engine);
    boolean fired = timeouts > timeoutsBefore;
    boolean expired =
        c.closeError == TcpError.CONNECTION_TIMED_OUT
            || c.closeError == TcpError.CONNECTION_ABORTED_USER_TIMEOUT;
    if ((fired && timeouts == 3) || (expired && timeouts < 3)) pause(now);
  }

  /**
   * Looks at a RST about to reach a connection whose SYN used Fast Open, as Linux's {@code
   * tcp_validate_incoming}: one in the window but not at RCV.NXT (answered with a challenge ACK,
   * RFC 5961 §3.2) in ESTABLISHED, while our SYN carried data and no data came back, is taken for a
   * middlebox's doing, and client Fast Open pauses.
   */
  void beforeReset(TcpConnection engine, int seq, long now) {
    if (FastOpenOutcome.synDataSent(engine) > 0
        && !FastOpenOutcome.dataReceived(engine)
        && FastOpenOutcome.resetChallengedInEstablished(engine, seq)) pause(now);
  }

  /** Pauses client Fast Open (Linux's {@code tcp_fastopen_active_disable}). */
  private void pause(long now) {
    if (blackholeTimeout == 0) return;
    disableStamp = now;
    disableTimes++;
    counters.fastOpenBlackhole++;
  }

  /**
   * Takes the end of a connection whose SYN used Fast Open, as Linux's {@code
   * tcp_fastopen_active_disable_ofo_check}. With no data received, a FIN alone waiting out of order
   * says a middlebox let the peer's FIN through and dropped its data: client Fast Open pauses
   * (counted as TCPFastOpenBlackhole). With data received over a connection opened just after a
   * pause ({@code checked}) from a peer that is not this host's loopback, Fast Open works again, so
   * the next pause starts from the base timeout.
   */
  void onUsedClosed(TcpConnection engine, InetAddress server, boolean checked, long now) {
    if (!FastOpenOutcome.dataReceived(engine)) {
      // Linux's syn_fastopen: our SYN carried data with Fast Open.
      if (FastOpenOutcome.synDataSent(engine) > 0 && FastOpenOutcome.finAloneHeld(engine)) {
        pause(now);
      }
    } else if (checked && disableTimes > 0 && !server.isLoopbackAddress()) {
      disableTimes = 0;
    }
  }

  /**
   * Records what the handshake of an active open with Fast Open gave: the cookie, and whether the
   * SYN's data was lost or acknowledged.
   */
  void onActiveConnected(TcpConnection engine, InetAddress server, long now) {
    byte[] cookie = FastOpenOutcome.cookie(engine);
    cache.update(
        server, cookie, engine.negotiatedOptions().peerMss(), FastOpenOutcome.synLost(engine), now);
    if (FastOpenOutcome.synData(engine) > 0) {
      counters.fastOpenActive++;
    } else if (FastOpenOutcome.synLost(engine) || FastOpenOutcome.synDataSent(engine) > 0) {
      counters.fastOpenActiveFail++;
    }
  }

  /**
   * Answers a SYN to a listener as Linux's {@code tcp_try_fastopen}: null for a plain handshake
   * (server Fast Open off, no option and no data, or the listener's Fast Open queue full), else
   * whether the SYN's data is taken and the cookie the SYN-ACK offers. A valid cookie takes the
   * data (one valid only under the backup key also gets a fresh cookie); a cookie request or an
   * invalid cookie gets a fresh cookie and a plain handshake; {@link #SERVER_COOKIE_NOT_REQUIRED}
   * takes data without a cookie.
   */
  ServerAnswer onSyn(TcpSegment syn, FourTuple id, Listener listener) {
    if ((mode & SERVER) == 0) return null;
    TcpOption.FastOpen option = syn.options().fastOpen();
    boolean data = syn.payloadLength() > 0;
    if (option == null && !data) return null;
    int queueLength = listener.fastOpenQueueLength();
    if (queueLength == 0 && (mode & SERVER_WITHOUT_SOCKOPT) != 0) queueLength = listener.backlog();
    if (queueLength == 0) return null;
    if (listener.fastOpenPending >= queueLength) {
      counters.fastOpenListenOverflow++;
      return null;
    }
    if (option != null && option.isRequest()) counters.fastOpenCookieRequested++;
    if (data && (mode & SERVER_COOKIE_NOT_REQUIRED) != 0) {
      counters.fastOpenPassive++;
      return new ServerAnswer(true, null);
    }
    if (option == null) return null;
    byte[] fresh = cookies.cookie(id.remoteAddress(), id.localAddress());
    if (option.isRequest()) return new ServerAnswer(false, fresh);
    FastOpenCookies.Check check =
        cookies.check(option.cookie(), id.remoteAddress(), id.localAddress());
    if (check == FastOpenCookies.Check.INVALID) {
      counters.fastOpenPassiveFail++;
      return new ServerAnswer(false, fresh);
    }
    counters.fastOpenPassive++;
    if (check == FastOpenCookies.Check.BACKUP) counters.fastOpenPassiveAltKey++;
    return new ServerAnswer(true, check == FastOpenCookies.Check.BACKUP ? fresh : null);
  }
}
