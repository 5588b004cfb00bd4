package dev.synack.tcp;

import static dev.synack.tcp.LossRecoveryTest.block;
import static dev.synack.tcp.LossRecoveryTest.drain;
import static dev.synack.tcp.LossRecoveryTest.sackAck;
import static dev.synack.tcp.LossRecoveryTest.sackEstablished;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Proportional Rate Reduction in fast recovery (RFC 6937), on the RFC's own shape: a window of 20
 * segments loses its first one, and the other 19 are SACKed one ACK at a time. PRR spreads the
 * reduction over the ACKs (ssthresh/RecoverFS segments per segment delivered) instead of the
 * silence, then burst, of cwnd = ssthresh at once.
 */
class PrrTest {
  private static final Duration RTT = Duration.ofMillis(50);
  private static final TcpConfig SACK =
      TcpConfig.defaults().withTimestamps(false, 0).withWindowScale(false, 0);
  private static final int MSS = 1000;

  /** What the sender did on each of the 19 ACKs of the recovery, and the engine after them. */
  private record Recovery(EngineScript s, List<Integer> sentPerAck, int ssthresh) {
    int total() {
      return sentPerAck.stream().mapToInt(Integer::intValue).sum();
    }

    int totalOfFirst(int acks) {
      return sentPerAck.subList(0, acks).stream().mapToInt(Integer::intValue).sum();
    }
  }

  /**
   * Grows cwnd to 20 segments, then loses the first of the next 20 and SACKs the others one per
   * ACK. The first two SACKs let two new segments out (limited transmit, RFC 3042); the third makes
   * RACK give the hole up (three segments SACKed: no reordering window, RFC 8985 §6.2), so recovery
   * begins with FlightSize 22 segments and pipe 18 (22 less 3 SACKed and 1 lost), and its ACKs, the
   * one that began it included, are recorded until all 21 others are SACKed.
   */
  private static Recovery lose1Of20(String cc) {
    EngineScript s = sackEstablished(SACK.withCongestionControl(cc));
    s.send("d".repeat(100 * MSS));
    assertEquals(10, drain(s).size());
    s.tick(RTT);
    for (int i = 1; i <= 10; i++) {
      sackAck(s, 1001 + i * MSS);
      assertEquals(2, drain(s).size(), "slow start: two segments per segment acknowledged");
    }
    assertEquals(20 * MSS, s.conn().recovery.cwnd());
    s.tick(RTT);
    int lost = 11001;
    List<Integer> sent = new ArrayList<>();
    for (int k = 1; k <= 21; k++) {
      s.tick(
          Duration.ofMillis(
              1)); // the ACKs come spaced, as the segments they answer left a bottleneck
      sackAck(s, lost, block(lost + MSS, lost + MSS + k * MSS));
      LossRecoveryTest.Burst burst = drain(s);
      if (k < 3) {
        assertEquals(LossRecovery.Phase.DISORDER, s.conn().recovery.phase(), s.trace.dump());
        assertEquals(1, burst.size(), "limited transmit");
        continue;
      }
      if (k == 3) {
        assertEquals(LossRecovery.Phase.RECOVERY, s.conn().recovery.phase(), s.trace.dump());
        assertEquals(
            List.of((long) lost),
            burst.retransmitted(),
            "the fast retransmit first " + s.trace.dump());
      }
      sent.add(burst.size());
    }
    assertEquals(LossRecovery.Phase.RECOVERY, s.conn().recovery.phase());
    return new Recovery(s, sent, s.conn().recovery.congestionControl().ssthresh());
  }

  @Test
  void newReno_oneLossIn20_aboutOneSegmentPerTwoAcks() {
    Recovery r = lose1Of20("newreno");
    assertEquals(11 * MSS, r.ssthresh(), "RFC 5681: ssthresh = FlightSize / 2");
    // RFC 6937 §3: RecoverFS = pipe = 18 segments; once they are delivered (the 18 ACKs after the
    // one that began the recovery), CEIL(18 · 11 / 18) = 11 segments were sent, the retransmission
    // among them, and pipe = ssthresh.
    assertEquals(11, r.total(), "sent per ACK: " + r.sentPerAck() + r.s().trace.dump());
    assertTrue(r.sentPerAck().stream().allMatch(n -> n <= 1), "never a burst: " + r.sentPerAck());
    // Half-way, half of it went: cwnd = ssthresh at once would have sent only the retransmission
    // until pipe fell below 11 segments.
    assertEquals(
        6,
        r.totalOfFirst(10),
        "CEIL(9 · 11 / 18) by the ninth ACK after the first: " + r.sentPerAck());
    assertEquals(
        r.ssthresh(),
        r.s().conn().recovery.pipe(),
        "pipe reached ssthresh when the window was delivered");
    endsAtSsthresh(r);
  }

  @Test
  void cubic_oneLossIn20_aboutSevenSegmentsPerTenAcks() {
    Recovery r = lose1Of20("cubic");
    assertEquals(
        15, r.ssthresh() / MSS, "RFC 9438 §4.6: ssthresh = 0.7 · FlightSize, 15.4 segments");
    // Proportional while pipe > ssthresh, then the reduction bound keeps pipe at the 15 whole
    // segments that fit in ssthresh (15.4 segments).
    assertEquals(15, r.total(), "sent per ACK " + r.sentPerAck());
    assertTrue(r.sentPerAck().stream().allMatch(n -> n <= 1), "never a burst: " + r.sentPerAck());
    assertEquals(
        8,
        r.totalOfFirst(10),
        "CEIL(9 · 15.4 / 18) by the ninth ACK after the first: " + r.sentPerAck());
    endsAtSsthresh(r);
  }

  @Test
  void belowSsthresh_reductionBoundCatchesUpToSsthreshNotBeyond() {
    Recovery r = lose1Of20("newreno");
    EngineScript s = r.s();
    s.tick(RTT);
    // The hole is filled and what recovery sent arrives, all but its first segment: one ACK
    // delivers ten segments, RACK gives the missing one up, and pipe falls to nothing, below the
    // recovery point (33001) so that recovery goes on.
    int last = s.conn().snd.sndNxt;
    sackAck(s, 32001, block(34001, last));
    assertEquals(LossRecovery.Phase.RECOVERY, s.conn().recovery.phase(), s.trace.dump());
    assertEquals(0, s.conn().recovery.pipe());
    LossRecoveryTest.Burst burst = drain(s);
    // RFC 6937 §3, pipe =< ssthresh: sndcnt = MIN(ssthresh − pipe, MAX(prr_delivered − prr_out,
    // DeliveredData)), here 11 segments: the hole resent and ten new, and pipe is ssthresh again.
    assertEquals(List.of(33001L), burst.retransmitted(), s.trace.dump());
    assertEquals(r.ssthresh() / MSS, burst.size(), s.trace.dump());
    assertEquals(r.ssthresh(), s.conn().recovery.pipe());
  }

  private static void endsAtSsthresh(Recovery r) {
    EngineScript s = r.s();
    s.tick(RTT);
    sackAck(s, s.conn().snd.sndNxt);
    assertEquals(LossRecovery.Phase.OPEN, s.conn().recovery.phase());
    assertEquals(
        r.ssthresh(),
        s.conn().recovery.cwnd(),
        "RFC 6937 §3: cwnd = ssthresh when the recovery ends");
  }
}
