package dev.synack.packetdrill;

import dev.synack.tcp.TcpConfig;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Linux's TCP sysctl variables ({@code net.ipv4.tcp_*}, set by {@code sysctl -q NAME=VALUE} or by
 * packetdrill's {@code defaults.sh}) and what each means here: mapped onto an engine setting,
 * accepted at the values synack behaves as, or unsupported.
 *
 * <p>A variable for a mechanism synack does not have (F-RTO, pacing ratios, TSO deferral...) is
 * accepted at Linux's own default or {@code defaults.sh}'s value with a warning in the script's
 * result, since the script then only restates the setting every Linux script runs with; at the
 * value that turns the mechanism off it is accepted silently, and any other value is unsupported.
 */
final class LinuxSysctls {
  /**
   * A variable synack has no setting for: accepted silently at the values it behaves as ({@code
   * exact}), with a warning at the values of a mechanism it lacks ({@code warned}, {@code *} for
   * any), unsupported at any other.
   */
  record Accepted(List<String> exact, List<String> warned, String reason) {}

  static final Map<String, Accepted> ACCEPTED =
      Map.ofEntries(
          Map.entry(
              "net.ipv4.tcp_syncookies",
              new Accepted(
                  List.of("1"),
                  List.of(),
                  "cookies once the SYN queue is full (HostConfig.synCookies WHEN_SYN_QUEUE_FULL)")),
          Map.entry(
              "net.ipv4.tcp_fack",
              new Accepted(
                  List.of("0"), List.of(), "synack has no FACK (gone from Linux since 4.15 too)")),
          Map.entry(
              "net.ipv4.tcp_reordering",
              new Accepted(
                  List.of("3"), List.of(), "the duplicate-ACK threshold is 3 (RFC 5681 §3.2)")),
          Map.entry(
              "net.ipv4.tcp_dsack",
              new Accepted(
                  List.of("1"), List.of(), "synack reports duplicates with D-SACK (RFC 2883)")),
          Map.entry(
              "net.ipv4.tcp_slow_start_after_idle",
              new Accepted(
                  List.of("0"), List.of(), "synack does not restart the window after idle")),
          Map.entry(
              "net.ipv4.tcp_notsent_lowat",
              new Accepted(
                  List.of("4294967295", "-1"),
                  List.of(),
                  "no limit on unsent data is the only behaviour")),
          Map.entry(
              "net.ipv4.tcp_early_retrans",
              new Accepted(
                  List.of(),
                  List.of("3", "4"),
                  "tail loss probes come with RACK-TLP (tcp_recovery), not from this switch")),
          Map.entry(
              "net.ipv4.tcp_frto",
              new Accepted(
                  List.of("0"),
                  List.of("1", "2"),
                  "synack has no F-RTO (RFC 5682): a spurious RTO is not undone")),
          Map.entry(
              "net.ipv4.tcp_tso_win_divisor",
              new Accepted(
                  List.of(),
                  List.of("*"),
                  "synack does not defer sending to build large TSO segments")),
          Map.entry(
              "net.ipv4.tcp_pacing_ss_ratio",
              new Accepted(List.of(), List.of("*"), "synack does not pace")),
          Map.entry(
              "net.ipv4.tcp_pacing_ca_ratio",
              new Accepted(List.of(), List.of("*"), "synack does not pace")),
          Map.entry(
              "net.mptcp.enabled",
              new Accepted(
                  List.of("0", "1"),
                  List.of(),
                  "MPTCP sockets (IPPROTO_MPTCP) are refused by socket() anyway")));

  /** The variables mapped onto engine settings, with Linux 6.x's defaults. */
  static final Map<String, String> MAPPED =
      Map.ofEntries(
          Map.entry("net.ipv4.tcp_timestamps", "1"),
          Map.entry("net.ipv4.tcp_sack", "1"),
          Map.entry("net.ipv4.tcp_window_scaling", "1"),
          Map.entry("net.ipv4.tcp_syn_retries", "6"),
          Map.entry("net.ipv4.tcp_synack_retries", "5"),
          Map.entry("net.ipv4.tcp_retries2", "15"),
          Map.entry("net.ipv4.tcp_rmem", "4096 131072 6291456"),
          Map.entry("net.ipv4.tcp_wmem", "4096 16384 4194304"),
          Map.entry("net.ipv4.tcp_congestion_control", "cubic"),
          Map.entry("net.ipv4.tcp_recovery", "1"),
          Map.entry("net.ipv4.tcp_keepalive_time", "7200"),
          Map.entry("net.ipv4.tcp_keepalive_intvl", "75"),
          Map.entry("net.ipv4.tcp_keepalive_probes", "9"),
          Map.entry("net.ipv4.tcp_rfc1337", "0"),
          Map.entry("net.ipv4.tcp_ecn", "2"),
          // AccECN's option (RFC 9768 §3.2.3): when it is sent, and its beacon per RTT.
          Map.entry("net.ipv4.tcp_ecn_option", "2"),
          Map.entry("net.ipv4.tcp_ecn_option_beacon", "3"),
          Map.entry("net.ipv4.tcp_mtu_probing", "0"),
          Map.entry("net.ipv4.tcp_base_mss", "1024"),
          // TCP Fast Open (RFC 7413): the mode bits go to Host.setFastOpen, the key to
          // Host.setFastOpenKey.
          Map.entry("net.ipv4.tcp_fastopen", "1"),
          Map.entry("net.ipv4.tcp_fastopen_key", ""));

  /**
   * The lines of packetdrill's {@code gtests/net/common/defaults.sh} that concern TCP, as the Linux
   * suites run it first; the rest ({@code ip tcp_metrics flush all}, a pfifo qdisc on the TUN
   * device) have nothing to act on here: synack keeps no per-destination metrics and its link has
   * no queueing discipline.
   */
  static final List<String> DEFAULTS_SH =
      List.of(
          "net.ipv4.tcp_rmem=4096 540000 15728640",
          "net.ipv4.tcp_wmem=4096 262144 4194304",
          "net.ipv4.tcp_timestamps=1",
          "net.ipv4.tcp_syn_retries=5",
          "net.ipv4.tcp_synack_retries=5",
          "net.ipv4.tcp_frto=2",
          "net.ipv4.tcp_sack=1",
          "net.ipv4.tcp_dsack=1",
          "net.ipv4.tcp_fack=0",
          "net.ipv4.tcp_reordering=3",
          "net.ipv4.tcp_congestion_control=cubic",
          "net.ipv4.tcp_slow_start_after_idle=0",
          "net.ipv4.tcp_early_retrans=4",
          "net.ipv4.tcp_recovery=1",
          "net.ipv4.tcp_tso_win_divisor=3",
          "net.ipv4.tcp_ecn=0",
          "net.ipv4.tcp_pacing_ss_ratio=200",
          "net.ipv4.tcp_pacing_ca_ratio=120",
          "net.ipv4.tcp_notsent_lowat=4294967295",
          "net.ipv4.tcp_fastopen=0x70403",
          "net.ipv4.tcp_fastopen_key=a1a1a1a1-b2b2b2b2-c3c3c3c3-d4d4d4d4",
          "net.ipv4.tcp_syncookies=1",
          "net.mptcp.enabled=1");

  private final Map<String, String> values = new HashMap<>();

  /** Returns whether {@code name} is one of Linux's variables this table knows. */
  static boolean knows(String name) {
    return MAPPED.containsKey(name) || ACCEPTED.containsKey(name);
  }

  /**
   * Sets a variable; returns a warning for a mechanism synack lacks, else null.
   *
   * @throws ScriptException (unsupported) for a value synack cannot behave as
   */
  String set(String name, String value) {
    Accepted a = ACCEPTED.get(name);
    if (a != null) {
      if (a.exact().contains(value)) return null;
      if (a.warned().contains(value) || a.warned().contains("*"))
        return "sysctl " + name + "=" + value + " accepted, but " + a.reason();
      throw ScriptException.unsupported(
          0, "sysctl " + name + "=" + value + " (" + a.reason() + ")");
    }
    check(name, value);
    values.put(name, value);
    return null;
  }

  private static void check(String name, String value) {
    boolean ok;
    try {
      ok =
          switch (name) {
            case "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem" -> {
              long[] v = triple(value);
              yield v[0] >= 1 && v[0] <= v[1] && v[1] <= v[2] && v[2] <= (1 << 30);
            }
            case "net.ipv4.tcp_congestion_control" -> {
              TcpConfig.defaults().withCongestionControl(value.equals("reno") ? "newreno" : value);
              yield true;
            }
            // tcp_ecn 3 to 5 ask for or accept AccECN (RFC 9768), as Linux 6.18 reads them.
            case "net.ipv4.tcp_ecn" -> Long.parseLong(value) >= 0 && Long.parseLong(value) <= 5;
            case "net.ipv4.tcp_mtu_probing", "net.ipv4.tcp_ecn_option" ->
                value.equals("0") || value.equals("1") || value.equals("2");
            case "net.ipv4.tcp_ecn_option_beacon" ->
                Long.parseLong(value) >= 0 && Long.parseLong(value) <= 255;
            case "net.ipv4.tcp_base_mss" ->
                Long.parseLong(value) >= 48 && Long.parseLong(value) <= 65535;
            case "net.ipv4.tcp_fastopen" -> fastOpenMode(value) >= 0;
            case "net.ipv4.tcp_fastopen_key" -> fastOpenKey(value) != null;
            case "net.ipv4.tcp_timestamps",
                "net.ipv4.tcp_sack",
                "net.ipv4.tcp_window_scaling",
                "net.ipv4.tcp_recovery",
                "net.ipv4.tcp_rfc1337" ->
                value.equals("0") || value.equals("1");
            default ->
                (Long.parseLong(value) >= 1 && Long.parseLong(value) <= 127)
                    || (name.contains("keepalive") && Long.parseLong(value) >= 1);
          };
    } catch (IllegalArgumentException e) {
      ok = false;
    }
    if (!ok)
      throw ScriptException.unsupported(
          0, "sysctl " + name + "=" + value + " (not a value synack can take)");
  }

  /**
   * Returns the window scale Linux announces for a receive buffer that may grow to {@code max}
   * ({@code tcp_select_initial_window}: the space, at least {@code net.core.rmem_max}'s 212992,
   * halved until it fits 16 bits, at most 14 times): 7 for the default 6 MiB, 8 for defaults.sh's
   * 15 MiB.
   */
  static int windowScale(long max) {
    long space = Math.max(max, 212_992);
    int shift = 0;
    while (space > 0xffff && shift < 14) {
      space >>= 1;
      shift++;
    }
    return shift;
  }

  private static long[] triple(String value) {
    String[] w = value.strip().split("\\s+");
    if (w.length != 3) throw new IllegalArgumentException(value);
    return new long[] {Long.parseLong(w[0]), Long.parseLong(w[1]), Long.parseLong(w[2])};
  }

  private String get(String name) {
    return values.getOrDefault(name, MAPPED.get(name));
  }

  /**
   * Returns {@code tcp_fastopen}'s value, decimal or 0x hex; the bits synack honours are those of
   * {@link dev.synack.stack.TcpFastOpen}, the rest (Linux's old queue length in the upper 16 bits)
   * are ignored.
   */
  static long fastOpenMode(String value) {
    String v = value.strip();
    return v.startsWith("0x") ? Long.parseLong(v.substring(2), 16) : Long.parseLong(v);
  }

  /**
   * Returns {@code tcp_fastopen_key}'s primary (and backup) key as Linux stores it, each of the
   * four hex words little-endian ({@code proc_tcp_fastopen_key}): 16 or 32 bytes; null when not of
   * that form ({@code a1a1a1a1-b2b2b2b2-c3c3c3c3-d4d4d4d4[,backup]}).
   */
  static byte[] fastOpenKey(String value) {
    String[] keys = value.strip().split(",");
    if (keys.length > 2) return null;
    java.nio.ByteBuffer b =
        java.nio.ByteBuffer.allocate(16 * keys.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    for (String key : keys) {
      String[] words = key.split("-");
      if (words.length != 4) return null;
      for (String w : words) {
        if (!w.matches("[0-9a-fA-F]{1,8}")) return null;
        b.putInt((int) Long.parseLong(w, 16));
      }
    }
    return b.array();
  }

  /**
   * Returns the {@code tcp_fastopen} mode set, or -1 when the script set none (the host keeps its
   * own).
   */
  long fastOpenModeSet() {
    String v = values.get("net.ipv4.tcp_fastopen");
    return v == null ? -1 : fastOpenMode(v);
  }

  /**
   * Returns the {@code tcp_fastopen_key} set (16 or 32 bytes), or null when the script set none.
   */
  byte[] fastOpenKeySet() {
    String v = values.get("net.ipv4.tcp_fastopen_key");
    return v == null ? null : fastOpenKey(v);
  }

  /** Returns the receive buffer a new socket starts with ({@code tcp_rmem}'s middle value). */
  int receiveSpace() {
    return (int) triple(get("net.ipv4.tcp_rmem"))[1];
  }

  /** Returns the send buffer a new socket starts with ({@code tcp_wmem}'s middle value). */
  int sendSpace() {
    return (int) triple(get("net.ipv4.tcp_wmem"))[1];
  }

  /**
   * Returns {@code base} with the variables a script set applied; unset ones leave the profile's
   * setting.
   */
  TcpConfig apply(TcpConfig base) {
    TcpConfig c = base;
    for (Map.Entry<String, String> e : values.entrySet()) {
      String v = e.getValue();
      c =
          switch (e.getKey()) {
            case "net.ipv4.tcp_timestamps" -> c.withTimestamps(v.equals("1"), c.timestampOffset());
            case "net.ipv4.tcp_sack" -> c.withSackPermitted(v.equals("1"));
            case "net.ipv4.tcp_window_scaling" ->
                c.withWindowScale(v.equals("1"), c.windowScaleShift());
            case "net.ipv4.tcp_syn_retries" ->
                c.withRetries(Integer.parseInt(v), c.synAckRetries(), c.retries2());
            case "net.ipv4.tcp_synack_retries" ->
                c.withRetries(c.synRetries(), Integer.parseInt(v), c.retries2());
            case "net.ipv4.tcp_retries2" ->
                c.withRetries(c.synRetries(), c.synAckRetries(), Integer.parseInt(v));
            case "net.ipv4.tcp_rmem" -> {
              long[] t = triple(v);
              yield c.withBuffers((int) t[1], c.sendBuffer())
                  .withReceiveBufferAutoTuning(c.receiveBufferAutoTuning(), (int) t[2])
                  .withWindowScale(c.windowScale(), windowScale(t[2]));
            }
            case "net.ipv4.tcp_wmem" -> {
              long[] t = triple(v);
              yield c.withBuffers(c.receiveBuffer(), (int) t[1]).withMaxSendBuffer((int) t[2]);
            }
            case "net.ipv4.tcp_congestion_control" ->
                c.withCongestionControl(v.equals("reno") ? "newreno" : v);
            case "net.ipv4.tcp_recovery" -> c.withRack(v.equals("1"));
            case "net.ipv4.tcp_keepalive_time" ->
                c.withKeepAlive(
                    c.keepAlive(),
                    Duration.ofSeconds(Long.parseLong(v)),
                    Duration.ofNanos(c.keepAliveInterval()),
                    c.keepAliveCount());
            case "net.ipv4.tcp_keepalive_intvl" ->
                c.withKeepAlive(
                    c.keepAlive(),
                    Duration.ofNanos(c.keepAliveIdle()),
                    Duration.ofSeconds(Long.parseLong(v)),
                    c.keepAliveCount());
            case "net.ipv4.tcp_keepalive_probes" ->
                c.withKeepAlive(
                    c.keepAlive(),
                    Duration.ofNanos(c.keepAliveIdle()),
                    Duration.ofNanos(c.keepAliveInterval()),
                    Integer.parseInt(v));
            case "net.ipv4.tcp_rfc1337" -> c.withRfc1337(v.equals("1"));
            case "net.ipv4.tcp_ecn" -> c.withEcn(Integer.parseInt(v));
            case "net.ipv4.tcp_ecn_option" ->
                c.withAccEcnOption(Integer.parseInt(v), c.accEcnBeacon());
            case "net.ipv4.tcp_ecn_option_beacon" ->
                c.withAccEcnOption(c.accEcnOption(), Integer.parseInt(v));
            case "net.ipv4.tcp_mtu_probing" -> c.withMtuProbing(Integer.parseInt(v));
            case "net.ipv4.tcp_base_mss" -> c.withBaseMss(Integer.parseInt(v));
            default -> c;
          };
    }
    return c;
  }
}
