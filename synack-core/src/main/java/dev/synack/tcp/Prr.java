package dev.synack.tcp;

/**
 * Proportional Rate Reduction (RFC 6937, with the refinements of draft-ietf-tcpm-prr-rfc6937bis
 * that Linux's {@code tcp_cwnd_reduction} follows): the window during fast recovery, so that the
 * sender goes from cwnd to ssthresh smoothly, sending in proportion to what the ACKs report
 * delivered, instead of falling silent until pipe drops below ssthresh and then bursting.
 *
 * <p>On every ACK in recovery, {@code sndcnt} is what may be sent: while pipe > ssthresh,
 * ssthresh/RecoverFS of the data delivered (the proportional part); once pipe ≤ ssthresh, pipe
 * climbs back to ssthresh no faster than the ACK clock allows (the reduction bound). The window is
 * then {@code pipe + sndcnt}, as Linux sets {@code snd_cwnd}, so that the usual cwnd − pipe
 * allowance ({@link LossRecovery#allowance}) is exactly {@code sndcnt}.
 */
final class Prr {
  /**
   * RFC 6937 §3 RecoverFS: pipe before the ACK that began the recovery, whose delivered data is the
   * first counted (rfc6937bis initializes it to pipe, RFC 6937 to FlightSize; Linux uses the cwnd
   * before the recovery). When RecoverFS is delivered, ssthresh was sent.
   */
  private int recoverFs;

  /** RFC 6937 §3 prr_delivered: bytes the peer reported delivered during this recovery. */
  private long prrDelivered;

  /** RFC 6937 §3 prr_out: bytes sent, new or resent, during this recovery. */
  private long prrOut;

  /** The window PRR allows: pipe + sndcnt after the last ACK. */
  private int cwnd;

  /**
   * Starts a recovery with {@code pipe} bytes in flight before the ACK that began it (RFC 6937 §3
   * "at the beginning of recovery"): prr_delivered = prr_out = 0, RecoverFS = pipe; until an ACK is
   * counted (a recovery the reorder timer began has none) the window lets one segment go, the fast
   * retransmit.
   */
  void start(int pipe, int mss) {
    recoverFs = Math.max(1, pipe);
    prrDelivered = 0;
    prrOut = 0;
    cwnd = pipe + mss;
  }

  /**
   * Counts {@code bytes} sent during the recovery, a retransmission or new data (RFC 6937 §3 "on
   * any data transmission").
   */
  void onSent(int bytes) {
    prrOut += bytes;
  }

  /**
   * Takes an ACK during recovery (RFC 6937 §3 "on every ACK"): {@code delivered} is DeliveredData
   * (the change in SND.UNA plus the change in SACKed bytes), {@code pipe} the bytes in flight after
   * the ACK, and {@code safeAck} whether it advanced SND.UNA and revealed no new loss.
   */
  void onAck(int delivered, int pipe, int ssthresh, boolean safeAck, int mss) {
    if (delivered <= 0)
      return; // Linux's tcp_cwnd_reduction: an ACK that delivers nothing changes nothing
    prrDelivered += delivered;
    long sndcnt;
    if (pipe > ssthresh) {
      // Proportional rate reduction: CEIL(prr_delivered · ssthresh / RecoverFS) − prr_out, the
      // ceiling taken in whole segments as Linux counts packets: in bytes, the fraction of a
      // segment it leaves would hold every other segment back by an ACK.
      sndcnt = Math.ceilDiv(prrDelivered * ssthresh, (long) recoverFs * mss) * mss - prrOut;
    } else {
      // The reduction bound: PRR-CRB (conservative, prr_delivered − prr_out) by default, and
      // PRR-SSRB (one MSS more, slow start) on an ACK that shows the recovery progressing
      // (rfc6937bis "SafeACK"; Linux adds the segment when SND.UNA advanced and nothing new was
      // lost).
      sndcnt = Math.max(prrDelivered - prrOut, delivered);
      if (safeAck) sndcnt += mss;
      sndcnt = Math.min((long) ssthresh - pipe, sndcnt);
    }
    // RFC 6937 §3: "force a fast retransmit upon entering recovery".
    if (prrOut == 0 && sndcnt <= 0) sndcnt = mss;
    cwnd = (int) Math.min(Integer.MAX_VALUE, pipe + Math.max(0, sndcnt));
  }

  /** Returns the window during recovery, in bytes: pipe + sndcnt as of the last ACK. */
  int cwnd() {
    return cwnd;
  }
}
