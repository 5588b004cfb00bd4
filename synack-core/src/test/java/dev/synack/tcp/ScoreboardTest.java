package dev.synack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The scoreboard of segments sent (RFC 6675 §3): SACK blocks mark whole records and split partial
 * ones, a cumulative ACK removes and trims, losses are marked by DupThresh, and pipe (outstanding −
 * SACKed − lost + retransmitted) stays equal to a recount after any sequence of events, including
 * across the 2^32 wrap of sequence numbers.
 */
class ScoreboardTest {
  private static final int MSS = 100;
  private static final Scoreboard.DeliveryListener NOBODY =
      (start, end, sentAt, retransmitted) -> {};

  /**
   * Returns a scoreboard with {@code n} segments of 100 bytes from {@code first}, sent at times 0,
   * 1, 2...
   */
  private static Scoreboard sent(int first, int n) {
    Scoreboard b = new Scoreboard();
    for (int i = 0; i < n; i++) b.append(first + i * MSS, first + (i + 1) * MSS, i, false);
    return b;
  }

  @Nested
  class Storage {
    @Test
    void shortFlight_arraysHoldFourRecords_growByDoublingWithEveryRecordKept() {
      Scoreboard b = new Scoreboard();
      assertEquals(0, b.capacity(), "no arrays before the first record");
      b.append(1000, 1100, 0, false);
      assertEquals(
          4, b.capacity(), "a SYN, a request and a FIN fit: no room for 16 (about 1 KB) per end");
      for (int i = 1; i < 5; i++) b.append(1000 + i * MSS, 1000 + (i + 1) * MSS, i, false);
      assertEquals(8, b.capacity());
      assertEquals(5, b.count());
      for (int i = 0; i < 5; i++) {
        assertEquals(1000 + i * MSS, b.start(i));
        assertEquals(1000 + (i + 1) * MSS, b.end(i));
      }
      assertEquals(500, b.pipe());
      assertEquals(500, b.ackUpTo(1500, NOBODY));
      b.release();
      assertEquals(0, b.capacity(), "an empty board gives its arrays back");
    }
  }

  @Nested
  class Sack {
    @Test
    void block_coversWholeSegments_theyLeavePipe() {
      Scoreboard b = sent(1000, 10);
      List<int[]> delivered = new ArrayList<>();
      assertEquals(300, b.sack(1200, 1500, (s, e, t, r) -> delivered.add(new int[] {s, e})));
      assertEquals(3, b.sackedSegments());
      assertEquals(700, b.pipe());
      assertEquals(
          List.of(1200, 1300, 1400),
          delivered.stream().map(d -> d[0]).toList(),
          "reported in ascending order");
      assertEquals(0, b.sack(1200, 1500, NOBODY), "a block already known adds nothing");
    }

    @Test
    void block_coversPartOfASegment_segmentSplit() {
      Scoreboard b = sent(1000, 3);
      assertEquals(50, b.sack(1150, 1200, NOBODY));
      assertEquals(4, b.count());
      assertEquals(1150, b.start(2));
      assertTrue(b.has(2, Scoreboard.SACKED));
      assertFalse(b.has(1, Scoreboard.SACKED));
      assertEquals(250, b.pipe());
    }

    @Test
    void sackedSegment_notOfferedForRetransmission() {
      Scoreboard b = sent(1000, 4);
      b.markLost(1);
      b.sack(1100, 1200, NOBODY);
      assertEquals(-1, b.nextLost(), "SACKed data is never resent");
      assertEquals(0, b.lostBytes());
    }
  }

  @Nested
  class Loss {
    @Test
    void dupThresh_threeSackedAbove_segmentLost() {
      Scoreboard b = sent(1000, 6);
      b.sack(1100, 1300, NOBODY);
      b.markLostByDupThresh(3, MSS);
      assertEquals(-1, b.nextLost(), "two SACKed segments above: not yet");
      b.sack(1300, 1400, NOBODY);
      b.markLostByDupThresh(3, MSS);
      assertEquals(0, b.nextLost(), "RFC 6675 IsLost: three SACKed segments above the first");
      assertEquals(100, b.lostBytes());
    }

    @Test
    void lostThenRetransmitted_countsOnceInPipe() {
      Scoreboard b = sent(1000, 4);
      b.markLost(0);
      assertEquals(300, b.pipe());
      b.onRetransmitted(0, 10);
      assertEquals(400, b.pipe());
      assertEquals(-1, b.nextLost(), "nothing more to resend");
      b.markLost(0); // the retransmission was lost too
      assertEquals(300, b.pipe());
      assertEquals(0, b.nextLost());
    }

    @Test
    void timeout_everythingLostAndSacksForgotten() {
      Scoreboard b = sent(1000, 5);
      b.sack(1200, 1400, NOBODY);
      b.markAllLostForgettingSacks();
      assertEquals(0, b.sackedBytes());
      assertEquals(500, b.lostBytes());
      assertEquals(0, b.pipe());
      assertEquals(0, b.nextLost());
    }
  }

  @Nested
  class CumulativeAck {
    @Test
    void ack_removesAndTrims_reportsTheCleanSendTime() {
      Scoreboard b = sent(1000, 4);
      assertEquals(250, b.ackUpTo(1250, NOBODY));
      assertEquals(0, b.ackedCleanSentAt(), "the oldest segment acknowledged, never resent");
      assertEquals(2, b.count());
      assertEquals(1250, b.start(0));
      assertEquals(150, b.outstandingBytes());
    }

    @Test
    void ack_ofRetransmittedSegment_noRttSample() {
      Scoreboard b = sent(1000, 2);
      b.markLost(0);
      b.onRetransmitted(0, 50);
      b.ackUpTo(1100, NOBODY);
      assertEquals(Long.MIN_VALUE, b.ackedCleanSentAt(), "Karn's rule");
    }

    @Test
    void everythingAcked_arraysReleased() {
      Scoreboard b = sent(1000, 200);
      b.ackUpTo(1000 + 200 * MSS, NOBODY);
      assertTrue(b.isEmpty());
      assertEquals(0, b.pipe());
    }
  }

  @Test
  void randomEvents_countersMatchARecount() {
    SplittableRandom random = new SplittableRandom(7);
    for (int run = 0; run < 200; run++) {
      int base = random.nextInt(); // anywhere, wrap included
      Scoreboard b = new Scoreboard();
      int next = base;
      int una = base;
      for (int step = 0; step < 300; step++) {
        switch (random.nextInt(6)) {
          case 0, 1 -> {
            int len = 1 + random.nextInt(MSS);
            b.append(next, next + len, step, false);
            next += len;
          }
          case 2 -> {
            int span = next - una;
            if (span > 0) {
              int left = una + random.nextInt(span);
              b.sack(left, left + 1 + random.nextInt(Math.max(1, next - left)), NOBODY);
            }
          }
          case 3 -> {
            if (!b.isEmpty()) b.markLost(random.nextInt(b.count()));
          }
          case 4 -> {
            int i = b.nextLost();
            if (i >= 0) b.onRetransmitted(i, step);
          }
          default -> {
            int span = next - una;
            if (span > 0 && random.nextInt(4) == 0) {
              una += random.nextInt(span + 1);
              b.ackUpTo(una, NOBODY);
            }
          }
        }
        assertRecount(b, una, next);
      }
    }
  }

  private static void assertRecount(Scoreboard b, int una, int next) {
    long out = 0;
    long sacked = 0;
    long lost = 0;
    long retransmitted = 0;
    int sackedSegments = 0;
    int expectStart = una;
    for (int i = 0; i < b.count(); i++) {
      assertEquals(expectStart, b.start(i), "records are contiguous from SND.UNA");
      int len = b.length(i);
      assertTrue(len > 0);
      out += len;
      if (b.has(i, Scoreboard.SACKED)) {
        sacked += len;
        sackedSegments++;
        assertFalse(
            b.has(i, Scoreboard.LOST) || b.has(i, Scoreboard.RETRANSMITTED),
            "SACKed excludes lost and in flight");
      }
      if (b.has(i, Scoreboard.LOST)) lost += len;
      if (b.has(i, Scoreboard.RETRANSMITTED)) retransmitted += len;
      expectStart = b.end(i);
    }
    assertEquals(b.isEmpty() ? una : next, b.isEmpty() ? una : expectStart);
    assertEquals(out, b.outstandingBytes());
    assertEquals(sacked, b.sackedBytes());
    assertEquals(sackedSegments, b.sackedSegments());
    assertEquals(lost, b.lostBytes());
    assertEquals(retransmitted, b.retransmittedBytes());
    assertEquals(out - sacked - lost + retransmitted, b.pipe());
  }
}
