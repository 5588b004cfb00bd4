package dev.synack.tcp;

import static dev.synack.tcp.TcpState.CLOSED;
import static dev.synack.tcp.TcpState.CLOSE_WAIT;
import static dev.synack.tcp.TcpState.CLOSING;
import static dev.synack.tcp.TcpState.ESTABLISHED;
import static dev.synack.tcp.TcpState.FIN_WAIT_1;
import static dev.synack.tcp.TcpState.FIN_WAIT_2;
import static dev.synack.tcp.TcpState.LAST_ACK;
import static dev.synack.tcp.TcpState.SYN_RECEIVED;
import static dev.synack.tcp.TcpState.SYN_SENT;
import static dev.synack.tcp.TcpState.TIME_WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.synack.wire.TcpOption;
import dev.synack.wire.TcpSegment;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Closing a connection: figure 5's edges out of ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2, CLOSE-WAIT,
 * CLOSING, LAST-ACK and TIME-WAIT, as the seed articles tell them (four-way close, half-close, 2
 * MSL and the lost last ACK) and as RFC 9293 §3.6 and §3.10.7.4 specify.
 */
class ConnectionTeardownTest {
  private static final TcpConfig LINUX = TcpConfig.defaults();
  private static final long SECOND = 1_000_000_000L;

  /** The pair after the client's FIN was acknowledged: client FIN-WAIT-2, server CLOSE-WAIT. */
  private static EnginePair clientHalfClosed() {
    EnginePair p = EnginePair.established(LINUX);
    p.closeClient();
    p.clientToServer("F.", 1001, 5001);
    p.serverToClient(".", 5001, 1002);
    p.assertState(p.client(), FIN_WAIT_2);
    p.assertState(p.server(), CLOSE_WAIT);
    return p;
  }

  @Nested
  class Established {
    @Test
    void established_close_sendsFinAndEntersFinWait1() {
      EnginePair p = EnginePair.established(LINUX);
      p.closeClient();
      p.clientToServer("F.", 1001, 5001);
      p.assertStates(p.client(), SYN_SENT, ESTABLISHED, FIN_WAIT_1);
    }

    @Test
    void established_fin_acksAndEntersCloseWaitWithEndOfStream() {
      EnginePair p = EnginePair.established(LINUX);
      p.events(p.server());
      p.closeClient();
      p.clientToServer("F.", 1001, 5001);
      p.serverToClient(".", 5001, 1002);
      p.assertStates(p.server(), SYN_RECEIVED, ESTABLISHED, CLOSE_WAIT);
      assertEquals(List.of(new ConnectionEvent.PeerFinReceived()), p.events(p.server()));
      assertNull(p.read(p.server()), "RECEIVE at the end of the stream");
    }

    @Test
    void established_closeWithQueuedData_finRidesOnTheLastSegment() {
      EnginePair p = EnginePair.established(LINUX);
      p.send(p.client(), "last words");
      p.closeClient();
      TcpSegment seg = p.clientToServer("FP.", 1001, 5001);
      assertEquals(10, seg.payloadLength());
      p.serverToClient(".", 5001, 1012);
      assertEquals("last words", p.read(p.server()));
      assertNull(p.read(p.server()));
    }
  }

  @Nested
  class FourWayClose {
    @Test
    void fourWay_clientClosesFirst_clientWaitsInTimeWait() {
      EnginePair p = EnginePair.established(LINUX);
      p.closeClient();
      p.clientToServer("F.", 1001, 5001); // FIN
      p.serverToClient(".", 5001, 1002); // ACK
      p.closeServer();
      p.serverToClient("F.", 5001, 1002); // FIN
      p.clientToServer(".", 1002, 5002); // ACK
      p.assertStates(p.client(), SYN_SENT, ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, TIME_WAIT);
      p.assertStates(p.server(), SYN_RECEIVED, ESTABLISHED, CLOSE_WAIT, LAST_ACK, CLOSED);
      assertEquals(60 * SECOND, p.client().pollTimeout(), "TIME-WAIT lasts 2 MSL = 60 s");
      p.runToClosed(Duration.ofMinutes(2));
      assertEquals(60 * SECOND, p.now());
      p.assertStates(p.client(), SYN_SENT, ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, TIME_WAIT, CLOSED);
      assertEquals(
          List.of(
              new ConnectionEvent.Connected(),
              new ConnectionEvent.FinAcknowledged(),
              new ConnectionEvent.PeerFinReceived(),
              new ConnectionEvent.Closed(null)),
          p.events(p.client()));
    }

    @Test
    void fourWay_serverClosesFirst_serverWaitsInTimeWait() {
      EnginePair p = EnginePair.established(LINUX);
      p.closeServer();
      p.serverToClient("F.", 5001, 1001);
      p.clientToServer(".", 1001, 5002);
      p.closeClient();
      p.clientToServer("F.", 1001, 5002);
      p.serverToClient(".", 5002, 1002);
      p.assertStates(p.server(), SYN_RECEIVED, ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, TIME_WAIT);
      p.assertStates(p.client(), SYN_SENT, ESTABLISHED, CLOSE_WAIT, LAST_ACK, CLOSED);
    }
  }

  @Nested
  class FinWait1 {
    @Test
    void finWait1_ackOfFin_entersFinWait2() {
      EngineScript s = EngineScript.established(EngineScript.PLAIN);
      s.conn().close(0);
      s.expect("F.", 1001, 5001);
      s.inject(".", 5001, 1002);
      s.assertStates(TcpState.SYN_SENT, ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2);
      assertEquals(
          Long.MAX_VALUE,
          s.conn().pollTimeout(),
          "not orphaned: FIN-WAIT-2 waits as long as the peer likes");
    }

    @Test
    void finWait1_finBeforeAck_entersClosing() {
      EngineScript s = EngineScript.established(EngineScript.PLAIN);
      s.conn().close(0);
      s.expect("F.", 1001, 5001);
      s.inject("F.", 5001, 1001);
      s.expect(".", 1002, 5002);
      s.assertStates(TcpState.SYN_SENT, ESTABLISHED, FIN_WAIT_1, CLOSING);
      s.inject(".", 5002, 1002);
      s.assertStates(TcpState.SYN_SENT, ESTABLISHED, FIN_WAIT_1, CLOSING, TIME_WAIT);
    }

    @Test
    void finWait1_finAckingOurFin_entersTimeWaitDirectly() {
      EngineScript s = EngineScript.established(EngineScript.PLAIN);
      s.conn().close(0);
      s.expect("F.", 1001, 5001);
      s.inject("F.", 5001, 1002);
      s.expect(".", 1002, 5002);
      s.assertStates(TcpState.SYN_SENT, ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, TIME_WAIT);
    }

    @Test
    void finWait1_finLost_retransmittedWithBackoff() {
      EngineScript s = EngineScript.established(EngineScript.PLAIN);
      s.conn().close(0);
      s.expect("F.", 1001, 5001);
      long first = s.fireNextTimer();
      s.expect("F.", 1001, 5001);
      long second = s.fireNextTimer();
      s.expect("F.", 1001, 5001);
      assertEquals(2 * first, second - first, "RFC 6298 §5.5: the RTO doubles");
      assertEquals(
          1, s.trace.events().stream().filter(e -> e.eventName().equals("retransmit")).count() - 1);
      s.inject(".", 5001, 1002);
      s.assertState(FIN_WAIT_2);
    }

    @Test
    void finWait1_data_stillDelivered() {
      EngineScript s = EngineScript.established(EngineScript.PLAIN);
      s.conn().close(0);
      s.expect("F.", 1001, 5001);
      s.injectText("P.", 5001, 1001, "more");
      s.expect(".", 1002, 5005);
      assertEquals("more", s.read());
    }
  }

  @Nested
  class SimultaneousClose {
    @Test
    void simultaneousClose_bothFinWait1ThenClosingThenTimeWait() {
      EnginePair p = EnginePair.established(LINUX);
      p.closeClient();
      p.closeServer();
      TcpSegment clientFin = p.check(p.clientSends(), "F.", 1001, 5001);
      TcpSegment serverFin = p.check(p.serverSends(), "F.", 5001, 1001);
      p.toServer(clientFin);
      p.toClient(serverFin);
      p.serverToClient(".", 5002, 1002);
      p.clientToServer(".", 1002, 5002);
      p.assertStates(p.client(), SYN_SENT, ESTABLISHED, FIN_WAIT_1, CLOSING, TIME_WAIT);
      p.assertStates(p.server(), SYN_RECEIVED, ESTABLISHED, FIN_WAIT_1, CLOSING, TIME_WAIT);
      p.runToClosed(Duration.ofMinutes(2));
      assertEquals(60 * SECOND, p.now());
    }
  }

  @Nested
  class FinWait2 {
    @Test
    void finWait2_fin_acksAndEntersTimeWait() {
      EnginePair p = clientHalfClosed();
      p.closeServer();
      p.serverToClient("F.", 5001, 1002);
      p.clientToServer(".", 1002, 5002);
      p.assertStates(p.client(), SYN_SENT, ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, TIME_WAIT);
    }

    @Test
    void finWait2_halfClose_peerKeepsSendingAndWeKeepDelivering() {
      EnginePair p = clientHalfClosed();
      p.send(p.server(), "response after your FIN");
      p.serverToClient("P.", 5001, 1002);
      p.clientToServer(".", 1002, 5024);
      assertEquals("response after your FIN", p.read(p.client()));
      p.closeServer();
      p.run();
      assertNull(p.read(p.client()));
      p.assertState(p.client(), TIME_WAIT);
      p.assertState(p.server(), CLOSED);
    }

    @Test
    void finWait2_orphaned_timesOutToClosedLikeLinux() {
      EnginePair p = EnginePair.established(LINUX.withFinWait2Timeout(Duration.ofSeconds(10)));
      p.client().closeFully(p.now());
      p.run();
      p.assertState(p.client(), FIN_WAIT_2);
      p.advance(Duration.ofSeconds(10));
      p.clientSendsNothing();
      p.assertStates(p.client(), SYN_SENT, ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, CLOSED);
      p.assertState(p.server(), CLOSE_WAIT);
    }

    @Test
    void finWait2_notOrphaned_noTimeout() {
      EnginePair p = clientHalfClosed();
      p.advance(Duration.ofHours(1));
      p.assertState(p.client(), FIN_WAIT_2);
    }
  }

  @Nested
  class CloseWait {
    @Test
    void closeWait_send_dataStillFlows() {
      EnginePair p = clientHalfClosed();
      p.send(p.server(), "x");
      p.run();
      assertEquals("x", p.read(p.client()));
      p.assertState(p.server(), CLOSE_WAIT);
    }

    @Test
    void closeWait_close_sendsFinAndEntersLastAck() {
      EnginePair p = clientHalfClosed();
      p.closeServer();
      p.serverToClient("F.", 5001, 1002);
      p.assertStates(p.server(), SYN_RECEIVED, ESTABLISHED, CLOSE_WAIT, LAST_ACK);
    }
  }

  @Nested
  class Closing {
    @Test
    void closing_ackOfFin_entersTimeWait() {
      EngineScript s = EngineScript.established(EngineScript.PLAIN);
      s.conn().close(0);
      s.expect("F.", 1001, 5001);
      s.inject("F.", 5001, 1001);
      s.expect(".", 1002, 5002);
      s.inject(".", 5002, 1002);
      s.assertState(TIME_WAIT);
      assertEquals(60 * SECOND, s.conn().pollTimeout());
    }

    @Test
    void closing_ackNotCoveringFin_staysClosing() {
      EngineScript s = EngineScript.established(EngineScript.PLAIN);
      s.conn().close(0);
      s.expect("F.", 1001, 5001);
      s.inject("F.", 5001, 1001);
      s.expect(".", 1002, 5002);
      s.inject(".", 5002, 1001);
      s.assertState(CLOSING);
    }
  }

  @Nested
  class LastAck {
    @Test
    void lastAck_ackOfFin_closed() {
      EnginePair p = clientHalfClosed();
      p.closeServer();
      p.serverToClient("F.", 5001, 1002);
      p.clientToServer(".", 1002, 5002);
      p.assertStates(p.server(), SYN_RECEIVED, ESTABLISHED, CLOSE_WAIT, LAST_ACK, CLOSED);
      assertEquals(new ConnectionEvent.Closed(null), p.events(p.server()).getLast());
      assertEquals(Long.MAX_VALUE, p.server().pollTimeout());
    }
  }

  @Nested
  class TimeWait {
    @Test
    void timeWait_lostLastAck_finResentAckedAgainAndTwoMslRestart() {
      EnginePair p = clientHalfClosed();
      p.closeServer();
      p.serverToClient("F.", 5001, 1002);
      p.check(p.clientSends(), ".", 1002, 5002); // the last ACK is lost
      p.assertState(p.client(), TIME_WAIT);
      p.assertState(p.server(), LAST_ACK);
      long rto = p.server().pollTimeout();
      p.fireNextTimer(); // the server resends its FIN; the client ACKs it again
      p.assertState(p.server(), CLOSED);
      p.assertState(p.client(), TIME_WAIT);
      assertEquals(
          rto + 60 * SECOND,
          p.client().pollTimeout(),
          "the 2 MSL timer restarted with the resent FIN");
      p.runToClosed(Duration.ofMinutes(2));
      assertEquals(rto + 60 * SECOND, p.now());
    }

    @Test
    void timeWait_mslConfigurable() {
      EnginePair p = EnginePair.established(LINUX.withMsl(Duration.ofSeconds(5)));
      p.closeClient();
      p.run();
      p.closeServer();
      p.run();
      p.assertState(p.client(), TIME_WAIT);
      p.runToClosed(Duration.ofMinutes(1));
      assertEquals(10 * SECOND, p.now());
    }

    @Test
    void timeWait_userCalls_closeIsOkAbortClosesWithoutRst() {
      EngineScript s = timeWait(EngineScript.PLAIN);
      s.conn().close(s.now());
      s.assertState(TIME_WAIT);
      s.conn().abort(s.now());
      s.expectNothing();
      s.assertState(CLOSED);
    }

    @Test
    void timeWait_synWithHigherSequenceNumber_reopens() {
      EngineScript s = timeWait(EngineScript.PLAIN);
      assertEquals(Disposition.REOPEN, s.inject("S", 9000, 0));
      s.expectNothing();
      s.assertState(CLOSED);
      assertEquals(1002 + 65537, s.conn().nextIncarnationIss());
    }

    @Test
    void timeWait_synWithLowerSequenceNumber_answeredWithAck() {
      EngineScript s = timeWait(EngineScript.PLAIN);
      assertEquals(Disposition.CONSUMED, s.inject("S", 100, 0));
      s.expect(".", 1002, 5002);
      s.assertState(TIME_WAIT);
    }

    @Test
    void timeWait_synWithNewerTimestamp_reopensEvenWithLowerSequenceNumber() {
      EngineScript s = timeWaitWithTimestamps();
      TcpSegment syn = Seg.withOptions(s.peer("S", 100, 0), new TcpOption.Timestamps(600, 0));
      assertEquals(Disposition.REOPEN, s.inject(syn));
      s.assertState(CLOSED);
    }

    @Test
    void timeWait_synWithOlderTimestamp_rejectedByPawsAndAcked() {
      EngineScript s = timeWaitWithTimestamps();
      TcpSegment syn = Seg.withOptions(s.peer("S", 9000, 0), new TcpOption.Timestamps(400, 0));
      assertEquals(Disposition.CONSUMED, s.inject(syn));
      s.expect(".", 1002, 5002);
      s.assertState(TIME_WAIT);
    }

    @Test
    void timeWait_segmentInWindow_noReply() {
      EngineScript s = timeWait(EngineScript.PLAIN);
      s.inject(".", 5002, 1002);
      s.expectNothing();
      s.assertState(TIME_WAIT);
    }

    /** The engine closed first and sits in TIME-WAIT: SND.NXT 1002, RCV.NXT 5002. */
    private EngineScript timeWait(TcpConfig cfg) {
      EngineScript s = EngineScript.established(cfg);
      s.conn().close(0);
      s.expect("F.", 1001, 5001);
      s.inject("F.", 5001, 1002);
      s.expect(".", 1002, 5002);
      s.assertState(TIME_WAIT);
      return s;
    }

    /** As {@link #timeWait}, with timestamps: the peer's last TSval is 500. */
    private EngineScript timeWaitWithTimestamps() {
      TcpConfig cfg = EngineScript.PLAIN.withTimestamps(true, 0);
      EngineScript s = EngineScript.connect(cfg);
      s.expect("S", 1000, 0);
      s.inject(Seg.withOptions(s.peer("S.", 5000, 1001), new TcpOption.Timestamps(100, 0)));
      s.expect(".", 1001, 5001);
      s.conn().close(0);
      s.expect("F.", 1001, 5001);
      s.inject(Seg.withOptions(s.peer("F.", 5001, 1002), new TcpOption.Timestamps(500, 0)));
      TcpSegment ack = s.expect(".", 1002, 5002);
      assertEquals(500, ack.options().timestamps().tsEcr());
      return s;
    }
  }
}
