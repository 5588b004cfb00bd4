package dev.synack.packetdrill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.trace.TraceSink;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The runner's semantics, packetdrill's: time, matching, errno, commands, and what it refuses. */
class ScriptRunnerTest {
  private static final String HEADER = "--tolerance_usecs=10000\n";

  /**
   * A connect() that is answered, leaving socket 3 ESTABLISHED at 0.1 s with SND.NXT = RCV.NXT = 1.
   */
  private static final String CONNECTED =
      HEADER
          + """
      0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
      +0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
      +0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
      +0 > S 0:0(0) <...>
      +0.1 < S. 0:0(0) ack 1 win 65535
      +0 > . 1:1(0) ack 1
      """;

  private static ScriptResult run(String text) {
    return run(Profile.RFC, text);
  }

  private static ScriptResult run(Profile profile, String text) {
    return new ScriptRunner(profile, MatchMode.EXACT, TraceSink.NONE).run("t.pkt", text);
  }

  private static void assertPasses(ScriptResult r) {
    assertEquals(ScriptResult.Outcome.PASS, r.outcome(), () -> String.join("\n", r.describe()));
  }

  @Nested
  class ProfilesAckAsTheirSystems {
    /** A passive open, then two small segments 10 ms apart. */
    private static final String TWO_SEGMENTS =
        HEADER
            + """
        0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
        +0 bind(3, ..., ...) = 0
        +0 listen(3, 1) = 0
        +0 < S 0:0(0) win 65535 <mss 1460>
        +0 > S. 0:0(0) ack 1 <...>
        +0 < . 1:1(0) ack 1 win 65535
        +0 accept(3, ..., ...) = 4
        +0 < P. 1:11(10) ack 1 win 65535
        """;

    @Test
    void freebsd_acksEverySecondSegment_fromTheFirst_withoutQuickAcks() {
      assertPasses(
          run(
              Profile.FREEBSD,
              TWO_SEGMENTS
                  + """
          +0.01 < P. 11:21(10) ack 1 win 65535
          +0 > . 1:1(0) ack 21
          +0 < P. 21:31(10) ack 1 win 65535
          +0.04 > . 1:1(0) ack 31
          """));
    }

    @Test
    void linux_doesNotReannounceALargeWindowAfterARead_asRfc9293sRuleDoes() {
      String script =
          HEADER
              + """
          0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
          +0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
          +0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
          +0 > S 0:0(0) <...>
          +0.1 < S. 0:0(0) ack 1 win 65535 <mss 1460,nop,wscale 7>
          +0 > . 1:1(0) ack 1 <...>
          +0 < P. 1:2001(2000) ack 1 win 512
          +0 > . 1:1(0) ack 2001 <...>
          +0 read(3, ..., 2000) = 2000
          +0 write(3, ..., 10) = 10
          +0 > P. 1:11(10) ack 2001 <...>
          """;
      assertPasses(run(Profile.LINUX, script));
      ScriptResult r = run(Profile.RFC, script);
      assertEquals(ScriptResult.Outcome.FAIL, r.outcome(), () -> String.join("\n", r.describe()));
      assertEquals(12, r.line());
      assertTrue(r.seen().startsWith("> . 1:1(0) ack 2001"), r.seen());
    }

    @Test
    void linux_acksTheFirstSegmentsAtOnce_inQuickAckMode() {
      assertPasses(
          run(
              Profile.LINUX,
              TWO_SEGMENTS
                  + """
          +0 > . 1:1(0) ack 11
          +0.01 < P. 11:21(10) ack 1 win 65535
          +0 > . 1:1(0) ack 21
          """));
    }
  }

  @Nested
  class LinuxSysctlsAndPython {
    private static final String LISTEN =
        HEADER
            + """
        0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
        +0 bind(3, ..., ...) = 0
        +0 listen(3, 1) = 0
        """;

    @Test
    void defaultsSh_setsLinuxBuffers_andWarnsOfWhatSynackLacks() {
      ScriptResult r =
          run(
              Profile.LINUX,
              "`../common/defaults.sh`\n"
                  + LISTEN
                  + "+0 getsockopt(3, SOL_SOCKET, SO_RCVBUF, [540000], [4]) = 0\n+0 getsockopt(3, SOL_SOCKET, SO_SNDBUF, [262144], [4]) = 0\n");
      assertPasses(r);
      assertTrue(
          r.warnings().stream().anyMatch(w -> w.contains("tcp_frto=2") && w.contains("F-RTO")),
          r.warnings().toString());
    }

    @Test
    void sysctlE_skipsAVariableLinuxWouldNotHave_butWithoutE_itIsUnsupported() {
      assertPasses(run(Profile.LINUX, "`sysctl -q -e net.ipv4.tcp_no_such_knob=1`\n" + LISTEN));
      ScriptResult r = run(Profile.LINUX, "`sysctl -q net.ipv4.tcp_no_such_knob=1`\n" + LISTEN);
      assertEquals(ScriptResult.Outcome.UNSUPPORTED, r.outcome());
      assertTrue(r.message().contains("net.ipv4.tcp_no_such_knob"), r.message());
    }

    /**
     * tcp_ecn as Linux (RFC 3168): 2 answers an ECN-setup SYN, 0 does not; a CE mark is echoed with
     * ECE until CWR.
     */
    @Test
    void tcpEcn_answersAnEcnSetupSyn_echoesCeUntilCwr_orDeclinesWhenOff() {
      String script =
          """
          +0 < SEW 0:0(0) win 65535 <mss 1000>
          +0 > SE. 0:0(0) ack 1 <...>
          +0 < . 1:1(0) ack 1 win 65535
          +0 accept(3, ..., ...) = 4
          +0 < [ce] P. 1:11(10) ack 1 win 65535
          +0 > E. 1:1(0) ack 11
          +0 < [ect0] WP. 11:21(10) ack 1 win 65535
          +0 > . 1:1(0) ack 21
          +0 write(4, ..., 10) = 10
          +0 > [ect0] P. 1:11(10) ack 21
          """;
      assertPasses(run(Profile.LINUX, LISTEN + script));
      ScriptResult off =
          run(
              Profile.LINUX,
              "`sysctl -q net.ipv4.tcp_ecn=0`\n"
                  + LISTEN
                  + """
          +0 < SEW 0:0(0) win 65535 <mss 1000>
          +0 > S. 0:0(0) ack 1 <...>
          """);
      assertPasses(off);
    }

    /**
     * tcp_mtu_probing=2 starts PLPMTUD at tcp_base_mss (RFC 4821); the Linux profile's default, 0,
     * sends what the peer's MSS allows.
     */
    @Test
    void tcpMtuProbing2_firstSegmentsAtTheBaseMss_andOffByDefault() {
      String handshake =
          """
          +0 < S 0:0(0) win 65535 <mss 1000>
          +0 > S. 0:0(0) ack 1 <...>
          +0 < . 1:1(0) ack 1 win 65535
          +0 accept(3, ..., ...) = 4
          +0 write(4, ..., 600) = 600
          """;
      assertPasses(
          run(
              Profile.LINUX,
              "`sysctl -q net.ipv4.tcp_mtu_probing=2`\n`sysctl -q net.ipv4.tcp_base_mss=536`\n"
                  + LISTEN
                  + handshake
                  + "+0 > . 1:537(536) ack 1\n+0 > P. 537:601(64) ack 1\n"));
      assertPasses(run(Profile.LINUX, LISTEN + handshake + "+0 > P. 1:601(600) ack 1\n"));
    }

    @Test
    void aValueSynackCannotBehaveAs_isUnsupported_namingIt() {
      ScriptResult r = run(Profile.LINUX, "`sysctl -q net.ipv4.tcp_fack=1`\n" + LISTEN);
      assertEquals(ScriptResult.Outcome.UNSUPPORTED, r.outcome());
      assertTrue(r.message().contains("tcp_fack=1"), r.message());
    }

    @Test
    void python_seesTheConnectionsTcpInfo_andAFalseAssertionFails() {
      org.junit.jupiter.api.Assumptions.assumeTrue(
          python3() || "true".equals(System.getenv("CI")), "python3 is not installed");
      assertPasses(
          run(
              Profile.LINUX,
              CONNECTED + "+0 %{ assert tcpi_state == TCP_ESTABLISHED and tcpi_snd_mss > 0 }%\n"));
      ScriptResult r =
          run(Profile.LINUX, CONNECTED + "+0 %{\nassert tcpi_rto == 1, tcpi_rto\n}%\n");
      assertEquals(ScriptResult.Outcome.FAIL, r.outcome(), () -> String.join("\n", r.describe()));
      assertTrue(r.message().contains("AssertionError"), r.message());
    }

    @Test
    void python_readingAFieldSynackDoesNotKeep_isUnsupported_namingIt() {
      org.junit.jupiter.api.Assumptions.assumeTrue(
          python3() || "true".equals(System.getenv("CI")), "python3 is not installed");
      ScriptResult r = run(Profile.LINUX, CONNECTED + "+0 %{ assert tcpi_delivery_rate > 0 }%\n");
      assertEquals(
          ScriptResult.Outcome.UNSUPPORTED, r.outcome(), () -> String.join("\n", r.describe()));
      assertTrue(r.message().contains("tcpi_delivery_rate"), r.message());
    }

    @Test
    void python_seesTheCongestionAndCounterFieldsOfTcpInfo() {
      org.junit.jupiter.api.Assumptions.assumeTrue(
          python3() || "true".equals(System.getenv("CI")), "python3 is not installed");
      // After the handshake: IW10, Linux's "infinite" ssthresh, the Open state, the SYN
      // acknowledged.
      assertPasses(
          run(
              Profile.LINUX,
              CONNECTED
                  + "+0 %{\nassert tcpi_snd_cwnd == 10, tcpi_snd_cwnd\n"
                  + "assert tcpi_snd_ssthresh == 0x7fffffff, tcpi_snd_ssthresh\nassert tcpi_ca_state == TCP_CA_Open\n"
                  + "assert tcpi_total_retrans == 0 and tcpi_bytes_acked == 1 and tcpi_segs_in >= 1, tcpi_bytes_acked\n}%\n"));
    }

    private static boolean python3() {
      try {
        return new ProcessBuilder("python3", "-c", "pass").start().waitFor() == 0;
      } catch (java.io.IOException e) {
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
  }

  @Nested
  class LingerAndMergedRuns {
    @Test
    void soLingerOnWithZero_inPacketdrillsSpelling_makesCloseReset() {
      assertPasses(
          run(
              Profile.LINUX,
              CONNECTED
                  + """
          +0 setsockopt(3, SOL_SOCKET, SO_LINGER, {onoff=1, linger=0}, 8) = 0
          +0 close(3) = 0
          +0 > R. 1:1(0) ack 1
          """));
    }

    @Test
    void soLingerOff_closesWithAFin() {
      assertPasses(
          run(
              Profile.LINUX,
              CONNECTED
                  + """
          +0 setsockopt(3, SOL_SOCKET, SO_LINGER, {onoff=0, linger=0}, 8) = 0
          +0 close(3) = 0
          +0 > F. 1:1(0) ack 1
          """));
    }

    @Test
    void oneLine_matchesARunOfSegmentsSentTogether_butNotMoreThanItSays() {
      String sent =
          CONNECTED.replace("win 65535", "win 65535 <mss 1000>")
              + "+0 write(3, ..., 3000) = 3000\n";
      assertPasses(run(Profile.LINUX, sent + "+0 > P. 1:3001(3000) ack 1\n"));
      ScriptResult r = run(Profile.LINUX, sent + "+0 > P. 1:2001(2000) ack 1\n");
      assertEquals(ScriptResult.Outcome.FAIL, r.outcome(), () -> String.join("\n", r.describe()));
    }
  }

  @Nested
  class Packets {
    @Test
    void handshakeAndData_pass() {
      assertPasses(
          run(
              CONNECTED
                  + """
          +0 write(3, ..., 100) = 100
          +0 > P. 1:101(100) ack 1
          +0.1 < P. 1:51(50) ack 101 win 65535
          +0 > . 101:101(0) ack 51
          +0 read(3, ..., 1000) = 50
          """));
    }

    @Test
    void wrongWindow_failsOnItsLine_withExpectedAndSeen() {
      ScriptResult r = run(CONNECTED + "+0 write(3, ..., 10) = 10\n+0 > P. 1:11(10) ack 1 win 1\n");
      assertEquals(ScriptResult.Outcome.FAIL, r.outcome());
      assertEquals(9, r.line());
      assertTrue(
          r.message().startsWith("outbound packet: tcp_window: expected 1, seen "), r.message());
      assertEquals("> P. 1:11(10) ack 1 win 1", r.expected());
      assertTrue(r.seen().startsWith("> P. 1:11(10) ack 1 win "), r.seen());
    }

    @Test
    void aPacketTheScriptDidNotExpect_isSeenByTheNextOutboundLine() {
      // The in-window RST draws a challenge ACK the script does not mention; the FIN line meets it
      // first.
      ScriptResult r =
          run(
              CONNECTED
                  + "+0.1 < R 100:100(0) win 65535\n+0 shutdown(3, SHUT_WR) = 0\n+0 > F. 1:1(0) ack 1\n");
      assertEquals(ScriptResult.Outcome.FAIL, r.outcome());
      assertEquals("outbound packet: tcp flags: expected F., seen .", r.message());
    }

    @Test
    void aRetransmissionAtTheWrongTime_isATimingError() {
      ScriptResult r =
          run(
              HEADER
                  + """
          0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
          +0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
          +0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
          +0 > S 0:0(0) <...>
          +0.5 > S 0:0(0) <...>
          """);
      assertEquals(ScriptResult.Outcome.FAIL, r.outcome());
      assertTrue(
          r.message().startsWith("timing error: expected the packet at 0.500000 s"), r.message());
      assertTrue(r.seen().endsWith("at 1.000000 s"), r.seen());
    }

    @Test
    void retransmissions_atTheirTimes_orAnyTime_pass() {
      assertPasses(
          run(
              HEADER
                  + """
          0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
          +0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
          +0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
          +0 > S 0:0(0) <...>
          +1 > S 0:0(0) <...>
          +1.9~+2.1 > S 0:0(0) <...>
          *  > S 0:0(0) <...>
          """));
    }

    @Test
    void aPacketNeverSent_failsWhenItsToleranceRunsOut() {
      ScriptResult r = run(CONNECTED + "+0.1 > F. 1:1(0) ack 1\n");
      assertEquals(ScriptResult.Outcome.FAIL, r.outcome());
      assertEquals("expected packet was not sent by 0.210000 s", r.message());
      assertEquals("no packet", r.seen());
    }
  }

  @Nested
  class Calls {
    @Test
    void errnos_ofTheSocketCalls() {
      assertPasses(
          run(
              HEADER
                  + """
          0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
          +0 read(3, ..., 10) = -1 ENOTCONN (Socket is not connected)
          +0 write(3, ..., 10) = -1 ENOTCONN (Socket is not connected)
          +0 shutdown(3, SHUT_WR) = -1 ENOTCONN (Socket is not connected)
          +0 accept(3, ..., ...) = -1 EINVAL (Invalid argument)
          +0 close(9) = -1 EBADF (Bad file descriptor)
          +0 fcntl(3, F_GETFL) = 0x02 (flags O_RDWR)
          +0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
          +0 fcntl(3, F_GETFL) = 0x06 (flags O_RDWR | O_NONBLOCK)
          +0 bind(3, ..., ...) = 0
          +0 listen(3, 1) = 0
          +0 accept(3, ..., ...) = -1 EAGAIN (Resource temporarily unavailable)
          +0 close(3) = 0
          """));
    }

    @Test
    void refusedConnect_reportsEconnrefusedOnce_throughSoError() {
      assertPasses(
          run(
              HEADER
                  + """
          0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
          +0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
          +0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
          +0 > S 0:0(0) <...>
          +0.1 < R. 0:0(0) ack 1 win 0
          +0 getsockopt(3, SOL_SOCKET, SO_ERROR, [ECONNREFUSED], [4]) = 0
          +0 getsockopt(3, SOL_SOCKET, SO_ERROR, [0], [4]) = 0
          """));
    }

    @Test
    void readAfterTheReset_failsWithEconnreset() {
      assertPasses(
          run(
              CONNECTED
                  + "+0.1 < R 1:1(0) win 0\n+0 read(3, ..., 10) = -1 ECONNRESET (Connection reset by peer)\n"));
    }

    @Test
    void peek_countsWhatIsQueued_andLeavesItForTheRead() {
      assertPasses(
          run(
              CONNECTED
                  + """
          +0 recv(3, ..., 100, MSG_PEEK | MSG_DONTWAIT) = -1 EAGAIN (Resource temporarily unavailable)
          +0.1 < P. 1:11(10) ack 1 win 65535
          +0 > . 1:1(0) ack 11
          +0 recv(3, ..., 4, MSG_PEEK) = 4
          +0 recv(3, ..., 100, MSG_PEEK) = 10
          +0 recv(3, ..., 100, MSG_TRUNC) = 10
          +0 recv(3, ..., 100, MSG_DONTWAIT) = -1 EAGAIN (Resource temporarily unavailable)
          """));
    }

    @Test
    void peek_thatConsumed_wouldLeaveNothingForTheRead() {
      // The same script with a read after the peek expecting the bytes again fails if peek consumed
      // them.
      ScriptResult r =
          run(
              CONNECTED
                  + """
          +0.1 < P. 1:11(10) ack 1 win 65535
          +0 > . 1:1(0) ack 11
          +0 recv(3, ..., 100, MSG_PEEK) = 10
          +0 recv(3, ..., 100, 0) = 10
          +0 recv(3, ..., 100, MSG_PEEK | MSG_DONTWAIT) = 10
          """);
      assertEquals(ScriptResult.Outcome.FAIL, r.outcome());
      assertEquals("-1 EAGAIN", r.seen());
    }

    @Test
    void blockingConnect_withAnEndTime_returnsWhenTheSynAckArrives() {
      assertPasses(
          run(
              HEADER
                  + """
          0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
          0...0.3 connect(3, ..., ...) = 0
          +0 > S 0:0(0) <...>
          +0.3 < S. 0:0(0) ack 1 win 65535
          +0 > . 1:1(0) ack 1
          """));
    }

    @Test
    void poll_reportsReadableAndWritable_andBlocksUntilDataArrives() {
      assertPasses(
          run(
              CONNECTED
                  + """
          +0 poll([{fd=3, events=POLLIN|POLLOUT, revents=POLLOUT}], 1, 0) = 1
          +0 poll([{fd=3, events=POLLIN, revents=0}], 1, 0) = 0
          0.2...0.3 poll([{fd=3, events=POLLIN, revents=POLLIN}], 1, 1000) = 1
          0.3 < P. 1:11(10) ack 1 win 65535
          +0 > . 1:1(0) ack 11
          +0 send(3, ..., 5, 0) = 5
          +0 > P. 1:6(5) ack 11
          +0 recv(3, ..., 100, 0) = 10
          """));
    }

    @Test
    void wrongResult_failsOnTheCallsLine() {
      ScriptResult r =
          run(HEADER + "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 read(3, ..., 10) = 0\n");
      assertEquals(ScriptResult.Outcome.FAIL, r.outcome());
      assertEquals(3, r.line());
      assertEquals("-1 ENOTCONN", r.seen());
    }

    @Test
    void nonFatalSyscalls_turnAWrongResultIntoAWarning() {
      ScriptResult r =
          run(
              "--non_fatal=syscall\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 read(3, ..., 10) = 0\n");
      assertEquals(ScriptResult.Outcome.PASS, r.outcome());
      assertEquals(1, r.warnings().size());
    }
  }

  @Nested
  class CommandsAndCode {
    @Test
    void sockstatAndTcpdrop_seeAndChangeTheHostsConnections() {
      assertPasses(
          run(
              CONNECTED
                  + """
          +0.1 shutdown(3, SHUT_WR) = 0
          +0 > F. 1:1(0) ack 1
          +0.1 < F. 1:1(0) ack 2 win 65535
          +0 > . 2:2(0) ack 2
          +0 `sockstat -4 -P tcp -s | grep packetdril | grep -c TIME_WAIT | grep 1`
          +0 `tcpdrop -s TIME_WAIT`
          +0 `sockstat -4 -P tcp -s | grep -c TIME_WAIT | grep 0`
          +0 %{ assert tcpi_state == TCPI_CLOSED }%
          """));
    }

    @Test
    void aFailingCommand_failsTheScript() {
      ScriptResult r =
          run(CONNECTED + "+0 `sockstat -4 -P tcp -s | grep -c ESTABLISHED | grep 2`\n");
      assertEquals(ScriptResult.Outcome.FAIL, r.outcome());
      assertEquals("1", r.seen());
    }

    @Test
    void sysctlsSetTheSettingsOfNewSockets() {
      assertPasses(
          run(
              Profile.FREEBSD,
              HEADER
                  + """
          0 `sysctl -w net.inet.tcp.recvspace=32768`
          +0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
          +0 getsockopt(3, SOL_SOCKET, SO_RCVBUF, [32768], [4]) = 0
          +0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
          +0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
          +0 > S 0:0(0) win 32768 <mss 1460,nop,wscale 6,sackOK,TS val 0 ecr 0>
          """));
    }
  }

  @Nested
  class SocketOptions {
    /** A non-blocking FreeBSD socket 3 whose connect was answered: ESTABLISHED at 0.1 s. */
    private static final String FREEBSD_CONNECT =
        """
        +0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
        +0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
        +0 > S 0:0(0) <...>
        +0.1 < S. 0:0(0) ack 1 win 65535
        +0 > . 1:1(0) ack 1
        """;

    @Test
    void freeBsd_keepAliveTiming_inheritedFromTheSysctls_inSecondsAndProbes() {
      assertPasses(
          run(
              Profile.FREEBSD,
              HEADER
                  + """
          0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
          +0 getsockopt(3, SOL_SOCKET, SO_KEEPALIVE, [0], [4]) = 0
          +0 getsockopt(3, IPPROTO_TCP, TCP_KEEPIDLE, [7200], [4]) = 0
          +0 getsockopt(3, IPPROTO_TCP, TCP_KEEPINTVL, [75], [4]) = 0
          +0 getsockopt(3, IPPROTO_TCP, TCP_KEEPCNT, [8], [4]) = 0
          +0 getsockopt(3, IPPROTO_TCP, TCP_KEEPINIT, [75], [4]) = 0
          +0 `sysctl -w net.inet.tcp.keepinit=15500`
          +0 getsockopt(3, IPPROTO_TCP, TCP_KEEPINIT, [15], [4]) = 0
          """));
    }

    @Test
    void keepAliveWithShortTiming_probesTwiceThenResetsTimedOut() {
      assertPasses(
          run(
              Profile.FREEBSD,
              HEADER
                  + """
          0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
          +0 setsockopt(3, SOL_SOCKET, SO_KEEPALIVE, [1], 4) = 0
          +0 setsockopt(3, IPPROTO_TCP, TCP_KEEPIDLE, [10], 4) = 0
          +0 setsockopt(3, IPPROTO_TCP, TCP_KEEPINTVL, [2], 4) = 0
          +0 setsockopt(3, IPPROTO_TCP, TCP_KEEPCNT, [2], 4) = 0
          +0 getsockopt(3, SOL_SOCKET, SO_KEEPALIVE, [8], [4]) = 0
          +0 getsockopt(3, IPPROTO_TCP, TCP_KEEPIDLE, [10], [4]) = 0
          """
                  + FREEBSD_CONNECT
                  + """
          +10 > . 0:0(0) ack 1
          +2 > . 0:0(0) ack 1
          +2 > R. 1:1(0) ack 1
          +0 getsockopt(3, SOL_SOCKET, SO_ERROR, [ETIMEDOUT], [4]) = 0
          """));
    }

    @Test
    void keepInit_blockingConnectTimesOutAfterItsSeconds_betweenFreeBsdsSynBackoffs() {
      assertPasses(
          run(
              Profile.FREEBSD,
              HEADER
                  + """
          0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
          +0 setsockopt(3, IPPROTO_TCP, TCP_KEEPINIT, [3], 4) = 0
          0.000...3.000 connect(3, ..., ...) = -1 ETIMEDOUT (Operation timed out)
          +0 > S 0:0(0) <...>
          +1 > S 0:0(0) <...>
          """));
    }

    @Test
    void freeBsd_noOpt_synWithoutAnyOption_flagBitReported() {
      assertPasses(
          run(
              Profile.FREEBSD,
              HEADER
                  + """
          0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
          +0 setsockopt(3, IPPROTO_TCP, TCP_NOOPT, [1], 4) = 0
          +0 getsockopt(3, IPPROTO_TCP, TCP_NOOPT, [8], [4]) = 0
          +0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
          +0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
          +0 > S 0:0(0) win 65535
          """));
    }

    @Test
    void keepAliveTiming_afterConnect_timesTheNextProbe_keepInitAfterConnectIsUnsupported() {
      assertPasses(
          run(
              Profile.FREEBSD,
              HEADER
                  + "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
                  + FREEBSD_CONNECT
                  + """
          +0 setsockopt(3, SOL_SOCKET, SO_KEEPALIVE, [1], 4) = 0
          +0 setsockopt(3, IPPROTO_TCP, TCP_KEEPIDLE, [10], 4) = 0
          +0 getsockopt(3, IPPROTO_TCP, TCP_KEEPIDLE, [10], [4]) = 0
          +10 > . 0:0(0) ack 1
          """));
      ScriptResult r =
          run(
              Profile.FREEBSD,
              HEADER
                  + "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
                  + FREEBSD_CONNECT
                  + "+0 setsockopt(3, IPPROTO_TCP, TCP_KEEPINIT, [10], 4) = 0\n");
      assertEquals(ScriptResult.Outcome.UNSUPPORTED, r.outcome());
    }

    /** Socket 3 connected as {@link #CONNECTED}, the peer's MSS 1000. */
    private static final String CONNECTED_MSS_1000 =
        CONNECTED.replace("ack 1 win 65535", "ack 1 win 65535 <mss 1000>");

    @Test
    void tcpCork_partialSegmentsWaitForMoreData_fullOnesGo_uncorkSendsTheRest() {
      assertPasses(
          run(
              Profile.LINUX,
              CONNECTED_MSS_1000
                  + """
          +0 setsockopt(3, SOL_TCP, TCP_CORK, [1], 4) = 0
          +0 getsockopt(3, SOL_TCP, TCP_CORK, [1], [4]) = 0
          +0 write(3, ..., 100) = 100
          +0.01 write(3, ..., 100) = 100
          +0.01 write(3, ..., 900) = 900
          +0 > . 1:1001(1000) ack 1
          +0.05 < . 1:1(0) ack 1001 win 65535
          +0.01 setsockopt(3, SOL_TCP, TCP_CORK, [0], 4) = 0
          +0 > P. 1001:1101(100) ack 1
          +0 getsockopt(3, SOL_TCP, TCP_CORK, [0], [4]) = 0
          """));
    }

    @Test
    void tcpCork_withoutTheCork_theSameWritesGoAtOnce() {
      // The control for the test above: Nagle alone sends the first small write at once.
      ScriptResult r =
          run(
              Profile.LINUX,
              CONNECTED_MSS_1000
                  + """
          +0 write(3, ..., 100) = 100
          +0.01 write(3, ..., 100) = 100
          +0.01 write(3, ..., 900) = 900
          +0 > . 1:1001(1000) ack 1
          """);
      assertEquals(ScriptResult.Outcome.FAIL, r.outcome(), () -> String.join("\n", r.describe()));
    }

    @Test
    void tcpCork_closeSendsWhatWaitsWithTheFin() {
      assertPasses(
          run(
              Profile.LINUX,
              CONNECTED_MSS_1000
                  + """
          +0 setsockopt(3, SOL_TCP, TCP_CORK, [1], 4) = 0
          +0 write(3, ..., 10) = 10
          +0.05 close(3) = 0
          +0 > FP. 1:11(10) ack 1
          """));
    }

    @Test
    void userTimeoutMaxSegAndCongestion_readBackAsLinuxReportsThem() {
      assertPasses(
          run(
              Profile.LINUX,
              HEADER
                  + """
          0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
          +0 getsockopt(3, SOL_TCP, TCP_MAXSEG, [536], [4]) = 0
          +0 setsockopt(3, SOL_TCP, TCP_MAXSEG, [1200], 4) = 0
          +0 setsockopt(3, SOL_TCP, TCP_MAXSEG, [20], 4) = -1 EINVAL (Invalid argument)
          +0 setsockopt(3, SOL_TCP, TCP_USER_TIMEOUT, [3000], 4) = 0
          +0 setsockopt(3, SOL_TCP, TCP_USER_TIMEOUT, [-1], 4) = -1 EINVAL (Invalid argument)
          +0 getsockopt(3, SOL_TCP, TCP_CONGESTION, "cubic", [16]) = 0
          +0 setsockopt(3, SOL_TCP, TCP_CONGESTION, "reno", 4) = 0
          +0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
          +0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
          +0 > S 0:0(0) <mss 1200,sackOK,TS val 0 ecr 0,nop,wscale 7>
          +0.1 < S. 0:0(0) ack 1 win 65535 <mss 1460>
          +0 > . 1:1(0) ack 1
          +0 getsockopt(3, SOL_TCP, TCP_MAXSEG, [1200], [4]) = 0
          +0 getsockopt(3, SOL_TCP, TCP_USER_TIMEOUT, [3000], [4]) = 0
          +0 getsockopt(3, SOL_TCP, TCP_CONGESTION, "reno", [16]) = 0
          +0 write(3, ..., 10) = 10
          +0 > P. 1:11(10) ack 1
          """));
    }

    @Test
    void reusePort_twoListenersShareThePort_reuseAddrAloneIsEaddrinuse() {
      assertPasses(
          run(
              Profile.LINUX,
              HEADER
                  + """
          0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
          +0 setsockopt(3, SOL_SOCKET, SO_REUSEPORT, [1], 4) = 0
          +0 bind(3, ..., ...) = 0
          +0 listen(3, 1) = 0
          +0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 4
          +0 setsockopt(4, SOL_SOCKET, SO_REUSEPORT, [1], 4) = 0
          +0 getsockopt(4, SOL_SOCKET, SO_REUSEPORT, [1], [4]) = 0
          +0 bind(4, ..., ...) = 0
          +0 listen(4, 1) = 0
          +0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 5
          +0 setsockopt(5, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
          +0 bind(5, ..., ...) = 0
          +0 listen(5, 1) = -1 EADDRINUSE (Address already in use)
          """));
    }

    @Test
    void tcpCongestion_knownNameSet_unknownNameEnoent() {
      assertPasses(
          run(
              CONNECTED
                  + """
          +0 setsockopt(3, IPPROTO_TCP, TCP_CONGESTION, "bbr", 3) = 0
          +0 setsockopt(3, IPPROTO_TCP, TCP_CONGESTION, "vegas", 5) = -1 ENOENT (No such file or directory)
          +0 write(3, ..., 10) = 10
          +0 > P. 1:11(10) ack 1
          """));
    }

    @Test
    void tcpCongestion_bbr3_setAndReadBack_bbrStaysV1() {
      assertPasses(
          run(
              CONNECTED
                  + """
          +0 getsockopt(3, SOL_TCP, TCP_CONGESTION, "cubic", [16]) = 0
          +0 setsockopt(3, IPPROTO_TCP, TCP_CONGESTION, "bbr3", 5) = 0
          +0 getsockopt(3, SOL_TCP, TCP_CONGESTION, "bbr3", [16]) = 0
          +0 write(3, ..., 10) = 10
          +0 > P. 1:11(10) ack 1
          +0 setsockopt(3, IPPROTO_TCP, TCP_CONGESTION, "bbr", 4) = 0
          +0 getsockopt(3, SOL_TCP, TCP_CONGESTION, "bbr", [16]) = 0
          """));
    }

    @Test
    void nagle_holdsASmallWriteWhileDataIsOutstanding_noDelaySendsAtOnce() {
      assertPasses(
          run(
              CONNECTED
                  + """
          +0 getsockopt(3, IPPROTO_TCP, TCP_NODELAY, [0], [4]) = 0
          +0 write(3, ..., 10) = 10
          +0 > P. 1:11(10) ack 1
          +0 write(3, ..., 10) = 10
          +0.1 < . 1:1(0) ack 11 win 65535
          +0 > P. 11:21(10) ack 1
          +0 setsockopt(3, IPPROTO_TCP, TCP_NODELAY, [1], 4) = 0
          +0 getsockopt(3, IPPROTO_TCP, TCP_NODELAY, [1], [4]) = 0
          +0 write(3, ..., 10) = 10
          +0 > P. 21:31(10) ack 1
          +0 write(3, ..., 10) = 10
          +0 > P. 31:41(10) ack 1
          """));
    }

    @Test
    void lingerZero_closeResetsTheConnection() {
      assertPasses(
          run(
              CONNECTED
                  + """
          +0 setsockopt(3, SOL_SOCKET, SO_LINGER, {l_onoff=1, l_linger=0}, 8) = 0
          +0 getsockopt(3, SOL_SOCKET, SO_LINGER, {l_onoff=1, l_linger=0}, [8]) = 0
          +0 write(3, ..., 10) = 10
          +0 > P. 1:11(10) ack 1
          +0 close(3) = 0
          +0 > R. 11:11(0) ack 1
          """));
    }

    @Test
    void receiveBuffer_setOnAConnectedSocket_freeBsdRefusesMoreThanSbMaxAdj() {
      assertPasses(
          run(
              Profile.FREEBSD,
              HEADER
                  + "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
                  + FREEBSD_CONNECT
                  + """
          +0 setsockopt(3, SOL_SOCKET, SO_RCVBUF, [131072], 4) = 0
          +0 getsockopt(3, SOL_SOCKET, SO_RCVBUF, [131072], [4]) = 0
          +0 setsockopt(3, SOL_SOCKET, SO_RCVBUF, [2000000], 4) = -1 ENOBUFS (No buffer space available)
          +0 setsockopt(3, SOL_SOCKET, SO_SNDBUF, [0], 4) = -1 EINVAL (Invalid argument)
          """));
    }
  }

  @Nested
  class Refusals {
    @Test
    void whatCannotBeHonoured_isUnsupported_neverPassed() {
      for (String line :
          List.of(
              "0 %{ print(tcpi_rtt) }%",
              "0 `sysctl -w net.inet.tcp.udp_tunneling_port=9811`",
              "0 `ls`",
              "0 socket(..., SOCK_DGRAM, IPPROTO_UDP) = 3",
              "0 sendfile(3, 4, ..., 10) = 10",
              "0 < S 0:0(0) win 1 <md5 valid>")) {
        ScriptResult r = run(HEADER + line + "\n");
        assertEquals(ScriptResult.Outcome.UNSUPPORTED, r.outcome(), line);
        assertTrue(r.message().startsWith("unsupported: "), r.message());
      }
    }

    @Test
    void anUnknownOption_isUnsupported() {
      assertEquals(
          ScriptResult.Outcome.UNSUPPORTED,
          run("--wire_server_at=1.2.3.4\n0 `sysctl -w net.inet.tcp.sack.enable=1`\n").outcome());
    }

    @Test
    void textThatIsNotTheLanguage_fails() {
      ScriptResult r = run("0 < S 0:0(0)\n");
      assertEquals(ScriptResult.Outcome.FAIL, r.outcome());
      assertEquals(1, r.line());
    }
  }
}
