package dev.synack.tcp;

import java.time.Duration;

/**
 * The settings of one connection, immutable: change one with a {@code withX} method, which returns
 * a copy, or several at once with {@link #toBuilder()} and {@link TcpConfigBuilder#build()}, which
 * checks every value in one place. {@link #defaults()} behaves like Linux's defaults (sysctl values
 * noted on each method). Durations are kept in nanoseconds, the unit of {@code now}.
 */
public final class TcpConfig {
  private static final long MS = 1_000_000L;
  private static final long S = 1_000_000_000L;

  /** The values, in a private copy of the builder that nothing changes after it is built. */
  private final TcpConfigBuilder s;

  TcpConfig(TcpConfigBuilder values) {
    this.s = values;
  }

  /** Returns a builder with the {@link #defaults()}. */
  public static TcpConfigBuilder builder() {
    return new TcpConfigBuilder();
  }

  /**
   * Returns a builder that starts from this configuration; changing it leaves this one as it is.
   */
  public TcpConfigBuilder toBuilder() {
    return s.copy();
  }

  /**
   * Returns Linux-like defaults: MSS 1460, window scale (shift 7), SACK-permitted and timestamps
   * on, MSL 30 s, FIN-WAIT-2 timeout 60 s, 6 SYN and 5 SYN-ACK retries, R2 of 15 retransmissions,
   * RTO 1 s initially within [200 ms, 120 s], no user timeout, 1000 challenge ACKs a second, RFC
   * 1337 on, 128 KiB buffers each way (the receive buffer auto-tuned up to 6 MiB, the send buffer
   * growing to 4 MiB), CUBIC with RACK-TLP from an initial window of 10 segments growing by every
   * segment an ACK covers in slow start, Nagle on, delayed ACKs of 40 ms, keep-alive off (2 h idle,
   * 75 s apart, 9 probes when on). The ISN generator has an all-zero key: a stack MUST inject a
   * random one (RFC 6528 §3) with {@link #withIsnGenerator}.
   */
  public static TcpConfig defaults() {
    return builder().build();
  }

  /**
   * Returns the MSS a connection without a stack announces: the largest segment payload it can
   * receive. A stack derives each connection's MSS from its path MTU instead ({@link
   * ConnectionParams#mss()}, Linux's {@code advmss}), and leaves these settings as they are; a
   * socket's {@code TCP_MAXSEG} lowers that ({@link ConnectionOptions#setMaxSegment}).
   */
  public int mss() {
    return s.mss;
  }

  /** Returns a copy announcing another MSS, 1 to 65535 (RFC 9293 §3.7.1). */
  public TcpConfig withMss(int mss) {
    return toBuilder().mss(mss).build();
  }

  /**
   * Returns whether our SYN and SYN-ACK carry the MSS option. RFC 9293 §3.7.1 (SHLD-5) says a SYN
   * should whenever our MSS differs from the default (536 bytes for IPv4, 1220 for IPv6), and
   * synack always sends it; it is left out only at the user's request, as FreeBSD's {@code
   * TCP_NOOPT} leaves out every option. The peer then sends segments of the default size.
   */
  public boolean mssOption() {
    return s.mssOption;
  }

  /** Returns a copy whose SYNs carry the MSS option, or not. */
  public TcpConfig withMssOption(boolean on) {
    return toBuilder().mssOption(on).build();
  }

  /** Returns whether we offer window scaling (RFC 7323 §2; Linux {@code tcp_window_scaling=1}). */
  public boolean windowScale() {
    return s.windowScale;
  }

  /**
   * Returns the shift count we announce, 7 by default: Linux sizes it for {@code tcp_rmem}'s
   * maximum of 6 MiB so that the window can grow later, and announces 7.
   */
  public int windowScaleShift() {
    return s.windowScaleShift;
  }

  /**
   * Returns a copy that offers window scaling, or not, with the given shift count, 0 to 14 (RFC
   * 7323 §2.3).
   */
  public TcpConfig withWindowScale(boolean on, int shift) {
    return toBuilder().windowScale(on, shift).build();
  }

  /** Returns whether we offer SACK-permitted (RFC 2018; Linux {@code tcp_sack=1}). */
  public boolean sackPermitted() {
    return s.sackPermitted;
  }

  /** Returns a copy that offers SACK-permitted, or not. */
  public TcpConfig withSackPermitted(boolean on) {
    return toBuilder().sackPermitted(on).build();
  }

  /** Returns whether we offer timestamps (RFC 7323 §3; Linux {@code tcp_timestamps=1}). */
  public boolean timestamps() {
    return s.timestamps;
  }

  /**
   * Returns the offset added to our millisecond timestamp clock. Linux derives it from a keyed hash
   * of the address pair, so that TSval does not reveal the uptime yet stays monotonic across
   * incarnations of a 4-tuple (RFC 6191 needs that); {@link IsnGenerator#timestampOffset} does the
   * same, and a stack passes its result to each connection ({@link
   * ConnectionParams#timestampOffset()}) rather than copying these settings. This one serves a
   * connection without a stack.
   */
  public int timestampOffset() {
    return s.timestampOffset;
  }

  /** Returns a copy that offers timestamps, or not, with the given clock offset. */
  public TcpConfig withTimestamps(boolean on, int offset) {
    return toBuilder().timestamps(on, offset).build();
  }

  /**
   * Returns the maximum segment lifetime in ns; TIME-WAIT lasts twice that (RFC 9293 §3.4.2, 30 s
   * like Linux's 60 s TIME-WAIT).
   */
  public long msl() {
    return s.msl;
  }

  /** Returns a copy with another MSL. */
  public TcpConfig withMsl(Duration msl) {
    return toBuilder().msl(msl).build();
  }

  /**
   * Returns the lesson this connection runs: {@link Lesson#NONE} always, but in the demo's "why"
   * scenarios.
   */
  public Lesson lesson() {
    return s.lesson;
  }

  /**
   * Returns a copy that runs a {@link Lesson}: a deliberate break from RFC 9293, for the demo's
   * lessons only.
   */
  public TcpConfig withLesson(Lesson lesson) {
    return toBuilder().lesson(lesson).build();
  }

  /**
   * Returns how long an orphaned connection waits in FIN-WAIT-2, in ns (Linux {@code
   * tcp_fin_timeout=60}).
   */
  public long finWait2Timeout() {
    return s.finWait2Timeout;
  }

  /** Returns a copy with another FIN-WAIT-2 timeout. */
  public TcpConfig withFinWait2Timeout(Duration timeout) {
    return toBuilder().finWait2Timeout(timeout).build();
  }

  /**
   * Returns how many times a SYN is retransmitted before giving up (Linux {@code
   * tcp_syn_retries=6}).
   */
  public int synRetries() {
    return s.synRetries;
  }

  /** Returns how many times a SYN-ACK is retransmitted (Linux {@code tcp_synack_retries=5}). */
  public int synAckRetries() {
    return s.synAckRetries;
  }

  /**
   * Returns R2 (RFC 9293 §3.8.3) as a count of retransmissions of one segment (Linux {@code
   * tcp_retries2=15}), which Linux turns into a time (924.6 s for 15, see {@link
   * TcpChoices#retransmissionsBoundedInTime()}); also the most unanswered zero-window probes.
   */
  public int retries2() {
    return s.retries2;
  }

  /** Returns a copy with other retry limits, each 0 to 255. */
  public TcpConfig withRetries(int synRetries, int synAckRetries, int retries2) {
    return toBuilder().retries(synRetries, synAckRetries, retries2).build();
  }

  /** Returns the RTO before the first RTT sample, in ns (RFC 6298 §2.1: 1 s). */
  public long initialRto() {
    return s.initialRto;
  }

  /**
   * Returns the RTO's lower bound in ns: 200 ms like Linux's TCP_RTO_MIN, where RFC 6298 §2.4 says
   * 1 s (SHOULD).
   */
  public long minRto() {
    return s.minRto;
  }

  /**
   * Returns the RTO's upper bound in ns (RFC 6298 §2.5 allows a maximum of at least 60 s; Linux
   * uses 120 s).
   */
  public long maxRto() {
    return s.maxRto;
  }

  /** Returns a copy with other RTO bounds; requires {@code 0 < min <= initial <= max}. */
  public TcpConfig withRto(Duration initial, Duration min, Duration max) {
    return toBuilder().rto(initial, min, max).build();
  }

  /**
   * Returns the slop in ns that FreeBSD adds to every RTO it computes ({@code
   * net.inet.tcp.rexmit_slop}, 200 ms there; its {@code TCPT_RANGESET}), 0 by default. With a slop
   * the RTO is FreeBSD's: max(minRto, SRTT + 4·RTTVAR), doubled per backoff, plus the slop (the
   * first SYN's timer alone is the initial RTO as it stands), where without one it is Linux's SRTT
   * + max(minRto, 4·RTTVAR).
   */
  public long rtoSlop() {
    return s.rtoSlop;
  }

  /**
   * Returns a copy that adds a slop to every computed RTO, as FreeBSD; {@link Duration#ZERO} for
   * none.
   */
  public TcpConfig withRtoSlop(Duration slop) {
    return toBuilder().rtoSlop(slop).build();
  }

  /**
   * Returns how long a connection may take to reach ESTABLISHED, in ns, from its SYN (sent, or
   * received by a passive open), before it is dropped as timed out; 0 when only the SYN and SYN-ACK
   * retries limit it, as in Linux. FreeBSD's connection-establishment timer ({@code TCP_KEEPINIT},
   * {@code net.inet.tcp.keepinit}, 75 s).
   */
  public long establishmentTimeout() {
    return s.establishmentTimeout;
  }

  /**
   * Returns a copy with another connection-establishment timeout; {@link Duration#ZERO} turns it
   * off.
   */
  public TcpConfig withEstablishmentTimeout(Duration timeout) {
    return toBuilder().establishmentTimeout(timeout).build();
  }

  /**
   * Returns the user timeout in ns (RFC 9293 §3.8.3, RFC 5482; Linux TCP_USER_TIMEOUT), 0 when off.
   */
  public long userTimeout() {
    return s.userTimeout;
  }

  /** Returns a copy with another user timeout; {@link Duration#ZERO} turns it off. */
  public TcpConfig withUserTimeout(Duration timeout) {
    return toBuilder().userTimeout(timeout).build();
  }

  /**
   * Returns how many challenge ACKs (RFC 5961 §7) a connection sends per second, 1000 by default.
   * That is the value Linux used from 4.7 (after CVE-2016-5696 showed that 100 was too low and,
   * being host-wide, a side channel). Here the limit is per connection, so one connection under
   * attack cannot tell an attacker about another, and 1000 a second is enough for any honest peer
   * while bounding the ACKs a blind attacker can draw out.
   */
  public int challengeAckLimit() {
    return s.challengeAckLimit;
  }

  /** Returns a copy with another challenge-ACK limit per second, at least 1. */
  public TcpConfig withChallengeAckLimit(int perSecond) {
    return toBuilder().challengeAckLimit(perSecond).build();
  }

  /**
   * Returns whether a RST in TIME-WAIT is ignored (RFC 1337 §3 fix (1), "TIME-WAIT assassination"),
   * true by default as in gVisor; Linux's {@code tcp_rfc1337} defaults to 0.
   */
  public boolean rfc1337() {
    return s.rfc1337;
  }

  /** Returns a copy that ignores RSTs in TIME-WAIT, or not. */
  public TcpConfig withRfc1337(boolean on) {
    return toBuilder().rfc1337(on).build();
  }

  /** Returns the receive buffer size in bytes: the most data received and not yet read. */
  public int receiveBuffer() {
    return s.receiveBuffer;
  }

  /** Returns the send buffer size in bytes: the most data queued and not yet acknowledged. */
  public int sendBuffer() {
    return s.sendBuffer;
  }

  /** Returns a copy with other buffer sizes, each 1 byte to 1 GiB. */
  public TcpConfig withBuffers(int receive, int send) {
    return toBuilder().buffers(receive, send).build();
  }

  /**
   * Returns whether the receive buffer grows with the rate the application reads at (Linux's {@code
   * tcp_moderate_rcvbuf=1}), from {@link #receiveBuffer()} up to {@link #receiveBufferMax()}.
   */
  public boolean receiveBufferAutoTuning() {
    return s.receiveBufferAutoTuning;
  }

  /**
   * Returns the largest receive buffer auto-tuning may reach, 6 MiB as Linux's {@code tcp_rmem[2]};
   * the default window scale (7) covers up to 8 MiB.
   */
  public int receiveBufferMax() {
    return s.receiveBufferMax;
  }

  /**
   * Returns a copy that tunes the receive buffer up to {@code max} bytes (at most 1 GiB), or keeps
   * it fixed.
   */
  public TcpConfig withReceiveBufferAutoTuning(boolean on, int max) {
    return toBuilder().receiveBufferAutoTuning(on, max).build();
  }

  /**
   * Returns whether idle connections are probed (RFC 1122 §4.2.3.6: keep-alives "MUST default to
   * off"; Linux's {@code SO_KEEPALIVE}); a connection may turn them on or off later.
   */
  public boolean keepAlive() {
    return s.keepAlive;
  }

  /**
   * Returns how long a connection is idle before the first probe, in ns (RFC 1122: "MUST default to
   * no less than two hours"; Linux {@code tcp_keepalive_time=7200}).
   */
  public long keepAliveIdle() {
    return s.keepAliveIdle;
  }

  /** Returns the time between unanswered probes, in ns (Linux {@code tcp_keepalive_intvl=75}). */
  public long keepAliveInterval() {
    return s.keepAliveInterval;
  }

  /**
   * Returns how many unanswered probes end the connection (Linux {@code tcp_keepalive_probes=9}).
   */
  public int keepAliveCount() {
    return s.keepAliveCount;
  }

  /**
   * Returns a copy with keep-alive on or off and its timing; the count is 1 to 127 as Linux's
   * {@code TCP_KEEPCNT}.
   */
  public TcpConfig withKeepAlive(boolean on, Duration idle, Duration interval, int count) {
    return toBuilder().keepAlive(on, idle, interval, count).build();
  }

  /** Returns a copy with keep-alive on or off, its timing unchanged. */
  public TcpConfig withKeepAlive(boolean on) {
    return toBuilder().keepAlive(on).build();
  }

  /** Returns the ISN generator a passive {@link TcpConnection#listen} uses (RFC 6528). */
  public IsnGenerator isnGenerator() {
    return s.isnGenerator;
  }

  /** Returns a copy with another ISN generator, e.g. one keyed with the stack's random secret. */
  public TcpConfig withIsnGenerator(IsnGenerator generator) {
    return toBuilder().isnGenerator(generator).build();
  }

  /**
   * Returns the congestion control algorithm, "cubic" by default as Linux ({@code
   * net.ipv4.tcp_congestion_control}).
   */
  public String congestionControl() {
    return s.congestionControl;
  }

  /**
   * Returns whether every connection paces its segments, at the rate congestion control gives or
   * else at cwnd/SRTT (twice that in slow start, 1.2 times after: Linux's {@code
   * tcp_update_pacing_rate}, as with the fq qdisc). Off by default, as Linux without fq: then only
   * an algorithm that sets its own rate (BBR) paces.
   */
  public boolean pacing() {
    return s.pacing;
  }

  /** Returns a copy with pacing for every algorithm on or off (see {@link #pacing()}). */
  public TcpConfig withPacing(boolean on) {
    return toBuilder().pacing(on).build();
  }

  /**
   * Returns the initial congestion window in segments, 10 by default at any MSS as Linux ({@code
   * TCP_INIT_CWND}, the route's {@code initcwnd}); 0 for the upper bound of RFC 6928 §2,
   * min(10·MSS, max(2·MSS, 14600)) bytes, which is 2 segments at loopback's MSS of 65483.
   */
  public int initialCwnd() {
    return s.initialCwnd;
  }

  /** Returns a copy with another initial window (see {@link #initialCwnd()}), 0 to 1024. */
  public TcpConfig withInitialCwnd(int segments) {
    return toBuilder().initialCwnd(segments).build();
  }

  /**
   * Returns the most segments one ACK grows cwnd by in slow start: 0, the default, for no limit, as
   * Linux's {@code tcp_slow_start} (every segment a stretch ACK covers counts); 2 for RFC 3465
   * §2.3's L = 2·SMSS, the conservative growth RFC 5681 §3.1 allows.
   */
  public int slowStartAckLimit() {
    return s.slowStartAckLimit;
  }

  /** Returns a copy with another slow-start limit per ACK (see {@link #slowStartAckLimit()}). */
  public TcpConfig withSlowStartAckLimit(int segments) {
    return toBuilder().slowStartAckLimit(segments).build();
  }

  /** Returns the names of the congestion control algorithms, the default first. */
  public static java.util.List<String> congestionControls() {
    return CongestionControl.NAMES;
  }

  /**
   * Returns a copy with another congestion control: "cubic" (RFC 9438), "newreno" (RFC 5681, RFC
   * 6582) or "bbr" (BBR v1).
   */
  public TcpConfig withCongestionControl(String name) {
    return toBuilder().congestionControl(name).build();
  }

  /** {@link #ecn()}: ECN neither asked for nor accepted (Linux's {@code tcp_ecn=0}). */
  public static final int ECN_OFF = 0;

  /**
   * {@link #ecn()}: ECN asked for on our SYNs and accepted on the peer's (Linux's {@code
   * tcp_ecn=1}).
   */
  public static final int ECN_ON = 1;

  /**
   * {@link #ecn()}: ECN accepted when the peer's SYN asks, never asked for (Linux's {@code
   * tcp_ecn=2}, its default).
   */
  public static final int ECN_ANSWER = 2;

  /**
   * {@link #ecn()}: AccECN (RFC 9768) asked for on our SYNs, AccECN or ECN accepted (Linux's {@code
   * tcp_ecn=3}).
   */
  public static final int ECN_ACCECN = 3;

  /** {@link #ecn()}: AccECN or ECN accepted, classic ECN asked for (Linux's {@code tcp_ecn=4}). */
  public static final int ECN_ACCECN_ANSWER_ECN_ON = 4;

  /** {@link #ecn()}: AccECN or ECN accepted, nothing asked for (Linux's {@code tcp_ecn=5}). */
  public static final int ECN_ACCECN_ANSWER = 5;

  /**
   * Returns the ECN mode, as Linux's {@code net.ipv4.tcp_ecn}: {@link #ECN_OFF}, {@link #ECN_ON} or
   * {@link #ECN_ANSWER} (the default: answer an ECN-setup SYN, do not send one) for RFC 3168, and
   * {@link #ECN_ACCECN}, {@link #ECN_ACCECN_ANSWER_ECN_ON}, {@link #ECN_ACCECN_ANSWER} with AccECN
   * (RFC 9768).
   */
  public int ecn() {
    return s.ecn;
  }

  /**
   * Returns when an AccECN connection sends the AccECN option (RFC 9768 §3.2.3), as Linux's {@code
   * tcp_ecn_option}: 0 never, 1 when a change is owed (and at least {@link #accEcnBeacon()} times
   * per RTT), 2 (the default) on every segment it fits in.
   */
  public int accEcnOption() {
    return s.accEcnOption;
  }

  /**
   * Returns how many times per RTT an AccECN option goes at least in option mode 1 (Linux's {@code
   * tcp_ecn_option_beacon}, 3); 0: no beacon.
   */
  public int accEcnBeacon() {
    return s.accEcnBeacon;
  }

  /**
   * Returns a copy with the AccECN option mode (0, 1 or 2) and beacon (0 to 255) of {@link
   * #accEcnOption()}.
   */
  public TcpConfig withAccEcnOption(int option, int beacon) {
    return toBuilder().accEcnOption(option, beacon).build();
  }

  /**
   * Returns the most unsent bytes a writer may leave queued ({@code TCP_NOTSENT_LOWAT}, Linux's
   * {@code tcp_notsent_lowat}); 0xffffffff, the default, for no limit beyond the send buffer.
   */
  public long notSentLowat() {
    return s.notSentLowat;
  }

  /**
   * Returns a copy with {@code TCP_NOTSENT_LOWAT}: 1 to 0xffffffff bytes (the latter: no limit).
   */
  public TcpConfig withNotSentLowat(long bytes) {
    return toBuilder().notSentLowat(bytes).build();
  }

  /**
   * Returns a copy with the ECN mode {@code mode}, 0 to 5 as Linux's {@code tcp_ecn} (see {@link
   * #ecn()}).
   */
  public TcpConfig withEcn(int mode) {
    return toBuilder().ecn(mode).build();
  }

  /**
   * Returns whether RACK-TLP (RFC 8985) detects losses, on by default as Linux's {@code
   * tcp_recovery=1}; off, SACK recovery uses RFC 6675's DupThresh rule and no tail probe.
   */
  public boolean rack() {
    return s.rack;
  }

  /** Returns a copy with RACK-TLP on or off. */
  public TcpConfig withRack(boolean on) {
    return toBuilder().rack(on).build();
  }

  /**
   * Returns whether new data that would leave as a partial offloaded write waits for the ACK due
   * next, as Linux's {@code tcp_tso_should_defer} on a device with segmentation offload; it applies
   * only to output taken in runs of several segments ({@link TsoDeferral}). Off by default: on, it
   * raised the packets a two-queue TUN device delivered to the loop that does not own their flow
   * from 3 to 22 of 200 echoed connections (StackTunTest), for a reason not yet found.
   */
  public boolean tsoDeferral() {
    return s.tsoDeferral;
  }

  /** Returns a copy with the deferral of partial offloaded writes on or off. */
  public TcpConfig withTsoDeferral(boolean on) {
    return toBuilder().tsoDeferral(on).build();
  }

  /**
   * Returns how far the send buffer may grow, 4 MiB by default as Linux's {@code tcp_wmem[2]}: it
   * starts at {@link #sendBuffer()} and grows to twice the congestion window (Linux's {@code
   * tcp_sndbuf_expand}), so that a fast path is kept full while an idle or slow connection holds
   * little. {@link #withBuffers} fixes the size (no growth), as {@code SO_SNDBUF} does.
   */
  public int maxSendBuffer() {
    return s.maxSendBuffer;
  }

  /**
   * Returns a copy whose send buffer may grow up to {@code max} bytes (at least {@link
   * #sendBuffer()}, at most 1 GiB).
   */
  public TcpConfig withMaxSendBuffer(int max) {
    return toBuilder().maxSendBuffer(max).build();
  }

  /**
   * Returns whether Nagle's algorithm is off (Linux's {@code TCP_NODELAY}); false by default: Nagle
   * on (RFC 9293 §3.7.4 SHLD-7).
   */
  public boolean noDelay() {
    return s.noDelay;
  }

  /** Returns a copy with Nagle's algorithm off ({@code true}) or on. */
  public TcpConfig withNoDelay(boolean on) {
    return toBuilder().noDelay(on).build();
  }

  /** Returns the choices where stacks differ (Linux's by default, see {@link TcpChoices}). */
  public TcpChoices choices() {
    return s.choices;
  }

  /** Returns a copy with other choices, e.g. FreeBSD's. */
  public TcpConfig withChoices(TcpChoices newChoices) {
    return toBuilder().choices(newChoices).build();
  }

  /**
   * Returns whether in-order data may be acknowledged late (RFC 1122 §4.2.3.2, RFC 5681 §4.2): at
   * least every second full-sized segment, else after {@link #delayedAckTimeout()}. On by default,
   * as in Linux (which has no switch; {@code TCP_QUICKACK} comes closest).
   */
  public boolean delayedAck() {
    return s.delayedAck;
  }

  /**
   * Returns how long an ACK may wait, in ns: 40 ms, Linux's {@code TCP_DELACK_MIN} (RFC 1122: "MUST
   * be less than 0.5 seconds").
   */
  public long delayedAckTimeout() {
    return s.delayedAckTimeout;
  }

  /**
   * Returns a copy that delays ACKs, or acknowledges every segment at once; the timeout is over 0
   * and under 500 ms.
   */
  public TcpConfig withDelayedAck(boolean on, Duration timeout) {
    return toBuilder().delayedAck(on, timeout).build();
  }

  /**
   * {@link #mtuProbing()}: no packetization-layer path MTU discovery (Linux's {@code
   * tcp_mtu_probing=0}).
   */
  public static final int MTU_PROBING_OFF = 0;

  /**
   * {@link #mtuProbing()}: probing starts when a black hole is detected (Linux's {@code
   * tcp_mtu_probing=1}, its default).
   */
  public static final int MTU_PROBING_BLACK_HOLE = 1;

  /**
   * {@link #mtuProbing()}: probing from the start, at {@link #baseMss()} (Linux's {@code
   * tcp_mtu_probing=2}).
   */
  public static final int MTU_PROBING_ALWAYS = 2;

  /**
   * Returns the packetization-layer path MTU discovery mode (RFC 4821, with RFC 8899's search), as
   * Linux's {@code net.ipv4.tcp_mtu_probing}: {@link #MTU_PROBING_OFF}, {@link
   * #MTU_PROBING_BLACK_HOLE} (the default: after retransmission timeouts with nothing acknowledged
   * for as long as Linux's {@code tcp_retries1} takes, the MSS falls to {@link #baseMss()} and
   * larger probes search upward) or {@link #MTU_PROBING_ALWAYS}.
   */
  public int mtuProbing() {
    return s.mtuProbing;
  }

  /**
   * Returns a copy with the PLPMTUD mode {@code mode}, 0, 1 or 2 as Linux's {@code
   * tcp_mtu_probing}.
   */
  public TcpConfig withMtuProbing(int mode) {
    return toBuilder().mtuProbing(mode).build();
  }

  /**
   * Returns the MSS (payload bytes, options excluded) that PLPMTUD starts its search from and falls
   * to on a black hole: Linux's {@code net.ipv4.tcp_base_mss}, 1024.
   */
  public int baseMss() {
    return s.baseMss;
  }

  /**
   * Returns a copy whose PLPMTUD search starts at {@code mss} payload bytes, 48 (Linux's probe
   * floor) to 65535.
   */
  public TcpConfig withBaseMss(int mss) {
    return toBuilder().baseMss(mss).build();
  }

  @Override
  public String toString() {
    return "TcpConfig[mss="
        + s.mss
        + (s.mssOption ? "" : " (not announced)")
        + ", wscale="
        + (s.windowScale ? s.windowScaleShift : "off")
        + ", sack="
        + s.sackPermitted
        + ", ts="
        + s.timestamps
        + ", msl="
        + s.msl / S
        + "s, finWait2="
        + s.finWait2Timeout / S
        + "s, synRetries="
        + s.synRetries
        + ", synAckRetries="
        + s.synAckRetries
        + ", retries2="
        + s.retries2
        + ", rto="
        + s.initialRto / MS
        + "ms["
        + s.minRto / MS
        + ".."
        + s.maxRto / MS
        + "]"
        + (s.rtoSlop > 0 ? "+" + s.rtoSlop / MS + "ms" : "")
        + ", userTimeout="
        + s.userTimeout / MS
        + "ms"
        + (s.establishmentTimeout > 0 ? ", keepinit=" + s.establishmentTimeout / MS + "ms" : "")
        + ", challengeAcks="
        + s.challengeAckLimit
        + "/s, rfc1337="
        + s.rfc1337
        + ", rcvbuf="
        + s.receiveBuffer
        + ", sndbuf="
        + s.sendBuffer
        + ", cc="
        + s.congestionControl
        + (s.initialCwnd == 10 ? "" : "/initcwnd" + s.initialCwnd)
        + (s.slowStartAckLimit == 0 ? "" : "/ssL" + s.slowStartAckLimit)
        + ", rack="
        + s.rack
        + (s.tsoDeferral ? ", tsoDeferral=on" : "")
        + ", ecn="
        + s.ecn
        + (s.ecn >= ECN_ACCECN ? "/opt" + s.accEcnOption + "/beacon" + s.accEcnBeacon : "")
        + ", mtuProbing="
        + s.mtuProbing
        + "/"
        + s.baseMss
        + ", nodelay="
        + s.noDelay
        + ", sndbufMax="
        + s.maxSendBuffer
        + ", delack="
        + (s.delayedAck ? s.delayedAckTimeout / MS + "ms" : "off")
        + ", rcvbufMax="
        + (s.receiveBufferAutoTuning ? s.receiveBufferMax : "fixed")
        + ", keepalive="
        + (s.keepAlive
            ? s.keepAliveIdle / S + "s/" + s.keepAliveInterval / S + "s/" + s.keepAliveCount
            : "off")
        + ", "
        + s.choices
        + (s.lesson == Lesson.NONE ? "" : ", LESSON " + s.lesson)
        + "]";
  }
}
