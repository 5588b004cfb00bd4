package dev.synack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.synack.wire.TcpOption;
import dev.synack.wire.TcpSegment;
import java.time.Duration;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Timestamps on the receive side (RFC 7323 §4.3, §5): PAWS drops and acknowledges a segment whose
 * TSval is older than TS.Recent (but never a RST), TS.Recent follows the left edge of the window,
 * and after 24 days of silence TS.Recent no longer judges anything; a segment missing the
 * negotiated option is accepted (Linux, FreeBSD's default) or dropped (RFC 7323 §3.2's SHOULD).
 */
class PawsTest {
  private static final TcpConfig TS = EngineScript.PLAIN.withTimestamps(true, 0);

  /**
   * Returns a script ESTABLISHED with timestamps agreed; the peer's SYN-ACK had TSval 100, now
   * TS.Recent.
   */
  private static EngineScript established() {
    return established(TS);
  }

  private static EngineScript established(TcpConfig cfg) {
    EngineScript s = EngineScript.connect(cfg);
    s.expect("S", 1000, 0);
    s.inject(
        Seg.withOptions(
            s.peer("S.", EngineScript.PEER_ISS, 1001), new TcpOption.Timestamps(100, 0)));
    s.expect(".", 1001, 5001);
    s.drainEvents();
    return s;
  }

  private static TcpSegment stamped(EngineScript s, String flags, int seq, String text, int tsVal) {
    TcpSegment seg = s.peer(flags, seq, 1001);
    if (text != null) seg = Seg.withText(seg, text);
    return Seg.withOptions(seg, new TcpOption.Timestamps(tsVal, 0));
  }

  private static int echoed(TcpSegment ours) {
    return ours.options().timestamps().tsEcr();
  }

  @Nested
  class Paws {
    @Test
    void established_olderTsval_droppedAndAcked() {
      EngineScript s = established();
      s.inject(stamped(s, "P.", 5001, "new", 110));
      s.expect(".", 1001, 5004);
      s.inject(
          stamped(s, "P.", 5004, "old", 105)); // an old duplicate from a wrapped sequence space
      assertEquals(
          110, echoed(s.expect(".", 1001, 5004)), "acknowledged, with TS.Recent unchanged");
      s.assertDropped("PAWS");
      assertEquals("new", s.read(), "the old segment's text is not delivered");
    }

    @Test
    void established_rstWithOlderTsval_notSubjectToPaws() {
      EngineScript s = established();
      s.inject(stamped(s, "R", 5001, null, 1));
      s.assertState(TcpState.CLOSED);
    }

    /**
     * RFC 7323 §4.3 / §5.3 R3: only an acceptable segment updates TS.Recent. An ACK of data never
     * sent is discarded (RFC 5961 §5.2), so its TSval must not become TS.Recent, or one blind
     * segment with a far TSval makes PAWS drop every genuine segment after it (issue 17).
     */
    @Test
    void established_ackOfDataNeverSentWithFarTsval_tsRecentUnchanged() {
      EngineScript s = established();
      TcpSegment blind =
          Seg.withOptions(
              s.peer(".", 5001, 1001 + 100_000), new TcpOption.Timestamps(2_000_000_000, 0));
      s.inject(blind);
      assertEquals(
          100, echoed(s.expect(".", 1001, 5001)), "the challenge ACK echoes the old TS.Recent");
      s.assertDropped("ACK of data not yet sent");
      s.inject(stamped(s, "P.", 5001, "real", 110));
      assertEquals(110, echoed(s.expect(".", 1001, 5005)));
      assertEquals("real", s.read(), "the peer's genuine segment passes PAWS");
    }

    @Test
    void established_synInWindowWithFarTsval_tsRecentUnchanged() {
      EngineScript s = established();
      s.inject(Seg.withOptions(s.peer("S", 5001, 0), new TcpOption.Timestamps(2_000_000_000, 0)));
      assertEquals(
          100,
          echoed(s.expect(".", 1001, 5001)),
          "the challenge ACK (RFC 5961 §4) echoes the old TS.Recent");
      s.inject(stamped(s, "P.", 5001, "real", 110));
      s.expect(".", 1001, 5005);
      assertEquals("real", s.read());
    }

    @Test
    void established_equalTsval_accepted() {
      EngineScript s = established();
      s.inject(
          stamped(s, "P.", 5001, "same", 100)); // several segments in one clock tick share a TSval
      s.expect(".", 1001, 5005);
      assertEquals("same", s.read());
    }

    @Test
    void idleMoreThan24Days_tsRecentInvalidated_olderTsvalAcceptedAndAdopted() {
      EngineScript s = established();
      s.advance(Duration.ofDays(25));
      s.inject(
          stamped(s, "P.", 5001, "back", 50)); // the peer's clock wrapped its sign bit meanwhile
      assertEquals(50, echoed(s.expect(".", 1001, 5005)));
      assertEquals("back", s.read());
    }

    @Test
    void idleLessThan24Days_olderTsvalStillDropped() {
      EngineScript s = established();
      s.advance(Duration.ofDays(23));
      s.inject(stamped(s, "P.", 5001, "late", 50));
      s.expect(".", 1001, 5001);
      s.assertDropped("PAWS");
    }
  }

  @Nested
  class TsRecent {
    @Test
    void delayedAck_echoesTheEarliestUnacknowledgedSegment() {
      // RFC 7323 §4.3 case (A): the ACK of two segments echoes the first one's TSval, so the
      // peer's RTT measurement includes our delay.
      EngineScript s = established();
      int seq = 5001;
      for (int i = 0; i < DelayedAck.MAX_QUICK_ACKS; i++) {
        s.inject(stamped(s, ".", seq, "q".repeat(1000), 101 + i));
        seq += 1000;
        s.expect(".", 1001, seq);
      }
      s.inject(stamped(s, ".", seq, "a".repeat(1000), 200));
      s.expectNothing();
      s.inject(stamped(s, ".", seq + 1000, "b".repeat(1000), 201));
      assertEquals(200, echoed(s.expect(".", 1001, seq + 2000)));
    }

    @Test
    void outOfOrder_echoesTheSegmentBeforeTheHoleThenTheOneThatFillsIt() {
      // RFC 7323 §4.3 case (B): out-of-order segments do not update TS.Recent; the one filling the
      // hole does.
      EngineScript s = established();
      s.inject(stamped(s, ".", 5001, "a", 110));
      s.expect(".", 1001, 5002);
      s.inject(stamped(s, ".", 5003, "c", 130));
      assertEquals(110, echoed(s.expect(".", 1001, 5002)));
      s.inject(stamped(s, ".", 5002, "b", 120));
      assertEquals(120, echoed(s.expect(".", 1001, 5004)));
    }
  }

  @Nested
  class MissingTimestamps {
    private static final TcpConfig STRICT =
        TS.withChoices(TcpChoices.defaults().withSegmentsWithoutTimestampsDropped(true));

    @Test
    void byDefault_segmentWithoutTimestamps_accepted() {
      EngineScript s = established();
      s.injectText("P.", 5001, 1001, "abc");
      s.expect(".", 1001, 5004);
      assertEquals("abc", s.read());
    }

    @Test
    void strict_segmentWithoutTimestamps_droppedSilently() {
      EngineScript s = established(STRICT);
      s.injectText("P.", 5001, 1001, "abc");
      s.expectNothing();
      s.assertDropped("RFC 7323 §3.2");
      assertEquals("", s.read());
    }

    @Test
    void strict_rstWithoutTimestamps_stillResets() {
      EngineScript s = established(STRICT);
      s.inject("R", 5001, 0);
      s.assertState(TcpState.CLOSED);
    }

    @Test
    void strict_segmentWithTimestamps_accepted() {
      EngineScript s = established(STRICT);
      s.inject(stamped(s, "P.", 5001, "abc", 110));
      s.expect(".", 1001, 5004);
      assertEquals("abc", s.read());
    }
  }
}
