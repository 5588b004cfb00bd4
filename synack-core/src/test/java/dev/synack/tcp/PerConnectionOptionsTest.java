package dev.synack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.wire.TcpSegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Options set on one connection (Linux's per-socket {@code setsockopt}), each by what it changes on
 * the wire or in the connection's life, in virtual time against a scripted peer.
 */
class PerConnectionOptionsTest {
  private static final TcpConfig CFG = EngineScript.PLAIN;

  static List<TcpSegment> drain(EngineScript s) {
    List<TcpSegment> out = new ArrayList<>();
    for (TcpSegment seg; (seg = s.conn().pollTransmit(s.now())) != null; ) out.add(seg);
    return out;
  }

  static TcpError closeError(EngineScript s) {
    for (ConnectionEvent e : s.drainEvents())
      if (e instanceof ConnectionEvent.Closed(var error)) return error;
    return null;
  }

  @Test
  void userTimeout_unacknowledgedDataAbortsTheConnectionAtTheGivenTime() {
    EngineScript s = EngineScript.established(CFG);
    s.conn().options().setUserTimeout(Duration.ofSeconds(3), s.now());
    assertEquals(Duration.ofSeconds(3), s.conn().options().userTimeout());
    s.send("hello");
    s.expect("P.", 1001, 5001);
    s.advance(Duration.ofMillis(2999));
    drain(s);
    s.assertState(TcpState.ESTABLISHED);
    s.advance(Duration.ofMillis(1));
    s.assertState(TcpState.CLOSED);
    assertEquals(TcpError.CONNECTION_ABORTED_USER_TIMEOUT, closeError(s));
  }

  @Test
  void userTimeout_setWhileDataIsInFlight_countsFromThenAndZeroTurnsItOff() {
    EngineScript s = EngineScript.established(CFG);
    s.send("hello");
    s.expect("P.", 1001, 5001);
    s.advance(Duration.ofSeconds(2));
    s.conn().options().setUserTimeout(Duration.ofSeconds(5), s.now());
    s.advance(Duration.ofMillis(4999));
    s.assertState(TcpState.ESTABLISHED);
    s.conn().options().setUserTimeout(Duration.ZERO, s.now());
    s.advance(Duration.ofSeconds(10));
    s.assertState(TcpState.ESTABLISHED); // R2's 15 retransmissions take far longer
  }

  @Test
  void keepAliveTiming_probesAfterTheIdleTimeAtTheIntervalAndGivesUpAfterTheCount() {
    EngineScript s = EngineScript.established(CFG);
    s.conn().setKeepAlive(true, s.now());
    s.conn()
        .options()
        .setKeepAliveTiming(Duration.ofSeconds(10), Duration.ofSeconds(2), 2, s.now());
    s.advance(Duration.ofMillis(9999));
    s.expectNothing();
    s.advance(Duration.ofMillis(1));
    s.expect(".", 1000, 5001); // a keep-alive: SND.UNA - 1
    s.advance(Duration.ofSeconds(2));
    s.expect(".", 1000, 5001);
    s.advance(Duration.ofSeconds(2));
    s.assertState(TcpState.CLOSED);
    assertEquals(TcpError.CONNECTION_TIMED_OUT, closeError(s));
    assertEquals(2, s.conn().options().keepAliveCount());
  }

  @Test
  void maxSegment_beforeTheSyn_isTheMssAnnounced() {
    EngineScript s = EngineScript.connect(CFG);
    s.conn().options().setMaxSegment(1000);
    assertEquals(1000, s.expect("S", 1000, 0).options().mss());
  }

  @Test
  void maxSegment_afterTheHandshake_capsTheSegmentsSent() {
    EngineScript s = EngineScript.established(CFG);
    assertEquals(536, s.conn().options().maxSegment(), "the peer sent no MSS option");
    s.conn().options().setMaxSegment(200);
    s.conn().setNoDelay(true);
    s.send("x".repeat(500));
    List<Integer> lengths = drain(s).stream().map(TcpSegment::payloadLength).toList();
    assertEquals(List.of(200, 200, 100), lengths);
    assertEquals(200, s.conn().options().maxSegment());
    assertThrows(IllegalArgumentException.class, () -> s.conn().options().setMaxSegment(87));
    assertTrue(s.conn().config().mss() >= 200);
  }

  @Test
  void notSentLowat_sendStopsAtTheLimitAndWritableFollowsWhenTheDataLeaves() {
    EngineScript s = EngineScript.established(CFG);
    s.conn().setNoDelay(true);
    s.conn().options().setNotSentLowat(1000);
    assertEquals(
        1000, s.send("x".repeat(5000)), "a SEND takes data up to the limit of unsent bytes");
    assertEquals(0, s.send("y"), "and nothing more while it waits unsent");
    s.drainEvents();
    assertEquals(List.of(536, 464), drain(s).stream().map(TcpSegment::payloadLength).toList());
    assertTrue(
        s.drainEvents().stream().anyMatch(e -> e instanceof ConnectionEvent.Writable),
        "sent: the writer may go on");
    assertEquals(1000, s.send("z".repeat(5000)));
    EngineScript plain = EngineScript.established(CFG);
    assertEquals(
        5000, plain.send("x".repeat(5000)), "without the option the send buffer is the only limit");
  }
}
