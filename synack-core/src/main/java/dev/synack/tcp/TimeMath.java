package dev.synack.tcp;

/**
 * Timer arithmetic that saturates instead of overflowing: deadlines, backed-off intervals and
 * Linux's retransmission time bound. A {@code long} of nanoseconds overflows after 292 years, which
 * a shift reaches fast ({@code 8.6 s << 30}); an overflowed deadline lies in the past, is always
 * due, and a timer loop that re-arms it never ends. Every interval a timer is set with passes here.
 */
final class TimeMath {
  /** The latest deadline a timer may have: just before {@link TimerTable}'s "not running". */
  static final long LATEST = Long.MAX_VALUE - 1;

  private TimeMath() {}

  /**
   * Returns {@code now + interval}, at most {@link #LATEST}; {@code interval} is at least 1 ns, so
   * the deadline is after {@code now}.
   */
  static long after(long now, long interval) {
    long d = now + Math.max(1, interval);
    return d < now ? LATEST : Math.min(d, LATEST);
  }

  /**
   * Returns {@code base} doubled {@code shifts} times, at most {@code max} (Linux's {@code
   * inet_csk_rto_backoff} with its u64 and cap).
   */
  static long backedOff(long base, int shifts, long max) {
    if (base <= 0 || shifts <= 0) return Math.min(base, max);
    if (shifts >= Long.numberOfLeadingZeros(base))
      return max; // base << shifts would not fit in 63 bits
    return Math.min(base << shifts, max);
  }

  /** Returns {@code a + b} for non-negative values, at most {@link Long#MAX_VALUE}. */
  static long sum(long a, long b) {
    long s = a + b;
    return s < a ? Long.MAX_VALUE : s;
  }

  /** Returns {@code a · b} for non-negative values, at most {@link Long#MAX_VALUE}. */
  static long product(long a, long b) {
    long hi = Math.multiplyHigh(a, b);
    long lo = a * b;
    return hi != 0 || lo < 0 ? Long.MAX_VALUE : lo;
  }

  /**
   * Returns how long the retransmissions of one segment may go unanswered before the connection
   * gives up: Linux's {@code tcp_model_timeout}, the time that {@code boundary} retransmissions
   * take when the RTO starts at {@code rtoBase} and doubles up to {@code rtoMax} (for {@code
   * tcp_retries2} = 15 from TCP_RTO_MIN 200 ms to TCP_RTO_MAX 120 s: 924.6 s; for {@code
   * tcp_syn_retries} = 6 from 1 s: 127 s). Linux bounds in time rather than in count so that a
   * larger RTO gives up no later (RFC 9293 §3.8.3's R2 "in units of time").
   */
  static long retransmissionBound(int boundary, long rtoBase, long rtoMax) {
    long base = Math.max(1, rtoBase);
    int linearFrom =
        63 - Long.numberOfLeadingZeros(Math.max(1, rtoMax / base)); // ilog2(rtoMax / rtoBase)
    if (boundary <= linearFrom) return product((2L << boundary) - 1, base);
    return sum(product((2L << linearFrom) - 1, base), product(boundary - linearFrom, rtoMax));
  }
}
