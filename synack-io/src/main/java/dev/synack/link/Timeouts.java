package dev.synack.link;

/** Turns the relative timeouts of {@link Link} into deadlines on {@link System#nanoTime()}. */
final class Timeouts {
  /** Deadline meaning "no limit"; any timeout above this many nanoseconds waits forever. */
  static final long NONE = Long.MAX_VALUE / 2;

  private Timeouts() {}

  /** Checks a timeout argument and returns it. */
  static long check(long timeoutNanos) {
    if (timeoutNanos < 0)
      throw new IllegalArgumentException("timeoutNanos must be >= 0: " + timeoutNanos);
    return timeoutNanos;
  }

  /** Returns the deadline of a wait that starts now, or {@link #NONE} for a wait without limit. */
  static long deadline(long timeoutNanos) {
    return timeoutNanos > NONE ? NONE : System.nanoTime() + timeoutNanos;
  }

  /**
   * Returns the nanoseconds left until {@code deadline} (at most 0 once passed), or {@link #NONE}.
   */
  static long remaining(long deadline) {
    return deadline == NONE ? NONE : deadline - System.nanoTime();
  }
}
