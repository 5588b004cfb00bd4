package dev.synack.tcp;

/**
 * What one ACK tells congestion control (draft-cheng-iccrg-delivery-rate-estimation §3.3, Linux's
 * {@code struct rate_sample}), in bytes and ns.
 *
 * @param acked bytes newly delivered by this ACK, cumulatively or selectively acknowledged
 * @param lost bytes newly marked lost on this ACK
 * @param priorInFlight bytes in flight (pipe) before the ACK
 * @param inFlight bytes in flight after it
 * @param totalDelivered C.delivered after the ACK: bytes delivered since the start
 * @param delivered bytes delivered over {@code interval}, or -1 when the sample gives no rate
 * @param interval ns over which {@code delivered} were delivered, or -1
 * @param rtt the RTT of the newest segment delivered, or -1 (none, or a retransmission)
 * @param appLimited whether the sender was application-limited when that segment was sent
 * @param priorDelivered C.delivered when that segment was sent: a round trip ends when it reaches
 *     the next round's mark
 * @param txInFlight bytes in flight just after that segment was sent (draft-ietf-ccwg-bbr §2.3
 *     RS.tx_in_flight), or -1
 * @param lostSinceSent bytes marked lost between that segment's send and this ACK (RS.lost)
 * @param ceMarked bytes this ACK reported newly CE-marked (ECN feedback)
 * @param ceSinceSent bytes reported CE-marked between that segment's send and this ACK (Linux's
 *     {@code rs->delivered_ce})
 */
record RateSample(
    int acked,
    int lost,
    int priorInFlight,
    int inFlight,
    long totalDelivered,
    long delivered,
    long interval,
    long rtt,
    boolean appLimited,
    long priorDelivered,
    int txInFlight,
    long lostSinceSent,
    long ceMarked,
    long ceSinceSent) {

  /** A sample without the BBRv3 fields: nothing known in flight at send, no loss, no CE mark. */
  RateSample(
      int acked,
      int lost,
      int priorInFlight,
      int inFlight,
      long totalDelivered,
      long delivered,
      long interval,
      long rtt,
      boolean appLimited,
      long priorDelivered) {
    this(
        acked,
        lost,
        priorInFlight,
        inFlight,
        totalDelivered,
        delivered,
        interval,
        rtt,
        appLimited,
        priorDelivered,
        -1,
        0,
        0,
        0);
  }

  /** Returns whether the sample gives a delivery rate. */
  boolean hasRate() {
    return delivered >= 0 && interval > 0;
  }

  /** Returns the delivery rate in bytes per second; 0 when there is none. */
  double rate() {
    return hasRate() ? delivered * 1e9 / interval : 0;
  }
}
