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
 * turn by turn in virtual time with a link that records what it is asked.
 */
class SynSheddingTest {
  private static final long MS = 1_000_000L;

  /** A link that only records the shifts asked of it; it can shed unless told otherwise. */
  private static final class ShiftLink implements Link {
    final List<Integer> asked = new ArrayList<>();
    boolean canShed = true;

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

  /** Runs turns every millisecond for {@code millis}, each with a full batch or not. */
  private void turns(long millis, boolean full, long cookiesPerTurn) {
    for (long i = 0; i < millis; i++) {
      cookies += cookiesPerTurn;
      shedding.afterRead(full, cookies, now);
      now += MS;
    }
  }

  @Test
  void fullBatchesWithCookies_shedMoreEachWindow_upToOneInSixteen() {
    turns(1_000, true, 20);

    assertEquals(SynShedding.MAX_SHIFT, shedding.shift());
    assertEquals(List.of(1, 2, 3, 4), link.asked);
  }

  @Test
  void fullBatchesWithoutCookies_aBulkTransfer_shedNothing() {
    turns(1_000, true, 0);

    assertEquals(0, shedding.shift());
    assertEquals(List.of(), link.asked);
  }

  @Test
  void fullBatchesWithFewCookies_aDownloadBesideAFewSpoofedSyns_shedNothing() {
    // 4 cookies a millisecond: 400 a window, 4,000 SYNs/s, under the flood's 10,000.
    turns(1_000, true, 4);

    assertEquals(0, shedding.shift());
    assertEquals(List.of(), link.asked);
  }

  @Test
  void cookiesWithoutFullBatches_aBurstTheQueueHolds_shedNothing() {
    turns(1_000, false, 20);

    assertEquals(0, shedding.shift());
    assertEquals(List.of(), link.asked);
  }

  @Test
  void floodEnds_keepsMoreSynsOneStepPerHold_untilAllAreKept() {
    turns(1_000, true, 20);

    turns(999, false, 0);
    assertEquals(SynShedding.MAX_SHIFT, shedding.shift(), "held for a second after the last full");
    turns(5_000, false, 0);

    assertEquals(0, shedding.shift());
    assertEquals(List.of(1, 2, 3, 4, 3, 2, 1, 0), link.asked);
  }

  @Test
  void whileShedding_theLoopLooksAgainEachWindow_trafficOrNot_untilAllSynsAreKept() {
    long minute = 60_000 * MS;
    assertEquals(minute, shedding.boundWait(minute), "nothing shed: the loop waits as it likes");
    turns(1_000, true, 20);

    // The filter drops the SYNs that would wake the loop: only its own turns can ease it.
    assertEquals(SynShedding.WINDOW_NANOS, shedding.boundWait(minute));
    long idle = 0;
    while (shedding.shift() > 0 && idle < minute) {
      long waited = shedding.boundWait(minute);
      now += waited;
      idle += waited;
      shedding.afterRead(false, cookies, now);
    }

    assertEquals(0, shedding.shift(), "eased by the loop's own turns, with no packet read");
    assertTrue(idle <= 5 * SynShedding.HOLD_NANOS, "eased after " + idle / MS + " ms");
    assertEquals(minute, shedding.boundWait(minute));
  }

  @Test
  void cookieLimit_fullBatchLimitedOnlyUntilTheLinkSheds_thenEverySynThroughIsAnswered() {
    assertEquals(4, shedding.cookieLimit(true, 4), "a full batch, nothing shed at the link");
    assertEquals(Integer.MAX_VALUE, shedding.cookieLimit(false, 4), "a batch not full");

    turns(500, true, 20); // a flood: the link sheds
    assertTrue(shedding.shift() > 0);

    // The SYNs that reach the host are those the filter kept or remembered as retransmitted:
    // shedding them again would shut out the clients it let in.
    assertEquals(Integer.MAX_VALUE, shedding.cookieLimit(true, 4), "a full batch while shedding");
  }

  @Test
  void cookieLimit_linkThatCannotShed_fullBatchesStayLimited() {
    link.canShed = false;
    turns(500, true, 20);

    assertEquals(0, shedding.shift());
    assertEquals(4, shedding.cookieLimit(true, 4), "the host is the only shedder left");
  }

  @Test
  void linkThatCannotShed_isAskedOnce() {
    link.canShed = false;

    turns(2_000, true, 20);

    assertEquals(0, shedding.shift());
    assertEquals(List.of(1), link.asked);
  }
}
