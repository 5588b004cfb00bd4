package dev.synack.tcp;

import dev.synack.wire.InboundSegment;
import dev.synack.wire.OutboundSegment;
import dev.synack.wire.SeqNum;
import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpOption;
import dev.synack.wire.TcpOptions;
import dev.synack.wire.TcpSegment;
import java.util.ArrayList;
import java.util.List;

/**
 * The options of the handshake and what they settle: the MSS each way (RFC 9293 §3.7.1, with the
 * path MTU's limit), window scale (RFC 7323 §2), SACK-permitted (RFC 2018 §2) and timestamps (RFC
 * 7323 §3–5: TS.Recent, PAWS). An option is in use only when both SYNs carried it.
 */
final class OptionsNegotiation {
  /** Bytes the timestamps option takes in a segment, padding included (NOP, NOP, TS). */
  static final int TIMESTAMPS_ALIGNED = 12;

  /** The option space of a TCP header: 60 bytes at most, less the 20 of the fixed header. */
  private static final int MAX_OPTION_SPACE = 40;

  /** Bytes a SACK option takes besides its blocks: two NOPs, kind and length. */
  private static final int SACK_OVERHEAD = 4;

  /** Bytes per SACK block: left and right edge. */
  private static final int SACK_BLOCK_BYTES = 8;

  /** Linux's {@code tcp_min_snd_mss}: a peer's MSS below this is raised to it (CVE-2019-11479). */
  static final int MIN_PEER_MSS = 48;

  /** RFC 7323 §5.5: TS.Recent older than 24 days is no longer valid for PAWS. */
  private static final long PAWS_IDLE_NANOS = 24L * 24 * 3600 * 1_000_000_000L;

  private final TcpConfig cfg;

  /**
   * The MSS we announce in our SYN ({@link ConnectionParams#mss()}: the path's, or TCP_MAXSEG's).
   */
  private final int advertisedMss;

  /**
   * Whether our SYN offers window scaling, SACK-permitted and timestamps: as configured, until
   * {@link #withdrawSynOffers}.
   */
  private boolean offerWindowScale;

  private boolean offerSack;
  private boolean offerTimestamps;

  /**
   * The MSS assumed when the peer sends none: 536 for IPv4 (RFC 9293 MUST-15), 1220 for IPv6 (RFC
   * 8200 §8.3).
   */
  private final int defaultMss;

  /** The peer's MSS option (or the default), the most payload it takes in one segment. */
  private int peerMss;

  /**
   * The MSS the path MTU allows (RFC 9293 §3.7.1 MMS_S less the TCP header): ours until an ICMP
   * error lowers it.
   */
  private int pathMss;

  /**
   * The MSS PLPMTUD has shown the path to carry (RFC 4821 §7.2 search_low, less the TCP header), or
   * 0 while it is not searching.
   */
  private int probedMss;

  private boolean windowScaleOk;

  /**
   * Shift count applied to SEG.WND of non-SYN segments we receive (the peer's option, at most 14).
   */
  private byte sndShift;

  /** Shift count applied to the windows we send (our option). */
  private byte rcvShift;

  private boolean sackOk;
  private boolean timestampsOk;

  /** TS.Recent (RFC 7323 §4.3): the TSval to echo. */
  private int tsRecent;

  /** When TS.Recent was last set, for PAWS's 24-day rule. */
  private long tsRecentTime;

  OptionsNegotiation(TcpConfig cfg, ConnectionParams params, boolean ipv6) {
    this.cfg = cfg;
    this.advertisedMss = params.mss();
    this.defaultMss = ipv6 ? 1220 : 536;
    this.peerMss = defaultMss;
    this.pathMss = params.mss();
    this.offerWindowScale = cfg.windowScale() && params.offersWindowScale();
    this.offerSack = cfg.sackPermitted() && params.offersSack();
    this.offerTimestamps = cfg.timestamps();
  }

  /**
   * Withdraws our offer of window scaling, SACK-permitted and timestamps: the SYNs we send from now
   * on carry the MSS option alone, and the connection uses none of them ({@link
   * TcpChoices#synOptionsDroppedOnThirdRetransmission}).
   */
  void withdrawSynOffers() {
    offerWindowScale = offerSack = offerTimestamps = false;
  }

  /**
   * Returns the options of a SYN or SYN-ACK in Linux's layout, {@code mss,sackOK,TS val
   * ecr,nop,wscale} (20 bytes when all are on; NOPs pad whichever is missing so that each option
   * stays aligned). A first SYN offers everything configured; a reply (a SYN-ACK, {@code reply}
   * true) only what the peer's SYN offered too (RFC 7323 §1.3, RFC 2018 §2).
   */
  TcpOptions synOptions(boolean reply, int tsVal) {
    boolean ts = reply ? timestampsOk : offerTimestamps;
    boolean sack = reply ? sackOk : offerSack;
    boolean ws = reply ? windowScaleOk : offerWindowScale;
    TcpOption.Timestamps timestamps = new TcpOption.Timestamps(tsVal, reply ? tsRecent : 0);
    if (cfg.choices().synOptionLayout() == OptionLayout.BSD)
      return bsdSynOptions(ts, sack, ws, timestamps);
    List<TcpOption> list = new ArrayList<>(7);
    if (cfg.mssOption()) list.add(new TcpOption.MaximumSegmentSize(advertisedMss));
    if (ts) {
      if (sack) {
        list.add(new TcpOption.SackPermitted());
      } else {
        list.add(TcpOption.NOP);
        list.add(TcpOption.NOP);
      }
      // RFC 7323 §3.2: TSecr is 0 in a first SYN (the ACK bit is off); a SYN-ACK echoes the SYN's
      // TSval.
      list.add(timestamps);
    } else if (sack) {
      list.add(TcpOption.NOP);
      list.add(TcpOption.NOP);
      list.add(new TcpOption.SackPermitted());
    }
    if (ws) {
      list.add(TcpOption.NOP);
      list.add(new TcpOption.WindowScale(cfg.windowScaleShift()));
    }
    return new TcpOptions(list);
  }

  /**
   * Returns SYN options in FreeBSD's layout ({@link OptionLayout#BSD}): MSS first, then window
   * scale at an odd offset, SACK-permitted at an even one, timestamps at 2 mod 4, each preceded by
   * the NOPs that put it there; the writer pads the end with zeros (EOL) to a multiple of four.
   */
  private TcpOptions bsdSynOptions(
      boolean ts, boolean sack, boolean ws, TcpOption.Timestamps timestamps) {
    List<TcpOption> list = new ArrayList<>(9);
    int length = 0;
    if (cfg.mssOption()) {
      list.add(new TcpOption.MaximumSegmentSize(advertisedMss));
      length = 4;
    }
    if (ws) {
      length = padWithNops(list, length, 2, 1);
      list.add(new TcpOption.WindowScale(cfg.windowScaleShift()));
      length += 3;
    }
    if (sack) {
      length = padWithNops(list, length, 2, 0);
      list.add(new TcpOption.SackPermitted());
      length += 2;
    }
    if (ts) {
      padWithNops(list, length, 4, 2);
      list.add(timestamps);
    }
    return new TcpOptions(list);
  }

  /**
   * Adds NOPs until {@code length} is {@code remainder} mod {@code modulus}; returns the new
   * length.
   */
  private static int padWithNops(List<TcpOption> list, int length, int modulus, int remainder) {
    while (length % modulus != remainder) {
      list.add(TcpOption.NOP);
      length++;
    }
    return length;
  }

  /**
   * Sets the options of a non-SYN segment: {@code nop,nop,TS val ecr} when timestamps are on (RFC
   * 7323 §3.2 MUST), then the SACK blocks (RFC 2018 §3), each option behind two NOPs as Linux lays
   * them out ({@code nop,nop,TS val ecr,nop,nop,sack n ...}).
   */
  void segmentOptions(OutboundSegment out, int tsVal, int[] sackEdges, int sackBlocks) {
    out.usualOptions(timestampsOk, tsVal, tsRecent, sackEdges, sackBlocks);
  }

  /**
   * Returns how many SACK blocks a segment with {@code payloadLength} bytes of text can carry: the
   * 40 bytes of option space hold four blocks, three beside timestamps (RFC 2018 §3), and the text
   * and all options must stay within the MSS that sized the segment (RFC 9293 §3.7.1: the MSS
   * counts TCP options against the payload), so a full-sized data segment carries none, where Linux
   * would shrink the segment instead ({@code tcp_current_mss}).
   */
  int sackBlockRoom(int payloadLength) {
    int ts = timestampsOk ? TIMESTAMPS_ALIGNED : 0;
    int room =
        Math.min(MAX_OPTION_SPACE - ts, Math.min(peerMss, advertisedMss) - ts - payloadLength);
    return Math.clamp((room - SACK_OVERHEAD) / SACK_BLOCK_BYTES, 0, 4);
  }

  /**
   * Returns the option bytes a segment with {@code payloadLength} bytes of text has left beside its
   * timestamps and {@code sackBlocks} SACK blocks: within the 40 bytes of option space and, for
   * data, within the MSS that sized it (as {@link #sackBlockRoom}: options count against the
   * payload).
   */
  int optionRoomLeft(int payloadLength, int sackBlocks) {
    int ts = timestampsOk ? TIMESTAMPS_ALIGNED : 0;
    int used = ts + (sackBlocks == 0 ? 0 : SACK_OVERHEAD + SACK_BLOCK_BYTES * sackBlocks);
    int segmentRoom = payloadLength == 0 ? MAX_OPTION_SPACE : effectiveMss() + ts - payloadLength;
    return Math.min(MAX_OPTION_SPACE, segmentRoom) - used;
  }

  /** Settles the options from the peer's SYN (or SYN-ACK), whose TSval becomes TS.Recent. */
  void onPeerSyn(TcpSegment syn, long now) {
    TcpOptions o = syn.options();
    peerMss = o.mss() < 0 ? defaultMss : Math.max(MIN_PEER_MSS, o.mss());
    windowScaleOk = offerWindowScale && o.windowScale() >= 0;
    // RFC 7323 §2.3: a shift above 14 is used as 14.
    sndShift = (byte) (windowScaleOk ? Math.min(14, o.windowScale()) : 0);
    rcvShift = (byte) (windowScaleOk ? cfg.windowScaleShift() : 0);
    sackOk = offerSack && o.sackPermitted();
    TcpOption.Timestamps ts = o.timestamps();
    timestampsOk = offerTimestamps && ts != null;
    if (timestampsOk) setTsRecent(ts.tsVal(), now);
  }

  /** Forgets a negotiation (a passive connection back in LISTEN). */
  void reset() {
    peerMss = defaultMss;
    windowScaleOk = sackOk = timestampsOk = false;
    sndShift = rcvShift = 0;
  }

  /**
   * Returns Eff.snd.MSS (RFC 9293 §3.7.1): the smaller of the peer's MSS and ours, less the
   * timestamps option that every segment carries once negotiated (as Linux's {@code mss_cache}).
   */
  int effectiveMss() {
    int mss = Math.min(peerMss, pathMss);
    if (probedMss > 0) mss = Math.min(mss, probedMss);
    return mss - (timestampsOk ? TIMESTAMPS_ALIGNED : 0);
  }

  /**
   * Returns the largest MSS the handshake and ICMP allow, options included, before PLPMTUD's limit:
   * what the search may reach (Linux's {@code mss_clamp} within the path MTU).
   */
  int unprobedMss() {
    return Math.min(peerMss, pathMss);
  }

  /**
   * Returns the MSS the path MTU allows (the interface's, lowered by ICMP), before the peer's MSS
   * and PLPMTUD.
   */
  int pathMss() {
    return pathMss;
  }

  /** Sets the MSS PLPMTUD has confirmed, options included; 0 stops limiting by it. */
  void setProbedMss(int mss) {
    probedMss = mss;
  }

  /** Returns the bytes of options every segment carries: the timestamps option once negotiated. */
  int optionsOverhead() {
    return timestampsOk ? TIMESTAMPS_ALIGNED : 0;
  }

  /**
   * Lowers the MSS the path allows, after a packet-too-big (RFC 1191 §6.3, RFC 8201 §5.2); returns
   * false, changing nothing, when {@code mss} is not below the present one.
   */
  boolean lowerPathMss(int mss) {
    if (mss >= pathMss) return false;
    pathMss = mss;
    return true;
  }

  /**
   * Returns the MSS the window we announce in a SYN is rounded to, as Linux's {@code
   * tcp_select_initial_window}.
   */
  int windowRoundingMss(boolean reply) {
    if (!cfg.choices().synWindowRoundedToMss()) return 0;
    return advertisedMss - (reply && timestampsOk ? TIMESTAMPS_ALIGNED : 0);
  }

  /** Returns what the handshake settled so far. */
  NegotiatedOptions negotiated() {
    return new NegotiatedOptions(windowScaleOk, sndShift, rcvShift, sackOk, timestampsOk, peerMss);
  }

  int sndShift() {
    return sndShift;
  }

  int rcvShift() {
    return rcvShift;
  }

  boolean sackOk() {
    return sackOk;
  }

  boolean timestampsOk() {
    return timestampsOk;
  }

  int tsRecent() {
    return tsRecent;
  }

  /** Returns when TS.Recent was last set (for {@link TimeWaitTcb}). */
  long tsRecentTime() {
    return tsRecentTime;
  }

  /**
   * Returns what the handshake settled, packed for {@link TimeWaitTcb}: window scaling, SACK and
   * timestamps agreed (bits 0-2), the two shift counts (bits 8-11, 12-15); with {@link #peerMss}
   * and {@link #pathMss} it is all {@link #restoreTimeWait} needs.
   */
  int negotiatedBits() {
    return (windowScaleOk ? 1 : 0)
        | (sackOk ? 2 : 0)
        | (timestampsOk ? 4 : 0)
        | (sndShift << 8)
        | (rcvShift << 12);
  }

  /** Returns the peer's MSS option, or the default without one. */
  int peerMssOption() {
    return peerMss;
  }

  /** Restores what {@link #negotiatedBits} packed, the MSSes and TS.Recent, for TIME-WAIT. */
  void restoreTimeWait(int bits, int peerMss, int pathMss, int tsRecent, long tsRecentTime) {
    this.windowScaleOk = (bits & 1) != 0;
    this.sackOk = (bits & 2) != 0;
    this.timestampsOk = (bits & 4) != 0;
    this.sndShift = (byte) ((bits >>> 8) & 0xf);
    this.rcvShift = (byte) ((bits >>> 12) & 0xf);
    this.peerMss = peerMss;
    this.pathMss = pathMss;
    this.tsRecent = tsRecent;
    this.tsRecentTime = tsRecentTime;
  }

  /**
   * Returns whether PAWS rejects the segment (RFC 7323 §5.3 R1): timestamps are on, the segment is
   * not a RST and its TSval is older than TS.Recent, which is less than 24 days old.
   */
  boolean pawsRejects(InboundSegment seg, long now) {
    return timestampsOk
        && seg.hasTimestamps()
        && !seg.has(TcpFlags.RST)
        && SeqNum.lt(seg.tsVal(), tsRecent)
        && !tsRecentStale(now);
  }

  /**
   * Returns whether TS.Recent is too old to judge by (RFC 7323 §5.5): after more than 24 days
   * without an update the peer's clock may have wrapped its sign bit past it. "If TS.Recent is
   * found to be invalid, then the segment is accepted, regardless of the failure of the timestamp
   * check, and rule R3 updates TS.Recent with the TSval from the new segment."
   */
  private boolean tsRecentStale(long now) {
    return now - tsRecentTime >= PAWS_IDLE_NANOS;
  }

  /**
   * Returns whether the segment carries a TSval newer than TS.Recent (RFC 6191's test in
   * TIME-WAIT).
   */
  boolean hasNewerTimestamp(InboundSegment seg) {
    return timestampsOk && seg.hasTimestamps() && SeqNum.gt(seg.tsVal(), tsRecent);
  }

  /**
   * Updates TS.Recent from an acceptable segment (RFC 7323 §4.3 (2)): when SEG.TSval >= TS.Recent
   * and SEG.SEQ =< Last.ACK.sent, so that the echoed value is that of the segment that last
   * advanced the left edge of our window. With delayed ACKs that is the earliest segment the ACK
   * covers, and an out-of-order segment leaves it alone (§4.3 cases A and B), so the peer's RTT
   * samples include the delay and never the wait for a hole. A stale TS.Recent (§5.5) is replaced.
   */
  void onAcceptableSegment(InboundSegment seg, int lastAckSent, long now) {
    if (timestampsOk
        && seg.hasTimestamps()
        && (SeqNum.ge(seg.tsVal(), tsRecent) || tsRecentStale(now))
        && SeqNum.le(seg.sequenceNumber(), lastAckSent)) {
      setTsRecent(seg.tsVal(), now);
    }
  }

  private void setTsRecent(int tsVal, long now) {
    tsRecent = tsVal;
    tsRecentTime = now;
  }
}
