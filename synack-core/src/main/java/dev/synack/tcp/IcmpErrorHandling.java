package dev.synack.tcp;

import dev.synack.wire.SeqNum;

/**
 * What ICMP errors do to a connection (RFC 1122 §4.2.3.9, RFC 5927, RFC 1191, RFC 8201), as Linux's
 * {@code tcp_v4_err} and {@code tcp_v6_err}: aborts during the handshake, a soft error remembered
 * in the synchronized states and reported if the connection then times out, and the path MSS
 * lowered by packet-too-big.
 */
final class IcmpErrorHandling {
  /**
   * The least IPv4 path MTU a "fragmentation needed" may set: Linux's {@code
   * net.ipv4.route.min_pmtu}, 512 + 20 + 20.
   */
  static final int IPV4_MIN_PMTU = 552;

  /**
   * The IPv6 minimum link MTU (RFC 8200 §5): a packet-too-big below it is discarded (RFC 8201 §4).
   */
  static final int IPV6_MIN_MTU = 1280;

  private final TcpConnection c;

  /**
   * The last soft error (RFC 1122 §4.2.3.9, Linux's {@code sk_err_soft}), reported instead of
   * "timed out"; {@code null} if none.
   */
  private TcpError softError;

  /**
   * SND.UNA when {@link #softError} arrived: an acknowledgment since then shows the path works
   * again.
   */
  private int softErrorUna;

  IcmpErrorHandling(TcpConnection connection) {
    this.c = connection;
  }

  /**
   * Returns what a timeout reports: the soft ICMP error that came while nothing was acknowledged
   * (RFC 1122 §4.2.3.9 "report the error to the application"; Linux's {@code tcp_write_err} reports
   * {@code sk_err_soft}, e.g. "no route to host", before ETIMEDOUT), else {@code timedOut}.
   */
  TcpError timeoutError(TcpError timedOut) {
    return softError != null && c.snd.sndUna == softErrorUna ? softError : timedOut;
  }

  /**
   * Takes an ICMP error about one of the connection's segments, as Linux's {@code tcp_v4_err} and
   * {@code tcp_v6_err} do. The quoted SEG.SEQ must lie in SND.UNA..SND.NXT (RFC 5927 §4.1), else
   * the error is likely forged and ignored. Then:
   *
   * <ul>
   *   <li>a packet-too-big lowers the MSS to what the path MTU leaves, never below a path MTU of
   *       552 bytes for IPv4 (Linux's {@code min_pmtu}: a forged "fragmentation needed" with MTU
   *       68, RFC 1191 §3's floor, would cut segments to 28 bytes) or 1280 for IPv6 (RFC 8201 §4: a
   *       smaller report is discarded), and resends the data in flight at the new size (RFC 1191
   *       §6.5);
   *   <li>in SYN-SENT, and in SYN-RECEIVED after a simultaneous open, any unreachable error aborts
   *       the connection with that error, soft ones too, as RFC 5461 describes and Linux does;
   *   <li>a half-open passive connection (the stack's SYN queue) is removed, without a RST, on a
   *       hard error only, as Linux's {@code tcp_req_err};
   *   <li>in the synchronized states every error is soft, hard ones included (RFC 5927 §5.2, as
   *       Linux): it is remembered and reported only if the connection then times out;
   *   <li>LISTEN, TIME-WAIT and CLOSED ignore errors.
   * </ul>
   */
  IcmpError.Outcome handle(IcmpError error, long now) {
    if (error == null) throw new IllegalArgumentException("ICMP error is null");
    TcpState state = c.state;
    if (state == TcpState.CLOSED || state == TcpState.LISTEN || state == TcpState.TIME_WAIT) {
      return IcmpError.Outcome.IGNORED;
    }
    if (!SeqNum.inWindow(
        error.quotedSequence(), c.snd.sndUna, SeqNum.diff(c.snd.sndNxt, c.snd.sndUna))) {
      return IcmpError.Outcome.OUT_OF_WINDOW;
    }
    return switch (error) {
      case IcmpError.PacketTooBig tooBig -> pathMtuFell(tooBig.mtu(), now);
      case IcmpError.Unreachable unreachable -> unreachable(unreachable, now);
    };
  }

  private IcmpError.Outcome pathMtuFell(int mtu, long now) {
    boolean v6 = c.id().isIpv6();
    if (v6 && mtu < IPV6_MIN_MTU) return IcmpError.Outcome.IGNORED;
    int headers = (v6 ? 40 : 20) + 20;
    // Linux's __ip_rt_update_pmtu: a report below min_pmtu sets the path MTU to min_pmtu, not
    // lower.
    if (!c.opts.lowerPathMss(Math.max(mtu, IPV4_MIN_PMTU) - headers))
      return IcmpError.Outcome.IGNORED;
    c.recovery.onPathMtuFell(now);
    return IcmpError.Outcome.MSS_LOWERED;
  }

  private IcmpError.Outcome unreachable(IcmpError.Unreachable error, long now) {
    TcpState state = c.state;
    if (state == TcpState.SYN_RECEIVED && c.passiveHandshake) {
      if (!error.hard()) return IcmpError.Outcome.IGNORED;
      if (c.origin == TcpConnection.Origin.LISTEN) {
        c.returnToListen(now);
      } else {
        c.enterClosed(error.error(), now);
      }
      return IcmpError.Outcome.ABORTED;
    }
    if (state == TcpState.SYN_SENT || state == TcpState.SYN_RECEIVED) {
      c.enterClosed(error.error(), now);
      return IcmpError.Outcome.ABORTED;
    }
    softError = error.error();
    softErrorUna = c.snd.sndUna;
    return IcmpError.Outcome.REMEMBERED;
  }
}
