package dev.synack.tcp;

import dev.synack.wire.SeqNum;

/**
 * Delivery-rate estimation (draft-cheng-iccrg-delivery-rate-estimation, as Linux's {@code
 * tcp_rate.c}): each segment sent carries a snapshot of how much had been delivered and when; each
 * ACK compares the newest segment it delivers with its snapshot and gives a {@link RateSample}, the
 * bytes delivered over the longer of the send and the ACK interval.
 *
 * <p>Counts are in bytes (Linux counts packets). The application-limited mark (§3.4) makes samples
 * taken while the sender had too little to send known as such, so that a controller does not take a
 * low rate for the path's.
 */
final class DeliveryRate {
  /** C.delivered: bytes delivered, cumulatively or selectively acknowledged, since the start. */
  private long delivered;

  /** C.delivered_time: when {@link #delivered} last grew. */
  private long deliveredTime;

  /**
   * C.first_sent_time: when the newest segment delivered was sent (the start of the current send
   * phase).
   */
  private long firstSentTime;

  /**
   * C.app_limited: the {@link #delivered} count past which samples are no longer
   * application-limited; 0 when not limited.
   */
  private long appLimitedUntil;

  /**
   * The smallest RTT sample seen in ns (Linux's {@code tcp_min_rtt}): shorter intervals are not
   * trusted (§3.3).
   */
  private long minRtt = Long.MAX_VALUE;

  /** C.lost: bytes marked lost since the start (draft-ietf-ccwg-bbr §2.2). */
  private long lost;

  /** Bytes the peer reported CE-marked since the start (Linux's {@code delivered_ce}, in bytes). */
  private long deliveredCe;

  // The sample being built from the segments the current ACK delivers.
  private boolean samplePending;
  private long priorDelivered;
  private long priorTime;
  private long sendElapsed;
  private long sampleSentAt;
  private int sampleEnd;
  private boolean sampleAppLimited;
  private boolean sampleRetransmitted;
  private int sampleTxInFlight = -1;
  private long sampleTxLost;
  private long sampleTxDeliveredCe;

  long delivered() {
    return delivered;
  }

  long deliveredTime() {
    return deliveredTime;
  }

  long firstSentTime() {
    return firstSentTime;
  }

  long lost() {
    return lost;
  }

  long deliveredCe() {
    return deliveredCe;
  }

  /** Notes {@code bytes} newly marked lost (C.lost grows; it never shrinks, as Linux's). */
  void onLost(int bytes) {
    lost += Math.max(0, bytes);
  }

  /**
   * Returns whether the sender is application-limited now (a sample taken from a segment sent now
   * would be).
   */
  boolean appLimited() {
    return appLimitedUntil != 0;
  }

  /**
   * Notes a transmission at {@code now}; {@code nothingInFlight} when none was outstanding: a new
   * send phase begins (§3.2).
   */
  void onSent(boolean nothingInFlight, long now) {
    if (nothingInFlight) {
      firstSentTime = now;
      deliveredTime = now;
    }
  }

  /**
   * Notes that the sender has less than it could send (§3.4, Linux's {@code
   * tcp_rate_check_app_limited}): the samples are application-limited until what is in flight now
   * has been delivered.
   */
  void markAppLimited(int inFlight) {
    appLimitedUntil = Math.max(1, delivered + inFlight);
  }

  /**
   * Takes one segment newly delivered by the current ACK, {@code bytes} long, sent at {@code
   * sentAt} with the snapshots it carried (§3.3 "UpdateRateSample"): the newest sent of them gives
   * the sample.
   */
  void onDelivered(
      int bytes,
      long sentAt,
      int end,
      boolean snapshot,
      long txDelivered,
      long txDeliveredTime,
      long txFirstSent,
      boolean txAppLimited,
      boolean retransmitted) {
    onDelivered(
        bytes,
        sentAt,
        end,
        snapshot,
        txDelivered,
        txDeliveredTime,
        txFirstSent,
        txAppLimited,
        retransmitted,
        -1,
        lost,
        deliveredCe);
  }

  /**
   * Like the above, with the segment's BBRv3 snapshots (draft-ietf-ccwg-bbr §4.1.2.1.2): the bytes
   * in flight just after it was sent ({@code -1} unknown), C.lost and the CE-marked bytes then.
   */
  void onDelivered(
      int bytes,
      long sentAt,
      int end,
      boolean snapshot,
      long txDelivered,
      long txDeliveredTime,
      long txFirstSent,
      boolean txAppLimited,
      boolean retransmitted,
      int txInFlight,
      long txLost,
      long txDeliveredCe) {
    delivered += bytes;
    if (!snapshot) return; // sent before the estimator started: it counts, but gives no sample
    if (!samplePending
        || sentAt > sampleSentAt
        || (sentAt == sampleSentAt && SeqNum.gt(end, sampleEnd))) {
      samplePending = true;
      priorDelivered = txDelivered;
      priorTime = txDeliveredTime;
      sampleAppLimited = txAppLimited;
      sampleRetransmitted = retransmitted;
      sampleSentAt = sentAt;
      sampleEnd = end;
      sendElapsed = sentAt - txFirstSent;
      firstSentTime = sentAt;
      sampleTxInFlight = txInFlight;
      sampleTxLost = txLost;
      sampleTxDeliveredCe = txDeliveredCe;
    }
  }

  /**
   * Ends an ACK (§3.3 "GenerateRateSample"): {@code acked} bytes newly delivered, {@code lost}
   * newly marked lost, {@code priorInFlight} and {@code inFlight} the bytes in flight before and
   * after it. Returns the sample, whose rate is not valid when no segment with a snapshot was
   * delivered or the interval is shorter than the minimum RTT.
   */
  RateSample generate(int acked, int lost, int priorInFlight, int inFlight, long now) {
    return generate(acked, lost, priorInFlight, inFlight, 0, now);
  }

  /**
   * Like the above, for an ACK that reported {@code ceBytes} newly CE-marked (ECN feedback, RFC
   * 3168 or RFC 9768).
   */
  RateSample generate(
      int acked, int lost, int priorInFlight, int inFlight, long ceBytes, long now) {
    if (appLimitedUntil != 0 && delivered > appLimitedUntil) appLimitedUntil = 0;
    if (acked > 0) deliveredTime = now;
    deliveredCe += Math.max(0, ceBytes);
    if (!samplePending)
      return new RateSample(
          acked, lost, priorInFlight, inFlight, delivered, -1, -1, -1, false, 0, -1, 0, ceBytes, 0);
    samplePending = false;
    // Karn (RFC 6298 §3): the time since a retransmitted segment was sent is no round trip of one
    // copy.
    long sampleRtt = sampleRetransmitted ? -1 : now - sampleSentAt;
    if (sampleRtt >= 0) minRtt = Math.min(minRtt, sampleRtt);
    long sampleDelivered = delivered - priorDelivered;
    long ackElapsed = now - priorTime;
    long interval = Math.max(sendElapsed, ackElapsed);
    // §3.3: an interval below the minimum RTT would overestimate the rate (ACK compression).
    boolean noRate = interval <= 0 || (minRtt != Long.MAX_VALUE && interval < minRtt);
    return new RateSample(
        acked,
        lost,
        priorInFlight,
        inFlight,
        delivered,
        noRate ? -1 : sampleDelivered,
        noRate ? -1 : interval,
        sampleRtt,
        sampleAppLimited,
        priorDelivered,
        sampleTxInFlight,
        this.lost - sampleTxLost,
        ceBytes,
        deliveredCe - sampleTxDeliveredCe);
  }

  /** Returns the smallest RTT seen in ns, {@link Long#MAX_VALUE} before the first. */
  long minRtt() {
    return minRtt;
  }
}
