package dev.synack.tcp;

/**
 * Limits challenge ACKs (RFC 5961 §7: "an implementation SHOULD include an ACK throttling
 * mechanism") to a number per second, counted in one-second intervals of the caller's clock, like
 * Linux's {@code tcp_challenge_ack_limit}. See {@link TcpConfig#challengeAckLimit()} for the value.
 */
final class ChallengeAckLimiter {
  private static final long SECOND = 1_000_000_000L;

  private final int perSecond;

  /** Start of the current one-second interval. */
  private long intervalStart = Long.MIN_VALUE;

  /** Challenge ACKs sent in the current interval. */
  private int sent;

  ChallengeAckLimiter(int perSecond) {
    this.perSecond = perSecond;
  }

  /** Returns whether one more challenge ACK may be sent now, counting it if so. */
  boolean tryAcquire(long now) {
    if (intervalStart == Long.MIN_VALUE || now - intervalStart >= SECOND) {
      intervalStart = now;
      sent = 0;
    }
    if (sent >= perSecond) return false;
    sent++;
    return true;
  }
}
