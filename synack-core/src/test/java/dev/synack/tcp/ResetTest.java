package dev.synack.tcp;

import static dev.synack.tcp.TcpState.CLOSED;
import static dev.synack.tcp.TcpState.CLOSE_WAIT;
import static dev.synack.tcp.TcpState.CLOSING;
import static dev.synack.tcp.TcpState.ESTABLISHED;
import static dev.synack.tcp.TcpState.FIN_WAIT_1;
import static dev.synack.tcp.TcpState.FIN_WAIT_2;
import static dev.synack.tcp.TcpState.LAST_ACK;
import static dev.synack.tcp.TcpState.TIME_WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpSegment;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Resets: RST generation and acceptance in every state (RFC 9293 §3.10.7), the blind-attack
 * defences of RFC 5961 (§3 RST, §4 SYN, §5 ACK value, §7 rate limit), RFC 1337, ABORT, and the RST
 * Linux sends for data arriving after a full close.
 *
 * <p>The scripted engine is ESTABLISHED with SND.NXT 1001 and RCV.NXT 5001, RCV.WND 65535.
 */
class ResetTest {
  private static final TcpConfig PLAIN = EngineScript.PLAIN;

  /** The engine in the given state after an active open; the peer's side is scripted. */
  private static EngineScript inState(TcpState state) {
    EngineScript s = EngineScript.established(PLAIN);
    switch (state) {
      case ESTABLISHED -> {}
      case FIN_WAIT_1 -> {
        s.conn().close(0);
        s.expect("F.", 1001, 5001);
      }
      case FIN_WAIT_2 -> {
        s.conn().close(0);
        s.expect("F.", 1001, 5001);
        s.inject(".", 5001, 1002);
      }
      case CLOSE_WAIT -> {
        s.inject("F.", 5001, 1001);
        s.expect(".", 1001, 5002);
      }
      case CLOSING -> {
        s.conn().close(0);
        s.expect("F.", 1001, 5001);
        s.inject("F.", 5001, 1001);
        s.expect(".", 1002, 5002);
      }
      case LAST_ACK -> {
        s.inject("F.", 5001, 1001);
        s.expect(".", 1001, 5002);
        s.conn().close(0);
        s.expect("F.", 1001, 5002);
      }
      case TIME_WAIT -> {
        s.conn().close(0);
        s.expect("F.", 1001, 5001);
        s.inject("F.", 5001, 1002);
        s.expect(".", 1002, 5002);
      }
      default -> throw new IllegalArgumentException("not scripted: " + state);
    }
    s.assertState(state);
    s.drainEvents();
    return s;
  }

  /** Returns RCV.NXT of {@link #inState}: one more once the peer's FIN arrived. */
  private static int rcvNxt(EngineScript s) {
    return s.conn().status().rcvNxt();
  }

  @Nested
  class RstAcceptance {
    @Test
    void established_rstAtRcvNxt_closedWithConnectionReset() {
      EngineScript s = inState(ESTABLISHED);
      s.inject("R", 5001, 0);
      s.expectNothing();
      s.assertState(CLOSED);
      assertEquals(List.of(new ConnectionEvent.Closed(TcpError.CONNECTION_RESET)), s.drainEvents());
      TcpException e = assertThrows(TcpException.class, () -> s.send("x"));
      assertEquals(TcpError.CONNECTION_RESET, e.error());
      assertEquals("error: connection reset", e.getMessage());
    }

    @Test
    void established_rstWithAckAtRcvNxt_closedWithConnectionReset() {
      EngineScript s = inState(ESTABLISHED);
      s.inject("R.", 5001, 1001);
      s.assertState(CLOSED);
    }

    @Test
    void established_rstInWindowNotAtRcvNxt_challengeAck() {
      EngineScript s = inState(ESTABLISHED);
      s.inject("R", 5100, 0);
      s.expect(".", 1001, 5001);
      s.assertState(ESTABLISHED);
      s.assertDropped("challenge ACK (RFC 5961 §3.2)");
    }

    @Test
    void established_rstOutsideWindow_droppedSilently() {
      EngineScript s = inState(ESTABLISHED);
      s.inject("R", 5001 + 70_000, 0);
      s.inject("R", 4000, 0);
      s.expectNothing();
      s.assertState(ESTABLISHED);
      s.assertDropped("RST outside the window");
    }

    @Test
    void established_challengeAcks_rateLimitedPerSecond() {
      EngineScript s = EngineScript.established(PLAIN.withChallengeAckLimit(2));
      for (int i = 0; i < 3; i++) {
        s.inject("R", 5100 + i, 0);
        if (i < 2) s.expect(".", 1001, 5001);
      }
      s.expectNothing();
      s.assertDropped("limit reached");
      s.advance(Duration.ofSeconds(1));
      s.inject("R", 5200, 0);
      s.expect(".", 1001, 5001);
    }

    @Test
    void finWait1_rstAtRcvNxt_closedWithConnectionReset() {
      assertResetCloses(inState(FIN_WAIT_1), TcpError.CONNECTION_RESET);
    }

    @Test
    void finWait2_rstAtRcvNxt_closedWithConnectionReset() {
      assertResetCloses(inState(FIN_WAIT_2), TcpError.CONNECTION_RESET);
    }

    @Test
    void closeWait_rstAtRcvNxt_closedWithConnectionReset() {
      assertResetCloses(inState(CLOSE_WAIT), TcpError.CONNECTION_RESET);
    }

    @Test
    void closing_rstAtRcvNxt_closedWithoutError() {
      assertResetCloses(inState(CLOSING), null);
    }

    @Test
    void lastAck_rstAtRcvNxt_closedWithoutError() {
      assertResetCloses(inState(LAST_ACK), null);
    }

    @Test
    void timeWait_rst_ignoredPerRfc1337() {
      EngineScript s = inState(TIME_WAIT);
      s.inject("R", rcvNxt(s), 0);
      s.expectNothing();
      s.assertState(TIME_WAIT);
      s.assertDropped("RFC 1337");
    }

    @Test
    void timeWait_rstWithRfc1337Off_closes() {
      EngineScript s = EngineScript.established(PLAIN.withRfc1337(false));
      s.conn().close(0);
      s.expect("F.", 1001, 5001);
      s.inject("F.", 5001, 1002);
      s.expect(".", 1002, 5002);
      s.inject("R", 5002, 0);
      s.assertState(CLOSED);
    }

    private void assertResetCloses(EngineScript s, TcpError error) {
      s.inject("R", rcvNxt(s), 0);
      s.expectNothing();
      s.assertState(CLOSED);
      assertEquals(List.of(new ConnectionEvent.Closed(error)), s.drainEvents());
    }
  }

  @Nested
  class SynInSynchronizedState {
    @Test
    void established_synInWindow_challengeAck() {
      EngineScript s = inState(ESTABLISHED);
      s.inject("S", 5100, 0);
      s.expect(".", 1001, 5001);
      s.assertState(ESTABLISHED);
      s.assertDropped("challenge ACK (RFC 5961 §4)");
    }

    @Test
    void established_synOutsideWindow_ackedByStepOne() {
      EngineScript s = inState(ESTABLISHED);
      s.inject("S", 100, 0);
      s.expect(".", 1001, 5001);
      s.assertState(ESTABLISHED);
    }

    @Test
    void closeWait_syn_challengeAck() {
      EngineScript s = inState(CLOSE_WAIT);
      s.inject("S", 5010, 0);
      s.expect(".", 1001, 5002);
      s.assertState(CLOSE_WAIT);
    }

    @Test
    void peerRestarted_synDrawsChallengeAck_newPeerResets_thenConnectionCloses() {
      // RFC 5961 §4.2: the peer lost its state and opens anew with the same 4-tuple.
      EnginePair p = EnginePair.established(TcpConfig.defaults());
      TcpConnection reborn =
          TcpConnection.connect(
              EnginePair.CLIENT_ID, TcpConfig.defaults(), 90_000, p.now(), p.trace, "reborn");
      p.toServer(reborn.pollTransmit(p.now()));
      TcpSegment challenge = p.check(p.serverSends(), ".", 5001, 1001);
      reborn.handleSegment(challenge, p.now());
      TcpSegment rst = p.check(reborn.pollTransmit(p.now()), "R", 1001, 0);
      p.toServer(rst);
      p.assertState(p.server(), CLOSED);
      assertEquals(
          new ConnectionEvent.Closed(TcpError.CONNECTION_RESET), p.events(p.server()).getLast());
    }
  }

  @Nested
  class AckValue {
    @Test
    void established_ackBeyondSndNxt_ackedAndDropped() {
      EngineScript s = inState(ESTABLISHED);
      s.injectText(".", 5001, 3000, "data");
      s.expect(".", 1001, 5001);
      assertEquals("", s.read(), "the text of the segment is not delivered");
      s.assertDropped("ACK of data not yet sent (RFC 5961 §5.2)");
    }

    @Test
    void established_ackOlderThanMaxWindow_ackedAndDropped() {
      EngineScript s = inState(ESTABLISHED);
      s.injectText(".", 5001, 1001 - 70_000, "data");
      s.expect(".", 1001, 5001);
      assertEquals("", s.read());
      s.assertDropped("ACK too old");
    }

    @Test
    void established_duplicateAckWithinMaxWindow_accepted() {
      EngineScript s = inState(ESTABLISHED);
      s.injectText(".", 5001, 1000, "data");
      s.expect(".", 1001, 5005);
      assertEquals("data", s.read());
    }
  }

  @Nested
  class Abort {
    @Test
    void established_abort_sendsRstAndCloses() {
      EngineScript s = inState(ESTABLISHED);
      s.send("queued, never sent");
      s.conn().abort(0);
      s.expect("R.", 1001, 5001);
      s.expectNothing();
      s.assertState(CLOSED);
      assertEquals(List.of(new ConnectionEvent.Closed(null)), s.drainEvents());
      TcpException e = assertThrows(TcpException.class, () -> s.conn().abort(0));
      assertEquals(TcpError.CONNECTION_DOES_NOT_EXIST, e.error());
    }

    @Test
    void closeWait_abort_sendsRst() {
      EngineScript s = inState(CLOSE_WAIT);
      s.conn().abort(0);
      s.expect("R.", 1001, 5002);
      s.assertState(CLOSED);
    }

    @Test
    void synSent_abort_closesWithoutRst() {
      EngineScript s = EngineScript.connect(PLAIN);
      s.expect("S", 1000, 0);
      s.conn().abort(0);
      s.expectNothing();
      s.assertState(CLOSED);
    }

    @Test
    void synReceived_abort_sendsRst() {
      EngineScript s = EngineScript.accept(PLAIN, Seg.of(40000, 80, "S", 5000, 0, 65535));
      s.expect("S.", 1000, 5001);
      s.conn().abort(0);
      s.expect("R.", 1001, 5001);
    }

    @Test
    void lastAck_abort_closesWithoutRst() {
      EngineScript s = inState(LAST_ACK);
      s.conn().abort(0);
      s.expectNothing();
      s.assertState(CLOSED);
    }

    @Test
    void pair_abort_peerSeesConnectionReset() {
      EnginePair p = EnginePair.established(TcpConfig.defaults());
      p.events(p.client());
      p.server().abort(p.now());
      p.serverToClient("R.", 5001, 1001);
      p.assertStates(p.client(), TcpState.SYN_SENT, ESTABLISHED, CLOSED);
      assertEquals(
          List.of(new ConnectionEvent.Closed(TcpError.CONNECTION_RESET)), p.events(p.client()));
      TcpException e = assertThrows(TcpException.class, () -> p.read(p.client()));
      assertEquals(TcpError.CONNECTION_RESET, e.error());
    }
  }

  @Nested
  class FullClose {
    @Test
    void established_closeFullyWithUnreadData_resetsAtOnce() {
      EngineScript s = inState(ESTABLISHED);
      s.injectText("P.", 5001, 1001, "unread");
      s.expect(".", 1001, 5007);
      s.conn().closeFully(0);
      s.expect("R.", 1001, 5007);
      s.assertState(CLOSED);
    }

    @Test
    void finWait2_dataAfterCloseFully_answeredWithRstAsLinux() {
      EngineScript s = inState(ESTABLISHED);
      s.conn().closeFully(0);
      s.expect("F.", 1001, 5001);
      s.inject(".", 5001, 1002);
      s.assertState(FIN_WAIT_2);
      s.injectText("P.", 5001, 1002, "too late");
      s.expect("R", 1002, 0);
      s.assertState(CLOSED);
    }

    @Test
    void finWait2_receiveAfterCloseFully_throwsConnectionClosing() {
      EngineScript s = inState(ESTABLISHED);
      s.conn().closeFully(0);
      TcpException e = assertThrows(TcpException.class, s::read);
      assertEquals(TcpError.CONNECTION_CLOSING, e.error());
    }
  }

  @Nested
  class Closed {
    @Test
    void closed_segmentWithAck_answeredWithRstAtSegAck() {
      EngineScript s = inState(ESTABLISHED);
      s.conn().abort(0);
      s.expect("R.", 1001, 5001);
      s.injectText(".", 5001, 1234, "late");
      s.expect("R", 1234, 0);
    }

    @Test
    void closed_segmentWithoutAck_answeredWithRstAck() {
      EngineScript s = inState(ESTABLISHED);
      s.conn().abort(0);
      s.expect("R.", 1001, 5001);
      s.inject("S", 7000, 0);
      s.expect("R.", 0, 7001);
    }

    @Test
    void closed_rst_neverAnswered() {
      EngineScript s = inState(ESTABLISHED);
      s.conn().abort(0);
      s.expect("R.", 1001, 5001);
      s.inject("R", 5001, 0);
      s.expectNothing();
    }

    @Test
    void resetFor_followsRfc9293ForSegmentsWithoutConnection() {
      TcpSegment fin = Seg.withText(Seg.of(1, 2, "F", 100, 0, 0), "abc");
      TcpSegment rst = TcpConnection.resetFor(fin);
      assertEquals(TcpFlags.RST | TcpFlags.ACK, rst.flags());
      assertEquals(0, rst.sequenceNumber());
      assertEquals(104, rst.acknowledgmentNumber(), "SEG.SEQ + SEG.LEN, FIN included");
      assertEquals(2, rst.sourcePort());
      assertNull(TcpConnection.resetFor(Seg.of(1, 2, "R", 1, 0, 0)));
      assertEquals(77, TcpConnection.resetFor(Seg.of(1, 2, ".", 1, 77, 0)).sequenceNumber());
    }
  }
}
