package dev.synack.socket;

import dev.synack.runtime.EventLoop;
import dev.synack.runtime.Signal;
import dev.synack.runtime.Waiter;
import dev.synack.stack.Readiness;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongFunction;

/**
 * A blocking call that the loop itself finishes: the attempt runs on the loop, and if it cannot
 * finish yet it stays registered on the connection's {@link Signal}, and the loop tries it again
 * after each event of the connection, until it returns a value. The caller is woken once, with the
 * outcome, where a wait that retried from the caller's thread crossed to the loop and back after
 * every event (an ACK that freed room, a segment that brought data): a writer whose buffer the loop
 * fills as ACKs free room wakes once per write, not once per ACK, and a reader's data arrives in
 * one hand-off instead of three. As Linux's {@code sk_stream_wait_memory} loop, but run where the
 * socket lives.
 *
 * <p>The attempt runs on the loop thread, inside the loop's dispatch of events: it must only call
 * the connection, never block. Its value or exception is handed to the one waiting thread.
 */
final class LoopWait<T> implements Waiter {
  private final EventLoop loop;
  private final Signal signal;
  private final LongFunction<T> attempt;

  /** The waiting thread, unparked once the outcome is in. */
  private final Thread caller = Thread.currentThread();

  /**
   * The outcome: a value, or an exception the attempt threw (or the loop's, stopped before the
   * first attempt); published by {@link #done}.
   */
  private T value;

  private Throwable failure;
  private volatile boolean done;

  /** Set on the loop when the caller gave up: the attempt is not run again. */
  private boolean cancelled;

  private LoopWait(EventLoop loop, Signal signal, LongFunction<T> attempt) {
    this.loop = loop;
    this.signal = signal;
    this.attempt = attempt;
  }

  /**
   * Runs {@code attempt} on {@code loop} until it returns non-null, again after each event of
   * {@code signal}'s connection, and returns its value; throws what it threw, or {@link
   * SocketTimeoutException} when {@code timeoutMillis} (0: none) passes first.
   */
  static <T> T await(
      EventLoop loop, Signal signal, long timeoutMillis, String what, LongFunction<T> attempt)
      throws IOException {
    long deadline =
        timeoutMillis <= 0 ? Long.MAX_VALUE : System.nanoTime() + timeoutMillis * 1_000_000L;
    LoopWait<T> wait = new LoopWait<>(loop, signal, attempt);
    // A loop that stops meanwhile notifies the signal: ready() then fails the call.
    loop.blocking(signal);
    try {
      return wait.await(deadline, timeoutMillis, what);
    } finally {
      loop.unblocked(signal);
    }
  }

  private T await(long deadline, long timeoutMillis, String what) throws IOException {
    LoopWait<T> wait = this;
    // The first attempt's outcome comes the way a later one does: a caller whose attempt must wait
    // parks once, until the outcome, rather than once for the loop's "not yet" and again after.
    loop.submit(wait::first, wait::stopped);
    // A request's data or an ACK's room often comes within microseconds: the caller spins for it
    // once before it parks, sparing the park and the loop's unpark when it comes in time.
    if (!wait.done) loop.spinForOutcome(wait::isDone);
    while (!wait.done) {
      long left = deadline == Long.MAX_VALUE ? Long.MAX_VALUE : deadline - System.nanoTime();
      if (left <= 0 || Thread.currentThread().isInterrupted()) {
        boolean interrupted = Thread.interrupted();
        boolean finished = wait.cancel();
        if (interrupted) Thread.currentThread().interrupt();
        if (finished) break;
        if (interrupted) throw new InterruptedIOException(what + " interrupted");
        throw new SocketTimeoutException(what + " timed out after " + timeoutMillis + " ms");
      }
      if (left == Long.MAX_VALUE) {
        LockSupport.park(wait);
      } else {
        LockSupport.parkNanos(wait, left);
      }
    }
    return wait.outcome();
  }

  private boolean isDone() {
    return done;
  }

  /** Makes the first attempt, on the loop: finishes, or registers for the connection's events. */
  private void first(long now) {
    if (cancelled) return;
    try {
      T v = attempt.apply(now);
      if (v == null) {
        signal.register(this, Readiness.ALL);
        return;
      }
      value = v;
    } catch (RuntimeException | Error e) {
      failure = e;
    }
    finish();
  }

  /** Fails the wait: the loop stopped before its first attempt ran. Any thread. */
  private void stopped(IOException e) {
    failure = e;
    done = true;
    LockSupport.unpark(caller);
  }

  /**
   * Tries the attempt again after an event of the connection; on the loop thread, inside its
   * dispatch.
   */
  @Override
  public void ready(int readiness) {
    if (done || cancelled) return;
    if (!loop.isRunning()) {
      failure = loop.stoppedException();
      finish();
      return;
    }
    try {
      T v = attempt.apply(loop.eventTime());
      if (v == null) return;
      value = v;
    } catch (RuntimeException | Error e) {
      failure = e;
    }
    finish();
  }

  private void finish() {
    signal.unregister(this);
    done = true;
    LockSupport.unpark(caller);
  }

  /** Stops the attempt on the loop; returns true if it had finished first (its outcome stands). */
  private boolean cancel() throws IOException {
    return loop.callUninterruptibly(
        now -> {
          if (done) return true;
          cancelled = true;
          signal.unregister(this);
          return false;
        });
  }

  private T outcome() throws IOException {
    if (failure instanceof IOException io) throw io;
    if (failure instanceof RuntimeException r) throw r;
    if (failure instanceof Error e) throw e;
    return value;
  }
}
