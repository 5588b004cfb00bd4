package dev.synack.tcp;

import dev.synack.wire.InboundSegment;
import dev.synack.wire.SeqNum;
import dev.synack.wire.TcpFlags;

/**
 * When the ACKs a connection owes go out: in-order data acknowledged at once or after the
 * delayed-ACK timer (RFC 1122 §4.2.3.2, RFC 5681 §4.2), challenge ACKs within RFC 5961 §7's rate
 * limit, and ACKs to unacceptable segments limited as Linux's {@code tcp_invalid_ratelimit}; and
 * the receiver's round-trip samples for auto-tuning. An owed ACK is {@link TcpConnection#ackNow}.
 *
 * <p>It holds only its rate limits' state; each call names its connection, so that every
 * connection's policy keeps no reference back to it (8 B of an idle connection).
 */
final class AckPolicy {
  /**
   * Linux's {@code tcp_invalid_ratelimit}: the least time between two ACKs to out-of-window
   * segments.
   */
  static final long UNACCEPTABLE_ACK_INTERVAL_NANOS = 500_000_000L;

  /**
   * The most data one ACK answers for a run of in-order segments taken in one turn: 64 KiB, Linux's
   * GRO limit of a super-packet ({@code GRO_LEGACY_MAX_SIZE}).
   */
  static final int RUN_BYTES = 65_536;

  /** The rate limit of challenge ACKs; {@code null} until the first one (RFC 5961 §7). */
  private ChallengeAckLimiter challengeAcks;

  /**
   * When an ACK last answered an out-of-window segment that was not a retransmission, {@code
   * Long.MIN_VALUE} if never.
   */
  private long lastUnacceptableAck = Long.MIN_VALUE;

  /**
   * Returns whether no challenge ACK was rate-limited yet ({@link TimeWaitTcb} keeps no limiter).
   */
  boolean noChallengeLimiter() {
    return challengeAcks == null;
  }

  /** Returns when an out-of-window segment was last answered ({@link TimeWaitTcb}). */
  long lastUnacceptableAck() {
    return lastUnacceptableAck;
  }

  /** Restores {@link #lastUnacceptableAck()} in a connection revived from TIME-WAIT. */
  void restoreLastUnacceptableAck(long at) {
    lastUnacceptableAck = at;
  }

  /**
   * Owes the ACK of in-order data: at once when {@code immediate} (a hole filled, RFC 5681 §4.2) or
   * when {@link DelayedAck} says so, else when the delayed-ACK timer fires, unless a segment of
   * ours carries it first. The timer keeps its first deadline: no ACK waits longer than the timeout
   * (as Linux's {@code tcp_send_delayed_ack}).
   */
  void acknowledgeData(TcpConnection c, int length, boolean immediate, long now) {
    boolean due =
        !c.cfg.delayedAck()
            || c.rcv
                .delayedAck()
                .onData(
                    length,
                    c.rcv.unacknowledged(),
                    c.rcv.rcvWnd(),
                    c.params.mss(),
                    c.rtt.rto(c.cfg),
                    now);
    if (c.cfg.delayedAck() && c.cfg.choices().bsdDelayedAck()) {
      // FreeBSD's DELAY_ACK: wait only when no segment already waits for its ACK, and for no more
      // than one MSS.
      due = c.timers.isSet(TimerKind.DELAYED_ACK) || length > c.params.mss();
    }
    if (immediate) {
      c.ackNow = true;
    } else if (due) {
      c.ackDue = true;
    } else {
      acknowledgeLater(c, now);
    }
  }

  /**
   * Returns whether {@code seg}, arriving while the ACK of earlier in-order data is due ({@link
   * TcpConnection#ackDue}) and not yet sent, may join their run under one ACK: the next in-order
   * data, with no flag but ACK and PSH, and the run, it included, at most {@link #RUN_BYTES}. A
   * caller that hands in several segments before it polls (a driver's batch, the network's arrivals
   * of one instant) is then answered once for the run, as Linux answers a GRO super-packet; a
   * caller that polls after each segment sees an ACK every second full segment (RFC 1122 §4.2.3.2,
   * RFC 5681 §4.2). Any other segment sends the owed ACK first, so that a duplicate ACK still
   * leaves per out-of-order segment.
   */
  boolean joinsRun(TcpConnection c, InboundSegment seg) {
    int length = seg.payloadLength();
    return length > 0
        && (seg.flags() & ~(TcpFlags.ACK | TcpFlags.PSH)) == 0
        && seg.sequenceNumber() == c.rcv.rcvNxt
        && c.rcv.unacknowledged() + length <= RUN_BYTES;
  }

  /** Owes an ACK that may wait for the delayed-ACK timer (at once when delayed ACKs are off). */
  void acknowledgeLater(TcpConnection c, long now) {
    if (!c.cfg.delayedAck()) {
      c.ackNow = true;
    } else if (!c.timers.isSet(TimerKind.DELAYED_ACK)) {
      c.timers.set(TimerKind.DELAYED_ACK, TimeMath.after(now, c.cfg.delayedAckTimeout()), now);
    }
  }

  /**
   * Gives auto-tuning a round-trip sample from in-order data (Linux's {@code
   * tcp_rcv_rtt_measure_ts} and {@code tcp_rcv_rtt_measure}): with timestamps, our clock now less
   * the TSecr the peer echoed, from segments at least full-sized (smaller ones may have waited for
   * an ACK of ours); without them, the time a window's worth of data takes to arrive.
   */
  void measureReceiveRtt(TcpConnection c, InboundSegment seg, long now) {
    if (!c.opts.timestampsOk()) {
      c.rcv.tuner().onInOrderData(c.rcv.rcvNxt, c.rcv.rcvWnd(), now);
      return;
    }
    if (seg.hasTimestamps()
        && seg.tsEcr() != 0
        && seg.payloadLength() >= c.rcv.delayedAck().rcvMss()) {
      int elapsed = SeqNum.diff(c.tsNow(now), seg.tsEcr());
      if (elapsed >= 0) c.rcv.tuner().onTimestampSample(elapsed * 1_000_000L);
    }
  }

  /**
   * Owes a challenge ACK (RFC 5961 §3.2, §4.2, §5.2), within the rate limit of §7; returns whether
   * it will be sent. It is the ordinary {@code <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>}.
   */
  boolean challengeAck(TcpConnection c, long now) {
    if (challengeAcks == null) challengeAcks = new ChallengeAckLimiter(c.cfg.challengeAckLimit());
    if (!challengeAcks.tryAcquire(now)) return false;
    if (!c.ackNow && !c.ackDue) c.challengeOnly = true;
    c.ackNow = true;
    return true;
  }

  /**
   * Owes the ACK that answers an unacceptable segment (RFC 9293 §3.10.7.4 first step: "an
   * acknowledgment should be sent in reply"); returns whether it will be sent. A copy of data from
   * up to a receive buffer below RCV.NXT is always answered: the peer resends it because our ACK
   * was lost, and needs one. Anything else — beyond the window, or further behind — cannot come
   * from the peer's retransmission queue but from a blind attacker guessing sequence numbers, and
   * draws at most one ACK per 500 ms, Linux's {@code tcp_invalid_ratelimit}. (Linux limits only
   * such segments without data, {@code tcp_oow_rate_limited}; we limit data too, so that blind
   * injection cannot make us send an ACK per packet.)
   */
  boolean ackUnacceptable(TcpConnection c, InboundSegment seg, long now) {
    int behind = SeqNum.diff(c.rcv.rcvNxt, seg.sequenceNumber());
    if (behind > 0 && behind <= c.rcv.bufferSize() + 65535) {
      c.ackNow = true;
      return true;
    }
    if (lastUnacceptableAck != Long.MIN_VALUE
        && now - lastUnacceptableAck < UNACCEPTABLE_ACK_INTERVAL_NANOS) return false;
    lastUnacceptableAck = now;
    c.ackNow = true;
    return true;
  }
}
