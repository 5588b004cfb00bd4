package dev.synack.packetdrill;

import dev.synack.trace.TraceSink;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs one script against a fresh host in virtual time, event by event, as packetdrill runs it
 * against a kernel: inbound packets and system calls happen at their script time; a {@code >} line
 * takes the oldest packet the host sent and must match it and have been sent within the tolerance
 * of its time; a relative time counts from when the previous event ended. A blocking call written
 * {@code start...end} runs on while the next lines do, and must return at {@code end}.
 *
 * <p>Like packetdrill, the runner does not complain about packets sent after the last {@code >}
 * line, nor about packets on other 4-tuples than the live one.
 */
public final class ScriptRunner {
  /** packetdrill's tolerance when a script sets none. */
  private static final long DEFAULT_TOLERANCE_MICROS = 4_000;

  /** How long a blocking call without an end time, or a {@code *} packet, may wait. */
  private static final long LONGEST_WAIT_NANOS = 600_000_000_000L;

  private static final long SEED = 0x5eedL;

  private final Profile profile;
  private final MatchMode mode;
  private final TraceSink trace;

  public ScriptRunner(Profile profile, MatchMode mode, TraceSink trace) {
    this.profile = profile;
    this.mode = mode;
    this.trace = trace == null ? TraceSink.NONE : trace;
  }

  /** Parses and runs a script's text. Never throws for any text: every problem is in the result. */
  public ScriptResult run(String name, String text) {
    Script script;
    try {
      script = ScriptParser.parse(name, text, profile.defines());
    } catch (ScriptException e) {
      return ScriptResult.of(name, e, List.of());
    }
    return new Run(script).execute();
  }

  /** The state of one run. */
  private final class Run {
    private final Script script;
    private final List<String> warnings = new ArrayList<>();
    private final SequenceMap map = new SequenceMap();
    private final List<Pending> pending = new ArrayList<>();
    private HostUnderTest hut;
    private SocketCalls sockets;
    private ShellCommands shell;
    private InetAddress localAddress;
    private InetAddress remoteAddress;
    private long toleranceNanos;
    private boolean nonFatalSyscalls;
    private boolean nonFatalPackets;

    /** When the previous event ended, in ns: the origin of relative times. */
    private long lastEnd;

    Run(Script script) {
      this.script = script;
    }

    ScriptResult execute() {
      int line = 0;
      try {
        setUp();
        for (Event e : script.events()) {
          line = e.line();
          try {
            run(e);
          } catch (ScriptException ex) {
            if (ex.kind() == ScriptException.Kind.MISMATCH
                && ((nonFatalSyscalls && e instanceof Event.Syscall)
                    || (nonFatalPackets && e instanceof Event.Packet))) {
              warnings.add(
                  script.name() + ":" + e.line() + ": " + ex.getMessage() + " (non-fatal)");
            } else {
              throw ex;
            }
          }
          checkPending(false);
        }
        line = 0;
        checkPending(true);
        return ScriptResult.passed(script.name(), warnings);
      } catch (ScriptException e) {
        return ScriptResult.of(script.name(), e.at(line), warnings);
      } catch (RuntimeException e) {
        // A bug in the runner or the stack: reported as a failure of the script, with its cause.
        return ScriptResult.of(
            script.name(),
            ScriptException.mismatch(line, "internal error: " + e, null, null),
            warnings);
      }
    }

    private void setUp() {
      Map<String, String> o = script.options();
      for (String key : o.keySet()) {
        if (!Set.of(
                "ip_version",
                "tolerance_usecs",
                "mtu",
                "non_fatal",
                "local_ip",
                "remote_ip",
                "verbose")
            .contains(key)) {
          throw ScriptException.unsupported(0, "option --" + key);
        }
      }
      String ipVersion = o.getOrDefault("ip_version", "ipv4");
      try {
        switch (ipVersion) {
          // An AF_INET6 socket speaking IPv4 (packetdrill's ipv4-mapped-ipv6): the script's sockets
          // are
          // emulated by name, so only the packets' family matters, and that is IPv4.
          case "ipv4", "ipv4-mapped-ipv6" -> {
            localAddress = InetAddress.getByName("192.168.0.1");
            remoteAddress = InetAddress.getByName("192.0.2.1");
          }
          case "ipv6" -> {
            localAddress = InetAddress.getByName("fd3d:fa7b:d17d::1");
            remoteAddress = InetAddress.getByName("2001:db8::1");
          }
          default -> throw ScriptException.unsupported(0, "--ip_version=" + ipVersion);
        }
      } catch (UnknownHostException e) {
        throw new AssertionError(e);
      }
      localAddress = address(o, "local_ip", localAddress);
      remoteAddress = address(o, "remote_ip", remoteAddress);
      toleranceNanos = 1000 * number(o, "tolerance_usecs", DEFAULT_TOLERANCE_MICROS);
      int mtu = (int) number(o, "mtu", 1500);
      String nonFatal = o.getOrDefault("non_fatal", "");
      for (String kind : nonFatal.split(",")) {
        switch (kind.strip()) {
          case "" -> {}
          case "syscall" -> nonFatalSyscalls = true;
          case "packet" -> nonFatalPackets = true;
          default -> throw ScriptException.unsupported(0, "--non_fatal=" + kind);
        }
      }
      Sysctls sysctls = profile.sysctls();
      try {
        hut = new HostUnderTest(profile.hostConfig(mtu, SEED), localAddress, trace);
      } catch (IllegalArgumentException e) {
        throw ScriptException.unsupported(0, "--mtu=" + mtu + " (" + e.getMessage() + ")");
      }
      sockets = new SocketCalls(hut, sysctls, profile, mode, localAddress, remoteAddress);
      shell = new ShellCommands(sysctls, sockets, hut, warnings);
    }

    /** Returns {@code --local_ip} or {@code --remote_ip}: an address of the script's IP version. */
    private InetAddress address(Map<String, String> o, String key, InetAddress dflt) {
      String v = o.get(key);
      if (v == null) return dflt;
      try {
        InetAddress a = InetAddress.ofLiteral(v);
        if (a.getClass() != dflt.getClass())
          throw ScriptException.syntax(
              0, "--" + key + "=" + v + " is not of the script's IP version");
        return a;
      } catch (IllegalArgumentException e) {
        throw ScriptException.syntax(0, "--" + key + "=" + v + " is not an IP address");
      }
    }

    private long number(Map<String, String> o, String key, long dflt) {
      String v = o.get(key);
      if (v == null) return dflt;
      try {
        return Long.parseLong(v);
      } catch (NumberFormatException e) {
        throw ScriptException.syntax(0, "--" + key + "=" + v + " is not a number");
      }
    }

    // ---- events ----

    private void run(Event e) {
      if (e instanceof Event.Packet p && !p.packet().unsupported().isEmpty()) {
        throw ScriptException.unsupported(0, p.packet().unsupported().getFirst());
      }
      long[] window = window(e.time());
      switch (e) {
        case Event.Packet p when p.packet().inbound() && p.packet().icmp() != null -> {
          advanceTo(window[0]);
          checkPending(false);
          hut.inject(
              IcmpPackets.build(
                  p.packet(),
                  map,
                  remoteAddress,
                  sockets.liveRemotePort(),
                  localAddress,
                  sockets.liveLocalPort()));
        }
        case Event.Packet p when p.packet().inbound() -> {
          advanceTo(window[0]);
          checkPending(false);
          hut.inject(
              InboundPackets.build(
                  p.packet(),
                  map,
                  remoteAddress,
                  sockets.liveRemotePort(),
                  localAddress,
                  sockets.liveLocalPort()));
        }
        case Event.Packet p -> expectOutbound(p, window);
        case Event.Syscall sc -> {
          advanceTo(window[0]);
          checkPending(false);
          syscall(sc);
        }
        case Event.Command c -> {
          advanceTo(window[0]);
          checkPending(false);
          shell.run(c.command());
        }
        case Event.Code c -> {
          advanceTo(window[0]);
          checkPending(false);
          CodeAssertions.check(c.code(), sockets.underTest(), hut.now());
        }
      }
      lastEnd = hut.now();
    }

    /**
     * Moves the clock to {@code time}. While a call blocks, one deadline at a time, so that it
     * returns when the stack lets it (a connect() that times out at 6 s returns at 6 s, though the
     * next line is at 7 s).
     */
    private void advanceTo(long time) {
      while (!pending.isEmpty() && hut.step(time)) checkPending(false);
      hut.advanceTo(time);
    }

    /** Returns the event's time window in ns on the virtual clock: start, end. */
    private long[] window(EventTime t) {
      long base = t.relative() ? lastEnd : 0;
      return switch (t.kind()) {
        case ANY -> new long[] {lastEnd, Long.MAX_VALUE};
        default -> new long[] {base + 1000 * t.startMicros(), base + 1000 * t.endMicros()};
      };
    }

    private void expectOutbound(Event.Packet e, long[] window) {
      ScriptPacket want = e.packet();
      if (want.udpEncapsulation() != null)
        throw ScriptException.unsupported(
            0, "TCP in UDP (/udp(...)): synack has no UDP encapsulation of TCP");
      if (want.ipField() != null)
        throw ScriptException.unsupported(
            0,
            "IP field "
                + want.ipField()
                + " (TTL, TOS and traffic class are not set per socket in synack)");
      boolean any = window[1] == Long.MAX_VALUE;
      long deadline = any ? hut.now() + LONGEST_WAIT_NANOS : window[1] + toleranceNanos;
      HostUnderTest.Sent sent;
      long giveUp = any ? deadline : hut.now() + LONGEST_WAIT_NANOS;
      while ((sent = nextOnLiveTuple()) == null) {
        // Past the tolerance the script has failed; as packetdrill, wait on for the packet anyway,
        // so
        // that the report can show it and when it came (a timing error) rather than only its
        // absence.
        if (!hut.step(deadline) && !hut.step(giveUp)) {
          throw ScriptException.mismatch(
              0,
              "expected packet was not sent by " + seconds(deadline) + " s",
              e.text(),
              "no packet");
        }
        checkPending(false);
      }
      hut.takeSent();
      sent = mergeRun(want, sent);
      String why = PacketMatcher.compare(want, sent.packet(), map, mode);
      String seen =
          PacketMatcher.describe(sent.packet(), map) + " at " + seconds(sent.time()) + " s";
      if (why != null) throw ScriptException.mismatch(0, "outbound packet: " + why, e.text(), seen);
      if (!any
          && (sent.time() < window[0] - toleranceNanos
              || sent.time() > window[1] + toleranceNanos)) {
        String when =
            window[0] == window[1]
                ? seconds(window[0]) + " s"
                : seconds(window[0]) + "~" + seconds(window[1]) + " s";
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
     * Returns {@code first} joined with the segments that left right behind it, when the line
     * expects more payload than {@code first} holds: packetdrill's kernel hands the TUN device one
     * TSO-sized packet where synack cuts MSS-sized segments, so one scripted line stands for the
     * run. A segment joins while it is sent at the same instant, on the live 4-tuple, with the next
     * sequence number, the same acknowledgment number and flags (PSH and FIN may end the run), and
     * the run stays within the line's length.
     */
    private HostUnderTest.Sent mergeRun(ScriptPacket want, HostUnderTest.Sent first) {
      var seg = first.packet().segment();
      if (want.icmp() != null
          || want.length() <= seg.payloadLength()
          || seg.payloadLength() == 0
          || (seg.flags()
                  & (dev.synack.wire.TcpFlags.FIN
                      | dev.synack.wire.TcpFlags.SYN
                      | dev.synack.wire.TcpFlags.RST))
              != 0) {
        return first;
      }
      int total = seg.payloadLength();
      int flags = seg.flags();
      HostUnderTest.Sent next;
      while ((next = hut.peekSent()) != null && next.time() == first.time()) {
        var n = next.packet().segment();
        boolean joins =
            n.sourcePort() == seg.sourcePort()
                && n.destinationPort() == seg.destinationPort()
                && n.sequenceNumber() == seg.sequenceNumber() + total
                && n.acknowledgmentNumber() == seg.acknowledgmentNumber()
                && (n.flags() & ~(dev.synack.wire.TcpFlags.PSH | dev.synack.wire.TcpFlags.FIN))
                    == (flags & ~dev.synack.wire.TcpFlags.PSH)
                && (flags & dev.synack.wire.TcpFlags.FIN) == 0
                && n.payloadLength() > 0
                && total + n.payloadLength() <= want.length();
        if (!joins) break;
        hut.takeSent();
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
      return new HostUnderTest.Sent(
          first.time(), new dev.synack.wire.Packets.TcpPacket(first.packet().ip(), merged));
    }

    /**
     * Returns the oldest packet sent on the live 4-tuple, dropping older ones on other 4-tuples
     * (packetdrill ignores those).
     */
    private HostUnderTest.Sent nextOnLiveTuple() {
      HostUnderTest.Sent s;
      while ((s = hut.peekSent()) != null) {
        var seg = s.packet().segment();
        if (seg.sourcePort() == sockets.liveLocalPort()
            && seg.destinationPort() == sockets.liveRemotePort()) return s;
        hut.takeSent();
      }
      return null;
    }

    private void syscall(Event.Syscall sc) {
      SocketCalls.Call call = sockets.start(sc);
      SocketCalls.Result r = call.poll();
      if (r == null && sc.end() != null) {
        pending.add(new Pending(sc, call, endOf(sc)));
        return;
      }
      long deadline = hut.now() + LONGEST_WAIT_NANOS;
      while (r == null) {
        if (!hut.step(deadline))
          throw ScriptException.mismatch(
              0, sc.name() + "() blocked and never returned", sc.text(), "still blocked");
        r = call.poll();
      }
      if (sc.end() != null) checkReturnTime(sc, endOf(sc));
      checkResult(sc, r);
    }

    /**
     * Returns when a blocking call written {@code start...end} must return, in ns: {@code +end}
     * counts from its start.
     */
    private long endOf(Event.Syscall sc) {
      return (sc.end().relative() ? hut.now() : 0) + 1000 * sc.end().startMicros();
    }

    private void checkReturnTime(Event.Syscall sc, long expected) {
      long now = hut.now();
      if (now < expected - toleranceNanos || now > expected + toleranceNanos) {
        throw ScriptException.mismatch(
            sc.line(),
            "timing error: "
                + sc.name()
                + "() returned at "
                + seconds(now)
                + " s, expected at "
                + seconds(expected)
                + " s",
            sc.text(),
            "returned at " + seconds(now) + " s");
      }
    }

    private void checkResult(Event.Syscall sc, SocketCalls.Result r) {
      Long want = Symbols.evaluate(sc.result());
      if (want == null) throw ScriptException.unsupported(0, "return value " + sc.result());
      String seen = r.value() + (r.errno() == null ? "" : " " + r.errno().name());
      boolean ok = want == r.value();
      if (ok && want == -1) {
        Errno e = sc.errno() == null ? null : Errno.named(sc.errno());
        if (sc.errno() != null && e == null)
          throw ScriptException.unsupported(0, "errno " + sc.errno());
        ok = e == r.errno();
      }
      if (!ok)
        throw ScriptException.mismatch(0, sc.name() + "() returned " + seen, sc.text(), seen);
    }

    /** Finishes blocking calls that can; at the end of the script, waits for the rest. */
    private void checkPending(boolean atEnd) {
      Iterator<Pending> it = pending.iterator();
      while (it.hasNext()) {
        Pending p = it.next();
        SocketCalls.Result r = p.call.poll();
        if (r == null && atEnd) {
          long deadline = p.end + toleranceNanos;
          while (r == null && hut.step(deadline)) r = p.call.poll();
          if (r == null) {
            throw ScriptException.mismatch(
                p.sc.line(),
                p.sc.name() + "() did not return by " + seconds(deadline) + " s",
                p.sc.text(),
                "still blocked");
          }
        }
        if (r != null) {
          it.remove();
          checkReturnTime(p.sc, p.end);
          try {
            checkResult(p.sc, r);
          } catch (ScriptException e) {
            throw e.at(p.sc.line());
          }
        }
      }
    }
  }

  /** A blocking call that runs while later lines do, and must return at {@code end} (ns). */
  private record Pending(Event.Syscall sc, SocketCalls.Call call, long end) {}

  private static String seconds(long nanos) {
    return String.format(java.util.Locale.ROOT, "%.6f", nanos / 1e9);
  }
}
