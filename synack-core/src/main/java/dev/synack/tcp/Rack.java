package dev.synack.tcp;

import dev.synack.wire.SeqNum;
import java.util.function.LongToIntFunction;

/**
 * RACK-TLP (RFC 8985): loss detection by time rather than by counting duplicate ACKs, and the tail
 * loss probe. A segment is lost when a segment sent after it was delivered and it is still missing
 * RACK.rtt + RACK.reo_wnd after it was sent (§6.2). The reordering window starts at 0 while no
 * reordering was seen, so that three SACKed segments still trigger recovery at once, and is then
 * min_RTT/4, multiplied per round that brings a D-SACK (§6.2 step 4). The probe (§7) resends the
 * tail after PTO = 2·SRTT when the ACKs stop, so that a lost tail is repaired by SACK recovery
 * rather than by a timeout.
 *
 * <p>One ACK is processed as {@link #onAckArrival}, then each delivered segment through {@link
 * #onDelivered} (in ascending sequence order), then {@link #onDsack} when it carried a D-SACK, then
 * {@link #detectLoss}.
 */
final class Rack implements Scoreboard.DeliveryListener {
  /** RFC 8985 §6.2: DupThresh, for the reordering window's rule "segs_sacked >= DupThresh". */
  static final int DUP_THRESH = 3;

  /**
   * RFC 8985 §7.2: WCDelAckT, the worst-case delayed-ACK time added to the PTO when one segment is
   * in flight (Linux: TCP_RTO_MIN).
   */
  static final long WORST_CASE_DELAYED_ACK = 200_000_000L;

  /**
   * What the PTO adds to 2·SRTT with more than one segment in flight: Linux's {@code
   * TCP_TIMEOUT_MIN}, 2 ms.
   */
  static final long PROBE_TIMEOUT_MIN = 2_000_000L;

  /** RFC 8985 §6.2 step 4: how many recoveries without D-SACK a widened reordering window lasts. */
  private static final int REO_WND_PERSIST = 16;

  /**
   * The most RACK.reo_wnd_mult grows to: Linux keeps its {@code reo_wnd_steps} in a byte (0xFF);
   * reo_wnd is at most SRTT anyway.
   */
  private static final int MAX_REO_WND_MULT = 255;

  private static final long NONE = Long.MIN_VALUE;

  /** Our timestamp clock, ns to TSval, for the ambiguity test of retransmitted segments. */
  private final LongToIntFunction tsClock;

  /**
   * RACK.xmit_ts and RACK.end_seq: the most recently sent segment delivered so far; {@link #NONE}
   * before one.
   */
  private long xmitTs = NONE;

  private int endSeq;

  /** RACK.rtt: the RTT of that segment, in ns. */
  private long rtt;

  /** RACK.min_RTT in ns (over the connection's life; Linux keeps a 5-minute windowed minimum). */
  private long minRtt = Long.MAX_VALUE;

  /**
   * RACK.fack: the highest sequence delivered, for reordering detection; valid once {@link
   * #fackValid}.
   */
  private int fack;

  private boolean fackValid;

  /** RACK.reordering_seen. */
  private boolean reorderingSeen;

  /**
   * RACK.reo_wnd_mult, RACK.reo_wnd_persist and RACK.dsack_round (valid when {@link
   * #dsackRoundSet}).
   */
  private int reoWndMult = 1;

  private int reoWndPersist;
  private int dsackRound;
  private boolean dsackRoundSet;

  /** The ACK being processed: when it arrived and the TSecr it echoes (when {@link #ackHasEcr}). */
  private long ackNow;

  private boolean ackHasEcr;
  private int ackEcr;

  /** The most recently sent segment this ACK delivered that passed the §6.2 step 2 tests. */
  private long candidateXmitTs = NONE;

  private int candidateEndSeq;
  private long candidateRtt;

  /**
   * TLP.end_seq: SND.NXT when the probe went; valid while {@link #probeOutstanding}.
   * TLP.is_retrans.
   */
  private int probeEndSeq;

  private boolean probeOutstanding;
  private boolean probeWasRetransmission;

  Rack(LongToIntFunction tsClock) {
    this.tsClock = tsClock;
  }

  boolean reorderingSeen() {
    return reorderingSeen;
  }

  /** Notes that reordering was seen by other means (an undo showed the "loss" was reordering). */
  void onReorderingSeen() {
    reorderingSeen = true;
  }

  /** Starts processing an ACK that arrived at {@code now}, with its TSecr if it has one. */
  void onAckArrival(long now, boolean hasEcr, int ecr) {
    ackNow = now;
    ackHasEcr = hasEcr;
    ackEcr = ecr;
    candidateXmitTs = NONE;
  }

  /**
   * RFC 8985 §6.2 step 1 (detect reordering) and the tests of step 2 for one newly delivered
   * segment: a retransmitted one counts only if its RTT cannot belong to the first copy.
   */
  @Override
  public void onDelivered(int start, int end, long sentAt, boolean everRetransmitted) {
    if (!fackValid || SeqNum.gt(end, fack)) {
      fack = end;
      fackValid = true;
    } else if (SeqNum.lt(end, fack) && !everRetransmitted) {
      reorderingSeen = true;
    }
    long sample = ackNow - sentAt;
    if (everRetransmitted) {
      // "If ACK.ts_option.echo_reply < Segment.xmit_ts: Return", "If rtt < RACK.min_RTT: Return".
      if (ackHasEcr && SeqNum.lt(ackEcr, tsClock.applyAsInt(sentAt))) return;
      if (sample < minRtt) return;
    } else {
      minRtt = Math.min(minRtt, sample);
    }
    if (candidateXmitTs == NONE || sentAfter(sentAt, end, candidateXmitTs, candidateEndSeq)) {
      candidateXmitTs = sentAt;
      candidateEndSeq = end;
      candidateRtt = sample;
    }
  }

  /**
   * RFC 8985 §6.2 step 2: RACK.rtt, RACK.xmit_ts and RACK.end_seq from the most recently sent
   * segment this ACK delivered.
   */
  void onDeliveriesDone() {
    if (candidateXmitTs == NONE) return;
    rtt = candidateRtt;
    if (xmitTs == NONE || sentAfter(candidateXmitTs, candidateEndSeq, xmitTs, endSeq)) {
      xmitTs = candidateXmitTs;
      endSeq = candidateEndSeq;
    }
  }

  /**
   * Returns whether a segment delivered so far was sent after the given one:
   * RACK_sent_after(RACK.xmit_ts, RACK.end_seq, ...).
   */
  boolean deliveredSegmentSentAfter(long sentAt, int end) {
    return xmitTs != NONE && sentAfter(xmitTs, endSeq, sentAt, end);
  }

  /**
   * RFC 8985 §6.2 step 4, first half: a D-SACK widens the reordering window, once per round trip.
   */
  void onDsack(int sndUna, int sndNxt) {
    if (dsackRoundSet && SeqNum.ge(sndUna, dsackRound)) dsackRoundSet = false;
    if (!dsackRoundSet) {
      dsackRound = sndNxt;
      dsackRoundSet = true;
      if (reoWndMult < MAX_REO_WND_MULT) reoWndMult++;
      reoWndPersist = REO_WND_PERSIST;
    }
  }

  /**
   * RFC 8985 §6.2 step 4, second half: after 16 recoveries without D-SACK the window shrinks back.
   */
  void onRecoveryEnd() {
    if (--reoWndPersist <= 0) reoWndMult = 1;
  }

  /** Returns RACK.reo_wnd in ns (RFC 8985 §6.2 step 4, RACK_reo_wnd()). */
  long reorderingWindow(boolean inRecovery, int segmentsSacked, long srtt) {
    if (!reorderingSeen && (inRecovery || segmentsSacked >= DUP_THRESH)) return 0;
    if (minRtt == Long.MAX_VALUE) return 0;
    return Math.min((long) reoWndMult * minRtt / 4, srtt);
  }

  /**
   * RFC 8985 §6.2 step 5: marks lost every segment sent before RACK's segment that has waited
   * RACK.rtt + reo_wnd since; returns how long until the next one would be due (for the reorder
   * timer), 0 when none waits.
   */
  long detectLoss(Scoreboard board, long reoWnd, long now) {
    if (xmitTs == NONE) return 0;
    long timeout = 0;
    for (int i = 0; i < board.count(); i++) {
      if (board.has(i, Scoreboard.SACKED)) continue;
      // "If Segment.lost is TRUE AND Segment.retransmitted is FALSE: Continue" (it waits to be
      // resent).
      if (board.has(i, Scoreboard.LOST) && !board.has(i, Scoreboard.RETRANSMITTED)) continue;
      long sentAt = board.sentAt(i);
      if (!sentAfter(xmitTs, endSeq, sentAt, board.end(i))) {
        // Records never resent are in sending order: past the last resent one, none later can
        // qualify.
        if (!board.has(i, Scoreboard.EVER_RETRANSMITTED) && board.retransmittedNoneAfter(i)) break;
        continue;
      }
      long remaining = sentAt + rtt + reoWnd - now;
      if (remaining <= 0) {
        board.markLost(i);
      } else {
        timeout = Math.max(timeout, remaining);
      }
    }
    return timeout;
  }

  // ---- Tail loss probe (RFC 8985 §7) ----

  /**
   * Returns the probe timeout (RFC 8985 §7.2 TLP_calc_PTO): 2·SRTT, plus the worst-case delayed ACK
   * when one segment is in flight, 1 s before an RTT sample. With more in flight Linux adds {@code
   * TCP_TIMEOUT_MIN} (2 ms, {@code tcp_schedule_loss_probe}): at a near-zero RTT the PTO was 2 ns,
   * and a spurious probe followed every burst.
   */
  static long probeTimeout(long srtt, boolean oneSegmentInFlight) {
    if (srtt <= 0) return 1_000_000_000L;
    return TimeMath.sum(
        TimeMath.product(2, srtt), oneSegmentInFlight ? WORST_CASE_DELAYED_ACK : PROBE_TIMEOUT_MIN);
  }

  boolean probeOutstanding() {
    return probeOutstanding;
  }

  /** Notes a probe sent: TLP.end_seq = SND.NXT (§7.3). */
  void onProbeSent(int sndNxt, boolean retransmission) {
    probeOutstanding = true;
    probeEndSeq = sndNxt;
    probeWasRetransmission = retransmission;
  }

  /** Returns whether the outstanding probe was a retransmission (a D-SACK may answer it). */
  boolean probeIsRetransmission() {
    return probeOutstanding && probeWasRetransmission;
  }

  /**
   * RFC 8985 §7.4: returns whether an ACK shows that the probe's retransmission repaired a loss,
   * which calls for a congestion response. As Linux's {@code tcp_process_tlp_ack}: a D-SACK says
   * both copies arrived (no loss), a pure duplicate ACK at TLP.end_seq too; an ACK beyond
   * TLP.end_seq without either means that only the probe arrived.
   */
  boolean probeRepairedLoss(int ack, boolean dsack, boolean pureDuplicate) {
    if (!probeOutstanding || SeqNum.lt(ack, probeEndSeq)) return false;
    if (!probeWasRetransmission || dsack) {
      probeOutstanding = false; // new data probed, or the D-SACK says both copies arrived
      return false;
    }
    if (SeqNum.gt(ack, probeEndSeq)) {
      probeOutstanding = false;
      return true;
    }
    if (pureDuplicate) probeOutstanding = false;
    return false;
  }

  /** Forgets an outstanding probe (a timeout or a recovery took over). */
  void cancelProbe() {
    probeOutstanding = false;
  }

  /** RFC 8985 §6.2 RACK_sent_after: whether (t1, seq1) was sent after (t2, seq2). */
  private static boolean sentAfter(long t1, int seq1, long t2, int seq2) {
    return t1 > t2 || (t1 == t2 && SeqNum.gt(seq1, seq2));
  }
}
