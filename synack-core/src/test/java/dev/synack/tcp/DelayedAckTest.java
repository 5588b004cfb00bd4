package dev.synack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

  /** {@code TCP_QUICKACK} both ways, as Linux's {@code __tcp_sock_set_quickack}. */
  @Nested
  class QuickAckOption {
    /**
     * Linux's rule for window updates after reads, and a receive buffer no larger than the unscaled
     * window (Linux's window_clamp without window scaling), so that a read of a few bytes sends no
     * window update.
     */
    private static final TcpConfig LINUX_READS =
        PLAIN
            .withBuffers(65535, PLAIN.sendBuffer())
            .withChoices(PLAIN.choices().withWindowUpdateWhenDoubled(true));

    /**
     * Returns an engine ESTABLISHED over a 100 ms round trip, with Linux's window updates: a read
     * of a few bytes right after they arrive then sends nothing of itself (no window update, no
     * auto-tuning step, which a round trip of 0 would take at every read).
     */
    private static EngineScript establishedForReads() {
      EngineScript s = EngineScript.connect(LINUX_READS);
      s.expect("S", 1000, 0);
      s.advance(Duration.ofMillis(100));
      s.inject("S.", 5000, 1001);
      s.expect(".", 1001, 5001);
      s.drainEvents();
      return s;
    }

    @Test
    void zero_theFirstDataWaitsForTheTimer_whichLeavesPingPongMode() {
      EngineScript s = EngineScript.established(PLAIN);
      assertTrue(s.conn().options().quickAck(), "getsockopt reads 1 until set");
      s.conn().options().setQuickAck(0, s.now());
      assertFalse(s.conn().options().quickAck());
      long sent = s.now();
      s.injectText("P.", 5001, 1001, "a".repeat(100));
      s.expectNothing(); // without ping-pong mode the first data is acknowledged at once
      assertEquals(sent + 40 * MS, s.fireNextTimer());
      s.expect(".", 1001, 5101);
      assertTrue(s.conn().options().quickAck(), "the timer had to send it: ping-pong mode left");
      s.injectText("P.", 5101, 1001, "b".repeat(100));
      s.expect(".", 1001, 5201); // the quick ACKs left go at once again
    }

    @Test
    void zero_everySecondFullSegmentIsStillAckedAtOnce() {
      EngineScript s = EngineScript.established(PLAIN);
      s.conn().options().setQuickAck(0, s.now());
      s.injectText(".", 5001, 1001, "a".repeat(SEGMENT));
      s.expectNothing();
      s.injectText(".", 5001 + SEGMENT, 1001, "b".repeat(SEGMENT));
      s.expect(".", 1001, 5001 + 2 * SEGMENT);
      assertFalse(s.conn().options().quickAck(), "no timer fired: still in ping-pong mode");
    }

    @Test
    void one_afterTheDataIsRead_sendsTheAckTheTimerHolds_andLeavesPingPongMode() {
      EngineScript s = establishedForReads();
      s.conn().options().setQuickAck(0, s.now());
      s.injectText("P.", 5001, 1001, "lone");
      s.expectNothing();
      assertEquals("lone", s.read());
      s.expectNothing();
      s.conn().options().setQuickAck(1, s.now()); // Linux's setsockopt(TCP_QUICKACK, 1)
      s.expect(".", 1001, 5005);
      assertTrue(s.conn().options().quickAck());
      s.injectText("P.", 5005, 1001, "next");
      s.expect(".", 1001, 5009); // quick ACKs no longer held back
    }

    @Test
    void one_withDataUnread_leavesTheAckToTheTimer() {
      EngineScript s = EngineScript.established(PLAIN);
      s.conn().options().setQuickAck(0, s.now());
      long sent = s.now();
      s.injectText("P.", 5001, 1001, "lone");
      s.conn().options().setQuickAck(1, s.now());
      // Linux's tcp_cleanup_rbuf sends it only once the receive queue is empty.
      s.expectNothing();
      assertEquals(sent + 40 * MS, s.fireNextTimer());
      s.expect(".", 1001, 5005);
    }

    @Test
    void two_sendsTheAckAndEntersPingPongModeAgain() {
      EngineScript s = establishedForReads();
      s.conn().options().setQuickAck(0, s.now());
      s.injectText("P.", 5001, 1001, "lone");
      assertEquals("lone", s.read());
      s.conn().options().setQuickAck(2, s.now()); // an even value: Linux's !(val & 1)
      s.expect(".", 1001, 5005);
      assertFalse(s.conn().options().quickAck());
      s.injectText("P.", 5005, 1001, "next");
      s.expectNothing();
    }

    @Test
    void retransmittedData_leavesPingPongMode() {
      EngineScript s = EngineScript.established(PLAIN);
      s.conn().options().setQuickAck(0, s.now());
      s.injectText(".", 5001, 1001, "a".repeat(SEGMENT));
      s.injectText(".", 5001 + SEGMENT, 1001, "b".repeat(SEGMENT));
      s.expect(".", 1001, 5001 + 2 * SEGMENT);
      s.injectText(".", 5001 + SEGMENT, 1001, "b".repeat(SEGMENT)); // our ACK was lost
      s.expect(".", 1001, 5001 + 2 * SEGMENT);
      assertTrue(s.conn().options().quickAck(), "Linux's tcp_enter_quickack_mode");
      s.injectText(".", 5001 + 2 * SEGMENT, 1001, "c".repeat(SEGMENT));
      s.expect(".", 1001, 5001 + 3 * SEGMENT);
    }
  }

  /**
   * A run of in-order segments taken before the caller polls (a driver's batch), answered once for
   * the run as Linux answers a GRO super-packet; anything else sends the owed ACK first.
   */
  @Nested
  class Runs {
    @Test
    void tenSegmentsTakenBeforeAPoll_oneAckForTheRun() {
      EngineScript s = EngineScript.established(PLAIN);
      int seq = 5001;
      for (int i = 0; i < 10; i++) {
        s.injectText(".", seq, 1001, "r".repeat(SEGMENT));
        seq += SEGMENT;
      }
      s.expect(".", 1001, seq);
      s.expectNothing();
    }

    @Test
    void runThenOutOfOrderSegment_owedAckLeavesBeforeTheDuplicate() {
      EngineScript s = EngineScript.established(PLAIN);
      int seq = quickPhase(s, 5001, DelayedAck.MAX_QUICK_ACKS);
      s.injectText(".", seq, 1001, "a".repeat(SEGMENT));
      s.injectText(".", seq + SEGMENT, 1001, "b".repeat(SEGMENT)); // the ACK is due
      s.injectText(".", seq + 3 * SEGMENT, 1001, "d".repeat(SEGMENT)); // a hole before it
      s.expect(".", 1001, seq + 2 * SEGMENT); // the run's ACK
      s.expect(".", 1001, seq + 2 * SEGMENT); // the duplicate ACK for the out-of-order segment
      s.expectNothing();
    }

    @Test
    void runThenFin_owedAckLeavesFirst() {
      EngineScript s = EngineScript.established(PLAIN);
      int seq = quickPhase(s, 5001, DelayedAck.MAX_QUICK_ACKS);
      s.injectText(".", seq, 1001, "a".repeat(SEGMENT));
      s.injectText(".", seq + SEGMENT, 1001, "b".repeat(SEGMENT));
      s.inject("F.", seq + 2 * SEGMENT, 1001);
      s.expect(".", 1001, seq + 2 * SEGMENT);
      s.expect(".", 1001, seq + 2 * SEGMENT + 1);
    }
  }

  @Nested
  class Scenario {
    /**
     * "Segments carried a flight at a time are acknowledged once per flight, at most 64 KiB per
     * ACK; quick-ACK mode lasts its 16 ACKs."
     */
    @Test
    void pair_bulkThenLoneSegment_ackPerFlightThenQuickAck() {
      // The first flight fills the SYN-ACK's unscaled window (45 segments); with 512 KiB buffers
      // and an initial window of 50 segments the next is 95 segments, more than 64 KiB.
      EnginePair p =
          EnginePair.established(
              TcpConfig.defaults().withInitialCwnd(50).withBuffers(512 * 1024, 512 * 1024));
      int segments = 200;
      p.send(p.client(), "b".repeat(segments * 1448));
      p.run();
      assertEquals(segments * 1448, p.read(p.server()).length());
      List<TraceEvent.Segment> acks = serverSends(p);
      // EnginePair hands over each flight before it polls: a flight of up to 64 KiB is answered by
      // one ACK of all of it; a longer one by an ACK per 64 KiB at most.
      int checked = 0;
      int longFlights = 0;
      List<TraceEvent.SegmentInfo> flight = new java.util.ArrayList<>();
      List<TraceEvent.SegmentInfo> answers = new java.util.ArrayList<>();
      List<TraceEvent.Segment> events = new java.util.ArrayList<>();
      for (TraceEvent e : p.trace.events())
        if (e instanceof TraceEvent.Segment seg && seg.host().equals("server")) events.add(seg);
      events.add(null); // closes the last flight
      for (TraceEvent.Segment seg : events) {
        boolean data =
            seg != null && seg.action() == TraceEvent.SegmentAction.RECV && seg.segment().len() > 0;
        if (seg == null || (data && !answers.isEmpty())) {
          long bytes = flight.stream().mapToLong(TraceEvent.SegmentInfo::len).sum();
          if (flight.size() >= 2 && bytes <= AckPolicy.RUN_BYTES) {
            TraceEvent.SegmentInfo last = flight.getLast();
            assertEquals(1, answers.size(), "ACKs of a flight of " + flight.size());
            assertEquals(last.seq() + last.len(), answers.getFirst().ack());
            checked++;
          } else if (bytes > AckPolicy.RUN_BYTES) {
            assertTrue(answers.size() >= 2, "ACKs of a flight of " + bytes + " bytes");
            longFlights++;
          }
          flight.clear();
          answers.clear();
        }
        if (seg == null) break;
        if (data) flight.add(seg.segment());
        else if (seg.action() == TraceEvent.SegmentAction.SEND && !flight.isEmpty())
          answers.add(seg.segment());
      }
      assertTrue(
          checked >= 1, "flights of up to 64 KiB checked: " + checked + "\n" + p.trace.dump());
      assertTrue(longFlights >= 2, "flights over 64 KiB: " + longFlights + "\n" + p.trace.dump());
      for (int i = 1; i < acks.size(); i++) {
        long acked = acks.get(i).segment().ack() - acks.get(i - 1).segment().ack();
        assertTrue(acked <= AckPolicy.RUN_BYTES, "one ACK for " + acked + " bytes");
      }
      p.run(); // reading opened the window: the server says so at once
      int before = serverSends(p).size();
      assertEquals(acks.size() + 1, before);
      // Quick-ACK mode counts ACKs sent, not segments (Linux's tcp_dec_quickack_mode): the flights
      // took fewer than its 16, so a lone segment is still acknowledged at once (once they are
      // used up it waits 40 ms: Established#loneSegment_ackedWhenTheTimerFires40msLater).
      assertTrue(before < DelayedAck.MAX_QUICK_ACKS, before + " ACKs");
      p.send(p.client(), "lone");
      p.run();
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
