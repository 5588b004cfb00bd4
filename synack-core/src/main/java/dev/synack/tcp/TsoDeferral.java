package dev.synack.tcp;

import dev.synack.wire.TcpFlags;

/**
 * The decision to hold new data that would leave as a partial offloaded write until the ACK due
 * next opens room for a whole one, as Linux's {@code tcp_tso_should_defer}. Without it the room an
 * ACK opens is sent at once, whatever its size: at MTU 1500 a sender whose ACKs each open 45
 * segments writes one super-packet of 44 and then one lone segment, a write of 1.5 KB that costs
 * the device and the peer's stack as much as one of 64 KB.
 *
 * <p>It holds only where Linux's does, and with a bound of its own so that nothing can stall:
 *
 * <ul>
 *   <li>the output is taken in runs ({@code frameSegments} above 1: a link with segmentation
 *       offload) and this is new data at the start of a run, not a retransmission, a SYN or a FIN;
 *   <li>no loss is being repaired (Linux: {@code icsk_ca_state >= TCP_CA_Recovery} sends now);
 *   <li>data is in flight and the last of it left less than {@link #MAX_DEFERRAL} ago ("avoid
 *       bursty behavior by allowing defer only if the last write was recent (1 ms)");
 *   <li>the room in both windows is less than a whole run and less than a third of the smaller
 *       window ({@code tcp_tso_win_divisor} = 3), and less than the data waiting, so the end of the
 *       data never waits;
 *   <li>an ACK is due soon: the oldest segment in flight left less than SRTT ago minus min(SRTT/2,
 *       1 ms) (Linux's {@code how_far_is_the_ack} against {@code threshold}).
 * </ul>
 *
 * Linux relies on the next ACK (or the retransmission timer) to end the wait; here the pacing timer
 * is armed for {@link #MAX_DEFERRAL} after the last data left, whose expiry brings the next {@link
 * TcpConnection#pollTransmit}, when the "last write was recent" rule no longer holds: a lost ACK
 * delays the partial write by at most 1 ms. Both hold new data back until a time, and pacing
 * holding data comes first, so the one timer serves both.
 */
final class TsoDeferral {
  /** How long after the last data left a partial write may wait: Linux's 1 ms. */
  static final long MAX_DEFERRAL = 1_000_000;

  /** The most payload one offloaded write carries: 64 KiB less the largest IP and TCP headers. */
  static final int MAX_FRAME_PAYLOAD = 65_535 - 40 - 60;

  /** Linux's {@code tcp_tso_win_divisor}: a third of the window is worth sending at once. */
  private static final int WIN_DIVISOR = 3;

  private TsoDeferral() {}

  /**
   * Returns whether {@code c} holds {@code chunk} of new data back now, arming the pacing timer for
   * the end of the wait when it does.
   *
   * @param frameSegments how many segments of {@code c} the caller would put in one write starting
   *     with this one; 1 when it cannot group them (then nothing is held)
   */
  static boolean holds(TcpConnection c, Sender.Chunk chunk, int mss, int frameSegments, long now) {
    if (frameSegments <= 1 || !c.cfg.tsoDeferral()) return false;
    if (chunk.retransmit() || (chunk.flags() & (TcpFlags.SYN | TcpFlags.FIN)) != 0) return false;
    int frame = Math.min(frameSegments, MAX_FRAME_PAYLOAD / Math.max(1, mss));
    if (frame <= 1) return false;
    LossRecovery.Phase phase = c.recovery.phase();
    if (phase == LossRecovery.Phase.RECOVERY || phase == LossRecovery.Phase.LOSS) return false;
    long srtt = c.rtt.srtt();
    if (c.snd.boardEmpty() || srtt <= 0) return false;
    Scoreboard board = c.snd.scoreboard();
    long lastSent = board.sentAt(board.count() - 1);
    if (now - lastSent >= MAX_DEFERRAL) return false;
    int usable = c.snd.usableWindow();
    int allowance = c.recovery.allowance();
    long room = Math.min(usable, allowance);
    if (room >= (long) frame * mss) return false;
    if (c.snd.unsent() <= room) return false; // the end of the data goes now
    long window = Math.min(c.snd.sndWnd, c.recovery.cwnd());
    if (room >= window / WIN_DIVISOR) return false;
    long ackDueIn = board.sentAt(0) + srtt - now;
    if (ackDueIn > Math.min(srtt / 2, MAX_DEFERRAL)) return false;
    if (allowance < usable) c.snd.blockedByCwnd = true; // cwnd is what limits: it may grow
    c.timers.set(TimerKind.PACING, lastSent + MAX_DEFERRAL, now);
    return true;
  }
}
