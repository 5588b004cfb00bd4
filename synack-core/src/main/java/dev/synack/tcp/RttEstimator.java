package dev.synack.tcp;

/**
 * The retransmission timeout of RFC 6298: SRTT and RTTVAR from round-trip samples (taken only from
 * segments not retransmitted, Karn's rule, or from timestamps, RFC 7323 §4), and the RTO with its
 * exponential backoff.
 *
 * <p>Like Linux, the variance term has {@code minRto} as its floor, RTO = SRTT + max(minRto,
 * 4·RTTVAR), rather than RFC 6298 §2.4's "round RTO up to 1 second": Linux's 200 ms is its {@code
 * TCP_RTO_MIN}, and this keeps RTO above SRTT by at least that much. With a slop ({@link
 * TcpConfig#rtoSlop()}) the RTO is FreeBSD's instead: max(minRto, SRTT + 4·RTTVAR) ({@code
 * TCP_REXMTVAL}, its floor {@code rexmit_min}), backed off, plus the slop.
 */
final class RttEstimator {
  /** RFC 6298 §5.7: the RTO after a retransmitted SYN, when data transmission begins. */
  static final long RTO_AFTER_SYN_TIMEOUT = 3_000_000_000L;

  /** SRTT in ns; 0 until the first sample. */
  private long srtt;

  /** RTTVAR in ns. */
  private long rttvar;

  /** The RTO computed from the samples, before backoff. */
  private long baseRto;

  /** How many times the RTO was doubled since the last sample (RFC 6298 §5.5). */
  private int backoff;

  /**
   * Starts from {@code cfg}'s initial RTO; the bounds and slop are read from the connection's
   * {@link TcpConfig} at each call (the connection holds it; this holds no copy).
   */
  RttEstimator(TcpConfig cfg) {
    this.baseRto = cfg.initialRto();
  }

  /**
   * Returns the current RTO in ns, backoff included, at most maxRto. With a slop, FreeBSD's {@code
   * TCPT_RANGESET} adds it to every RTO it computes: after each sample and each backoff, though not
   * to the initial RTO the first SYN's timer starts with ({@code t_rxtcur}).
   */
  long rto(TcpConfig cfg) {
    long maxRto = cfg.maxRto();
    long rto = TimeMath.backedOff(baseRto, backoff, maxRto);
    long slop = cfg.rtoSlop();
    if (slop > 0 && (hasSample() || backoff > 0)) rto = TimeMath.sum(rto, slop);
    return Math.min(rto, maxRto);
  }

  long srtt() {
    return srtt;
  }

  long rttvar() {
    return rttvar;
  }

  boolean hasSample() {
    return srtt != 0;
  }

  /** Returns how many times the RTO was doubled since the last sample. */
  int backoff() {
    return backoff;
  }

  /**
   * Takes one round-trip sample R in ns (RFC 6298 §2.2 first, §2.3 after) and forgets the backoff.
   */
  void sample(long r, TcpConfig cfg) {
    r = Math.max(r, 1);
    if (srtt == 0) {
      srtt = r;
      rttvar = r / 2;
    } else {
      // §2.3 with alpha 1/8 and beta 1/4; RTTVAR first, from the old SRTT.
      rttvar = (3 * rttvar + Math.abs(srtt - r)) / 4;
      srtt = (7 * srtt + r) / 8;
    }
    // FreeBSD's TCP_REXMTVAL floors the sum; Linux floors the variance term (see the class
    // comment).
    long minRto = cfg.minRto();
    long variance = TimeMath.product(4, rttvar);
    baseRto =
        Math.min(
            cfg.maxRto(),
            cfg.rtoSlop() > 0
                ? Math.max(minRto, TimeMath.sum(srtt, variance))
                : TimeMath.sum(srtt, Math.max(minRto, variance)));
    backoff = 0;
  }

  /** Doubles the RTO after a timeout (RFC 6298 §5.5), up to maxRto. */
  void backOff(TcpConfig cfg) {
    if (rto(cfg) < cfg.maxRto()) backoff++;
  }

  /** Applies RFC 6298 §5.7 (MUST): after a SYN timed out and with no sample, start data at 3 s. */
  void afterSynTimeout(TcpConfig cfg) {
    if (srtt == 0) {
      baseRto = Math.max(baseRto, Math.min(cfg.maxRto(), RTO_AFTER_SYN_TIMEOUT));
      backoff = 0;
    }
  }
}
