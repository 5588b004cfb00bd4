package dev.synack.runtime;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * A bounded spin of a thread that waits for the loop to tell it an outcome (a blocking read's data,
 * a call's answer) before it parks, which gives itself up while it does not pay: as Linux's {@code
 * SO_BUSY_POLL} on the application's side, and as HotSpot's adaptive spinning on a contended
 * monitor. A won spin spares the park and the unpark ({@code futex(2)} wait and wake, and the
 * wake-up latency of a thread that slept), a lost one costs its budget of CPU, which on a loaded
 * machine is CPU the loop and the peer needed: so after {@link #LOSSES_BEFORE_BACKOFF} losses in a
 * row the next {@link #SKIPPED_AFTER_LOSSES} waits park at once, and the spin is tried again after.
 *
 * <p>Shared by every thread that waits on one loop; its counts are only approximate under races,
 * which changes nothing but when the spin is next tried.
 */
final class CallerSpin {
  /** Losses in a row after which the spin is skipped for a while. */
  static final int LOSSES_BEFORE_BACKOFF = 4;

  /** Waits that park without spinning after {@link #LOSSES_BEFORE_BACKOFF} losses in a row. */
  static final int SKIPPED_AFTER_LOSSES = 64;

  private final long budgetNanos;
  private final LongSupplier clock;

  /** Losses since the last win or backoff; waits left to skip. */
  private final AtomicInteger losses = new AtomicInteger();

  private final AtomicInteger skip = new AtomicInteger();

  private final AtomicLong won = new AtomicLong();
  private final AtomicLong lost = new AtomicLong();
  private final AtomicLong skipped = new AtomicLong();

  /**
   * Spins for at most {@code budgetNanos} on {@code clock} ({@link System#nanoTime} in use); a
   * budget of 0 never spins.
   */
  CallerSpin(long budgetNanos, LongSupplier clock) {
    if (budgetNanos < 0)
      throw new IllegalArgumentException("budget must not be negative: " + budgetNanos);
    this.budgetNanos = budgetNanos;
    this.clock = clock;
  }

  /**
   * Polls {@code done} until it says true or the budget is spent, unless the spin is backing off;
   * returns whether {@code done} said true (the caller then need not park).
   */
  boolean spin(BooleanSupplier done) {
    if (budgetNanos == 0) return false;
    if (skip.get() > 0 && skip.getAndDecrement() > 0) {
      skipped.incrementAndGet();
      return false;
    }
    long end = clock.getAsLong() + budgetNanos;
    do {
      if (done.getAsBoolean()) {
        won.incrementAndGet();
        losses.set(0);
        return true;
      }
      Thread.onSpinWait();
    } while (clock.getAsLong() - end < 0);
    lost.incrementAndGet();
    if (losses.incrementAndGet() >= LOSSES_BEFORE_BACKOFF) {
      losses.set(0);
      skip.set(SKIPPED_AFTER_LOSSES);
    }
    return false;
  }

  /** Returns the budget in nanoseconds. */
  long budgetNanos() {
    return budgetNanos;
  }

  /** Returns {spins won, spins lost, waits that skipped the spin while it backed off}. */
  long[] counts() {
    return new long[] {won.get(), lost.get(), skipped.get()};
  }
}
