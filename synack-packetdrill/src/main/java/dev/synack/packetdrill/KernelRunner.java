package dev.synack.packetdrill;

import dev.synack.link.KernelSockets;
import dev.synack.wire.TcpFlags;
import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Runs one script against the Linux kernel in real time, as packetdrill does: a network namespace
 * of its own with a TUN device ({@link KernelHost}), the script's calls on real sockets ({@link
 * KernelCalls}), its inbound packets written to the device and the kernel's packets read from it
 * and matched as {@link ScriptRunner} matches synack's. Time is the wall clock: a line at {@code
 * +0.1} happens 100 ms after the previous one ended, and a packet must come within the tolerance of
 * its time (at least {@code minToleranceMicros}, since a shared machine is late).
 *
 * <p>packetdrill's Linux defaults ({@code defaults.sh}) are set in the namespace first. Shell
 * lines: {@code sysctl -w}/{@code -q} of Linux's names, {@code defaults.sh}, and {@code sockstat}
 * piped through {@code grep}, answered from the namespace's {@code /proc/net/tcp}. A TCP_INFO
 * assertion reads the socket under test; once the script closed it, its state is the 4-tuple's row
 * in {@code /proc/net/tcp} (CLOSED when there is none).
 */
public final class KernelRunner {
  private static final long DEFAULT_TOLERANCE_MICROS = 4_000;
  private static final java.util.regex.Pattern STATE_ASSERT =
      java.util.regex.Pattern.compile("assert\\s+tcpi_state\\s*==\\s*(TCPI?_[A-Z_0-9]+)");

  /**
   * How long a call without an end time, or a {@code *} packet, may take before the script fails.
   */
  private static final long LONGEST_WAIT_NANOS = 30_000_000_000L;

  private static final Set<String> OPTIONS =
      Set.of(
          "ip_version", "tolerance_usecs", "mtu", "non_fatal", "local_ip", "remote_ip", "verbose");

  private final MatchMode mode;
  private final long minToleranceMicros;

  /**
   * A runner that matches as {@code mode}, with a tolerance of at least {@code minToleranceMicros}.
   */
  public KernelRunner(MatchMode mode, long minToleranceMicros) {
    this.mode = mode;
    this.minToleranceMicros = minToleranceMicros;
  }

  /**
   * Parses and runs a script's text against the kernel. Never throws for any text: every problem is
   * in the result.
   */
  public ScriptResult run(String name, String text) {
    Script script;
    try {
      script = ScriptParser.parse(name, text, Profile.LINUX.defines());
    } catch (ScriptException e) {
      return ScriptResult.of(name, e, List.of());
    }
    // The namespace is per thread: the run gets a platform thread of its own, which ends with it.
    CompletableFuture<ScriptResult> result = new CompletableFuture<>();
    Thread.ofPlatform()
        .name("synack-packetdrill-kernel")
        .daemon(true)
        .start(
            () -> {
              try {
                result.complete(new Run(script).execute());
              } catch (Throwable t) {
                result.complete(
                    ScriptResult.of(
                        name,
                        ScriptException.mismatch(0, "internal error: " + t, null, null),
                        List.of()));
              }
            });
    try {
      return result.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return ScriptResult.of(name, ScriptException.unsupported(0, "interrupted"), List.of());
    } catch (ExecutionException e) {
      return ScriptResult.of(
          name,
          ScriptException.mismatch(0, "internal error: " + e.getCause(), null, null),
          List.of());
    }
  }

  /** The state of one run. */
  private final class Run {
    private final Script script;
    private final List<String> warnings = new ArrayList<>();
    private final SequenceMap map = new SequenceMap();
    private final List<Pending> pending = new ArrayList<>();
    private KernelHost host;
    private KernelCalls calls;
    private InetAddress local;
    private InetAddress remote;
    private long toleranceNanos;
    private long start;
    private long lastEnd;

    Run(Script script) {
      this.script = script;
    }

    ScriptResult execute() {
      int line = 0;
      try {
        setUp();
        start = System.nanoTime();
        lastEnd = start;
        for (Event e : script.events()) {
          line = e.line();
          run(e);
          checkPending(false);
        }
        line = 0;
        checkPending(true);
        return ScriptResult.passed(script.name(), warnings);
      } catch (ScriptException e) {
        return ScriptResult.of(script.name(), e.at(line), warnings);
      } catch (IOException e) {
        return ScriptResult.of(
            script.name(),
            ScriptException.unsupported(
                line, "the kernel target needs root and a TUN device: " + e.getMessage()),
            warnings);
      } finally {
        if (calls != null) calls.closeAll();
        if (host != null) host.close();
      }
    }

    private void setUp() throws IOException {
      Map<String, String> o = script.options();
      for (String key : o.keySet())
        if (!OPTIONS.contains(key)) throw ScriptException.unsupported(0, "option --" + key);
      String ipVersion = o.getOrDefault("ip_version", "ipv4");
      if (!ipVersion.equals("ipv4"))
        throw ScriptException.unsupported(
            0, "--ip_version=" + ipVersion + " on the kernel target (IPv4 only)");
      if (!o.getOrDefault("non_fatal", "").isEmpty())
        throw ScriptException.unsupported(0, "--non_fatal on the kernel target");
      local = InetAddress.ofLiteral(o.getOrDefault("local_ip", "192.168.0.1"));
      remote = InetAddress.ofLiteral(o.getOrDefault("remote_ip", "192.0.2.1"));
      long tolerance =
          o.containsKey("tolerance_usecs")
              ? Long.parseLong(o.get("tolerance_usecs"))
              : DEFAULT_TOLERANCE_MICROS;
      toleranceNanos = 1000 * Math.max(tolerance, minToleranceMicros);
      host = KernelHost.start(local, remote, Integer.parseInt(o.getOrDefault("mtu", "1500")));
      for (String s : LinuxSysctls.DEFAULTS_SH) {
        String why = KernelHost.setSysctl(s);
        if (why != null) warnings.add("defaults.sh: " + why);
      }
      // Linux sends at most one challenge or out-of-window ACK per socket each 500 ms
      // (tcp_invalid_ratelimit; RFC 5961 §7 allows a limit); scripts probe a state with several
      // segments 100 ms apart, and would read the limit as missing ACKs. Off, as a script can see.
      String why = KernelHost.setSysctl("net.ipv4.tcp_invalid_ratelimit=0");
      if (why != null) warnings.add(why);
      calls = new KernelCalls(local, remote);
    }

    private void run(Event e) {
      if (e instanceof Event.Packet p && !p.packet().unsupported().isEmpty()) {
        throw ScriptException.unsupported(0, p.packet().unsupported().getFirst());
      }
      long[] window = window(e.time());
      switch (e) {
        case Event.Packet p when p.packet().inbound() -> {
          sleepUntil(window[0]);
          byte[] bytes =
              p.packet().icmp() != null
                  ? IcmpPackets.build(
                      p.packet(), map, remote, calls.liveRemotePort(), local, calls.liveLocalPort())
                  : InboundPackets.build(
                      p.packet(),
                      map,
                      remote,
                      calls.liveRemotePort(),
                      local,
                      calls.liveLocalPort());
          try {
            host.inject(bytes);
          } catch (IOException ex) {
            throw ScriptException.mismatch(
                0, "cannot write to the TUN device: " + ex.getMessage(), null, null);
          }
        }
        case Event.Packet p -> expectOutbound(p, window);
        case Event.Syscall sc -> {
          sleepUntil(window[0]);
          syscall(sc);
        }
        case Event.Command c -> {
          sleepUntil(window[0]);
          KernelShell.run(c.command(), warnings);
        }
        case Event.Code c -> {
          sleepUntil(window[0]);
          code(c.code());
        }
      }
      lastEnd = System.nanoTime();
    }

    private long[] window(EventTime t) {
      long base = t.relative() ? lastEnd : start;
      return switch (t.kind()) {
        case ANY -> new long[] {lastEnd, Long.MAX_VALUE};
        default -> new long[] {base + 1000 * t.startMicros(), base + 1000 * t.endMicros()};
      };
    }

    private void sleepUntil(long time) {
      long wait;
      while ((wait = time - System.nanoTime()) > 0) {
        try {
          TimeUnit.NANOSECONDS.sleep(wait);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw ScriptException.unsupported(0, "interrupted");
        }
      }
    }

    private void expectOutbound(Event.Packet e, long[] window) {
      ScriptPacket want = e.packet();
      if (want.icmp() != null)
        throw ScriptException.unsupported(0, "outbound ICMP lines on the kernel target");
      if (want.udpEncapsulation() != null)
        throw ScriptException.unsupported(0, "TCP in UDP (/udp(...)) on the kernel target");
      if (want.ipField() != null)
        throw ScriptException.unsupported(
            0, "IP field " + want.ipField() + " on the kernel target");
      boolean any = window[1] == Long.MAX_VALUE;
      long deadline = any ? System.nanoTime() + LONGEST_WAIT_NANOS : window[1] + toleranceNanos;
      KernelHost.Sent sent = null;
      // Past the tolerance the script has failed; as packetdrill, wait a little longer for the
      // packet so
      // that the report shows it and when it came (a timing error) rather than only its absence.
      long giveUp = Math.max(deadline, System.nanoTime()) + 2_000_000_000L;
      while (sent == null) {
        KernelHost.Sent s = host.next(giveUp);
        if (s == null) {
          throw ScriptException.mismatch(
              0,
              "expected packet was not sent by " + seconds(deadline - start) + " s",
              e.text(),
              "no packet");
        }
        var seg = s.packet().segment();
        if (seg.destinationPort() == calls.liveRemotePort()
            && (calls.liveLocalPort() == 0 || seg.sourcePort() == calls.liveLocalPort())) {
          calls.learnLocalPort(seg.sourcePort());
          sent = s;
        }
      }
      sent = mergeRun(want, sent);
      String why = PacketMatcher.compare(want, sent.packet(), map, mode);
      String seen =
          PacketMatcher.describe(sent.packet(), map) + " at " + seconds(sent.time() - start) + " s";
      if (why != null) throw ScriptException.mismatch(0, "outbound packet: " + why, e.text(), seen);
      if (!any
          && (sent.time() < window[0] - toleranceNanos
              || sent.time() > window[1] + toleranceNanos)) {
        String when = seconds(window[0] - start) + " s";
        throw ScriptException.mismatch(
            0,
            "timing error: expected the packet at "
                + when
                + " (tolerance "
                + toleranceNanos / 1000
                + " us)",
            e.text() + " at " + when,
            seen);
      }
    }

    /**
     * Joins the segments the kernel sent right behind {@code first} when the line expects more
     * payload (as {@link ScriptRunner} does).
     */
    private KernelHost.Sent mergeRun(ScriptPacket want, KernelHost.Sent first) {
      var seg = first.packet().segment();
      if (want.length() <= seg.payloadLength()
          || seg.payloadLength() == 0
          || (seg.flags() & (TcpFlags.FIN | TcpFlags.SYN | TcpFlags.RST)) != 0) {
        return first;
      }
      int total = seg.payloadLength();
      int flags = seg.flags();
      KernelHost.Sent next;
      while (total < want.length() && (next = host.next(first.time() + toleranceNanos)) != null) {
        var n = next.packet().segment();
        boolean joins =
            n.sourcePort() == seg.sourcePort()
                && n.destinationPort() == seg.destinationPort()
                && n.sequenceNumber() == seg.sequenceNumber() + total
                && n.acknowledgmentNumber() == seg.acknowledgmentNumber()
                && (flags & TcpFlags.FIN) == 0
                && n.payloadLength() > 0
                && total + n.payloadLength() <= want.length();
        if (!joins) {
          host.putBack(next);
          break;
        }
        total += n.payloadLength();
        flags |= n.flags();
      }
      if (total == seg.payloadLength()) return first;
      var merged =
          new dev.synack.wire.TcpSegment(
              seg.sourcePort(),
              seg.destinationPort(),
              seg.sequenceNumber(),
              seg.acknowledgmentNumber(),
              flags,
              seg.window(),
              0,
              seg.urgentPointer(),
              seg.options(),
              java.nio.ByteBuffer.allocate(total));
      return new KernelHost.Sent(
          first.time(), new dev.synack.wire.Packets.TcpPacket(first.packet().ip(), merged));
    }

    private void syscall(Event.Syscall sc) {
      Supplier<KernelCalls.Result> call = calls.start(sc);
      CompletableFuture<KernelCalls.Result> f = new CompletableFuture<>();
      if (sc.name().equals("socket")) {
        f.complete(call.get()); // in this thread's namespace
      } else {
        Thread.ofPlatform()
            .name("synack-packetdrill-call")
            .daemon(true)
            .start(
                () -> {
                  try {
                    f.complete(call.get());
                  } catch (Throwable t) {
                    f.completeExceptionally(t);
                  }
                });
      }
      if (sc.end() != null) {
        pending.add(new Pending(sc, f, endOf(sc)));
        return;
      }
      KernelCalls.Result r = await(sc, f, LONGEST_WAIT_NANOS);
      if (r == null)
        throw ScriptException.mismatch(
            0, sc.name() + "() blocked and never returned", sc.text(), "still blocked");
      checkResult(sc, r);
    }

    private long endOf(Event.Syscall sc) {
      return (sc.end().relative() ? System.nanoTime() : start) + 1000 * sc.end().startMicros();
    }

    private KernelCalls.Result await(
        Event.Syscall sc, CompletableFuture<KernelCalls.Result> f, long nanos) {
      try {
        return f.get(nanos, TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        return null;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw ScriptException.unsupported(0, "interrupted");
      } catch (ExecutionException e) {
        if (e.getCause() instanceof ScriptException se) throw se.at(sc.line());
        throw ScriptException.mismatch(sc.line(), "internal error: " + e.getCause(), null, null);
      }
    }

    private void checkResult(Event.Syscall sc, KernelCalls.Result r) {
      long want;
      try {
        want = KernelCalls.value(sc.result());
      } catch (ScriptException e) {
        throw ScriptException.unsupported(0, "return value " + sc.result());
      }
      String expected = want + (sc.errno() == null ? "" : " " + sc.errno());
      String seen = r.value() + (r.errno() == null ? "" : " " + r.errno());
      boolean ok = want == r.value();
      if (ok && want == -1 && sc.errno() != null) {
        String name = sc.errno().equals("EWOULDBLOCK") ? "EAGAIN" : sc.errno();
        ok = name.equals(r.errno());
      }
      if (!ok) throw ScriptException.mismatch(0, sc.name() + "() returned " + seen, expected, seen);
    }

    private void checkPending(boolean atEnd) {
      Iterator<Pending> it = pending.iterator();
      while (it.hasNext()) {
        Pending p = it.next();
        KernelCalls.Result r = p.future.getNow(null);
        if (r == null && !p.future.isDone() && atEnd) {
          r = await(p.sc, p.future, Math.max(0, p.end + toleranceNanos - System.nanoTime()));
          if (r == null)
            throw ScriptException.mismatch(
                p.sc.line(),
                p.sc.name() + "() did not return in time",
                p.sc.text(),
                "still blocked");
        } else if (r == null && p.future.isDone()) {
          r = await(p.sc, p.future, 0);
        }
        if (r == null) continue;
        it.remove();
        long now = System.nanoTime();
        if (now > p.end + toleranceNanos + 1_000_000_000L) {
          // Noticed only at this line: the call's return time is checked against what it could be.
          warnings.add(
              script.name()
                  + ":"
                  + p.sc.line()
                  + ": "
                  + p.sc.name()
                  + "() return time not checked (noticed late)");
        }
        try {
          checkResult(p.sc, r);
        } catch (ScriptException e) {
          throw e.at(p.sc.line());
        }
      }
    }

    /**
     * Runs a {@code %{ }%} block: {@code assert tcpi_state == NAME} is checked here at once
     * (python3 takes tens of milliseconds to start, which would shift the script's clock); other
     * code runs in python3 with the variables.
     */
    private void code(String code) {
      java.util.regex.Matcher m = STATE_ASSERT.matcher(code.strip());
      if (!m.matches()) {
        PythonCode.run(code, variables());
        return;
      }
      Map<String, String> v = variables();
      String want = v.get(m.group(1));
      if (want == null) throw ScriptException.unsupported(0, "constant " + m.group(1));
      String seen = v.get("tcpi_state");
      if (!want.equals(seen)) {
        throw ScriptException.mismatch(
            0, "tcpi_state", m.group(1), "TCPI_" + KernelHost.stateName(Integer.parseInt(seen)));
      }
    }

    /**
     * Returns packetdrill's Python variables for the socket under test, from the kernel's TCP_INFO.
     */
    private Map<String, String> variables() {
      Map<String, String> v = new LinkedHashMap<>(PythonCode.variables(null, 0));
      Integer fd = calls.underTest();
      byte[] info = new byte[232];
      if (fd != null && !KernelSockets.getsockopt(fd, 6, 11, info).failed()) {
        TcpInfoFields.put(info, v);
      }
      // A socket the script closed has no TCP_INFO, and one whose connection entered TIME-WAIT
      // reads
      // TCP_CLOSE: Linux hands TIME-WAIT to a mini-socket of its own (tcp_time_wait()). The state
      // is
      // then the 4-tuple's, as /proc/net/tcp lists it.
      if (!v.containsKey("tcpi_state") || v.get("tcpi_state").equals("7")) {
        v.put("tcpi_state", Integer.toString(stateOfLiveTuple()));
      }
      // CodeAssertions' names: TCPI_ESTABLISHED ... as tcpi_state values.
      String[] names = {
        "ESTABLISHED",
        "SYN_SENT",
        "SYN_RECEIVED",
        "FIN_WAIT_1",
        "FIN_WAIT_2",
        "TIME_WAIT",
        "CLOSED",
        "CLOSE_WAIT",
        "LAST_ACK",
        "LISTEN",
        "CLOSING"
      };
      for (int i = 0; i < names.length; i++) v.put("TCPI_" + names[i], Integer.toString(i + 1));
      return v;
    }

    /**
     * Returns the Linux state number of the live 4-tuple in /proc/net/tcp, 7 (CLOSE) when it has no
     * row.
     */
    private int stateOfLiveTuple() {
      for (String[] row : KernelHost.sockets(true)) {
        if (Integer.parseInt(row[0]) == calls.liveLocalPort()
            && Integer.parseInt(row[1]) == calls.liveRemotePort()) {
          return KernelHost.stateNumber(row[2]);
        }
      }
      return 7;
    }
  }

  /** A blocking call that runs while later lines do, and must return at {@code end} (nanoTime). */
  private record Pending(
      Event.Syscall sc, CompletableFuture<KernelCalls.Result> future, long end) {}

  private static String seconds(long nanos) {
    return String.format(java.util.Locale.ROOT, "%.6f", nanos / 1e9);
  }
}
