package dev.synack.link;

import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.Set;

/**
 * Decides which ignored senders of a UDP link are reported: each once, and at most {@value #BURST}
 * at once and then one a second, so that a scan from many addresses costs a line a second, not a
 * line a datagram (as Linux's {@code net_ratelimit} bounds its kernel log). A sender refused by the
 * rate limit is not remembered, so it may be reported later. Time is the caller's {@code now} in
 * nanoseconds; not thread-safe (the link's receiving thread).
 */
final class IgnoredSenders {
  /** Reports allowed at once. */
  static final int BURST = 10;

  /** Time that earns one more report. */
  static final long INTERVAL_NANOS = 1_000_000_000L;

  /** Senders remembered as reported; beyond it, new senders are still limited by the rate. */
  static final int REMEMBERED = 1024;

  private final Set<InetSocketAddress> reported = new HashSet<>();
  private long tokens = BURST;
  private long lastRefill;
  private boolean started;

  /** Returns whether a datagram ignored from {@code from} at {@code now} is to be reported. */
  boolean report(InetSocketAddress from, long now) {
    if (reported.contains(from)) return false;
    if (!started) {
      started = true;
      lastRefill = now;
    }
    long earned = (now - lastRefill) / INTERVAL_NANOS;
    if (earned > 0) {
      tokens = Math.min(BURST, tokens + earned);
      lastRefill += earned * INTERVAL_NANOS;
    }
    if (tokens == 0) return false;
    tokens--;
    if (reported.size() < REMEMBERED) reported.add(from);
    return true;
  }
}
