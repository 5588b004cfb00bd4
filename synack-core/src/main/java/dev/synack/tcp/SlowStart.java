package dev.synack.tcp;

/**
 * Where slow start begins and how fast it grows: the initial window and the most an ACK may count,
 * as {@link TcpConfig#initialCwnd()} and {@link TcpConfig#slowStartAckLimit()} set them.
 *
 * @param initialCwnd the initial window in segments, as Linux's route option {@code initcwnd}; 0
 *     for RFC 6928's min(10·MSS, max(2·MSS, 14600)) bytes
 * @param ackLimit the most segments one ACK grows cwnd by in slow start, RFC 3465 §2.3's L; 0 for
 *     no limit, as Linux's {@code tcp_slow_start}
 */
record SlowStart(int initialCwnd, int ackLimit) {
  /** The defaults, as Linux: ten segments at any MSS ({@code TCP_INIT_CWND}), no limit per ACK. */
  static final SlowStart LINUX = new SlowStart(10, 0);

  SlowStart {
    if (initialCwnd < 0) throw new IllegalArgumentException("initialCwnd negative: " + initialCwnd);
    if (ackLimit < 0) throw new IllegalArgumentException("ackLimit negative: " + ackLimit);
  }

  /** Returns the slow-start rules of a configuration. */
  static SlowStart of(TcpConfig cfg) {
    return new SlowStart(cfg.initialCwnd(), cfg.slowStartAckLimit());
  }

  /** Returns the initial window in bytes for a sender MSS. */
  int initialWindow(int mss) {
    if (initialCwnd == 0) return rfc6928(mss);
    return (int) Math.min(Integer.MAX_VALUE, (long) initialCwnd * mss);
  }

  /** Returns the upper bound of RFC 6928 §2 for a sender MSS: min(10·MSS, max(2·MSS, 14600)). */
  static int rfc6928(int mss) {
    return Math.min(10 * mss, Math.max(2 * mss, 14600));
  }

  /**
   * Returns how many of an ACK's {@code acked} new bytes slow start counts: all of them, as Linux,
   * or at most L·SMSS (RFC 3465 §2.3).
   *
   * <p>RFC 3465 §2.3 caps the growth per ACK at L = 2·SMSS so that a stretch ACK, which may hide a
   * burst of losses or an ACK-division attack, cannot open the window in one step. Linux counts
   * every segment an ACK covers ({@code tcp_slow_start} in net/ipv4/tcp_cong.c, since 3.18's "tcp:
   * properly handle stretch acks in slow start"): with GRO on the receiver and TSO on the sender
   * one ACK per 64 KB is the norm, and with L = 2 a window that should double per round trip grows
   * by 2 segments per ACK instead (about 4 % a round at MTU 1500). The sender still bounds the
   * burst: cwnd never passes twice what was in flight ({@link LossRecovery}'s cwnd-limited test).
   */
  int countable(int acked, int mss) {
    if (ackLimit == 0) return acked;
    return (int) Math.min(acked, (long) ackLimit * mss);
  }

  /**
   * Returns cwnd grown by slow start for {@code counted} bytes (from {@link #countable}), not past
   * ssthresh (RFC 5681 §3.1); the bytes it did not use ({@code counted} less the growth) are
   * carried into congestion avoidance, as Linux's {@code tcp_slow_start} returns them.
   */
  static int grow(int cwnd, int ssthresh, int counted) {
    long grown = (long) cwnd + counted;
    return (int) Math.min(grown, Math.max(cwnd, ssthresh));
  }
}
