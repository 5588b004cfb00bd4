package dev.synack.cli.script;

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
  private static final Map<String, Long> MAPPED_FREEBSD = Map.of(
      "net.inet.tcp.insecure_rst", 0L,
      "net.inet.tcp.insecure_syn", 0L,
      "net.inet.tcp.drop_synfin", 0L,
      "net.inet.tcp.rfc1323", 1L,
      "net.inet.tcp.sack.enable", 1L,
      "kern.ipc.maxsockbuf", 2097152L,
      "net.inet.tcp.recvspace", 65536L,
      "net.inet.tcp.sendspace", 32768L,
      "net.inet.tcp.rexmit_initial", 1000L);

  /**
   * Variables synack accepts only at the value it behaves as, and why that value holds. Any
   * other value fails the script as unsupported.
   */
  static final Map<String, Fixed> FIXED = Map.of(
      "net.inet.tcp.blackhole", new Fixed(0, "closed ports are answered with a RST, as RFC 9293 §3.10.7.1 says"),
      "net.inet.tcp.hostcache.purgenow", new Fixed(1, "synack keeps no per-host cache, so there is nothing to flush"),
      "net.inet.tcp.rexmit_drop_options", new Fixed(0, "a retransmitted SYN carries the options of the first"),
      "net.inet.tcp.rexmit_slop", new Fixed(200, "modelled as part of the freebsd profile's 230 ms minimum RTO"),
      "net.inet.tcp.ecn.enable", new Fixed(2, "synack never asks for ECN (2: only when the peer asks; synack then answers without it)"));

  /** A value synack behaves as, and why. */
  record Fixed(long value, String reason) {}

  private final Map<String, Long> values = new HashMap<>();
  private final Profile profile;

  Sysctls(Profile profile) {
    this.profile = profile;
    values.putAll(MAPPED_FREEBSD);
    if (profile == Profile.LINUX) {
      values.put("kern.ipc.maxsockbuf", 0L); // not set: the profile's own window scale
      values.put("net.inet.tcp.recvspace", (long) profile.tcp().receiveBuffer());
      values.put("net.inet.tcp.sendspace", (long) profile.tcp().sendBuffer());
    }
  }

  /**
   * Sets a variable.
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
      if (!ok) throw ScriptException.unsupported(0, "sysctl " + name + "=" + value + " (synack behaves as " + fixed.value + ": " + fixed.reason + ")");
      return;
    }
    throw ScriptException.unsupported(0, "sysctl " + name + " (no equivalent setting in synack)");
  }

  private static void check(String name, long value) {
    boolean ok = switch (name) {
      case "net.inet.tcp.rfc1323", "net.inet.tcp.sack.enable", "net.inet.tcp.insecure_rst", "net.inet.tcp.insecure_syn",
          "net.inet.tcp.drop_synfin" ->
          value == 0 || value == 1;
      case "net.inet.tcp.recvspace", "net.inet.tcp.sendspace" -> value >= 1 && value <= (1 << 30);
      case "net.inet.tcp.rexmit_initial" -> value >= 1 && value <= 64_000;
      default -> value >= 0;
    };
    if (!ok) throw ScriptException.unsupported(0, "sysctl " + name + "=" + value + " (out of range)");
  }

  long get(String name) {
    return values.get(name);
  }

  /** Returns the default SO_RCVBUF of a new socket. */
  int receiveSpace() {
    return (int) get("net.inet.tcp.recvspace");
  }

  /** Returns the default SO_SNDBUF of a new socket. */
  int sendSpace() {
    return (int) get("net.inet.tcp.sendspace");
  }

  /**
   * Returns the settings a new socket's connections start with: the profile's, with RFC 1323
   * options, SACK, the initial RTO, the window scale and RFC 793's or RFC 5961's handling of
   * in-window RSTs and SYNs ({@code insecure_rst}, {@code insecure_syn}) and SYN+FIN
   * segments ({@code drop_synfin}) as the variables say. FreeBSD picks the
   * smallest shift that lets a window reach {@code kern.ipc.maxsockbuf} ({@code tcp_connect},
   * {@code syncache_add}): 6 for 2 MiB.
   */
  TcpConfig tcp() {
    TcpConfig base = profile.tcp();
    boolean rfc1323 = get("net.inet.tcp.rfc1323") == 1;
    long maxSockBuf = get("kern.ipc.maxsockbuf");
    int shift = base.windowScaleShift();
    if (maxSockBuf > 0) {
      shift = 0;
      while (shift < 14 && (65535L << shift) < maxSockBuf) shift++;
    }
    long initialRtoMs = get("net.inet.tcp.rexmit_initial");
    Duration initial = Duration.ofMillis(initialRtoMs);
    Duration min = Duration.ofNanos(Math.min(base.minRto(), initial.toNanos()));
    Duration max = Duration.ofNanos(Math.max(base.maxRto(), initial.toNanos()));
    TcpChoices choices = base.choices()
        .withInWindowRstResets(get("net.inet.tcp.insecure_rst") == 1)
        .withInWindowSynResets(get("net.inet.tcp.insecure_syn") == 1)
        .withSynFinDropped(get("net.inet.tcp.drop_synfin") == 1);
    return base.withChoices(choices).withWindowScale(rfc1323, shift)
        .withTimestamps(rfc1323, base.timestampOffset())
        .withSackPermitted(get("net.inet.tcp.sack.enable") == 1)
        .withRto(initial, min, max);
  }
}
