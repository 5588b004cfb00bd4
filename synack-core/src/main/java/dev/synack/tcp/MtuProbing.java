package dev.synack.tcp;

import dev.synack.wire.SeqNum;

/**
 * Packetization-layer path MTU discovery for one connection (RFC 4821, with RFC 8899 §5's search as
 * the model), as Linux's {@code tcp_mtu_probing}, {@code tcp_mtu_probe} and their helpers do: when
 * ICMP is blocked on the path, a packet too big is lost silently, and only TCP can find out.
 *
 * <ul>
 *   <li><b>Black hole</b> (RFC 4821 §7.7; Linux's {@code tcp_mtu_probing}): retransmission timeouts
 *       with nothing acknowledged for as long as {@code tcp_retries1} (3) timeouts take from the
 *       minimum RTO (3 s with Linux's 200 ms) start the search, which puts the MSS at the base MSS
 *       (Linux's {@code tcp_base_mss}, 1024); each later timeout halves it, down to 48 bytes.
 *   <li><b>Search</b> (RFC 4821 §7.3, RFC 8899 §5.3.2): between the largest MTU shown to work
 *       ({@code searchLow}) and the smallest not yet shown to fail ({@code searchHigh}), a probe
 *       segment sized to the middle of the two goes with new data, when the connection is in its
 *       open phase, cwnd holds at least 11 segments and there is data for the probe and four more
 *       segments behind it. Its acknowledgment raises {@code searchLow} and the MSS; its loss
 *       lowers {@code searchHigh} and is not taken for congestion (RFC 4821 §7.5; Linux's {@code
 *       tcp_mtup_probe_failed} then {@code tcp_simple_retransmit}). The search stops when the two
 *       are less than 8 bytes apart ({@code tcp_probe_threshold}) and starts again from the present
 *       MSS 600 s after it last began ({@code tcp_probe_interval}).
 * </ul>
 *
 * An instance exists only while the search is on: from the first black hole, or from the start with
 * {@link TcpConfig#MTU_PROBING_ALWAYS}.
 */
final class MtuProbing {
  /** Linux's {@code tcp_retries1}: the timeouts after which a black hole is suspected. */
  static final int RETRIES1 = 3;

  /**
   * Linux's {@code tcp_probe_threshold}: the search stops when searchHigh - searchLow is below it.
   */
  static final int PROBE_THRESHOLD = 8;

  /** Linux's {@code tcp_probe_interval}: 600 s after a search began, it begins again. */
  static final long PROBE_INTERVAL_NANOS = 600_000_000_000L;

  /** Linux's {@code tcp_mtu_probe_floor}: the MSS never falls below it. */
  static final int PROBE_FLOOR = 48;

  /**
   * Segments of data behind a probe (Linux's {@code tp->reordering} + 1, reordering 3 by default).
   */
  private static final int SEGMENTS_BEHIND = 4;

  /** Linux probes only when cwnd holds at least this many segments. */
  private static final int MIN_CWND_SEGMENTS = 11;

  private final TcpConnection c;

  /** The IP and fixed TCP headers: 40 for IPv4, 60 for IPv6. */
  private final int headers;

  /** The largest MTU the path has been shown to carry (or is assumed to: the base MSS's). */
  private int searchLow;

  /** The largest MTU not yet shown to fail. */
  private int searchHigh;

  /** The MTU of the probe in flight, or 0. */
  private int probeSize;

  /** The sequence space of the probe in flight. */
  private int probeSeqStart;

  private int probeSeqEnd;

  /** When the search last began, for the probe interval. */
  private long probeTimestamp;

  private MtuProbing(TcpConnection c, long now) {
    this.c = c;
    this.headers = (c.id().isIpv6() ? 40 : 20) + 20;
    this.searchLow = mssToMtu(c.cfg.baseMss());
    this.searchHigh = c.opts.unprobedMss() + headers;
    this.probeTimestamp = now;
    sync();
  }

  /**
   * Starts the search from the base MSS at once ({@link TcpConfig#MTU_PROBING_ALWAYS}), once the
   * connection is synchronized.
   */
  static MtuProbing startIfAlways(TcpConnection c, MtuProbing present, long now) {
    if (present != null
        || c.cfg.mtuProbing() != TcpConfig.MTU_PROBING_ALWAYS
        || !c.state.isSynchronized()) return present;
    return new MtuProbing(c, now);
  }

  /**
   * Takes a retransmission timeout, before it is acted on; returns the search, started if this is
   * the first black hole. A timeout is a black hole when the connection is synchronized and nothing
   * has been acknowledged for as long as {@link #RETRIES1} timeouts take from the minimum RTO
   * (Linux's {@code retransmits_timed_out(sk, tcp_retries1, 0)} in {@code tcp_write_timeout}).
   */
  static MtuProbing onRetransmissionTimeout(TcpConnection c, MtuProbing present, long now) {
    Sender snd = c.snd;
    if (c.cfg.mtuProbing() == TcpConfig.MTU_PROBING_OFF || !snd.synAcked() || snd.timeouts == 0)
      return present;
    if (now - snd.retransmitSince
        < TimeMath.retransmissionBound(RETRIES1, c.cfg.minRto(), c.cfg.maxRto())) return present;
    int before = c.opts.effectiveMss();
    MtuProbing m = present;
    if (m == null) {
      m = new MtuProbing(c, now);
    } else {
      // Linux's tcp_mtu_probing: a later black hole halves the MSS, within the base MSS and the
      // floor.
      int mss = Math.max(PROBE_FLOOR, Math.min(c.cfg.baseMss(), m.mtuToMss(m.searchLow) >> 1));
      m.searchLow = m.mssToMtu(mss);
      m.probeSize = 0;
      m.sync();
    }
    int after = c.opts.effectiveMss();
    if (after != before) {
      c.tracer.note(
          now,
          "path MTU black hole suspected after "
              + snd.timeouts
              + " timeouts: MSS "
              + before
              + " -> "
              + after
              + " (RFC 4821 §7.7)");
    }
    return m;
  }

  /**
   * Returns the payload of the probe to send now as the next new segment, 0 when no probe goes, or
   * -1 when a probe waits for cwnd to drain and new data must wait with it (Linux's {@code
   * tcp_mtu_probe}: "do we need to wait to drain cwnd?"); {@code allowance} is what cwnd leaves, in
   * bytes.
   */
  int probePayload(int allowance, long now) {
    if (probeSize != 0 || c.recovery.phase() != LossRecovery.Phase.OPEN) return 0;
    int mss = c.opts.effectiveMss();
    Sender snd = c.snd;
    if (c.recovery.cwnd() < MIN_CWND_SEGMENTS * mss || snd.scoreboard().sackedBytes() > 0) return 0;
    searchHigh = Math.min(searchHigh, c.opts.unprobedMss() + headers);
    int probe = mtuToMss((searchHigh + searchLow) >> 1);
    if (probe <= mss || probe > mtuToMss(searchHigh) || searchHigh - searchLow < PROBE_THRESHOLD) {
      reprobeIfDue(now);
      return 0;
    }
    int needed = probe + SEGMENTS_BEHIND * mss;
    if (snd.unsent() < needed || snd.usableWindow() < needed) return 0;
    // Linux waits until two segments fit in cwnd beside what is in flight; with nothing in flight
    // it does not stall.
    if (allowance < probe + mss) return snd.scoreboard().pipe() == 0 ? 0 : -1;
    return probe;
  }

  /**
   * Takes a segment that left: new data longer than the MSS is the probe; a retransmission of any
   * byte of the probe means the probe was lost (RFC 4821 §7.6.2: the probe failed).
   */
  void onSent(int seq, int length, boolean retransmit, long now) {
    int mss = c.opts.effectiveMss();
    if (!retransmit && length > mss && probeSize == 0) {
      probeSize = mssToMtu(length);
      probeSeqStart = seq;
      probeSeqEnd = SeqNum.add(seq, length);
      c.tracer.note(
          now,
          "path MTU probe: " + probeSize + " bytes (search " + searchLow + ".." + searchHigh + ")");
    } else if (retransmit
        && probeSize != 0
        && SeqNum.lt(seq, probeSeqEnd)
        && SeqNum.gt(SeqNum.add(seq, length), probeSeqStart)) {
      failed(now);
    }
  }

  /**
   * Takes SND.UNA after an acknowledgment: the whole probe acknowledged raises the MSS (Linux's
   * {@code tcp_mtup_probe_success}).
   */
  void onAcknowledged(int sndUna, long now) {
    if (probeSize == 0 || SeqNum.lt(sndUna, probeSeqEnd)) return;
    int before = c.opts.effectiveMss();
    searchLow = probeSize;
    probeSize = 0;
    sync();
    c.tracer.note(
        now, "path MTU probe acknowledged: MSS " + before + " -> " + c.opts.effectiveMss());
  }

  /**
   * Returns whether a loss just found is the probe's, at SND.UNA (Linux's test in {@code
   * tcp_fastretrans_alert}): then the probe failed, and the caller resends at the present MSS
   * without a congestion response.
   */
  boolean probeLostAt(int sndUna, long now) {
    if (probeSize == 0 || sndUna != probeSeqStart) return false;
    failed(now);
    return true;
  }

  /** Returns the largest MTU shown to work. */
  int searchLow() {
    return searchLow;
  }

  /** Returns the smallest MTU not shown to fail. */
  int searchHigh() {
    return searchHigh;
  }

  /**
   * Returns what the search is doing for {@link TcpInfo}: its state, bounds and the probe in
   * flight.
   */
  static Plpmtud describe(TcpConnection c) {
    MtuProbing m = c.mtuProbing;
    if (m == null)
      return c.cfg.mtuProbing() == TcpConfig.MTU_PROBING_OFF
          ? Plpmtud.OFF_INFO
          : Plpmtud.WAITING_INFO;
    String state =
        m.probeSize > 0
            ? Plpmtud.PROBING
            : m.searchHigh - m.searchLow < PROBE_THRESHOLD ? Plpmtud.COMPLETE : Plpmtud.SEARCHING;
    return new Plpmtud(state, m.searchLow, m.searchHigh, m.probeSize);
  }

  /**
   * Returns the path MTU the connection has from its interface and ICMP (Linux's {@code
   * icsk_pmtu_cookie}, {@code tcpi_pmtu}).
   */
  static int pathMtu(TcpConnection c) {
    return c.opts.pathMss() + (c.id().isIpv6() ? 40 : 20) + 20;
  }

  private void failed(long now) {
    searchHigh = probeSize - 1;
    c.tracer.note(
        now,
        "path MTU probe of " + probeSize + " bytes lost: search " + searchLow + ".." + searchHigh);
    probeSize = 0;
  }

  /**
   * Linux's {@code tcp_mtu_check_reprobe}: a search over for 600 s begins again, from the present
   * MSS up.
   */
  private void reprobeIfDue(long now) {
    if (now - probeTimestamp < PROBE_INTERVAL_NANOS) return;
    searchHigh = c.opts.unprobedMss() + headers;
    searchLow = mssToMtu(c.opts.effectiveMss());
    probeTimestamp = now;
  }

  /**
   * Linux's {@code tcp_sync_mss}: the MSS follows searchLow, within what the handshake and ICMP
   * allow.
   */
  private void sync() {
    searchHigh = Math.min(searchHigh, c.opts.unprobedMss() + headers);
    searchLow = Math.min(searchLow, searchHigh);
    c.opts.setProbedMss(searchLow - headers);
  }

  /** Returns the payload of a segment in a packet of {@code mtu} bytes, options excluded. */
  private int mtuToMss(int mtu) {
    return mtu - headers - c.opts.optionsOverhead();
  }

  /** Returns the packet size of a segment of {@code mss} payload bytes. */
  private int mssToMtu(int mss) {
    return mss + c.opts.optionsOverhead() + headers;
  }
}
