package dev.synack.tcp;

/**
 * What a connection does when one of its timers expires: RFC 9293 §3.10.8 (retransmission, user
 * and time-wait timeouts), RFC 6298 §5 (the retransmission timer's backoff and limits), the
 * persist timer (§3.8.6.1), keep-alive (RFC 1122 §4.2.3.6), delayed ACKs (RFC 1122 §4.2.3.2),
 * RACK-TLP's timers (RFC 8985), and the connection-establishment timer (FreeBSD's
 * {@code TCP_KEEPINIT}).
 */
final class Timeouts {
  private final TcpConnection c;

  Timeouts(TcpConnection connection) {
    this.c = connection;
  }

  /** Acts on one expired timer. */
  void fire(TimerKind kind, long now) {
    switch (kind) {
      case ESTABLISHMENT -> establishmentTimeout(now);
      case RETRANSMIT -> retransmissionTimeout(now);
      case TIME_WAIT -> c.enterClosed(null, now); // §3.10.8: "delete the TCB, enter the CLOSED state"
      // Linux ends an orphaned FIN-WAIT-2 silently (its FIN_WAIT2 timewait socket expires); the peer
      // learns from the RST its next segment draws.
      case FIN_WAIT_2 -> c.enterClosed(null, now);
      // §3.10.8 user timeout: "flush all queues, signal the user "error: connection aborted due to
      // user timeout"..., delete the TCB, enter the CLOSED state". No RST: the peer is unreachable.
      case USER_TIMEOUT -> c.enterClosed(c.icmpErrors.timeoutError(TcpError.CONNECTION_ABORTED_USER_TIMEOUT), now);
      case PERSIST -> windowProbe(now);
      case DELAYED_ACK -> c.ackNow = true; // RFC 1122 §4.2.3.2: the ACK waited long enough
      case KEEPALIVE -> keepAliveTimeout(now);
      case REORDER -> c.recovery.onReorderTimeout(now);
      case LOSS_PROBE -> c.recovery.onProbeTimeout(now);
      case RECLAIM -> c.reclaimStorage(now);
    }
  }

  /**
   * Handles an expired retransmission timer (RFC 6298 §5.4–5.6): gives up after the configured
   * number of tries (SYN retries, SYN-ACK retries, or R2 of RFC 9293 §3.8.3 counted in
   * retransmissions), otherwise backs the RTO off and resends from SND.UNA.
   */
  private void retransmissionTimeout(long now) {
    Sender snd = c.snd;
    if (!snd.hasOutstanding()) return;
    TcpConfig cfg = c.cfg;
    int limit = snd.synAcked() ? cfg.retries2() : c.state == TcpState.SYN_SENT ? cfg.synRetries() : cfg.synAckRetries();
    if (snd.timeouts >= limit) {
      if (c.state == TcpState.SYN_RECEIVED && c.passiveHandshake && c.origin == TcpConnection.Origin.LISTEN) {
        c.returnToListen(now);
      } else {
        c.enterClosed(c.icmpErrors.timeoutError(TcpError.CONNECTION_TIMED_OUT), now);
      }
      return;
    }
    if (c.state == TcpState.SYN_SENT && snd.timeouts == 2 && cfg.choices().synOptionsDroppedOnThirdRetransmission()) {
      c.opts.withdrawSynOffers(); // this third retransmission and the later ones carry the MSS alone (FreeBSD)
    }
    c.recovery.onRetransmissionTimeout(now);
  }

  /**
   * Handles an expired connection-establishment timer ({@link TcpConfig#establishmentTimeout()}),
   * as FreeBSD's {@code tcp_timer_keep} before ESTABLISHED: the connection is dropped, timed out.
   * In SYN-SENT it goes silently; in SYN-RECEIVED the peer, which sent a SYN, learns of it from
   * a RST ({@code tcp_drop}), unless a passive OPEN of RFC 9293's model returns to LISTEN, as on
   * the SYN-ACK retries running out.
   */
  private void establishmentTimeout(long now) {
    switch (c.state) {
      case SYN_SENT -> c.enterClosed(c.icmpErrors.timeoutError(TcpError.CONNECTION_TIMED_OUT), now);
      case SYN_RECEIVED -> {
        if (c.passiveHandshake && c.origin == TcpConnection.Origin.LISTEN) {
          c.returnToListen(now);
        } else {
          c.resetAndClose(c.icmpErrors.timeoutError(TcpError.CONNECTION_TIMED_OUT), now);
        }
      }
      default -> { }
    }
  }

  /**
   * Handles an expired keep-alive timer (RFC 1122 §4.2.3.6). The probe is Linux's: an ACK with
   * SEG.SEQ = SND.UNA - 1 and no data, which the peer must answer with an ACK (RFC 1122: "an
   * implementation SHOULD send a keep-alive segment with no data"). While data or a FIN is
   * unacknowledged or waits for a window, the retransmission and persist timers watch the peer
   * instead. When every probe went unanswered, the connection is reset and closed "timed out",
   * as Linux does ({@code tcp_send_active_reset}, ETIMEDOUT).
   */
  private void keepAliveTimeout(long now) {
    KeepAlive keepAlive = c.keepAlive;
    Sender snd = c.snd;
    if (!keepAlive.on() || !c.keepAliveState()) return;
    if (snd.hasOutstanding() || snd.unsent() > 0 || (snd.finQueued && !snd.finSent())) {
      c.timers.set(TimerKind.KEEPALIVE, now + c.cfg.keepAliveIdle(), now);
      return;
    }
    switch (keepAlive.onTimeout(now)) {
      case WAIT -> c.timers.set(TimerKind.KEEPALIVE, keepAlive.idleDeadline(), now);
      case PROBE -> {
        c.sendProbe(now);
        c.timers.set(TimerKind.KEEPALIVE, now + keepAlive.interval(), now);
      }
      case GIVE_UP -> c.resetAndClose(TcpError.CONNECTION_TIMED_OUT, now);
    }
  }

  /**
   * The persist timer fired: data waits and nothing is in flight. If the peer's window is closed,
   * sends a zero-window probe (RFC 9293 §3.8.6.1) as Linux does, an ACK one below SND.UNA that the
   * peer must answer with its window; if it is open but too small for silly window avoidance, the
   * override timeout has passed and the data goes (RFC 9293 §3.8.6.2.1 (4); Linux's
   * {@code tcp_write_wakeup}). Probes back off exponentially up to the maximum RTO, and go on as
   * long as the peer answers them (MUST-36: the connection stays open while the window is zero).
   */
  private void windowProbe(long now) {
    Sender snd = c.snd;
    if (snd.unsent() == 0 || snd.hasOutstanding() || !c.dataAllowed()) return;
    if (snd.usableWindow() > 0) {
      snd.windowOverride = true;
    } else {
      c.sendProbe(now);
    }
    snd.persistBackoff++;
    c.timers.set(TimerKind.PERSIST, now + c.persistTimeout(), now);
  }
}
