package dev.synack.packetdrill;

import dev.synack.packetdrill.SocketCalls.Result;
import dev.synack.stack.Connection;
import dev.synack.tcp.TcpConfig;
import java.time.Duration;

/**
 * What {@code setsockopt} and {@code getsockopt} do to a script's socket: each option the suites
 * use, mapped onto the engine's settings ({@link TcpConfig} before connect or listen, the {@link
 * Connection} after), with FreeBSD's units, values and errno (its {@code sosetopt}, {@code
 * sogetopt} and {@code tcp_default_ctloutput}). An option the engine cannot honour fails the script
 * as unsupported.
 *
 * <p>FreeBSD's getsockopt answers a boolean option with its flag bit ({@code SO_KEEPALIVE} 0x8,
 * {@code TCP_NODELAY} 0x4...), Linux's with 1; the profile decides.
 */
final class SocketOptions {
  /**
   * FreeBSD's {@code MCLBYTES} and {@code MSIZE}: a buffer may hold {@code kern.ipc.maxsockbuf}
   * scaled by their ratio ({@code sb_max_adj}).
   */
  private static final long MCLBYTES = 2048;

  private static final long MSIZE = 256;

  /** The options setsockopt emulates (besides SO_LINGER). */
  private static final java.util.Set<String> SETTABLE =
      java.util.Set.of(
          "SO_RCVBUF",
          "SO_SNDBUF",
          "SO_REUSEADDR",
          "SO_REUSEPORT",
          "SO_KEEPALIVE",
          "TCP_NODELAY",
          "TCP_NOOPT",
          "TCP_KEEPIDLE",
          "TCP_KEEPINTVL",
          "TCP_KEEPINIT",
          "TCP_KEEPCNT",
          "TCP_NOTSENT_LOWAT",
          "TCP_FASTOPEN",
          "TCP_FASTOPEN_CONNECT",
          "TCP_CORK",
          "TCP_USER_TIMEOUT",
          "TCP_MAXSEG",
          "TCP_QUICKACK");

  /**
   * Linux's {@code TCP_MIN_MSS} and {@code MAX_TCP_WINDOW}: the values TCP_MAXSEG takes (0 clears
   * it).
   */
  private static final long MIN_MSS = 88;

  private static final long MAX_MSS = 32767;

  private final HostUnderTest hut;
  private final Sysctls sysctls;
  private final Profile profile;
  private final MatchMode mode;

  SocketOptions(HostUnderTest hut, Sysctls sysctls, Profile profile, MatchMode mode) {
    this.hut = hut;
    this.sysctls = sysctls;
    this.profile = profile;
    this.mode = mode;
  }

  /**
   * setsockopt: sets an option.
   *
   * @throws ScriptException (unsupported) for an option or value the engine cannot honour
   */
  Result set(ScriptSocket s, String option, Expr valueExpr) {
    if (option.equals("SO_LINGER")) return setLinger(s, valueExpr);
    if (option.equals("TCP_CONGESTION")) return setCongestion(s, valueExpr);
    if (!SETTABLE.contains(option)) throw ScriptException.unsupported(0, "socket option " + option);
    Long value = Symbols.evaluate(valueExpr);
    if (value == null) throw ScriptException.unsupported(0, "setsockopt value " + valueExpr);
    Connection c = s.connection;
    boolean opened = c != null || s.listener != null;
    switch (option) {
      case "SO_RCVBUF", "SO_SNDBUF" -> {
        if (s.listener != null)
          throw ScriptException.unsupported(
              0, option + " on a listening socket (its connections' buffers are fixed at listen)");
        if (value < 1) return Result.fail(Errno.EINVAL);
        if (value > maxBuffer())
          return Result.fail(profile == Profile.FREEBSD ? Errno.ENOBUFS : Errno.EINVAL);
        int bytes = value.intValue();
        if (option.equals("SO_RCVBUF")) {
          s.receiveBuffer = bytes;
          if (c != null && !c.isReleased()) c.setReceiveBufferSize(bytes, hut.now());
        } else {
          s.sendBuffer = bytes;
          if (c != null && !c.isReleased()) c.setSendBufferSize(bytes, hut.now());
        }
        hut.collect();
      }
      case "SO_REUSEADDR" -> s.reuseAddress = value != 0;
      case "SO_REUSEPORT" -> s.reusePort = value != 0;
      case "TCP_CORK" -> {
        s.cork = value != 0;
        if (c != null && !c.isReleased()) c.configure(o -> o.setCork(s.cork));
        hut.collect();
      }
      case "TCP_QUICKACK" -> {
        // Linux (__tcp_sock_set_quickack): 0 enters ping-pong mode, holding quick ACKs back; any
        // other value leaves it and sends an ACK the delayed-ACK timer holds.
        int quick = value.intValue();
        s.quickAck = quick;
        if (c != null && !c.isReleased()) c.configure(o -> o.setQuickAck(quick, hut.now()));
        hut.collect();
      }
      case "TCP_USER_TIMEOUT" -> {
        if (value < 0 || value > 0x7fff_ffffL)
          return Result.fail(Errno.EINVAL); // Linux: an int, negative is EINVAL
        s.userTimeoutMs = value;
        if (c != null && !c.isReleased())
          c.configure(o -> o.setUserTimeout(Duration.ofMillis(s.userTimeoutMs), hut.now()));
        hut.collect();
      }
      case "TCP_MAXSEG" -> {
        if (value != 0 && (value < MIN_MSS || value > MAX_MSS)) return Result.fail(Errno.EINVAL);
        s.maxSegment = value.intValue();
        if (c != null && !c.isReleased() && value != 0)
          c.configure(o -> o.setMaxSegment(s.maxSegment));
        hut.collect();
      }
      case "SO_KEEPALIVE" -> {
        s.keepAlive = value != 0;
        if (c != null && !c.isReleased()) c.setKeepAlive(s.keepAlive, hut.now());
        hut.collect();
      }
      case "TCP_NODELAY" -> {
        s.noDelay = value != 0;
        if (c != null && !c.isReleased()) c.setNoDelay(s.noDelay);
        hut.collect();
      }
      case "TCP_NOOPT" -> {
        if (opened) throw ScriptException.unsupported(0, "TCP_NOOPT after connect or listen");
        s.noOptions = value != 0;
      }
      case "TCP_KEEPIDLE", "TCP_KEEPINTVL", "TCP_KEEPINIT", "TCP_KEEPCNT" -> {
        if (s.listener != null || (opened && option.equals("TCP_KEEPINIT"))) {
          throw ScriptException.unsupported(
              0, option + " after listen (or TCP_KEEPINIT after connect)");
        }
        // FreeBSD takes seconds (a count for TCP_KEEPCNT) as an unsigned int, at most UINT_MAX / hz
        // seconds; 0 means the sysctl's value again.
        if (value < 0 || value > 0xffff_ffffL / 1000) return Result.fail(Errno.EINVAL);
        switch (option) {
          case "TCP_KEEPIDLE" -> s.keepIdleSeconds = value;
          case "TCP_KEEPINTVL" -> s.keepIntervalSeconds = value;
          case "TCP_KEEPINIT" -> s.keepInitSeconds = value;
          default -> {
            if (value > 127)
              throw ScriptException.unsupported(
                  0, "TCP_KEEPCNT " + value + " (synack sends at most 127 probes)");
            s.keepCount = value.intValue();
          }
        }
        if (c != null && !c.isReleased())
          c.configure(
              o -> o.setKeepAliveTiming(keepIdle(s), keepInterval(s), keepCount(s), hut.now()));
        hut.collect();
      }
      case "TCP_NOTSENT_LOWAT" -> {
        // Linux (tcp_setsockopt): an unsigned int; 0 means the sysctl's limit, UINT_MAX by default
        // (none).
        s.notSentLowat = value & 0xffff_ffffL;
        if (c != null && !c.isReleased()) c.configure(o -> o.setNotSentLowat(notSentLowat(s)));
        hut.collect();
      }
      case "TCP_FASTOPEN" -> {
        // Linux (do_tcp_setsockopt): the Fast Open queue length of a socket that is or will be
        // listening.
        if (c != null || value < 0 || value > Integer.MAX_VALUE) return Result.fail(Errno.EINVAL);
        s.fastOpenQueue = value.intValue();
        if (s.listener != null) s.listener.setFastOpenQueueLength(s.fastOpenQueue);
      }
      case "TCP_FASTOPEN_CONNECT" -> {
        if (c != null) return Result.fail(Errno.EINVAL);
        s.fastOpenConnect = value != 0;
      }
      default -> throw ScriptException.unsupported(0, "socket option " + option);
    }
    return Result.ok(0);
  }

  /**
   * Applies to a connection just opened (connect, or Fast Open's first write) the options that act
   * on a connection rather than its settings: before its SYN leaves, as Linux's socket has them.
   */
  void applyOpened(ScriptSocket s) {
    Connection c = s.connection;
    if (s.lingerSeconds == 0) c.setSoLinger(true, 0);
    if (s.cork || s.userTimeoutMs != 0 || s.maxSegment != 0 || s.notSentLowat != 0) {
      c.configure(
          o -> {
            if (s.cork) o.setCork(true);
            if (s.userTimeoutMs != 0)
              o.setUserTimeout(Duration.ofMillis(s.userTimeoutMs), hut.now());
            if (s.maxSegment != 0) o.setMaxSegment(s.maxSegment);
            if (s.notSentLowat != 0) o.setNotSentLowat(notSentLowat(s));
          });
    }
  }

  /**
   * Returns TCP_NOTSENT_LOWAT in force: the socket's, or for 0 the sysctl's default of no limit.
   */
  private static long notSentLowat(ScriptSocket s) {
    return s.notSentLowat != 0 ? s.notSentLowat : 0xffff_ffffL;
  }

  private Duration keepIdle(ScriptSocket s) {
    return Duration.ofMillis(
        s.keepIdleSeconds != 0 ? s.keepIdleSeconds * 1000 : sysctls.keepAliveIdleMs());
  }

  private Duration keepInterval(ScriptSocket s) {
    return Duration.ofMillis(
        s.keepIntervalSeconds != 0 ? s.keepIntervalSeconds * 1000 : sysctls.keepAliveIntervalMs());
  }

  private int keepCount(ScriptSocket s) {
    return s.keepCount != 0 ? s.keepCount : sysctls.keepAliveCount();
  }

  /**
   * TCP_CONGESTION with the algorithm's name as a string, {@code "bbr"}: ENOENT for a name synack
   * does not have, as Linux for one not loaded.
   */
  private Result setCongestion(ScriptSocket s, Expr valueExpr) {
    if (!(valueExpr instanceof Expr.Str(String linuxName)))
      throw ScriptException.unsupported(0, "TCP_CONGESTION value " + valueExpr + " (not a string)");
    String name = engineName(linuxName);
    if (!TcpConfig.congestionControls().contains(name)) return Result.fail(Errno.ENOENT);
    s.congestion = name;
    Connection c = s.connection;
    if (c != null && !c.isReleased()) c.setCongestionControl(name);
    hut.collect();
    return Result.ok(0);
  }

  /**
   * Returns the engine's name for a Linux congestion control: Linux's "reno" is NewReno's recovery,
   * synack's "newreno".
   */
  private static String engineName(String linuxName) {
    return linuxName.equals("reno") ? "newreno" : linuxName;
  }

  /** Returns the name Linux gives the engine's congestion control ({@code tcp_reno} is "reno"). */
  private static String linuxName(String engineName) {
    return engineName.equals("newreno") ? "reno" : engineName;
  }

  /**
   * SO_LINGER with a struct linger, in packetdrill's spelling {@code {onoff=1, linger=0}} or the C
   * field names {@code {l_onoff=1, l_linger=0}}: off, or on with 0 seconds (close resets).
   */
  private Result setLinger(ScriptSocket s, Expr valueExpr) {
    if (!(valueExpr instanceof Expr.Struct st))
      throw ScriptException.unsupported(
          0, "SO_LINGER value " + valueExpr + " (not a struct linger)");
    Expr onoffExpr = st.field("onoff", "l_onoff");
    Expr secondsExpr = st.field("linger", "l_linger");
    if (onoffExpr == null || secondsExpr == null || st.fields().size() != 2) {
      throw ScriptException.syntax(0, "SO_LINGER takes {onoff=N, linger=N}, not " + valueExpr);
    }
    Long onoff = Symbols.evaluate(onoffExpr);
    Long seconds = Symbols.evaluate(secondsExpr);
    if (onoff == null || seconds == null)
      throw ScriptException.unsupported(0, "SO_LINGER value " + valueExpr);
    if (onoff != 0 && seconds != 0) {
      // close() would block until the FIN is acknowledged or the time runs out: not emulated.
      throw ScriptException.unsupported(
          0, "SO_LINGER with a time of " + seconds + " s (a close that waits)");
    }
    s.lingerSeconds = onoff != 0 ? 0 : -1;
    if (s.connection != null && !s.connection.isReleased()) s.connection.setSoLinger(onoff != 0, 0);
    return Result.ok(0);
  }

  /**
   * Returns the largest buffer a socket may ask for: FreeBSD's {@code sb_max_adj}, else the
   * engine's 1 GiB.
   */
  private long maxBuffer() {
    Long maxSockBuf = sysctls.get("kern.ipc.maxsockbuf");
    if (profile != Profile.FREEBSD || maxSockBuf == null) return 1L << 30;
    return Math.min(1L << 30, maxSockBuf * MCLBYTES / (MSIZE + MCLBYTES));
  }

  /**
   * getsockopt: compares the option's value with the one the script expects.
   *
   * @throws ScriptException (mismatch) when they differ, (unsupported) for an option not emulated
   */
  void get(ScriptSocket s, String option, Expr want) {
    Connection c = s.connection != null && !s.connection.isReleased() ? s.connection : null;
    switch (option) {
      case "SO_ERROR" -> {
        Errno e = s.takeError();
        String seen = e == null ? "0" : e.name();
        String expected =
            want instanceof Expr.Sym sym
                ? canonicalErrno(sym.name())
                : String.valueOf(Symbols.evaluate(want));
        if (!(want instanceof Expr.Ellipsis) && !expected.equals(seen)) {
          throw ScriptException.mismatch(0, "getsockopt(SO_ERROR) value", expected, seen);
        }
      }
      // Buffer sizes are defaults, like window values: --match semantic does not compare them.
      case "SO_RCVBUF" -> {
        if (mode == MatchMode.EXACT) compare(option, want, receiveBuffer(s));
      }
      case "SO_SNDBUF" -> {
        if (mode == MatchMode.EXACT) compare(option, want, sendBuffer(s));
      }
      case "SO_KEEPALIVE" -> compare(option, want, flag(s.keepAlive, 0x8));
      case "SO_REUSEADDR" -> compare(option, want, flag(s.reuseAddress, 0x4));
      case "SO_REUSEPORT" -> compare(option, want, flag(s.reusePort, 0x200));
      case "TCP_CORK" -> compare(option, want, (c != null ? c.options().cork() : s.cork) ? 1 : 0);
      // Linux (do_tcp_getsockopt): 1 unless in ping-pong mode.
      case "TCP_QUICKACK" ->
          compare(option, want, (c != null ? c.options().quickAck() : s.quickAck != 0) ? 1 : 0);
      case "TCP_USER_TIMEOUT" ->
          compare(option, want, c != null ? c.options().userTimeout().toMillis() : s.userTimeoutMs);
      // Linux (do_tcp_getsockopt): the MSS in use once connected; before, the one set, or 536.
      case "TCP_MAXSEG" ->
          compare(
              option,
              want,
              c != null && c.state().isSynchronized()
                  ? c.options().maxSegment()
                  : s.maxSegment != 0 ? s.maxSegment : 536);
      case "TCP_CONGESTION" -> {
        String seen =
            linuxName(
                c != null
                    ? c.congestionControl()
                    : s.congestion != null ? s.congestion : sysctls.tcp().congestionControl());
        if (!(want instanceof Expr.Ellipsis)
            && !(want instanceof Expr.Str(String name) && name.equals(seen))) {
          throw ScriptException.mismatch(
              0, "getsockopt(TCP_CONGESTION) value", String.valueOf(want), seen);
        }
      }
      case "SO_LINGER" -> getLinger(s, want);
      case "TCP_NODELAY" -> compare(option, want, flag(s.noDelay, 0x4));
      case "TCP_NOOPT" -> compare(option, want, flag(s.noOptions, 0x8));
      case "TCP_KEEPIDLE" ->
          compare(option, want, seconds(s.keepIdleSeconds, sysctls.keepAliveIdleMs()));
      case "TCP_KEEPINTVL" ->
          compare(option, want, seconds(s.keepIntervalSeconds, sysctls.keepAliveIntervalMs()));
      case "TCP_KEEPINIT" ->
          compare(option, want, seconds(s.keepInitSeconds, sysctls.establishmentTimeoutMs()));
      case "TCP_KEEPCNT" ->
          compare(option, want, s.keepCount != 0 ? s.keepCount : sysctls.keepAliveCount());
      case "TCP_NOTSENT_LOWAT" ->
          compare(option, want, c != null ? c.options().notSentLowat() : s.notSentLowat);
      case "TCP_FASTOPEN" -> compare(option, want, s.fastOpenQueue);
      case "TCP_FASTOPEN_CONNECT" -> compare(option, want, s.fastOpenConnect ? 1 : 0);
      default -> throw ScriptException.unsupported(0, "socket option " + option);
    }
  }

  private void getLinger(ScriptSocket s, Expr want) {
    if (want instanceof Expr.Ellipsis) return;
    if (!(want instanceof Expr.Struct st))
      throw ScriptException.unsupported(0, "SO_LINGER value " + want + " (not a struct linger)");
    Expr onoff = st.field("onoff", "l_onoff");
    Expr seconds = st.field("linger", "l_linger");
    if (onoff != null) compare("SO_LINGER l_onoff", onoff, flag(s.lingerSeconds >= 0, 0x80));
    if (seconds != null) compare("SO_LINGER l_linger", seconds, Math.max(0, s.lingerSeconds));
  }

  /** Returns a boolean option as getsockopt reports it: FreeBSD's flag bit, or Linux's 1. */
  private long flag(boolean on, long freeBsdBit) {
    if (!on) return 0;
    return profile == Profile.FREEBSD ? freeBsdBit : 1;
  }

  /**
   * Returns a time option in whole seconds, as FreeBSD's ticks / hz: the socket's own, or the
   * sysctl's (in ms).
   */
  private static long seconds(long socketSeconds, long sysctlMs) {
    return socketSeconds != 0 ? socketSeconds : sysctlMs / 1000;
  }

  /**
   * Returns SO_RCVBUF: the connection's receive buffer once there is one, else the socket's
   * setting.
   */
  static int receiveBuffer(ScriptSocket s) {
    if (s.connection != null && !s.connection.isReleased()) return s.connection.receiveBufferSize();
    return s.receiveBuffer;
  }

  private static int sendBuffer(ScriptSocket s) {
    if (s.connection != null && !s.connection.isReleased()) return s.connection.sendBufferSize();
    return s.sendBuffer;
  }

  private static String canonicalErrno(String name) {
    Errno e = Errno.named(name);
    return e == null ? name : e.name();
  }

  private static void compare(String option, Expr want, long seen) {
    if (want instanceof Expr.Ellipsis) return;
    Long expected = Symbols.evaluate(want);
    if (expected == null) throw ScriptException.unsupported(0, "getsockopt value " + want);
    if (expected != seen)
      throw ScriptException.mismatch(
          0, "getsockopt(" + option + ") value", String.valueOf(expected), String.valueOf(seen));
  }

  /**
   * Returns the settings a socket's connections start with: the sysctls', with its buffers, Nagle,
   * keep-alive and establishment timing, and no options under TCP_NOOPT.
   */
  TcpConfig tcp(ScriptSocket s) {
    TcpConfig c =
        sysctls
            .tcp()
            .withBuffers(s.receiveBuffer, s.sendBuffer)
            .withNoDelay(s.noDelay)
            .withKeepAlive(
                s.keepAlive,
                Duration.ofMillis(
                    s.keepIdleSeconds != 0 ? s.keepIdleSeconds * 1000 : sysctls.keepAliveIdleMs()),
                Duration.ofMillis(
                    s.keepIntervalSeconds != 0
                        ? s.keepIntervalSeconds * 1000
                        : sysctls.keepAliveIntervalMs()),
                s.keepCount != 0 ? s.keepCount : sysctls.keepAliveCount())
            .withEstablishmentTimeout(
                Duration.ofMillis(
                    s.keepInitSeconds != 0
                        ? s.keepInitSeconds * 1000
                        : sysctls.establishmentTimeoutMs()));
    if (s.congestion != null) c = c.withCongestionControl(s.congestion);
    if (s.noOptions) {
      // FreeBSD's TCP_NOOPT leaves every option out of SYN and SYN-ACK, the MSS too (tcp_output,
      // syncache_respond).
      c =
          c.withMssOption(false)
              .withWindowScale(false, c.windowScaleShift())
              .withSackPermitted(false)
              .withTimestamps(false, 0);
    }
    return c;
  }

  /**
   * Returns how a listening socket shares its port: SO_REUSEPORT as set; SO_REUSEADDR as set under
   * the Linux profile (a port a connection holds is then EADDRINUSE without it, as Linux's {@code
   * inet_csk_bind_conflict}); under FreeBSD's always on, since FreeBSD's own bind rules ({@code
   * in_pcbbind_setup}) are not modelled.
   */
  dev.synack.stack.BindOptions bind(ScriptSocket s) {
    return new dev.synack.stack.BindOptions(
        s.reuseAddress || profile == Profile.FREEBSD, s.reusePort);
  }

  /**
   * Gives a socket accepted from a listener the listener's options, as FreeBSD's {@code sonewconn}
   * and syncache do.
   */
  static void inherit(ScriptSocket child, ScriptSocket listener) {
    child.noOptions = listener.noOptions;
    child.noDelay = listener.noDelay;
    child.congestion = listener.congestion;
    child.keepAlive = listener.keepAlive;
    child.keepIdleSeconds = listener.keepIdleSeconds;
    child.keepIntervalSeconds = listener.keepIntervalSeconds;
    child.keepInitSeconds = listener.keepInitSeconds;
    child.keepCount = listener.keepCount;
    child.lingerSeconds = listener.lingerSeconds;
    child.reuseAddress = listener.reuseAddress;
    child.reusePort = listener.reusePort;
    child.cork = listener.cork;
    child.userTimeoutMs = listener.userTimeoutMs;
    child.notSentLowat = listener.notSentLowat;
  }
}
