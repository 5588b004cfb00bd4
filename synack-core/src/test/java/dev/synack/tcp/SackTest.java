package dev.synack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.trace.TraceEvent;
import dev.synack.wire.SackBlock;
import dev.synack.wire.TcpOption;
import dev.synack.wire.TcpSegment;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The SACK blocks our ACKs carry (RFC 2018 §4) and D-SACK (RFC 2883): the first block covers the
 * segment that triggered the ACK, the others repeat the most recently reported; a duplicate is
 * reported once, first.
 */
class SackTest {
  private static final TcpConfig SACK = EngineScript.PLAIN.withSackPermitted(true);

  /** Returns a script ESTABLISHED with SACK-permitted agreed (and timestamps too when asked). */
  private static EngineScript established(boolean timestamps) {
    TcpConfig cfg = timestamps ? SACK.withTimestamps(true, 0) : SACK;
    EngineScript s = EngineScript.connect(cfg);
    s.expect("S", 1000, 0);
    TcpSegment synAck = s.peer("S.", EngineScript.PEER_ISS, 1001);
    s.inject(
        timestamps
            ? Seg.withOptions(
                synAck, new TcpOption.SackPermitted(), new TcpOption.Timestamps(77, 1))
            : Seg.withOptions(synAck, new TcpOption.SackPermitted()));
    s.expect(".", 1001, 5001);
    s.drainEvents();
    return s;
  }

  private static List<SackBlock> sack(TcpSegment seg) {
    return seg.options().sackBlocks();
  }

  private static SackBlock block(int left, int right) {
    return new SackBlock(left, right);
  }

  @Nested
  class OutOfOrder {
    @Test
    void established_segmentAfterAHole_ackCarriesItsBlock() {
      EngineScript s = established(false);
      s.injectText(".", 5101, 1001, "x".repeat(100));
      assertEquals(List.of(block(5101, 5201)), sack(s.expect(".", 1001, 5001)));
    }

    @Test
    void established_newestBlockFirst_thenTheOthersMostRecentFirst() {
      EngineScript s = established(false);
      s.injectText(".", 5101, 1001, "a".repeat(100));
      s.expect(".", 1001, 5001);
      s.injectText(".", 5301, 1001, "b".repeat(100));
      assertEquals(List.of(block(5301, 5401), block(5101, 5201)), sack(s.expect(".", 1001, 5001)));
      s.injectText(".", 5501, 1001, "c".repeat(100));
      assertEquals(
          List.of(block(5501, 5601), block(5301, 5401), block(5101, 5201)),
          sack(s.expect(".", 1001, 5001)));
      s.injectText(".", 5151, 1001, "a".repeat(50)); // repeats part of the oldest block: D-SACK
      s.expect(".", 1001, 5001);
      s.injectText(".", 5201, 1001, "d".repeat(100)); // joins the first two blocks into one
      assertEquals(List.of(block(5101, 5401), block(5501, 5601)), sack(s.expect(".", 1001, 5001)));
    }

    @Test
    void withoutTimestamps_fourBlocks_withTimestamps_three() {
      for (boolean ts : new boolean[] {false, true}) {
        EngineScript s = established(ts);
        TcpSegment ack = null;
        for (int i = 0; i < 5; i++) {
          s.injectText(".", 5101 + 200 * i, 1001, "y".repeat(100));
          ack = s.expect(".", 1001, 5001);
        }
        assertEquals(ts ? 3 : 4, sack(ack).size(), "blocks with timestamps " + ts);
        assertEquals(block(5901, 6001), sack(ack).getFirst());
        assertTrue(
            ack.options().encodedLength() <= 40, "within the option space: " + ack.options());
      }
    }

    @Test
    void holeFilled_ackCarriesNoSack() {
      EngineScript s = established(false);
      s.injectText(".", 5101, 1001, "b".repeat(100));
      s.expect(".", 1001, 5001);
      s.injectText(".", 5001, 1001, "a".repeat(100));
      TcpSegment ack = s.expect(".", 1001, 5201);
      assertEquals(List.of(), sack(ack));
    }

    @Test
    void dataSegment_carriesBlocksOnlyWhenTheyFitTheMss() {
      EngineScript s = established(false); // the peer sent no MSS: 536 (RFC 9293 MUST-15)
      s.injectText(".", 5101, 1001, "b".repeat(100));
      s.expect(".", 1001, 5001);
      s.send("z".repeat(536 + 100));
      assertEquals(List.of(), sack(s.expect(".", 1001, 5001)), "a full-sized segment has no room");
      assertEquals(List.of(block(5101, 5201)), sack(s.expect("P.", 1537, 5001)));
    }

    @Test
    void sackNotAgreed_noBlocks() {
      EngineScript s = EngineScript.established(SACK); // the peer's SYN-ACK had no sackOK
      s.injectText(".", 5101, 1001, "x".repeat(100));
      assertEquals(List.of(), sack(s.expect(".", 1001, 5001)));
    }
  }

  @Nested
  class DuplicateSack {
    @Test
    void established_segmentBelowRcvNxtAgain_reportedOnceAsFirstBlock() {
      EngineScript s = established(false);
      s.injectText(".", 5001, 1001, "a".repeat(100));
      s.expect(".", 1001, 5101);
      s.injectText(".", 5001, 1001, "a".repeat(100));
      assertEquals(List.of(block(5001, 5101)), sack(s.expect(".", 1001, 5101)));
      s.inject(".", 5101, 1001);
      s.send("q");
      assertEquals(List.of(), sack(s.expect("P.", 1001, 5101)), "reported once");
    }

    @Test
    void established_partlyOldSegment_dsackCoversTheOldPart() {
      EngineScript s = established(false);
      s.injectText(".", 5001, 1001, "a".repeat(100));
      s.expect(".", 1001, 5101);
      s.injectText(".", 5051, 1001, "a".repeat(100));
      assertEquals(List.of(block(5051, 5101)), sack(s.expect(".", 1001, 5151)));
    }

    /**
     * RFC 2883 §4: an in-order segment that repeats data held out of order reports the repeated
     * part as a D-SACK, as Linux's {@code tcp_ofo_queue} and FreeBSD do (issue 17).
     */
    @Test
    void established_inOrderSegmentOverlapsHeldData_dsackOfTheOverlap() {
      EngineScript s = established(false);
      s.injectText(".", 5101, 1001, "b".repeat(100));
      assertEquals(List.of(block(5101, 5201)), sack(s.expect(".", 1001, 5001)));
      s.injectText(
          ".",
          5001,
          1001,
          "a".repeat(100) + "b".repeat(50)); // fills the hole and repeats 5101..5151
      assertEquals(List.of(block(5101, 5151)), sack(s.expect(".", 1001, 5201)));
      assertEquals("a".repeat(100) + "b".repeat(100), s.read());
    }

    @Test
    void established_inOrderSegmentJustFillsTheHole_noDsack() {
      EngineScript s = established(false);
      s.injectText(".", 5101, 1001, "b".repeat(100));
      s.expect(".", 1001, 5001);
      s.injectText(".", 5001, 1001, "a".repeat(100));
      assertEquals(List.of(), sack(s.expect(".", 1001, 5201)));
    }

    @Test
    void established_inOrderSegmentCoversSeveralHeldBlocks_dsackOfTheFirstRepeat() {
      EngineScript s = established(false);
      s.injectText(".", 5101, 1001, "b".repeat(100));
      s.expect(".", 1001, 5001);
      s.injectText(".", 5301, 1001, "d".repeat(100));
      s.expect(".", 1001, 5001);
      s.injectText(
          ".", 5001, 1001, "a".repeat(100) + "b".repeat(100) + "c".repeat(100) + "d".repeat(20));
      assertEquals(List.of(block(5101, 5201)), sack(s.expect(".", 1001, 5401)));
    }

    @Test
    void established_duplicateInsideAHeldBlock_thenThatBlock() {
      EngineScript s = established(false);
      s.injectText(".", 5101, 1001, "b".repeat(200));
      s.expect(".", 1001, 5001);
      s.injectText(".", 5401, 1001, "c".repeat(100));
      s.expect(".", 1001, 5001);
      s.injectText(".", 5151, 1001, "b".repeat(50));
      // RFC 2883 §4.1: the duplicate, then the block that holds it, then the others.
      assertEquals(
          List.of(block(5151, 5201), block(5101, 5301), block(5401, 5501)),
          sack(s.expect(".", 1001, 5001)));
    }
  }

  @Nested
  class Scenario {
    /**
     * "After a lost segment, every ACK tells the sender exactly which data arrived beyond the
     * hole."
     */
    @Test
    void pair_secondSegmentLost_serverAcksCarryGrowingSackBlock() {
      EnginePair p = EnginePair.established(TcpConfig.defaults());
      p.send(p.client(), "d".repeat(5 * 1448));
      p.dropNextFromClient(seg -> seg.sequenceNumber() == 1001 + 1448);
      p.run();
      List<String> sackOptions =
          p.trace.events().stream()
              .filter(
                  e ->
                      e instanceof TraceEvent.Segment seg
                          && seg.host().equals("server")
                          && seg.action() == TraceEvent.SegmentAction.SEND
                          && seg.segment().options().contains("sack "))
              .map(e -> ((TraceEvent.Segment) e).segment().options().replaceAll(".*sack", "sack"))
              .toList();
      assertEquals(
          List.of("sack 1 {3897:5345}", "sack 1 {3897:6793}", "sack 1 {3897:8241}"),
          sackOptions,
          p.trace.dump());
    }
  }
}
