package dev.synack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.time.Duration;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The window we offer (RFC 9293 §3.8.6.2.2): its right edge never moves left, and it moves right
 * only by a worthwhile amount, at least the smaller of half the buffer and a full segment
 * (receiver-side silly window avoidance, MUST-39).
 */
class ReceiveWindowTest {
  /** Every segment acknowledged at once, so that each ACK shows the window. */
  private static final TcpConfig SMALL =
      EngineScript.PLAIN.withBuffers(4000, 4000).withDelayedAck(false, Duration.ofMillis(40));

  @Nested
  class Established {
    @Test
    void windowClosed_readingAFewBytes_staysClosed_readingASegmentsWorth_opens() {
      EngineScript s = EngineScript.established(SMALL);
      for (int seq = 5001; seq < 9001; seq += 500) {
        s.injectText(".", seq, 1001, "w".repeat(500));
        s.expect(".", 1001, seq + 500);
      }
      s.conn().receive(ByteBuffer.allocate(100), s.now());
      s.expectNothing(); // no window update for 100 bytes
      s.injectText(".", 9001, 1001, "x"); // a zero-window probe
      assertEquals(
          0,
          s.expect(".", 1001, 9001).window(),
          "the window stays shut: 100 bytes would be a silly window");
      s.conn()
          .receive(
              ByteBuffer.allocate(500), s.now()); // 600 free: more than the peer's 536-byte segment
      assertEquals(600, s.expect(".", 1001, 9001).window());
    }

    @Test
    void dataArrivesUnread_rightEdgeStays() {
      EngineScript s = EngineScript.established(SMALL);
      s.injectText(".", 5001, 1001, "a".repeat(1000));
      assertEquals(3000, s.expect(".", 1001, 6001).window(), "RCV.NXT + RCV.WND still 9001");
    }
  }
}
