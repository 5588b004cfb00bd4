package dev.synack.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.link.MemoryLink;
import dev.synack.stack.Host;
import dev.synack.stack.HostConfig;
import dev.synack.stack.HostEvent;
import dev.synack.tcp.TcpConfig;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * How calls reach a {@link HostDriver}'s loop: a call to a loop waiting in its link claims it and
 * runs on the caller's thread (and wakes the loop only when it made an earlier deadline); a loop
 * that cannot be claimed is woken through the link; a loop that runs or busy-polls is not woken (it
 * finds the call itself); and no call is left waiting for the loop's next deadline.
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
    return start(busyPollNanos, null, HostConfig.defaults(1));
  }

  private HostDriver start(
      long busyPollNanos, java.util.function.Consumer<HostEvent> listener, HostConfig config)
      throws Exception {
    Host host = new Host("idle", config, null);
    host.addAddress(InetAddress.getByName("10.0.0.1"));
    driver = new HostDriver(host, pair.a(), note -> {}, "synack-idle", busyPollNanos);
    if (listener != null) driver.setEventListener(listener);
    driver.start();
    return driver;
  }

  /** Waits (bounded) until the idle loop waits in its link and may be claimed. */
  private static void awaitClaimable(HostDriver loop) throws InterruptedException {
    for (int i = 0; i < 10_000 && !loop.isClaimable(); i++) Thread.sleep(1);
    assertTrue(loop.isClaimable(), "the idle loop waits in its link, claimable");
  }

  @Test
  void waitingLoop_callRunsOnTheCallersThread_andTheLoopIsNotWoken() throws Exception {
    HostDriver loop = start(0);
    awaitClaimable(loop);
    long wakeups = loop.wakeCounts()[2];
    long handed = loop.callsHandedIn();
    long inline = loop.callsRunInline();
    assertEquals(Thread.currentThread(), loop.call(now -> Thread.currentThread()));
    assertEquals(inline + 1, loop.callsRunInline(), "the call claimed the waiting loop");
    assertEquals(handed, loop.callsHandedIn(), "nothing was handed to the loop thread");
    assertEquals(wakeups, loop.wakeCounts()[2], "and the loop was not woken");
    assertTrue(loop.isClaimable(), "the loop still waits, claimable again");
  }

  @Test
  void claimedCall_queuedCallsOfTheSameThreadRunFirst() throws Exception {
    HostDriver loop = start(0);
    awaitClaimable(loop);
    java.util.List<Integer> order = new java.util.concurrent.CopyOnWriteArrayList<>();
    for (int round = 0; round < 100; round++) {
      order.clear();
      loop.execute(now -> order.add(1));
      loop.call(now -> order.add(2));
      assertEquals(java.util.List.of(1, 2), order, "a thread's calls run in its order");
    }
  }

  @Test
  void claimedCall_thatMakesAnEarlierDeadline_wakesTheLoopOnce_andTheTimerFires() throws Exception {
    TcpConfig fastRto =
        TcpConfig.defaults()
            .withRto(Duration.ofMillis(20), Duration.ofMillis(20), Duration.ofSeconds(60));
    HostDriver loop = start(0, null, HostConfig.defaults(1).withTcp(fastRto));
    awaitClaimable(loop);
    long wakeups = loop.wakeCounts()[2];
    InetAddress peer = InetAddress.getByName("10.0.0.2");
    loop.call(now -> loop.host().connect(peer, 80, now));
    assertEquals(1, loop.callsRunInline(), "the connect ran on this thread");
    assertEquals(
        wakeups + 1,
        loop.wakeCounts()[2],
        "the SYN's 20 ms timer comes before the idle loop's wait ends: the loop is woken");
    ByteBuffer packet = ByteBuffer.allocate(2048);
    assertTrue(pair.b().receive(packet, 0) > 0, "the SYN left from this thread, within the call");
    // No packet answers the SYN: only the loop's timer can send it again.
    packet.clear();
    assertTrue(pair.b().receive(packet, 10_000_000_000L) > 0, "the loop resent the SYN");
  }

  @Test
  void eventListenerSet_loopNeverClaimed_everyCallWakesItThroughTheLink() throws Exception {
    HostDriver loop = start(0, e -> {}, HostConfig.defaults(1));
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
    assertEquals(0, loop.callsRunInline(), "a loop with an event listener is never claimed");
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

  @Test
  void claimedCall_readsAWatchedSignal_itsVersionStandsAfterTheCall() throws Exception {
    HostDriver loop = start(0);
    Signal watched = new Signal();
    loop.call(
        now -> {
          loop.watchEveryTurn(watched, true);
          return null;
        });
    awaitClaimable(loop);
    long inline = loop.callsRunInline();
    long seen = loop.call(now -> watched.version());
    assertEquals(inline + 1, loop.callsRunInline(), "the call claimed the waiting loop");
    // A waiter that read the version in its call and waits for a change must not be woken by its
    // own call: it would call again at once, for ever (a close with linger did).
    assertEquals(seen, watched.version(), "the claimed call's own bump came before it");
  }

  @Test
  void loopsWaitEnded_whileAClaimerRuns_noNewClaim_theLoopGetsItsLockNext() throws Exception {
    HostDriver loop = start(0);
    awaitClaimable(loop);
    long inline = loop.callsRunInline();
    boolean refused =
        loop.call(
            now -> {
              loop.wakeup(); // ends the loop's wait while this call holds the loop
              for (int i = 0; i < 10_000 && loop.isClaimable(); i++) {
                try {
                  Thread.sleep(1);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                  return false;
                }
              }
              return !loop.isClaimable();
            });
    assertEquals(inline + 1, loop.callsRunInline(), "the first call claimed the waiting loop");
    assertTrue(refused, "a loop whose wait ended takes no new claim while it waits for its lock");
  }
}
