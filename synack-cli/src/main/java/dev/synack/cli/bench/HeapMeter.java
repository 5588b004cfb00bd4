package dev.synack.cli.bench;

/** Heap in use after full collections, for the memory figure. */
final class HeapMeter {
  private HeapMeter() {}

  /** Returns heap bytes in use once full GCs stop freeing anything (at most five). */
  static long usedAfterGc() {
    Runtime rt = Runtime.getRuntime();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      System.gc();
      long now = rt.totalMemory() - rt.freeMemory();
      if (now >= used) return now;
      used = now;
    }
    return used;
  }
}
