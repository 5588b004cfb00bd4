package dev.synack.tcp;

import dev.synack.wire.Ecn;
import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpSegment;

/**
 * One connection's Explicit Congestion Notification (RFC 3168 §6.1): the negotiation on SYN and
 * SYN-ACK, the receiver echoing a CE mark with ECE until the sender's CWR, and the sender's side:
 * ECT(0) on new data, CWR on the first new data after a reduction.
 *
 * <p>The reduction itself (once per window, as for a loss but without a retransmission) is
 * {@link LossRecovery}'s; this class keeps the flags and the codepoints.
 */
final class EcnState {
  private final int mode;
  /** Whether our SYN asked for ECN (an ECN-setup SYN: ECE and CWR, RFC 3168 §6.1.1). */
  private boolean asked;
  /** Whether the peer's SYN asked for ECN. */
  private boolean peerAsked;
  /** Whether both ends agreed: our data goes as ECT(0), CE marks are echoed. */
  private boolean enabled;
  /** Receiver: a CE mark arrived and no CWR since; every ACK carries ECE (RFC 3168 §6.1.3). */
  private boolean echoing;
  /** Sender: the window was reduced; the next new data segment carries CWR (RFC 3168 §6.1.2). */
  private boolean cwrPending;

  EcnState(int mode) {
    this.mode = mode;
  }

  /** Returns whether {@code seg} is an ECN-setup SYN: SYN with ECE and CWR, no ACK (RFC 3168 §6.1.1). */
  static boolean asksForEcn(TcpSegment seg) {
    return seg.has(TcpFlags.SYN) && !seg.has(TcpFlags.ACK) && seg.has(TcpFlags.ECE) && seg.has(TcpFlags.CWR);
  }

  /** Returns whether ECN was negotiated. */
  boolean enabled() { return enabled; }

  /** Returns whether the receiver echoes a CE mark on its ACKs. */
  boolean echoing() { return echoing; }

  /**
   * Returns the ECN flags of a SYN we send: for an active open in {@link TcpConfig#ECN_ON}, ECE and
   * CWR (an ECN-setup SYN); for the SYN-ACK to an ECN-setup SYN, ECE alone (an ECN-setup SYN-ACK),
   * unless ECN is off (RFC 3168 §6.1.1).
   */
  int synFlags(boolean synAck) {
    if (!synAck) {
      asked = mode == TcpConfig.ECN_ON;
      return asked ? TcpFlags.ECE | TcpFlags.CWR : 0;
    }
    if (peerAsked && mode != TcpConfig.ECN_OFF) {
      enabled = true;
      return TcpFlags.ECE;
    }
    return 0;
  }

  /**
   * Takes an arriving segment with the ECN codepoint of its IP header, before it is processed: the
   * peer's SYN may ask for ECN, its SYN-ACK may agree, and on an ECN connection a CE mark starts
   * the echo that a CWR stops (RFC 3168 §6.1.3: "...until it receives a CWR packet"; a CE on the
   * CWR segment itself starts it again).
   */
  void onSegment(TcpSegment seg, int ipEcn, TcpState state) {
    boolean syn = seg.has(TcpFlags.SYN);
    if (syn && !seg.has(TcpFlags.ACK)) {
      peerAsked = seg.has(TcpFlags.ECE) && seg.has(TcpFlags.CWR);
      return;
    }
    if (syn) {
      // RFC 3168 §6.1.1: an ECN-setup SYN-ACK has ECE set and CWR clear; any other answer means no ECN.
      if (state == TcpState.SYN_SENT) enabled = asked && seg.has(TcpFlags.ECE) && !seg.has(TcpFlags.CWR);
      return;
    }
    if (!enabled) return;
    if (seg.has(TcpFlags.CWR)) echoing = false;
    if (ipEcn == Ecn.CE) echoing = true;
  }

  /** Notes a window reduction: the next new data segment carries CWR (RFC 3168 §6.1.2). */
  void onReduction() {
    if (enabled) cwrPending = true;
  }

  /**
   * Returns the flags of a non-SYN segment we send: ECE on every one while echoing (all of ours
   * carry ACK, RFC 3168 §6.1.3), and CWR on the first new data after a reduction (§6.1.2).
   */
  int flags(int flags, int payloadLength, boolean retransmit) {
    if (!enabled) return flags;
    if (echoing) flags |= TcpFlags.ECE;
    if (cwrPending && payloadLength > 0 && !retransmit) {
      flags |= TcpFlags.CWR;
      cwrPending = false;
    }
    return flags;
  }

  /**
   * Returns the IP codepoint of a non-SYN segment we send: ECT(0) for new data on an ECN
   * connection; not-ECT for pure ACKs (RFC 3168 §6.1.4) and retransmissions (§6.1.5).
   */
  int codepoint(int payloadLength, boolean retransmit) {
    return enabled && payloadLength > 0 && !retransmit ? Ecn.ECT_0 : Ecn.NOT_ECT;
  }
}
