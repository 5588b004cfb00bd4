package dev.synack.cli.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Heap in use after full collections, for the memory figures: read until two readings agree, and
 * turned into bytes per item only when the growth stands clear of the readings' noise. A negative
 * or noise-sized growth is no figure: it says something outside the measurement was freed or
 * allocated in between (an earlier rig's threads ending, their garbage), so the meter reports it
 * {@link Unmeasurable}, with the reason, instead.
 */
final class HeapMeter {
  /** The heap as the meter sees it: a full collection, then the bytes in use. */
  @FunctionalInterface
  interface Heap {
    /** Collects fully and returns the bytes of heap in use after it. */
    long collectAndRead();
  }

  /** A memory figure that cannot be given, and why. */
  static final class Unmeasurable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Unmeasurable(String reason) {
      super(reason);
    }
  }

  /**
   * This JVM's heap: {@link System#gc} (a full collection under every collector the bench uses).
   */
  static final Heap RUNTIME =
      () -> {
        System.gc();
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
      };

  /** Two readings this close (bytes) are one stable level. */
  static final long TOLERANCE_BYTES = 256 * 1024;

  /** The most readings a stable level may take. */
  static final int MAX_READINGS = 12;

  /** A growth must be at least this many tolerances to be told from the readings' noise. */
  static final int MIN_GROWTH_TOLERANCES = 4;

  /** How long {@link #awaitThreadsEnded} waits, in milliseconds. */
  static final long THREAD_WAIT_MILLIS = 15_000;

  private final Heap heap;
  private final long tolerance;
  private final int maxReadings;

  HeapMeter(Heap heap, long tolerance, int maxReadings) {
    if (tolerance <= 0 || maxReadings < 2)
      throw new IllegalArgumentException("tolerance " + tolerance + ", readings " + maxReadings);
    this.heap = heap;
    this.tolerance = tolerance;
    this.maxReadings = maxReadings;
  }

  /** Returns the meter of this JVM's heap. */
  static HeapMeter runtime() {
    return new HeapMeter(RUNTIME, TOLERANCE_BYTES, MAX_READINGS);
  }

  /**
   * Returns the heap in use once two consecutive readings agree within the tolerance (the lower of
   * the two: what is left once the collector stops finding garbage).
   *
   * @throws Unmeasurable if no two consecutive readings of {@link #MAX_READINGS} agree
   */
  long stable() {
    long last = heap.collectAndRead();
    for (int i = 1; i < maxReadings; i++) {
      long now = heap.collectAndRead();
      if (Math.abs(now - last) <= tolerance) return Math.min(now, last);
      last = now;
    }
    throw new Unmeasurable(
        "the heap did not settle: "
            + maxReadings
            + " readings after full collections, no two in a row within "
            + tolerance
            + " B (last "
            + last
            + " B)");
  }

  /**
   * Returns the heap's growth from {@code before} to {@code after} per item, for {@code items}
   * items held at {@code after}.
   *
   * @throws Unmeasurable if the heap shrank, or grew by less than {@link #MIN_GROWTH_TOLERANCES}
   *     tolerances (too few items to weigh above the noise)
   */
  double perItem(long before, long after, int items) {
    if (items <= 0) throw new IllegalArgumentException("items " + items);
    long growth = after - before;
    if (growth < 0) {
      throw new Unmeasurable(
          "the heap shrank by "
              + -growth
              + " B while "
              + items
              + " items were added: memory outside the measurement was freed in between");
    }
    if (growth < MIN_GROWTH_TOLERANCES * tolerance) {
      throw new Unmeasurable(
          "the heap grew by "
              + growth
              + " B for "
              + items
              + " items, within "
              + MIN_GROWTH_TOLERANCES
              + " x the readings' noise ("
              + tolerance
              + " B): too few items to weigh");
    }
    return growth / (double) items;
  }

  /** Returns the live threads of this JVM. */
  static Set<Thread> liveThreads() {
    return Thread.getAllStackTraces().keySet();
  }

  /**
   * Waits up to {@code timeoutMillis} for every thread started since {@code baseline} was taken to
   * end (an earlier rig's loops, holding its heap), the JDK's own pooled threads (process reapers,
   * the common pool) excepted; returns the names of those still alive, empty when all ended.
   */
  static List<String> awaitThreadsEnded(Set<Thread> baseline, long timeoutMillis)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
    List<String> alive = new ArrayList<>();
    for (Thread t : liveThreads()) {
      if (baseline.contains(t) || t == Thread.currentThread() || jdkPooled(t)) continue;
      long left = (deadline - System.nanoTime()) / 1_000_000L;
      if (left > 0) t.join(left);
      if (t.isAlive()) alive.add(t.getName());
    }
    return alive;
  }

  private static boolean jdkPooled(Thread t) {
    String name = t.getName();
    return name.startsWith("process reaper")
        || name.startsWith("ForkJoinPool")
        || name.startsWith("Common-Cleaner")
        || name.startsWith("Attach Listener");
  }
}
