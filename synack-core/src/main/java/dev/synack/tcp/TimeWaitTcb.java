package dev.synack.tcp;

/**
 * A connection in TIME-WAIT reduced to what that state reads: the 4-tuple, SND.NXT, RCV.NXT and the
 * window last announced, the options agreed, TS.Recent, and the 2 MSL deadline; about 120 bytes
 * against the full connection's 1,300 (Linux's {@code inet_timewait_sock}, which keeps no {@code
 * tcp_sock}: {@code tcp_time_wait} in net/ipv4/tcp_minisocks.c).
 *
 * <p>The host keeps one of these in place of a connection the user let go ({@link #takeFrom}). A
 * segment or an ICMP error for its 4-tuple {@link #revive}s a connection in TIME-WAIT from it,
 * which takes the segment exactly as the original would have (RFC 9293 §3.10.7.4: a resent FIN is
 * ACKed and 2 MSL restart, an old duplicate or data gets an ACK, a RST as RFC 1337 says, a new SYN
 * may reopen the pair as RFC 6191 says); once it has sent its answer and still waits, the host
 * takes the record again. Segments in TIME-WAIT are rare, so the one code path serves both forms.
 */
public final class TimeWaitTcb {
  private final FourTuple id;
  private final TcpConfig cfg;
  private final ConnectionParams params;

  /** The end of 2 MSL (the TIME_WAIT timer's deadline), on the caller's clock. */
  private final long deadline;

  private final long tsRecentTime;
  private final long lastUnacceptableAck;
  private final int iss;
  private final int sndNxt;
  private final int sndWnd;
  private final int sndWl1;
  private final int sndWl2;
  private final int maxSndWnd;
  private final int irs;
  private final int rcvNxt;
  private final int lastAckSent;
  private final int peerSegmentSize;
  private final int rcvBufferSize;
  private final int lastAnnounced;
  private final int rightEdge;
  private final int peerMss;
  private final int pathMss;
  private final int tsRecent;

  /**
   * {@link OptionsNegotiation#negotiatedBits} in bits 0-15, the receiver's shift in 16-19, the
   * origin's ordinal in 20-21, whether the handshake was passive in bit 22.
   */
  private final int bits;

  private TimeWaitTcb(TcpConnection c) {
    this.id = c.id;
    this.cfg = c.cfg;
    this.params = c.params;
    this.deadline = c.timers.deadline(TimerKind.TIME_WAIT);
    this.tsRecentTime = c.opts.tsRecentTime();
    this.lastUnacceptableAck = c.acks.lastUnacceptableAck();
    Sender snd = c.snd;
    this.iss = snd.iss;
    this.sndNxt = snd.sndNxt;
    this.sndWnd = snd.sndWnd;
    this.sndWl1 = snd.sndWl1;
    this.sndWl2 = snd.sndWl2;
    this.maxSndWnd = snd.maxSndWnd;
    Receiver rcv = c.rcv;
    this.irs = rcv.irs;
    this.rcvNxt = rcv.rcvNxt;
    this.lastAckSent = rcv.lastAckSent;
    this.peerSegmentSize = rcv.peerSegmentSize;
    this.rcvBufferSize = rcv.bufferSize();
    this.lastAnnounced = rcv.lastAnnounced();
    this.rightEdge = rcv.rightEdge();
    this.peerMss = c.opts.peerMssOption();
    this.pathMss = c.opts.pathMss();
    this.tsRecent = c.opts.tsRecent();
    this.bits =
        c.opts.negotiatedBits()
            | ((rcv.rcvShift & 0xf) << 16)
            | (c.origin.ordinal() << 20)
            | (c.passiveHandshake ? 1 << 22 : 0);
  }

  /**
   * Takes the record of a connection in TIME-WAIT that the user let go, and closes the connection
   * (its user sees CLOSED and a Closed event without error, as Linux's {@code tcp_time_wait} ends
   * the user's socket with {@code tcp_done}); returns {@code null}, changing nothing, when the
   * connection holds more than the record keeps.
   *
   * <p>The rule: the connection is in TIME-WAIT with its 2 MSL timer the only one running, the user
   * closed both directions ({@link TcpConnection#closeFully}: it reads no more, so nothing it could
   * still see is lost), it is not traced (a trace shows the connection's own timer and state to the
   * end), and it holds nothing the record lacks: no event, ACK or reply waiting, no received data,
   * out-of-order or SACK state, no ECN, Fast Open or PLPMTUD state, no challenge-ACK limiter.
   */
  public static TimeWaitTcb takeFrom(TcpConnection c, long now) {
    if (c.state != TcpState.TIME_WAIT
        || !c.inputClosed
        || c.tracer.enabled()
        || c.ackNow
        || c.ackDue
        || !c.noEventPending()
        || (c.replies != null && !c.replies.isEmpty())
        || c.ecn != null
        || c.fastOpen != null
        || c.mtuProbing != null
        || !c.acks.noChallengeLimiter()
        || !c.rcv.holdsOnlyWindow()
        || c.snd.sndUna != c.snd.sndNxt
        || !c.timers.isSet(TimerKind.TIME_WAIT)) return null;
    for (TimerKind k : TimerKind.values()) {
      if (k != TimerKind.TIME_WAIT && c.timers.isSet(k)) return null;
    }
    TimeWaitTcb tcb = new TimeWaitTcb(c);
    c.enterClosed(null, now);
    return tcb;
  }

  /**
   * Returns a connection in TIME-WAIT made from this record, with its 2 MSL timer at {@link
   * #deadline()}, tracing to {@code tracing}; it takes segments, timeouts and ICMP errors as the
   * connection the record was taken from.
   */
  public TcpConnection revive(ConnectionTracing tracing, long now) {
    TcpConnection.Origin origin = TcpConnection.Origin.values()[(bits >>> 20) & 3];
    TcpConnection c = new TcpConnection(id, cfg, params, origin, 0, tracing);
    c.state = TcpState.TIME_WAIT; // no state event: the connection is the one that entered it
    c.ecn = null;
    c.passiveHandshake = (bits & (1 << 22)) != 0;
    c.inputClosed = true;
    c.snd.restoreTimeWait(iss, sndNxt, sndWnd, sndWl1, sndWl2, maxSndWnd);
    c.rcv.restoreTimeWait(
        irs,
        rcvNxt,
        lastAckSent,
        (bits >>> 16) & 0xf,
        peerSegmentSize,
        rcvBufferSize,
        lastAnnounced,
        rightEdge);
    c.opts.restoreTimeWait(bits & 0xffff, peerMss, pathMss, tsRecent, tsRecentTime);
    c.acks.restoreLastUnacceptableAck(lastUnacceptableAck);
    c.timers.set(TimerKind.TIME_WAIT, deadline, now);
    return c;
  }

  /** Returns the connection's 4-tuple. */
  public FourTuple id() {
    return id;
  }

  /** Returns when 2 MSL end and the 4-tuple is free, on the caller's clock. */
  public long deadline() {
    return deadline;
  }
}
