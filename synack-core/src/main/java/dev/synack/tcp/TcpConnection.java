package dev.synack.tcp;

import dev.synack.trace.TraceSink;
import dev.synack.wire.Ecn;
import dev.synack.wire.InboundSegment;
import dev.synack.wire.OutboundSegment;
import dev.synack.wire.SeqNum;
import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpSegment;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * One TCP connection's protocol engine (RFC 9293), sans-IO: it takes segments, user calls and the
 * time, and answers with segments to send, a deadline and events for the user.
 *
 * <p>Calling order (one thread; {@code now} in nanoseconds, never decreasing):
 *
 * <ol>
 *   <li>Feed inputs: {@link #handleSegment} for each arriving segment, the user calls ({@link
 *       #send}, {@link #receive}, {@link #close}, {@link #closeFully}, {@link #abort}), and {@link
 *       #handleTimeout} once {@code now} reaches {@link #pollTimeout()}.
 *   <li>Then drain the outputs: {@link #pollTransmit} until it returns {@code null} (each segment
 *       is complete: ports, seq, ack, flags, window, options, payload), then {@link #pollEvent}
 *       until {@code null}, then read {@link #pollTimeout} for the next deadline.
 * </ol>
 *
 * Timers are armed when segments leave, so the deadline is only meaningful after the transmit queue
 * is drained. The connection's TCB is gone when {@link #state()} is CLOSED and a {@link
 * ConnectionEvent.Closed} was polled; the stack may then forget it.
 *
 * <p>The user calls follow RFC 9293 §3.10.1–3.10.6; errors are {@link TcpException}s with the RFC's
 * message. Segment arrival ({@link SegmentArrival}) follows §3.10.7 step by step; timeouts follow
 * §3.10.8.
 */
public final class TcpConnection {
  /**
   * How the connection was opened, which decides where SYN-RECEIVED goes on a RST (§3.10.7.4 second
   * step).
   */
  enum Origin {
    /** Active OPEN: {@link #connect}. */
    ACTIVE,
    /** Passive OPEN in RFC 9293's model: {@link #listen}; a failed handshake returns to LISTEN. */
    LISTEN,
    /**
     * The stack's passive open: {@link #accept}; the listener lives in the stack, so a failed
     * handshake ends in CLOSED.
     */
    ACCEPT
  }

  /**
   * The connection's settings: the stack's, replaced by a copy when the user sets an option ({@link
   * ConnectionOptions}).
   */
  TcpConfig cfg;

  /**
   * What the stack derived for this connection (path MSS, timestamp offset, options withheld),
   * apart from the user's settings; {@code TCP_MAXSEG} lowers its MSS.
   */
  ConnectionParams params;

  final Origin origin;
  final Tracer tracer;
  final TimerTable timers;
  final RttEstimator rtt;

  /** Keep-alive probing (RFC 1122 §4.2.3.6): whether it is on and what the peer answered. */
  final KeepAlive keepAlive;

  /** The identity given at OPEN; LISTEN returns to it. */
  private final FourTuple openedAs;

  FourTuple id;
  TcpState state;
  Sender snd;

  /** What the ACKs and timeouts tell the sender: loss detection, recovery, congestion control. */
  LossRecovery recovery;

  /**
   * The connection's ECN (RFC 3168): negotiation, echo and CWR; null while neither end asked for
   * ECN.
   */
  EcnState ecn;

  Receiver rcv;
  OptionsNegotiation opts;

  /** Packetization-layer path MTU discovery (RFC 4821), or null while it is not searching. */
  MtuProbing mtuProbing;

  /** Whether SYN-RECEIVED was entered from LISTEN (a passive open), not from SYN-SENT. */
  boolean passiveHandshake;

  /** Whether an ACK is owed: sent alone unless data or a FIN carries it. */
  boolean ackNow;

  /**
   * Whether the delayed-ACK rule owes an ACK of in-order data that may wait until the caller polls,
   * if the next segments taken before then are in-order data too ({@link AckPolicy#joinsRun}).
   */
  boolean ackDue;

  /** Whether the ACK owed is only a challenge ACK (RFC 5961), which never repeats our FIN. */
  boolean challengeOnly;

  /**
   * Whether the user closed the receive side with {@link #closeFully}: data arriving now resets.
   */
  boolean inputClosed;

  /**
   * Why the connection reached CLOSED; user calls afterwards report it. {@code null} for an orderly
   * close.
   */
  private TcpError closedError;

  /**
   * ICMP errors about this connection, and the soft error a timeout reports; null until the first
   * ICMP error arrives (most connections never see one).
   */
  private IcmpErrorHandling icmpErrors;

  /** When and how the ACKs we owe are sent: delayed, challenge and rate-limited ACKs. */
  final AckPolicy acks = new AckPolicy();

  /** Whether a short {@link #send} waits for a {@link ConnectionEvent.Writable}. */
  boolean writableWanted;

  /**
   * Complete segments to send before anything else (resets, probes); {@code null} until the first
   * (most connections never have one).
   */
  ReplyQueue replies;

  /**
   * The next event for the user, and those after it, allocated only when two wait at once: an idle
   * connection holds no queue, and the usual single event (a segment made data readable) needs
   * none.
   */
  private ConnectionEvent nextEvent;

  private ArrayDeque<ConnectionEvent> laterEvents;

  /** What the connection sent and received over its life, for {@link #info}. */
  final TcpCounters counters = new TcpCounters();

  /** TCP Fast Open (RFC 7413) on this connection; null for one that does not use it. */
  FastOpen fastOpen;

  private final SegmentArrival arrival;

  TcpConnection(
      FourTuple id,
      TcpConfig cfg,
      ConnectionParams params,
      Origin origin,
      int acceptIss,
      ConnectionTracing tracing) {
    if (id == null) throw new IllegalArgumentException("connection id is null");
    if (cfg == null) throw new IllegalArgumentException("config is null");
    this.cfg = cfg;
    this.params = params != null ? params : ConnectionParams.of(cfg);
    this.origin = origin;
    this.openedAs = id;
    this.id = id;
    this.tracer = tracing.tracerFor(id);
    this.timers = new TimerTable(tracer);
    this.rtt = new RttEstimator(cfg);
    this.keepAlive = new KeepAlive(cfg.keepAlive());
    this.state = TcpState.CLOSED;
    this.arrival = new SegmentArrival(this);
    freshTcb();
    // The ISS an accepted connection answers its SYN with waits in the sender until the SYN
    // starts it (every ACCEPT handles its SYN at once): the TCB keeps no field for it.
    if (origin == Origin.ACCEPT) snd.iss = acceptIss;
  }

  /** Active OPEN (RFC 9293 §3.10.1): returns a connection in SYN-SENT with its SYN to send. */
  public static TcpConnection connect(
      FourTuple id, TcpConfig cfg, int iss, long now, TraceSink trace, String hostName) {
    return connect(id, cfg, null, iss, now, new ConnectionTracing(trace, hostName));
  }

  /**
   * Active OPEN as {@link #connect(FourTuple, TcpConfig, int, long, TraceSink, String)}, with the
   * values the stack derived for the connection ({@code params}; null: from {@code cfg} alone).
   */
  public static TcpConnection connect(
      FourTuple id,
      TcpConfig cfg,
      ConnectionParams params,
      int iss,
      long now,
      ConnectionTracing tracing) {
    if (id == null || id.isRemoteWildcard())
      throw new IllegalArgumentException("active OPEN needs a foreign socket: " + id);
    TcpConnection c = new TcpConnection(id, cfg, params, Origin.ACTIVE, 0, tracing);
    c.snd.start(iss);
    c.setState(TcpState.SYN_SENT, now);
    return c;
  }

  /**
   * Passive OPEN (RFC 9293 §3.10.1): returns a connection in LISTEN. The remote end may be
   * unspecified (null address, port 0); a SYN fills in its port (the engine sees no addresses). The
   * ISS of the answer comes from {@link TcpConfig#isnGenerator()}.
   */
  public static TcpConnection listen(
      FourTuple id, TcpConfig cfg, TraceSink trace, String hostName) {
    TcpConnection c =
        new TcpConnection(id, cfg, null, Origin.LISTEN, 0, new ConnectionTracing(trace, hostName));
    c.setState(TcpState.LISTEN, 0);
    return c;
  }

  /**
   * The stack's passive open: a connection created in LISTEN for this remote endpoint that at once
   * processes the SYN (to SYN-RECEIVED, with a SYN-ACK of sequence number {@code iss} to send). If
   * the segment is not an acceptable SYN, the connection ends CLOSED (with any RST queued).
   */
  public static TcpConnection accept(
      FourTuple id,
      TcpConfig cfg,
      int iss,
      TcpSegment syn,
      long now,
      TraceSink trace,
      String hostName) {
    return accept(id, cfg, iss, syn, Ecn.NOT_ECT, now, trace, hostName);
  }

  /**
   * As {@link #accept(FourTuple, TcpConfig, int, TcpSegment, long, TraceSink, String)}, for a SYN
   * whose IP header carried {@code synEcn} (AccECN's SYN-ACK echoes it, RFC 9768 §3.1.2).
   */
  public static TcpConnection accept(
      FourTuple id,
      TcpConfig cfg,
      int iss,
      TcpSegment syn,
      int synEcn,
      long now,
      TraceSink trace,
      String hostName) {
    return accept(id, cfg, null, iss, syn, synEcn, now, new ConnectionTracing(trace, hostName));
  }

  /**
   * As {@link #accept(FourTuple, TcpConfig, int, TcpSegment, int, long, TraceSink, String)}, with
   * the values the stack derived for the connection ({@code params}; null: from {@code cfg} alone).
   */
  public static TcpConnection accept(
      FourTuple id,
      TcpConfig cfg,
      ConnectionParams params,
      int iss,
      TcpSegment syn,
      int synEcn,
      long now,
      ConnectionTracing tracing) {
    TcpConnection c = new TcpConnection(id, cfg, params, Origin.ACCEPT, iss, tracing);
    c.state =
        TcpState.LISTEN; // created in LISTEN by the stack's listener: no state event of its own
    c.handleSegment(syn, synEcn, now);
    if (c.state == TcpState.LISTEN) c.enterClosed(null, now);
    return c;
  }

  /**
   * The stack's passive open of a SYN that carried a Fast Open option (RFC 7413 §4.2.2), as {@link
   * #accept}: the stack checked the SYN's cookie with its key. With {@code cookieValid} the SYN's
   * data is taken at once (readable in SYN-RECEIVED, acknowledged by the SYN-ACK); without, it is
   * dropped and the peer resends it after the handshake. {@code synAckCookie} (null for none) goes
   * in the SYN-ACK, in the form the SYN's option took.
   */
  public static TcpConnection acceptFastOpen(
      FourTuple id,
      TcpConfig cfg,
      int iss,
      TcpSegment syn,
      boolean cookieValid,
      byte[] synAckCookie,
      long now,
      TraceSink trace,
      String hostName) {
    return acceptFastOpen(
        id,
        cfg,
        null,
        iss,
        syn,
        cookieValid,
        synAckCookie,
        now,
        new ConnectionTracing(trace, hostName));
  }

  /**
   * As {@link #acceptFastOpen(FourTuple, TcpConfig, int, TcpSegment, boolean, byte[], long,
   * TraceSink, String)}, with the values the stack derived ({@code params}; null: from {@code
   * cfg}).
   */
  public static TcpConnection acceptFastOpen(
      FourTuple id,
      TcpConfig cfg,
      ConnectionParams params,
      int iss,
      TcpSegment syn,
      boolean cookieValid,
      byte[] synAckCookie,
      long now,
      ConnectionTracing tracing) {
    TcpConnection c = new TcpConnection(id, cfg, params, Origin.ACCEPT, iss, tracing);
    var option = syn.options().fastOpen();
    c.fastOpen =
        FastOpen.server(cookieValid, synAckCookie, option != null && option.experimental());
    c.state = TcpState.LISTEN;
    c.handleSegment(syn, now);
    if (c.state == TcpState.LISTEN) c.enterClosed(null, now);
    return c;
  }

  /**
   * Makes our SYN carry a Fast Open option (RFC 7413 §4.1.2, §4.2.1): a cookie request when {@code
   * cookie} is empty, else the cookie, which lets the data written before the SYN leaves ride on it
   * (at most the peer's MSS — {@code peerMss}, or the default without one cached — less 40 bytes of
   * options, as Linux's {@code tcp_send_syn_data}). {@code cookie} null with {@code
   * dataWithoutCookie} sends data and no option (Linux's {@code TFO_CLIENT_NO_COOKIE}).
   *
   * @throws IllegalStateException unless the connection is in SYN-SENT with its SYN not yet sent
   */
  public void useFastOpen(
      byte[] cookie, boolean experimental, boolean dataWithoutCookie, int peerMss) {
    if (state != TcpState.SYN_SENT || snd.sndNxt != snd.iss)
      throw new IllegalStateException("fast open needs a SYN not yet sent: " + state);
    fastOpen = FastOpen.client(cookie, experimental, dataWithoutCookie);
    snd.synDataRoom =
        fastOpen.synDataRoom(peerMss > 0 ? Math.min(peerMss, params.mss()) : opts.effectiveMss());
  }

  /**
   * The stack's passive open from a SYN cookie (RFC 4987 §3.6): the listener answered a SYN with a
   * SYN-ACK of sequence number {@code iss} and kept nothing; now {@code ack} returns the cookie.
   * The TCB is rebuilt as it stood when that SYN-ACK left — from {@code restoredSyn}, the SYN the
   * cookie stands for (sequence number SEG.SEQ - 1 and the options the cookie kept) — without
   * tracing that past, and then {@code ack} is processed as in SYN-RECEIVED, which moves the
   * connection to ESTABLISHED. The SYN-ACK is not timed (its send time is unknown, as Linux's
   * cookie requests have no {@code snt_synack}); with timestamps, TSecr gives the RTT sample.
   */
  public static TcpConnection acceptCookie(
      FourTuple id,
      TcpConfig cfg,
      int iss,
      TcpSegment restoredSyn,
      TcpSegment ack,
      long now,
      TraceSink trace,
      String hostName) {
    return acceptCookie(
        id, cfg, null, iss, restoredSyn, ack, now, new ConnectionTracing(trace, hostName));
  }

  /**
   * As {@link #acceptCookie(FourTuple, TcpConfig, int, TcpSegment, TcpSegment, long, TraceSink,
   * String)}, with the values the stack derived ({@code params}; null: from {@code cfg} alone).
   */
  public static TcpConnection acceptCookie(
      FourTuple id,
      TcpConfig cfg,
      ConnectionParams params,
      int iss,
      TcpSegment restoredSyn,
      TcpSegment ack,
      long now,
      ConnectionTracing tracing) {
    TcpConnection c = new TcpConnection(id, cfg, params, Origin.ACCEPT, iss, tracing);
    c.tracer.mute(true);
    c.state = TcpState.LISTEN;
    c.handleSegment(restoredSyn, now);
    if (c.state == TcpState.SYN_RECEIVED) {
      c.pollTransmit(now); // the SYN-ACK the listener already sent
      c.timers.cancelAll(now);
      c.snd.forgetSynTiming(); // Karn's rule: no sample from a send time that is not known
    }
    c.tracer.mute(false);
    if (c.state != TcpState.SYN_RECEIVED) {
      c.enterClosed(null, now);
      return c;
    }
    c.handleSegment(ack, now);
    return c;
  }

  /**
   * Processes an arriving segment (RFC 9293 §3.10.7). Never throws for bad input: an unacceptable
   * segment is dropped, traced with a reason, and answered as the RFC says.
   */
  public Disposition handleSegment(InboundSegment seg, long now) {
    return handleSegment(seg, Ecn.NOT_ECT, now);
  }

  /**
   * Processes an arriving segment whose IP header carried the ECN codepoint {@code ipEcn} (one of
   * {@link Ecn}'s, RFC 3168 §5), as {@link #handleSegment(InboundSegment, long)}.
   */
  public Disposition handleSegment(InboundSegment seg, int ipEcn, long now) {
    if (seg == null) throw new IllegalArgumentException("segment is null");
    // ECN's state is made when the peer's SYN asks for it (or ours does): few connections need it.
    if (ecn == null && EcnState.asksForEcn(seg) && ecnMode() != TcpConfig.ECN_OFF)
      ecn = new EcnState(cfg, ecnMode());
    if (ecn != null) ecn.onSegment(seg, ipEcn & 0x3, state);
    sendOwedAck(seg, now);
    counters.onArrival(seg, now);
    int una = snd.sndUna;
    int rcvNxt = rcv.rcvNxt;
    boolean rcvKnown = rcv.synReceived;
    // A passive open chooses its ISS while it takes the SYN: SND.UNA moving to it is not an ACK.
    boolean sndKnown = state != TcpState.LISTEN && state != TcpState.CLOSED;
    Disposition d = arrival.process(seg, now);
    counters.onProcessed(una, snd.sndUna, sndKnown, rcvNxt, rcv.rcvNxt, rcvKnown);
    releaseIdleTimers();
    return d;
  }

  /**
   * Gives the timer table back when no timer runs and nothing waits to be sent (which would set the
   * retransmission timer again at once): an idle connection holds none.
   */
  private void releaseIdleTimers() {
    if (!snd.awaitsAllowance()) timers.releaseIfIdle();
  }

  /**
   * Sends at once an ACK still owed when the next segment arrives, so that every segment calling
   * for an immediate ACK gets its own, as in Linux, where the ACK leaves during the segment's
   * processing: RFC 5681 §4.2's duplicate ACK per out-of-order segment is what the sender counts,
   * and a caller may feed several segments before it polls.
   */
  private void sendOwedAck(InboundSegment seg, long now) {
    if (ackDue && !acks.joinsRun(this, seg)) ackNow = true;
    if (ackNow && rcv.synReceived && state.isSynchronized() && state != TcpState.SYN_RECEIVED) {
      // Filled in a queued instance as pollTransmit fills every ACK: no record is made.
      if (replies == null) replies = new ReplyQueue();
      OutboundSegment ack = replies.next();
      SegmentTransmit.fill(this, ack, snd.sndNxt, TcpFlags.ACK, 0, now);
      replies.add(ack);
    }
  }

  /**
   * Fires the timers whose deadline is at or before {@code now} (RFC 9293 §3.10.8), each as {@link
   * Timeouts} says.
   */
  public void handleTimeout(long now) {
    TimerKind kind;
    while ((kind = timers.takeExpired(now)) != null) Timeouts.fire(this, kind, now);
    releaseIdleTimers();
  }

  /**
   * Takes an ICMP error about one of this connection's segments, as Linux's {@code tcp_v4_err} and
   * {@code tcp_v6_err} do: see {@link IcmpErrorHandling} for what each error does in each state.
   */
  public IcmpError.Outcome handleIcmpError(IcmpError error, long now) {
    if (icmpErrors == null) icmpErrors = new IcmpErrorHandling(this);
    return icmpErrors.handle(error, now);
  }

  /**
   * Returns whether keep-alive probes may run in this state: synchronized, with both ends' SYNs
   * acknowledged, not TIME-WAIT.
   */
  boolean keepAliveState() {
    return switch (state) {
      case ESTABLISHED, CLOSE_WAIT, FIN_WAIT_1, FIN_WAIT_2, CLOSING, LAST_ACK -> true;
      default -> false;
    };
  }

  /**
   * Turns keep-alive on or off ({@code SO_KEEPALIVE}); on, the first probe follows {@link
   * TcpConfig#keepAliveIdle()} after the peer was last heard from.
   */
  public void setKeepAlive(boolean on, long now) {
    keepAlive.setOn(on);
    if (on && keepAliveState()) {
      timers.set(TimerKind.KEEPALIVE, Math.max(now, keepAlive.idleDeadline(cfg)), now);
    } else {
      timers.cancel(TimerKind.KEEPALIVE, now);
    }
  }

  /** Returns whether keep-alive probing is on. */
  public boolean keepAlive() {
    return keepAlive.on();
  }

  /**
   * Returns the per-connection options Linux sets with {@code setsockopt} (TCP_USER_TIMEOUT,
   * TCP_KEEPIDLE, TCP_MAXSEG...).
   */
  public ConnectionOptions options() {
    return new ConnectionOptions(this);
  }

  /**
   * Returns the settings the connection runs with now: the user's (the stack's or the socket's),
   * the same object unless an option was set on the connection.
   */
  public TcpConfig config() {
    return cfg;
  }

  /**
   * Returns what the stack derived for this connection: the path's MSS (lowered by {@code
   * TCP_MAXSEG}), the address pair's timestamp offset, the options withheld.
   */
  public ConnectionParams params() {
    return params;
  }

  /**
   * Sets the receive buffer's size ({@code SO_RCVBUF}), 1 byte to 1 GiB, which stops auto-tuning.
   * Unlike Linux we do not double the value: the window offered follows the size given. A larger
   * buffer is announced at once (a window update); a smaller one takes effect as data is read,
   * since the window's right edge never moves left (RFC 9293 §3.8.6.2.2).
   */
  public void setReceiveBufferSize(int bytes, long now) {
    if (bytes < 1 || bytes > (1 << 30))
      throw new IllegalArgumentException("receive buffer size out of range 1..2^30: " + bytes);
    rcv.setBufferSize(bytes, true);
    if (rcv.synReceived
        && state.isSynchronized()
        && !rcv.finReceived
        && rcv.windowUpdateDue(opts.effectiveMss())) ackNow = true;
  }

  /**
   * Returns how many bytes of urgent data the user has yet to read (RFC 9293 §3.8.5, MUST-33): the
   * stream up to RCV.UP, delivered in line; 0 when there is none.
   */
  public int urgentRemaining() {
    return rcv.urgentRemaining();
  }

  /** Returns the receive buffer's size now (auto-tuning may have grown it). */
  public int receiveBufferSize() {
    return rcv.bufferSize();
  }

  /**
   * Sets the send buffer's size ({@code SO_SNDBUF}), 1 byte to 1 GiB; a writer waiting for room
   * hears of a larger one.
   */
  public void setSendBufferSize(int bytes, long now) {
    if (bytes < 1 || bytes > (1 << 30))
      throw new IllegalArgumentException("send buffer size out of range 1..2^30: " + bytes);
    snd.setBufferSize(bytes);
    onSendBufferFreed();
  }

  /** Returns the send buffer's size. */
  public int sendBufferSize() {
    return snd.bufferSize();
  }

  /**
   * Returns the persist timer's interval: the RTO (at least the minimum RTO) doubled per probe
   * already sent, at most the maximum RTO, Linux's {@code tcp_probe0_when} with TCP_RTO_MAX. The
   * doubling saturates: {@code rto << backoff} overflowed once the RTO passed 8.6 s, the deadline
   * fell in the past and the timer fired for ever (issue 12).
   */
  long persistTimeout() {
    return TimeMath.backedOff(
        Math.max(rtt.rto(cfg), cfg.minRto()), snd.persistBackoff, cfg.maxRto());
  }

  /**
   * Chooses this connection's congestion control by name, one of {@link
   * TcpConfig#congestionControls()} (Linux's {@code TCP_CONGESTION}); an unknown name throws {@link
   * IllegalArgumentException}.
   */
  public void setCongestionControl(String name) {
    recovery.setCongestionControl(name);
  }

  /** Returns the name of this connection's congestion control ({@code TCP_CONGESTION}). */
  public String congestionControl() {
    return recovery.congestionControlName();
  }

  /**
   * Turns Nagle's algorithm off ({@code true}: small segments go at once, as Linux's {@code
   * TCP_NODELAY}) or on. Data Nagle (or the cork) was holding goes at the next {@link
   * #pollTransmit}.
   */
  public void setNoDelay(boolean on) {
    Cork.setNoDelay(snd, on);
  }

  /** Returns whether Nagle's algorithm is off. */
  public boolean noDelay() {
    return snd.noDelay;
  }

  /**
   * Returns the next segment to send, or {@code null} when there is none. The caller owns the
   * segment.
   */
  public TcpSegment pollTransmit(long now) {
    OutboundSegment out = new OutboundSegment();
    return pollTransmit(now, out) ? out.toSegment() : null;
  }

  /**
   * Fills {@code out} with the next segment to send and returns true, or returns false when there
   * is none; as {@link #pollTransmit(long)}, but the payload is lent from the send buffer, not
   * copied: the caller writes {@code out} into its packet before the next call on this connection
   * (the stack does, so each payload byte is copied once, from the send buffer into the packet).
   */
  public boolean pollTransmit(long now, OutboundSegment out) {
    return SegmentTransmit.poll(this, now, out);
  }

  /**
   * As {@link #pollTransmit(long, OutboundSegment)}, for a caller that would put up to {@code
   * frameSegments} segments of this connection in one offloaded write starting with this one (1
   * when it cannot): new data that would leave as a partial write may wait for the ACK due next, as
   * Linux's {@code tcp_tso_should_defer} ({@link TcpConfig#tsoDeferral()}); the pacing timer bounds
   * the wait.
   */
  public boolean pollTransmit(long now, OutboundSegment out, int frameSegments) {
    return SegmentTransmit.poll(this, now, out, frameSegments);
  }

  /** Returns the next deadline in ns, {@link Long#MAX_VALUE} when no timer runs. */
  public long pollTimeout() {
    return timers.next();
  }

  /** Returns the next event for the user, or {@code null}. */
  public ConnectionEvent pollEvent() {
    ConnectionEvent e = nextEvent;
    nextEvent = laterEvents == null ? null : laterEvents.poll();
    return e;
  }

  /**
   * SEND (RFC 9293 §3.10.2): copies as much of {@code data} as the send buffer takes, advancing its
   * position (the caller keeps the buffer), and returns the count, possibly 0; a {@link
   * ConnectionEvent.Writable} follows when room frees. Data queued before ESTABLISHED goes out once
   * the handshake completes.
   *
   * @throws TcpException "connection does not exist" in CLOSED (or the error that closed it),
   *     "foreign socket unspecified" in LISTEN without a remote end, "connection closing" after
   *     CLOSE
   */
  public int send(ByteBuffer data, long now) {
    switch (state) {
      case CLOSED -> throw closedException();
      case LISTEN -> {
        // §3.10.2 LISTEN: "If the foreign socket is specified, then change the connection from
        // passive to active, select an ISS. Send a SYN segment... Enter SYN-SENT state."
        if (id.isRemoteWildcard()) throw new TcpException(TcpError.FOREIGN_SOCKET_UNSPECIFIED);
        snd.start(cfg.isnGenerator().isn(id, now));
        setState(TcpState.SYN_SENT, now);
      }
      case SYN_SENT, SYN_RECEIVED, ESTABLISHED, CLOSE_WAIT -> {}
      case FIN_WAIT_1, FIN_WAIT_2, CLOSING, LAST_ACK, TIME_WAIT ->
          throw new TcpException(TcpError.CONNECTION_CLOSING);
    }
    if (snd.finQueued)
      throw new TcpException(TcpError.CONNECTION_CLOSING); // CLOSE pending in SYN-RECEIVED
    int n = ConnectionOptions.writeWithinLowat(this, data);
    if (data.hasRemaining()) writableWanted = true;
    return n;
  }

  /**
   * RECEIVE (RFC 9293 §3.10.3): moves received data into {@code dst} and returns the count, 0 when
   * none is ready yet, or -1 at the end of the stream (the peer's FIN arrived and everything before
   * it was read), where the RFC answers "connection closing".
   *
   * @throws TcpException "connection does not exist" in CLOSED (or the error that closed it),
   *     "connection closing" after {@link #closeFully}
   */
  public int receive(ByteBuffer dst, long now) {
    if (inputClosed) throw new TcpException(TcpError.CONNECTION_CLOSING);
    // After an orderly close the data received before the FIN stays readable, then the end of
    // the stream; after a reset or an abort the queues were flushed.
    if (state == TcpState.CLOSED && (closedError != null || !rcv.finReceived))
      throw closedException();
    int n = rcv.read(dst);
    if (n > 0 && rcv.queued() == 0) onBufferDrained(now);
    if (n == 0 && rcv.finReceived && rcv.queued() == 0) return -1;
    if (n > 0) rcv.onUserRead(now, rtt.srtt(), params.mss());
    if (n > 0
        && state.isSynchronized()
        && !rcv.finReceived
        && (cfg.choices().windowUpdateWhenDoubled()
            ? rcv.windowDoubled()
            : rcv.windowUpdateDue(opts.effectiveMss()))) {
      ackNow = true; // a window update
    }
    return n;
  }

  /**
   * CLOSE (RFC 9293 §3.10.4): no more sends; a FIN follows the queued data (the half-close of
   * {@code shutdownOutput}). Receiving goes on until the peer's FIN. Closing again is "ok", as the
   * RFC allows for FIN-WAIT and as Linux's {@code shutdown(SHUT_WR)} answers, and never sends a
   * second FIN.
   *
   * @throws TcpException "connection does not exist" in CLOSED
   */
  public void close(long now) {
    switch (state) {
      case CLOSED -> throw closedException();
      // §3.10.4 LISTEN and SYN-SENT: "Delete the TCB, enter CLOSED state, and return."
      case LISTEN, SYN_SENT -> enterClosed(null, now);
      case SYN_RECEIVED -> {
        // "If no SENDs have been issued and there is no pending data to send, then form a FIN
        // segment and send it, and enter FIN-WAIT-1 state; otherwise, queue for processing after
        // entering ESTABLISHED state."
        snd.finQueued = true;
        if (snd.queued() == 0) setState(TcpState.FIN_WAIT_1, now);
      }
      // "Queue this until all preceding SENDs have been segmentized, then form a FIN segment and
      // send it. In any case, enter FIN-WAIT-1 state." (CLOSE-WAIT: "...enter LAST-ACK state".)
      case ESTABLISHED -> {
        snd.finQueued = true;
        setState(TcpState.FIN_WAIT_1, now);
      }
      case CLOSE_WAIT -> {
        snd.finQueued = true;
        setState(TcpState.LAST_ACK, now);
      }
      case FIN_WAIT_1, FIN_WAIT_2, CLOSING, LAST_ACK, TIME_WAIT -> {}
    }
  }

  /**
   * Closes both directions as Linux's {@code close()} does for a socket: if unread data remains the
   * connection is reset at once (RFC 1122 §4.2.2.13, RFC 2525 §2.17); otherwise it is {@link
   * #close}d and the user will not read any more, so data arriving afterwards draws a RST, and an
   * orphaned FIN-WAIT-2 times out after {@link TcpConfig#finWait2Timeout()}.
   */
  public void closeFully(long now) {
    if (state == TcpState.CLOSED) throw closedException();
    if (rcv.queued() > 0 && state.isSynchronized()) {
      resetAndClose(TcpError.CONNECTION_ABORTED, now);
      return;
    }
    inputClosed = true;
    close(now);
    if (state == TcpState.FIN_WAIT_2 && !timers.isSet(TimerKind.FIN_WAIT_2)) {
      timers.set(TimerKind.FIN_WAIT_2, TimeMath.after(now, cfg.finWait2Timeout()), now);
    }
  }

  /**
   * ABORT (RFC 9293 §3.10.5): flushes everything and enters CLOSED, sending a RST from
   * SYN-RECEIVED, ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2 and CLOSE-WAIT.
   *
   * @throws TcpException "connection does not exist" in CLOSED
   */
  public void abort(long now) {
    // §3.10.5: "all queued SENDs and RECEIVEs should be given "reset" responses": nothing stays
    // readable.
    rcv.flush();
    rcv.finReceived = false;
    switch (state) {
      case CLOSED -> throw closedException();
      case SYN_RECEIVED, ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, CLOSE_WAIT ->
          resetAndClose(null, now);
      // LISTEN, SYN-SENT: "delete the TCB"; CLOSING, LAST-ACK, TIME-WAIT: "respond with "ok" and
      // delete the TCB".
      case LISTEN, SYN_SENT, CLOSING, LAST_ACK, TIME_WAIT -> enterClosed(null, now);
    }
  }

  /**
   * Returns the error a timeout reports: the soft error an ICMP message left, while nothing has
   * been acknowledged since (RFC 1122 §4.2.3.9), else {@code timedOut}.
   */
  TcpError timeoutError(TcpError timedOut) {
    return icmpErrors == null ? timedOut : icmpErrors.timeoutError(timedOut);
  }

  /**
   * Sends a RST and enters CLOSED. The RFC's RST is {@code <SEQ=SND.NXT><CTL=RST>}; like Linux's
   * {@code tcp_send_active_reset} it also carries ACK = RCV.NXT, which RFC 9293 allows and which
   * makes it acceptable to a peer in any state.
   */
  void resetAndClose(TcpError error, long now) {
    if (replies != null) replies.clear();
    sendReset(snd.sndNxt, true, rcv.rcvNxt);
    enterClosed(error, now);
  }

  /**
   * Returns the error a user call gets in CLOSED: why the connection closed, or "connection does
   * not exist".
   */
  private TcpException closedException() {
    return new TcpException(closedError != null ? closedError : TcpError.CONNECTION_DOES_NOT_EXIST);
  }

  /**
   * STATUS (RFC 9293 §3.10.6). A CLOSED connection answers with state CLOSED rather than an error,
   * which tools find more useful.
   */
  public Status status() {
    return new Status(
        id,
        state,
        snd.iss,
        snd.sndUna,
        snd.sndNxt,
        snd.sndWnd,
        rcv.irs,
        rcv.rcvNxt,
        rcv.rcvWnd(),
        snd.queued(),
        rcv.queued(),
        opts.effectiveMss(),
        rtt.rto(cfg),
        rtt.srtt());
  }

  /**
   * Returns what the connection knows of itself, as Linux's {@code tcp_info} (see {@link TcpInfo}).
   */
  public TcpInfo info(long now) {
    return TcpInfo.of(this, now);
  }

  public TcpState state() {
    return state;
  }

  /** Returns the options the handshake settled (all off before the peer's SYN). */
  public NegotiatedOptions negotiatedOptions() {
    return opts.negotiated();
  }

  public FourTuple id() {
    return id;
  }

  /**
   * Returns an ISS for a new incarnation after a {@link Disposition#REOPEN}: above anything this
   * one sent, as RFC 1122 §4.2.2.13 requires ("larger than the largest sequence number it used on
   * the previous connection incarnation"); Linux uses SND.NXT + 65537 ({@code tw_isn}).
   */
  public int nextIncarnationIss() {
    return SeqNum.add(snd.sndNxt, 65535 + 2);
  }

  // ---- Helpers shared with SegmentArrival ----

  /** The one place a state changes: traced, and a Connected event on reaching ESTABLISHED. */
  void setState(TcpState to, long now) {
    if (to == state) return;
    tracer.state(now, state, to);
    TcpState from = state;
    state = to;
    // The handshake's time limit runs from our SYN or the peer's, whichever came first.
    boolean handshakeStarts =
        to == TcpState.SYN_SENT || (to == TcpState.SYN_RECEIVED && from == TcpState.LISTEN);
    if (handshakeStarts && cfg.establishmentTimeout() > 0) {
      timers.set(TimerKind.ESTABLISHMENT, TimeMath.after(now, cfg.establishmentTimeout()), now);
    }
    if (to != TcpState.SYN_SENT && to != TcpState.SYN_RECEIVED)
      timers.cancel(TimerKind.ESTABLISHMENT, now);
    if ((from == TcpState.FIN_WAIT_1 || from == TcpState.CLOSING)
        && (to == TcpState.FIN_WAIT_2 || to == TcpState.TIME_WAIT)) {
      emit(new ConnectionEvent.FinAcknowledged());
    }
    if (to == TcpState.ESTABLISHED
        && (from == TcpState.SYN_SENT || from == TcpState.SYN_RECEIVED)) {
      emit(new ConnectionEvent.Connected());
      keepAlive.onHeard(now);
      if (keepAlive.on()) timers.set(TimerKind.KEEPALIVE, keepAlive.idleDeadline(cfg), now);
      if (snd.synRetransmitted) rtt.afterSynTimeout(cfg);
    }
    // Loss recovery runs from the end of the handshake on, also when a CLOSE in SYN-RECEIVED sent
    // our FIN before it (§3.10.4): that FIN must be resent on timeout like any (RFC 9293 §3.8.1).
    boolean handshakeLeft = from == TcpState.SYN_SENT || from == TcpState.SYN_RECEIVED;
    if (handshakeLeft
        && to != TcpState.SYN_RECEIVED
        && to != TcpState.CLOSED
        && to != TcpState.LISTEN) {
      recovery.start(opts.effectiveMss(), now);
    }
  }

  /**
   * Deletes the TCB (RFC 9293 "enter the CLOSED state, delete the TCB"): timers stop, the send
   * queue flushes, the user learns why. Data received before an orderly close stays readable; after
   * an error "all segment queues should be flushed" (§3.10.7.4 second step).
   */
  void enterClosed(TcpError error, long now) {
    if (state == TcpState.CLOSED) return;
    setState(TcpState.CLOSED, now);
    timers.cancelAll(now);
    snd.flush();
    if (error != null) rcv.flush();
    rcv.releaseIdleStorage();
    ackNow = false;
    ackDue = false;
    closedError = error;
    emit(new ConnectionEvent.Closed(error));
  }

  /**
   * Enters TIME-WAIT: every other timer stops and the 2 MSL timer starts (§3.10.7.4 eighth step).
   */
  void enterTimeWait(long now) {
    setState(TcpState.TIME_WAIT, now);
    timers.cancelAll(now);
    snd.releaseIdleStorage();
    rcv.releaseIdleStorage();
    recovery.releaseForTimeWait();
    restartTimeWait(now);
  }

  /** Returns whether no event waits for the user ({@link TimeWaitTcb}). */
  boolean noEventPending() {
    return nextEvent == null;
  }

  /** (Re)starts the 2 MSL timer. */
  void restartTimeWait(long now) {
    long wait =
        cfg.lesson() == Lesson.NO_TIME_WAIT
            ? 0
            : TimeMath.product(2, cfg.msl()); // the lesson cuts 2 MSL to nothing
    timers.set(TimerKind.TIME_WAIT, TimeMath.after(now, wait), now);
  }

  /**
   * Returns a passive connection to LISTEN (RFC 9293 §3.10.7.4, SYN-RECEIVED on RST or SYN): the
   * TCB forgets the half-open connection and the foreign socket given at OPEN is restored.
   */
  void returnToListen(long now) {
    setState(TcpState.LISTEN, now);
    timers.cancelAll(now);
    id = openedAs;
    tracer.rename(id);
    freshTcb();
  }

  /** Returns the ECN mode of the settings, or off when the stack withheld ECN ({@link #params}). */
  private int ecnMode() {
    return params.offersEcn() ? cfg.ecn() : TcpConfig.ECN_OFF;
  }

  private void freshTcb() {
    snd = new Sender(cfg.sendBuffer(), cfg.maxSendBuffer());
    snd.noDelay = cfg.noDelay();
    recovery = new LossRecovery(this);
    ecn = EcnState.asks(ecnMode()) ? new EcnState(cfg, ecnMode()) : null;
    rcv =
        new Receiver(
            cfg.receiveBuffer(),
            cfg.receiveBufferAutoTuning() ? cfg.receiveBufferMax() : cfg.receiveBuffer());
    opts = new OptionsNegotiation(cfg, params, id.isIpv6());
    if (replies != null) replies.clear();
    ackNow = false;
    ackDue = false;
    passiveHandshake = false;
  }

  /**
   * Takes the peer's SYN: IRS, RCV.NXT and the options it settles (window scale applies from now
   * on).
   */
  void onPeerSyn(TcpSegment syn, long now) {
    opts.onPeerSyn(syn, now);
    if (cfg.choices().receiveBufferRoundedUpToMss()) rcv.roundBufferUpTo(opts.effectiveMss());
    rcv.rcvShift = (byte) opts.rcvShift();
    rcv.peerSegmentSize = opts.effectiveMss();
    rcv.onSyn(syn.sequenceNumber(), opts.windowRoundingMss(true));
  }

  /**
   * Returns the ISS of a passive open: given by the stack, or from the ISN generator (RFC 6528).
   */
  int passiveIss(long now) {
    return origin == Origin.ACCEPT ? snd.iss : cfg.isnGenerator().isn(id, now);
  }

  /**
   * Returns RCV.WND as arriving segments are tested against it (§3.10.7.4 first step): the window
   * announced, or with {@link TcpChoices#receiveWindowIsBufferSpace} the free buffer space when
   * larger, once there is a full TCB (FreeBSD's syncache keeps a passive half-open connection at
   * the window it announced).
   */
  int acceptanceWindow() {
    int announced = rcv.rcvWnd();
    if (!cfg.choices().receiveWindowIsBufferSpace()
        || (passiveHandshake && state == TcpState.SYN_RECEIVED)) return announced;
    return Math.max(announced, rcv.freeSpace());
  }

  /**
   * Fills in the foreign port of a LISTEN with an unspecified one (§3.10.7.2 third: "fill in the
   * foreign socket").
   */
  void bindRemote(int remotePort) {
    if (id.remotePort() != 0) return;
    id = id.withRemote(id.remoteAddress(), remotePort);
    tracer.rename(id);
  }

  /**
   * Queues a RST, {@code <SEQ=seq><CTL=RST>} or, with {@code ack}, {@code
   * <SEQ=seq><ACK=ackNumber><CTL=RST,ACK>}.
   */
  void sendReset(int seq, boolean ack, int ackNumber) {
    reply(
        TcpSegment.of(
            id.localPort(),
            id.remotePort(),
            seq,
            ack ? ackNumber : 0,
            TcpFlags.RST | (ack ? TcpFlags.ACK : 0),
            0));
  }

  /**
   * Queues a probe: an ACK with SEG.SEQ = SND.UNA - 1 and no data, which the peer must answer with
   * an ACK carrying its window (a keep-alive, RFC 1122 §4.2.3.6, or a zero-window probe, RFC 9293
   * §3.8.6.1, both as Linux sends them).
   */
  void sendProbe(long now) {
    reply(buildSegment(SeqNum.add(snd.sndUna, -1), TcpFlags.ACK, now));
  }

  /**
   * Queues the RST that answers an unacceptable segment (RFC 9293 §3.10.7.1), unless it is a RST
   * itself.
   */
  void resetReplyTo(InboundSegment seg) {
    TcpSegment rst = resetFor(seg);
    if (rst != null) reply(rst);
  }

  /**
   * Returns the RST that answers a segment for which no connection exists (RFC 9293 §3.10.7.1):
   * {@code <SEQ=SEG.ACK><CTL=RST>} if it carries an ACK, else {@code
   * <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>}; {@code null} for a RST, which is never answered.
   * The stack uses this for segments that match no connection.
   */
  public static TcpSegment resetFor(InboundSegment seg) {
    if (seg.has(TcpFlags.RST)) return null;
    if (seg.has(TcpFlags.ACK)) {
      return TcpSegment.of(
          /* sourcePort= */ seg.destinationPort(),
          /* destinationPort= */ seg.sourcePort(),
          seg.acknowledgmentNumber(),
          0,
          TcpFlags.RST,
          0);
    }
    int ack = SeqNum.add(seg.sequenceNumber(), seg.segmentLength());
    return TcpSegment.of(
        /* sourcePort= */ seg.destinationPort(),
        /* destinationPort= */ seg.sourcePort(),
        0,
        ack,
        TcpFlags.RST | TcpFlags.ACK,
        0);
  }

  void emit(ConnectionEvent event) {
    if (nextEvent == null) {
      nextEvent = event; // the queue behind it is empty too
    } else {
      if (laterEvents == null) laterEvents = new ArrayDeque<>(4);
      laterEvents.add(event);
    }
  }

  /** Queues a complete segment to send before anything else. */
  private void reply(TcpSegment seg) {
    if (replies == null) replies = new ReplyQueue();
    replies.add(seg);
  }

  /**
   * Starts the reclaim timer when a drained buffer keeps its storage: it goes back once the
   * connection has left it unused for an RTO or two (ByteQueue#reclaim), so a busy connection keeps
   * its buffers and a quiet one holds none (DESIGN.md "Buffers grow on demand").
   */
  void onBufferDrained(long now) {
    if (!timers.isSet(TimerKind.RECLAIM) && (snd.holdsIdleStorage() || rcv.holdsIdleStorage())) {
      timers.set(TimerKind.RECLAIM, TimeMath.after(now, rtt.rto(cfg)), now);
    }
  }

  void reclaimStorage(long now) {
    // Both halves reclaim (no short circuit): each frees what it holds idle.
    boolean sendLeft = snd.reclaimStorage();
    boolean receiveLeft = rcv.reclaimStorage();
    if (sendLeft || receiveLeft)
      timers.set(TimerKind.RECLAIM, TimeMath.after(now, rtt.rto(cfg)), now);
  }

  /** Notes that acknowledged data freed send-buffer room, for a waiting writer. */
  void onSendBufferFreed() {
    if (writableWanted && snd.free() > 0 && ConnectionOptions.belowLowat(this)) {
      writableWanted = false;
      emit(new ConnectionEvent.Writable());
    }
  }

  /**
   * Returns a segment without payload built as {@link SegmentTransmit#fill} builds every segment
   * but RSTs.
   */
  TcpSegment buildSegment(int seq, int flags, long now) {
    return SegmentTransmit.build(this, seq, flags, now);
  }

  /**
   * Returns the payload a new segment may carry: Eff.snd.MSS less the AccECN option it will carry,
   * as Linux's {@code tcp_current_mss} counts every option {@code tcp_established_options} adds
   * (RFC 9293 §3.7.1: the MSS bounds text and options together).
   */
  int segmentMss(long now) {
    int mss = opts.effectiveMss();
    return ecn == null ? mss : mss - ecn.optionBytes(opts.optionRoomLeft(0, 0), rtt.srtt(), now);
  }

  /** Returns our timestamp clock now, in ms, for RTT samples from TSecr (RFC 7323 §4.1). */
  int tsNow(long now) {
    return (int) Math.floorDiv(now, 1_000_000L) + params.timestampOffset();
  }

  /**
   * Returns whether data and our FIN may be sent in this state: every state after the handshake in
   * which our FIN may still be unsent. CLOSING counts: a CLOSE with data queued enters FIN-WAIT-1
   * before the FIN leaves (§3.10.4), and the peer's FIN then moves us on to CLOSING with the data
   * and FIN still to go, which Linux sends from any state (found by HostFuzzTest).
   */
  boolean dataAllowed() {
    return switch (state) {
      case ESTABLISHED, CLOSE_WAIT, FIN_WAIT_1, CLOSING, LAST_ACK -> true;
      case SYN_RECEIVED -> FastOpen.serverMaySend(this);
      default -> false;
    };
  }

  @Override
  public String toString() {
    return "TcpConnection[" + id + " " + state + "]";
  }
}
