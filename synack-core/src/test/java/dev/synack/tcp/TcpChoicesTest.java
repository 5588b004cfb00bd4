package dev.synack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.synack.wire.TcpOption;
import dev.synack.wire.TcpSegment;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The choices where stacks differ ({@link TcpChoices}): Linux's answer by default, FreeBSD's when
 * switched, each checked on a scripted engine. Engines start from a 64 KiB receive buffer and an
 * MSS of 1460, as FreeBSD's defaults are.
 */
class TcpChoicesTest {
  private static final TcpConfig BSD_BUFFERS =
      TcpConfig.defaults().withBuffers(65536, 32768).withWindowScale(true, 6);
  private static final TcpConfig PLAIN = EngineScript.PLAIN.withBuffers(65536, 32768);

  private static TcpConfig with(TcpConfig base, TcpChoices choices) {
    return base.withChoices(choices);
  }

  /** The peer's SYN of the FreeBSD suite: {@code <mss 1460,sackOK,eol,eol>}. */
  private static TcpSegment peerSyn(EngineScript s, String flags, int seq, int ack) {
    return Seg.withOptions(
        s.peer(flags, seq, ack),
        new TcpOption.MaximumSegmentSize(1460),
        new TcpOption.SackPermitted(),
        new TcpOption.EndOfOptionList(),
        new TcpOption.EndOfOptionList());
  }

  @Nested
  class SynOptionLayout {
    @Test
    void linux_activeOpen_sendsMssSackTsNopWscale() {
      TcpSegment syn = EngineScript.connect(BSD_BUFFERS).expect("S", 1000, 0);
      assertEquals("mss 1460,sackOK,TS val 0 ecr 0,nop,wscale 6", syn.options().describe());
    }

    @Test
    void bsd_activeOpen_sendsMssNopWscaleSackTs() {
      TcpConfig cfg =
          with(BSD_BUFFERS, TcpChoices.defaults().withSynOptionLayout(OptionLayout.BSD));
      TcpSegment syn = EngineScript.connect(cfg).expect("S", 1000, 0);
      assertEquals("mss 1460,nop,wscale 6,sackOK,TS val 0 ecr 0", syn.options().describe());
      assertEquals(40, syn.headerLength());
    }

    @Test
    void bsd_activeOpenWithoutSack_putsTwoNopsBeforeTheTimestamps() {
      TcpConfig cfg =
          with(
              BSD_BUFFERS.withSackPermitted(false),
              TcpChoices.defaults().withSynOptionLayout(OptionLayout.BSD));
      assertEquals(
          "mss 1460,nop,wscale 6,nop,nop,TS val 0 ecr 0",
          EngineScript.connect(cfg).expect("S", 1000, 0).options().describe());
    }

    @Test
    void bsd_passiveOpen_answersMssAndSackOnly_paddedToEightBytes() {
      TcpConfig cfg =
          with(BSD_BUFFERS, TcpChoices.defaults().withSynOptionLayout(OptionLayout.BSD));
      EngineScript s = EngineScript.listen(cfg);
      s.inject(peerSyn(s, "S", 0, 0));
      TcpSegment synAck = s.expect("S.", s.conn().status().iss(), 1);
      assertEquals(
          List.of(new TcpOption.MaximumSegmentSize(1460), new TcpOption.SackPermitted()),
          synAck.options().list());
      assertEquals(28, synAck.headerLength());
    }

    @Test
    void linux_passiveOpen_padsSackWithNopsBeforeIt() {
      EngineScript s = EngineScript.listen(BSD_BUFFERS);
      s.inject(peerSyn(s, "S", 0, 0));
      assertEquals(
          "mss 1460,nop,nop,sackOK",
          s.expect("S.", s.conn().status().iss(), 1).options().describe());
    }
  }

  @Nested
  class SynWindow {
    @Test
    void linux_roundsTheSynWindowDownToTheMss() {
      assertEquals(64240, EngineScript.connect(BSD_BUFFERS).expect("S", 1000, 0).window());
    }

    @Test
    void bsd_announcesTheBufferUpTo65535() {
      TcpConfig cfg = with(BSD_BUFFERS, TcpChoices.defaults().withSynWindowRoundedToMss(false));
      assertEquals(65535, EngineScript.connect(cfg).expect("S", 1000, 0).window());
    }
  }

  @Nested
  class ReceiveBuffer {
    @Test
    void linux_keepsTheBufferAsSet() {
      EngineScript s = EngineScript.established(PLAIN);
      assertEquals(65536, s.conn().receiveBufferSize());
    }

    @Test
    void bsd_roundsTheBufferUpToTheMss_whenTheSynAckSettlesIt() {
      EngineScript s =
          EngineScript.connect(
              with(PLAIN, TcpChoices.defaults().withReceiveBufferRoundedUpToMss(true)));
      s.expect("S", 1000, 0);
      assertEquals(65536, s.conn().receiveBufferSize());
      s.inject(
          Seg.withOptions(
              s.peer("S.", EngineScript.PEER_ISS, 1001), new TcpOption.MaximumSegmentSize(1460)));
      s.expect(".", 1001, 5001);
      assertEquals(45 * 1460, s.conn().receiveBufferSize());
    }
  }

  @Nested
  class ReceiveWindow {
    private EngineScript establishedWithRoundedBuffer(boolean windowIsBufferSpace) {
      TcpChoices choices =
          TcpChoices.defaults()
              .withReceiveBufferRoundedUpToMss(true)
              .withInWindowRstResets(true)
              .withReceiveWindowIsBufferSpace(windowIsBufferSpace);
      EngineScript s = EngineScript.connect(with(PLAIN, choices));
      s.expect("S", 1000, 0);
      s.inject(
          Seg.withOptions(
              s.peer("S.", EngineScript.PEER_ISS, 1001), new TcpOption.MaximumSegmentSize(1460)));
      s.expect(".", 1001, 5001);
      return s;
    }

    @Test
    void linux_rstAtTheLastByteOfTheBuffer_isOutsideTheAnnouncedWindow_andAnswered() {
      EngineScript s = establishedWithRoundedBuffer(false);
      s.inject("R", 5001 + 65700 - 1, 0);
      s.assertState(TcpState.ESTABLISHED);
    }

    @Test
    void bsd_rstAtTheLastByteOfTheBuffer_isInTheWindow_andResets() {
      EngineScript s = establishedWithRoundedBuffer(true);
      s.inject("R", 5001 + 65700 - 1, 0);
      s.assertState(TcpState.CLOSED);
    }

    @Test
    void bsd_rstJustPastTheBuffer_isOutside() {
      EngineScript s = establishedWithRoundedBuffer(true);
      s.inject("R", 5001 + 65700, 0);
      s.assertState(TcpState.ESTABLISHED);
    }

    @Test
    void bsd_passiveHalfOpen_keepsTheWindowItAnnounced() {
      TcpChoices choices =
          TcpChoices.defaults().withInWindowRstResets(true).withReceiveWindowIsBufferSpace(true);
      EngineScript s = EngineScript.listen(with(PLAIN, choices));
      s.inject("S", 0, 0);
      s.expect("S.", s.conn().status().iss(), 1);
      s.inject("R", 65536, 0); // RCV.NXT 1 + 65535: outside the SYN-ACK's window, inside the buffer
      s.assertState(TcpState.SYN_RECEIVED);
    }
  }

  @Nested
  class InWindowRst {
    @Test
    void rfc5961_rstInsideTheWindowButNotAtRcvNxt_drawsAChallengeAck() {
      EngineScript s = EngineScript.established(PLAIN);
      s.inject("R", 5101, 0);
      s.expect(".", 1001, 5001);
      s.assertState(TcpState.ESTABLISHED);
    }

    @Test
    void rfc793_rstInsideTheWindow_resetsTheConnection() {
      EngineScript s =
          EngineScript.established(with(PLAIN, TcpChoices.defaults().withInWindowRstResets(true)));
      s.inject("R", 5101, 0);
      s.expectNothing();
      s.assertState(TcpState.CLOSED);
      assertEquals(List.of(new ConnectionEvent.Closed(TcpError.CONNECTION_RESET)), s.drainEvents());
    }
  }

  @Nested
  class InWindowSyn {
    @Test
    void rfc5961_synAtRcvNxt_drawsAChallengeAck() {
      EngineScript s = EngineScript.established(PLAIN);
      s.inject("S", 5001, 0);
      s.expect(".", 1001, 5001);
      s.assertState(TcpState.ESTABLISHED);
    }

    @Test
    void rfc793_synAtRcvNxt_isAnsweredWithRstAck_andResets() {
      EngineScript s =
          EngineScript.established(with(PLAIN, TcpChoices.defaults().withInWindowSynResets(true)));
      s.inject("S", 5001, 0);
      s.expect("R.", 1001, 5001);
      s.assertState(TcpState.CLOSED);
      assertEquals(List.of(new ConnectionEvent.Closed(TcpError.CONNECTION_RESET)), s.drainEvents());
    }

    @Test
    void rfc793_synOutsideTheWindow_isOnlyAcknowledged() {
      EngineScript s =
          EngineScript.established(with(PLAIN, TcpChoices.defaults().withInWindowSynResets(true)));
      s.inject("S", 5000, 0);
      s.expect(".", 1001, 5001);
      s.assertState(TcpState.ESTABLISHED);
      assertNull(s.conn().pollTransmit(s.now()));
    }
  }

  /**
   * The engine ESTABLISHED (SND.NXT 1001, RCV.NXT 5001), then closed by us: FIN 1001 sent,
   * FIN-WAIT-1.
   */
  private static EngineScript finWait1(TcpChoices choices) {
    EngineScript s = EngineScript.established(with(PLAIN, choices));
    s.conn().close(0);
    s.expect("F.", 1001, 5001);
    return s;
  }

  /** Then the peer's FIN crossed ours: CLOSING, our FIN unacknowledged. */
  private static EngineScript closing(
      TcpChoices choices, String ackFlagsExpected, long ackSeqExpected) {
    EngineScript s = finWait1(choices);
    s.inject("F.", 5001, 1001);
    s.expect(ackFlagsExpected, ackSeqExpected, 5002);
    s.assertState(TcpState.CLOSING);
    return s;
  }

  /** TIME-WAIT after an active close: SND.NXT 1002, RCV.NXT 5002. */
  private static EngineScript timeWait(TcpChoices choices) {
    EngineScript s = finWait1(choices);
    s.inject(".", 5001, 1002);
    s.inject("F.", 5001, 1002);
    s.expect(".", 1002, 5002);
    s.assertState(TcpState.TIME_WAIT);
    return s;
  }

  @Nested
  class FinRepeatedOnAcks {
    @Test
    void rfc_ackOfThePeersFinInClosing_isPlain() {
      closing(TcpChoices.defaults(), ".", 1002);
    }

    @Test
    void bsd_ackOfThePeersFinInClosing_repeatsOurFin() {
      EngineScript s = closing(TcpChoices.defaults().withFinRepeatedOnAcks(true), "F.", 1001);
      s.inject(".", 5002, 1002);
      s.assertState(TcpState.TIME_WAIT);
    }

    @Test
    void bsd_challengeAckInFinWait1_staysPlain() {
      EngineScript s = finWait1(TcpChoices.defaults().withFinRepeatedOnAcks(true));
      s.inject("S", 5001, 0);
      s.expect(".", 1002, 5001);
    }
  }

  @Nested
  class ResetSignalledAfterClose {
    private List<ConnectionEvent> rstInLastAck(TcpChoices choices) {
      EngineScript s = EngineScript.established(with(PLAIN, choices));
      s.inject("F.", 5001, 1001);
      s.expect(".", 1001, 5002);
      s.conn().close(0);
      s.expect("F.", 1001, 5002);
      s.drainEvents();
      s.inject("R", 5002, 0);
      s.assertState(TcpState.CLOSED);
      return s.drainEvents();
    }

    @Test
    void rfc_rstInLastAck_closesWithoutAnError() {
      assertEquals(List.of(new ConnectionEvent.Closed(null)), rstInLastAck(TcpChoices.defaults()));
    }

    @Test
    void bsd_rstInLastAck_signalsConnectionReset() {
      assertEquals(
          List.of(new ConnectionEvent.Closed(TcpError.CONNECTION_RESET)),
          rstInLastAck(TcpChoices.defaults().withResetSignalledAfterClose(true)));
    }
  }

  @Nested
  class BsdTimeWait {
    private final TcpChoices bsd = TcpChoices.defaults().withBsdTimeWait(true);

    @Test
    void rfc_finWithoutAck_outsideTheWindow_isAcknowledged() {
      EngineScript s = timeWait(TcpChoices.defaults());
      s.inject("F", 5001, 0);
      s.expect(".", 1002, 5002);
    }

    @Test
    void bsd_finWithoutAck_isDroppedSilently() {
      EngineScript s = timeWait(bsd);
      s.inject("F", 5001, 0);
      s.expectNothing();
      s.assertDropped("no ACK in TIME-WAIT");
    }

    @Test
    void rfc_ackAboveRcvNxtInTheWindow_isAcceptedSilently() {
      EngineScript s = timeWait(TcpChoices.defaults());
      s.inject(".", 5003, 1002);
      s.expectNothing();
    }

    @Test
    void bsd_anythingButADuplicateAck_isAcknowledged() {
      EngineScript s = timeWait(bsd);
      s.inject(".", 5003, 1002);
      s.expect(".", 1002, 5002);
      s.inject(".", 5002, 1002); // the duplicate of the last ACK
      s.expectNothing();
      s.assertState(TcpState.TIME_WAIT);
    }

    @Test
    void bsd_oldSyn_isDroppedSilently_whereRfc5961ChallengesIt() {
      EngineScript rfc = timeWait(TcpChoices.defaults());
      rfc.inject("S", 5002, 0);
      rfc.expect(".", 1002, 5002);
      EngineScript s = timeWait(bsd);
      s.inject("S", 5002, 0);
      s.expectNothing();
      s.assertState(TcpState.TIME_WAIT);
    }

    @Test
    void bsd_newSyn_reopens() {
      EngineScript s = timeWait(bsd);
      assertEquals(Disposition.REOPEN, s.inject("S", 9000, 0));
      s.assertState(TcpState.CLOSED);
    }

    @Test
    void bsd_rst_isIgnored() {
      EngineScript s = timeWait(bsd);
      s.inject("R", 5002, 0);
      s.expectNothing();
      s.assertState(TcpState.TIME_WAIT);
    }
  }

  @Nested
  class SynFin {
    @Test
    void rfc5961_synFinInEstablished_drawsAChallengeAck() {
      EngineScript s = EngineScript.established(PLAIN);
      s.inject("SF", 5001, 0);
      s.expect(".", 1001, 5001);
    }

    @Test
    void dropped_synFinInEstablished_isDroppedSilently() {
      EngineScript s =
          EngineScript.established(with(PLAIN, TcpChoices.defaults().withSynFinDropped(true)));
      s.inject("SF", 5001, 0);
      s.expectNothing();
      s.assertDropped("SYN with FIN");
      s.assertState(TcpState.ESTABLISHED);
    }

    @Test
    void linux_synFinInListen_isDiscarded() {
      EngineScript s = EngineScript.listen(PLAIN);
      s.inject("SF", 17, 0);
      s.expectNothing();
      s.assertState(TcpState.LISTEN);
    }

    @Test
    void bsd_synFinInListen_opensAsTheSynAlone() {
      EngineScript s =
          EngineScript.listen(with(PLAIN, TcpChoices.defaults().withSynFinOpensLikeSyn(true)));
      s.inject(Seg.withText(s.peer("SF", 17, 0), "abc"));
      s.expect("S.", s.conn().status().iss(), 18);
      s.assertState(TcpState.SYN_RECEIVED);
    }
  }

  @Nested
  class OldDuplicateAck {
    @Test
    void rfc_resentFinWithTheAckOfOurs_isAcknowledgedAndDropped() {
      EngineScript s = closing(TcpChoices.defaults(), ".", 1002);
      s.inject("F.", 5001, 1002);
      s.expect(".", 1002, 5002);
      s.assertState(TcpState.CLOSING);
    }

    @Test
    void bsd_resentFinWithTheAckOfOurs_movesClosingToTimeWait() {
      EngineScript s = closing(TcpChoices.defaults().withOldDuplicateAckProcessed(true), ".", 1002);
      s.inject("F.", 5001, 1002);
      s.assertState(TcpState.TIME_WAIT);
      s.expect(".", 1002, 5002);
    }
  }

  @Nested
  class SynTextInSynSent {
    /** A simultaneous open whose SYN carries "abc": the engine answers SYN-ACK 1000 ack 5001. */
    private EngineScript synReceivedWithText(TcpChoices choices) {
      EngineScript s = EngineScript.connect(with(PLAIN, choices));
      s.expect("S", 1000, 0);
      s.injectText("S", 5000, 0, "abc");
      s.expect("S.", 1000, 5001);
      s.assertState(TcpState.SYN_RECEIVED);
      return s;
    }

    @Test
    void linux_textInTheSyn_discarded_peerMustSendItAgain() {
      EngineScript s = synReceivedWithText(TcpChoices.defaults());
      s.inject(".", 5004, 1001);
      s.assertState(TcpState.ESTABLISHED);
      assertEquals("", s.read());
      assertEquals(5001, s.conn().status().rcvNxt());
    }

    @Test
    void queued_textNotAcknowledgedInSynReceived_deliveredOnceEstablished() {
      EngineScript s =
          synReceivedWithText(TcpChoices.defaults().withSynTextQueuedUntilEstablished(true));
      assertEquals("", s.read(), "nothing readable before ESTABLISHED");
      s.inject(".", 5004, 1001);
      s.assertState(TcpState.ESTABLISHED);
      assertEquals("abc", s.read());
      assertEquals(5004, s.conn().status().rcvNxt());
    }

    @Test
    void queued_itsAckWaitsForOurNextSegment() {
      EngineScript s =
          synReceivedWithText(TcpChoices.defaults().withSynTextQueuedUntilEstablished(true));
      s.inject(".", 5004, 1001);
      s.expectNothing();
      s.send("x");
      s.expect("P.", 1001, 5004);
    }

    @Test
    void queued_finWithTheSyn_notProcessed() {
      EngineScript s =
          EngineScript.connect(
              with(PLAIN, TcpChoices.defaults().withSynTextQueuedUntilEstablished(true)));
      s.expect("S", 1000, 0);
      s.injectText("SF", 5000, 0, "abc");
      s.expect("S.", 1000, 5001);
      s.inject(".", 5004, 1001);
      assertEquals("abc", s.read());
      s.assertState(TcpState.ESTABLISHED);
    }
  }

  @Nested
  class SynOptionsOnRetransmission {
    private static final TcpConfig ALL_OPTIONS = BSD_BUFFERS.withRetries(6, 5, 15);

    private static String synOptionsAfterTimeouts(EngineScript s, int timeouts) {
      s.expect("S", 1000, 0);
      TcpSegment syn = null;
      for (int i = 0; i < timeouts; i++) {
        s.fireNextTimer();
        syn = s.expect("S", 1000, 0);
      }
      return syn.options().describe();
    }

    @Test
    void linux_everyRetransmittedSynCarriesTheFirstOnesOptions() {
      EngineScript s = EngineScript.connect(with(ALL_OPTIONS, TcpChoices.defaults()));
      assertEquals("mss 1460,sackOK,TS val 7000 ecr 0,nop,wscale 6", synOptionsAfterTimeouts(s, 3));
    }

    @Test
    void bsdDropOptions_secondRetransmissionKeepsThem_thirdCarriesTheMssAlone() {
      TcpChoices drop = TcpChoices.defaults().withSynOptionsDroppedOnThirdRetransmission(true);
      EngineScript s = EngineScript.connect(with(ALL_OPTIONS, drop));
      assertEquals("mss 1460,sackOK,TS val 3000 ecr 0,nop,wscale 6", synOptionsAfterTimeouts(s, 2));
      s.fireNextTimer();
      assertEquals("mss 1460", s.expect("S", 1000, 0).options().describe());
    }

    @Test
    void bsdDropOptions_synAckWithOptionsAfterwards_noneUsed() {
      TcpChoices drop = TcpChoices.defaults().withSynOptionsDroppedOnThirdRetransmission(true);
      EngineScript s = EngineScript.connect(with(ALL_OPTIONS, drop));
      synOptionsAfterTimeouts(s, 3);
      s.inject(
          Seg.withOptions(
              s.peer("S.", 5000, 1001),
              new TcpOption.MaximumSegmentSize(1460),
              new TcpOption.SackPermitted(),
              new TcpOption.Timestamps(1, 7000),
              new TcpOption.NoOperation(),
              new TcpOption.WindowScale(7)));
      assertEquals(
          new NegotiatedOptions(false, 0, 0, false, false, 1460), s.conn().negotiatedOptions());
    }
  }
}
