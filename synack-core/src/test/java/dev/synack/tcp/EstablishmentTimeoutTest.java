package dev.synack.tcp;

import static dev.synack.tcp.TcpState.CLOSED;
import static dev.synack.tcp.TcpState.ESTABLISHED;
import static dev.synack.tcp.TcpState.LISTEN;
import static dev.synack.tcp.TcpState.SYN_RECEIVED;
import static dev.synack.tcp.TcpState.SYN_SENT;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The connection-establishment timer (FreeBSD's {@code TCP_KEEPINIT}): a handshake that has not
 * reached ESTABLISHED in time is dropped as timed out, however many SYN retries remain; and
 * FreeBSD's SYN backoff, where every backed-off RTO carries the 200 ms {@code rexmit_slop}.
 */
class EstablishmentTimeoutTest {
  private static final long SECOND = 1_000_000_000L;
  private static final long MS = 1_000_000L;
  private static final TcpConfig FIVE_SECONDS =
      EngineScript.PLAIN.withEstablishmentTimeout(Duration.ofSeconds(5));

  @Nested
  class SynSent {
    @Test
    void byDefault_onlyTheSynRetriesLimitTheHandshake() {
      EngineScript s = EngineScript.connect(EngineScript.PLAIN);
      s.expect("S", 1000, 0);
      assertEquals(SECOND, s.conn().pollTimeout(), "the retransmission timer alone");
    }

    @Test
    void noAnswerForFiveSeconds_closedTimedOut_withoutASegment() {
      EngineScript s = EngineScript.connect(FIVE_SECONDS);
      s.expect("S", 1000, 0);
      assertEquals(SECOND, s.fireNextTimer());
      s.expect("S", 1000, 0);
      assertEquals(3 * SECOND, s.fireNextTimer());
      s.expect("S", 1000, 0);
      assertEquals(5 * SECOND, s.fireNextTimer(), "before the SYN due at 7 s");
      s.expectNothing();
      s.assertStates(SYN_SENT, CLOSED);
      assertEquals(
          List.of(new ConnectionEvent.Closed(TcpError.CONNECTION_TIMED_OUT)), s.drainEvents());
    }

    @Test
    void answeredInTime_established_timerGone() {
      EngineScript s = EngineScript.connect(FIVE_SECONDS);
      s.expect("S", 1000, 0);
      s.tick(Duration.ofMillis(500));
      s.inject("S.", 5000, 1001);
      s.expect(".", 1001, 5001);
      s.advance(Duration.ofSeconds(10));
      s.assertState(ESTABLISHED);
      assertEquals(Long.MAX_VALUE, s.conn().pollTimeout());
    }

    @Test
    void freeBsdBackoff_synsAtOneAndThreePointTwoSeconds_thenDroppedAtFive() {
      TcpConfig bsd =
          FIVE_SECONDS
              .withRto(Duration.ofSeconds(1), Duration.ofMillis(30), Duration.ofSeconds(64))
              .withRtoSlop(Duration.ofMillis(200));
      EngineScript s = EngineScript.connect(bsd);
      s.expect("S", 1000, 0);
      assertEquals(SECOND, s.fireNextTimer());
      s.expect("S", 1000, 0);
      assertEquals(3200 * MS, s.fireNextTimer(), "1 s, then 2 s + 200 ms");
      s.expect("S", 1000, 0);
      assertEquals(5 * SECOND, s.fireNextTimer(), "before the SYN due at 7.4 s");
      s.assertStates(SYN_SENT, CLOSED);
    }
  }

  @Nested
  class SynReceived {
    @Test
    void acceptedAndNeverAcknowledged_resetAndClosedTimedOut() {
      TcpConfig cfg = FIVE_SECONDS.withRetries(6, 10, 15);
      EngineScript s = EngineScript.accept(cfg, Seg.of(40000, 80, "S", 5000, 0, 65535));
      s.expect("S.", 1000, 5001);
      assertEquals(SECOND, s.fireNextTimer());
      s.expect("S.", 1000, 5001);
      assertEquals(3 * SECOND, s.fireNextTimer());
      s.expect("S.", 1000, 5001);
      assertEquals(5 * SECOND, s.fireNextTimer());
      s.expect("R.", 1001, 5001);
      s.assertState(CLOSED);
      assertEquals(
          new ConnectionEvent.Closed(TcpError.CONNECTION_TIMED_OUT), s.drainEvents().getLast());
    }

    @Test
    void passiveOpenOfRfc9293_returnsToListen() {
      EngineScript s = EngineScript.listen(FIVE_SECONDS.withRetries(6, 10, 15));
      s.inject("S", 5000, 0);
      s.expect("S.", s.conn().status().iss(), 5001);
      s.advance(Duration.ofSeconds(5));
      s.assertStates(LISTEN, SYN_RECEIVED, LISTEN);
    }

    @Test
    void simultaneousOpen_limitRunsFromOurSyn() {
      TcpConfig noRetransmission =
          FIVE_SECONDS.withRto(
              Duration.ofSeconds(10), Duration.ofSeconds(1), Duration.ofSeconds(60));
      EngineScript s = EngineScript.connect(noRetransmission);
      s.expect("S", 1000, 0);
      s.tick(Duration.ofSeconds(4));
      s.inject("S", 5000, 0);
      s.expect("S.", 1000, 5001);
      s.advance(Duration.ofSeconds(1));
      s.expect("R.", 1001, 5001);
      s.assertStates(SYN_SENT, SYN_RECEIVED, CLOSED);
    }
  }
}
