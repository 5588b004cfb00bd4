package dev.synack.runtime;

import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * A bounded busy-poll before a thread parks, as Linux's {@code SO_BUSY_POLL} / {@code
 * net.core.busy_poll} ({@code sk_busy_loop}): polling for a short while costs a little CPU and
 * spares the wake-up that follows a park (a futex or {@code ppoll(2)} return, and on a virtual
 * machine often an inter-processor interrupt), which is most of a request–response round trip when
 * the answer comes within microseconds.
 *
 * <p>The budget bounds every spin in time, read from the clock given (a virtual one in tests), and
 * never runs past the caller's deadline. Not thread-safe: one per spinning thread.
 */
final class BusyPoll {
  /**
   * The budget Linux suggests for {@code busy_poll} (50 µs): an echo's next request, or a user's
   * call after an answer, comes within that on this kind of machine.
   */
  static final long SUGGESTED_LOOP_NANOS = 50_000L;

  /**
   * The loop's budget, off unless asked for, as Linux's {@code net.core.busy_poll} is 0 by default:
   * a spinning loop takes a core from everything else, and on a machine with few cores, where the
   * peer or the application runs beside it, the spin delays the very answer it waits for (a
   * request–response over TUN on 2 loaded cores measured 3 to 6 times slower with 50 µs and 20 µs
   * budgets than without).
   */
  static final long LOOP_BUDGET_NANOS = budget("synack.busyPoll.loopNanos", 0L);

  /**
   * The budget of a thread that waits for the loop to tell it an outcome (a blocking read's data, a
   * call's answer) before it parks ({@link CallerSpin}): off unless asked for, as the loop's. Where
   * it wins, a request–response spares a {@code futex(2)} wait and wake and the sleeping thread's
   * wake-up on each request; but a blocked read waits for the peer's next request, a whole round
   * trip, and synack's round trip over TUN was 239–1,040 µs in every measured run, never within a
   * 50 µs budget: in session 9's A/B (three pairs, load 16) and in every run of session 8 the spin
   * won on 0.00 waits per request, lost on 0.08 and backed off on 1.3 (BENCHMARKS.md). 50000 suits
   * an embedder whose answers come within microseconds on cores to spare.
   */
  static final long CALLER_BUDGET_NANOS = budget("synack.busyPoll.callerNanos", 0L);

  private final long budgetNanos;
  private final LongSupplier clock;

  /** Spins that ended because the poll found something, and spins that ran out. */
  private long won;

  private long lost;

  /**
   * Polls for at most {@code budgetNanos} on {@code clock} ({@link System#nanoTime} in use); a
   * budget of 0 never spins.
   */
  BusyPoll(long budgetNanos, LongSupplier clock) {
    if (budgetNanos < 0)
      throw new IllegalArgumentException("budget must not be negative: " + budgetNanos);
    this.budgetNanos = budgetNanos;
    this.clock = clock;
  }

  /**
   * Calls {@code poll} until it returns true, the budget is spent, or {@code deadline} (on the same
   * clock) passes; returns whether the poll found something. Polls at least once when the budget is
   * above 0 and the deadline is ahead.
   */
  boolean spin(long deadline, BooleanSupplier poll) {
    if (budgetNanos == 0) return false;
    long start = clock.getAsLong();
    long end = Math.min(deadline, start + budgetNanos);
    if (end - start <= 0) return false;
    do {
      if (poll.getAsBoolean()) {
        won++;
        return true;
      }
      Thread.onSpinWait();
    } while (clock.getAsLong() - end < 0);
    lost++;
    return false;
  }

  /**
   * Returns the budget a system property sets (nanoseconds, 0 for none; as Linux's {@code
   * net.core.busy_poll} in µs), or {@code fallback} when it is unset or not a number ≥ 0.
   */
  static long budget(String property, long fallback) {
    Long set = Long.getLong(property);
    return set == null || set < 0 ? fallback : set;
  }

  /** Returns the budget in nanoseconds. */
  long budgetNanos() {
    return budgetNanos;
  }

  /** Returns how many spins found something before the budget ran out. */
  long won() {
    return won;
  }

  /** Returns how many spins ran out of budget (and the thread then parked). */
  long lost() {
    return lost;
  }
}
