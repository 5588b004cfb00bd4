package dev.synack.tcp;

import dev.synack.trace.DropReason;
import dev.synack.wire.InboundSegment;
import dev.synack.wire.SeqNum;
import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpSegment;
import java.nio.ByteBuffer;

/**
 * Segment arrival, RFC 9293 §3.10.7, in the RFC's order: CLOSED (§3.10.7.1), LISTEN (§3.10.7.2),
 * SYN-SENT (§3.10.7.3), then the synchronized states (§3.10.7.4) step by step, first (sequence
 * number) to eighth (FIN), each step a method named after it. Inside a step, what depends on the
 * state is a {@code switch} over it.
 *
 * <p>Every segment is either traced {@code recv}, or {@code drop} with the reason, which quotes the
 * rule that discarded it. Replies are owed, not built here: {@link TcpConnection#ackNow} for an
 * ACK, {@link TcpConnection#sendReset} for a RST.
 */
final class SegmentArrival {
  private final TcpConnection c;

  /**
   * The text of a SYN that reached SYN-SENT, kept for ESTABLISHED (RFC 9293 §3.10.7.3 fourth step,
   * {@link TcpChoices#synTextQueuedUntilEstablished}); null when there is none.
   */
  private TcpSegment textQueuedUntilEstablished;

  SegmentArrival(TcpConnection connection) {
    this.c = connection;
  }

  /** Processes one arriving segment. */
  Disposition process(InboundSegment seg, long now) {
    c.tracer.arrival(seg, now);
    Disposition d = Disposition.CONSUMED;
    if (c.cfg.choices().synFinDropped() && seg.has(TcpFlags.SYN | TcpFlags.FIN)) {
      drop(seg, now, DropReason.SYN_FIN_DROPPED);
    } else {
      switch (c.state) {
        case CLOSED -> closed(seg, now);
        case LISTEN -> listen(seg, now);
        case SYN_SENT -> synSent(seg, now);
        default -> d = synchronizedStates(seg, now);
      }
    }
    c.tracer.flushArrival();
    return d;
  }

  // ---- §3.10.7.1 CLOSED ----

  /**
   * "All data in the incoming segment is discarded. An incoming segment containing a RST is
   * discarded. An incoming segment not containing a RST causes a RST to be sent in response."
   */
  private void closed(InboundSegment seg, long now) {
    c.resetReplyTo(seg);
    drop(seg, now, DropReason.CLOSED);
  }

  // ---- §3.10.7.2 LISTEN ----

  private void listen(InboundSegment seg, long now) {
    // First, check for a RST: "An incoming RST segment could not be valid... it should be ignored."
    if (seg.has(TcpFlags.RST)) {
      drop(seg, now, DropReason.LISTEN_RST);
      return;
    }
    // Second, check for an ACK: "Any acknowledgment is bad if it arrives on a connection still in
    // the LISTEN state. An acceptable reset segment should be formed for any arriving ACK-bearing
    // segment. The RST should be formatted as follows: <SEQ=SEG.ACK><CTL=RST>".
    if (seg.has(TcpFlags.ACK)) {
      c.sendReset(seg.acknowledgmentNumber(), false, 0);
      drop(seg, now, DropReason.LISTEN_ACK);
      return;
    }
    // Third, check for a SYN.
    if (seg.has(TcpFlags.SYN)) {
      if (seg.has(TcpFlags.FIN) && !c.cfg.choices().synFinOpensLikeSyn()) {
        // Linux discards SYN+FIN in LISTEN (tcp_rcv_state_process): no legitimate stack sends it.
        // FreeBSD's syncache takes it as the SYN alone (TcpChoices.synFinOpensLikeSyn): the FIN,
        // like text in a SYN, is not processed below.
        drop(seg, now, DropReason.LISTEN_SYN_FIN);
        return;
      }
      // Security/compartment check: not implemented (RFC 9293 leaves it to RFC 1122's IP options).
      c.bindRemote(seg.sourcePort());
      // "Set RCV.NXT to SEG.SEQ+1, IRS is set to SEG.SEQ... ISS should be selected and a SYN
      // segment
      // sent of the form <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>. SND.NXT is set to ISS+1 and SND.UNA
      // to ISS. The connection state should be changed to SYN-RECEIVED." The SYN-ACK leaves at
      // pollTransmit, where SND.NXT advances. Data in the SYN is not acknowledged and is dropped,
      // as
      // Linux does without TCP Fast Open; the peer sends it again.
      c.onPeerSyn(seg.toSegment(), now);
      c.snd.start(c.passiveIss(now));
      c.snd.setWindow(
          seg.sequenceNumber(), 0, seg.window()); // a SYN's window is never scaled (RFC 7323 §2.2)
      c.passiveHandshake = true;
      c.setState(TcpState.SYN_RECEIVED, now);
      if (c.fastOpen != null && c.fastOpen.takesSynData() && seg.payloadLength() > 0)
        takeFastOpenData(seg, now);
      if (c.cfg.lesson() == Lesson.TWO_MESSAGE_HANDSHAKE) {
        // The lesson, not RFC 9293: the SYN alone opens the connection; no third message is
        // awaited.
        c.setState(TcpState.ESTABLISHED, now);
      }
      return;
    }
    // Fourth, other data or control: "drop the segment and return".
    drop(seg, now, DropReason.LISTEN_NO_SYN);
  }

  /**
   * Takes the data of a SYN whose Fast Open cookie was valid (RFC 7413 §4.2.2: "the server... MAY
   * deliver the data to the application before the 3WHS completes"): readable at once, and
   * acknowledged by the SYN-ACK, whose ACK field is RCV.NXT. What the window does not hold is
   * dropped, as Linux trims the SYN to the receive window ({@code tcp_fastopen_add_skb}).
   */
  private void takeFastOpenData(InboundSegment seg, long now) {
    ByteBuffer text = seg.payload();
    int room = Math.min(c.rcv.rcvWnd(), c.rcv.freeSpace());
    if (text.remaining() > room) text.limit(text.position() + room);
    int n = c.rcv.accept(text);
    c.fastOpen.synDataTaken = n;
    c.tracer.note(
        now, "fast open: " + n + " bytes of the SYN's data taken before the handshake completes");
    if (n > 0) c.emit(ConnectionEvent.READABLE);
  }

  // ---- §3.10.7.3 SYN-SENT ----

  private void synSent(InboundSegment seg, long now) {
    Sender snd = c.snd;
    // First, check the ACK bit: "If SEG.ACK =< ISS or SEG.ACK > SND.NXT, send a reset (unless the
    // RST bit is set, if so drop the segment and return) <SEQ=SEG.ACK><CTL=RST>". This is what
    // saves a new connection from an old duplicate SYN-ACK (RFC 9293 §3.5 figure 9): the peer's
    // half-open old connection is reset, and our handshake goes on.
    boolean ack = seg.has(TcpFlags.ACK);
    if (ack && !snd.acksNew(seg.acknowledgmentNumber())) {
      // The lesson of a two-message handshake answers no SYN-ACK, not even this one with a RST.
      boolean answered = c.cfg.lesson() != Lesson.TWO_MESSAGE_HANDSHAKE || !seg.has(TcpFlags.SYN);
      if (!seg.has(TcpFlags.RST) && answered) c.sendReset(seg.acknowledgmentNumber(), false, 0);
      drop(seg, now, DropReason.SYN_SENT_BAD_ACK);
      return;
    }
    // Second, check the RST bit: acceptable only if its ACK acknowledges our SYN (RFC 5961 §3
    // needs nothing more here). The RFC's message is "connection reset"; like Linux (ECONNREFUSED)
    // we report "connection refused", which is what a RST to a SYN means to the user.
    if (seg.has(TcpFlags.RST)) {
      if (ack) {
        c.enterClosed(TcpError.CONNECTION_REFUSED, now);
      } else {
        drop(seg, now, DropReason.SYN_SENT_RST_NO_ACK);
      }
      return;
    }
    // Third, check security: not implemented.
    // Fourth, check the SYN bit.
    if (seg.has(TcpFlags.SYN)) {
      // "RCV.NXT is set to SEG.SEQ+1, IRS is set to SEG.SEQ. SND.UNA should be advanced to equal
      // SEG.ACK (if there is an ACK), and any segments on the retransmission queue that are thereby
      // acknowledged should be removed."
      c.onPeerSyn(seg.toSegment(), now);
      if (ack) onNewAck(seg, now);
      // The window of a SYN is never scaled (RFC 7323 §2.2); SND.WL1/WL2 as RFC 9293 erratum 4785.
      snd.setWindow(seg.sequenceNumber(), seg.acknowledgmentNumber(), seg.window());
      if (c.fastOpen != null
          && snd.synAcked()
          && c.fastOpen.onSynAck(seg.toSegment(), snd.iss, snd.synDataSent)) {
        // RFC 7413 §4.2.1 and Linux's tcp_rcv_fastopen_synack: the server acknowledged only the SYN
        // (no or a bad cookie, or it knows no Fast Open), so the SYN's data goes again at once,
        // as a retransmission that congestion control does not hold back.
        int first = snd.scoreboard().indexOf(snd.sndUna);
        if (first >= 0) snd.scoreboard().markLost(first);
        snd.retransmitAhead = true;
        c.tracer.note(
            now,
            "fast open: the SYN-ACK acknowledged only the SYN; its "
                + snd.synDataSent
                + " bytes go again");
      }
      if (snd.synAcked()) {
        // "If SND.UNA > ISS (our SYN has been ACKed), change the connection state to ESTABLISHED,
        // form an ACK segment <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> and send it."
        c.setState(TcpState.ESTABLISHED, now);
        c.ackNow =
            c.cfg.lesson() != Lesson.TWO_MESSAGE_HANDSHAKE; // the lesson sends no third message
        // "If there are other controls or text in the segment, then continue processing at the
        // sixth step below where the URG bit is checked."
        if (seg.payloadLength() > 0 || seg.has(TcpFlags.FIN)) {
          InboundSegment rest =
              withSeq(
                  seg,
                  SeqNum.add(seg.sequenceNumber(), 1),
                  seg.payload(),
                  seg.flags() & ~TcpFlags.SYN);
          rest = trimToWindow(rest);
          if (seventhProcessText(rest, now)) eighthCheckFin(rest, now);
        }
        return;
      }
      // "Otherwise, enter SYN-RECEIVED, form a SYN,ACK segment <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>
      // and send it." A simultaneous open: our SYN goes again, now with the ACK, which does not
      // acknowledge text in the SYN. "If there are other controls or text in the segment, queue
      // them for processing after the ESTABLISHED state has been reached": the text waits if
      // TcpChoices.synTextQueuedUntilEstablished says so (FreeBSD), else it is discarded (Linux).
      // A FIN with the SYN is not processed, as in both.
      c.setState(TcpState.SYN_RECEIVED, now);
      snd.resendSyn();
      if (seg.payloadLength() > 0 && c.cfg.choices().synTextQueuedUntilEstablished()) {
        ByteBuffer text =
            ByteBuffer.allocate(seg.payloadLength())
                .put(seg.payload())
                .flip(); // the caller's buffer is not ours to keep
        textQueuedUntilEstablished =
            withSeq(seg, c.rcv.rcvNxt, text, seg.flags() & ~(TcpFlags.SYN | TcpFlags.FIN));
      }
      return;
    }
    // Fifth, if neither of the SYN or RST bits is set, then drop the segment and return.
    drop(seg, now, DropReason.SYN_SENT_NO_SYN);
  }

  // ---- §3.10.7.4 Other states (synchronized) ----

  private Disposition synchronizedStates(InboundSegment seg, long now) {
    if (c.state == TcpState.TIME_WAIT && c.cfg.choices().bsdTimeWait())
      return bsdTimeWait(seg, now);
    if (c.state == TcpState.TIME_WAIT && reopensTimeWait(seg, now)) {
      // The TCB makes way for a new incarnation; the stack hands the SYN to the listener.
      c.tracer.flushArrival();
      c.enterClosed(null, now);
      return Disposition.REOPEN;
    }
    if (c.cfg.choices().segmentsWithoutTimestampsDropped()
        && c.opts.timestampsOk()
        && !seg.has(TcpFlags.RST)
        && !seg.hasTimestamps()) {
      // RFC 7323 §3.2: "If a non-<RST> segment is received without a TSopt, a TCP SHOULD silently
      // drop the segment."
      drop(seg, now, DropReason.TIMESTAMP_MISSING);
      return Disposition.CONSUMED;
    }
    if (c.state == TcpState.SYN_RECEIVED && isPeerSynAgain(seg)) {
      // Our SYN-ACK was lost and the peer resent its SYN. Step one would only ACK it (its sequence
      // number is below RCV.NXT), which the peer in SYN-SENT drops; Linux (tcp_check_req) resends
      // the SYN-ACK at once, and so do we.
      c.snd.resendSyn();
      return Disposition.CONSUMED;
    }
    if (c.state == TcpState.SYN_RECEIVED && isSimultaneousSynAck(seg)) {
      // Simultaneous open (RFC 9293 §3.5 figure 8, line 6): the peer's SYN-ACK repeats the SYN we
      // have, so step one finds it old and step four would challenge it; Linux
      // (tcp_validate_incoming) lets it through to the ACK processing, which completes the
      // handshake.
      if (fifthCheckAck(seg, now)) eighthCheckFin(trimToWindow(seg), now);
      return Disposition.CONSUMED;
    }
    // First, check the sequence number.
    if (!firstCheckSequenceNumber(seg, now)) return Disposition.CONSUMED;
    // Second, check the RST bit.
    if (seg.has(TcpFlags.RST)) {
      secondCheckRst(seg, now);
      return Disposition.CONSUMED;
    }
    // Third, check security: not implemented (no compartments; RFC 9293 leaves them to IP options).
    // Fourth, check the SYN bit.
    if (seg.has(TcpFlags.SYN)) {
      fourthCheckSyn(seg, now);
      return Disposition.CONSUMED;
    }
    // Fifth, check the ACK field.
    if (!fifthCheckAck(seg, now)) return Disposition.CONSUMED;
    // Sixth, check the URG bit.
    sixthCheckUrg(seg);
    // Seventh, process the segment text. Text cut off at the window's edges is answered with an
    // ACK, which also tells a zero-window prober our window. The cut follows RCV.NXT as it is now:
    // reaching ESTABLISHED may have moved it over text queued in SYN-RECEIVED.
    InboundSegment inWindow = trimToWindow(seg);
    if (inWindow.payloadLength() < seg.payloadLength()) c.ackNow = true;
    noteDuplicate(seg);
    if (!seventhProcessText(inWindow, now)) return Disposition.CONSUMED;
    // Eighth, check the FIN bit.
    eighthCheckFin(inWindow, now);
    return Disposition.CONSUMED;
  }

  /**
   * Returns whether a segment is a SYN that may open a new incarnation of a connection in
   * TIME-WAIT. RFC 9293 §3.10.7.4 (note on the fourth step) and RFC 1122 §4.2.2.13 allow it when
   * the SYN is new; RFC 6191 refines the test with timestamps. We apply Linux's rule ({@code
   * tcp_timewait_state_process}), a simplification of RFC 6191: a SYN without ACK or RST, not
   * rejected by PAWS, whose SEG.SEQ is beyond RCV.NXT or whose TSval is newer than TS.Recent. RFC
   * 6191 would also accept any SYN with timestamps when the old connection had none; Linux does
   * not, nor do we. A SYN that fails the test goes through the steps below, which ACK it.
   */
  private boolean reopensTimeWait(InboundSegment seg, long now) {
    return seg.has(TcpFlags.SYN)
        && !seg.has(TcpFlags.ACK)
        && !seg.has(TcpFlags.RST)
        && !c.opts.pawsRejects(seg, now)
        && (SeqNum.gt(seg.sequenceNumber(), c.rcv.rcvNxt) || c.opts.hasNewerTimestamp(seg));
  }

  /**
   * TIME-WAIT as FreeBSD's {@code tcp_twcheck} answers it ({@link TcpChoices#bsdTimeWait}): no
   * window test, RSTs ignored (RFC 1337), a new SYN reopens, segments without ACK are dropped, a
   * resent FIN restarts the 2 MSL timer, and all but a duplicate of the last ACK draw an ACK.
   */
  private Disposition bsdTimeWait(InboundSegment seg, long now) {
    Receiver rcv = c.rcv;
    if (seg.has(TcpFlags.RST)) {
      drop(seg, now, DropReason.TIME_WAIT_RST);
      return Disposition.CONSUMED;
    }
    if ((seg.flags() & (TcpFlags.SYN | TcpFlags.ACK)) == TcpFlags.SYN
        && SeqNum.gt(seg.sequenceNumber(), rcv.rcvNxt)) {
      c.tracer.flushArrival();
      c.enterClosed(null, now);
      return Disposition.REOPEN;
    }
    if (!seg.has(TcpFlags.ACK)) {
      drop(seg, now, DropReason.TIME_WAIT_NO_ACK);
      return Disposition.CONSUMED;
    }
    int end =
        SeqNum.add(seg.sequenceNumber(), seg.payloadLength() + (seg.has(TcpFlags.SYN) ? 1 : 0));
    if (seg.has(TcpFlags.FIN) && SeqNum.add(end, 1) == rcv.rcvNxt)
      c.restartTimeWait(now); // the peer's FIN again
    boolean duplicateAck =
        (seg.flags() & ~TcpFlags.ACE) == TcpFlags.ACK
            && seg.payloadLength() == 0
            && seg.sequenceNumber() == rcv.rcvNxt
            && seg.acknowledgmentNumber() == c.snd.sndNxt;
    if (!duplicateAck) c.ackNow = true;
    return Disposition.CONSUMED;
  }

  /**
   * Returns whether a segment is the SYN-ACK of a simultaneous open: SYN and ACK at IRS,
   * acknowledging our SYN.
   */
  private boolean isSimultaneousSynAck(InboundSegment seg) {
    return !c.passiveHandshake
        && (seg.flags() & (TcpFlags.SYN | TcpFlags.ACK | TcpFlags.RST))
            == (TcpFlags.SYN | TcpFlags.ACK)
        && seg.sequenceNumber() == c.rcv.irs
        && c.snd.acksNew(seg.acknowledgmentNumber());
  }

  /** Returns whether a segment is the peer's SYN once more: SYN alone, SEG.SEQ = IRS. */
  private boolean isPeerSynAgain(InboundSegment seg) {
    return c.passiveHandshake
        && (seg.flags() & (TcpFlags.SYN | TcpFlags.ACK | TcpFlags.RST | TcpFlags.FIN))
            == TcpFlags.SYN
        && seg.sequenceNumber() == c.rcv.irs;
  }

  /**
   * First, check the sequence number (after PAWS, RFC 7323 §5.3). Returns whether processing goes
   * on.
   *
   * <p>The four cases of acceptability:
   *
   * <pre>
   * Segment Length  Receive Window  Test
   * 0               0               SEG.SEQ = RCV.NXT
   * 0               >0              RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND
   * >0              0               not acceptable
   * >0              >0              RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND
   *                                 or RCV.NXT =< SEG.SEQ+SEG.LEN-1 < RCV.NXT+RCV.WND
   * </pre>
   *
   * "If the RCV.WND is zero, no segments will be acceptable, but special allowance should be made
   * to accept valid ACKs, URGs, and RSTs": a segment at RCV.NXT goes on with its text cut. A
   * segment without text at RCV.NXT+RCV.WND is accepted too, as Linux does (see below).
   */
  private boolean firstCheckSequenceNumber(InboundSegment seg, long now) {
    Receiver rcv = c.rcv;
    if (c.opts.pawsRejects(seg, now)) {
      // RFC 7323 §5.3 R1: "send an acknowledgment in reply as specified in RFC 793 page 69 and
      // drop the segment".
      boolean acked = c.acks.ackUnacceptable(c, seg, now);
      noteDuplicate(seg);
      drop(seg, now, acked ? DropReason.PAWS : DropReason.PAWS_ACK_RATE_LIMITED);
      restartTimeWaitOnRetransmission(seg, now);
      return false;
    }
    int seq = seg.sequenceNumber();
    int len = seg.segmentLength();
    int wnd = c.acceptanceWindow();
    boolean acceptable;
    if (len == 0) {
      // Like Linux (tcp_sequence: invalid only if SEG.SEQ is after RCV.NXT+RCV.WND), a segment
      // without text is also taken at the right edge: it is the ACK of a peer whose data filled
      // our window and was lost. Refusing it answers with an ACK, and when both sides are in that
      // state each answers the other's ACK forever, an ACK loop no timer stops. Not a RST: its
      // window is RFC 5961 §3.2's, strictly inside (Linux answers one at the edge with a challenge
      // ACK).
      acceptable =
          wnd == 0
              ? seq == rcv.rcvNxt
              : SeqNum.inWindow(seq, rcv.rcvNxt, wnd)
                  || (seq == SeqNum.add(rcv.rcvNxt, wnd) && !seg.has(TcpFlags.RST));
    } else {
      acceptable =
          wnd > 0
              && (SeqNum.inWindow(seq, rcv.rcvNxt, wnd)
                  || SeqNum.inWindow(SeqNum.add(seq, len - 1), rcv.rcvNxt, wnd));
      acceptable |= wnd == 0 && seq == rcv.rcvNxt; // the zero-window allowance
    }
    if (!acceptable) {
      // "If an incoming segment is not acceptable, an acknowledgment should be sent in reply
      // (unless the RST bit is set, if so drop the segment and return):
      // <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>"
      if (seg.has(TcpFlags.RST)) {
        drop(seg, now, DropReason.RST_OUTSIDE_WINDOW);
      } else if (seg.has(TcpFlags.SYN) && c.state != TcpState.TIME_WAIT) {
        // RFC 5961 §4.2: "If the SYN bit is set, irrespective of the sequence number, TCP endpoints
        // MUST send a "challenge ACK"", as Linux's tcp_validate_incoming does for a SYN out of the
        // window.
        challengeSyn(seg, now);
      } else if (restartTimeWaitOnRetransmission(seg, now)) {
        // A resent FIN in TIME-WAIT is received and answered, not dropped; a blind guess is
        // answered at the rate limit.
        if (!c.acks.ackUnacceptable(c, seg, now))
          drop(seg, now, DropReason.OUTSIDE_WINDOW_ACK_RATE_LIMITED);
      } else if (c.cfg.choices().oldDuplicateAckProcessed()
          && seg.has(TcpFlags.ACK)
          && !seg.has(TcpFlags.SYN)
          && SeqNum.le(SeqNum.add(seq, len), rcv.rcvNxt)) {
        // Wholly old: acknowledged, and its ACK field still processed
        // (TcpChoices.oldDuplicateAckProcessed,
        // FreeBSD); its text and FIN lie below RCV.NXT, so the later steps find nothing new in
        // them.
        c.ackNow = true;
        return true;
      } else {
        boolean acked = c.acks.ackUnacceptable(c, seg, now);
        // D-SACK reports the plain duplicate, as Linux's tcp_send_dupack; a SYN carries none.
        if (!seg.has(TcpFlags.SYN)) noteDuplicate(seg);
        drop(
            seg,
            now,
            acked ? DropReason.OUTSIDE_WINDOW : DropReason.OUTSIDE_WINDOW_ACK_RATE_LIMITED);
      }
      return false;
    }
    c.keepAlive.onHeard(now); // the peer is alive: keep-alive starts its idle time again
    return true;
  }

  /**
   * In TIME-WAIT, "the only thing that can arrive in this state is a retransmission of the remote
   * FIN. Acknowledge it, and restart the 2 MSL timeout" (§3.10.7.4 fifth step). A resent FIN lies
   * below RCV.NXT, so it fails step one, which ACKs it; the timer restarts here, as in Linux, for
   * any segment with ACK (the FIN's last ACK was lost: the peer must hear from us again). Returns
   * whether it did.
   */
  private boolean restartTimeWaitOnRetransmission(InboundSegment seg, long now) {
    if (c.state != TcpState.TIME_WAIT || !seg.has(TcpFlags.ACK)) return false;
    c.restartTimeWait(now);
    return true;
  }

  /** Second, check the RST bit (with RFC 5961 §3.2 and RFC 1337). */
  private void secondCheckRst(InboundSegment seg, long now) {
    if (c.state == TcpState.TIME_WAIT && c.cfg.rfc1337()) {
      // RFC 1337 §3 fix (1): "ignore RST segments in TIME-WAIT state", lest an old RST cut the 2
      // MSL short.
      drop(seg, now, DropReason.TIME_WAIT_RST);
      return;
    }
    if (seg.sequenceNumber() != c.rcv.rcvNxt && !c.cfg.choices().inWindowRstResets()) {
      // RFC 5961 §3.2: "If the RST bit is set and the sequence number does not exactly match the
      // next expected sequence value, yet is within the current receive window, TCP endpoints MUST
      // send an acknowledgment (challenge ACK)".
      boolean sent = c.acks.challengeAck(c, now);
      drop(seg, now, sent ? DropReason.RST_CHALLENGED : DropReason.RST_CHALLENGE_LIMITED);
      return;
    }
    switch (c.state) {
      case SYN_RECEIVED -> {
        // "If this connection was initiated with a passive OPEN (i.e., came from the LISTEN state),
        // then return this connection to LISTEN state and return... If this connection was
        // initiated with an active OPEN (i.e., came from SYN-SENT state), then the connection was
        // refused; signal the user "connection refused"."
        if (!c.passiveHandshake) {
          c.enterClosed(TcpError.CONNECTION_REFUSED, now);
        } else if (c.origin == TcpConnection.Origin.LISTEN) {
          c.returnToListen(now);
        } else {
          c.enterClosed(TcpError.CONNECTION_RESET, now); // the stack's listener stays in LISTEN
        }
      }
      // "Any outstanding RECEIVEs and SEND should receive "reset" responses. All segment queues
      // should be flushed. Users should also receive an unsolicited general "connection reset"
      // signal. Enter the CLOSED state, delete the TCB, and return."
      case ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, CLOSE_WAIT ->
          c.enterClosed(TcpError.CONNECTION_RESET, now);
      // "If the RST bit is set, then enter the CLOSED state, delete the TCB, and return."
      // FreeBSD also signals the reset in CLOSING and LAST-ACK
      // (TcpChoices.resetSignalledAfterClose).
      case CLOSING, LAST_ACK ->
          c.enterClosed(
              c.cfg.choices().resetSignalledAfterClose() ? TcpError.CONNECTION_RESET : null, now);
      case TIME_WAIT -> c.enterClosed(null, now);
      default -> throw new IllegalStateException("not synchronized: " + c.state);
    }
  }

  /** Fourth, check the SYN bit (RFC 5961 §4). */
  private void fourthCheckSyn(InboundSegment seg, long now) {
    if (c.state == TcpState.SYN_RECEIVED && c.passiveHandshake) {
      // "If the connection was initiated with a passive OPEN, then return this connection to the
      // LISTEN state and return." The stack's listener is LISTEN for an accepted connection.
      if (c.origin == TcpConnection.Origin.LISTEN) {
        c.returnToListen(now);
      } else {
        c.enterClosed(TcpError.CONNECTION_RESET, now);
      }
      return;
    }
    if (c.cfg.choices().inWindowSynResets()) {
      // RFC 793 §3.9 (the rule before RFC 5961; first step found the SYN in the window): "If the
      // SYN is in the window it is an error, send a reset, any outstanding RECEIVEs and SEND should
      // receive "reset" responses, all segment queues should be flushed, the user should also
      // receive an unsolicited general "connection reset" signal, enter the CLOSED state".
      c.resetAndClose(TcpError.CONNECTION_RESET, now);
      return;
    }
    // "If the SYN bit is set, irrespective of the sequence number, TCP endpoints MUST send a
    // "challenge ACK" to the remote peer: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>. After sending the
    // acknowledgment, TCP implementations MUST drop the unacceptable segment and stop processing
    // further." An old duplicate SYN cannot open anything; a peer that really restarted answers
    // our ACK with a RST at exactly the right sequence number.
    challengeSyn(seg, now);
  }

  /**
   * Answers a SYN in a synchronized state with a challenge ACK, within its rate limit (RFC 5961 §4,
   * §7), and drops it.
   */
  private void challengeSyn(InboundSegment seg, long now) {
    boolean sent = c.acks.challengeAck(c, now);
    drop(seg, now, sent ? DropReason.SYN_CHALLENGED : DropReason.SYN_CHALLENGE_LIMITED);
  }

  /** Fifth, check the ACK field. Returns whether processing goes on. */
  private boolean fifthCheckAck(InboundSegment seg, long now) {
    Sender snd = c.snd;
    // "If the ACK bit is off, drop the segment and return."
    if (!seg.has(TcpFlags.ACK)) {
      drop(seg, now, DropReason.NO_ACK);
      return false;
    }
    int ack = seg.acknowledgmentNumber();
    if (c.state == TcpState.SYN_RECEIVED) {
      // "If SND.UNA < SEG.ACK =< SND.NXT, then enter ESTABLISHED state and continue processing
      // with the variables below set to: SND.WND <- SEG.WND, SND.WL1 <- SEG.SEQ, SND.WL2 <-
      // SEG.ACK.
      // If the segment acknowledgment is not acceptable, form a reset segment
      // <SEQ=SEG.ACK><CTL=RST>."
      if (!snd.acksNew(ack)) {
        c.sendReset(ack, false, 0);
        drop(seg, now, DropReason.SYN_RECEIVED_BAD_ACK);
        return false;
      }
      snd.setWindow(seg.sequenceNumber(), ack, seg.window() << c.opts.sndShift());
      c.setState(TcpState.ESTABLISHED, now);
      // A CLOSE in SYN-RECEIVED with data queued was "queued for processing after entering
      // ESTABLISHED" (§3.10.4).
      if (snd.finQueued) c.setState(TcpState.FIN_WAIT_1, now);
      processTextQueuedUntilEstablished(now);
    }
    // RFC 5961 §5.2: "(SND.UNA - MAX.SND.WND) =< SEG.ACK =< SND.NXT. All incoming segments whose
    // ACK
    // value doesn't satisfy the above condition MUST be discarded and an ACK sent back." This
    // covers
    // RFC 9293's "If the ACK acks something not yet sent (SEG.ACK > SND.NXT), then send an ACK,
    // drop the segment, and return."
    if (SeqNum.gt(ack, snd.sndNxt) || SeqNum.lt(ack, SeqNum.add(snd.sndUna, -snd.maxSndWnd))) {
      boolean sent = c.acks.challengeAck(c, now);
      drop(
          seg,
          now,
          SeqNum.gt(ack, snd.sndNxt)
              ? (sent ? DropReason.ACK_UNSENT : DropReason.ACK_UNSENT_RATE_LIMITED)
              : (sent ? DropReason.ACK_TOO_OLD : DropReason.ACK_TOO_OLD_RATE_LIMITED));
      return false;
    }
    // RFC 7323 §4.3 / §5.3 R3: TS.Recent takes the TSval of an acceptable segment only, so here,
    // past the RST, SYN and ACK checks that discard one (as Linux's tcp_ack with
    // FLAG_UPDATE_TS_RECENT):
    // a discarded blind segment must not make PAWS drop the peer's genuine ones.
    c.opts.onAcceptableSegment(seg, c.rcv.lastAckSent, now);
    // ESTABLISHED and the states after it: "If SND.UNA < SEG.ACK =< SND.NXT, then set SND.UNA <-
    // SEG.ACK... If the ACK is a duplicate (SEG.ACK =< SND.UNA), it can be ignored."
    if (snd.acksNew(ack)) {
      onNewAck(seg, now);
    } else if (ack == snd.sndUna) {
      c.recovery.onAck(
          seg,
          seg.window() << c.opts.sndShift(),
          now); // a duplicate ACK (RFC 5681 §2), perhaps with SACK blocks
    }
    // An ACK at or above SND.UNA answers our zero-window probes (Linux's tcp_ack clears
    // icsk_probes_out).
    if (SeqNum.le(snd.sndUna, ack)) snd.probesOut = 0;
    // "If SND.UNA =< SEG.ACK =< SND.NXT, the send window should be updated."
    if (SeqNum.le(snd.sndUna, ack)
        && snd.updateWindow(seg.sequenceNumber(), ack, seg.window() << c.opts.sndShift())) {
      if (snd.sndWnd > 0) c.timers.cancel(TimerKind.PERSIST, now);
    }
    switch (c.state) {
      case FIN_WAIT_1 -> {
        // "In addition to the processing for the ESTABLISHED state, if the FIN segment is now
        // acknowledged, then enter FIN-WAIT-2 and continue processing in that state."
        if (snd.finAcked()) {
          c.setState(TcpState.FIN_WAIT_2, now);
          if (c.inputClosed)
            c.timers.set(TimerKind.FIN_WAIT_2, TimeMath.after(now, c.cfg.finWait2Timeout()), now);
        }
      }
      case CLOSING -> {
        // "If the ACK acknowledges our FIN, then enter the TIME-WAIT state; otherwise, ignore the
        // segment."
        if (snd.finAcked()) c.enterTimeWait(now);
      }
      case LAST_ACK -> {
        // "The only thing that can arrive in this state is an acknowledgment of our FIN. If our FIN
        // is now acknowledged, delete the TCB, enter the CLOSED state, and return."
        if (snd.finAcked()) {
          c.enterClosed(null, now);
          return false;
        }
      }
      // FIN-WAIT-2: "if the retransmission queue is empty, the user's CLOSE can be acknowledged".
      // TIME-WAIT: a resent FIN fails step one; the timer restarts there.
      default -> {}
    }
    return true;
  }

  /**
   * Takes an ACK of new data: SND.UNA advances, acknowledged bytes leave the retransmission queue,
   * the RTT is sampled and losses detected ({@link LossRecovery}), and the timers follow RFC 6298
   * §5.2–5.3 (stop when all is acknowledged, restart otherwise); the user timeout restarts on
   * progress, and the tail loss probe is armed again (RFC 8985 §7.2).
   */
  private void onNewAck(InboundSegment seg, long now) {
    Sender snd = c.snd;
    int freed = c.recovery.onAck(seg, seg.window() << c.opts.sndShift(), now);
    if (snd.hasOutstanding()) {
      c.timers.set(TimerKind.RETRANSMIT, TimeMath.after(now, c.rtt.rto(c.cfg)), now);
      if (c.cfg.userTimeout() > 0)
        c.timers.set(TimerKind.USER_TIMEOUT, TimeMath.after(now, c.cfg.userTimeout()), now);
      c.recovery.armProbe(now);
    } else {
      c.timers.cancel(TimerKind.RETRANSMIT, now);
      c.timers.cancel(TimerKind.USER_TIMEOUT, now);
      // Nothing in flight: keep-alive watches the peer again (Timeouts#keepAliveTimeout stopped it
      // meanwhile).
      if (c.keepAlive.on() && c.keepAliveState() && !c.timers.isSet(TimerKind.KEEPALIVE)) {
        c.timers.set(TimerKind.KEEPALIVE, c.keepAlive.idleDeadline(c.cfg), now);
      }
    }
    if (freed > 0) c.onSendBufferFreed();
    if (freed > 0 && snd.queued() == 0) c.onBufferDrained(now);
  }

  /**
   * Sixth, check the URG bit (RFC 9293 §3.8.5, §3.10.7.4). "If the URG bit is set, RCV.UP <-
   * max(RCV.UP,SEG.UP), and signal the user that the remote side has urgent data if the urgent
   * pointer (RCV.UP) is in advance of the data consumed." The pointer marks the octet after the
   * urgent data (MUST-31); the data itself stays in the stream, delivered inline, as RFC 6093 §6
   * recommends and Linux does with SO_OOBINLINE. The user is told each time the pointer advances
   * (MUST-32) and can ask how much urgent data is left to read (MUST-33).
   */
  private void sixthCheckUrg(InboundSegment seg) {
    if (!seg.has(TcpFlags.URG)) return;
    switch (c.state) {
      case ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2 -> {
        if (c.rcv.onUrgentPointer(SeqNum.add(seg.sequenceNumber(), seg.urgentPointer())))
          c.emit(new ConnectionEvent.UrgentData());
      }
      // CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT: "This should not occur since a FIN has been
      // received from the remote side. Ignore the URG."
      default -> {}
    }
  }

  /** Seventh, process the segment text. Returns whether processing goes on. */
  private boolean seventhProcessText(InboundSegment seg, long now) {
    Receiver rcv = c.rcv;
    boolean ahead = seg.sequenceNumber() != rcv.rcvNxt;
    // A FIN alone ahead of RCV.NXT is held like text, so that the stream ends where it says.
    if (seg.payloadLength() == 0 && !(ahead && seg.has(TcpFlags.FIN))) return true;
    switch (c.state) {
      case ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2 -> {
        if (c.inputClosed && seg.payloadLength() > 0) {
          // RFC 1122 §4.2.2.13: "if new data is received after CLOSE is called, its TCP SHOULD send
          // a RST to show that data was lost", as Linux does after close() (tcp_rcv_state_process).
          c.resetReplyTo(seg);
          c.enterClosed(TcpError.CONNECTION_ABORTED, now);
          return false;
        }
        if (ahead) {
          // In the window but beyond RCV.NXT: "Segments with higher beginning sequence numbers
          // SHOULD be held for later processing" (SHLD-31). RFC 5681 §4.2: "A TCP receiver SHOULD
          // send an immediate duplicate ACK when an out-of-order segment arrives", which tells
          // the sender about the hole (fast retransmit, and with SACK exactly where it is).
          ReassemblyQueue.Arrival held =
              rcv.holdOutOfOrder(seg.sequenceNumber(), seg.payload(), seg.has(TcpFlags.FIN));
          c.ackNow = true;
          if (held.refused()) drop(seg, now, DropReason.REASSEMBLY_FULL);
          // The FIN, if any, waits with the text: the eighth step sees it once RCV.NXT gets there.
          return false;
        }
        // "Once in the ESTABLISHED state, it is possible to deliver segment data to user RECEIVE
        // buffers... Once the TCP endpoint takes responsibility for the data, it advances RCV.NXT
        // over the data accepted... Send an acknowledgment of the form
        // <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>."
        // Nothing can follow a FIN: what was held beyond it is not data of this stream.
        if (seg.has(TcpFlags.FIN)) rcv.discardOutOfOrder();
        // RFC 5681 §4.2: "A TCP receiver SHOULD send an immediate ACK when the incoming segment
        // fills in all or part of a gap in the sequence space"; otherwise the ACK may be delayed.
        boolean fillsHole = rcv.hasOutOfOrder();
        int readable = rcv.accept(seg.payload());
        c.acks.acknowledgeData(c, seg.payloadLength(), fillsHole, now);
        c.acks.measureReceiveRtt(c, seg, now);
        if (readable > 0) c.emit(ConnectionEvent.READABLE);
        if (fillsHole && rcv.heldFinReached()) onFin(now); // the FIN that waited behind the hole
        return true;
      }
      // CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT: "This should not occur since a FIN has been
      // received from the remote side. Ignore the segment text."
      default -> {
        return true;
      }
    }
  }

  /**
   * Delivers the text a SYN brought to SYN-SENT, now that ESTABLISHED is reached (§3.10.7.3 fourth
   * step), at RCV.NXT. Its acknowledgment is not urgent, since the peer's segment that completed
   * the handshake asked for none: it waits for a segment of ours or the delayed-ACK timer (RFC 1122
   * §4.2.3.2), as FreeBSD's {@code tcp_reass} hands the text over without forcing an ACK.
   */
  private void processTextQueuedUntilEstablished(long now) {
    if (textQueuedUntilEstablished == null) return;
    InboundSegment text = trimToWindow(textQueuedUntilEstablished);
    textQueuedUntilEstablished = null;
    if (text.payloadLength() == 0 || text.sequenceNumber() != c.rcv.rcvNxt || c.inputClosed) return;
    if (c.rcv.accept(text.payload()) > 0) c.emit(ConnectionEvent.READABLE);
    c.acks.acknowledgeLater(c, now);
  }

  /**
   * Notes the part of a segment below RCV.NXT, which arrived before, for the D-SACK of the next ACK
   * (RFC 2883 §4). Only the sequence space counts: a bare ACK repeats nothing.
   */
  private void noteDuplicate(InboundSegment seg) {
    if (seg.segmentLength() > 0)
      c.rcv.noteDuplicate(
          seg.sequenceNumber(), SeqNum.add(seg.sequenceNumber(), seg.segmentLength()));
  }

  /** Eighth, check the FIN bit. */
  private void eighthCheckFin(InboundSegment seg, long now) {
    // The FIN counts only once everything before it arrived (text past the window was cut with
    // it); a FIN ahead of RCV.NXT waits in the reassembly queue (seventh step).
    if (!seg.has(TcpFlags.FIN)
        || SeqNum.add(seg.sequenceNumber(), seg.payloadLength()) != c.rcv.rcvNxt) return;
    if (c.rcv.finReceived) {
      c.ackNow = true; // a second FIN at RCV.NXT cannot be valid; answer as for a duplicate
      return;
    }
    onFin(now);
  }

  /** Takes the peer's FIN once RCV.NXT reached it: its own segment's, or one held out of order. */
  private void onFin(long now) {
    // "If the FIN bit is set, signal the user "connection closing" and return any pending RECEIVEs
    // with same message, advance RCV.NXT over the FIN, and send an acknowledgment for the FIN."
    c.rcv.onFin();
    c.ackNow = true;
    c.emit(new ConnectionEvent.PeerFinReceived());
    switch (c.state) {
      case SYN_RECEIVED, ESTABLISHED -> c.setState(TcpState.CLOSE_WAIT, now);
      // "If our FIN has been ACKed (perhaps in this segment), then enter TIME-WAIT, start the
      // time-wait timer, turn off the other timers; otherwise, enter the CLOSING state."
      case FIN_WAIT_1 -> {
        if (c.snd.finAcked()) {
          c.enterTimeWait(now);
        } else {
          c.setState(TcpState.CLOSING, now);
        }
      }
      // "Enter the TIME-WAIT state. Start the time-wait timer, turn off the other timers."
      case FIN_WAIT_2 -> c.enterTimeWait(now);
      // CLOSE-WAIT, CLOSING, LAST-ACK: "Remain in the state." TIME-WAIT: "Restart the 2 MSL
      // time-wait timeout."
      case TIME_WAIT -> c.restartTimeWait(now);
      default -> {}
    }
  }

  /**
   * Returns the segment with its text cut to the receive window: bytes before RCV.NXT (already
   * received) and after RCV.NXT + RCV.WND (not allowed) go, and the FIN with the end if the end
   * goes.
   */
  private InboundSegment trimToWindow(InboundSegment seg) {
    Receiver rcv = c.rcv;
    int seq = seg.sequenceNumber();
    int flags = seg.flags();
    int length = seg.payloadLength();
    int start = SeqNum.add(seq, (flags & TcpFlags.SYN) != 0 ? 1 : 0);
    int skip = Math.clamp(SeqNum.diff(rcv.rcvNxt, start), 0, length);
    int edge = SeqNum.add(rcv.rcvNxt, c.acceptanceWindow());
    int keep = Math.clamp(SeqNum.diff(edge, SeqNum.add(start, skip)), 0, length - skip);
    if (skip == 0 && keep == length) return seg; // the steady case: nothing made
    if (skip + keep < length) flags &= ~TcpFlags.FIN;
    ByteBuffer payload = seg.payload();
    int from = payload.position() + skip;
    ByteBuffer cut = payload.duplicate().limit(from + keep).position(from).slice();
    return withSeq(seg, SeqNum.add(start, skip), cut, flags & ~TcpFlags.SYN);
  }

  private static TcpSegment withSeq(InboundSegment s, int seq, ByteBuffer payload, int flags) {
    return new TcpSegment(
        s.sourcePort(),
        s.destinationPort(),
        seq,
        s.acknowledgmentNumber(),
        flags,
        s.window(),
        s.checksum(),
        s.urgentPointer(),
        s.options(),
        payload);
  }

  private void drop(InboundSegment seg, long now, DropReason reason) {
    c.tracer.drop(seg, now, reason);
  }
}
