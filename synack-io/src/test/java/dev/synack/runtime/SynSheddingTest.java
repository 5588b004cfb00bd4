package dev.synack.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.link.Link;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Tests of {@link SynShedding}: when the loop asks its link to shed SYNs before the queue, driven
 * turn by turn in virtual time with a link that records what it is asked, and a model of a loop
 * that answers SYNs at a given capacity while a flood offers them at a given rate.
 */
class SynSheddingTest {
  private static final long MS = 1_000_000L;

  /** A link that only records the shifts asked of it; it can shed unless told otherwise. */
  private static final class ShiftLink implements Link {
    final List<Integer> asked = new ArrayList<>();
    boolean canShed = true;

    /** Packets dropped before the reader so far. */
    long dropped;

    /** Whether the link can tell what it dropped. */
    boolean counts = true;

    @Override
    public long packetsDropped() {
      return counts ? dropped : -1;
    }

    @Override
    public boolean shedSyns(int shift) {
      asked.add(shift);
      return shift == 0 || canShed;
    }

    @Override
    public void send(ByteBuffer packet) {}

    @Override
    public int receive(ByteBuffer dst, long timeoutNanos) {
      return 0;
    }

    @Override
    public int mtu() {
      return 1500;
    }

    @Override
    public void wakeup() {}

    @Override
    public void close() {}
  }

  private final ShiftLink link = new ShiftLink();
  private final SynShedding shedding = new SynShedding(link);
  private long now = 1_000 * MS;
  private long cookies;

  /**
   * Runs one-millisecond turns for {@code millis}: a flood offers {@code offered} SYNs a
   * millisecond, the link keeps one in 2^shift of them, and the loop answers up to {@code capacity}
   * a millisecond with cookies, waiting for packets the rest of its time (none when saturated: its
   * batches come back full).
   */
  private void flood(long millis, double offered, double capacity) {
    double owed = 0;
    for (long i = 0; i < millis; i++) {
      double kept = offered / (1L << shedding.shift());
      double answered = Math.min(kept, capacity);
      owed += answered;
      long whole = (long) owed;
      owed -= whole;
      cookies += whole;
      long waited = (long) (MS * (1 - answered / capacity));
      now += MS;
      shedding.afterRead(waited, cookies, now);
    }
  }

  /** SYNs in the modelled device queue ({@link #floodThroughQueue}). */
  private double queued;

  /** SYNs the modelled queue dropped at its tail. */
  private long tailDrops;

  /**
   * Runs one-millisecond turns for {@code millis} with the device's queue between the flood and the
   * loop: a flood offers {@code offered} SYNs a millisecond, the link's filter keeps one in
   * 2^shift, the kept join a queue of {@code queueLength} (what does not fit is dropped at its
   * tail), and the loop answers up to {@code capacity} a millisecond from it with cookies, busy
   * while SYNs are queued. The link counts what its filter and its tail drop.
   */
  private void floodThroughQueue(long millis, double offered, double capacity, int queueLength) {
    double owed = 0;
    double shedOwed = 0;
    for (long i = 0; i < millis; i++) {
      double kept = offered / (1L << shedding.shift());
      shedOwed += offered - kept;
      long shed = (long) shedOwed;
      shedOwed -= shed;
      queued += kept;
      if (queued > queueLength) {
        long over = (long) (queued - queueLength);
        tailDrops += over;
        link.dropped += over;
        queued -= over;
      }
      link.dropped += shed;
      double answered = Math.min(queued, capacity);
      queued -= answered;
      owed += answered;
      long whole = (long) owed;
      owed -= whole;
      cookies += whole;
      long waited = (long) (MS * (1 - answered / capacity));
      now += MS;
      shedding.afterRead(waited, cookies, now);
    }
  }

  /** Runs turns every millisecond for {@code millis}, waiting {@code waited} of each. */
  private void turns(long millis, long waited, long cookiesPerTurn) {
    for (long i = 0; i < millis; i++) {
      cookies += cookiesPerTurn;
      now += MS;
      shedding.afterRead(waited, cookies, now);
    }
  }

  @Test
  void floodTheLoopCanAnswer_shedsNothing() {
    // 50,000 SYNs/s against a loop that answers 100,000/s: half its time.
    flood(2_000, 50, 100);

    assertEquals(0, shedding.shift());
    assertEquals(List.of(), link.asked, "the link never asked to shed");
  }

  @Test
  void shiftChosen_isTheLeastThatLeavesTheLoopHeadroom_forOfferedRateAgainstCapacity() {
    // {offered, capacity} a millisecond -> the shift the controller settles on: the least whose
    // kept SYNs fit under 80 % of the capacity.
    double[][] cases = {
      {50, 100, 0},
      {79, 100, 0},
      {90, 100, 1},
      {150, 100, 1},
      {170, 100, 2},
      {360, 250, 1},
      {360, 100, 3},
      {360, 20, 5},
      {2_000, 20, 7},
      {1_000_000, 10, SynShedding.MAX_SHIFT},
      // Fewer cookies than the flood's 10 a millisecond once shed: still a flood, counted at the
      // rate the kept SYNs stand for (a loop that answers 12,000 a second).
      {60, 12, 3},
      {1_000, 12, 7},
    };
    for (double[] c : cases) {
      SynSheddingTest run = new SynSheddingTest();
      run.flood(3_000, c[0], c[1]);
      int settled = run.shedding.shift();
      int asked = run.link.asked.size();
      run.flood(3_000, c[0], c[1]);
      assertEquals(asked, run.link.asked.size(), "no change once settled: offered " + c[0]);
      assertEquals(
          (int) c[2],
          run.shedding.shift(),
          "offered " + c[0] + "/ms, capacity " + c[1] + "/ms: the shift");
      assertEquals(settled, run.shedding.shift(), "stable once settled: offered " + c[0]);
    }
  }

  @Test
  void floodAboveCapacity_climbsOneStepAWindow_notBeyondWhatIsNeeded() {
    // 360,000 SYNs/s against 100,000/s: kept 360, 180, 90, then 45 a millisecond (45 % busy).
    flood(1_000, 360, 100);

    assertEquals(List.of(1, 2, 3), link.asked);
    assertEquals(3, shedding.shift());
  }

  @Test
  void capacityGrows_keepsMoreSynsAgain_oneStepAWindow() {
    flood(1_000, 360, 100);
    assertEquals(3, shedding.shift());

    // The loop gets a core of its own: 400,000 SYNs/s fit.
    flood(500, 360, 450);

    assertEquals(0, shedding.shift(), "all kept again within half a second");
    assertEquals(List.of(1, 2, 3, 2, 1, 0), link.asked);
  }

  @Test
  void floodEnds_keepsMoreSynsOneStepAWindow_untilAllAreKept() {
    flood(2_000, 1_000_000, 10);
    assertEquals(SynShedding.MAX_SHIFT, shedding.shift());

    // A window a step, and one more for the flood's last cookies, each counting for 256.
    turns((SynShedding.MAX_SHIFT + 1) * 100, MS / 2, 0);

    assertEquals(0, shedding.shift(), "every SYN kept once the flood is gone");
  }

  @Test
  void starvedLoop_answeringFewerThanTheFloodsCookies_shedsOnceItsQueueDropsAtTheTail() {
    // 60,000 SYNs/s against a loop that answers 5,000/s: 500 cookies a window, under the 1,000
    // that alone make a flood; a queue of 10,000 fills in under 0.2 s and drops at its tail.
    floodThroughQueue(30_000, 60, 5, 10_000);
    long dropsBefore = tailDrops;
    floodThroughQueue(3_000, 60, 5, 10_000);

    assertEquals(dropsBefore, tailDrops, "the queue no longer drops at its tail once shed");
    // Kept 60 / 2^4 = 3.75 a millisecond: 75 % of what the loop answers; 2^3 would not fit.
    assertEquals(4, shedding.shift(), "one SYN in 16 kept");
  }

  @Test
  void starvedLoop_linkThatCannotCountItsDrops_neverCountsAsFlooded() {
    // The case above where the link cannot say what it dropped: the cookies alone stay under the
    // flood's 1,000 a window, nothing is shed, and the queue drops at its tail all along.
    link.counts = false;

    floodThroughQueue(10_000, 60, 5, 10_000);

    assertEquals(0, shedding.shift());
    assertEquals(List.of(), link.asked);
    assertTrue(tailDrops > 500_000, "dropped at the tail: " + tailDrops);
  }

  @Test
  void saturatedLoopWithDropsButNoCookies_aBulkTransfersBurst_shedsNothing() {
    for (int i = 0; i < 2_000; i++) {
      link.dropped += 50;
      now += MS;
      shedding.afterRead(0, cookies, now);
    }

    assertEquals(0, shedding.shift());
    assertEquals(List.of(), link.asked);
  }

  @Test
  void saturatedLoopWithoutCookies_aBulkTransfer_shedsNothing() {
    turns(2_000, 0, 0);

    assertEquals(0, shedding.shift());
    assertEquals(List.of(), link.asked);
  }

  @Test
  void saturatedLoopWithFewCookies_aDownloadBesideAFewSpoofedSyns_shedsNothing() {
    // 4 cookies a millisecond: 400 a window, 4,000 SYNs/s, under the flood's 10,000.
    turns(2_000, 0, 4);

    assertEquals(0, shedding.shift());
    assertEquals(List.of(), link.asked);
  }

  @Test
  void whileShedding_theLoopLooksAgainEachWindow_trafficOrNot_untilAllSynsAreKept() {
    long minute = 60_000 * MS;
    assertEquals(minute, shedding.boundWait(minute), "nothing shed: the loop waits as it likes");
    flood(1_000, 360, 100);

    // The filter drops the SYNs that would wake the loop: only its own turns can ease it.
    assertEquals(SynShedding.WINDOW_NANOS, shedding.boundWait(minute));
    long idle = 0;
    while (shedding.shift() > 0 && idle < minute) {
      long waited = shedding.boundWait(minute);
      now += waited;
      idle += waited;
      shedding.afterRead(waited, cookies, now);
    }

    assertEquals(0, shedding.shift(), "eased by the loop's own turns, with no packet read");
    assertTrue(idle <= 5 * SynShedding.WINDOW_NANOS, "eased after " + idle / MS + " ms");
    assertEquals(minute, shedding.boundWait(minute));
  }

  @Test
  void cookieLimit_fullBatchLimited_onlyWhenTheLinkCannotShed() {
    assertEquals(4, SynShedding.cookieLimit(true, true, 4), "full, the host the only shedder");
    assertEquals(Integer.MAX_VALUE, SynShedding.cookieLimit(false, true, 4), "a batch not full");
    // A link that sheds keeps what the loop can answer; the SYNs that reach the host are those the
    // filter kept or remembered as retransmitted: shedding them again would shut out the clients
    // it let in.
    assertEquals(Integer.MAX_VALUE, SynShedding.cookieLimit(true, false, 4), "the link sheds");
  }

  @Test
  void linkThatCannotShed_isAskedOnce_andSaysSo() {
    link.canShed = false;

    flood(2_000, 360, 100);

    assertEquals(0, shedding.shift());
    assertEquals(List.of(1), link.asked);
    assertTrue(shedding.refused(), "the host must limit its full batches itself");
  }
}
