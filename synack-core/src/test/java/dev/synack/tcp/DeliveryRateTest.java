package dev.synack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Delivery-rate samples (draft-cheng-iccrg-delivery-rate-estimation) from a scoreboard's sends and
 * ACKs.
 */
class DeliveryRateTest {
  private static final long MS = 1_000_000L;

  private final Scoreboard board = new Scoreboard();
  private final DeliveryRate rate = new DeliveryRate();
  private static final Scoreboard.DeliveryListener NONE = (s, e, t, r) -> {};

  DeliveryRateTest() {
    board.rate(rate);
  }

  @Test
  void steadyFlow_rateIsBytesOverTheAckInterval() {
    // Ten segments of 1000 B sent 1 ms apart from t = 0; each ACKed 20 ms after it left.
    for (int i = 0; i < 10; i++) board.append(i * 1000, (i + 1) * 1000, i * MS, false);
    RateSample first = null;
    RateSample last = null;
    for (int i = 0; i < 10; i++) {
      board.ackUpTo((i + 1) * 1000, NONE);
      RateSample rs = rate.generate(1000, 0, 10_000 - i * 1000, 9000 - i * 1000, (20 + i) * MS);
      if (i == 0) first = rs;
      last = rs;
    }
    // The first: 1000 B over max(send 0 ms, ack 20 ms since the flight began).
    assertEquals(1000, first.delivered());
    assertEquals(20 * MS, first.interval());
    assertEquals(20 * MS, first.rtt());
    // The last: 10 segments delivered since the first's snapshot (delivered 0 at t 0), over 29 ms.
    assertEquals(10_000, last.delivered());
    assertEquals(29 * MS, last.interval());
    assertEquals(10_000 * 1e9 / (29 * MS), last.rate(), 1e-6);
    assertEquals(10_000, last.totalDelivered());
  }

  @Test
  void sendIntervalLonger_usesIt() {
    // A (sent at 0) is acknowledged at 20 ms; C (sent at 1 ms) stays out; B leaves at 30 ms and is
    // SACKed at 40 ms. B's send phase began when A was sent (30 ms), its ACK phase at A's delivery
    // (20 ms): the longer one bounds the rate (§3.3), so that a sender's burst is not taken for the
    // path's rate.
    board.append(0, 1000, 0, false);
    board.append(1000, 2000, MS, false);
    board.ackUpTo(1000, NONE);
    rate.generate(1000, 0, 2000, 1000, 20 * MS);
    board.append(2000, 3000, 30 * MS, false);
    board.sack(2000, 3000, NONE);
    RateSample rs = rate.generate(1000, 0, 2000, 1000, 40 * MS);
    assertEquals(30 * MS, rs.interval());
    assertEquals(1000, rs.delivered());
    assertEquals(10 * MS, rs.rtt());
  }

  @Test
  void appLimited_marksSamplesUntilWhatWasInFlightIsDelivered() {
    rate.markAppLimited(0);
    board.append(0, 1000, 0, false);
    board.ackUpTo(1000, NONE);
    RateSample rs = rate.generate(1000, 0, 1000, 0, 20 * MS);
    assertTrue(rs.appLimited());
    assertFalse(rate.appLimited(), "the mark (delivered + in flight = 1) was passed");
    board.append(1000, 2000, 20 * MS, false);
    board.ackUpTo(2000, NONE);
    assertFalse(rate.generate(1000, 0, 1000, 0, 40 * MS).appLimited());
  }

  @Test
  void intervalBelowTheMinimumRtt_noRate() {
    board.append(0, 1000, 0, false);
    board.ackUpTo(1000, NONE);
    assertTrue(rate.generate(1000, 0, 1000, 0, 20 * MS).hasRate());
    // A new flight at 100 ms, its one segment resent at 101 ms and acknowledged at 105 ms: no RTT
    // sample (Karn), and 5 ms is below the minimum RTT of 20 ms: the rate would be overstated
    // (§3.3).
    board.append(1000, 2000, 100 * MS, false);
    board.onRetransmitted(0, 101 * MS);
    board.ackUpTo(2000, NONE);
    RateSample rs = rate.generate(1000, 0, 1000, 0, 105 * MS);
    assertFalse(rs.hasRate(), rs.toString());
    assertEquals(-1, rs.rtt());
  }

  @Test
  void bbr3Snapshots_inFlightAtSend_andLossAndMarksSinceSend() {
    // Three segments; the second is marked lost after the third leaves and the first is
    // acknowledged; then a fourth leaves, and its SACK, which reports a segment CE-marked, gives
    // the
    // sample.
    for (int i = 0; i < 3; i++) board.append(i * 1000, (i + 1) * 1000, i * MS, false);
    board.markLost(1);
    board.ackUpTo(1000, NONE);
    RateSample first = rate.generate(1000, 1000, 3000, 1000, 20 * MS);
    assertEquals(1000, first.txInFlight(), "the first left alone: 1000 B in flight after it");
    assertEquals(1000, first.lostSinceSent(), "the second was lost after the first left");
    board.append(3000, 4000, 21 * MS, false);
    board.sack(3000, 4000, NONE);
    RateSample rs = rate.generate(1000, 0, 2000, 1000, 1000, 41 * MS);
    // In flight after the fourth left: the third and the fourth (the second is lost, the first
    // acknowledged) = RFC 6675's pipe.
    assertEquals(2000, rs.txInFlight());
    assertEquals(0, rs.lostSinceSent(), "nothing lost since the fourth left");
    assertEquals(1000, rs.ceMarked());
    assertEquals(1000, rs.ceSinceSent(), "the mark came after the fourth left");
    assertEquals(1000, rate.lost());
    assertEquals(1000, rate.deliveredCe());
  }
}
