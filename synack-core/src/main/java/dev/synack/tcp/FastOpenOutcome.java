package dev.synack.tcp;

import dev.synack.wire.SeqNum;

/**
 * What TCP Fast Open (RFC 7413) did on a connection, for the stack's cookie cache, counters and
 * blackhole detection: the cookie the peer offered, the data that rode on a SYN, and whether our
 * SYN's data was lost. Each answers for a connection that did not use Fast Open as for one whose
 * Fast Open gave nothing (null, 0, false).
 */
public final class FastOpenOutcome {
  private FastOpenOutcome() {}

  /** Returns the Fast Open cookie the peer's SYN-ACK offered (RFC 7413 §4.1.2), or null. */
  public static byte[] cookie(TcpConnection c) {
    return c.fastOpen == null ? null : c.fastOpen.cookieReceived();
  }

  /**
   * Returns data bytes that rode on a SYN with Fast Open: for a client, those its SYN carried that
   * the SYN-ACK acknowledged (0 if it acknowledged only the SYN); for a server, those it took from
   * the peer's SYN.
   */
  public static int synData(TcpConnection c) {
    if (c.fastOpen == null) return 0;
    return c.origin == TcpConnection.Origin.ACTIVE
        ? (c.fastOpen.synDataAcked ? c.snd.synDataSent : 0)
        : c.fastOpen.synDataTaken;
  }

  /** Returns the data bytes our SYN carried with Fast Open, acknowledged or not. */
  public static int synDataSent(TcpConnection c) {
    return c.snd.synDataSent;
  }

  /**
   * Returns whether our SYN carried data that had to be resent because the SYN timed out (Linux's
   * {@code syn_drop}).
   */
  public static boolean synLost(TcpConnection c) {
    return c.snd.synDataSent > 0
        && c.snd.synRetransmitted
        && c.fastOpen != null
        && !c.fastOpen.synDataAcked;
  }

  /**
   * Returns the retransmission timeouts in a row without new data acknowledged, SYN's included
   * (Linux's {@code icsk_retransmits}).
   */
  public static int consecutiveTimeouts(TcpConnection c) {
    return c.snd.timeouts;
  }

  /**
   * Returns whether a FIN alone is held ahead of RCV.NXT, or was when the connection closed: the
   * peer's data lost on the way while its FIN came through (Linux's {@code
   * tcp_fastopen_active_disable_ofo_check}).
   */
  public static boolean finAloneHeld(TcpConnection c) {
    return c.rcv.finAloneHeld();
  }

  /**
   * Returns whether {@code rst}, about to arrive, is one RFC 5961 §3.2 answers with a challenge ACK
   * in ESTABLISHED: inside the receive window but not at RCV.NXT (Linux's {@code
   * tcp_validate_incoming}, which then also pauses client Fast Open when the connection's SYN
   * carried data and no data came back).
   */
  public static boolean resetChallengedInEstablished(TcpConnection c, int seq) {
    return c.state == TcpState.ESTABLISHED
        && seq != c.rcv.rcvNxt
        && SeqNum.inWindow(seq, c.rcv.rcvNxt, Math.max(c.rcv.rcvWnd(), 1));
  }

  /** Returns whether data segments have arrived (Linux's {@code data_segs_in} above 0). */
  public static boolean dataReceived(TcpConnection c) {
    return c.counters.dataSegsIn != 0;
  }
}
