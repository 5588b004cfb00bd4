package dev.synack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.trace.TraceEvent;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Delayed ACK (RFC 1122 §4.2.3.2, RFC 5681 §4.2, as Linux): quick ACKs while the data starts, then
 * an ACK for every second full-sized segment, a lone segment acknowledged when the 40 ms timer
 * fires (or by our next segment), and out-of-order data acknowledged at once.
 */
class DelayedAckTest {
  private static final TcpConfig PLAIN = EngineScript.PLAIN;
  private static final long MS = 1_000_000L;
  private static final int SEGMENT = 1000;

  /**
   * Injects {@code count} full segments from RCV.NXT {@code seq} on, each acknowledged at once
   * (quick-ACK mode); returns the next seq.
   */
  private static int quickPhase(EngineScript s, int seq, int count) {
    for (int i = 0; i < count; i++) {
      s.injectText(".", seq, 1001, "q".repeat(SEGMENT));
      seq += SEGMENT;
      s.expect(".", 1001, seq);
    }
    return seq;
  }

  @Nested
  class Established {
    @Test
    void dataStarts_first16SegmentsAckedAtOnce_thenEverySecond() {
      EngineScript s = EngineScript.established(PLAIN);
      int seq = quickPhase(s, 5001, DelayedAck.MAX_QUICK_ACKS);
      s.injectText(".", seq, 1001, "a".repeat(SEGMENT));
      s.expectNothing(); // one full-sized segment: the ACK may wait
      s.injectText(".", seq + SEGMENT, 1001, "b".repeat(SEGMENT));
      s.expect(".", 1001, seq + 2 * SEGMENT); // the second: ACK now
      s.injectText(".", seq + 2 * SEGMENT, 1001, "c".repeat(SEGMENT));
      s.expectNothing();
      s.injectText(".", seq + 3 * SEGMENT, 1001, "d".repeat(SEGMENT));
      s.expect(".", 1001, seq + 4 * SEGMENT);
    }

    @Test
    void loneSegment_ackedWhenTheTimerFires40msLater() {
      EngineScript s = EngineScript.established(PLAIN);
      int seq = quickPhase(s, 5001, DelayedAck.MAX_QUICK_ACKS);
      long sent = s.now();
      s.injectText("P.", seq, 1001, "lone");
      s.expectNothing();
      assertEquals(sent + 40 * MS, s.fireNextTimer());
      s.expect(".", 1001, seq + 4);
      assertEquals(
          List.of("set", "fired"),
          s.trace.events().stream()
              .filter(e -> e instanceof TraceEvent.Timer t && t.timer().equals("DELACK"))
              .map(e -> ((TraceEvent.Timer) e).action())
              .toList());
    }

    @Test
    void quickAckOption_sendsTheAckTheTimerHoldsAndTheNextOnesAtOnce() {
      EngineScript s = EngineScript.established(PLAIN);
      int seq = quickPhase(s, 5001, DelayedAck.MAX_QUICK_ACKS);
      s.injectText("P.", seq, 1001, "lone");
      s.expectNothing();
      s.conn().options().quickAck(s.now()); // Linux's setsockopt(TCP_QUICKACK, 1)
      s.expect(".", 1001, seq + 4);
      s.injectText("P.", seq + 4, 1001, "next");
      s.expect(".", 1001, seq + 8); // quick-ACK mode again: no 40 ms wait
    }

    @Test
    void timerRunning_keepsItsFirstDeadline() {
      EngineScript s = EngineScript.established(PLAIN);
      int seq = quickPhase(s, 5001, DelayedAck.MAX_QUICK_ACKS);
      long first = s.now();
      s.injectText(".", seq, 1001, "x");
      s.advance(Duration.ofMillis(30));
      s.injectText(".", seq + 1, 1001, "y");
      s.expectNothing();
      assertEquals(first + 40 * MS, s.fireNextTimer(), "no ACK waits longer than 40 ms");
      s.expect(".", 1001, seq + 2);
    }

    @Test
    void ourDataCarriesTheAck_timerCancelled() {
      EngineScript s = EngineScript.established(PLAIN);
      int seq = quickPhase(s, 5001, DelayedAck.MAX_QUICK_ACKS);
      s.injectText("P.", seq, 1001, "request");
      s.send("response");
      s.expect("P.", 1001, seq + 7); // the response acknowledges the request
      assertTrue(
          s.trace.events().stream()
              .anyMatch(
                  e ->
                      e instanceof TraceEvent.Timer t
                          && t.timer().equals("DELACK")
                          && t.action().equals("cancelled")),
          s.trace.dump());
      s.inject(".", seq + 7, 1009);
      s.expectNothing();
      assertEquals(
          Long.MAX_VALUE, s.conn().timers.nextProtocolDeadline(), "no ACK left to send, no timer");
    }

    @Test
    void outOfOrderSegment_ackedAtOnceEvenAfterTheQuickPhase() {
      EngineScript s = EngineScript.established(PLAIN);
      int seq = quickPhase(s, 5001, DelayedAck.MAX_QUICK_ACKS);
      s.injectText(".", seq + SEGMENT, 1001, "z".repeat(SEGMENT));
      s.expect(".", 1001, seq);
      s.injectText(".", seq, 1001, "y".repeat(SEGMENT)); // fills the hole
      s.expect(".", 1001, seq + 2 * SEGMENT);
    }

    @Test
    void idleLongerThanTheRto_quickAcksAgain() {
      EngineScript s = EngineScript.established(PLAIN);
      int seq = quickPhase(s, 5001, DelayedAck.MAX_QUICK_ACKS);
      s.advance(Duration.ofSeconds(2));
      s.injectText(".", seq, 1001, "w".repeat(SEGMENT));
      s.expect(".", 1001, seq + SEGMENT);
    }

    @Test
    void retransmittedData_quickAcksAgain() {
      EngineScript s = EngineScript.established(PLAIN);
      int seq = quickPhase(s, 5001, DelayedAck.MAX_QUICK_ACKS);
      s.injectText(
          ".", seq - SEGMENT, 1001, "q".repeat(SEGMENT)); // our last ACK was lost: the peer resends
      s.expect(".", 1001, seq);
      s.injectText(".", seq, 1001, "n".repeat(SEGMENT));
      s.expect(".", 1001, seq + SEGMENT);
    }

    @Test
    void delayedAckOff_everySegmentAckedAtOnce() {
      EngineScript s = EngineScript.established(PLAIN.withDelayedAck(false, Duration.ofMillis(40)));
      int seq = quickPhase(s, 5001, DelayedAck.MAX_QUICK_ACKS + 5);
      assertEquals(5001 + (DelayedAck.MAX_QUICK_ACKS + 5) * SEGMENT, seq);
      assertEquals(Long.MAX_VALUE, s.conn().pollTimeout());
    }
  }

  @Nested
  class Scenario {
    /** "The receiver acknowledges every second segment; a lone segment waits 40 ms for its ACK." */
    @Test
    void pair_bulkThenLoneSegment_ackEverySecondThenTimer() {
      EnginePair p = EnginePair.established(TcpConfig.defaults());
      int segments = 60;
      p.send(p.client(), "b".repeat(segments * 1448));
      p.run();
      assertEquals(segments * 1448, p.read(p.server()).length());
      List<TraceEvent.Segment> acks = serverSends(p);
      // 16 quick ACKs, then one per two segments.
      assertEquals(
          DelayedAck.MAX_QUICK_ACKS + (segments - DelayedAck.MAX_QUICK_ACKS) / 2,
          acks.size(),
          p.trace.dump());
      p.run(); // reading opened the window: the server says so at once
      int before = serverSends(p).size();
      assertEquals(acks.size() + 1, before);
      long sent = p.now();
      p.send(p.client(), "lone");
      p.run();
      assertEquals(before, serverSends(p).size(), "the lone segment is not acknowledged yet");
      p.fireNextTimer();
      assertEquals(40 * MS, p.now() - sent, "the delayed-ACK timer");
      assertEquals(before + 1, serverSends(p).size());
      assertEquals(1001 + segments * 1448 + 4, serverSends(p).getLast().segment().ack());
    }

    private List<TraceEvent.Segment> serverSends(EnginePair p) {
      return p.trace.events().stream()
          .filter(
              e ->
                  e instanceof TraceEvent.Segment seg
                      && seg.host().equals("server")
                      && seg.action() == TraceEvent.SegmentAction.SEND
                      && seg.segment().len() == 0
                      && seg.segment().ack() > 1001)
          .map(e -> (TraceEvent.Segment) e)
          .toList();
    }
  }
}
