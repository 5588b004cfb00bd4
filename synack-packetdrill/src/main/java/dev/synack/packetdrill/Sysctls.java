package dev.synack.packetdrill;

import dev.synack.tcp.TcpChoices;
import dev.synack.tcp.TcpConfig;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The FreeBSD sysctl variables the suites set ({@code sysctl -w net.inet.tcp.sack.enable=1}) and
 * what each means here. A variable is either mapped to an engine setting, accepted only at the one
 * value synack behaves as (with the reason in {@link #FIXED}), or not supported: then the line
 * fails its script, since the stack would not behave as the script assumes.
 *
 * <p>Values are read when a socket is created, as FreeBSD copies most of them into the socket or
 * its TCB then; the scripts set them first.
 */
final class Sysctls {
  /** Variables mapped to engine settings, with the value each profile starts from. */
  private static final Map<String, Long> MAPPED_FREEBSD =
      Map.ofEntries(
          Map.entry("net.inet.tcp.insecure_rst", 0L),
          Map.entry("net.inet.tcp.insecure_syn", 0L),
          Map.entry("net.inet.tcp.drop_synfin", 0L),
          Map.entry("net.inet.tcp.rfc1323", 1L),
          Map.entry("net.inet.tcp.sack.enable", 1L),
          Map.entry("kern.ipc.maxsockbuf", 2097152L),
          Map.entry("net.inet.tcp.recvspace", 65536L),
          Map.entry("net.inet.tcp.sendspace", 32768L),
          Map.entry("net.inet.tcp.rexmit_initial", 1000L),
          Map.entry("net.inet.tcp.rexmit_slop", 200L),
          Map.entry("net.inet.tcp.rexmit_drop_options", 0L),
          Map.entry("net.inet.tcp.tolerate_missing_ts", 1L),
          // Keep-alive and connection-establishment timing, in ms (the socket options give
          // seconds).
          Map.entry("net.inet.tcp.keepidle", 7_200_000L),
          Map.entry("net.inet.tcp.keepintvl", 75_000L),
          Map.entry("net.inet.tcp.keepcnt", 8L),
          Map.entry("net.inet.tcp.keepinit", 75_000L));

  /**
   * Variables synack accepts only at the value it behaves as, and why that value holds. Any other
   * value fails the script as unsupported.
   */
  static final Map<String, Fixed> FIXED =
      Map.of(
          // FreeBSD's defaults: cookies when the syncache overflows, the syncache first
          // (syncache.c).
          "net.inet.tcp.syncookies",
              new Fixed(
                  1,
                  "synack answers with SYN cookies once the SYN queue is full (HostConfig.synCookies WHEN_SYN_QUEUE_FULL)"),
          "net.inet.tcp.syncookies_only",
              new Fixed(0, "synack keeps a SYN queue and uses cookies only when it is full"),
          "net.inet.tcp.blackhole",
              new Fixed(0, "closed ports are answered with a RST, as RFC 9293 §3.10.7.1 says"),
          "net.inet.tcp.hostcache.purgenow",
              new Fixed(1, "synack keeps no per-host cache, so there is nothing to flush"),
          "net.inet.tcp.ecn.enable",
              new Fixed(
                  2,
                  "synack never asks for ECN (2: only when the peer asks; synack then answers without it)"));

  /** FreeBSD's {@code net.inet.tcp.rexmit_min}, the floor its RTO never goes below. */
  private static final long REXMIT_MIN_MS = 30;

  /** A value synack behaves as, and why. */
  record Fixed(long value, String reason) {}

  private final Map<String, Long> values = new HashMap<>();
  private final LinuxSysctls linux = new LinuxSysctls();
  private final java.util.Set<String> linuxSet = new java.util.HashSet<>();
  private final Profile profile;

  /**
   * Starts from the profile's values: the FreeBSD profile's are FreeBSD's defaults; the others
   * leave every variable unset, so that their own settings hold until a script sets one.
   */
  Sysctls(Profile profile) {
    this.profile = profile;
    if (profile == Profile.FREEBSD) values.putAll(MAPPED_FREEBSD);
  }

  /**
   * Sets a variable from its text, as {@code sysctl NAME=VALUE} gives it: Linux's by {@link
   * LinuxSysctls}, FreeBSD's here. Returns a warning for a setting synack accepts without the
   * mechanism behind it, else null.
   *
   * @throws ScriptException (unsupported) for a variable or value synack cannot honour
   */
  String set(String name, String value) {
    if (LinuxSysctls.knows(name)) {
      String warning = linux.set(name, value);
      linuxSet.add(name);
      return warning;
    }
    long v;
    try {
      v = value.startsWith("0x") ? Long.parseLong(value.substring(2), 16) : Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw ScriptException.unsupported(
          0,
          "sysctl "
              + name
              + "="
              + value
              + (MAPPED_FREEBSD.containsKey(name) || FIXED.containsKey(name)
                  ? " (not a number)"
                  : " (no equivalent setting in synack)"));
    }
    set(name, v);
    return null;
  }

  /**
   * Gives the host the {@code tcp_fastopen} mode and key a script set (Linux's), when it set them.
   */
  void applyFastOpen(dev.synack.stack.Host host) {
    long mode = linux.fastOpenModeSet();
    if (mode >= 0) host.setFastOpen((int) (mode & 0xffff));
    byte[] key = linux.fastOpenKeySet();
    if (key != null) {
      host.setFastOpenKey(
          java.util.Arrays.copyOf(key, 16),
          key.length == 32 ? java.util.Arrays.copyOfRange(key, 16, 32) : null);
    }
  }

  /** Returns whether synack knows the variable (to set it or to refuse its value). */
  static boolean knows(String name) {
    return LinuxSysctls.knows(name) || MAPPED_FREEBSD.containsKey(name) || FIXED.containsKey(name);
  }

  /**
   * Sets a FreeBSD variable.
   *
   * @throws ScriptException (unsupported) for a variable or value synack cannot honour
   */
  void set(String name, long value) {
    if (MAPPED_FREEBSD.containsKey(name)) {
      check(name, value);
      values.put(name, value);
      return;
    }
    Fixed fixed = FIXED.get(name);
    if (fixed != null) {
      // ecn.enable=0 (never use ECN) behaves as 2 does for a stack without ECN.
      boolean ok = value == fixed.value || (name.equals("net.inet.tcp.ecn.enable") && value == 0);
      if (!ok)
        throw ScriptException.unsupported(
            0,
            "sysctl "
                + name
                + "="
                + value
                + " (synack behaves as "
                + fixed.value
                + ": "
                + fixed.reason
                + ")");
      return;
    }
    throw ScriptException.unsupported(0, "sysctl " + name + " (no equivalent setting in synack)");
  }

  private static void check(String name, long value) {
    boolean ok =
        switch (name) {
          case "net.inet.tcp.rfc1323",
              "net.inet.tcp.sack.enable",
              "net.inet.tcp.insecure_rst",
              "net.inet.tcp.insecure_syn",
              "net.inet.tcp.drop_synfin",
              "net.inet.tcp.rexmit_drop_options",
              "net.inet.tcp.tolerate_missing_ts" ->
              value == 0 || value == 1;
          case "net.inet.tcp.recvspace", "net.inet.tcp.sendspace" ->
              value >= 1 && value <= (1 << 30);
          case "net.inet.tcp.rexmit_initial" -> value >= 1 && value <= 64_000;
          case "net.inet.tcp.rexmit_slop" -> value >= 0 && value <= 10_000;
          // FreeBSD's sysctl_msec_to_ticks refuses values below one tick; synack's keep-alive count
          // is at most 127.
          case "net.inet.tcp.keepidle", "net.inet.tcp.keepintvl", "net.inet.tcp.keepinit" ->
              value >= 1 && value <= Integer.MAX_VALUE;
          case "net.inet.tcp.keepcnt" -> value >= 1 && value <= 127;
          default -> value >= 0;
        };
    if (!ok)
      throw ScriptException.unsupported(0, "sysctl " + name + "=" + value + " (out of range)");
  }

  /** Returns a variable's value, or null when neither the profile nor the script set it. */
  Long get(String name) {
    return values.get(name);
  }

  private long get(String name, long unset) {
    Long v = values.get(name);
    return v == null ? unset : v;
  }

  /**
   * Returns the keep-alive idle time in ms ({@code keepidle}), the default TCP_KEEPIDLE; the
   * profile's own when no script or profile sets the variable. Likewise {@code keepAliveInterval},
   * {@link #keepAliveCount} and {@link #establishmentTimeoutMs} (0: none).
   */
  long keepAliveIdleMs() {
    return get("net.inet.tcp.keepidle", profile.tcp().keepAliveIdle() / 1_000_000);
  }

  long keepAliveIntervalMs() {
    return get("net.inet.tcp.keepintvl", profile.tcp().keepAliveInterval() / 1_000_000);
  }

  int keepAliveCount() {
    return (int) get("net.inet.tcp.keepcnt", profile.tcp().keepAliveCount());
  }

  long establishmentTimeoutMs() {
    return get("net.inet.tcp.keepinit", profile.tcp().establishmentTimeout() / 1_000_000);
  }

  /** Returns the default SO_RCVBUF of a new socket. */
  int receiveSpace() {
    if (linuxSet.contains("net.ipv4.tcp_rmem")) return linux.receiveSpace();
    return (int) get("net.inet.tcp.recvspace", profile.tcp().receiveBuffer());
  }

  /** Returns the default SO_SNDBUF of a new socket. */
  int sendSpace() {
    if (linuxSet.contains("net.ipv4.tcp_wmem")) return linux.sendSpace();
    return (int) get("net.inet.tcp.sendspace", profile.tcp().sendBuffer());
  }

  /**
   * Returns the settings a new socket's connections start with: the profile's, with RFC 1323
   * options, SACK, the initial and the minimum RTO and its slop, keep-alive timing, the
   * connection-establishment timeout, the window scale and RFC 793's or RFC 5961's handling of
   * in-window RSTs and SYNs ({@code insecure_rst}, {@code insecure_syn}), SYN+FIN segments ({@code
   * drop_synfin}), options in SYN retransmissions ({@code rexmit_drop_options}) and segments
   * missing the negotiated timestamps ({@code tolerate_missing_ts}) as the variables say. FreeBSD
   * picks the smallest shift that lets a window reach {@code kern.ipc.maxsockbuf} ({@code
   * tcp_connect}, {@code syncache_add}): 6 for 2 MiB.
   */
  TcpConfig tcp() {
    TcpConfig base = profile.tcp();
    boolean rfc1323 =
        get("net.inet.tcp.rfc1323", base.windowScale() || base.timestamps() ? 1 : 0) == 1;
    int shift = base.windowScaleShift();
    Long maxSockBuf = get("kern.ipc.maxsockbuf");
    if (maxSockBuf != null) {
      shift = 0;
      while (shift < 14 && (65535L << shift) < maxSockBuf) shift++;
    }
    Duration initial = Duration.ofNanos(base.initialRto());
    Duration min = Duration.ofNanos(base.minRto());
    Long initialMs = get("net.inet.tcp.rexmit_initial");
    if (initialMs != null) initial = Duration.ofMillis(initialMs);
    Long slopMs = get("net.inet.tcp.rexmit_slop");
    // FreeBSD adds rexmit_slop to every RTO it computes, with rexmit_min (30 ms) as the floor.
    Duration slop = Duration.ofNanos(base.rtoSlop());
    if (slopMs != null) {
      slop = Duration.ofMillis(slopMs);
      min = Duration.ofMillis(REXMIT_MIN_MS);
    }
    if (min.compareTo(initial) > 0) min = initial;
    Duration max = Duration.ofNanos(Math.max(base.maxRto(), initial.toNanos()));
    TcpChoices choices =
        base.choices()
            .withInWindowRstResets(
                get("net.inet.tcp.insecure_rst", base.choices().inWindowRstResets() ? 1 : 0) == 1)
            .withInWindowSynResets(
                get("net.inet.tcp.insecure_syn", base.choices().inWindowSynResets() ? 1 : 0) == 1)
            .withSynFinDropped(
                get("net.inet.tcp.drop_synfin", base.choices().synFinDropped() ? 1 : 0) == 1)
            .withSynOptionsDroppedOnThirdRetransmission(
                get(
                        "net.inet.tcp.rexmit_drop_options",
                        base.choices().synOptionsDroppedOnThirdRetransmission() ? 1 : 0)
                    == 1)
            .withSegmentsWithoutTimestampsDropped(
                get(
                        "net.inet.tcp.tolerate_missing_ts",
                        base.choices().segmentsWithoutTimestampsDropped() ? 0 : 1)
                    == 0);
    TcpConfig c =
        base.withChoices(choices)
            .withSackPermitted(get("net.inet.tcp.sack.enable", base.sackPermitted() ? 1 : 0) == 1)
            .withRto(initial, min, max)
            .withRtoSlop(slop)
            .withKeepAlive(
                base.keepAlive(),
                Duration.ofMillis(keepAliveIdleMs()),
                Duration.ofMillis(keepAliveIntervalMs()),
                keepAliveCount())
            .withEstablishmentTimeout(Duration.ofMillis(establishmentTimeoutMs()));
    if (values.containsKey("net.inet.tcp.rfc1323") || maxSockBuf != null) {
      c = c.withWindowScale(rfc1323, shift).withTimestamps(rfc1323, base.timestampOffset());
    }
    return linux.apply(c);
  }
}
