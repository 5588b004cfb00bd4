package dev.synack.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.link.MemoryLink;
import dev.synack.stack.Host;
import dev.synack.stack.HostConfig;
import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * How calls reach a {@link HostDriver}'s loop: a loop waiting in its link is woken through the
 * link, a loop that runs or busy-polls is not (it finds the call itself), and no call is left
 * waiting for the loop's next deadline.
 */
class HostDriverWakeupTest {
  private final MemoryLink.Pair pair = MemoryLink.pair();
  private HostDriver driver;

  @AfterEach
  void close() throws Exception {
    if (driver != null) driver.close();
  }

  /** Starts a driver on an idle host (no deadline: an unwoken loop would wait a second a turn). */
  private HostDriver start(long busyPollNanos) throws Exception {
    Host host = new Host("idle", HostConfig.defaults(1), null);
    host.addAddress(InetAddress.getByName("10.0.0.1"));
    driver = new HostDriver(host, pair.a(), note -> {}, "synack-idle", busyPollNanos);
    driver.start();
    return driver;
  }

  @Test
  void noBusyPoll_loopWaitsInTheLink_everyCallWakesItThroughTheLink() throws Exception {
    HostDriver loop = start(0);
    int calls = 200;
    // 200 calls to a loop that would otherwise wait a second each: a lost wake-up shows as a
    // timeout.
    assertTimeoutPreemptively(
        Duration.ofSeconds(60),
        () -> {
          for (int i = 0; i < calls; i++) {
            int k = i;
            assertEquals(k, (int) loop.call(now -> k));
          }
        });
    long[] counts = loop.wakeCounts();
    assertEquals(0, counts[0] + counts[1], "no busy-poll with a budget of 0");
    for (int i = 0; i < 10_000 && !loop.waitsInLink(); i++) Thread.sleep(1);
    assertTrue(loop.waitsInLink(), "the idle loop waits in its link");
    long before = loop.wakeCounts()[2];
    assertEquals(7, (int) loop.call(now -> 7));
    assertEquals(before + 1, loop.wakeCounts()[2], "the waiting loop was woken through its link");
  }

  @Test
  void busyPoll_everyCallAnswered_andTheSpinsAreCounted() throws Exception {
    HostDriver loop = start(BusyPoll.SUGGESTED_LOOP_NANOS);
    assertTimeoutPreemptively(
        Duration.ofSeconds(60),
        () -> {
          for (int i = 0; i < 200; i++) {
            int k = i;
            assertEquals(k, (int) loop.call(now -> k));
          }
        });
    long[] counts = loop.wakeCounts();
    assertTrue(counts[0] + counts[1] > 0, "the loop busy-polled before waiting");
  }

  @Test
  void loopRunning_callsHandedInMeanwhile_doNotSignalTheLink() throws Exception {
    HostDriver loop = start(0);
    CountDownLatch inTask = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    loop.execute(
        now -> {
          inTask.countDown();
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    inTask.await();
    long before = loop.wakeCounts()[2];
    AtomicInteger ran = new AtomicInteger();
    for (int i = 0; i < 100; i++) loop.execute(now -> ran.incrementAndGet());
    assertEquals(
        before, loop.wakeCounts()[2], "a loop busy with a task is not signalled through its link");
    release.countDown();
    assertEquals(100, (int) loop.call(now -> ran.get()), "and every call handed in still ran");
  }
}
