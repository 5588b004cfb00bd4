package dev.synack.cli.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * Wall-clock timing for the figures, and the CPU time of the measuring thread beside it: on a
 * shared, loaded machine the wall clock also counts the time other processes had the core, while
 * the CPU time of a single-threaded measurement (the sim figures) says what the code itself costs.
 */
final class Stopwatch {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  private final long start = System.nanoTime();
  private final long cpuStart = THREADS.getCurrentThreadCpuTime();

  /** Returns the nanoseconds since the stopwatch was made, at least 1. */
  long elapsedNanos() {
    return Math.max(1, System.nanoTime() - start);
  }

  /**
   * Returns the CPU nanoseconds the calling thread (the one that made the stopwatch) used since, at
   * least 1.
   */
  long cpuNanos() {
    return Math.max(1, THREADS.getCurrentThreadCpuTime() - cpuStart);
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
