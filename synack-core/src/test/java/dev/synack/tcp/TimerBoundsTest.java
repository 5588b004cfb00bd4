package dev.synack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.trace.TraceEvent;
import java.time.Duration;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Timers that must end: the persist interval saturates at the maximum RTO (issue 12: it overflowed
 * past an RTO of 8.6 s and the deadline fell in the past), unanswered zero-window probes give up
 * after R2 (Linux's {@code tcp_probe_timer}), and retransmissions give up after Linux's time bound
 * ({@code retransmits_timed_out}), in every state that retransmits.
 */
class TimerBoundsTest {
  private static final long MS = 1_000_000L;
  private static final long S = 1_000 * MS;
  private static final TcpConfig PLAIN = EngineScript.PLAIN;

  /** An RTO of 10 s or more: past the 8.6 s where {@code rto << 30} overflowed. */
  private static final TcpConfig SLOW_PATH =
      PLAIN.withRto(Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofSeconds(120));

  private static void zeroWindow(EngineScript s) {
    s.inject(Seg.of(80, 40000, ".", 5001, 1001, 0));
  }

  private static TcpError closedWith(EngineScript s) {
    return s.drainEvents().stream()
        .filter(e -> e instanceof ConnectionEvent.Closed)
        .map(e -> ((ConnectionEvent.Closed) e).error())
        .findFirst()
        .orElseThrow(() -> new AssertionError("no Closed event\n" + s.trace.dump()));
  }

  private static long fired(EngineScript s, String timer) {
    return s.trace.events().stream()
        .filter(
            e ->
                e instanceof TraceEvent.Timer t
                    && t.timer().equals(timer)
                    && t.action().equals("fired"))
        .count();
  }

  @Nested
  class Persist {
    @Test
    void persistTimeout_backoffPastOverflow_saturatesAtMaxRto() {
      EngineScript s = EngineScript.established(SLOW_PATH);
      // The field is a byte (it stops growing at Long.SIZE): its whole range past the overflow.
      for (byte backoff : new byte[] {0, 1, 4, 29, 30, 31, 62, 63, 64, Byte.MAX_VALUE}) {
        s.conn().snd.persistBackoff = backoff;
        long interval = s.conn().persistTimeout();
        assertTrue(
            interval >= 10 * S && interval <= 120 * S, "backoff " + backoff + ": " + interval);
      }
      s.conn().snd.persistBackoff = 30;
      assertEquals(
          120 * S,
          s.conn().persistTimeout(),
          "10 s << 30 overflowed a long; Linux caps at TCP_RTO_MAX");
    }

    @Test
    void
        established_slowPathProbesAnsweredWithZeroWindow_intervalsStopAtMaxRtoAndConnectionStays() {
      EngineScript s = EngineScript.established(SLOW_PATH);
      zeroWindow(s);
      s.send("d".repeat(10));
      s.expectNothing();
      for (int i = 0; i < 40; i++) {
        long before = s.now();
        long deadline = s.conn().pollTimeout();
        assertTrue(
            deadline > before && deadline - before <= 120 * S,
            "probe " + i + ": deadline " + deadline + " at " + before);
        s.fireNextTimer();
        s.expect(".", 1000, 5001);
        s.expectNothing();
        zeroWindow(s); // MUST-36: an answered probe keeps the connection open
      }
      s.assertState(TcpState.ESTABLISHED);
      assertEquals(40, fired(s, "PERSIST"));
    }

    @Test
    void established_probesUnanswered_closesTimedOutAfterRetries2Probes() {
      EngineScript s = EngineScript.established(PLAIN);
      zeroWindow(s);
      s.send("d".repeat(10));
      s.expectNothing();
      for (int i = 0; i < 15; i++) {
        s.fireNextTimer();
        s.expect(".", 1000, 5001);
      }
      s.assertState(TcpState.ESTABLISHED);
      s.fireNextTimer();
      s.expectNothing();
      s.assertState(TcpState.CLOSED);
      assertEquals(TcpError.CONNECTION_TIMED_OUT, closedWith(s));
      assertTrue(s.trace.dump().contains("zero-window probes: 15 unanswered"), s.trace.dump());
    }

    @Test
    void established_probesAnsweredNowAndThen_countStartsAgain() {
      EngineScript s = EngineScript.established(PLAIN);
      zeroWindow(s);
      s.send("d".repeat(10));
      s.expectNothing();
      for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 10; i++) {
          s.fireNextTimer();
          s.expect(".", 1000, 5001);
        }
        zeroWindow(s);
      }
      s.assertState(TcpState.ESTABLISHED);
    }

    @Test
    void established_probesWithUserTimeout_closeOnceItPassed() {
      EngineScript s = EngineScript.established(PLAIN.withUserTimeout(Duration.ofSeconds(10)));
      zeroWindow(s);
      s.send("d".repeat(10));
      s.expectNothing();
      long start = s.now();
      while (s.conn().state() == TcpState.ESTABLISHED) {
        s.fireNextTimer();
        s.conn().pollTransmit(s.now());
        zeroWindow(s); // answered: only the user timeout ends it (Linux's icsk_probes_tstamp)
      }
      assertEquals(TcpError.CONNECTION_ABORTED_USER_TIMEOUT, closedWith(s));
      assertTrue(
          s.now() - start >= 10 * S && s.now() - start < 30 * S,
          "closed at " + (s.now() - start) / MS + " ms");
    }
  }

  @Nested
  class Retransmission {
    @Test
    void retransmissionBound_isLinuxModelTimeout() {
      assertEquals(924_600 * MS, TimeMath.retransmissionBound(15, 200 * MS, 120 * S));
      assertEquals(127 * S, TimeMath.retransmissionBound(6, 1 * S, 120 * S));
      assertEquals(3 * S, TimeMath.retransmissionBound(1, 1 * S, 120 * S));
      assertEquals(Long.MAX_VALUE, TimeMath.retransmissionBound(255, 1, Long.MAX_VALUE / 2));
    }

    /**
     * Linux's default: with RTO 200 ms the 16th expiry comes at 924.6 s, and the connection times
     * out there.
     */
    @Test
    void established_dataNeverAcknowledged_timesOutAtLinuxBound() {
      EngineScript s = EngineScript.established(PLAIN);
      s.send("x");
      s.expect("P.", 1001, 5001);
      long start = s.now();
      int resent = 0;
      while (s.conn().state() == TcpState.ESTABLISHED) {
        s.fireNextTimer();
        if (s.conn().pollTransmit(s.now()) != null) resent++;
      }
      assertEquals(TcpError.CONNECTION_TIMED_OUT, closedWith(s));
      assertEquals(15, resent);
      long took = s.now() - start;
      assertTrue(
          took >= 924_600 * MS && took < 924_601 * MS,
          "924.6 s (RTO 200 ms and SRTT's nanosecond): " + took);
    }

    /**
     * An RTT of 5 s (RTO 15 s): Linux gives up at the time bound, after fewer retransmissions than
     * the count.
     */
    @Test
    void established_longRtt_timesOutByTimeBeforeTheCount() {
      EngineScript s = longRtt(PLAIN);
      s.send("x");
      s.expect("P.", 1001, 5001);
      long start = s.now();
      int resent = 0;
      while (s.conn().state() == TcpState.ESTABLISHED) {
        s.fireNextTimer();
        if (s.conn().pollTransmit(s.now()) != null) resent++;
      }
      assertEquals(TcpError.CONNECTION_TIMED_OUT, closedWith(s));
      // Expiries at 15, 45, 105, 225, 345 ... 825, 945 s: the tenth is past 924.6 s.
      assertEquals(9, resent);
      assertEquals(945 * S, s.now() - start);
    }

    @Test
    void established_longRttCountedAsFreeBsd_triesTheFullCount() {
      EngineScript s =
          longRtt(PLAIN.withChoices(PLAIN.choices().withRetransmissionsBoundedInTime(false)));
      s.send("x");
      s.expect("P.", 1001, 5001);
      int resent = 0;
      while (s.conn().state() == TcpState.ESTABLISHED) {
        s.fireNextTimer();
        if (s.conn().pollTransmit(s.now()) != null) resent++;
      }
      assertEquals(15, resent);
    }

    @Test
    void finWait1_finNeverAcknowledged_timesOut() {
      EngineScript s = EngineScript.established(PLAIN);
      s.conn().close(s.now());
      s.expect("F.", 1001, 5001);
      assertGivesUp(s, TcpState.FIN_WAIT_1, 15);
    }

    @Test
    void lastAck_finNeverAcknowledged_timesOut() {
      EngineScript s = EngineScript.established(PLAIN);
      s.inject("F.", 5001, 1001);
      s.expect(".", 1001, 5002);
      s.conn().close(s.now());
      s.expect("F.", 1001, 5002);
      assertGivesUp(s, TcpState.LAST_ACK, 15);
    }

    @Test
    void synSent_neverAnswered_givesUpAfterSixRetriesAt127s() {
      EngineScript s = EngineScript.connect(PLAIN);
      s.expect("S", 1000, 0);
      assertGivesUp(s, TcpState.SYN_SENT, 6);
      assertEquals(127 * S, s.now());
    }

    /**
     * Returns an engine ESTABLISHED over a path whose SYN took 5 s to be answered: SRTT 5 s, RTO 15
     * s.
     */
    private EngineScript longRtt(TcpConfig cfg) {
      EngineScript s = EngineScript.connect(cfg);
      s.expect("S", 1000, 0);
      s.tick(Duration.ofSeconds(5));
      s.inject("S.", EngineScript.PEER_ISS, 1001);
      s.expect(".", 1001, 5001);
      s.drainEvents();
      assertEquals(15 * S, s.conn().rtt.rto(s.conn().cfg));
      return s;
    }

    private void assertGivesUp(EngineScript s, TcpState state, int tries) {
      int resent = 0;
      while (s.conn().state() == state) {
        s.fireNextTimer();
        if (s.conn().pollTransmit(s.now()) != null) resent++;
      }
      s.assertState(TcpState.CLOSED);
      assertEquals(TcpError.CONNECTION_TIMED_OUT, closedWith(s));
      assertEquals(tries, resent);
    }
  }
}
