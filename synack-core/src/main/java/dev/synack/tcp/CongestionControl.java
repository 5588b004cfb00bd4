package dev.synack.tcp;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;

/**
 * A congestion control algorithm: it owns the congestion window (cwnd) and the slow-start threshold
 * (ssthresh), in bytes, and changes them when the loss-recovery logic reports an event. The sender
 * may have {@code cwnd - pipe} bytes more in flight (RFC 5681 §3, RFC 6675 §5).
 *
 * <p>The events, and who decides them ({@link LossRecovery}):
 *
 * <ul>
 *   <li>{@link #onAck}: new data was acknowledged outside recovery while the sender was limited by
 *       cwnd (RFC 7661's rule, as Linux's {@code tcp_is_cwnd_limited}: an application-limited
 *       sender does not grow a window it does not use);
 *   <li>{@link #onRoundStart}: a new round trip begins (the first ACK beyond the SND.NXT of the
 *       previous round), for algorithms that measure per round (HyStart++);
 *   <li>{@link #onEnterRecovery} and {@link #onExitRecovery}: a loss was detected (three duplicate
 *       ACKs, SACK, RACK), and the recovery point was later acknowledged;
 *   <li>{@link #onRetransmissionTimeout}: the retransmission timer expired;
 *   <li>{@link #onSpuriousCongestionEvent}: the last reduction turned out to be needless (D-SACK,
 *       RFC 3708; timestamps, RFC 3522): the window before it comes back;
 *   <li>{@link #onSent}: a segment left; {@link #onRateSample}: every ACK that delivered or lost
 *       something, in recovery or not, with its delivery-rate sample ({@link DeliveryRate}), as
 *       Linux's {@code cong_control} hook; {@link #onEcnEcho}: an ECN-Echo reduction.
 * </ul>
 *
 * Each implementation keeps, at a reduction, what it needs to undo it (RFC 9438 §4.9). It may give
 * a pacing rate ({@link #pacingRate}), which the sender honours; and may keep its own window in
 * recovery ({@link #ownsRecoveryWindow}, BBR) instead of PRR's.
 */
interface CongestionControl {
  /**
   * The algorithms by name, the default first (as Linux's {@code tcp_register_congestion_control}
   * list).
   */
  SequencedMap<String, Factory> REGISTRY = registry();

  /** The names {@link TcpConfig#withCongestionControl} accepts, the default first. */
  List<String> NAMES = List.copyOf(REGISTRY.sequencedKeySet());

  /** Makes an algorithm's instance for a sender MSS and slow-start rules. */
  @FunctionalInterface
  interface Factory {
    CongestionControl create(int mss, SlowStart slowStart);
  }

  private static SequencedMap<String, Factory> registry() {
    SequencedMap<String, Factory> r = new LinkedHashMap<>();
    r.put("cubic", Cubic::new);
    r.put("newreno", NewReno::new);
    r.put("bbr", Bbr::new);
    r.put("bbr3", Bbr3::new);
    return Collections.unmodifiableSequencedMap(r);
  }

  /**
   * Returns a new instance of the named algorithm for a connection whose sender MSS is {@code mss},
   * with Linux's slow start ({@link SlowStart#LINUX}).
   */
  static CongestionControl create(String name, int mss) {
    return create(name, mss, SlowStart.LINUX);
  }

  /**
   * Returns a new instance of the named algorithm for a connection whose sender MSS is {@code mss},
   * starting from the initial window of {@code slowStart} and growing by its rules.
   */
  static CongestionControl create(String name, int mss, SlowStart slowStart) {
    Factory factory = REGISTRY.get(name);
    if (factory == null)
      throw new IllegalArgumentException(
          "unknown congestion control " + name + ", expected one of " + NAMES);
    return factory.create(mss, slowStart);
  }

  /** Returns the algorithm's name, as {@link TcpConfig#withCongestionControl} takes it. */
  String name();

  /** Returns the congestion window in bytes. */
  int cwnd();

  /**
   * Returns the slow-start threshold in bytes; {@link Integer#MAX_VALUE} until the first loss (RFC
   * 5681 §3.1 "arbitrarily high").
   */
  int ssthresh();

  /** Returns whether the window is in slow start (cwnd < ssthresh, RFC 5681 §3.1). */
  default boolean inSlowStart() {
    return cwnd() < ssthresh();
  }

  /**
   * Takes an acknowledgment of {@code acked} new bytes at {@code now}, with the RTT sample it gave
   * in ns ({@code -1} when none), outside recovery and while cwnd limited the sender.
   */
  void onAck(int acked, long rtt, long now);

  /**
   * Notes that a new round trip starts at {@code now} (an ACK went past the previous round's
   * SND.NXT).
   */
  void onRoundStart(long now);

  /**
   * Reduces the window on a loss detected by acknowledgments (RFC 5681 §3.2 step 2, RFC 9438 §4.6):
   * ssthresh from the bytes in flight, cwnd = ssthresh (RFC 6675 §5 step 4.2).
   */
  void onEnterRecovery(int flightSize, long now);

  /**
   * Ends recovery when the recovery point is acknowledged (RFC 6582 §3.2 step 3, full
   * acknowledgment): cwnd = ssthresh.
   */
  void onExitRecovery(long now);

  /**
   * Reduces the window after a retransmission timeout (RFC 5681 §3.1 equation 4 and the loss window
   * of one segment). {@code newEvent} is false when the timeout comes during a recovery or after
   * another timeout, whose reduction already set ssthresh: RFC 5681 says ssthresh is not reduced
   * again for the same loss.
   */
  void onRetransmissionTimeout(int flightSize, boolean newEvent, long now);

  /**
   * Undoes the last reduction: it was caused by reordering or delay, not loss (RFC 9438 §4.9, RFC
   * 3522, RFC 3708).
   */
  void onSpuriousCongestionEvent(long now);

  /**
   * Notes a segment of {@code bytes} sent at {@code now}, {@code inFlight} bytes in flight after
   * it, the sender application-limited or not.
   */
  default void onSent(int bytes, int inFlight, boolean appLimited, long now) {}

  /**
   * Takes what an ACK that delivered or lost data tells, in any {@code phase} (after the ACK): its
   * delivery-rate sample. The window-based algorithms learn from {@link #onAck} instead.
   */
  default void onRateSample(RateSample sample, LossRecovery.Phase phase, long now) {}

  /**
   * Reduces the window on an ECN-Echo (RFC 3168 §6.1.2: as for a loss, without a retransmission).
   */
  default void onEcnEcho(int flightSize, long now) {
    onEnterRecovery(flightSize, now);
    onExitRecovery(now);
  }

  /** Returns the rate to pace at in bytes per second, 0 to leave it to the sender. */
  default long pacingRate() {
    return 0;
  }

  /**
   * Returns whether the algorithm sets cwnd during fast recovery itself, so PRR does not (Linux's
   * {@code cong_control}).
   */
  default boolean ownsRecoveryWindow() {
    return false;
  }

  /**
   * Returns whether the algorithm holds the sender back on purpose now (BBR's PROBE_RTT), so that
   * the delivery-rate samples taken meanwhile are marked application-limited.
   */
  default boolean holdsBack() {
    return false;
  }

  /**
   * Returns, once, what moved in the algorithm's state machine since the last call (a line for the
   * connection's trace, as {@code bbr3: PROBE_BW_DOWN > PROBE_BW_CRUISE}), or {@code null}.
   */
  default String takeStateChange() {
    return null;
  }
}
