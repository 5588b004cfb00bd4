package dev.synack.tcp;

import java.util.Arrays;

/**
 * The deadlines of a connection's timers, one per {@link TimerKind}, in ns on the caller's clock
 * (quinn-proto's timer table). Every set, cancel and expiry of a protocol timer is traced.
 */
final class TimerTable {
  private static final long UNSET = Long.MAX_VALUE;
  private static final TimerKind[] KINDS = TimerKind.values();

  /** Deadline per kind, by ordinal; {@link #UNSET} when the timer is not running. */
  private final long[] deadlines = new long[KINDS.length];
  private final Tracer tracer;

  TimerTable(Tracer tracer) {
    this.tracer = tracer;
    Arrays.fill(deadlines, UNSET);
  }

  /** (Re)starts a timer to expire at {@code deadline}. */
  void set(TimerKind kind, long deadline, long now) {
    deadlines[kind.ordinal()] = deadline;
    if (kind.traced()) tracer.timer(now, kind, "set");
  }

  /** Stops a timer if it runs. */
  void cancel(TimerKind kind, long now) {
    if (deadlines[kind.ordinal()] == UNSET) return;
    deadlines[kind.ordinal()] = UNSET;
    if (kind.traced()) tracer.timer(now, kind, "cancelled");
  }

  /** Stops every timer. */
  void cancelAll(long now) {
    for (TimerKind kind : KINDS) cancel(kind, now);
  }

  /** Returns a timer's deadline, {@link Long#MAX_VALUE} when it is not running. */
  long deadline(TimerKind kind) {
    return deadlines[kind.ordinal()];
  }

  boolean isSet(TimerKind kind) {
    return deadlines[kind.ordinal()] != UNSET;
  }

  /** Returns the earliest deadline, {@link Long#MAX_VALUE} when no timer runs. */
  long next() {
    long min = UNSET;
    for (long d : deadlines) min = Math.min(min, d);
    return min;
  }

  /** Returns the earliest deadline of a protocol timer, housekeeping left out; {@link Long#MAX_VALUE} when none runs. */
  long nextProtocolDeadline() {
    long min = UNSET;
    for (TimerKind kind : KINDS) if (kind.traced()) min = Math.min(min, deadlines[kind.ordinal()]);
    return min;
  }

  /** Returns a timer whose deadline has passed, stopped and traced as fired, or {@code null} when none has. */
  TimerKind takeExpired(long now) {
    for (TimerKind kind : KINDS) {
      if (deadlines[kind.ordinal()] - now <= 0 && deadlines[kind.ordinal()] != UNSET) {
        deadlines[kind.ordinal()] = UNSET;
        if (kind.traced()) tracer.timer(now, kind, "fired");
        return kind;
      }
    }
    return null;
  }
}
