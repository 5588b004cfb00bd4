package dev.synack.tcp;

import dev.synack.wire.InboundSegment;
import dev.synack.wire.SeqNum;
import dev.synack.wire.TcpFlags;

/**
 * What the sender learns from acknowledgments and timeouts, and what it does about it: RTT samples
 * (RFC 6298, RFC 7323 §4), the SACK scoreboard (RFC 2018, RFC 2883 D-SACK, RFC 6675), loss
 * detection (RACK-TLP, RFC 8985; duplicate ACKs, RFC 5681 §3.2 and RFC 6582 without SACK), the
 * congestion response ({@link CongestionControl}), and undoing it when the retransmissions prove
 * spurious (D-SACK, RFC 3708; timestamps, RFC 3522 Eifel).
 *
 * <p>The phases are Linux's congestion-avoidance states ({@code tcp_ca_state}):
 *
 * <pre>
 *   OPEN      nothing odd: cwnd grows
 *   DISORDER  SACKs or duplicate ACKs seen, nothing given up yet: cwnd holds, limited transmit (RFC 3042)
 *   RECOVERY  a loss detected by ACKs: fast retransmit and recovery until the recovery point is acknowledged
 *   LOSS      after a retransmission timeout: everything outstanding is resent, cwnd restarts from one segment
 * </pre>
 *
 * The sender may send while cwnd − pipe allows ({@link #allowance}); pipe counts SACKed and lost
 * segments out and retransmissions in (RFC 6675 §4). Without SACK, each duplicate ACK stands for
 * one segment that left the network, as Linux's {@code tcp_add_reno_sack}: that is limited
 * transmit, and the window inflation of RFC 6582 in another form.
 */
final class LossRecovery {
  /** Linux's congestion-avoidance states. */
  enum Phase {
    OPEN,
    DISORDER,
    RECOVERY,
    LOSS
  }

  /** RFC 5681 §3.2: the duplicate ACKs that trigger a fast retransmit. */
  static final int DUP_THRESH = 3;

  /** Where deliveries go before congestion control starts: nobody learns from them. */
  private static final Scoreboard.DeliveryListener NOTHING_LEARNT =
      (start, end, sentAt, everRetransmitted) -> {};

  private final TcpConnection c;

  /**
   * RACK's state and the congestion control: created with the first data or FIN the connection
   * sends (or at once when traced), so that an established connection that has sent nothing holds
   * neither; {@code null} until then. Nothing they would have learnt before is lost: ACKs that
   * deliver nothing teach RACK nothing, and the window starts as it would have.
   */
  private Rack rack;

  private CongestionControl cc;

  /** The algorithm's name: the configuration's, or the socket's {@code TCP_CONGESTION}. */
  private String ccName;

  /**
   * Delivery-rate estimation (draft-cheng-iccrg-delivery-rate-estimation), created with {@link
   * #cc}.
   */
  private DeliveryRate rate;

  /** The pacing of segments, created with {@link #cc}. */
  private Pacer pacer;

  /** The window during fast recovery (RFC 6937); {@code null} until the first recovery. */
  private Prr prr;

  /** Whether the handshake settled the MSS and congestion control may start ({@link #start}). */
  private boolean started;

  private int mss;
  private Phase phase = Phase.OPEN;

  /**
   * RFC 6675 RecoveryPoint, RFC 6582 "recover": SND.NXT when the recovery (or the timeout) began.
   */
  private int recoveryPoint;

  /** Duplicate ACKs without SACK blocks since the last ACK of new data (RFC 5681 §2). */
  private int dupAcks;

  /**
   * Whether the current reduction may still be undone, and its bookkeeping (Linux's {@code
   * undo_marker}).
   */
  private boolean undoArmed;

  /** SND.UNA when the reduction began: D-SACKs above it report our retransmissions. */
  private int undoMarker;

  /**
   * Retransmissions since, less those a D-SACK reported as needless (Linux's {@code undo_retrans}).
   */
  private int undoRetransmissions;

  /** Whether a D-SACK reported one of them. */
  private boolean undoDsackSeen;

  /**
   * TSval of the first retransmission still outstanding, for the Eifel test (RFC 3522 §3.2); valid
   * when {@link #retransmitTsValid}. As Linux's {@code retrans_stamp}, it outlives a recovery whose
   * retransmissions are still in flight.
   */
  private int retransmitTsVal;

  private boolean retransmitTsValid;

  /**
   * Whether an ECN reduction was made, and SND.NXT then: until SND.UNA passes it, no other (RFC
   * 3168 §6.1.2) and no growth.
   */
  private boolean ecnReduced;

  private int ecnWindowEnd;

  /**
   * Whether the peer ever sent a SACK block: until it does, losses are inferred from duplicate
   * ACKs.
   */
  private boolean sackSeen;

  /** The end of the current round trip: a round ends when SND.UNA passes it. */
  private int roundEnd;

  private boolean roundStarted;

  /**
   * Whether cwnd limited the sender during this round or the last, and the most it had in flight
   * (Linux's {@code tcp_is_cwnd_limited}).
   */
  private boolean cwndLimited;

  private boolean cwndLimitedBefore;
  private int maxPipe;
  private int maxPipeBefore;

  /** Whether the armed probe timer allowed for a delayed ACK, one segment being in flight. */
  private boolean probeForOneSegment;

  /** Whether the next segment sent is the probe a {@link TimerKind#LOSS_PROBE} asked for. */
  private boolean probeRequested;

  /**
   * The current ACK's SACK blocks, valid and sorted (RFC 2018 allows 4): left edges at even
   * indexes, right edges after them; allocated with the first SACK block.
   */
  private int[] sackBlocks;

  /** How many SACK blocks of the current ACK SACKed new data. */
  private int sackCount;

  /** The right edge of the current ACK's D-SACK block, when it has one. */
  private int dsackRight;

  LossRecovery(TcpConnection connection) {
    this.c = connection;
  }

  /**
   * Starts congestion control once the connection is established, with the sender MSS: the initial
   * window of RFC 6928, or one segment if our SYN had to be resent (RFC 6928 §2: "If the SYN or
   * SYN/ACK is lost, the initial window used by a sender after a correctly transmitted SYN MUST be
   * one segment").
   */
  void start(int senderMss, long now) {
    if (started) return;
    started = true;
    mss = Math.max(1, senderMss);
    if (c.tracer.enabled()) {
      startMachinery(); // its first sample belongs here in the trace
      traceSample(now);
    }
  }

  /**
   * Lets RACK's state, the congestion control, the delivery-rate estimator, the pacer and PRR go,
   * for good: in TIME-WAIT the connection sends nothing but ACKs, which none of them governs (as
   * Linux's {@code inet_timewait_sock} keeps no {@code tcp_sock}). They were about 490 of the 2,000
   * bytes a TIME-WAIT end held, and sim-conn-rate holds one per cycle for 2 MSL. A traced
   * connection keeps them, so that its trace reads as before.
   */
  void releaseForTimeWait() {
    if (c.tracer.enabled()) return;
    started = false; // machinery() makes none again
    rack = null;
    cc = null;
    rate = null;
    pacer = null;
    prr = null;
    Scoreboard board = c.snd.scoreboardIfMade();
    if (board != null) board.rate(null);
  }

  /** Creates RACK's state and the congestion control, as {@link #start} would have them. */
  private void startMachinery() {
    rack = new Rack(c::tsNow);
    cc =
        CongestionControl.create(
            ccName != null ? ccName : c.cfg.congestionControl(), mss, SlowStart.of(c.cfg));
    rate = new DeliveryRate();
    c.snd.scoreboard().rate(rate);
    pacer = new Pacer();
    if (c.snd.synRetransmitted)
      cc.onRetransmissionTimeout(0, false, 0); // RFC 6928 §2: the window of one segment
  }

  /**
   * Chooses the congestion control by name (Linux's {@code TCP_CONGESTION}). Before the first data
   * it is the one that starts; after, the new algorithm starts afresh from the initial window, with
   * what it needs to learn the path from the ACKs to come.
   */
  void setCongestionControl(String name) {
    if (!CongestionControl.REGISTRY.containsKey(name)) {
      throw new IllegalArgumentException(
          "unknown congestion control " + name + ", expected one of " + CongestionControl.NAMES);
    }
    ccName = name;
    if (cc != null && !cc.name().equals(name))
      cc = CongestionControl.create(name, mss, SlowStart.of(c.cfg));
  }

  /** Returns the name of the congestion control this connection uses or will use. */
  String congestionControlName() {
    return cc != null ? cc.name() : ccName != null ? ccName : c.cfg.congestionControl();
  }

  /**
   * Returns congestion control's state, created first if the connection is established; {@code
   * null} before.
   */
  private CongestionControl machinery() {
    if (cc == null && started) startMachinery();
    return cc;
  }

  Phase phase() {
    return phase;
  }

  /** Returns the congestion control, {@code null} before the connection is established. */
  CongestionControl congestionControl() {
    return machinery();
  }

  /** Returns RACK's state, {@code null} before the connection is established. */
  Rack rack() {
    machinery();
    return rack;
  }

  /** Returns cwnd in bytes, {@link Integer#MAX_VALUE} before the connection is established. */
  int cwnd() {
    if (machinery() == null) return Integer.MAX_VALUE;
    // RFC 6937: during fast recovery PRR sets the window; congestion control's is already ssthresh,
    // the target.
    return phase == Phase.RECOVERY && prr != null && !cc.ownsRecoveryWindow()
        ? prr.cwnd()
        : cc.cwnd();
  }

  /** Returns pipe, the bytes estimated in flight (RFC 6675 §4). */
  int pipe() {
    Scoreboard board = c.snd.scoreboard();
    int pipe = board.pipe();
    if (!c.opts.sackOk()) {
      // Linux's tcp_limit_reno_sacked: the duplicate ACKs stand for at most all but the holes.
      long dupAcked = (long) dupAcks * mss;
      pipe -=
          (int)
              Math.min(
                  dupAcked,
                  Math.max(0, board.outstandingBytes() - Math.max(board.lostBytes(), mss)));
    }
    return Math.max(0, pipe);
  }

  /**
   * Returns how many more bytes congestion control lets into the network: cwnd − pipe (RFC 6675 §5
   * step C).
   */
  int allowance() {
    if (machinery() == null) return Integer.MAX_VALUE;
    return Math.max(0, cwnd() - pipe());
  }

  // ---- Acknowledgments ----

  /**
   * Takes an acceptable ACK, SND.UNA =< SEG.ACK =< SND.NXT, before the send window is updated (RFC
   * 9293 §3.10.7.4 fifth step), {@code window} being its scaled SEG.WND. A new SEG.ACK moves
   * SND.UNA and frees the send buffer; returns the data bytes freed.
   */
  int onAck(InboundSegment seg, int window, long now) {
    Sender snd = c.snd;
    Scoreboard board = snd.scoreboardIfMade(); // null: nothing sent after the SYN yet
    int ack = seg.acknowledgmentNumber();
    boolean advanced = snd.acksNew(ack);
    int priorUna = snd.sndUna;
    int priorSacked = board == null ? 0 : board.sackedBytes();
    int priorPipe = cc == null ? 0 : pipe();
    boolean hasEcr = c.opts.timestampsOk() && seg.hasTimestamps() && seg.tsEcr() != 0;
    int ecr = hasEcr ? seg.tsEcr() : 0;
    if (rack != null) rack.onAckArrival(now, hasEcr, ecr);

    int freed = 0;
    long rttSample = -1;
    if (advanced) {
      freed =
          snd.onAck(
              ack, rack != null ? rack : NOTHING_LEARNT); // no RACK: a FIN sent before ESTABLISHED
      rttSample = snd.rttSample(ack, now);
      long latest = board == null ? Long.MIN_VALUE : board.ackedLatestSentAt();
      if (rttSample < 0 && hasEcr && latest != Long.MIN_VALUE && SeqNum.ge(ecr, c.tsNow(latest))) {
        // RFC 7323 §4.1: TSecr gives a sample where Karn's rule gives none, for resent data, and
        // every ACK that advances SND.UNA gives one. As Linux, the sequence sample comes first
        // (it is precise to the ns, TSecr to the ms); and a TSecr older than the last copy sent
        // is not used: it answers an older copy or repeats an ACK that was lost (RFC 8985 §6.2
        // makes the same test), and would count the time the copies waited as round-trip time.
        rttSample = Math.max(0, SeqNum.diff(c.tsNow(now), ecr)) * 1_000_000L;
      }
      if (rttSample >= 0) c.rtt.sample(rttSample, c.cfg);
    }
    if (cc == null) return freed; // the handshake, or nothing sent yet: no congestion control
    board = snd.scoreboard(); // made with the machinery

    int dsackBytes = c.opts.sackOk() ? takeSackBlocks(seg, ack) : -1;
    boolean dsack = dsackBytes >= 0;
    boolean newlySacked = sackCount > 0;
    rack.onDeliveriesDone();
    if (dsack) onDsack(priorUna, dsackBytes);

    boolean duplicate = !advanced && !newlySacked && !dsack && isDuplicate(seg, window);
    if (duplicate) {
      dupAcks++;
    } else if (advanced) {
      // RFC 6582 partial ACK: each segment it acknowledges takes the place of a duplicate ACK
      // (Linux's tcp_remove_reno_sacks).
      dupAcks =
          phase == Phase.RECOVERY
              ? Math.max(0, dupAcks - Math.max(1, SeqNum.diff(ack, priorUna) / mss))
              : 0;
    }

    if (undoArmed && spurious(advanced, hasEcr, ecr, dsack)) {
      undo(now, dsack ? "D-SACK" : "timestamps"); // RFC 3708, RFC 3522
    }
    Phase before = phase;
    int priorLost = board.lostBytes();
    detectLosses(ack, advanced, now);
    boolean newlyLost = board.lostBytes() > priorLost;
    updatePhase(priorPipe, now);
    if (phase == Phase.RECOVERY) {
      // RFC 6937 §3: DeliveredData = change_in(snd.una) + change_in(SACKd); without SACK a
      // duplicate ACK stands for one segment delivered (rfc6937bis, as RFC 5681's window
      // inflation).
      int delivered = SeqNum.diff(snd.sndUna, priorUna) + board.sackedBytes() - priorSacked;
      if (duplicate && !c.opts.sackOk()) delivered = mss;
      prr.onAck(delivered, pipe(), cc.ssthresh(), advanced && !newlyLost, mss);
    }

    int acked = SeqNum.diff(snd.sndUna, priorUna) + board.sackedBytes() - priorSacked;
    int lost = Math.max(0, board.lostBytes() - priorLost);
    // ECN feedback: ECE (RFC 3168), or the AccECN counters' change (RFC 9768 §3.2.2.5); what it
    // reports CE-marked goes into the rate sample (BBRv3's ECN response), the reduction follows.
    int ce =
        c.ecn == null
            ? 0
            : c.ecn.ceEchoed(seg, priorUna == snd.iss, acked, Math.max(1, c.opts.effectiveMss()));
    if (acked > 0 || lost > 0) {
      // The delivery-rate sample of this ACK, for every algorithm in every phase (Linux's
      // tcp_cong_control).
      long ceBytes = acked > 0 ? Math.min(acked, (long) ce * mss) : 0;
      cc.onRateSample(rate.generate(acked, lost, priorPipe, pipe(), ceBytes, now), phase, now);
      if (cc.holdsBack())
        rate.markAppLimited(pipe()); // PROBE_RTT's samples say nothing of the path
      String change = cc.takeStateChange();
      if (change != null) c.tracer.note(now, change);
    }
    if (ce > 0) onEcnEcho(now);
    // No growth during recovery, nor on the ACK that ends it (RFC 6582 §3.2 step 3: cwnd =
    // ssthresh),
    // nor in the window of an ECN reduction (Linux's CWR state).
    boolean ecnWindow = ecnReduced && SeqNum.lt(snd.sndUna, ecnWindowEnd);
    if (advanced && phase != Phase.RECOVERY && before != Phase.RECOVERY && !ecnWindow) {
      if (!roundStarted || SeqNum.ge(ack, roundEnd)) startRound(now);
      // RFC 7661 / Linux's tcp_is_cwnd_limited: only a window in use grows.
      if (isCwndLimited())
        cc.onAck(SeqNum.diff(ack, priorUna), rttSample >= 0 ? rttSample : c.rtt.srtt(), now);
    }
    if (rack.probeRepairedLoss(
        ack, dsack, duplicate || (!advanced && !newlySacked && seg.payloadLength() == 0))) {
      // RFC 8985 §7.4.2: only the probe's retransmission arrived, so it repaired a loss: reduce
      // cwnd as for a recovery that is already over (Linux's CWR state).
      cc.onEnterRecovery(snd.flightSize(), now);
      cc.onExitRecovery(now);
      c.tracer.note(now, "the probe repaired a loss: cwnd " + cc.cwnd());
    }
    // Linux's tcp_any_retrans_done: with no retransmission left, the next one starts the Eifel
    // clock anew.
    if (phase == Phase.OPEN
        && board.retransmittedBytes() == 0
        && (board.isEmpty() || !board.has(0, Scoreboard.EVER_RETRANSMITTED))) {
      retransmitTsValid = false;
    }
    // Linux's tcp_sndbuf_expand: room for twice the window, so that the next round has data ready.
    if (advanced) snd.growBuffer(2L * cc.cwnd());
    if (!snd.hasOutstanding()) {
      c.timers.cancel(TimerKind.REORDER, now);
      c.timers.cancel(TimerKind.LOSS_PROBE, now);
    }
    traceSample(now);
    return freed;
  }

  /**
   * Takes an ACK with ECE on an ECN connection (RFC 3168 §6.1.2): the sender reduces the window as
   * for a loss, "the congestion window (cwnd) is halved and the slow start threshold (ssthresh) is
   * reduced", without resending anything, at most once per window of data; and sets CWR on the next
   * new data. A recovery under way is that window's reduction already (its CWR was queued). Nothing
   * undoes it: a mark is not a loss that may prove spurious (Linux's {@code tcp_enter_cwr}).
   */
  private void onEcnEcho(long now) {
    Sender snd = c.snd;
    if (phase != Phase.OPEN && phase != Phase.DISORDER) return;
    if (ecnReduced && SeqNum.lt(snd.sndUna, ecnWindowEnd)) return;
    cc.onEcnEcho(snd.flightSize(), now);
    ecnReduced = true;
    ecnWindowEnd = snd.sndNxt;
    undoArmed = false;
    if (c.ecn != null) c.ecn.onReduction();
    c.counters.ecnReductions++;
    c.tracer.note(now, "ECN echo: cwnd reduced to " + cc.cwnd());
  }

  /**
   * Returns whether an ACK is a duplicate in RFC 5681 §2's sense: data is outstanding, it carries
   * no data, no SYN or FIN, acknowledges SND.UNA and leaves the window as it was.
   */
  private boolean isDuplicate(InboundSegment seg, int window) {
    Sender snd = c.snd;
    return snd.hasOutstanding()
        && seg.payloadLength() == 0
        && !seg.has(TcpFlags.SYN)
        && !seg.has(TcpFlags.FIN)
        && seg.acknowledgmentNumber() == snd.sndUna
        && window == snd.sndWnd;
  }

  /**
   * Reads the SACK blocks of an ACK onto the scoreboard (RFC 2018 §3), after its cumulative part;
   * returns the bytes of its D-SACK block (RFC 2883 §4: the first block lies below SEG.ACK or
   * inside the second), or -1 when it has none. Blocks outside SND.UNA..SND.NXT are ignored.
   */
  private int takeSackBlocks(InboundSegment seg, int ack) {
    sackCount = 0;
    int count = seg.sackBlockCount();
    if (count == 0) return -1;
    sackSeen = true;
    Sender snd = c.snd;
    int dsackBytes = -1;
    int firstLeft = seg.sackLeft(0);
    int firstRight = seg.sackRight(0);
    boolean firstValid =
        SeqNum.lt(firstLeft, firstRight)
            && SeqNum.diff(firstRight, firstLeft) <= Math.max(snd.maxSndWnd, mss);
    if (firstValid
        && (SeqNum.lt(firstLeft, ack)
            || (count > 1
                && SeqNum.ge(firstLeft, seg.sackLeft(1))
                && SeqNum.le(firstRight, seg.sackRight(1))))) {
      dsackBytes = SeqNum.diff(firstRight, firstLeft);
      dsackRight = firstRight;
    }
    if (sackBlocks == null) sackBlocks = new int[8];
    int[] sorted = sackBlocks;
    int n = 0;
    for (int i = dsackBytes >= 0 ? 1 : 0; i < count && n < 4; i++) {
      int left = SeqNum.max(seg.sackLeft(i), ack);
      int right = seg.sackRight(i);
      if (!SeqNum.lt(left, right) || SeqNum.gt(right, snd.sndNxt)) continue;
      int at = n++;
      while (at > 0 && SeqNum.gt(sorted[2 * (at - 1)], left)) {
        sorted[2 * at] = sorted[2 * (at - 1)];
        sorted[2 * at + 1] = sorted[2 * (at - 1) + 1];
        at--;
      }
      sorted[2 * at] = left;
      sorted[2 * at + 1] = right;
    }
    for (int i = 0; i < n; i++) {
      if (snd.scoreboard().sack(sorted[2 * i], sorted[2 * i + 1], rack) > 0) sackCount++;
    }
    return dsackBytes;
  }

  /**
   * Takes a D-SACK (RFC 2883): it widens RACK's reordering window (RFC 8985 §6.2 step 4), and, for
   * data we retransmitted in this reduction, counts toward undoing it (RFC 3708 §3; Linux's {@code
   * tcp_check_dsack}: the block ends at or below the old SND.UNA and above the undo marker).
   */
  private void onDsack(int priorUna, int bytes) {
    Sender snd = c.snd;
    c.counters.dsackDups++;
    rack.onDsack(snd.sndUna, snd.sndNxt);
    if (undoArmed && SeqNum.le(dsackRight, priorUna) && SeqNum.gt(dsackRight, undoMarker)) {
      undoRetransmissions -= Math.max(1, (bytes + mss - 1) / mss);
      undoDsackSeen = true;
    }
  }

  /**
   * Returns whether the last reduction was needless: every retransmission since was D-SACKed (RFC
   * 3708 §3; this may come after the recovery ended, as Linux's {@code tcp_try_undo_dsack}), or,
   * during the recovery, an ACK that advanced echoes a TSval older than our first retransmission,
   * so that the original transmission arrived (RFC 3522 §3.2; Linux's {@code tcp_packet_delayed}).
   */
  private boolean spurious(boolean advanced, boolean hasEcr, int ecr, boolean dsack) {
    if (dsack && undoDsackSeen && undoRetransmissions <= 0) return true;
    return (phase == Phase.RECOVERY || phase == Phase.LOSS)
        && advanced
        && hasEcr
        && retransmitTsValid
        && SeqNum.lt(ecr, retransmitTsVal);
  }

  /**
   * Undoes the reduction (Linux's {@code tcp_undo_cwnd_reduction}): cwnd and ssthresh come back,
   * nothing stays marked lost.
   */
  private void undo(long now, String evidence) {
    cc.onSpuriousCongestionEvent(now);
    c.snd.scoreboard().clearLost();
    // The "loss" was reordering: RACK waits a reordering window from now on (RFC 8985 §6.2).
    rack.onReorderingSeen();
    undoArmed = false;
    dupAcks = 0;
    if (phase == Phase.RECOVERY || phase == Phase.LOSS) rack.onRecoveryEnd();
    phase = Phase.OPEN;
    c.tracer.note(now, "spurious retransmission (" + evidence + "): cwnd back to " + cc.cwnd());
  }

  /**
   * Marks what the ACKs show lost: by RACK with SACK (RFC 8985), by DupThresh (RFC 6675), or as RFC
   * 5681/6582 without SACK.
   */
  private void detectLosses(int ack, boolean advanced, long now) {
    Scoreboard board = c.snd.scoreboard();
    if (board.isEmpty()) return;
    if (c.opts.sackOk() && board.sackedBytes() > 0) {
      if (c.cfg.rack()) {
        runRack(now);
      } else {
        board.markLostByDupThresh(DUP_THRESH, mss);
      }
      return;
    }
    if (c.opts.sackOk() && c.cfg.rack())
      runRack(now); // a lost retransmission, or segments sent before a delivered one
    if (c.opts.sackOk() && sackSeen) return;
    // No SACK information: the third duplicate ACK means SND.UNA's segment is lost (RFC 5681 §3.2
    // step 2); in recovery a partial ACK means the next one is (RFC 6582 §3.2 step 5), provided it
    // was sent before the segment this ACK delivered: one sent after it is merely still on its way
    // (Linux's tcp_newreno_mark_lost would resend it; the ordering test is RACK's, RFC 8985 §6.2).
    if ((phase == Phase.OPEN || phase == Phase.DISORDER) && dupAcks >= DUP_THRESH) {
      board.markLost(0);
    } else if (phase == Phase.RECOVERY
        && advanced
        && SeqNum.lt(ack, recoveryPoint)
        && !board.has(0, Scoreboard.RETRANSMITTED)
        && rack.deliveredSegmentSentAfter(board.sentAt(0), board.end(0))) {
      board.markLost(0);
      c.snd.retransmitAhead = true;
    }
  }

  /** RACK_detect_loss_and_arm_timer (RFC 8985 §6.3). */
  private void runRack(long now) {
    Scoreboard board = c.snd.scoreboard();
    long reoWnd =
        rack.reorderingWindow(
            phase == Phase.RECOVERY || phase == Phase.LOSS, board.sackedSegments(), c.rtt.srtt());
    long timeout = rack.detectLoss(board, reoWnd, now);
    if (timeout > 0) {
      c.timers.set(TimerKind.REORDER, TimeMath.after(now, timeout), now);
    } else {
      c.timers.cancel(TimerKind.REORDER, now);
    }
  }

  /**
   * Leaves a recovery whose point is acknowledged, and enters one when something is marked lost,
   * {@code pipeBefore} being pipe before the ACK that revealed it (RFC 6937's RecoverFS).
   */
  private void updatePhase(int pipeBefore, long now) {
    Sender snd = c.snd;
    Scoreboard board = snd.scoreboard();
    if ((phase == Phase.RECOVERY || phase == Phase.LOSS) && SeqNum.ge(snd.sndUna, recoveryPoint)) {
      if (phase == Phase.RECOVERY) cc.onExitRecovery(now);
      rack.onRecoveryEnd();
      dupAcks = 0;
      phase = Phase.OPEN; // the undo stays armed: a D-SACK may still show the recovery was needless
    }
    if ((phase == Phase.OPEN || phase == Phase.DISORDER) && board.lostBytes() > 0) {
      // RFC 4821 §7.5: a lost PLPMTUD probe says the path is too narrow for it, not that it is
      // congested.
      if (c.mtuProbing != null && c.mtuProbing.probeLostAt(snd.sndUna, now)) {
        onPathMtuFell(now);
        return;
      }
      enterRecovery(pipeBefore, now);
    } else if (phase == Phase.OPEN && (board.sackedBytes() > 0 || dupAcks > 0)) {
      phase = Phase.DISORDER;
    } else if (phase == Phase.DISORDER && board.sackedBytes() == 0 && dupAcks == 0) {
      phase = Phase.OPEN;
    }
  }

  /**
   * Enters fast recovery (RFC 5681 §3.2, RFC 6582, RFC 6675 §5): the recovery point is SND.NXT,
   * cwnd is reduced once.
   */
  private void enterRecovery(int pipeBefore, long now) {
    Sender snd = c.snd;
    phase = Phase.RECOVERY;
    recoveryPoint = snd.sndNxt;
    armUndo();
    // A probe's retransmission in flight may draw a D-SACK of its own, which must not count for
    // this recovery (the Linux fix "tcp: fix incorrect undo caused by DSACK of TLP retransmit").
    if (rack.probeIsRetransmission()) undoRetransmissions++;
    rack.cancelProbe();
    c.timers.cancel(TimerKind.LOSS_PROBE, now);
    cc.onEnterRecovery(snd.flightSize(), now);
    if (c.ecn != null)
      c.ecn.onReduction(); // Linux's tcp_init_cwnd_reduction queues CWR for every reduction
    if (prr == null) prr = new Prr();
    prr.start(pipeBefore, mss);
    snd.retransmitAhead = true;
    c.tracer.note(
        now,
        "loss detected: fast recovery, cwnd "
            + cc.cwnd()); // congestion control's: ssthresh, where PRR leads
  }

  /**
   * Starts the bookkeeping that may undo a reduction (Linux's {@code tcp_init_undo}): the
   * retransmissions still in flight count as this reduction's, since a D-SACK may answer them.
   */
  private void armUndo() {
    undoArmed = true;
    undoMarker = c.snd.sndUna;
    undoRetransmissions = (c.snd.scoreboard().retransmittedBytes() + mss - 1) / mss;
    undoDsackSeen = false;
  }

  private void startRound(long now) {
    roundStarted = true;
    roundEnd = c.snd.sndNxt;
    cwndLimitedBefore = cwndLimited;
    maxPipeBefore = maxPipe;
    cwndLimited = false;
    maxPipe = pipe();
    cc.onRoundStart(now);
  }

  private boolean isCwndLimited() {
    if (cc.inSlowStart()) return cc.cwnd() < 2 * Math.max(maxPipe, maxPipeBefore);
    return cwndLimited || cwndLimitedBefore;
  }

  // ---- Transmissions ----

  /** Notes a segment that left (called after {@link Sender#onSent}). */
  void onSent(Sender.Chunk chunk, long now) {
    if (cc == null || (chunk.flags() & TcpFlags.SYN) != 0) return;
    Sender snd = c.snd;
    int bytes = chunk.length() + ((chunk.flags() & TcpFlags.FIN) != 0 ? 1 : 0);
    if (phase == Phase.RECOVERY) prr.onSent(bytes); // RFC 6937 §3 prr_out
    cc.onSent(bytes, pipe(), rate.appLimited(), now);
    pacer.onSent(bytes, pacingRate(), mss, now);
    if (probeRequested) {
      // RFC 8985 §7.3: TLP.end_seq = SND.NXT, and the RTO restarts from the probe.
      probeRequested = false;
      rack.onProbeSent(snd.sndNxt, chunk.retransmit());
      c.timers.set(TimerKind.RETRANSMIT, TimeMath.after(now, c.rtt.rto(c.cfg)), now);
      c.tracer.note(
          now,
          chunk.retransmit()
              ? "tail loss probe: the last segment again"
              : "tail loss probe: a new segment");
    } else if (chunk.retransmit()) {
      if (undoArmed) undoRetransmissions++;
      if (!retransmitTsValid) {
        retransmitTsVal = c.tsNow(now);
        retransmitTsValid = true;
      }
    } else if (!c.timers.isSet(TimerKind.LOSS_PROBE) || probeForOneSegment) {
      armProbe(now); // armed once per flight, and again when a single segment's PTO no longer fits
    }
    notePipe();
  }

  /**
   * Notes that the sender had nothing it could send (called when {@link Sender#next} returns null).
   */
  void onNothingSent() {
    if (cc == null) return;
    notePipe();
    // draft-cheng-iccrg-delivery-rate-estimation §3.4 (Linux's tcp_rate_check_app_limited): less
    // than a segment to send, room in cwnd, and no loss waiting to be resent: the application is
    // what limits the rate, and the samples until what is in flight is delivered say so.
    Scoreboard board = c.snd.scoreboard();
    int pipe = pipe();
    if (c.snd.unsent() < mss && pipe < cwnd() && board.lostBytes() <= board.retransmittedBytes())
      rate.markAppLimited(pipe);
  }

  // ---- Pacing ----

  /**
   * Returns the pacing rate in bytes per second, 0 for none: congestion control's, or, when the
   * configuration asks for pacing and it gives none, Linux's {@code tcp_update_pacing_rate}: cwnd /
   * SRTT, doubled in slow start and 1.2 times after.
   */
  long pacingRate() {
    if (machinery() == null) return 0;
    long r = cc.pacingRate();
    if (r > 0 || !c.cfg.pacing() || c.rtt.srtt() <= 0) return r;
    double gain = cc.inSlowStart() ? 2.0 : 1.2;
    return (long) (gain * cwnd() * 1e9 / c.rtt.srtt());
  }

  /**
   * Returns whether pacing holds the next segment back at {@code now}, and if so arms the pacing
   * timer for when it may go.
   */
  boolean pacingHolds(long now) {
    if (cc == null || pacer.ready(now) || pacingRate() <= 0) return false;
    c.timers.set(TimerKind.PACING, pacer.nextSend(), now);
    return true;
  }

  private void notePipe() {
    int pipe = pipe();
    maxPipe = Math.max(maxPipe, pipe);
    if (c.snd.blockedByCwnd || pipe >= cwnd()) cwndLimited = true;
  }

  // ---- Timers ----

  /**
   * Arms the tail loss probe (RFC 8985 §7.2) after an ACK of new data or new data sent: with SACK,
   * outside recovery, with nothing SACKed, no probe outstanding, and data in flight; at PTO =
   * 2·SRTT (plus the worst-case delayed ACK for a single segment), never after the RTO.
   */
  void armProbe(long now) {
    if (cc == null) return;
    Sender snd = c.snd;
    Scoreboard board = snd.scoreboard();
    if (!c.opts.sackOk()
        || !c.cfg.rack()
        || phase != Phase.OPEN
        || board.isEmpty()
        || rack.probeOutstanding()) {
      c.timers.cancel(TimerKind.LOSS_PROBE, now);
      return;
    }
    probeForOneSegment = board.outstandingBytes() <= mss;
    long deadline = TimeMath.after(now, Rack.probeTimeout(c.rtt.srtt(), probeForOneSegment));
    if (c.timers.isSet(TimerKind.RETRANSMIT))
      deadline = Math.min(deadline, c.timers.deadline(TimerKind.RETRANSMIT));
    c.timers.set(TimerKind.LOSS_PROBE, deadline, now);
  }

  /**
   * The probe timer fired (RFC 8985 §7.3): sends one new segment if the peer's window allows, or
   * our FIN if it alone is unsent (held back by cwnd: new data first, as Linux's {@code
   * tcp_send_loss_probe} sends its send head), else the last segment again, whatever cwnd says.
   * "After attempting to send a loss probe... the sender MUST re-arm the RTO timer": so a probe
   * whose PTO was capped at the RTO's deadline goes before the RTO, which restarts.
   */
  void onProbeTimeout(long now) {
    Sender snd = c.snd;
    if (cc == null || phase != Phase.OPEN || snd.boardEmpty() || rack.probeOutstanding()) return;
    boolean finWaits = snd.unsent() == 0 && snd.finQueued && !snd.finSent();
    boolean newData = (snd.unsent() > 0 && snd.usableWindow() > 0) || finWaits;
    snd.probe = newData ? Sender.Probe.NEW_DATA : Sender.Probe.LAST_SEGMENT;
    probeRequested = true;
    c.timers.set(TimerKind.RETRANSMIT, TimeMath.after(now, c.rtt.rto(c.cfg)), now);
  }

  /** The reorder timer fired (RFC 8985 §6.3): segments waited long enough to be declared lost. */
  void onReorderTimeout(long now) {
    if (cc == null || c.snd.boardEmpty()) return;
    runRack(now);
    updatePhase(pipe(), now);
    traceSample(now);
  }

  /**
   * Resends what is in flight at the new size after the path MTU fell (RFC 1191 §6.5, RFC 8201
   * §5.2), as Linux's {@code tcp_simple_retransmit}: every segment now too big is marked lost and
   * resent at once, without waiting for the RTO; the recovery (LOSS, until SND.NXT is acknowledged)
   * leaves cwnd and ssthresh as they are, since the segments were lost for their size, not to
   * congestion, and no undo follows.
   */
  void onPathMtuFell(long now) {
    Sender snd = c.snd;
    Scoreboard board = snd.scoreboard();
    int newMss = c.opts.effectiveMss();
    boolean any = false;
    for (int i = 0; i < board.count(); i++) {
      int data = board.length(i) - (board.has(i, Scoreboard.FIN) ? 1 : 0);
      if (data > newMss && !board.has(i, Scoreboard.SACKED)) {
        board.markLost(i);
        any = true;
      }
    }
    if (!any || cc == null) return;
    if (phase != Phase.LOSS) {
      phase = Phase.LOSS;
      recoveryPoint = snd.sndNxt;
    }
    undoArmed = false;
    snd.retransmitAhead = true;
    traceSample(now);
  }

  /**
   * The retransmission timer fired (RFC 6298 §5.4–5.6, RFC 5681 §3.1): the RTO backs off; with data
   * outstanding, congestion control restarts from one segment and everything outstanding is marked
   * lost, the SACK information forgotten (RFC 6675 §5.1), to be resent from SND.UNA.
   */
  void onRetransmissionTimeout(long now) {
    Sender snd = c.snd;
    snd.onTimeout(now, c.rtt.rto(c.cfg));
    c.rtt.backOff(c.cfg);
    if (rack != null) rack.cancelProbe();
    probeRequested = false;
    c.timers.cancel(TimerKind.LOSS_PROBE, now);
    c.timers.cancel(TimerKind.REORDER, now);
    if (snd.boardEmpty()) return;
    if (machinery() == null) {
      // Not started (a FIN sent before the handshake ended): no window to reduce, but what was
      // sent is resent all the same (RFC 9293 §3.8.1).
      snd.scoreboard().markAllLostForgettingSacks();
      return;
    }
    // A timeout during a recovery or after another timeout reduces nothing more (RFC 5681 §3.1;
    // Linux's tcp_enter_loss).
    boolean newEvent = phase == Phase.OPEN || phase == Phase.DISORDER;
    if (newEvent) armUndo();
    cc.onRetransmissionTimeout(snd.flightSize(), newEvent, now);
    phase = Phase.LOSS;
    recoveryPoint = snd.sndNxt;
    dupAcks = 0;
    snd.scoreboard().markAllLostForgettingSacks();
    traceSample(now);
  }

  // ---- Trace ----

  /**
   * Emits a sample of cwnd, SRTT and pipe when one of them changed (at most one per ACK or
   * timeout).
   */
  private void traceSample(long now) {
    if (cc == null || !c.tracer.enabled()) return;
    c.tracer.sample(now, cwnd(), c.rtt.srtt(), pipe());
  }
}
