package dev.synack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@code TCP_CORK} as Linux does it: partial segments wait while corked, full ones and the FIN's
 * go, the probe timer's 200 ms is the ceiling when nothing is in flight, and uncorking (or {@code
 * TCP_NODELAY}) pushes what waits. Against a scripted peer whose MSS is 536, in virtual time.
 */
class CorkTest {
  private static final TcpConfig CFG = EngineScript.PLAIN;

  @Test
  void corked_fullSegmentsGoAndThePartialTailWaitsUntilUncorked() {
    EngineScript s = EngineScript.established(CFG);
    s.conn().options().setCork(true);
    assertTrue(s.conn().options().cork());
    s.send("x".repeat(600));
    assertEquals(536, s.expect(".", 1001, 5001).payloadLength());
    s.expectNothing(); // uncorked, Minshall's Nagle would let the 64-byte tail go: the first
    // segment was full
    s.conn().options().setCork(false);
    assertEquals(64, s.expect("P.", 1537, 5001).payloadLength());
  }

  @Test
  void corked_withNothingInFlight_thePartialSegmentGoesAtTheProbeTimersCeilingOf200ms() {
    EngineScript s =
        EngineScript.established(CFG); // the handshake's RTT sample is ~0: RTO = SRTT + 200 ms
    s.conn().options().setCork(true);
    s.send("hello");
    s.expectNothing();
    s.advance(Duration.ofMillis(200));
    s.expectNothing();
    s.advance(Duration.ofMillis(1));
    assertEquals(5, s.expect("P.", 1001, 5001).payloadLength());
  }

  @Test
  void corked_writesGatherIntoOneSegment() {
    EngineScript s = EngineScript.established(CFG);
    s.conn().setNoDelay(true);
    s.conn().options().setCork(true);
    s.send("GET / HTTP/1.1\r\n");
    s.send("Host: a\r\n");
    s.send("\r\n");
    s.expectNothing(); // TCP_CORK overrides TCP_NODELAY
    s.conn().options().setCork(false); // with Nagle off, uncorking pushes
    assertEquals(27, s.expect("P.", 1001, 5001).payloadLength());
    s.expectNothing();
  }

  @Test
  void corked_uncorkWithNagleOn_leavesTheTailToNagle() {
    EngineScript s = EngineScript.established(CFG);
    s.send("a");
    s.expect("P.", 1001, 5001); // a small segment in flight: Nagle holds the next one
    s.conn().options().setCork(true);
    s.send("b");
    s.conn().options().setCork(false);
    s.expectNothing();
    s.inject(".", 5001, 1002);
    s.expect("P.", 1002, 5001);
  }

  @Test
  void corked_settingNoDelayFlushesWhatWaitsOnceAndLaterWritesWaitAgain() {
    EngineScript s = EngineScript.established(CFG);
    s.conn().options().setCork(true);
    s.send("hi");
    s.expectNothing();
    s.conn().setNoDelay(true);
    assertEquals(2, s.expect("P.", 1001, 5001).payloadLength());
    s.send("there");
    s.expectNothing();
    assertTrue(s.conn().options().cork());
  }

  @Test
  void corked_theFinGoesWithTheDataThatWaits() {
    EngineScript s = EngineScript.established(CFG);
    s.conn().options().setCork(true);
    s.send("bye");
    s.expectNothing();
    s.conn().close(s.now());
    assertEquals(3, s.expect("FP.", 1001, 5001).payloadLength());
  }
}
