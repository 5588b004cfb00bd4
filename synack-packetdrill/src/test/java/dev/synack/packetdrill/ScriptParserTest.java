package dev.synack.packetdrill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.wire.SackBlock;
import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpOption;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The parser on lines taken from the FreeBSD suite, as they are written there. */
class ScriptParserTest {
  private static Event event(String line) {
    return ScriptParser.event(new LineCursor(line, 7));
  }

  private static ScriptPacket packet(String line) {
    return ((Event.Packet) event(line)).packet();
  }

  @Nested
  class Times {
    @Test
    void absolute_isMicrosecondsFromTheStart() {
      EventTime t = event(" 0.00 `sysctl -w net.inet.tcp.rfc1323=1`").time();
      assertEquals(new EventTime(EventTime.Kind.ABSOLUTE, 0, 0), t);
      assertEquals(
          1_000_000,
          event(" 1.00 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)")
              .time()
              .startMicros());
    }

    @Test
    void plus_isRelative_evenWithASpaceAfterIt() {
      assertEquals(
          new EventTime(EventTime.Kind.RELATIVE, 100_000, 100_000),
          event("+0.10 < R  1:1(0)       win 32767").time());
      assertEquals(
          new EventTime(EventTime.Kind.RELATIVE, 2_200_000, 2_200_000),
          event("+ 2.20 > S  0:0(0) win 65535 <mss 1460,nop,wscale 6,sackOK,TS val 3300 ecr 0>")
              .time());
    }

    @Test
    void tilde_isARange_absoluteOrRelative() {
      assertEquals(
          new EventTime(EventTime.Kind.ABSOLUTE_RANGE, 100_000, 200_000),
          event("0.1~0.2 > . 1:1(0) ack 1").time());
      assertEquals(
          new EventTime(EventTime.Kind.RELATIVE_RANGE, 100_000, 300_000),
          event("+0.1~+0.3 > . 1:1(0) ack 1").time());
    }

    @Test
    void star_isAnyTime() {
      assertEquals(EventTime.Kind.ANY, event("*      > S  0:0(0) win 65535 <...>").time().kind());
    }

    @Test
    void dots_afterAnAbsoluteTime_makeABlockingCallWithAnEnd() {
      Event.Syscall sc =
          (Event.Syscall)
              event(" 1.00...6.00 connect(3, ..., ...) = -1 ETIMEDOUT (Operation timed out)");
      assertEquals(1_000_000, sc.time().startMicros());
      assertEquals(new EventTime(EventTime.Kind.ABSOLUTE, 6_000_000, 6_000_000), sc.end());
      assertEquals("ETIMEDOUT", sc.errno());
    }
  }

  @Nested
  class Packets {
    @Test
    void syn_withFreeBsdOptions() {
      ScriptPacket p =
          packet(
              "+0.00 > S  0:0(0)       win 65535 <mss 1460,nop,wscale 6,sackOK,TS val 100 ecr 0>");
      assertFalse(p.inbound());
      assertEquals(TcpFlags.SYN, p.flags());
      assertEquals(0, p.seq());
      assertEquals(0, p.length());
      assertNull(p.ack());
      assertEquals(65535, p.window());
      assertEquals(
          List.of(
              new TcpOption.MaximumSegmentSize(1460),
              new TcpOption.NoOperation(),
              new TcpOption.WindowScale(6),
              new TcpOption.SackPermitted(),
              new TcpOption.Timestamps(100, 0)),
          p.options());
    }

    @Test
    void synAck_withEolPadding() {
      ScriptPacket p = packet("+0.10 < S. 0:0(0) ack 1 win 32767 <mss 1460,sackOK,eol,eol>");
      assertTrue(p.inbound());
      assertEquals(TcpFlags.SYN | TcpFlags.ACK, p.flags());
      assertEquals(1L, p.ack());
      assertEquals(4, p.options().size());
      assertInstanceOf(TcpOption.EndOfOptionList.class, p.options().getLast());
    }

    @Test
    void dataRange_givesTheLength_andWithoutOptionsMeansNone() {
      ScriptPacket p = packet("+0.00 > P. 1461:2921(1460) ack 1 win 65535");
      assertEquals(TcpFlags.PSH | TcpFlags.ACK, p.flags());
      assertEquals(1461, p.seq());
      assertEquals(1460, p.length());
      assertEquals(List.of(), p.options());
    }

    @Test
    void finWithoutDot_hasNoAckFlag_butKeepsTheAckField() {
      ScriptPacket p = packet("+0.10 < F  17:20(3) ack 34 win 32767");
      assertEquals(TcpFlags.FIN, p.flags());
      assertFalse(p.hasAck());
      assertEquals(34L, p.ack());
      assertEquals(3, p.length());
    }

    @Test
    void ellipsisOptions_areNotChecked() {
      assertNull(packet("*      > S  0:0(0) win 65535 <...>").options());
    }

    @Test
    void missingWindow_onOutbound_isNotChecked() {
      assertNull(packet("+0.00 > [ect0] P. 1:11(10) ack 1").window());
    }

    @Test
    void ellipsisSequence_isIgnored() {
      ScriptPacket p =
          packet("+0.00 > S.     ...(0)     ack 65537 win 65535 <mss 1460,sackOK,eol,eol>");
      assertTrue(p.ignoreSeq());
      assertEquals(65537L, p.ack());
    }

    @Test
    void bang_afterTheRange_isAnAbsoluteSequenceNumber() {
      ScriptPacket p =
          packet("+0.00 > (ttl 4) R.    0:0(0)!      ack    2 win     0/udp(9811 > 1)");
      assertTrue(p.absoluteSeq());
      assertEquals(new ScriptPacket.IpField("ttl", 4), p.ipField());
      assertEquals("9811 > 1", p.udpEncapsulation());
    }

    @Test
    void ecnBrackets_mayTouchTheArrow() {
      assertEquals(
          ScriptPacket.Ecn.NO_ECN, packet("+0.01 <[noecn] . 1:1(0) ack 1 win 65535").ecn());
      assertEquals(ScriptPacket.Ecn.ECT0, packet("+0.00 >[ect0] P. 1:11(10) ack 1").ecn());
    }

    @Test
    void eceAndCwr_areEAndW() {
      assertEquals(
          TcpFlags.SYN | TcpFlags.ECE | TcpFlags.CWR,
          packet("+0.00 > SEW  0:0(0) win 65535 <mss 1460>").flags());
    }

    @Test
    void sackBlocks_andSpacesAfterCommas() {
      ScriptPacket p =
          packet(
              "+0.00 < (ttl 3)  .    1:1(0)       ack 2921 win 32767 <sack 4381:5841, nop, nop>");
      assertEquals(new TcpOption.Sack(List.of(new SackBlock(4381, 5841))), p.options().getFirst());
    }

    @Test
    void md5_parses_andIsNamedUnsupported_notSkipped() {
      ScriptPacket p = packet("+0.00 > F. 1:1(0) ack 1 win 65535 <nop,nop,md5 valid>");
      assertTrue(
          p.unsupported().getFirst().startsWith("TCP-MD5 signature option"),
          p.unsupported().toString());
      ScriptResult r =
          new ScriptRunner(Profile.RFC, MatchMode.EXACT, dev.synack.trace.TraceSink.NONE)
              .run(
                  "t.pkt",
                  "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 > F. 1:1(0) ack 1 win 65535 <nop,nop,md5 valid>\n");
      assertEquals(ScriptResult.Outcome.UNSUPPORTED, r.outcome());
      assertEquals(2, r.line());
    }

    @Test
    void fastOpenCookies_areTheirWireOptions() {
      assertEquals(
          new TcpOption.FastOpen(new byte[] {(byte) 0xab, (byte) 0xcd, 0x12, 0x34}, false),
          packet("+0 < S 0:0(0) win 1000 <FO abcd1234>").options().getFirst());
      assertEquals(
          TcpOption.FastOpen.request(),
          packet("+0 < S 0:0(0) win 1000 <FO,nop>").options().getFirst());
      assertEquals(
          new TcpOption.FastOpen(new byte[] {1, 2, 3, 4}, true),
          packet("+0 < S 0:0(0) win 1000 <exp-FO 01020304>").options().getFirst());
      assertEquals(
          new TcpOption.FastOpen(new byte[0], true),
          packet("+0 < S 0:0(0) win 1000 <FOEXP>").options().getFirst());
    }

    @Test
    void dash_isNoFlags_andUrgSetsThePointer() {
      assertEquals(0, packet("+0 < - 1:1(0) win 100").flags());
      ScriptPacket p = packet("+0 < .U 1:2(1) ack 1 urg 1 win 100");
      assertEquals(TcpFlags.ACK | TcpFlags.URG, p.flags());
      assertEquals(1, p.urgentPointer());
    }

    @Test
    void icmpLine_withCodeMtuAndQuotedSegment() {
      ScriptPacket p = packet("+0 < icmp unreachable frag_needed mtu 1200 [1:1461(1460)]");
      assertEquals(
          new ScriptPacket.Icmp("unreachable", "frag_needed", 1200, 0, "tcp", 1, 1460), p.icmp());
      assertTrue(p.unsupported().isEmpty());
      assertFalse(packet("+0 > icmp unreachable port_unreachable").unsupported().isEmpty());
    }

    @Test
    void udpLines_outerHeadersAndFlowLabels_parse_andAreNamedUnsupported() {
      assertEquals(100, packet("+0 < udp (100)").udpLength());
      assertTrue(
          packet("+0 < ipv4 192.0.2.7 > 192.168.0.1: . 1:1(0) ack 1 win 9")
              .unsupported()
              .getFirst()
              .startsWith("outer IP header"));
      assertTrue(
          packet("+0 < [ect0,flowlabel 0x12] . 1:1(0) ack 1 win 9")
              .unsupported()
              .getFirst()
              .startsWith("IPv6 flow label"));
    }

    @Test
    void accEcnAceDigit_beforeOrAfterTheDot_setsAeCwrEce_andLettersAddTheirBits() {
      assertEquals(
          TcpFlags.SYN | TcpFlags.ACK | TcpFlags.CWR,
          packet("+0 > S.2 0:0(0) ack 1 <...>").flags());
      // 5 = 101: AE and ECE; the same written after the dot or before it.
      assertEquals(
          TcpFlags.ACK | TcpFlags.AE | TcpFlags.ECE, packet("+0 > .5 1:1(0) ack 1 <...>").flags());
      assertEquals(
          TcpFlags.PSH | TcpFlags.ACK | TcpFlags.AE | TcpFlags.ECE,
          packet("+0 > P5. 1:101(100) ack 1 <...>").flags());
      assertEquals(
          TcpFlags.SYN | TcpFlags.ECE | TcpFlags.CWR | TcpFlags.AE,
          packet("+0 < SEWA 0:0(0) win 9").flags());
      assertTrue(packet("+0 < SEWA 0:0(0) win 9").unsupported().isEmpty());
      assertEquals(
          ScriptException.Kind.SYNTAX,
          assertThrows(ScriptException.class, () -> packet("+0 > .56 1:1(0) ack 1")).kind());
    }

    @Test
    void accEcnOption_firstFieldNamesTheOrder_fieldsCutFromTheEndOnly() {
      TcpOption.AccEcn order1 =
          (TcpOption.AccEcn)
              packet("+0 > SW. 0:0(0) ack 1 <mss 1460,ECN e1b 1 ceb 0 e0b 1,nop>").options().get(1);
      assertEquals(new TcpOption.AccEcn(true, 1, 0, 1), order1);
      assertEquals(174, order1.kind());
      TcpOption.AccEcn order0 =
          (TcpOption.AccEcn)
              packet("+0 < . 1:1(0) ack 1 win 9 <ECN e0b 7 ceb 1000 e1b 3 ,nop>")
                  .options()
                  .getFirst();
      assertEquals(new TcpOption.AccEcn(false, 7, 1000, 3), order0);
      assertEquals(172, order0.kind());
      assertEquals(
          new TcpOption.AccEcn(true, -1, 1000, 2001),
          packet("+0 > . 1:1(0) ack 1 <ECN e1b 2001 ceb 1000,nop,nop,sack 5:6>")
              .options()
              .getFirst());
      assertEquals(
          ScriptException.Kind.SYNTAX,
          assertThrows(ScriptException.class, () -> packet("+0 > . 1:1(0) ack 1 <ECN e0b 1 e1b 1>"))
              .kind());
    }

    @Test
    void inboundWithoutWindow_isASyntaxError() {
      assertEquals(
          ScriptException.Kind.SYNTAX,
          assertThrows(ScriptException.class, () -> packet("+0 < . 1:1(0) ack 1")).kind());
    }

    @Test
    void rangeThatDisagreesWithItsLength_isASyntaxError() {
      assertEquals(
          ScriptException.Kind.SYNTAX,
          assertThrows(ScriptException.class, () -> packet("+0 > . 1:5(3) ack 1")).kind());
    }
  }

  @Nested
  class Syscalls {
    @Test
    void getsockopt_withArraysForOutputs() {
      Event.Syscall sc =
          (Event.Syscall) event("+0.00 getsockopt(3, SOL_SOCKET, SO_ERROR, [ECONNRESET], [4]) = 0");
      assertEquals("getsockopt", sc.name());
      assertEquals(
          List.of(
              new Expr.Num(3),
              new Expr.Sym("SOL_SOCKET"),
              new Expr.Sym("SO_ERROR"),
              new Expr.Array(List.of(new Expr.Sym("ECONNRESET"))),
              new Expr.Array(List.of(new Expr.Num(4)))),
          sc.args());
      assertEquals(new Expr.Num(0), sc.result());
      assertNull(sc.errno());
    }

    @Test
    void failure_hasErrnoAndItsText() {
      Event.Syscall sc =
          (Event.Syscall)
              event("+0.00 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)");
      assertEquals(List.of(new Expr.Num(3), new Expr.Ellipsis(), new Expr.Ellipsis()), sc.args());
      assertEquals(new Expr.Num(-1), sc.result());
      assertEquals("EINPROGRESS", sc.errno());
    }

    @Test
    void fcntl_hexResult_andOredFlags() {
      Event.Syscall get = (Event.Syscall) event("+0.00 fcntl(3, F_GETFL) = 0x02 (flags O_RDWR)");
      assertEquals(new Expr.Num(2), get.result());
      Event.Syscall set = (Event.Syscall) event("+0.00 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0");
      assertEquals(
          new Expr.Or(List.of(new Expr.Sym("O_RDWR"), new Expr.Sym("O_NONBLOCK"))),
          set.args().get(2));
      assertEquals(6L, Symbols.evaluate(set.args().get(2)));
    }

    @Test
    void spaceBeforeTheParenthesis_andNoSpaceAfterComma() {
      assertEquals("write", ((Event.Syscall) event("+0.00 write (3, ..., 10) = 10")).name());
      Event.Syscall sc =
          (Event.Syscall) event("+0.00 setsockopt(3, IPPROTO_TCP, TCP_KEEPIDLE,[1], 4) = 0");
      assertEquals(5, sc.args().size());
    }

    @Test
    void pollStructures() {
      Event.Syscall sc =
          (Event.Syscall) event("+0 poll([{fd=3, events=POLLIN, revents=POLLIN}], 1, 0) = 1");
      Expr.Struct pfd = (Expr.Struct) ((Expr.Array) sc.args().getFirst()).elements().getFirst();
      assertEquals(new Expr.Sym("POLLIN"), pfd.fields().get("revents"));
    }
  }

  @Nested
  class NewForms {
    @Test
    void plusStartWithDots_endsCountedFromTheSameBase() {
      Event.Syscall sc = (Event.Syscall) event("+0.1...0.3 read(4, ..., 10) = 10");
      assertEquals(new EventTime(EventTime.Kind.RELATIVE, 100_000, 100_000), sc.time());
      assertEquals(
          new EventTime(EventTime.Kind.RELATIVE, 200_000, 200_000),
          sc.end()); // 0.2 after its own start
    }

    @Test
    void lingerSockaddrMsghdrAndIovecs_areStructures() {
      Event.Syscall sc =
          (Event.Syscall)
              event("+0 setsockopt(4, SOL_SOCKET, SO_LINGER, {onoff=1, linger=0}, 8) = 0");
      Expr.Struct linger = (Expr.Struct) sc.args().get(3);
      assertEquals(new Expr.Num(1), linger.field("onoff"));
      sc =
          (Event.Syscall)
              event(
                  "+0 bind(3, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr(\"1.2.3.4\")}, 16) = 0");
      assertEquals(8080L, Symbols.evaluate(((Expr.Struct) sc.args().get(1)).field("sin_port")));
      sc =
          (Event.Syscall)
              event(
                  "+0 recvmsg(4, {msg_name(...)=..., msg_iov(1)=[{..., 100}], msg_flags=0}, 0) = 100");
      assertEquals(new DataArgs(100, Set.of()), DataArgs.of("recvmsg", sc.args()));
      sc = (Event.Syscall) event("+0 writev(4, [{..., 60}, {..., 40}], 2) = 100");
      assertEquals(100, DataArgs.of("writev", sc.args()).length());
    }

    @Test
    void aCallOverSeveralLines_isOneEvent() {
      Script s =
          ScriptParser.parse(
              "t.pkt",
              "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 recvmsg(3, {msg_name(...)=...,\n"
                  + "   msg_iov(1)=[{..., 5}],\n   msg_flags=0}, MSG_DONTWAIT) = -1 EAGAIN (Resource temporarily unavailable)\n"
                  + "`echo cleanup`\n",
              Set.of());
      assertEquals(3, s.events().size());
      assertEquals(2, s.events().get(1).line());
      assertEquals(
          EventTime.Kind.RELATIVE, s.events().get(2).time().kind()); // the cleanup command, last
    }

    @Test
    void outOfBand_isUnsupported_namingTheFlag() {
      Event.Syscall sc = (Event.Syscall) event("+0 recv(4, ..., 10, MSG_OOB) = 10");
      ScriptException e = assertThrows(ScriptException.class, () -> DataArgs.of("recv", sc.args()));
      assertEquals(ScriptException.Kind.UNSUPPORTED, e.kind());
      assertTrue(e.getMessage().contains("MSG_OOB"), e.getMessage());
    }
  }

  @Nested
  class CommandsAndCode {
    @Test
    void backquotes_holdAShellCommand_pipesIncluded() {
      Event.Command c =
          (Event.Command)
              event("+0.10 `sockstat -4 -P tcp -s -p 8080 | grep -c SYN_RCVD | grep 1`");
      assertEquals("sockstat -4 -P tcp -s -p 8080 | grep -c SYN_RCVD | grep 1", c.command());
    }

    @Test
    void percentBraces_holdCode() {
      Event.Code c = (Event.Code) event("+0.00 %{ assert tcpi_state == TCPI_SYN_RECEIVED }%");
      assertEquals("assert tcpi_state == TCPI_SYN_RECEIVED", c.code());
    }
  }

  @Nested
  class WholeScripts {
    private static final String SCRIPT =
        """
        // A comment line
        --ip_version=ipv6
        --tolerance_usecs=75000

         0.00 `sysctl -w net.inet.tcp.rfc1323=1`
        +0.00 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
        +0.00 close(3) = 0// glued comment
        #ifdef STANDARD
        +0.00 >  .     2:2(0)     ack     2 win 65535
        #endif
        #ifdef FreeBSD
        +0.10 <  . 1:1(0) ack 2 win 32767
        #else
        +0.10 <  R 1:1(0) win 32767
        #endif
        /* a block
           comment */ +0.00 %{
        assert tcpi_state == TCPI_CLOSED
        }%
        """;

    @Test
    void optionsEventsAndLineNumbers() {
      Script s = ScriptParser.parse("t.pkt", SCRIPT, Set.of("FreeBSD"));
      assertEquals("ipv6", s.options().get("ip_version"));
      assertEquals("75000", s.options().get("tolerance_usecs"));
      assertEquals(List.of(5, 6, 7, 12, 17), s.events().stream().map(Event::line).toList());
      assertEquals("close", ((Event.Syscall) s.events().get(2)).name());
      assertEquals(TcpFlags.ACK, ((Event.Packet) s.events().get(3)).packet().flags());
      assertInstanceOf(Event.Code.class, s.events().get(4));
    }

    @Test
    void ifdef_takesTheOtherBranch_forOtherDefines() {
      Script s = ScriptParser.parse("t.pkt", SCRIPT, Set.of("STANDARD"));
      List<Integer> lines = s.events().stream().map(Event::line).toList();
      assertEquals(List.of(5, 6, 7, 9, 14, 17), lines);
      assertEquals(TcpFlags.RST, ((Event.Packet) s.events().get(4)).packet().flags());
    }

    @Test
    void unbalancedIfdef_isASyntaxError() {
      assertThrows(
          ScriptException.class,
          () -> ScriptParser.parse("t.pkt", "#ifdef X\n+0 close(3) = 0\n", Set.of()));
      assertThrows(ScriptException.class, () -> ScriptParser.parse("t.pkt", "#endif\n", Set.of()));
    }
  }
}
