package dev.synack.tcp;

import dev.synack.wire.Ecn;
import dev.synack.wire.OutboundSegment;
import dev.synack.wire.SeqNum;
import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpSegment;

/**
 * The transmit path of a {@link TcpConnection}, as {@link SegmentArrival} is its arrival path: what
 * the next segment is (queued replies, PLPMTUD probes, new or resent data as congestion control and
 * pacing allow, our FIN, the ACK owed), and how every segment but a RST is filled in. Stateless: it
 * reads and updates the connection's own state, so a connection holds nothing more for it.
 */
final class SegmentTransmit {
  private SegmentTransmit() {}

  /**
   * Fills {@code out} with the next segment {@code c} sends and returns true, or returns false when
   * there is none (see {@link TcpConnection#pollTransmit(long, OutboundSegment)}).
   */
  static boolean poll(TcpConnection c, long now, OutboundSegment out) {
    return poll(c, now, out, 1);
  }

  /**
   * As {@link #poll(TcpConnection, long, OutboundSegment)}, for a caller that would put up to
   * {@code frameSegments} segments of {@code c} in one write starting with this one: new data that
   * would make a partial write may wait for the next ACK ({@link TsoDeferral}).
   */
  static boolean poll(TcpConnection c, long now, OutboundSegment out, int frameSegments) {
    if (c.replies != null && c.replies.pollInto(out)) {
      c.tracer.send(out, now, false);
      c.counters.onSent(0, false, now);
      return true;
    }
    if (c.state == TcpState.CLOSED || c.state == TcpState.LISTEN) return false;
    // Congestion control is asked only when something it limits waits: it starts with the first
    // data.
    int allowance = c.snd.awaitsAllowance() ? c.recovery.allowance() : 0;
    Sender.Chunk chunk = null;
    int probe = 0;
    if (c.cfg.mtuProbing() != TcpConfig.MTU_PROBING_OFF) {
      c.mtuProbing = MtuProbing.startIfAlways(c, c.mtuProbing, now);
      if (c.mtuProbing != null) {
        c.mtuProbing.onAcknowledged(c.snd.sndUna, now);
        probe = c.dataAllowed() ? c.mtuProbing.probePayload(allowance, now) : 0;
        if (probe > 0)
          chunk = c.snd.next(probe, true, allowance); // RFC 4821 §7.4: the probe carries new data
      }
    }
    // A probe waiting for room in cwnd holds new data back (Linux's tcp_mtu_probe returning 0).
    if (chunk == null)
      chunk = c.snd.next(c.segmentMss(now), c.dataAllowed() && probe >= 0, allowance);
    if (chunk == null && probe < 0) c.snd.blockedByCwnd = true;
    // Pacing holds data back until its time (the pacing timer is armed); ACKs still go below.
    boolean paced =
        chunk != null && (chunk.flags() & TcpFlags.SYN) == 0 && c.recovery.pacingHolds(now);
    // A partial offloaded write waits for the ACK due next, as Linux's tcp_tso_should_defer.
    if (!paced && chunk != null && probe <= 0)
      paced = TsoDeferral.holds(c, chunk, c.segmentMss(now), frameSegments, now);
    if (paced) chunk = null;
    else if (chunk == null) c.recovery.onNothingSent();
    int segments = 1;
    if (chunk != null && frameSegments > 1 && probe == 0)
      segments =
          c.snd.extendRun(chunk, c.segmentMss(now), runBytes(c, frameSegments, now), allowance);
    if (chunk != null) {
      // PSH on the segment that ends the queued data, first sent or resent, as Linux marks the last
      // of a write.
      boolean push =
          chunk.length() > 0 && SeqNum.add(chunk.seq(), chunk.length()) == c.snd.endOfData();
      int flags = chunk.flags() | (push ? TcpFlags.PSH : 0);
      fill(c, out, chunk.seq(), flags, chunk.length(), chunk.retransmit(), now);
      c.snd.lendPayload(chunk, out);
      c.snd.onSent(chunk, now);
      if (segments > 1) out.segmentSize(c.segmentMss(now));
      if (c.writableWanted && !chunk.retransmit())
        c.onSendBufferFreed(); // TCP_NOTSENT_LOWAT: sending makes room too
      c.tracer.send(out, now, chunk.retransmit());
      c.counters.onSent(chunk.length(), chunk.retransmit(), now);
      if (segments > 1) c.counters.onRunSegments(segments - 1);
      // RFC 6298 §5.1: start the timer when a segment with data (SYN and FIN count) leaves and it
      // is not running.
      if (!c.timers.isSet(TimerKind.RETRANSMIT))
        c.timers.set(TimerKind.RETRANSMIT, TimeMath.after(now, c.rtt.rto(c.cfg)), now);
      c.recovery.onSent(chunk, now);
      if (c.mtuProbing != null)
        c.mtuProbing.onSent(chunk.seq(), chunk.length(), chunk.retransmit(), now);
      c.timers.cancel(TimerKind.PERSIST, now);
      if (c.cfg.userTimeout() > 0 && !c.timers.isSet(TimerKind.USER_TIMEOUT)) {
        c.timers.set(TimerKind.USER_TIMEOUT, TimeMath.after(now, c.cfg.userTimeout()), now);
      }
      return true;
    }
    if (!paced
        && c.dataAllowed()
        && c.snd.unsent() > 0
        && !c.snd.hasOutstanding()
        && !c.timers.isSet(TimerKind.PERSIST)) {
      c.timers.set(
          TimerKind.PERSIST,
          TimeMath.after(now, c.persistTimeout()),
          now); // the peer's window is closed, or too small to use
    }
    if ((c.ackNow || c.ackDue) && c.rcv.synReceived) {
      // FreeBSD resends an unacknowledged FIN with every ACK it owes
      // (TcpChoices.finRepeatedOnAcks).
      boolean repeatFin =
          c.cfg.choices().finRepeatedOnAcks()
              && !c.challengeOnly
              && c.snd.finSent()
              && !c.snd.finAcked();
      if (repeatFin) {
        fill(c, out, c.snd.finSeq(), TcpFlags.FIN, 0, now);
      } else {
        fill(c, out, c.snd.sndNxt, TcpFlags.ACK, 0, now);
      }
      c.tracer.send(out, now, false);
      c.counters.onSent(0, false, now);
      return true;
    }
    return false;
  }

  /**
   * Returns the most new data one offloaded write of {@code c} carries: {@code frameSegments}
   * segments, no more than 64 KiB of payload, and no more than about 1 ms at the pacing rate, at
   * least two segments (Linux's {@code tcp_tso_autosize}: {@code sk_pacing_rate >>
   * sk_pacing_shift}, 2^10, beside {@code tcp_min_tso_segs}).
   */
  static int runBytes(TcpConnection c, int frameSegments, long now) {
    int mss = Math.max(1, c.segmentMss(now));
    long bytes = (long) Math.min(frameSegments, TsoDeferral.MAX_FRAME_PAYLOAD / mss) * mss;
    long rate = c.recovery.pacingRate();
    if (rate > 0) bytes = Math.min(bytes, Math.max(2L * mss, rate >> 10));
    return (int) bytes;
  }

  /** Returns a segment without payload built as {@link #fill} builds every segment but RSTs. */
  static TcpSegment build(TcpConnection c, int seq, int flags, long now) {
    OutboundSegment out = new OutboundSegment();
    fill(c, out, seq, flags, 0, now);
    return out.toSegment();
  }

  /**
   * Fills in every segment this connection sends but RSTs: our ports, the given sequence number and
   * flags, ACK = RCV.NXT once the peer's SYN is known (every segment but the first SYN carries
   * ACK), the window (unscaled in a SYN, RFC 7323 §2.2), and the options (the SYN's, or the
   * timestamps option once negotiated, with SACK blocks beside {@code payloadLength} bytes of
   * text). The payload, if any, is the caller's to add.
   */
  static void fill(
      TcpConnection c, OutboundSegment out, int seq, int flags, int payloadLength, long now) {
    fill(c, out, seq, flags, payloadLength, false, now);
  }

  private static void fill(
      TcpConnection c,
      OutboundSegment out,
      int seq,
      int flags,
      int payloadLength,
      boolean retransmit,
      long now) {
    boolean syn = (flags & TcpFlags.SYN) != 0;
    if (c.ecn != null)
      flags =
          syn
              ? flags | c.ecn.synFlags(c.rcv.synReceived, retransmit)
              : c.ecn.flags(flags, payloadLength, retransmit);
    int ack = 0;
    if (c.rcv.synReceived) {
      flags |= TcpFlags.ACK;
      ack = c.rcv.rcvNxt;
      c.ackNow = false;
      c.ackDue = false;
      c.challengeOnly = false;
      c.rcv.onAckSent();
      c.timers.cancel(TimerKind.DELAYED_ACK, now); // this segment carries the ACK that waited
    }
    int window =
        syn ? c.rcv.synWindow(c.opts.windowRoundingMss(c.rcv.synReceived)) : c.rcv.windowField();
    out.header(c.id.localPort(), c.id.remotePort(), seq, ack, flags, window);
    if (!syn) out.ecn(c.ecn == null ? Ecn.NOT_ECT : c.ecn.codepoint(payloadLength, retransmit));
    if (syn) {
      var options = c.opts.synOptions(c.rcv.synReceived, c.tsNow(now));
      if (c.fastOpen != null) options = c.fastOpen.addTo(options);
      out.options(c.ecn == null ? options : c.ecn.withSynAckOption(options));
    } else {
      int blocks = sackBlocks(c, flags, payloadLength);
      c.opts.segmentOptions(out, c.tsNow(now), c.rcv.sackEdges(), blocks);
      if (c.ecn != null)
        c.ecn.addOption(
            out,
            c.opts.optionRoomLeft(payloadLength, blocks),
            c.rtt.srtt(),
            now); // RFC 9768 §3.2.3
    }
  }

  /**
   * Returns the SACK blocks a segment with ACK carries (RFC 2018 §4: "include a SACK option in all
   * ACKs which do not ACK the highest sequence number in the data receiver's queue"), as many as
   * fit beside its text; none unless SACK-permitted was agreed. Returns how many, their edges in
   * {@link Receiver#sackEdges}.
   */
  private static int sackBlocks(TcpConnection c, int flags, int payloadLength) {
    if (!c.opts.sackOk() || (flags & TcpFlags.ACK) == 0) return 0;
    return c.rcv.sackBlocks(c.opts.sackBlockRoom(payloadLength));
  }
}
