package dev.synack.tcp;

/**
 * Spaces a connection's segments in time at a pacing rate (Linux's {@code tcp_wstamp_ns} and {@code
 * tcp_update_skb_after_send}): each segment of {@code n} bytes moves the earliest departure of the
 * next by {@code n / rate}. A sender that woke late may catch up by at most one pacing quantum
 * (Linux's {@code tcp_tso_autosize}: about 1 ms of data, at least 2 segments), so a wake-up never
 * sends a larger burst than that, and a paced flow that keeps its timer sends segments exactly
 * {@code size / rate} apart.
 */
final class Pacer {
  private static final long SECOND = 1_000_000_000L;

  /** Linux's {@code sk_pacing_shift} of 10: a quantum is about 1 ms (1/1024 s) of data. */
  private static final int PACING_SHIFT = 10;

  private static final int MIN_QUANTUM_SEGMENTS = 2;

  /** The largest quantum, as Linux's GSO limit of 64 KiB. */
  private static final int MAX_QUANTUM_BYTES = 65536;

  /** Earliest departure of the next segment; meaningful once {@link #started}. */
  private long nextSend;

  private boolean started;

  /**
   * Returns the pacing quantum in segments at {@code rate} bytes per second: about 1 ms of data, at
   * least 2 segments.
   */
  static int quantumSegments(long rate, int mss) {
    long bytes = Math.min(rate >> PACING_SHIFT, MAX_QUANTUM_BYTES);
    return (int) Math.max(MIN_QUANTUM_SEGMENTS, bytes / Math.max(1, mss));
  }

  /** Returns whether a segment may leave at {@code now}. */
  boolean ready(long now) {
    return !started || nextSend <= now;
  }

  /** Returns when the next segment may leave. */
  long nextSend() {
    return nextSend;
  }

  /**
   * Notes a segment of {@code bytes} sent at {@code now} while pacing at {@code rate} bytes per
   * second.
   */
  void onSent(int bytes, long rate, int mss, long now) {
    if (rate <= 0) {
      started = false;
      return;
    }
    // No credit beyond one quantum for time the sender was idle or woke late: the segments it may
    // send at once, this one included, are at most the quantum, so a GSO run of them is no larger.
    long creditNanos = (long) (quantumSegments(rate, mss) - 1) * mss * SECOND / rate;
    long base = started ? Math.max(nextSend, now - creditNanos) : now - creditNanos;
    nextSend = TimeMath.after(base, TimeMath.product(bytes, SECOND) / rate);
    started = true;
  }
}
