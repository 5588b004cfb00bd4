package dev.synack.tcp;

import static dev.synack.tcp.EcnTest.drain;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.tcp.EcnTest.Sent;
import dev.synack.wire.Ecn;
import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpOption;
import dev.synack.wire.TcpSegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Accurate ECN (RFC 9768) on the engine, against a scripted peer, as Linux 6.18 negotiates it: the
 * AccECN SYN, the SYN-ACK's ACE echo of the SYN's codepoint, the third ACK's echo of the SYN-ACK's,
 * the fallbacks (classic ECN, none, a zeroed ACE, a plain retransmitted SYN), then the feedback:
 * the ACE counter of CE packets, the AccECN option and the sender's count of delivered CE marks.
 */
class AccEcnTest {
  private static final Duration RTT = Duration.ofMillis(50);
  private static final TcpConfig CFG =
      TcpConfig.defaults()
          .withTimestamps(false, 0)
          .withWindowScale(false, 0)
          .withEcn(TcpConfig.ECN_ACCECN);
  private static final int MSS = 1000;

  /** Returns the peer's segment with the ACE field {@code ace}. */
  static TcpSegment withAce(TcpSegment p, int ace) {
    return new TcpSegment(
        p.sourcePort(),
        p.destinationPort(),
        p.sequenceNumber(),
        p.acknowledgmentNumber(),
        TcpFlags.withAce(p.flags(), ace),
        p.window(),
        0,
        0,
        p.options(),
        p.payload());
  }

  /**
   * Returns the SYN-ACK a server sends with this ACE and these options besides MSS and
   * SACK-permitted.
   */
  static TcpSegment synAck(EngineScript s, int ace, TcpOption... more) {
    List<TcpOption> options =
        new ArrayList<>(
            List.of(new TcpOption.MaximumSegmentSize(MSS), new TcpOption.SackPermitted()));
    options.addAll(List.of(more));
    return withAce(
        Seg.withOptions(
            s.peer("S.", EngineScript.PEER_ISS, 1001), options.toArray(TcpOption[]::new)),
        ace);
  }

  /**
   * Returns a client that sent its AccECN SYN and took a SYN-ACK with {@code ace}, IP codepoint
   * {@code ipEcn}; and its third ACK.
   */
  static Sent clientHandshake(EngineScript s, int ace, int ipEcn, TcpOption... options) {
    drain(s);
    s.tick(RTT);
    s.conn().handleSegment(synAck(s, ace, options), ipEcn, s.now());
    List<Sent> third = drain(s);
    s.drainEvents();
    assertEquals(1, third.size(), s.trace.dump());
    return third.getFirst();
  }

  /** Linux's SYN-ACK option: order 1, EE1B 1, ECEB 0, EE0B 1. */
  static final TcpOption.AccEcn LINUX_SYNACK_OPTION = TcpOption.AccEcn.of(true, 3, 1, 0, 1);

  static EngineScript accurateClient() {
    EngineScript s = EngineScript.connect(CFG);
    clientHandshake(s, 0b010, Ecn.NOT_ECT, LINUX_SYNACK_OPTION);
    assertTrue(s.conn().ecn.accurate(), s.trace.dump());
    return s;
  }

  static TcpSegment accEcnSyn() {
    return withAce(
        Seg.withOptions(
            Seg.of(
                EnginePair.CLIENT_ID.remotePort(),
                EnginePair.CLIENT_ID.localPort(),
                "S",
                EngineScript.PEER_ISS,
                0,
                65535),
            new TcpOption.MaximumSegmentSize(MSS)),
        0b111);
  }

  static EngineScript acceptWith(TcpConfig cfg, TcpSegment syn, int ipEcn) {
    return EngineScript.accept(cfg, syn, ipEcn);
  }

  @Nested
  class Negotiation {
    @Test
    void activeOpen_accEcn_synCarriesAeCwrEce_notEct_noOption() {
      EngineScript s = EngineScript.connect(CFG);
      Sent syn = drain(s).getFirst();
      assertEquals(
          0b111,
          TcpFlags.ace(syn.segment().flags()),
          "RFC 9768 §3.1.1: AE, CWR and ECE on the SYN " + syn.segment());
      assertEquals(Ecn.NOT_ECT, syn.ecn());
      assertNull(syn.segment().options().accEcn(), "Linux sends no AccECN option on a SYN");
    }

    @ParameterizedTest(name = "SYN-ACK arrives {0}: third ACK ACE {1}")
    @CsvSource({"0, 2", "1, 3", "2, 4", "3, 6"})
    void activeOpen_accEcnSynAck_thirdAckEchoesItsCodepoint(int ipEcn, int expectedAce) {
      EngineScript s = EngineScript.connect(CFG);
      Sent third = clientHandshake(s, 0b010, ipEcn, LINUX_SYNACK_OPTION);
      assertTrue(s.conn().ecn.accurate(), "010 on the SYN-ACK: AccECN (RFC 9768 Table 3)");
      assertEquals(
          expectedAce,
          TcpFlags.ace(third.segment().flags()),
          "Table 4: the echo of the SYN-ACK's IP-ECN " + third.segment());
      assertEquals(Ecn.NOT_ECT, third.ecn(), "a pure ACK is not-ECT");
      TcpOption.AccEcn option = third.segment().options().accEcn();
      assertNotNull(
          option,
          "the SYN-ACK's option showed options cross: the third ACK carries one "
              + third.segment());
      assertEquals(
          TcpOption.AccEcn.of(true, 3, 1, 0, 1), option, "no payload received yet: initial values");
      s.send("d".repeat(MSS));
      Sent data = drain(s).getFirst();
      assertEquals(Ecn.ECT_0, data.ecn(), "new data on an AccECN connection is ECT(0)");
      assertEquals(
          AccEcn.CEP_INIT,
          TcpFlags.ace(data.segment().flags()),
          "then the ACE counter: r.cep starts at 5");
      assertTrue(s.conn().info(s.now()).options() >= TcpInfo.OPT_ECN, "tcpi_options has ECN");
    }

    @Test
    void activeOpen_classicSynAck001_fallsBackToRfc3168() {
      EngineScript s = EngineScript.connect(CFG);
      Sent third = clientHandshake(s, 0b001, Ecn.NOT_ECT);
      assertTrue(s.conn().ecn.enabled());
      assertFalse(
          s.conn().ecn.accurate(),
          "RFC 9768 §3.1.2: an RFC 3168 server's ECE alone means classic ECN");
      assertEquals(
          0, TcpFlags.ace(third.segment().flags()), "classic: no ECE nor CWR on the third ACK");
      s.send("d".repeat(MSS));
      assertEquals(Ecn.ECT_0, drain(s).getFirst().ecn());
    }

    @ParameterizedTest(name = "SYN-ACK ACE {0}: no ECN")
    @CsvSource({"0", "7"})
    void activeOpen_synAckWithoutEcnOrBroken_noEcn(int ace) {
      EngineScript s = EngineScript.connect(CFG);
      Sent third = clientHandshake(s, ace, Ecn.NOT_ECT);
      assertFalse(
          s.conn().ecn.enabled(),
          "Linux's tcp_ecn_rcv_synack: 000 (no ECN) and 111 (broken) leave ECN off");
      assertEquals(0, TcpFlags.ace(third.segment().flags()));
      s.send("d".repeat(MSS));
      assertEquals(Ecn.NOT_ECT, drain(s).getFirst().ecn());
    }

    @Test
    void activeOpen_synLost_retransmittedSynIsPlain_andAnAccEcnAnswerThenAgreesToNothing() {
      EngineScript s = EngineScript.connect(CFG);
      assertEquals(0b111, TcpFlags.ace(drain(s).getFirst().segment().flags()));
      s.fireNextTimer();
      List<Sent> again = drain(s);
      assertEquals(1, again.size(), s.trace.dump());
      assertTrue(again.getFirst().has(TcpFlags.SYN));
      assertEquals(
          0,
          TcpFlags.ace(again.getFirst().segment().flags()),
          "RFC 9768 §3.1.4.1, Linux's tcp_ecn_clear_syn: the retransmitted SYN asks for no ECN "
              + again.getFirst().segment());
      s.conn().handleSegment(synAck(s, 0b010), Ecn.NOT_ECT, s.now());
      assertFalse(s.conn().ecn.enabled(), "a plain SYN was the last word: no ECN");
    }

    @Test
    void activeOpen_classicEcnOn_synLost_retransmittedSynIsPlainToo() {
      EngineScript s = EngineScript.connect(CFG.withEcn(TcpConfig.ECN_ON));
      assertEquals(
          0b011,
          TcpFlags.ace(drain(s).getFirst().segment().flags()),
          "an ECN-setup SYN: ECE and CWR");
      s.fireNextTimer();
      Sent again = drain(s).getFirst();
      assertEquals(
          0,
          TcpFlags.ace(again.segment().flags()),
          "RFC 3168 §6.1.1.1: the SYN goes again without ECN " + again.segment());
      s.conn().handleSegment(synAck(s, 0b001), Ecn.NOT_ECT, s.now());
      assertFalse(s.conn().ecn.enabled(), "an ECN-setup SYN-ACK to a plain SYN agrees to nothing");
    }

    @ParameterizedTest(name = "SYN arrives {0}: SYN-ACK ACE {1}")
    @CsvSource({"0, 2", "1, 3", "2, 4", "3, 6"})
    void passiveOpen_accEcnSyn_synAckEchoesItsCodepoint_withOption(int ipEcn, int expectedAce) {
      EngineScript s = acceptWith(CFG.withEcn(TcpConfig.ECN_ACCECN_ANSWER), accEcnSyn(), ipEcn);
      Sent synAck = drain(s).getFirst();
      assertTrue(synAck.has(TcpFlags.SYN) && synAck.has(TcpFlags.ACK));
      assertEquals(
          expectedAce,
          TcpFlags.ace(synAck.segment().flags()),
          "RFC 9768 Table 2 " + synAck.segment());
      assertEquals(Ecn.NOT_ECT, synAck.ecn());
      assertEquals(
          TcpOption.AccEcn.of(true, 3, 1, 0, 1),
          synAck.segment().options().accEcn(),
          "the SYN-ACK carries the option, as Linux's (order 1, initial counters)");
    }

    @Test
    void passiveOpen_classicServer_answersAccEcnSynWithEceAlone() {
      EngineScript s = acceptWith(CFG.withEcn(TcpConfig.ECN_ANSWER), accEcnSyn(), Ecn.NOT_ECT);
      Sent synAck = drain(s).getFirst();
      assertEquals(
          0b001,
          TcpFlags.ace(synAck.segment().flags()),
          "an RFC 3168 server's answer " + synAck.segment());
      assertNull(synAck.segment().options().accEcn());
      assertFalse(s.conn().ecn.accurate());
    }

    @Test
    void passiveOpen_ecnOff_answersAccEcnSynWithNothing() {
      EngineScript s = acceptWith(CFG.withEcn(TcpConfig.ECN_OFF), accEcnSyn(), Ecn.NOT_ECT);
      Sent synAck = drain(s).getFirst();
      assertEquals(0, TcpFlags.ace(synAck.segment().flags()));
    }

    @Test
    void passiveOpen_synAckRetransmissions_aceTwiceThenNone_optionOnlyFirst() {
      EngineScript s = acceptWith(CFG, accEcnSyn(), Ecn.ECT_0);
      List<Sent> synAcks = new ArrayList<>(drain(s));
      for (int i = 0; i < 2; i++) {
        s.fireNextTimer();
        synAcks.addAll(drain(s));
      }
      assertEquals(3, synAcks.size(), s.trace.dump());
      assertEquals(
          List.of(0b100, 0b100, 0),
          synAcks.stream().map(a -> TcpFlags.ace(a.segment().flags())).toList(),
          "Linux's tcp_ecn_make_synack: ACE on the SYN-ACK and its first retransmission, then 000");
      assertNotNull(synAcks.get(0).segment().options().accEcn());
      assertNull(
          synAcks.get(1).segment().options().accEcn(), "the option on the first SYN-ACK only");
    }

    @Test
    void passiveOpen_peerResendsItsSynWithoutEcn_theNextSynAckAndTheConnectionHaveNone() {
      EngineScript s = acceptWith(CFG, accEcnSyn(), Ecn.NOT_ECT);
      assertEquals(0b010, TcpFlags.ace(drain(s).getFirst().segment().flags()));
      s.tick(RTT);
      // The client's SYN timed out (our SYN-ACK was lost) and, as Linux's tcp_ecn_clear_syn, went
      // again without ECN.
      s.conn()
          .handleSegment(
              Seg.withOptions(
                  Seg.of(
                      EnginePair.CLIENT_ID.remotePort(),
                      EnginePair.CLIENT_ID.localPort(),
                      "S",
                      EngineScript.PEER_ISS,
                      0,
                      65535),
                  new TcpOption.MaximumSegmentSize(MSS)),
              Ecn.NOT_ECT,
              s.now());
      List<Sent> answer = drain(s);
      if (answer.stream().noneMatch(a -> a.has(TcpFlags.SYN))) {
        s.fireNextTimer();
        answer = drain(s);
      }
      Sent synAck =
          answer.stream()
              .filter(a -> a.has(TcpFlags.SYN))
              .findFirst()
              .orElseThrow(() -> new AssertionError(s.trace.dump()));
      assertEquals(
          0,
          TcpFlags.ace(synAck.segment().flags()),
          "the latest SYN asked for nothing " + synAck.segment());
      assertFalse(s.conn().ecn.enabled());
      s.conn().handleSegment(s.peer(".", EngineScript.PEER_ISS + 1, 1001), Ecn.NOT_ECT, s.now());
      s.assertState(TcpState.ESTABLISHED);
      s.send("d".repeat(MSS));
      Sent data = drain(s).getFirst();
      assertEquals(Ecn.NOT_ECT, data.ecn(), "no ECN agreed: not-ECT");
      assertEquals(0, TcpFlags.ace(data.segment().flags()));
    }

    @Test
    void passiveOpen_thirdAckAceZeroed_noEctSent_butFeedbackGoesOn() {
      EngineScript s = acceptWith(CFG, accEcnSyn(), Ecn.NOT_ECT);
      drain(s);
      s.tick(RTT);
      s.conn()
          .handleSegment(
              withAce(s.peer(".", EngineScript.PEER_ISS + 1, 1001), 0), Ecn.NOT_ECT, s.now());
      s.assertState(TcpState.ESTABLISHED);
      assertTrue(
          s.conn().ecn.accurate.aceFailed,
          "RFC 9768 §3.2.2.1: an ACE of 0 on the third ACK was zeroed on the path");
      assertEquals(
          TcpInfo.ACCECN_ACE_FAIL_RECV,
          s.conn().info(s.now()).accEcnFailMode() & TcpInfo.ACCECN_ACE_FAIL_RECV);
      s.send("d".repeat(MSS));
      Sent data = drain(s).getFirst();
      assertEquals(Ecn.NOT_ECT, data.ecn(), "§3.2.2.1: MUST NOT set ECT");
      assertEquals(
          AccEcn.CEP_INIT,
          TcpFlags.ace(data.segment().flags()),
          "as Data Receiver it MUST NOT disable AccECN feedback");
    }

    @Test
    void passiveOpen_thirdAck010_dataEct0_aceCounter() {
      EngineScript s = acceptWith(CFG, accEcnSyn(), Ecn.NOT_ECT);
      drain(s);
      s.tick(RTT);
      s.conn()
          .handleSegment(
              withAce(s.peer(".", EngineScript.PEER_ISS + 1, 1001), 0b010), Ecn.NOT_ECT, s.now());
      s.assertState(TcpState.ESTABLISHED);
      assertFalse(s.conn().ecn.accurate.aceFailed);
      s.send("d".repeat(MSS));
      Sent data = drain(s).getFirst();
      assertEquals(Ecn.ECT_0, data.ecn());
      assertEquals(AccEcn.CEP_INIT, TcpFlags.ace(data.segment().flags()));
      assertNull(
          data.segment().options().accEcn(),
          "the client sent no option: none is sent to it (Linux's saw_accecn_opt)");
    }
  }

  /**
   * Where the option goes on a SYN-ACK and what it costs a data segment, byte for byte as Linux
   * 6.18's {@code tcp_options_write} and {@code tcp_current_mss} do it.
   */
  @Nested
  class OptionSpace {
    private TcpSegment synOffering(boolean timestamps) {
      List<TcpOption> offered = new ArrayList<>();
      offered.add(new TcpOption.MaximumSegmentSize(MSS));
      offered.add(new TcpOption.SackPermitted());
      if (timestamps) offered.add(new TcpOption.Timestamps(7, 0));
      offered.add(TcpOption.NOP);
      offered.add(new TcpOption.WindowScale(8));
      return withOptionsAndAce(accEcnSyn(), offered);
    }

    private static TcpSegment withOptionsAndAce(TcpSegment syn, List<TcpOption> options) {
      return withAce(Seg.withOptions(syn, options.toArray(TcpOption[]::new)), 0b111);
    }

    @Test
    void synAck_withoutTimestamps_optionRightAfterTheMss_thenANop() {
      TcpConfig cfg = TcpConfig.defaults().withEcn(TcpConfig.ECN_ACCECN).withTimestamps(false, 0);
      EngineScript s = acceptWith(cfg, synOffering(false), Ecn.NOT_ECT);
      List<TcpOption> options = drain(s).getFirst().segment().options().list();
      // Linux: <mss 1460,ECN e1b 1 ceb 0 e0b 1,nop,nop,nop,sackOK,nop,wscale 8>
      assertEquals(
          List.of("mss", "accecn1", "nop", "nop", "nop", "sackOK", "nop", "wscale"),
          options.stream().map(o -> o.describe().split(" ")[0]).toList(),
          options.toString());
      assertEquals(LINUX_SYNACK_OPTION, options.get(1));
    }

    @Test
    void synAck_withTimestamps_optionAfterTheTimestamps_beforeTheWindowScale() {
      TcpConfig cfg = TcpConfig.defaults().withEcn(TcpConfig.ECN_ACCECN);
      EngineScript s = acceptWith(cfg, synOffering(true), Ecn.NOT_ECT);
      List<TcpOption> options = drain(s).getFirst().segment().options().list();
      // Linux: <mss 1460,sackOK,TS val 100 ecr 1,ECN e1b 1 ceb 0 e0b 1,nop,nop,wscale 8>
      assertEquals(
          List.of("mss", "sackOK", "TS", "accecn1", "nop", "nop", "wscale"),
          options.stream().map(o -> o.describe().split(" ")[0]).toList(),
          options.toString());
      assertEquals(32, new dev.synack.wire.TcpOptions(options).encodedLength(), "4+12+12+4 bytes");
    }

    @Test
    void dataSegments_shrinkByTheTwelveOptionBytes_payloadAndOptionFillTheMss() {
      EngineScript s = accurateClient();
      s.send("d".repeat(2000));
      List<Sent> data = drain(s);
      // Linux (tcp_accecn_2nd_data_as_first_connect.pkt): peer MSS 1016 -> 1004-byte segments.
      assertEquals(
          List.of(MSS - 12, MSS - 12, 2000 - 2 * (MSS - 12)),
          data.stream().map(d -> d.segment().payloadLength()).toList(),
          s.trace.dump());
      for (Sent d : data) {
        TcpOption.AccEcn option = d.segment().options().accEcn();
        assertNotNull(option, "tcp_ecn_option=2: on every segment " + d.segment());
        assertEquals(3, option.fields());
        assertEquals(
            12, (d.segment().options().encodedLength() + 3) & ~3, "11 bytes and a NOP pad");
      }
    }

    @Test
    void dataSegments_withoutTheOption_fillTheWholeMss() {
      EngineScript s = EngineScript.connect(CFG.withAccEcnOption(0, 0));
      clientHandshake(s, 0b010, Ecn.NOT_ECT, LINUX_SYNACK_OPTION);
      s.send("d".repeat(2000));
      assertEquals(
          List.of(MSS, MSS),
          drain(s).stream().map(d -> d.segment().payloadLength()).toList(),
          "tcp_ecn_option=0: no option, no cost");
    }

    @Test
    void dataSegments_toAPeerThatSentNoOption_fillTheWholeMss() {
      EngineScript s = EngineScript.connect(CFG);
      clientHandshake(s, 0b010, Ecn.NOT_ECT); // a SYN-ACK without the option
      s.send("d".repeat(2000));
      assertEquals(
          List.of(MSS, MSS),
          drain(s).stream().map(d -> d.segment().payloadLength()).toList(),
          "no option seen from the peer: none sent (Linux's saw_accecn_opt), none paid for");
    }
  }

  @Nested
  class Feedback {
    @Test
    void receiver_ceMarks_countedInAce_mod8_andInTheOptionsCeBytes() {
      EngineScript s = accurateClient();
      int seq = EngineScript.PEER_ISS + 1;
      int[] expected = {6, 7, 0, 1};
      for (int i = 0; i < expected.length; i++) {
        s.conn()
            .handleSegment(Seg.withText(s.peer("P.", seq, 1001), "x".repeat(100)), Ecn.CE, s.now());
        seq += 100;
        Sent ack = EcnTest.ack(s);
        assertEquals(
            expected[i],
            TcpFlags.ace(ack.segment().flags()),
            "r.cep = 5 + " + (i + 1) + " mod 8 " + ack.segment());
        TcpOption.AccEcn option = ack.segment().options().accEcn();
        assertNotNull(option, ack.segment().toString());
        assertEquals(100 * (i + 1), option.ceb(), "ECEB: the CE-marked payload bytes");
        assertEquals(1, option.e0b(), "no ECT(0) payload yet");
      }
      s.conn()
          .handleSegment(
              Seg.withText(s.peer("P.", seq, 1001), "y".repeat(300)), Ecn.ECT_0, s.now());
      Sent ack = EcnTest.ack(s);
      assertEquals(1, TcpFlags.ace(ack.segment().flags()), "ECT(0) counts no mark");
      assertEquals(301, ack.segment().options().accEcn().e0b(), "EE0B: 1 + 300 bytes");
      TcpInfo info = s.conn().info(s.now());
      assertEquals(4, info.receivedCe());
      assertEquals(400, info.receivedCeBytes());
      assertEquals(300, info.receivedE0Bytes());
      assertEquals(TcpInfo.OPT_ECN_SEEN, info.options() & TcpInfo.OPT_ECN_SEEN);
    }

    @Test
    void optionStripped_onSynAck_noOptionSent_aceStillCounts() {
      EngineScript s = EngineScript.connect(CFG);
      Sent third = clientHandshake(s, 0b010, Ecn.NOT_ECT);
      assertNull(
          third.segment().options().accEcn(),
          "no option seen from the peer: none sent (Linux's saw_accecn_opt)");
      s.conn()
          .handleSegment(
              Seg.withText(s.peer("P.", EngineScript.PEER_ISS + 1, 1001), "x".repeat(100)),
              Ecn.CE,
              s.now());
      Sent ack = EcnTest.ack(s);
      assertNull(ack.segment().options().accEcn());
      assertEquals(
          6, TcpFlags.ace(ack.segment().flags()), "the ACE field alone carries the feedback");
    }

    @Test
    void optionZeroedOnPath_isIgnored_andNoneSent() {
      EngineScript s = EngineScript.connect(CFG);
      Sent third = clientHandshake(s, 0b010, Ecn.NOT_ECT, TcpOption.AccEcn.of(true, 3, 0, 0, 0));
      assertNull(
          third.segment().options().accEcn(),
          "RFC 9768 §3.2.3.2: a zero initial EE1B means the option was zeroed");
      assertTrue(s.conn().ecn.accurate.optionFailed);
      assertEquals(3, s.conn().info(s.now()).accEcnOptSeen());
    }

    @Test
    void optionModeZero_neverSendsOne() {
      EngineScript s = EngineScript.connect(CFG.withAccEcnOption(0, 3));
      Sent third = clientHandshake(s, 0b010, Ecn.NOT_ECT, LINUX_SYNACK_OPTION);
      assertNull(third.segment().options().accEcn(), "tcp_ecn_option=0");
    }

    @Test
    void optionModeOne_sentWhenOwed_thenByTheBeacon() {
      EngineScript s = EngineScript.connect(CFG.withAccEcnOption(1, 3));
      clientHandshake(
          s,
          0b010,
          Ecn.NOT_ECT,
          LINUX_SYNACK_OPTION); // the first two segments owe one: the third ACK
      int seq = EngineScript.PEER_ISS + 1;
      List<Boolean> carried = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        s.conn()
            .handleSegment(
                Seg.withText(s.peer("P.", seq, 1001), "x".repeat(100)),
                i == 3 ? Ecn.CE : Ecn.NOT_ECT,
                s.now());
        seq += 100;
        carried.add(EcnTest.ack(s).segment().options().accEcn() != null);
      }
      // Owed: the second of the two after the handshake; a CE mark (and the change of codepoint
      // after it) owe two each.
      assertEquals(List.of(true, false, false, true, true, true), carried);
    }

    @Test
    void sender_aceIncrease_countsDeliveredCe_reducesOncePerWindow_noCwr() {
      EngineScript s = accurateClient();
      s.send("d".repeat(20 * MSS));
      List<Sent> flight = drain(s);
      assertEquals(10, flight.size());
      assertTrue(
          flight.stream().noneMatch(f -> f.has(TcpFlags.CWR) && !f.has(TcpFlags.ECE)),
          "no classic CWR");
      s.tick(RTT);
      int cwnd = s.conn().recovery.cwnd();
      s.conn()
          .handleSegment(
              withAce(s.peer(".", EngineScript.PEER_ISS + 1, 3001), 6), Ecn.NOT_ECT, s.now());
      assertEquals(1, s.conn().info(s.now()).deliveredCe(), "ACE 5 → 6: one CE mark");
      int reduced = s.conn().recovery.cwnd();
      assertTrue(reduced < cwnd, "the mark reduces cwnd: " + cwnd + " → " + reduced);
      s.conn()
          .handleSegment(
              withAce(s.peer(".", EngineScript.PEER_ISS + 1, 5001), 0), Ecn.NOT_ECT, s.now());
      assertEquals(3, s.conn().info(s.now()).deliveredCe(), "6 → 0 mod 8: two more");
      assertEquals(1, s.conn().counters.ecnReductions, "one response per window of data");
      List<Sent> next = drain(s);
      assertTrue(
          next.stream()
              .noneMatch(f -> f.has(TcpFlags.CWR) && !f.has(TcpFlags.AE) && !f.has(TcpFlags.ECE)),
          "AccECN has no CWR signal of its own: the ACE field is the counter");
      s.conn()
          .handleSegment(
              withAce(s.peer(".", EngineScript.PEER_ISS + 1, 5001), 0), Ecn.NOT_ECT, s.now());
      assertEquals(3, s.conn().info(s.now()).deliveredCe(), "a duplicate ACK says nothing new");
    }

    @Test
    void sender_thirdAckAceIsNotACount() {
      EngineScript s = acceptWith(CFG, accEcnSyn(), Ecn.NOT_ECT);
      drain(s);
      s.tick(RTT);
      s.conn()
          .handleSegment(
              withAce(s.peer(".", EngineScript.PEER_ISS + 1, 1001), 0b010), Ecn.NOT_ECT, s.now());
      s.send("d".repeat(4 * MSS));
      drain(s);
      s.tick(RTT);
      s.conn()
          .handleSegment(
              withAce(s.peer(".", EngineScript.PEER_ISS + 1, 5001), AccEcn.CEP_INIT),
              Ecn.NOT_ECT,
              s.now());
      assertEquals(
          0,
          s.conn().info(s.now()).deliveredCe(),
          "the third ACK's 010 echoed the SYN-ACK, it counted nothing");
      assertEquals(0, s.conn().counters.ecnReductions);
    }

    @Test
    void sender_optionBytes_disambiguateAWrappedAce() {
      EngineScript s = accurateClient();
      s.send("d".repeat(10 * MSS));
      drain(s);
      s.tick(RTT);
      // Ten segments acknowledged at once, ACE moved by 2 mod 8: 2 or 10 marks. The option says 2
      // 000 CE bytes: 2.
      TcpSegment ack =
          Seg.withOptions(
              withAce(s.peer(".", EngineScript.PEER_ISS + 1, 11_001), (AccEcn.CEP_INIT + 2) & 7),
              TcpOption.AccEcn.of(true, 3, 1, 2 * MSS, 1));
      s.conn().handleSegment(ack, Ecn.NOT_ECT, s.now());
      assertEquals(2, s.conn().info(s.now()).deliveredCe());
      assertEquals(2 * MSS, s.conn().info(s.now()).deliveredCeBytes());
    }

    @Test
    void sender_wrappedAceWithoutOption_assumesTheSafeCount() {
      EngineScript s = EngineScript.connect(CFG);
      clientHandshake(s, 0b010, Ecn.NOT_ECT);
      s.send("d".repeat(10 * MSS));
      drain(s);
      s.tick(RTT);
      s.conn()
          .handleSegment(
              withAce(s.peer(".", EngineScript.PEER_ISS + 1, 11_001), (AccEcn.CEP_INIT + 2) & 7),
              Ecn.NOT_ECT,
              s.now());
      assertEquals(
          10,
          s.conn().info(s.now()).deliveredCe(),
          "RFC 9768 §3.2.2.5.2: ten packets, ACE +2: assume 10, not 2");
    }
  }
}
