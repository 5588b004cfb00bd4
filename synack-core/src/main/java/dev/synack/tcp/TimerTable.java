package dev.synack.tcp;

import java.util.Arrays;

/**
 * The deadlines of a connection's timers, one per {@link TimerKind}, in ns on the caller's clock
 * (quinn-proto's timer table). Every set, cancel and expiry of a protocol timer is traced.
 *
 * <p>The table is allocated when a timer is first set and given back by {@link #releaseIfIdle} when
 * none runs, so that an idle connection holds none (DESIGN.md "Buffers grow on demand").
 */
final class TimerTable {
  private static final long UNSET = Long.MAX_VALUE;
  private static final TimerKind[] KINDS = TimerKind.values();

  /**
   * Deadline per kind, by ordinal, {@link #UNSET} when the timer is not running; {@code null} when
   * none runs and the table was given back.
   */
  private long[] deadlines;

  /** How many timers run: the entries of {@link #deadlines} that are not {@link #UNSET}. */
  private int running;

  private final Tracer tracer;

  TimerTable(Tracer tracer) {
    this.tracer = tracer;
  }

  /** (Re)starts a timer to expire at {@code deadline}. */
  void set(TimerKind kind, long deadline, long now) {
    if (deadlines == null) {
      deadlines = new long[KINDS.length];
      Arrays.fill(deadlines, UNSET);
    }
    if (deadlines[kind.ordinal()] == UNSET) running++;
    deadlines[kind.ordinal()] = deadline;
    if (kind.traced()) tracer.timer(now, kind, "set");
  }

  /** Stops a timer if it runs. */
  void cancel(TimerKind kind, long now) {
    if (!isSet(kind)) return;
    deadlines[kind.ordinal()] = UNSET;
    running--;
    if (kind.traced()) tracer.timer(now, kind, "cancelled");
  }

  /** Stops every timer. */
  void cancelAll(long now) {
    for (TimerKind kind : KINDS) cancel(kind, now);
  }

  /** Gives the table back if no timer runs (the next {@link #set} allocates it again). */
  void releaseIfIdle() {
    if (running == 0) deadlines = null;
  }

  /** Returns a timer's deadline, {@link Long#MAX_VALUE} when it is not running. */
  long deadline(TimerKind kind) {
    return deadlines == null ? UNSET : deadlines[kind.ordinal()];
  }

  boolean isSet(TimerKind kind) {
    return deadlines != null && deadlines[kind.ordinal()] != UNSET;
  }

  /** Returns the earliest deadline, {@link Long#MAX_VALUE} when no timer runs. */
  long next() {
    if (running == 0) return UNSET;
    long min = UNSET;
    for (long d : deadlines) min = Math.min(min, d);
    return min;
  }

  /**
   * Returns the earliest deadline of a protocol timer, housekeeping left out; {@link
   * Long#MAX_VALUE} when none runs.
   */
  long nextProtocolDeadline() {
    long min = UNSET;
    for (TimerKind kind : KINDS) if (kind.traced()) min = Math.min(min, deadline(kind));
    return min;
  }

  /**
   * Returns a timer whose deadline has passed, stopped and traced as fired, or {@code null} when
   * none has.
   */
  TimerKind takeExpired(long now) {
    if (running == 0) return null;
    for (TimerKind kind : KINDS) {
      if (deadlines[kind.ordinal()] - now <= 0 && deadlines[kind.ordinal()] != UNSET) {
        deadlines[kind.ordinal()] = UNSET;
        running--;
        if (kind.traced()) tracer.timer(now, kind, "fired");
        return kind;
      }
    }
    return null;
  }
}
