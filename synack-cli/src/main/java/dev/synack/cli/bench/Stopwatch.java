package dev.synack.cli.bench;

/** Wall-clock timing for the figures; the only place the benchmark reads the clock. */
final class Stopwatch {
  private final long start = System.nanoTime();

  /** Returns the nanoseconds since the stopwatch was made, at least 1. */
  long elapsedNanos() {
    return Math.max(1, System.nanoTime() - start);
  }

  /** Returns bits per nanosecond, which is Gbit/s, for {@code bytes} moved since the start. */
  double gbitPerSecond(long bytes) {
    return bytes * 8.0 / elapsedNanos();
  }

  /** Returns events per second for {@code count} events since the start. */
  double perSecond(long count) {
    return count * 1e9 / elapsedNanos();
  }
}
