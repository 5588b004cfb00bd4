package dev.synack.tcp;

import dev.synack.wire.Ecn;
import dev.synack.wire.InboundSegment;
import dev.synack.wire.OutboundSegment;
import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpOption;
import dev.synack.wire.TcpOptions;

/**
 * One connection's Explicit Congestion Notification (RFC 3168 §6.1): the negotiation on SYN and
 * SYN-ACK, the receiver echoing a CE mark with ECE until the sender's CWR, and the sender's side:
 * ECT(0) on new data, CWR on the first new data after a reduction. With Accurate ECN (RFC 9768,
 * {@link TcpConfig#ECN_ACCECN}) the negotiation uses the AE bit too, as Linux 6.18 does it, and
 * once agreed the feedback is {@link AccEcn}'s: a CE counter in the ACE field and the AccECN
 * option.
 *
 * <p>The reduction itself (once per window, as for a loss but without a retransmission) is {@link
 * LossRecovery}'s; this class keeps the flags and the codepoints.
 */
final class EcnState {
  private final int mode;
  private final int optionMode;
  private final int beacon;

  /** Whether our SYN asked for ECN (an ECN-setup SYN: ECE and CWR, RFC 3168 §6.1.1). */
  private boolean asked;

  /** Whether our SYN asked for AccECN (AE, CWR and ECE, RFC 9768 §3.1.1). */
  private boolean askedAccurate;

  /** Whether the peer's SYN asked for ECN. */
  private boolean peerAsked;

  /**
   * Whether the peer's SYN asked for AccECN: any ACE but 000 and 011 (Linux's {@code
   * tcp_accecn_syn_requested}).
   */
  private boolean peerAskedAccurate;

  /** The IP-ECN field of the peer's SYN. */
  private int peerSynEcn;

  /**
   * SYN-ACKs sent so far: AccECN's third one and later go without ACE, as Linux's {@code
   * tcp_ecn_make_synack}.
   */
  private int synAcksSent;

  /** AccECN's feedback, once the handshake agreed on it (RFC 9768); {@code null} otherwise. */
  AccEcn accurate;

  /** The CE bytes the last ACK's AccECN option reported, -1 without one. */
  private long optionCeBytes = -1;

  /** RFC 3168: packets acknowledged by ACKs that carried ECE. */
  private long classicDeliveredCe;

  /** Whether both ends agreed: our data goes as ECT(0), CE marks are echoed. */
  private boolean enabled;

  /** Receiver: a CE mark arrived and no CWR since; every ACK carries ECE (RFC 3168 §6.1.3). */
  private boolean echoing;

  /** Sender: the window was reduced; the next new data segment carries CWR (RFC 3168 §6.1.2). */
  private boolean cwrPending;

  /** Makes the state of a connection in ECN mode {@code mode} (its settings', or off). */
  EcnState(TcpConfig cfg, int mode) {
    this.mode = mode;
    this.optionMode = cfg.accEcnOption();
    this.beacon = cfg.accEcnBeacon();
  }

  /**
   * Returns whether a connection in ECN mode {@code mode} sends an ECN-setup SYN of either kind.
   */
  static boolean asks(int mode) {
    return mode == TcpConfig.ECN_ON
        || mode == TcpConfig.ECN_ACCECN
        || mode == TcpConfig.ECN_ACCECN_ANSWER_ECN_ON;
  }

  /** Returns whether {@code mode} accepts an AccECN SYN (Linux's {@code tcp_ecn} 3 to 5). */
  private boolean acceptsAccurate() {
    return mode >= TcpConfig.ECN_ACCECN;
  }

  /**
   * Returns whether {@code seg} is a SYN asking for some ECN: an ECN-setup SYN (SYN with ECE and
   * CWR, no ACK, RFC 3168 §6.1.1) or an AccECN SYN (any nonzero ACE, RFC 9768 §3.1.1).
   */
  static boolean asksForEcn(InboundSegment seg) {
    return seg.has(TcpFlags.SYN) && !seg.has(TcpFlags.ACK) && TcpFlags.ace(seg.flags()) != 0;
  }

  /** Returns whether AccECN was negotiated. */
  boolean accurate() {
    return accurate != null;
  }

  /** Returns whether ECN was negotiated. */
  boolean enabled() {
    return enabled;
  }

  /** Returns whether the receiver echoes a CE mark on its ACKs. */
  boolean echoing() {
    return echoing;
  }

  /**
   * Returns the ECN flags of a SYN we send: for an active open in {@link TcpConfig#ECN_ON}, ECE and
   * CWR (an ECN-setup SYN), in {@link TcpConfig#ECN_ACCECN} AE, CWR and ECE (an AccECN SYN, RFC
   * 9768 §3.1.1); a retransmitted SYN asks for nothing (RFC 3168 §6.1.1.1, RFC 9768 §3.1.4.1: Linux
   * with {@code tcp_ecn_fallback=1} clears the bits on every SYN retransmission). For the SYN-ACK
   * to an AccECN SYN, the ACE codepoint of the SYN's IP-ECN field (RFC 9768 Table 2), on the first
   * SYN-ACK and its first retransmission, then none (Linux's {@code tcp_ecn_make_synack}); to an
   * ECN-setup SYN, ECE alone (an ECN-setup SYN-ACK), unless ECN is off (RFC 3168 §6.1.1).
   */
  int synFlags(boolean synAck, boolean retransmit) {
    if (!synAck) {
      boolean first = !retransmit;
      askedAccurate = first && mode == TcpConfig.ECN_ACCECN;
      asked = first && (mode == TcpConfig.ECN_ON || mode == TcpConfig.ECN_ACCECN_ANSWER_ECN_ON);
      return askedAccurate ? TcpFlags.ACE : asked ? TcpFlags.ECE | TcpFlags.CWR : 0;
    }
    synAcksSent++;
    if (peerAskedAccurate && acceptsAccurate()) {
      enabled = true;
      if (accurate == null) accurate = new AccEcn(peerSynEcn, false);
      return synAcksSent <= 2 ? TcpFlags.withAce(0, AccEcn.handshakeAce(peerSynEcn)) : 0;
    }
    // The peer's latest SYN decides: a retransmitted SYN that gave up AccECN (or all ECN) is
    // answered as such.
    accurate = null;
    enabled = peerAsked && mode != TcpConfig.ECN_OFF;
    return enabled ? TcpFlags.ECE : 0;
  }

  /**
   * Returns the AccECN option of a SYN-ACK (RFC 9768 §3.2.3: the server sends it so that the client
   * can tell whether options cross the path; Linux sends it on the first SYN-ACK only), or {@code
   * null}.
   */
  TcpOption.AccEcn synAckOption() {
    return accurate != null && optionMode > 0 && synAcksSent == 1 ? AccEcn.synAckOption() : null;
  }

  /**
   * Takes an arriving segment with the ECN codepoint of its IP header, before it is processed: the
   * peer's SYN may ask for ECN, its SYN-ACK may agree, and on an ECN connection a CE mark starts
   * the echo that a CWR stops (RFC 3168 §6.1.3: "...until it receives a CWR packet"; a CE on the
   * CWR segment itself starts it again).
   */
  void onSegment(InboundSegment seg, int ipEcn, TcpState state) {
    boolean syn = seg.has(TcpFlags.SYN);
    int ace = TcpFlags.ace(seg.flags());
    if (syn && !seg.has(TcpFlags.ACK)) {
      peerAsked = seg.has(TcpFlags.ECE) && seg.has(TcpFlags.CWR);
      peerAskedAccurate = ace != 0 && ace != 0b011;
      peerSynEcn = ipEcn;
      return;
    }
    if (syn) {
      if (state == TcpState.SYN_SENT && askedAccurate) {
        onAccurateSynAck(seg, ace, ipEcn);
      } else if (state == TcpState.SYN_SENT) {
        // RFC 3168 §6.1.1: an ECN-setup SYN-ACK has ECE set and CWR clear; any other answer means
        // no ECN.
        enabled = asked && seg.has(TcpFlags.ECE) && !seg.has(TcpFlags.CWR);
      }
      return;
    }
    if (accurate != null) {
      if (state == TcpState.SYN_RECEIVED)
        accurate.onThirdAck(ace, seg.payloadLength() == 0, Ecn.NOT_ECT);
      accurate.onReceived(ipEcn, seg.payloadLength());
      TcpOption.AccEcn option = seg.options().accEcn();
      optionCeBytes = option == null ? -1 : accurate.onOption(option);
      return;
    }
    if (!enabled) return;
    if (seg.has(TcpFlags.CWR)) echoing = false;
    if (ipEcn == Ecn.CE) echoing = true;
  }

  /**
   * Takes the SYN-ACK to our AccECN SYN (RFC 9768 §3.1.2 Table 3, as Linux's {@code
   * tcp_ecn_rcv_synack}): ACE 000 (a server without ECN) or 111 (a broken one) leaves ECN off; 001
   * (an RFC 3168 server, or 101) falls back to classic ECN; any other is AccECN, its ACE the echo
   * of our SYN's not-ECT, which no path could turn into an ECT or CE (§3.2.2.1: then the ACE field
   * is not trusted). A SYN-ACK option with a zeroed counter says options do not cross.
   */
  private void onAccurateSynAck(InboundSegment seg, int ace, int ipEcn) {
    switch (ace) {
      case 0b000, 0b111 -> enabled = false;
      case 0b001, 0b101 -> enabled = true;
      default -> {
        enabled = true;
        accurate = new AccEcn(ipEcn, true);
        if (!AccEcn.validTransition(Ecn.NOT_ECT, AccEcn.handshakeEct(ace)))
          accurate.aceFailed = true;
        TcpOption.AccEcn option = seg.options().accEcn();
        if (option != null) accurate.onOption(option);
      }
    }
  }

  /**
   * Returns how many CE marks an ACK that newly acknowledged or SACKed {@code ackedBytes} reports
   * to the sender, as a count of packets: on an AccECN connection the change of the ACE counter
   * (RFC 9768 §3.2.2.5, {@link AccEcn#onAck}), never for an ACK of our SYN (its ACE echoes the
   * SYN-ACK); on an RFC 3168 one, while the ACK carries ECE, the packets it acknowledged, at least
   * one (Linux's {@code delivered_ce} on ECE).
   */
  int ceEchoed(InboundSegment seg, boolean acksSyn, int ackedBytes, int mss) {
    int packets = ackedBytes > 0 ? Math.ceilDiv(ackedBytes, mss) : 0;
    if (accurate == null) {
      if (!enabled || !seg.has(TcpFlags.ECE)) return 0;
      classicDeliveredCe += packets;
      return Math.max(1, packets);
    }
    long ceBytes = optionCeBytes;
    optionCeBytes = -1;
    if (acksSyn || seg.has(TcpFlags.SYN)) return 0;
    return accurate.onAck(TcpFlags.ace(seg.flags()), ceBytes, packets, ackedBytes, mss);
  }

  /** Returns the packets the peer reported CE-marked (Linux's {@code tcpi_delivered_ce}). */
  long deliveredCe() {
    return accurate != null ? Integer.toUnsignedLong(accurate.deliveredCe) : classicDeliveredCe;
  }

  /**
   * Adds the AccECN option to a non-SYN segment that has {@code room} bytes of option space left
   * (Linux's {@code tcp_ecn_option}: see {@link TcpConfig#accEcnOption()}).
   */
  void addOption(OutboundSegment out, int room, long srtt, long now) {
    if (accurate == null || !accurate.optionDue(optionMode, beacon, srtt, now)) return;
    TcpOption.AccEcn option = accurate.option(room, now);
    if (option != null) out.accEcnOption(option);
  }

  /**
   * Returns the option bytes the next non-SYN segment gives to the AccECN option, padding included,
   * when it carries one with {@code room} bytes of option space left (as {@link #addOption} will
   * decide): 12 for three counters, 8 for two, 0 without. Linux's {@code tcp_current_mss} counts
   * them against the payload ({@code tcp_established_options}), so data segments shrink to leave
   * the option room.
   */
  int optionBytes(int room, long srtt, long now) {
    if (accurate == null || !accurate.optionDue(optionMode, beacon, srtt, now)) return 0;
    return AccEcn.optionBytes(room);
  }

  /**
   * Returns a SYN-ACK's options with the AccECN option added when it is due and fits in 40 bytes
   * ({@link #synAckOption}), where Linux's {@code tcp_options_write} puts it: after the MSS and the
   * timestamps, before SACK-permitted alone and the window scale, padded with one NOP ({@code
   * mss,ECN e1b 1 ceb 0 e0b 1,nop,nop,nop,sackOK,nop,wscale 8}).
   */
  TcpOptions withSynAckOption(TcpOptions options) {
    TcpOption.AccEcn option = synAckOption();
    if (option == null || ((options.encodedLength() + option.encodedLength() + 3) & ~3) > 40)
      return options;
    java.util.List<TcpOption> list = new java.util.ArrayList<>(options.list());
    int at = 0;
    for (int i = 0; i < list.size(); i++) {
      if (list.get(i) instanceof TcpOption.MaximumSegmentSize
          || list.get(i) instanceof TcpOption.Timestamps) at = i + 1;
    }
    list.add(at, TcpOption.NOP);
    list.add(at, option);
    return new TcpOptions(list);
  }

  /**
   * Notes a window reduction: the next new data segment carries CWR (RFC 3168 §6.1.2); AccECN has
   * no CWR (RFC 9768 §3.2.2.2).
   */
  void onReduction() {
    if (enabled && accurate == null) cwrPending = true;
  }

  /**
   * Returns the flags of a non-SYN segment we send: ECE on every one while echoing (all of ours
   * carry ACK, RFC 3168 §6.1.3), and CWR on the first new data after a reduction (§6.1.2).
   */
  int flags(int flags, int payloadLength, boolean retransmit) {
    if (accurate != null) return AccEcn.withAce(flags, accurate.nextAce());
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
    if (accurate != null && accurate.aceFailed)
      return Ecn.NOT_ECT; // RFC 9768 §3.2.2.1: MUST NOT set ECT
    return enabled && payloadLength > 0 && !retransmit ? Ecn.ECT_0 : Ecn.NOT_ECT;
  }
}
