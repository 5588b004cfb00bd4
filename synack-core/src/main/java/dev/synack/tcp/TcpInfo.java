package dev.synack.tcp;

/**
 * What a connection knows of itself, field by field as Linux's {@code struct tcp_info} ({@code
 * include/uapi/linux/tcp.h}, filled by {@code tcp_get_info}), for tools that read it ({@code ss
 * -ti}, packetdrill's {@code tcpi_*}) and for users. Times are in microseconds and segment counts
 * in segments, as Linux gives them; byte counts are 64-bit.
 *
 * @param state the RFC 9293 state ({@code tcpi_state})
 * @param caState the congestion-avoidance state ({@code tcpi_ca_state}): OPEN, DISORDER, RECOVERY
 *     or LOSS
 * @param congestionControl the congestion control algorithm's name ({@code TCP_CONGESTION})
 * @param retransmits retransmission timeouts in a row without progress ({@code tcpi_retransmits})
 * @param probes unanswered zero-window probes ({@code tcpi_probes})
 * @param backoff how many times the RTO was doubled since the last RTT sample ({@code
 *     tcpi_backoff})
 * @param options {@code TCPI_OPT_*} bits: 1 timestamps, 2 SACK, 4 window scale, 8 ECN ({@code
 *     tcpi_options})
 * @param sndWscale the shift applied to the peer's windows, 0 without window scaling
 * @param rcvWscale the shift applied to our windows, 0 without window scaling
 * @param rto the retransmission timeout, backoff included, µs
 * @param ato the delayed-ACK timeout, µs
 * @param sndMss the payload bytes per segment we send (Eff.snd.MSS less options)
 * @param rcvMss the largest segment the peer was seen to send (its MSS as we estimate it)
 * @param unacked segments sent and not acknowledged ({@code packets_out})
 * @param sacked of those, segments the peer SACKed
 * @param lost of those, segments judged lost
 * @param retrans segments retransmitted and not yet acknowledged
 * @param rtt the smoothed RTT, µs (0 before a sample)
 * @param rttvar the RTT variance, µs
 * @param sndSsthresh the slow-start threshold in segments (Linux's "infinite" 0x7fffffff before the
 *     first loss)
 * @param sndCwnd the congestion window in segments
 * @param cwndBytes the congestion window in bytes, as synack keeps it
 * @param reordering the reordering degree assumed, in segments (RFC 6675's DupThresh)
 * @param rcvSpace the receive space the auto-tuner measured per round trip, bytes
 * @param totalRetrans segments retransmitted over the connection's life
 * @param pacingRate the pacing rate in bytes per second; 0: the connection does not pace
 * @param bytesAcked bytes the peer acknowledged, SYN and FIN included ({@code tcpi_bytes_acked})
 * @param bytesReceived bytes received in order, FIN included ({@code tcpi_bytes_received})
 * @param bytesSent payload bytes sent, retransmissions included ({@code tcpi_bytes_sent})
 * @param bytesRetrans payload bytes retransmitted ({@code tcpi_bytes_retrans})
 * @param segsIn segments received
 * @param segsOut segments sent
 * @param dataSegsIn segments received that carried data
 * @param dataSegsOut segments sent that carried data
 * @param dsackDups D-SACK blocks received: segments the peer got twice ({@code tcpi_dsack_dups})
 * @param notsentBytes bytes queued and never sent ({@code tcpi_notsent_bytes})
 * @param lastDataSent µs since data was last sent (0 when never)
 * @param lastDataRecv µs since data was last received (0 when never)
 * @param lastAckRecv µs since an ACK was last received (0 when never)
 * @param deliveredCe packets the peer reported CE-marked: by AccECN's ACE counter, or acknowledged
 *     with ECE ({@code tcpi_delivered_ce})
 * @param receivedCe CE-marked packets received on an AccECN connection, r.cep less 5 ({@code
 *     tcpi_received_ce}, Linux 6.18)
 * @param deliveredE1Bytes payload bytes the peer's AccECN option reported received as ECT(1)
 *     ({@code tcpi_delivered_e1_bytes})
 * @param deliveredE0Bytes as ECT(0) ({@code tcpi_delivered_e0_bytes})
 * @param deliveredCeBytes as CE ({@code tcpi_delivered_ce_bytes})
 * @param receivedE1Bytes payload bytes received as ECT(1) on an AccECN connection ({@code
 *     tcpi_received_e1_bytes})
 * @param receivedE0Bytes as ECT(0) ({@code tcpi_received_e0_bytes})
 * @param receivedCeBytes as CE ({@code tcpi_received_ce_bytes})
 * @param accEcnFailMode Linux's {@code tcpi_accecn_fail_mode} bits: 4 the peer's ACE failed, 8 its
 *     options failed
 * @param accEcnOptSeen Linux's {@code tcpi_accecn_opt_seen}: 0 no AccECN option seen, 2 counters
 *     seen, 3 a zeroed one
 * @param pmtu the path MTU from the interface and ICMP ({@code tcpi_pmtu}), bytes
 * @param plpmtud what PLPMTUD is doing: its state, search bounds and the probe in flight
 */
public record TcpInfo(
    TcpState state,
    String caState,
    String congestionControl,
    int retransmits,
    int probes,
    int backoff,
    int options,
    int sndWscale,
    int rcvWscale,
    long rto,
    long ato,
    int sndMss,
    int rcvMss,
    int unacked,
    int sacked,
    int lost,
    int retrans,
    long rtt,
    long rttvar,
    int sndSsthresh,
    int sndCwnd,
    int cwndBytes,
    int reordering,
    int rcvSpace,
    long totalRetrans,
    long pacingRate,
    long bytesAcked,
    long bytesReceived,
    long bytesSent,
    long bytesRetrans,
    long segsIn,
    long segsOut,
    long dataSegsIn,
    long dataSegsOut,
    long dsackDups,
    int notsentBytes,
    long lastDataSent,
    long lastDataRecv,
    long lastAckRecv,
    long deliveredCe,
    long receivedCe,
    long deliveredE1Bytes,
    long deliveredE0Bytes,
    long deliveredCeBytes,
    long receivedE1Bytes,
    long receivedE0Bytes,
    long receivedCeBytes,
    int accEcnFailMode,
    int accEcnOptSeen,
    int pmtu,
    Plpmtud plpmtud) {

  /** {@code TCPI_OPT_TIMESTAMPS}. */
  public static final int OPT_TIMESTAMPS = 1;

  /** {@code TCPI_OPT_SACK}. */
  public static final int OPT_SACK = 2;

  /** {@code TCPI_OPT_WSCALE}. */
  public static final int OPT_WSCALE = 4;

  /** {@code TCPI_OPT_ECN}: ECN was negotiated (RFC 3168). */
  public static final int OPT_ECN = 8;

  /** {@code TCPI_OPT_ECN_SEEN}: a packet with ECT or CE arrived. */
  public static final int OPT_ECN_SEEN = 16;

  /** {@code TCP_ACCECN_ACE_FAIL_RECV}: the peer's ACE field cannot be trusted. */
  public static final int ACCECN_ACE_FAIL_RECV = 4;

  /** {@code TCP_ACCECN_OPT_FAIL_RECV}: the peer's AccECN options were zeroed on the path. */
  public static final int ACCECN_OPT_FAIL_RECV = 8;

  /** Returns what {@code c} knows of itself at {@code now}. */
  static TcpInfo of(TcpConnection c, long now) {
    NegotiatedOptions n = c.opts.negotiated();
    AccEcn a = c.ecn == null ? null : c.ecn.accurate;
    int options =
        (n.timestamps() ? OPT_TIMESTAMPS : 0)
            | (n.sack() ? OPT_SACK : 0)
            | (n.windowScale() ? OPT_WSCALE : 0)
            | (c.ecn != null && c.ecn.enabled() ? OPT_ECN : 0)
            | (c.ecn != null && c.ecn.accurate != null && c.ecn.accurate.ectSeen
                ? OPT_ECN_SEEN
                : 0);
    int mss = Math.max(1, c.opts.effectiveMss());
    CongestionControl cc = c.recovery.congestionControl(); // null before the handshake completes
    int cwnd =
        cc == null
            ? SlowStart.of(c.cfg).initialWindow(mss)
            : c.recovery.cwnd(); // PRR's during fast recovery
    int ssthresh = cc == null ? Integer.MAX_VALUE : cc.ssthresh();
    Scoreboard board = c.snd.scoreboard();
    TcpCounters k = c.counters;
    return new TcpInfo(
        c.state,
        c.recovery.phase().name(),
        c.recovery.congestionControlName(),
        c.snd.timeouts,
        c.snd.persistBackoff,
        c.rtt.backoff(),
        options,
        n.windowScale() ? n.sendShift() : 0,
        n.windowScale() ? n.receiveShift() : 0,
        c.rtt.rto(c.cfg) / 1000,
        c.cfg.delayedAckTimeout() / 1000,
        mss,
        c.rcv.rcvMss(),
        board.count(),
        board.sackedSegments(),
        board.countFlagged(Scoreboard.LOST),
        board.countFlagged(Scoreboard.RETRANSMITTED),
        c.rtt.srtt() / 1000,
        c.rtt.rttvar() / 1000,
        ssthresh == Integer.MAX_VALUE ? 0x7fffffff : ssthresh / mss,
        cwnd / mss,
        cwnd,
        LossRecovery.DUP_THRESH,
        c.rcv.rcvSpace(),
        u32(k.totalRetrans),
        c.recovery.pacingRate(),
        k.bytesAcked,
        k.bytesReceived,
        k.bytesSent,
        k.bytesRetrans,
        u32(k.segsIn),
        u32(k.segsOut),
        u32(k.dataSegsIn),
        u32(k.dataSegsOut),
        u32(k.dsackDups),
        c.snd.unsent(),
        k.sinceDataSent(now),
        k.sinceDataRecv(now),
        k.sinceAckRecv(now),
        c.ecn == null ? 0 : c.ecn.deliveredCe(),
        a == null ? 0 : u32(a.receivedCe),
        a == null ? 0 : a.deliveredE1Bytes,
        a == null ? 0 : a.deliveredE0Bytes,
        a == null ? 0 : a.deliveredCeBytes,
        a == null ? 0 : a.receivedE1Bytes,
        a == null ? 0 : a.receivedE0Bytes,
        a == null ? 0 : a.receivedCeBytes,
        a == null
            ? 0
            : (a.aceFailed ? ACCECN_ACE_FAIL_RECV : 0)
                | (a.optionFailed ? ACCECN_OPT_FAIL_RECV : 0),
        a == null ? 0 : a.optionFailed ? 3 : a.sawOption ? 2 : 0,
        MtuProbing.pathMtu(c),
        MtuProbing.describe(c));
  }

  private static long u32(int counter) {
    return Integer.toUnsignedLong(counter);
  }

  /** Returns the line {@code ss -ti} prints for these fields (its most used part). */
  public String ssLine() {
    StringBuilder b = new StringBuilder();
    if ((options & OPT_TIMESTAMPS) != 0) b.append(" ts");
    if ((options & OPT_SACK) != 0) b.append(" sack");
    if ((options & OPT_ECN) != 0) b.append(" ecn");
    if ((options & OPT_ECN_SEEN) != 0) b.append(" ecnseen");
    b.append(' ').append(congestionControl);
    if ((options & OPT_WSCALE) != 0)
      b.append(" wscale:").append(sndWscale).append(',').append(rcvWscale);
    b.append(" rto:").append(millis(rto));
    if (rtt > 0) b.append(" rtt:").append(millis(rtt)).append('/').append(millis(rttvar));
    b.append(" ato:")
        .append(millis(ato))
        .append(" mss:")
        .append(sndMss)
        .append(" pmtu:")
        .append(pmtu)
        .append(" rcvmss:")
        .append(rcvMss);
    b.append(" cwnd:").append(sndCwnd);
    if (sndSsthresh < 0x7fffffff / 2) b.append(" ssthresh:").append(sndSsthresh);
    b.append(" bytes_sent:").append(bytesSent);
    if (bytesRetrans > 0) b.append(" bytes_retrans:").append(bytesRetrans);
    b.append(" bytes_acked:").append(bytesAcked).append(" bytes_received:").append(bytesReceived);
    b.append(" segs_out:").append(segsOut).append(" segs_in:").append(segsIn);
    b.append(" data_segs_out:").append(dataSegsOut).append(" data_segs_in:").append(dataSegsIn);
    if (unacked > 0) b.append(" unacked:").append(unacked);
    if (retrans > 0 || totalRetrans > 0)
      b.append(" retrans:").append(retrans).append('/').append(totalRetrans);
    if (lost > 0) b.append(" lost:").append(lost);
    if (sacked > 0) b.append(" sacked:").append(sacked);
    if (dsackDups > 0) b.append(" dsack_dups:").append(dsackDups);
    if (deliveredCe > 0) b.append(" delivered_ce:").append(deliveredCe);
    if (receivedCe > 0) b.append(" received_ce:").append(receivedCe);
    b.append(" rcv_space:").append(rcvSpace);
    if (notsentBytes > 0) b.append(" notsent:").append(notsentBytes);
    return b.toString().strip();
  }

  private static String millis(long micros) {
    if (micros % 1000 == 0) return String.valueOf(micros / 1000);
    return String.format(java.util.Locale.ROOT, "%.3f", micros / 1000.0).replaceAll("0+$", "");
  }
}
