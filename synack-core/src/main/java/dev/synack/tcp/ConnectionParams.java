package dev.synack.tcp;

/**
 * Values a stack derives for one connection, passed beside the user's unchanged {@link TcpConfig}:
 * the MSS the path allows, the timestamp clock's offset for the address pair, and which of the
 * configured SYN options the connection may offer.
 *
 * <p>As Linux keeps the route's {@code advmss} ({@code dst_metric_advmss}: the path MTU less the
 * headers) and the per-pair timestamp offset ({@code secure_tcp_ts_off}) in the socket, apart from
 * the user's {@code TCP_MAXSEG} ({@code user_mss}, which only clamps: {@code tcp_mss_clamp}), the
 * settings a user gives stay one shared object and what the stack computes per connection is this
 * small record, shared by the connections of one address pair.
 *
 * @param mss the MSS we announce and the most payload we send (RFC 9293 §3.7.1: the path's MMS_S
 *     less the TCP header), 1 to 65535
 * @param timestampOffset added to the millisecond clock for our TSval (RFC 7323 §5.4)
 * @param offersWindowScale false to withhold window scaling even where the settings ask for it (a
 *     SYN cookie without timestamps keeps no record of it, as on Linux)
 * @param offersSack false to withhold SACK-permitted likewise
 * @param offersEcn false to withhold ECN negotiation (a cookie keeps no ECN agreement)
 */
public record ConnectionParams(
    int mss,
    int timestampOffset,
    boolean offersWindowScale,
    boolean offersSack,
    boolean offersEcn) {
  /** Checks the MSS. */
  public ConnectionParams {
    if (mss < 1 || mss > 0xffff)
      throw new IllegalArgumentException("mss out of range 1..65535: " + mss);
  }

  /**
   * Returns the values a connection without a stack takes from its settings alone: {@link
   * TcpConfig#mss()}, {@link TcpConfig#timestampOffset()} and every option as configured.
   */
  public static ConnectionParams of(TcpConfig cfg) {
    return new ConnectionParams(cfg.mss(), cfg.timestampOffset(), true, true, true);
  }

  /** Returns a copy with the MSS {@code mss}. */
  public ConnectionParams withMss(int mss) {
    return new ConnectionParams(mss, timestampOffset, offersWindowScale, offersSack, offersEcn);
  }

  /** Returns a copy whose timestamps start from {@code offset}. */
  public ConnectionParams withTimestampOffset(int offset) {
    return new ConnectionParams(mss, offset, offersWindowScale, offersSack, offersEcn);
  }

  /** Returns a copy that offers neither window scaling nor SACK-permitted. */
  public ConnectionParams withoutWindowScaleOrSack() {
    return new ConnectionParams(mss, timestampOffset, false, false, offersEcn);
  }

  /** Returns a copy that does not negotiate ECN. */
  public ConnectionParams withoutEcn() {
    return new ConnectionParams(mss, timestampOffset, offersWindowScale, offersSack, false);
  }
}
