package dev.synack.tcp;

/**
 * What a connection does when one of its timers expires: RFC 9293 §3.10.8 (retransmission, user and
 * time-wait timeouts), RFC 6298 §5 (the retransmission timer's backoff and limits), the persist
 * timer (§3.8.6.1), keep-alive (RFC 1122 §4.2.3.6), delayed ACKs (RFC 1122 §4.2.3.2), RACK-TLP's
 * timers (RFC 8985), and the connection-establishment timer (FreeBSD's {@code TCP_KEEPINIT}).
 */
final class Timeouts {
  private Timeouts() {} // stateless: the connection holds no object for its timeouts

  /** Acts on one expired timer. */
  static void fire(TcpConnection c, TimerKind kind, long now) {
    switch (kind) {
      case ESTABLISHMENT -> establishmentTimeout(c, now);
      case RETRANSMIT -> retransmissionTimeout(c, now);
      case TIME_WAIT ->
          c.enterClosed(null, now); // §3.10.8: "delete the TCB, enter the CLOSED state"
      // Linux ends an orphaned FIN-WAIT-2 silently (its FIN_WAIT2 timewait socket expires); the
      // peer
      // learns from the RST its next segment draws.
      case FIN_WAIT_2 -> c.enterClosed(null, now);
      // §3.10.8 user timeout: "flush all queues, signal the user "error: connection aborted due to
      // user timeout"..., delete the TCB, enter the CLOSED state". No RST: the peer is unreachable.
      case USER_TIMEOUT ->
          c.enterClosed(c.timeoutError(TcpError.CONNECTION_ABORTED_USER_TIMEOUT), now);
      case PERSIST -> windowProbe(c, now);
      case DELAYED_ACK -> { // RFC 1122 §4.2.3.2: the ACK waited long enough
        c.rcv.delayedAck().onTimerAck();
        c.ackNow = true;
      }
      case KEEPALIVE -> keepAliveTimeout(c, now);
      case REORDER -> c.recovery.onReorderTimeout(now);
      case LOSS_PROBE -> c.recovery.onProbeTimeout(now);
      case RECLAIM -> c.reclaimStorage(now);
      case PACING -> {} // the held segment goes at the next pollTransmit, which expiry brings
    }
  }

  /**
   * Handles an expired retransmission timer (RFC 6298 §5.4–5.6): gives up after the configured
   * number of tries (SYN retries, SYN-ACK retries, or R2 of RFC 9293 §3.8.3 counted in
   * retransmissions) or, as Linux's {@code tcp_write_timeout}, once the time those tries take from
   * the minimum RTO has passed since the segment was first due ({@link #retriesExhausted});
   * otherwise backs the RTO off and resends from SND.UNA. In every state: FIN-WAIT-1, CLOSING and
   * LAST-ACK give up on an unacknowledged FIN as ESTABLISHED does on data.
   */
  private static void retransmissionTimeout(TcpConnection c, long now) {
    Sender snd = c.snd;
    if (!snd.hasOutstanding()) return;
    if (retriesExhausted(c, now)) {
      c.tracer.note(
          now,
          "retransmission limit: "
              + snd.timeouts
              + " timeouts unanswered"
              + (snd.timeouts > 0
                  ? " for " + (now - snd.retransmitSince) / 1_000_000 + " ms"
                  : ""));
      if (c.state == TcpState.SYN_RECEIVED
          && c.passiveHandshake
          && c.origin == TcpConnection.Origin.LISTEN) {
        c.returnToListen(now);
      } else {
        c.enterClosed(c.timeoutError(TcpError.CONNECTION_TIMED_OUT), now);
      }
      return;
    }
    if (c.state == TcpState.SYN_SENT
        && snd.timeouts == 2
        && c.cfg.choices().synOptionsDroppedOnThirdRetransmission()) {
      c.opts
          .withdrawSynOffers(); // this third retransmission and the later ones carry the MSS alone
      // (FreeBSD)
    }
    c.mtuProbing =
        MtuProbing.onRetransmissionTimeout(c, c.mtuProbing, now); // RFC 4821 §7.7: a black hole?
    c.recovery.onRetransmissionTimeout(now);
  }

  /**
   * Returns whether the retransmissions of the segment at SND.UNA (or of our SYN) have run out: the
   * retry count reached, or with {@link TcpChoices#retransmissionsBoundedInTime()} the time Linux's
   * {@code tcp_model_timeout} gives for that count, from TCP_RTO_MIN (our minimum RTO) for data and
   * FIN, from the initial RTO for a SYN, the RTO doubling up to the maximum RTO: 924.6 s for 15
   * retries, 127 s for 6 SYN retries with Linux's settings.
   */
  private static boolean retriesExhausted(TcpConnection c, long now) {
    Sender snd = c.snd;
    TcpConfig cfg = c.cfg;
    boolean synAcked = snd.synAcked();
    int limit =
        synAcked
            ? cfg.retries2()
            : c.state == TcpState.SYN_SENT ? cfg.synRetries() : cfg.synAckRetries();
    if (snd.timeouts >= limit) return true;
    if (snd.timeouts == 0 || !cfg.choices().retransmissionsBoundedInTime()) return false;
    long bound =
        TimeMath.retransmissionBound(
            limit, synAcked ? cfg.minRto() : cfg.initialRto(), cfg.maxRto());
    return now - snd.retransmitSince >= bound;
  }

  /**
   * Handles an expired connection-establishment timer ({@link TcpConfig#establishmentTimeout()}),
   * as FreeBSD's {@code tcp_timer_keep} before ESTABLISHED: the connection is dropped, timed out.
   * In SYN-SENT it goes silently; in SYN-RECEIVED the peer, which sent a SYN, learns of it from a
   * RST ({@code tcp_drop}), unless a passive OPEN of RFC 9293's model returns to LISTEN, as on the
   * SYN-ACK retries running out.
   */
  private static void establishmentTimeout(TcpConnection c, long now) {
    switch (c.state) {
      case SYN_SENT -> c.enterClosed(c.timeoutError(TcpError.CONNECTION_TIMED_OUT), now);
      case SYN_RECEIVED -> {
        if (c.passiveHandshake && c.origin == TcpConnection.Origin.LISTEN) {
          c.returnToListen(now);
        } else {
          c.resetAndClose(c.timeoutError(TcpError.CONNECTION_TIMED_OUT), now);
        }
      }
      default -> {}
    }
  }

  /**
   * Handles an expired keep-alive timer (RFC 1122 §4.2.3.6). The probe is Linux's: an ACK with
   * SEG.SEQ = SND.UNA - 1 and no data, which the peer must answer with an ACK (RFC 1122: "an
   * implementation SHOULD send a keep-alive segment with no data"). While data or a FIN is
   * unacknowledged or waits for a window, the retransmission and persist timers watch the peer
   * instead: the keep-alive timer then stops, and the ACK that leaves nothing in flight starts it
   * again ({@link SegmentArrival}). Linux re-arms it every idle time meanwhile, to the same effect;
   * a timer re-armed that way with a short idle time (1 ns is a valid setting) would fire millions
   * of times while a long RTO backs off. When every probe went unanswered, the connection is reset
   * and closed "timed out", as Linux does ({@code tcp_send_active_reset}, ETIMEDOUT).
   */
  private static void keepAliveTimeout(TcpConnection c, long now) {
    KeepAlive keepAlive = c.keepAlive;
    Sender snd = c.snd;
    if (!keepAlive.on() || !c.keepAliveState()) return;
    if (snd.hasOutstanding() || snd.unsent() > 0 || (snd.finQueued && !snd.finSent())) return;
    switch (keepAlive.onTimeout(now, c.cfg)) {
      case WAIT -> c.timers.set(TimerKind.KEEPALIVE, keepAlive.idleDeadline(c.cfg), now);
      case PROBE -> {
        c.sendProbe(now);
        c.timers.set(TimerKind.KEEPALIVE, TimeMath.after(now, c.cfg.keepAliveInterval()), now);
      }
      case GIVE_UP -> c.resetAndClose(TcpError.CONNECTION_TIMED_OUT, now);
    }
  }

  /**
   * The persist timer fired: data waits and nothing is in flight. If the peer's window is closed,
   * sends a zero-window probe (RFC 9293 §3.8.6.1) as Linux does, an ACK one below SND.UNA that the
   * peer must answer with its window; if it is open but too small for silly window avoidance, the
   * override timeout has passed and the data goes (RFC 9293 §3.8.6.2.1 (4); Linux's {@code
   * tcp_write_wakeup}). Probes back off exponentially up to the maximum RTO, and go on as long as
   * the peer answers them (MUST-36: the connection stays open while the window is zero).
   *
   * <p>A peer that answers none is taken for dead, as Linux's {@code tcp_probe_timer}: after R2
   * ({@link TcpConfig#retries2()}, {@code tcp_retries2}) unanswered probes in a row, or once the
   * user timeout has passed since the first probe, the connection is closed, timed out (Linux's
   * {@code tcp_write_err}: no RST, the peer is not answering). Any acceptable ACK answers the
   * probes so far ({@link SegmentArrival}).
   */
  private static void windowProbe(TcpConnection c, long now) {
    Sender snd = c.snd;
    if (snd.unsent() == 0 || snd.hasOutstanding() || !c.dataAllowed()) return;
    if (snd.persistBackoff == 0) {
      snd.probingSince = now;
      snd.probesOut = 0;
    }
    if (snd.usableWindow() > 0) {
      snd.windowOverride = true;
    } else {
      long userTimeout = c.cfg.userTimeout();
      boolean userTimedOut = userTimeout > 0 && now - snd.probingSince >= userTimeout;
      if (userTimedOut || snd.probesOut >= c.cfg.retries2()) {
        c.tracer.note(
            now,
            "zero-window probes: "
                + snd.probesOut
                + " unanswered"
                + (userTimedOut ? ", user timeout passed" : "")
                + ", connection timed out");
        c.enterClosed(
            c.timeoutError(
                userTimedOut
                    ? TcpError.CONNECTION_ABORTED_USER_TIMEOUT
                    : TcpError.CONNECTION_TIMED_OUT),
            now);
        return;
      }
      c.sendProbe(now);
      snd.probesOut++;
    }
    if (snd.persistBackoff < Long.SIZE) snd.persistBackoff++;
    c.timers.set(TimerKind.PERSIST, TimeMath.after(now, c.persistTimeout()), now);
  }
}
