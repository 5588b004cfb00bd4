package dev.synack.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The memory figures' heap meter: a level read only once it holds still, a growth turned into bytes
 * per item only when it stands clear of the noise, and an earlier rig's threads waited for.
 */
class HeapMeterTest {
  private static final long MB = 1 << 20;

  /** A heap that answers the readings given, one per collection, then repeats the last. */
  private static HeapMeter.Heap readings(long... values) {
    int[] next = {0};
    return () -> values[Math.min(next[0]++, values.length - 1)];
  }

  @Test
  void stable_driftingBaseline_waitsUntilTwoReadingsAgreeAndTakesTheLower() {
    // An earlier rig's garbage freed over several collections: 100, 90, 84 MB, then 83.9 and 83.8.
    HeapMeter meter =
        new HeapMeter(
            readings(100 * MB, 90 * MB, 84 * MB, 84 * MB - MB / 10, 84 * MB - MB / 5), MB / 4, 12);
    assertEquals(84 * MB - MB / 10, meter.stable());
  }

  @Test
  void stable_heapThatNeverSettles_isUnmeasurable() {
    long[] drift = new long[20];
    for (int i = 0; i < drift.length; i++) drift[i] = 100 * MB - i * MB;
    HeapMeter meter = new HeapMeter(readings(drift), MB / 4, 12);
    HeapMeter.Unmeasurable e = assertThrows(HeapMeter.Unmeasurable.class, meter::stable);
    assertTrue(e.getMessage().contains("did not settle"), e.getMessage());
  }

  @Test
  void perItem_growthWellAboveNoise_isBytesPerItem() {
    HeapMeter meter = new HeapMeter(readings(0), MB / 4, 12);
    assertEquals(1_000.0, meter.perItem(50 * MB, 50 * MB + 2_000_000, 2_000));
  }

  @Test
  void perItem_heapShrank_isUnmeasurableNotNegative() {
    // Session 8's run 1: -3,423 B per connection from a heap that lost 3.4 MB during the figure.
    HeapMeter meter = new HeapMeter(readings(0), MB / 4, 12);
    HeapMeter.Unmeasurable e =
        assertThrows(
            HeapMeter.Unmeasurable.class, () -> meter.perItem(60 * MB, 60 * MB - 3_423_000, 1_000));
    assertTrue(e.getMessage().contains("shrank by 3423000 B"), e.getMessage());
  }

  @Test
  void perItem_growthWithinNoise_isUnmeasurable() {
    HeapMeter meter = new HeapMeter(readings(0), MB / 4, 12);
    HeapMeter.Unmeasurable e =
        assertThrows(
            HeapMeter.Unmeasurable.class, () -> meter.perItem(60 * MB, 60 * MB + MB / 2, 1_000));
    assertTrue(e.getMessage().contains("too few items"), e.getMessage());
  }

  @Test
  void stableThenPerItem_baselineStillFallingAtFirstReading_measuresOnlyTheItems() {
    // Before: garbage of an earlier rig still being freed (70, 64, 61 MB), settling at 60 MB; one
    // collection would have taken 70 MB as the baseline and given -8,000 B per item.
    HeapMeter meter =
        new HeapMeter(
            readings(70 * MB, 64 * MB, 61 * MB, 60 * MB, 60 * MB, 62 * MB, 62 * MB), MB / 4, 12);
    long before = meter.stable();
    long after = meter.stable();
    assertEquals(60 * MB, before);
    assertEquals(2 * MB / 1_000.0, meter.perItem(before, after, 1_000));
  }

  @Test
  void awaitThreadsEnded_threadStartedAfterBaseline_isWaitedForUntilItEnds() throws Exception {
    Set<Thread> baseline = HeapMeter.liveThreads();
    CountDownLatch started = new CountDownLatch(1);
    AtomicBoolean finished = new AtomicBoolean();
    Thread.ofPlatform()
        .name("earlier-rig-loop")
        .start(
            () -> {
              started.countDown();
              try {
                Thread.sleep(200);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              finished.set(true);
            });
    started.await();
    List<String> alive = HeapMeter.awaitThreadsEnded(baseline, 10_000);
    assertTrue(!alive.contains("earlier-rig-loop"), "still alive: " + alive);
    // Its work done when the wait returned (a thread can leave the JVM's list of threads a moment
    // before isAlive() turns false, so that is not what is asserted).
    assertTrue(finished.get(), "the loop thread was not waited for");
  }

  @Test
  void awaitThreadsEnded_threadThatKeepsRunning_isNamed() throws Exception {
    Set<Thread> baseline = HeapMeter.liveThreads();
    CountDownLatch release = new CountDownLatch(1);
    Thread stuck =
        Thread.ofPlatform()
            .name("stuck-rig-loop")
            .start(
                () -> {
                  try {
                    release.await();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                });
    try {
      List<String> alive = HeapMeter.awaitThreadsEnded(baseline, 50);
      assertTrue(alive.contains("stuck-rig-loop"), "not named: " + alive);
    } finally {
      release.countDown();
      stuck.join();
    }
  }
}
