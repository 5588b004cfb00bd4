package dev.synack.tcp;

import java.util.function.Consumer;

/**
 * Where stacks answer differently and RFC 9293 allows it (or an older RFC did), as knobs of one
 * immutable value; {@link #defaults()} is synack's own answer, Linux's. Change one with a {@code
 * withX} method, which returns a copy. The other answers are FreeBSD's, so that the conformance
 * suites written for it can check the behaviour behind each choice.
 */
public final class TcpChoices {
  private OptionLayout synOptionLayout;
  private boolean synWindowRoundedToMss;
  private boolean receiveBufferRoundedUpToMss;
  private boolean receiveWindowIsBufferSpace;
  private boolean inWindowRstResets;
  private boolean inWindowSynResets;
  private boolean finRepeatedOnAcks;
  private boolean resetSignalledAfterClose;
  private boolean bsdTimeWait;
  private boolean synFinDropped;
  private boolean synFinOpensLikeSyn;
  private boolean synAckToListenerDropped;
  private boolean oldDuplicateAckProcessed;
  private boolean synTextQueuedUntilEstablished;
  private boolean synOptionsDroppedOnThirdRetransmission;
  private boolean segmentsWithoutTimestampsDropped;
  private boolean retransmissionsBoundedInTime;
  private boolean bsdDelayedAck;
  private boolean windowUpdateWhenDoubled;

  private TcpChoices() {}

  private TcpChoices with(Consumer<TcpChoices> change) {
    TcpChoices c = new TcpChoices();
    c.synOptionLayout = synOptionLayout;
    c.synWindowRoundedToMss = synWindowRoundedToMss;
    c.receiveBufferRoundedUpToMss = receiveBufferRoundedUpToMss;
    c.receiveWindowIsBufferSpace = receiveWindowIsBufferSpace;
    c.inWindowRstResets = inWindowRstResets;
    c.inWindowSynResets = inWindowSynResets;
    c.finRepeatedOnAcks = finRepeatedOnAcks;
    c.resetSignalledAfterClose = resetSignalledAfterClose;
    c.bsdTimeWait = bsdTimeWait;
    c.synFinDropped = synFinDropped;
    c.synFinOpensLikeSyn = synFinOpensLikeSyn;
    c.synAckToListenerDropped = synAckToListenerDropped;
    c.oldDuplicateAckProcessed = oldDuplicateAckProcessed;
    c.synTextQueuedUntilEstablished = synTextQueuedUntilEstablished;
    c.synOptionsDroppedOnThirdRetransmission = synOptionsDroppedOnThirdRetransmission;
    c.segmentsWithoutTimestampsDropped = segmentsWithoutTimestampsDropped;
    c.retransmissionsBoundedInTime = retransmissionsBoundedInTime;
    c.bsdDelayedAck = bsdDelayedAck;
    c.windowUpdateWhenDoubled = windowUpdateWhenDoubled;
    change.accept(c);
    return c;
  }

  /**
   * Returns Linux's answers: its SYN option layout, a SYN window rounded to the MSS, buffers as
   * set, RCV.WND as announced.
   */
  public static TcpChoices defaults() {
    return new TcpChoices()
        .with(
            c -> {
              c.synOptionLayout = OptionLayout.LINUX;
              c.synWindowRoundedToMss = true;
              c.retransmissionsBoundedInTime = true;
            });
  }

  /** Returns how SYN and SYN-ACK options are laid out. */
  public OptionLayout synOptionLayout() {
    return synOptionLayout;
  }

  /** Returns a copy with another SYN option layout. */
  public TcpChoices withSynOptionLayout(OptionLayout layout) {
    if (layout == null) throw new IllegalArgumentException("layout is null");
    return with(c -> c.synOptionLayout = layout);
  }

  /**
   * Returns whether the window of a SYN or SYN-ACK is rounded down to a multiple of the MSS, as
   * Linux's {@code tcp_select_initial_window} does (64240 from 64 KiB for an MSS of 1460). FreeBSD
   * announces the free buffer space, at most 65535.
   */
  public boolean synWindowRoundedToMss() {
    return synWindowRoundedToMss;
  }

  /** Returns a copy that rounds the SYN window to the MSS, or not. */
  public TcpChoices withSynWindowRoundedToMss(boolean on) {
    return with(c -> c.synWindowRoundedToMss = on);
  }

  /**
   * Returns whether the receive buffer grows to a multiple of the MSS once the handshake settles
   * it, as FreeBSD's {@code tcp_mss} does with {@code so_rcv} (64 KiB becomes 65700 for an MSS of
   * 1460), so that the window holds whole segments.
   */
  public boolean receiveBufferRoundedUpToMss() {
    return receiveBufferRoundedUpToMss;
  }

  /** Returns a copy that rounds the receive buffer up to the MSS, or not. */
  public TcpChoices withReceiveBufferRoundedUpToMss(boolean on) {
    return with(c -> c.receiveBufferRoundedUpToMss = on);
  }

  /**
   * Returns whether RCV.WND, against which arriving segments are tested (RFC 9293 §3.10.7.4 first
   * step), is the free buffer space even where the window field could not announce it all, as
   * FreeBSD's {@code rcv_wnd} (the larger of {@code sbspace} and what was announced): with a
   * 65700-byte buffer and no window scaling it accepts 65700 bytes though it announced 65535. Linux
   * (and synack by default) test against the window announced.
   */
  public boolean receiveWindowIsBufferSpace() {
    return receiveWindowIsBufferSpace;
  }

  /** Returns a copy that tests arriving segments against the free buffer space, or not. */
  public TcpChoices withReceiveWindowIsBufferSpace(boolean on) {
    return with(c -> c.receiveWindowIsBufferSpace = on);
  }

  /**
   * Returns whether any RST inside the receive window resets the connection, as RFC 793 said
   * (FreeBSD's {@code net.inet.tcp.insecure_rst=1}), instead of only one at exactly RCV.NXT, with a
   * challenge ACK for the others (RFC 5961 §3.2, RFC 9293 §3.10.7.4 second step; the default).
   */
  public boolean inWindowRstResets() {
    return inWindowRstResets;
  }

  /**
   * Returns a copy that lets any in-window RST reset the connection (RFC 793), or not (RFC 5961).
   */
  public TcpChoices withInWindowRstResets(boolean on) {
    return with(c -> c.inWindowRstResets = on);
  }

  /**
   * Returns whether a SYN inside the receive window of a synchronized connection resets it, as RFC
   * 793 said ("If the SYN is in the window it is an error, send a reset"; FreeBSD's {@code
   * net.inet.tcp.insecure_syn=1}), instead of drawing a challenge ACK whatever its sequence number
   * (RFC 5961 §4, RFC 9293 §3.10.7.4 fourth step; the default).
   */
  public boolean inWindowSynResets() {
    return inWindowSynResets;
  }

  /**
   * Returns a copy that lets an in-window SYN reset the connection (RFC 793), or not (RFC 5961).
   */
  public TcpChoices withInWindowSynResets(boolean on) {
    return with(c -> c.inWindowSynResets = on);
  }

  /**
   * Returns whether, while our FIN is unacknowledged, the ACKs that segment processing owes repeat
   * it: {@code <SEQ=SND.NXT-1><CTL=FIN,ACK>} instead of {@code <SEQ=SND.NXT><CTL=ACK>}, as
   * FreeBSD's {@code tcp_output} resends the FIN with every segment in FIN-WAIT-1, CLOSING and
   * LAST-ACK. Challenge ACKs (RFC 5961, FreeBSD's {@code tcp_respond}) stay plain. Both forms are
   * valid acknowledgments; RFC 9293 §3.10.7.4 writes the plain one.
   */
  public boolean finRepeatedOnAcks() {
    return finRepeatedOnAcks;
  }

  /** Returns a copy that repeats an unacknowledged FIN on ACKs, or not. */
  public TcpChoices withFinRepeatedOnAcks(boolean on) {
    return with(c -> c.finRepeatedOnAcks = on);
  }

  /**
   * Returns whether a RST accepted in CLOSING or LAST-ACK signals "connection reset" to the user,
   * as in FIN-WAIT and CLOSE-WAIT (FreeBSD since r308745: a half-closed socket can still be read
   * and learns of the reset). RFC 9293 §3.10.7.4 second step only deletes the TCB in these states.
   */
  public boolean resetSignalledAfterClose() {
    return resetSignalledAfterClose;
  }

  /** Returns a copy that signals a reset in CLOSING and LAST-ACK, or not. */
  public TcpChoices withResetSignalledAfterClose(boolean on) {
    return with(c -> c.resetSignalledAfterClose = on);
  }

  /**
   * Returns whether TIME-WAIT answers segments as FreeBSD's {@code tcp_twcheck} does instead of by
   * the steps of RFC 9293 §3.10.7.4: a RST is ignored (RFC 1337); a SYN without ACK above RCV.NXT
   * ends TIME-WAIT and opens a new incarnation; any other segment without ACK is dropped silently
   * (an old SYN, a FIN without ACK); a resent FIN restarts the 2 MSL timer; and everything but a
   * duplicate of the last ACK (no data, SEG.SEQ = RCV.NXT, SEG.ACK = SND.NXT) is answered with an
   * ACK, whatever its sequence number.
   */
  public boolean bsdTimeWait() {
    return bsdTimeWait;
  }

  /** Returns a copy with FreeBSD's TIME-WAIT, or RFC 9293's. */
  public TcpChoices withBsdTimeWait(boolean on) {
    return with(c -> c.bsdTimeWait = on);
  }

  /**
   * Returns whether a segment with both SYN and FIN is dropped in every state, as FreeBSD's {@code
   * net.inet.tcp.drop_synfin=1} does (no legitimate stack sends one; scanners do).
   */
  public boolean synFinDropped() {
    return synFinDropped;
  }

  /** Returns a copy that drops SYN+FIN segments, or not. */
  public TcpChoices withSynFinDropped(boolean on) {
    return with(c -> c.synFinDropped = on);
  }

  /**
   * Returns whether a SYN with FIN that reaches a listener opens a connection as the SYN alone
   * would, its FIN (and text) ignored, as FreeBSD's syncache does when it does not drop such
   * segments. Linux ({@code tcp_rcv_state_process}) and synack by default discard it.
   */
  public boolean synFinOpensLikeSyn() {
    return synFinOpensLikeSyn;
  }

  /** Returns a copy that opens connections on SYN+FIN in LISTEN, or not. */
  public TcpChoices withSynFinOpensLikeSyn(boolean on) {
    return with(c -> c.synFinOpensLikeSyn = on);
  }

  /**
   * Returns whether a SYN-ACK arriving at a listener is dropped silently, as FreeBSD's {@code
   * tcp_input} does ("SYN|ACK invalid"), instead of answered with {@code <SEQ=SEG.ACK><CTL=RST>} as
   * RFC 9293 §3.10.7.2 second says for any ACK in LISTEN (and Linux does).
   */
  public boolean synAckToListenerDropped() {
    return synAckToListenerDropped;
  }

  /** Returns a copy that drops SYN-ACKs at a listener, or not. */
  public TcpChoices withSynAckToListenerDropped(boolean on) {
    return with(c -> c.synAckToListenerDropped = on);
  }

  /**
   * Returns whether a segment that lies wholly below RCV.NXT (a retransmission of text or of the
   * FIN) still has its acknowledgment processed after the ACK it draws, as FreeBSD's {@code
   * tcp_do_segment} trims the old part and goes on: a peer resending its FIN with a new ACK then
   * moves CLOSING to TIME-WAIT. RFC 9293 §3.10.7.4 first step (and Linux) send the ACK and drop the
   * segment.
   */
  public boolean oldDuplicateAckProcessed() {
    return oldDuplicateAckProcessed;
  }

  /** Returns a copy that processes the ACK of wholly old segments, or not. */
  public TcpChoices withOldDuplicateAckProcessed(boolean on) {
    return with(c -> c.oldDuplicateAckProcessed = on);
  }

  /**
   * Returns whether text in a SYN that reaches SYN-SENT (a simultaneous open) is kept and delivered
   * once ESTABLISHED is reached, as RFC 9293 §3.10.7.3 fourth step says ("If there are other
   * controls or text in the segment, queue them for processing after the ESTABLISHED state has been
   * reached") and FreeBSD does (its reassembly queue holds it until then). Linux ({@code
   * tcp_rcv_synsent_state_process}) discards it, "for sanity", and the peer sends it again. Either
   * way the SYN-ACK acknowledges the SYN alone.
   */
  public boolean synTextQueuedUntilEstablished() {
    return synTextQueuedUntilEstablished;
  }

  /**
   * Returns a copy that keeps the text of a SYN reaching SYN-SENT until ESTABLISHED, or discards
   * it.
   */
  public TcpChoices withSynTextQueuedUntilEstablished(boolean on) {
    return with(c -> c.synTextQueuedUntilEstablished = on);
  }

  /**
   * Returns whether an unanswered SYN gives up its window scale, SACK-permitted and timestamps
   * options from its third retransmission on, keeping the MSS, as FreeBSD's {@code
   * net.inet.tcp.rexmit_drop_options=1} does ({@code tcp_timer_rexmt}), in case a middlebox drops
   * SYNs with options it does not know; the connection then goes without them. Off in Linux and by
   * default in FreeBSD.
   */
  public boolean synOptionsDroppedOnThirdRetransmission() {
    return synOptionsDroppedOnThirdRetransmission;
  }

  /**
   * Returns a copy whose SYN keeps only the MSS option from its third retransmission on, or keeps
   * them all.
   */
  public TcpChoices withSynOptionsDroppedOnThirdRetransmission(boolean on) {
    return with(c -> c.synOptionsDroppedOnThirdRetransmission = on);
  }

  /**
   * Returns whether, once timestamps were negotiated, a segment without the option is dropped
   * silently (a RST excepted), as RFC 7323 §3.2 says a TCP SHOULD and FreeBSD's {@code
   * net.inet.tcp.tolerate_missing_ts=0} does. Linux, and FreeBSD by default, accept it, since
   * stacks that negotiate timestamps and then leave them out exist ("tolerating violations for
   * now", FreeBSD's comment).
   */
  public boolean segmentsWithoutTimestampsDropped() {
    return segmentsWithoutTimestampsDropped;
  }

  /** Returns a copy that drops segments missing the negotiated timestamps, or accepts them. */
  public TcpChoices withSegmentsWithoutTimestampsDropped(boolean on) {
    return with(c -> c.segmentsWithoutTimestampsDropped = on);
  }

  /**
   * Returns whether the retransmissions of a segment also give up after the time that the retry
   * count would take from the minimum RTO (1 s, the initial RTO, for a SYN), doubling up to the
   * maximum RTO, as Linux's {@code retransmits_timed_out} with {@code tcp_model_timeout} does
   * (924.6 s for {@code tcp_retries2} = 15): a connection whose RTO grew large gives up after fewer
   * retransmissions, no later. FreeBSD counts retransmissions alone ({@code TCP_MAXRXTSHIFT}).
   * Either way the count given by {@link TcpConfig#withRetries} ends it too.
   */
  public boolean retransmissionsBoundedInTime() {
    return retransmissionsBoundedInTime;
  }

  /** Returns a copy that bounds retransmissions in time as Linux, or only in count as FreeBSD. */
  public TcpChoices withRetransmissionsBoundedInTime(boolean on) {
    return with(c -> c.retransmissionsBoundedInTime = on);
  }

  /**
   * Returns whether in-order data is acknowledged by FreeBSD's rule ({@code DELAY_ACK} in {@code
   * sys/netinet/tcp_input.c}): a segment of at most one MSS waits for the delayed-ACK timer only
   * when no other segment is already waiting for its ACK, so every second segment is acknowledged
   * at once from the first data on, and there is no quick-ACK mode. Off, Linux's rule holds ({@code
   * __tcp_ack_snd_check} and {@code tcp_incr_quickack} in {@code net/ipv4/tcp_input.c}): quick ACKs
   * at the start of the data and after an idle spell, then an ACK once more than one full-sized
   * segment is unacknowledged.
   */
  public boolean bsdDelayedAck() {
    return bsdDelayedAck;
  }

  /** Returns a copy acknowledging data by FreeBSD's every-second-segment rule, or by Linux's. */
  public TcpChoices withBsdDelayedAck(boolean on) {
    return with(c -> c.bsdDelayedAck = on);
  }

  /**
   * Returns whether a read announces the opened window only when the window still offered is at
   * most half the buffer and the new one at least twice it, as Linux's {@code tcp_cleanup_rbuf}
   * ({@code net/ipv4/tcp.c}): a large window is not re-announced after every read. Off, a read
   * announces the window once it opened by the smaller of half the buffer and one MSS (RFC 9293
   * §3.8.6.2.2), which leaves more window updates on the wire.
   */
  public boolean windowUpdateWhenDoubled() {
    return windowUpdateWhenDoubled;
  }

  /**
   * Returns a copy announcing the window after reads by Linux's doubling rule, or by RFC 9293's.
   */
  public TcpChoices withWindowUpdateWhenDoubled(boolean on) {
    return with(c -> c.windowUpdateWhenDoubled = on);
  }

  @Override
  public String toString() {
    return "TcpChoices[synOptions="
        + synOptionLayout
        + ", synWindowRounded="
        + synWindowRoundedToMss
        + ", rcvbufRoundedUp="
        + receiveBufferRoundedUpToMss
        + ", rcvWndIsBufferSpace="
        + receiveWindowIsBufferSpace
        + ", inWindowRstResets="
        + inWindowRstResets
        + ", inWindowSynResets="
        + inWindowSynResets
        + ", finRepeatedOnAcks="
        + finRepeatedOnAcks
        + ", resetSignalledAfterClose="
        + resetSignalledAfterClose
        + ", bsdTimeWait="
        + bsdTimeWait
        + ", synFinDropped="
        + synFinDropped
        + ", synFinOpensLikeSyn="
        + synFinOpensLikeSyn
        + ", synAckToListenerDropped="
        + synAckToListenerDropped
        + ", oldDuplicateAckProcessed="
        + oldDuplicateAckProcessed
        + ", synTextQueued="
        + synTextQueuedUntilEstablished
        + ", synOptionsDropped="
        + synOptionsDroppedOnThirdRetransmission
        + ", missingTimestampsDropped="
        + segmentsWithoutTimestampsDropped
        + ", retransmissionsBoundedInTime="
        + retransmissionsBoundedInTime
        + ", bsdDelayedAck="
        + bsdDelayedAck
        + ", windowUpdateWhenDoubled="
        + windowUpdateWhenDoubled
        + "]";
  }
}
