package dev.synack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.trace.TraceEvent;
import dev.synack.wire.TcpFlags;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Keep-alive (RFC 1122 §4.2.3.6, as Linux): off by default; when on, after two idle hours a probe
 * (an ACK one below SND.UNA, no data) every 75 s; the peer's answer, or anything else from it,
 * starts the idle time again; nine unanswered probes and the connection is reset, timed out.
 */
class KeepAliveTest {
  private static final long S = 1_000_000_000L;
  private static final TcpConfig KEEPALIVE =
      EngineScript.PLAIN.withKeepAlive(true, Duration.ofHours(2), Duration.ofSeconds(75), 9);

  @Nested
  class Established {
    @Test
    void byDefault_idleForDays_nothingSentNoTimer() {
      EngineScript s = EngineScript.established(EngineScript.PLAIN);
      assertEquals(Long.MAX_VALUE, s.conn().pollTimeout());
      s.advance(Duration.ofDays(3));
      s.expectNothing();
      s.assertState(TcpState.ESTABLISHED);
    }

    @Test
    void on_idleTwoHours_probeIsAnAckBelowSndUna() {
      EngineScript s = EngineScript.established(KEEPALIVE);
      assertEquals(7200 * S, s.fireNextTimer());
      s.expect(".", 1000, 5001); // SEG.SEQ = SND.UNA - 1, no data
      assertEquals(7275 * S, s.conn().pollTimeout(), "the next probe 75 s later unless answered");
    }

    @Test
    void probeAnswered_nextProbeTwoHoursAfterTheAnswer() {
      EngineScript s = EngineScript.established(KEEPALIVE);
      s.fireNextTimer();
      s.expect(".", 1000, 5001);
      s.advance(Duration.ofMillis(30));
      s.inject(".", 5001, 1001); // the peer's answer
      assertEquals(
          7200 * S + 75 * S, s.fireNextTimer(), "the timer wakes as planned and sleeps again");
      s.expectNothing();
      assertEquals(7200 * S + 30_000_000L + 7200 * S, s.fireNextTimer());
      s.expect(".", 1000, 5001);
    }

    @Test
    void anySegmentFromThePeer_restartsTheIdleTime() {
      EngineScript s = EngineScript.established(KEEPALIVE);
      s.advance(Duration.ofSeconds(7000));
      s.injectText("P.", 5001, 1001, "still here");
      s.expect(".", 1001, 5011);
      s.advance(Duration.ofSeconds(7100));
      s.expectNothing();
      assertEquals((7000 + 7200) * S, s.fireNextTimer());
      s.expect(".", 1000, 5011);
    }

    @Test
    void nineProbesUnanswered_resetAndTimedOut() {
      EngineScript s = EngineScript.established(KEEPALIVE);
      for (int probe = 0; probe < 9; probe++) {
        assertEquals((7200 + 75 * probe) * S, s.fireNextTimer());
        s.expect(".", 1000, 5001);
      }
      assertEquals((7200 + 75 * 9) * S, s.fireNextTimer());
      s.expect("R.", 1001, 5001);
      s.assertState(TcpState.CLOSED);
      assertEquals(
          new ConnectionEvent.Closed(TcpError.CONNECTION_TIMED_OUT), s.drainEvents().getLast());
    }

    @Test
    void dataOutstanding_noProbeTheRtoWatches() {
      EngineScript s = EngineScript.established(KEEPALIVE.withRetries(6, 5, 15));
      s.advance(Duration.ofSeconds(7199));
      s.send("x");
      s.expect("P.", 1001, 5001);
      s.advance(Duration.ofSeconds(2));
      List<TraceEvent.Segment> probes =
          s.trace.events().stream()
              .filter(
                  e ->
                      e instanceof TraceEvent.Segment seg
                          && seg.segment().seq() == 1000
                          && seg.segment().flags() == TcpFlags.ACK
                          && seg.action() == TraceEvent.SegmentAction.SEND)
              .map(e -> (TraceEvent.Segment) e)
              .toList();
      assertEquals(List.of(), probes);
    }

    @Test
    void turnedOnLater_probesAfterTheIdleTime_turnedOff_timerGone() {
      EngineScript s = EngineScript.established(EngineScript.PLAIN);
      s.advance(Duration.ofSeconds(100));
      s.conn().setKeepAlive(true, s.now());
      assertTrue(s.conn().keepAlive());
      assertEquals(7200 * S, s.conn().pollTimeout(), "measured from when the peer was last heard");
      s.conn().setKeepAlive(false, s.now());
      assertFalse(s.conn().keepAlive());
      assertEquals(Long.MAX_VALUE, s.conn().pollTimeout());
    }
  }

  @Nested
  class Scenario {
    /**
     * "An idle connection is probed after two hours; the peer answers, and the connection lives
     * on."
     */
    @Test
    void pair_idleTwoHours_probeAnsweredBothStayEstablished() {
      EnginePair p = EnginePair.established(KEEPALIVE);
      p.advance(Duration.ofHours(2).plusSeconds(1));
      List<String> timers =
          p.trace.events().stream()
              .filter(
                  e ->
                      e instanceof TraceEvent.Timer t
                          && t.timer().equals("KEEPALIVE")
                          && t.host().equals("client"))
              .map(e -> ((TraceEvent.Timer) e).action())
              .toList();
      assertEquals(List.of("set", "fired", "set"), timers.subList(0, 3), p.trace.dump());
      long answers =
          p.trace.events().stream()
              .filter(
                  e ->
                      e instanceof TraceEvent.Segment seg
                          && seg.host().equals("server")
                          && seg.action() == TraceEvent.SegmentAction.SEND
                          && seg.timeNanos() >= 7200 * S)
              .count();
      assertEquals(
          2,
          answers,
          "each end probes the other once, and each probe is answered\n" + p.trace.dump());
      p.assertState(p.client(), TcpState.ESTABLISHED);
      p.assertState(p.server(), TcpState.ESTABLISHED);
    }
  }
}
