package dev.synack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.trace.TraceEvent;
import dev.synack.wire.TcpSegment;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * When the sender sends: Nagle's algorithm coalescing small writes (RFC 896, RFC 9293 §3.7.4) and
 * its no-delay switch, sender-side silly window avoidance (RFC 9293 §3.8.6.2.1), and the persist
 * timer probing a zero window with backoff until it opens (RFC 9293 §3.8.6.1).
 */
class SendPolicyTest {
  private static final TcpConfig PLAIN = EngineScript.PLAIN;

  @Nested
  class Nagle {
    @Test
    void established_smallWritesWhileOneIsUnacknowledged_coalescedIntoOneSegment() {
      EngineScript s = EngineScript.established(PLAIN);
      s.send("G");
      assertEquals(
          "G",
          Seg.text(s.expect("P.", 1001, 5001)),
          "nothing in flight: the first small segment goes");
      s.send("E");
      s.send("T");
      s.send(" /");
      s.expectNothing(); // Nagle: a small segment is unacknowledged, the others wait
      s.tick(Duration.ofMillis(40));
      s.inject(".", 5001, 1002);
      assertEquals(
          "ET /", Seg.text(s.expect("P.", 1002, 5001)), "the ACK releases them as one segment");
    }

    @Test
    void established_fullSegment_notHeld() {
      EngineScript s = EngineScript.established(PLAIN);
      s.send("a");
      s.expect("P.", 1001, 5001);
      s.send("b".repeat(536 + 10));
      assertEquals(536, s.expect(".", 1002, 5001).payloadLength(), "a full segment never waits");
      s.expectNothing(); // the 10 bytes left are small, behind an unacknowledged small segment
    }

    @Test
    void established_noDelay_smallWritesGoAtOnce() {
      EngineScript s = EngineScript.established(PLAIN.withNoDelay(true));
      assertTrue(s.conn().noDelay());
      s.send("G");
      s.expect("P.", 1001, 5001);
      s.send("E");
      assertEquals("E", Seg.text(s.expect("P.", 1002, 5001)));
    }

    @Test
    void established_noDelaySwitchedOn_heldDataGoes() {
      EngineScript s = EngineScript.established(PLAIN);
      s.send("G");
      s.expect("P.", 1001, 5001);
      s.send("ET");
      s.expectNothing();
      s.conn().setNoDelay(true);
      assertEquals("ET", Seg.text(s.expect("P.", 1002, 5001)));
    }

    @Test
    void established_closeAfterSmallWrite_finNotHeld() {
      EngineScript s = EngineScript.established(PLAIN);
      s.send("G");
      s.expect("P.", 1001, 5001);
      s.send("ET");
      s.conn().close(s.now());
      assertEquals(
          "ET",
          Seg.text(s.expect("FP.", 1002, 5001)),
          "a segment with the FIN is not held (Linux's tcp_nagle_test)");
    }
  }

  @Nested
  class Closing {
    @Test
    void peerFinWhileDataWaitsForCwnd_dataAndFinStillGo() {
      EngineScript s = EngineScript.established(PLAIN);
      s.send("h".repeat(20 * 536));
      s.conn().close(s.now());
      for (int i = 0; i < 10; i++)
        s.expect(".", 1001 + 536 * i, 5001); // the initial window; ten segments wait
      s.expectNothing();
      s.inject("F.", 5001, 1001); // the peer closes too: CLOSING, our FIN not even sent
      s.assertState(TcpState.CLOSING);
      s.expect(".", 1001 + 5360, 5002);
      s.inject(".", 5002, 1001 + 5360);
      int sent = 0;
      for (TcpSegment seg; (seg = s.conn().pollTransmit(s.now())) != null; )
        sent += seg.payloadLength();
      assertEquals(10 * 536, sent, "the rest goes in CLOSING, FIN last");
      s.inject(".", 5002, 1001 + 20 * 536 + 1);
      s.assertState(TcpState.TIME_WAIT);
    }
  }

  @Nested
  class ZeroWindow {
    @Test
    void established_zeroWindow_probedWithBackoffUntilItOpens() {
      EngineScript s = EngineScript.established(PLAIN);
      s.inject(Seg.of(80, 40000, ".", 5001, 1001, 0));
      s.send("c".repeat(100));
      s.expectNothing();
      long first = s.fireNextTimer();
      s.expect(".", 1000, 5001); // Linux's probe: SEQ = SND.UNA - 1, which the peer must answer
      s.inject(Seg.of(80, 40000, ".", 5001, 1001, 0));
      long second = s.fireNextTimer();
      s.expect(".", 1000, 5001);
      s.inject(Seg.of(80, 40000, ".", 5001, 1001, 0));
      long third = s.fireNextTimer();
      s.expect(".", 1000, 5001);
      assertEquals(2 * (second - first), third - second, "each probe waits twice as long");
      assertEquals(2 * first, second - first);
      s.inject(Seg.of(80, 40000, ".", 5001, 1001, 1000));
      assertEquals(
          100, s.expect("P.", 1001, 5001).payloadLength(), "the window opened: the data goes");
      s.assertState(TcpState.ESTABLISHED);
      List<String> persist =
          s.trace.events().stream()
              .filter(
                  e ->
                      e instanceof TraceEvent.Timer t
                          && t.timer().equals("PERSIST")
                          && t.action().equals("fired"))
              .map(TraceEvent::eventName)
              .toList();
      assertEquals(3, persist.size());
    }

    @Test
    void established_manyProbesAnswered_connectionStaysOpen() {
      EngineScript s = EngineScript.established(PLAIN.withRetries(6, 5, 3));
      s.inject(Seg.of(80, 40000, ".", 5001, 1001, 0));
      s.send("d".repeat(10));
      s.expectNothing();
      for (int i = 0; i < 10; i++) {
        s.fireNextTimer();
        s.expect(".", 1000, 5001);
        s.inject(Seg.of(80, 40000, ".", 5001, 1001, 0));
      }
      s.assertState(TcpState.ESTABLISHED);
      assertTrue(
          s.conn().pollTimeout() - s.now() <= TcpConfig.defaults().maxRto(),
          "the interval stops at the maximum RTO");
    }

    @Test
    void established_windowTooSmall_overrideTimeoutSendsWhatFits() {
      EngineScript s = EngineScript.established(PLAIN);
      s.inject(Seg.of(80, 40000, ".", 5001, 1001, 0));
      s.send("e".repeat(300));
      s.expectNothing();
      s.fireNextTimer();
      s.expect(".", 1000, 5001);
      s.inject(
          Seg.of(
              80, 40000, ".", 5001, 1001, 50)); // open, but a sliver: silly window avoidance waits
      s.expectNothing();
      s.fireNextTimer();
      assertEquals(
          50,
          s.expect(".", 1001, 5001).payloadLength(),
          "RFC 9293 §3.8.6.2.1 (4): the override timeout");
    }
  }
}
