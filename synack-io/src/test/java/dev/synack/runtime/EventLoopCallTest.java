package dev.synack.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.sim.SimNetwork;
import java.io.InterruptedIOException;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Calls handed to the loop from an interrupted thread: {@code call} gives up, {@code
 * callUninterruptibly} returns the answer.
 */
class EventLoopCallTest {
  private final SimDriver loop = new SimDriver(new SimNetwork(1), List.of());

  @AfterEach
  void close() throws Exception {
    Thread.interrupted();
    loop.close();
  }

  @Test
  void interruptedCaller_callGivesUp_callUninterruptiblyReturnsWhatTheTaskDid() throws Exception {
    AtomicInteger ran = new AtomicInteger();
    CountDownLatch busy = new CountDownLatch(1);
    loop.execute(
        now -> {
          try {
            busy.await(); // the loop is busy, so no answer can come before the callers see their
            // interrupt
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    Thread.currentThread().interrupt();
    assertThrows(InterruptedIOException.class, () -> loop.call(now -> ran.incrementAndGet()));
    Thread.currentThread().interrupt();
    Thread.ofVirtual().start(busy::countDown);
    int answer = loop.callUninterruptibly(now -> ran.incrementAndGet() * 100);
    assertTrue(Thread.interrupted(), "the interrupt status is left set");
    assertEquals(
        200, answer, "the task's own answer, after the first task (queued before it) ran too");
    assertEquals(2, (int) loop.call(now -> ran.get()), "both tasks ran on the loop");
  }
}
