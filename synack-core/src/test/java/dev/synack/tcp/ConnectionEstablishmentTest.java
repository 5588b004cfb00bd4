package dev.synack.tcp;

import static dev.synack.tcp.TcpState.CLOSED;
import static dev.synack.tcp.TcpState.ESTABLISHED;
import static dev.synack.tcp.TcpState.FIN_WAIT_1;
import static dev.synack.tcp.TcpState.LISTEN;
import static dev.synack.tcp.TcpState.SYN_RECEIVED;
import static dev.synack.tcp.TcpState.SYN_SENT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.wire.TcpOption;
import dev.synack.wire.TcpSegment;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Opening a connection: figure 5's edges out of CLOSED, LISTEN, SYN-SENT and SYN-RECEIVED, and the
 * cases of §3.10.7.2 and §3.10.7.3, with the handshake's options (RFC 7323, RFC 2018) and the two
 * dangers that make a two-way handshake unsafe.
 */
class ConnectionEstablishmentTest {
  private static final TcpConfig LINUX = TcpConfig.defaults();
  private static final long SECOND = 1_000_000_000L;

  @Nested
  class Closed {
    @Test
    void closed_activeOpen_sendsSynWithLinuxOptionLayout() {
      EnginePair p = EnginePair.connect(LINUX);
      TcpSegment syn = p.clientToServer("S", 1000, 0);
      assertEquals("mss 1460,sackOK,TS val 0 ecr 0,nop,wscale 7", syn.options().describe());
      assertEquals(20, syn.options().encodedLength(), "Linux's SYN options take 20 bytes");
      assertEquals(
          64240, syn.window(), "Linux's SYN window: 65535 rounded down to 44 MSS, never scaled");
      p.assertStates(p.client(), SYN_SENT);
    }

    @Test
    void closed_passiveOpen_entersListenAndSendsNothing() {
      EngineScript s = EngineScript.listen(LINUX);
      s.expectNothing();
      s.assertStates(LISTEN);
      assertEquals(Long.MAX_VALUE, s.conn().pollTimeout());
    }

    @Test
    void closed_threeWayHandshake_bothEstablished() {
      EnginePair p = EnginePair.connect(LINUX);
      p.clientToServer("S", 1000, 0);
      p.serverToClient("S.", 5000, 1001);
      p.clientToServer(".", 1001, 5001);
      p.clientSendsNothing();
      p.serverSendsNothing();
      p.assertStates(p.client(), SYN_SENT, ESTABLISHED);
      p.assertStates(p.server(), SYN_RECEIVED, ESTABLISHED);
      assertEquals(List.of(new ConnectionEvent.Connected()), p.events(p.client()));
      assertEquals(List.of(new ConnectionEvent.Connected()), p.events(p.server()));
    }
  }

  @Nested
  class Listen {
    @Test
    void listen_syn_answersSynAckWithIssFromRfc6528() {
      EngineScript s = EngineScript.listen(EngineScript.PLAIN);
      s.inject(Seg.withOptions(s.peer("S", 1000, 0), new TcpOption.MaximumSegmentSize(1400)));
      int iss = new IsnGenerator(new byte[16]).isn(EnginePair.SERVER_ID, 0);
      TcpSegment synAck = s.expect("S.", Integer.toUnsignedLong(iss), 1001);
      assertEquals(
          "mss 1460", synAck.options().describe(), "only what the SYN offered is answered");
      s.assertStates(LISTEN, SYN_RECEIVED);
      assertEquals(1400, s.conn().status().effectiveMss());
    }

    @Test
    void listen_wildcardRemote_synFillsInTheForeignPort() {
      FourTuple any = new FourTuple(EnginePair.SERVER_ID.localAddress(), 80, null, 0);
      TcpConnection c =
          TcpConnection.listen(any, EngineScript.PLAIN, new TraceRecorder(), "engine");
      c.handleSegment(Seg.of(40000, 80, "S", 1000, 0, 65535), 0);
      assertEquals(SYN_RECEIVED, c.state());
      assertEquals(40000, c.id().remotePort());
    }

    @Test
    void listen_rst_ignored() {
      EngineScript s = EngineScript.listen(EngineScript.PLAIN);
      s.inject("R", 1000, 0);
      s.expectNothing();
      s.assertState(LISTEN);
      s.assertDropped("RST in LISTEN");
    }

    @Test
    void listen_ack_answeredWithResetAtSegAck() {
      EngineScript s = EngineScript.listen(EngineScript.PLAIN);
      s.inject(".", 1000, 777);
      s.expect("R", 777, 0);
      s.assertState(LISTEN);
    }

    @Test
    void listen_synFin_droppedAsLinux() {
      EngineScript s = EngineScript.listen(EngineScript.PLAIN);
      s.inject("SF", 1000, 0);
      s.expectNothing();
      s.assertState(LISTEN);
    }

    @Test
    void listen_noSynNoAck_dropped() {
      EngineScript s = EngineScript.listen(EngineScript.PLAIN);
      s.inject("F", 1000, 0);
      s.expectNothing();
      s.assertDropped("no SYN in LISTEN");
    }

    @Test
    void listen_send_becomesActiveOpenWithSyn() {
      EngineScript s = EngineScript.listen(EngineScript.PLAIN);
      assertEquals(5, s.send("hello"));
      int iss = new IsnGenerator(new byte[16]).isn(EnginePair.SERVER_ID, 0);
      s.expect("S", Integer.toUnsignedLong(iss), 0);
      s.assertStates(LISTEN, SYN_SENT);
    }

    @Test
    void listen_close_entersClosed() {
      EngineScript s = EngineScript.listen(EngineScript.PLAIN);
      s.conn().close(0);
      s.assertStates(LISTEN, CLOSED);
      s.expectNothing();
    }
  }

  @Nested
  class SynSent {
    @Test
    void synSent_synAck_establishedAndAcks() {
      EngineScript s = EngineScript.connect(EngineScript.PLAIN);
      s.expect("S", 1000, 0);
      s.inject("S.", 5000, 1001);
      s.expect(".", 1001, 5001);
      s.assertStates(SYN_SENT, ESTABLISHED);
      assertEquals(Long.MAX_VALUE, s.conn().pollTimeout(), "the SYN's retransmission timer stops");
    }

    @Test
    void synSent_oldDuplicateSynAck_answeredWithResetAndHandshakeGoesOn() {
      // RFC 9293 §3.5 figure 9, the client's side: a SYN-ACK acknowledging an old SYN (ack 91 =<
      // ISS).
      EngineScript s = EngineScript.connect(EngineScript.PLAIN);
      s.expect("S", 1000, 0);
      s.inject("S.", 300, 91);
      s.expect("R", 91, 0);
      s.assertState(SYN_SENT);
      s.inject("S.", 5000, 1001);
      s.expect(".", 1001, 5001);
      s.assertStates(SYN_SENT, ESTABLISHED);
    }

    @Test
    void synSent_ackBeyondSndNxt_answeredWithReset() {
      EngineScript s = EngineScript.connect(EngineScript.PLAIN);
      s.expect("S", 1000, 0);
      s.inject(".", 5000, 4242);
      s.expect("R", 4242, 0);
      s.assertState(SYN_SENT);
    }

    @Test
    void synSent_rstAcknowledgingSyn_closedRefused() {
      EngineScript s = EngineScript.connect(EngineScript.PLAIN);
      s.expect("S", 1000, 0);
      s.inject("R.", 0, 1001);
      s.expectNothing();
      s.assertStates(SYN_SENT, CLOSED);
      assertEquals(
          List.of(new ConnectionEvent.Closed(TcpError.CONNECTION_REFUSED)), s.drainEvents());
    }

    @Test
    void synSent_rstWithoutAck_dropped() {
      EngineScript s = EngineScript.connect(EngineScript.PLAIN);
      s.expect("S", 1000, 0);
      s.inject("R", 0, 0);
      s.expectNothing();
      s.assertState(SYN_SENT);
      s.assertDropped("RST without ACK");
    }

    @Test
    void synSent_rstWithUnacceptableAck_droppedWithoutReply() {
      EngineScript s = EngineScript.connect(EngineScript.PLAIN);
      s.expect("S", 1000, 0);
      s.inject("R.", 0, 1000);
      s.expectNothing();
      s.assertState(SYN_SENT);
    }

    @Test
    void synSent_syn_simultaneousOpenSendsSynAck() {
      EngineScript s = EngineScript.connect(EngineScript.PLAIN);
      s.expect("S", 1000, 0);
      s.inject("S", 5000, 0);
      s.expect("S.", 1000, 5001);
      s.assertStates(SYN_SENT, SYN_RECEIVED);
      s.inject("S.", 5000, 1001);
      s.expectNothing();
      s.assertStates(SYN_SENT, SYN_RECEIVED, ESTABLISHED);
    }

    @Test
    void synSent_neitherSynNorRst_dropped() {
      EngineScript s = EngineScript.connect(EngineScript.PLAIN);
      s.expect("S", 1000, 0);
      s.inject("F", 5000, 0);
      s.expectNothing();
      s.assertDropped("neither SYN nor RST");
    }

    @Test
    void synSent_timeout_retransmitsSynWithBackoffThenClosesTimedOut() {
      EngineScript s = EngineScript.connect(EngineScript.PLAIN);
      s.expect("S", 1000, 0);
      long[] expected = {1, 3, 7, 15, 31, 63}; // Linux with tcp_syn_retries=6
      for (long at : expected) {
        assertEquals(at * SECOND, s.fireNextTimer());
        s.expect("S", 1000, 0);
      }
      assertEquals(127 * SECOND, s.fireNextTimer());
      s.expectNothing();
      s.assertStates(SYN_SENT, CLOSED);
      assertEquals(
          List.of(new ConnectionEvent.Closed(TcpError.CONNECTION_TIMED_OUT)), s.drainEvents());
    }

    @Test
    void synSent_close_entersClosedWithoutSegment() {
      EngineScript s = EngineScript.connect(EngineScript.PLAIN);
      s.expect("S", 1000, 0);
      s.conn().close(0);
      s.expectNothing();
      s.assertStates(SYN_SENT, CLOSED);
    }

    @Test
    void synSent_synAckWithData_deliversIt() {
      EngineScript s = EngineScript.connect(EngineScript.PLAIN);
      s.expect("S", 1000, 0);
      s.injectText("S.", 5000, 1001, "early");
      s.expect(".", 1001, 5006);
      assertEquals("early", s.read());
    }
  }

  @Nested
  class SynReceived {
    private EngineScript synReceived(TcpConfig cfg) {
      EngineScript s = EngineScript.accept(cfg, Seg.of(40000, 80, "S", 5000, 0, 65535));
      s.expect("S.", 1000, 5001);
      return s;
    }

    @Test
    void synReceived_ackOfSyn_established() {
      EngineScript s = synReceived(EngineScript.PLAIN);
      s.inject(".", 5001, 1001);
      s.expectNothing();
      s.assertStates(SYN_RECEIVED, ESTABLISHED);
      assertEquals(List.of(new ConnectionEvent.Connected()), s.drainEvents());
    }

    @Test
    void synReceived_unacceptableAck_answeredWithReset() {
      EngineScript s = synReceived(EngineScript.PLAIN);
      s.inject(".", 5001, 3000);
      s.expect("R", 3000, 0);
      s.assertState(SYN_RECEIVED);
    }

    @Test
    void synReceived_rstFromPassiveOpen_returnsToListen() {
      EngineScript s = EngineScript.listen(EngineScript.PLAIN);
      s.inject("S", 5000, 0);
      s.conn().pollTransmit(0);
      s.inject("R", 5001, 0);
      s.expectNothing();
      s.assertStates(LISTEN, SYN_RECEIVED, LISTEN);
      s.inject("S", 7000, 0);
      s.assertStates(LISTEN, SYN_RECEIVED, LISTEN, SYN_RECEIVED);
    }

    @Test
    void synReceived_rstOnAcceptedConnection_closes() {
      EngineScript s = synReceived(EngineScript.PLAIN);
      s.inject("R", 5001, 0);
      s.assertStates(SYN_RECEIVED, CLOSED);
    }

    @Test
    void synReceived_rstFromActiveOpen_closedRefused() {
      EngineScript s = EngineScript.connect(EngineScript.PLAIN);
      s.expect("S", 1000, 0);
      s.inject("S", 5000, 0);
      s.expect("S.", 1000, 5001);
      s.inject("R", 5001, 0);
      s.assertStates(SYN_SENT, SYN_RECEIVED, CLOSED);
      assertEquals(
          List.of(new ConnectionEvent.Closed(TcpError.CONNECTION_REFUSED)), s.drainEvents());
    }

    @Test
    void synReceived_peerSynAgain_resendsSynAckAsLinux() {
      EngineScript s = synReceived(EngineScript.PLAIN);
      s.inject("S", 5000, 0);
      s.expect("S.", 1000, 5001);
      s.assertState(SYN_RECEIVED);
    }

    @Test
    void synReceived_otherSynInWindow_passiveOpenReturnsToListen() {
      EngineScript s = EngineScript.listen(EngineScript.PLAIN);
      s.inject("S", 5000, 0);
      s.conn().pollTransmit(0);
      s.inject("S", 5100, 0);
      s.assertStates(LISTEN, SYN_RECEIVED, LISTEN);
    }

    @Test
    void synReceived_timeout_retransmitsSynAckFiveTimesThenGivesUp() {
      EngineScript s = synReceived(EngineScript.PLAIN);
      for (long at : new long[] {1, 3, 7, 15, 31}) {
        assertEquals(at * SECOND, s.fireNextTimer());
        s.expect("S.", 1000, 5001);
      }
      assertEquals(63 * SECOND, s.fireNextTimer());
      s.expectNothing();
      s.assertStates(SYN_RECEIVED, CLOSED);
    }

    @Test
    void synReceived_close_sendsFinAndEntersFinWait1() {
      EngineScript s = synReceived(EngineScript.PLAIN);
      s.conn().close(0);
      s.expect("F.", 1001, 5001);
      s.assertStates(SYN_RECEIVED, FIN_WAIT_1);
      s.inject(".", 5001, 1002);
      s.assertStates(SYN_RECEIVED, FIN_WAIT_1, TcpState.FIN_WAIT_2);
    }

    @Test
    void synReceived_closeWithQueuedData_waitsForEstablished() {
      EngineScript s = synReceived(EngineScript.PLAIN);
      s.send("bye");
      s.conn().close(0);
      s.assertState(SYN_RECEIVED);
      s.inject(".", 5001, 1001);
      s.assertStates(SYN_RECEIVED, ESTABLISHED, FIN_WAIT_1);
      s.expect("FP.", 1001, 5001);
    }

    @Test
    void synReceived_ackWithoutAckBit_dropped() {
      EngineScript s = synReceived(EngineScript.PLAIN);
      s.injectText("P", 5001, 0, "x");
      s.expectNothing();
      s.assertDropped("no ACK");
    }
  }

  @Nested
  class Options {
    @Test
    void options_bothLinux_negotiateAllAndScaleAfterTheHandshake() {
      EnginePair p = EnginePair.connect(LINUX);
      p.clientToServer("S", 1000, 0);
      TcpSegment synAck = p.serverToClient("S.", 5000, 1001);
      assertEquals("mss 1460,sackOK,TS val 0 ecr 0,nop,wscale 7", synAck.options().describe());
      assertEquals(65160, synAck.window(), "Linux's SYN-ACK window: 45 segments of 1448 bytes");
      TcpSegment ack = p.clientToServer(".", 1001, 5001);
      assertEquals(1024, ack.window(), "128 KiB announced as 1024 << 7");
      assertEquals(
          128 * 1024, p.server().status().sndWnd(), "the server scales the client's window");
      assertEquals(1448, p.client().status().effectiveMss(), "1460 less 12 bytes of timestamps");
      assertEquals("nop,nop,TS val 0 ecr 0", ack.options().describe());
    }

    @Test
    void options_peerWithoutOptions_noneUsedAndDefaultMss536() {
      EngineScript s = EngineScript.connect(LINUX);
      s.expect("S", 1000, 0);
      s.inject("S.", 5000, 1001);
      TcpSegment ack = s.expect(".", 1001, 5001);
      assertTrue(ack.options().isEmpty(), "no timestamps when the SYN-ACK had none");
      assertEquals(536, s.conn().status().effectiveMss(), "RFC 9293 MUST-15");
      assertEquals(65535, ack.window(), "no scaling: the window field saturates");
    }

    @Test
    void options_synAckOffersOnlyWhatTheSynOffered() {
      TcpSegment syn =
          Seg.withOptions(
              Seg.of(40000, 80, "S", 5000, 0, 65535),
              new TcpOption.MaximumSegmentSize(1460),
              new TcpOption.NoOperation(),
              new TcpOption.WindowScale(2));
      EngineScript s = EngineScript.accept(LINUX, syn);
      TcpSegment synAck = s.expect("S.", 1000, 5001);
      assertEquals("mss 1460,nop,wscale 7", synAck.options().describe());
      s.inject(Seg.of(40000, 80, ".", 5001, 1001, 1000));
      assertEquals(
          4000, s.conn().status().sndWnd(), "SEG.WND << 2 after the handshake (RFC 7323 §2.2)");
    }

    @Test
    void options_synWindowNeverScaled() {
      TcpSegment syn =
          Seg.withOptions(Seg.of(40000, 80, "S", 5000, 0, 1000), new TcpOption.WindowScale(4));
      EngineScript s = EngineScript.accept(LINUX, syn);
      assertEquals(1000, s.conn().status().sndWnd());
    }

    @Test
    void options_timestampsEchoedAndTsRecentFollowsTheLeftEdge() {
      EnginePair p = EnginePair.established(LINUX);
      p.tick(Duration.ofMillis(5));
      p.send(p.client(), "a");
      TcpSegment data = p.clientSends();
      assertEquals(new TcpOption.Timestamps(5, 0), data.options().timestamps());
      p.toServer(data);
      p.tick(Duration.ofMillis(2));
      TcpSegment ack = p.serverSends();
      assertEquals(
          new TcpOption.Timestamps(7, 5),
          ack.options().timestamps(),
          "TSecr echoes the data's TSval");
    }

    @Test
    void options_mssOptionSmallerThanOurs_segmentsFollowIt() {
      TcpSegment syn =
          Seg.withOptions(
              Seg.of(40000, 80, "S", 5000, 0, 65535), new TcpOption.MaximumSegmentSize(100));
      EngineScript s = EngineScript.accept(EngineScript.PLAIN, syn);
      s.expect("S.", 1000, 5001);
      s.inject(".", 5001, 1001);
      s.send("x".repeat(250));
      assertEquals(100, s.expect(".", 1001, 5001).payloadLength());
      assertEquals(100, s.expect(".", 1101, 5001).payloadLength());
      assertEquals(50, s.expect("P.", 1201, 5001).payloadLength());
    }

    @Test
    void options_noMssOptionAtTheUsersRequest_synsCarryNoOptionsAtAll() {
      TcpConfig none = EngineScript.PLAIN.withMssOption(false);
      assertTrue(EngineScript.connect(none).expect("S", 1000, 0).options().isEmpty());
      EngineScript s =
          EngineScript.accept(
              none,
              Seg.withOptions(
                  Seg.of(40000, 80, "S", 5000, 0, 65535), new TcpOption.MaximumSegmentSize(1460)));
      assertTrue(s.expect("S.", 1000, 5001).options().isEmpty());
      s.inject(Seg.of(40000, 80, ".", 5001, 1001, 65535));
      assertEquals(
          1460, s.conn().status().effectiveMss(), "the peer's MSS still limits what we send");
    }
  }

  /**
   * The two reasons a handshake needs three segments (RFC 9293 §3.5; the seed articles' "why not
   * two-way").
   */
  @Nested
  class WhyNotTwoWay {
    @Test
    void oldDuplicateSyn_serverResetByClientThenRealHandshake() {
      // RFC 9293 §3.5 figure 9: an old SYN (seq 90) reaches the server before the client's new one.
      EnginePair p = EnginePair.withListener(LINUX);
      TcpSegment newSyn = p.check(p.clientSends(), "S", 1000, 0);
      p.toServer(Seg.of(40000, 80, "S", 90, 0, 65535));
      int serverIss = p.server().status().iss();
      TcpSegment synAckForOld = p.serverToClient("S.", Integer.toUnsignedLong(serverIss), 91);
      assertEquals(91, synAckForOld.acknowledgmentNumber());
      p.clientToServer("R", 91, 0);
      p.assertStates(p.server(), LISTEN, SYN_RECEIVED, LISTEN);
      p.toServer(newSyn);
      int iss2 = p.server().status().iss();
      p.serverToClient("S.", Integer.toUnsignedLong(iss2), 1001);
      p.clientToServer(".", 1001, Integer.toUnsignedLong(iss2 + 1));
      p.assertStates(p.client(), SYN_SENT, ESTABLISHED);
      p.assertStates(p.server(), LISTEN, SYN_RECEIVED, LISTEN, SYN_RECEIVED, ESTABLISHED);
    }

    @Test
    void oldDuplicateSyn_reachingEstablishedConnection_getsChallengeAck() {
      EnginePair p = EnginePair.established(LINUX);
      p.toServer(Seg.of(40000, 80, "S", 77, 0, 65535));
      TcpSegment challenge = p.serverToClient(".", 5001, 1001);
      assertTrue(challenge.options().timestamps() != null);
      p.run();
      p.assertStates(p.client(), SYN_SENT, ESTABLISHED);
      p.assertStates(p.server(), SYN_RECEIVED, ESTABLISHED);
    }

    @Test
    void lostSynAck_clientRetransmitsSyn_serverResendsSynAck() {
      EnginePair p = EnginePair.connect(LINUX);
      p.clientToServer("S", 1000, 0);
      p.serverSends(); // lost
      assertTrue(p.fireNextTimer());
      p.assertState(p.client(), ESTABLISHED);
      p.assertState(p.server(), ESTABLISHED);
    }
  }

  @Nested
  class SimultaneousOpen {
    @Test
    void simultaneousOpen_bothSynSentThenSynReceivedThenEstablished() {
      EnginePair p = EnginePair.simultaneousOpen(LINUX);
      TcpSegment a = p.check(p.clientSends(), "S", 1000, 0);
      TcpSegment b = p.check(p.serverSends(), "S", 5000, 0);
      p.toServer(a);
      p.toClient(b);
      p.serverToClient("S.", 5000, 1001);
      p.clientToServer("S.", 1000, 5001);
      p.clientSendsNothing();
      p.serverSendsNothing();
      p.assertStates(p.client(), SYN_SENT, SYN_RECEIVED, ESTABLISHED);
      p.assertStates(p.server(), SYN_SENT, SYN_RECEIVED, ESTABLISHED);
      p.send(p.client(), "ping");
      p.run();
      assertEquals("ping", p.read(p.server()));
    }

    /**
     * RFC 9293 §3.8.1: a FIN sent from SYN-RECEIVED (CLOSE there with nothing queued) is resent
     * when the retransmission timer fires, though the peer acknowledged only our SYN; the host
     * fuzzer found it left in FIN-WAIT-1 with no timer.
     */
    @Test
    void synReceived_closeThenPeerAcksOnlySyn_finIsResentOnTimeout() {
      EngineScript s = EngineScript.connect(EngineScript.PLAIN);
      s.expect("S", 1000, 0);
      s.inject("S", 5000, 0);
      s.expect("S.", 1000, 5001);
      s.conn().close(s.now());
      s.assertState(FIN_WAIT_1);
      s.expect("F.", 1001, 5001);
      s.inject(".", 5001, 1001); // our SYN only
      s.expectNothing();
      s.assertState(FIN_WAIT_1);
      s.fireNextTimer();
      s.expect("F.", 1001, 5001);
      s.fireNextTimer();
      s.expect("F.", 1001, 5001);
      s.inject(".", 5001, 1002);
      s.assertStates(SYN_SENT, SYN_RECEIVED, FIN_WAIT_1, TcpState.FIN_WAIT_2);
    }
  }
}
