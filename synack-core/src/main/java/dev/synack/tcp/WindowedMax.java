package dev.synack.tcp;

/**
 * A windowed maximum over a sliding window of "time" (rounds, for BBR's bandwidth filter): Kathleen
 * Nichols' algorithm as Linux's {@code lib/win_minmax.c}, which keeps the best, second best and
 * third best samples of successive quarters of the window in constant space.
 */
final class WindowedMax {
  private final long[] times = new long[3];
  private final double[] values = new double[3];

  /** Returns the maximum over the window. */
  double get() {
    return values[0];
  }

  /** Forgets everything but one sample. */
  void reset(long t, double v) {
    for (int i = 0; i < 3; i++) {
      times[i] = t;
      values[i] = v;
    }
  }

  /**
   * Takes a sample {@code v} at time {@code t} (non-decreasing) with a window of {@code window};
   * returns the maximum (Linux's {@code minmax_running_max}).
   */
  double update(long window, long t, double v) {
    if (v >= values[0] || t - times[2] > window) {
      reset(t, v); // a new maximum, or nothing left in the window
      return values[0];
    }
    if (v >= values[1]) {
      set(2, t, v);
      set(1, t, v);
    } else if (v >= values[2]) {
      set(2, t, v);
    }
    long dt = t - times[0];
    if (dt > window) {
      // The best sample left the window: the second becomes the best, and so on.
      shift(t, v);
      if (t - times[0] > window) shift(t, v);
    } else if (times[1] == times[0] && dt > window / 4) {
      set(2, t, v); // a quarter of the window passed with no second choice: take this one
      set(1, t, v);
    } else if (times[2] == times[1] && dt > window / 2) {
      set(2, t, v);
    }
    return values[0];
  }

  private void shift(long t, double v) {
    set(0, times[1], values[1]);
    set(1, times[2], values[2]);
    set(2, t, v);
  }

  private void set(int i, long t, double v) {
    times[i] = t;
    values[i] = v;
  }
}
