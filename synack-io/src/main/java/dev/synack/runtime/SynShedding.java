package dev.synack.runtime;

import dev.synack.link.Link;

/**
 * Decides how many SYNs the link sheds before its queue ({@link Link#shedSyns}) from the loop's
 * measured capacity: only what the loop cannot answer is shed. A SYN flood is a window in which the
 * host answers at least {@link #MIN_COOKIES_PER_WINDOW} SYNs with cookies (its listeners' SYN
 * queues are full), counting each as the 2<sup>shift</sup> SYNs it stands for while the link sheds,
 * or in which cookies went out and the link dropped packets before its reader ({@link
 * Link#packetsDropped}: shed by its filter, or at a full queue's tail) that bring the count there:
 * a loop too starved to answer 10,000 SYNs a second must still shed before its queue rather than
 * lose its connections' packets at the queue's tail. Without cookies nothing is ever shed, however
 * busy the loop or full its queue (a bulk transfer's burst is no SYN flood).
 *
 * <p>Each {@link #WINDOW_NANOS} the loop's utilization is the share of the window it did not spend
 * waiting for packets (a turn whose read batch came back full did not wait at all). Under a flood,
 * above {@link #HIGH_UTILIZATION} the link keeps half as many SYNs as before (down to one in
 * 2<sup>{@value #MAX_SHIFT}</sup>); at or below {@link #LOW_UTILIZATION}, where twice the SYNs
 * would still fit under the high mark even if all the loop's work were SYNs, it keeps twice as
 * many; between the two it holds. Without a flood it keeps twice as many each window until it keeps
 * them all. So a flood the loop can answer is not shed at all, and a legitimate client's first SYN
 * is answered as often as the loop allows: where the fixed climb this replaced kept one SYN in 16
 * whenever read batches came back full, whatever the loop could answer, a loop with headroom for
 * half the flood now keeps one in 2. (Linux answers every SYN with a cookie from softirq and has no
 * such queue to protect, RFC 4987 §3.6; a user-space stack reading a device must keep the device's
 * queue from filling, or the ACKs of its connections are dropped with the flood.)
 *
 * <p>Loop thread only; times are the loop's.
 */
final class SynShedding {
  /** How often the decision is taken. */
  static final long WINDOW_NANOS = 100_000_000L;

  /**
   * The fewest cookies in a window that make a flood (10,000 SYNs/s answered with cookies): a
   * download's busy loop beside a few spoofed SYNs, which fill a SYN queue too, is not one, and
   * shedding them would cost legitimate clients their SYNs for nothing.
   */
  static final long MIN_COOKIES_PER_WINDOW = 1_000;

  /**
   * Utilization above which the link keeps fewer SYNs, in per mille: the loop keeps a fifth of its
   * time for bursts and its connections.
   */
  static final int HIGH_UTILIZATION = 800;

  /**
   * Utilization at or below which the link keeps more SYNs, in per mille: twice the SYNs, at worst
   * twice the work, still stay under {@link #HIGH_UTILIZATION}.
   */
  static final int LOW_UTILIZATION = HIGH_UTILIZATION / 2;

  /**
   * Most shed: one SYN in 2<sup>{@value}</sup> kept. Reached only by a flood about 200 times what
   * the loop can answer; a legitimate client's retransmitted SYN passes anyway ({@link
   * dev.synack.link.TunLink#shedSyns} remembers the sources it shed).
   */
  static final int MAX_SHIFT = 8;

  private final Link link;

  /** The shift in force: SYNs kept one in 2^shift. */
  private int shift;

  /** Whether the link refused to shed: not asked again. */
  private boolean refused;

  private long windowStart = Long.MIN_VALUE;
  private long cookiesAtWindowStart;

  /** The link's drops when the window began, or -1: it cannot tell. */
  private long dropsAtWindowStart = -1;

  /** Nanoseconds the loop waited for packets in the current window. */
  private long waitedInWindow;

  /** The last window's utilization, per mille, for the bench and tests. */
  private int utilization;

  /** Link shift changes so far, for the bench and tests. */
  private long changes;

  SynShedding(Link link) {
    this.link = link;
  }

  /**
   * Takes one turn's read: {@code waited}, the nanoseconds the loop spent waiting for it (0 when
   * its batch came back full), and the host's SYN cookies sent so far; changes the link's shedding
   * when a window has passed.
   */
  void afterRead(long waited, long cookiesSent, long now) {
    if (refused) return;
    if (windowStart == Long.MIN_VALUE) {
      windowStart = now;
      cookiesAtWindowStart = cookiesSent;
      dropsAtWindowStart = link.packetsDropped();
    }
    waitedInWindow += Math.max(0, waited);
    long elapsed = now - windowStart;
    if (elapsed < WINDOW_NANOS) return;
    // The cookies of the SYNs the link kept, scaled by what it sheds: the flood's own rate, so a
    // flood shed down to below the threshold is still one. Or, where the link counts its drops,
    // the cookies and the drops: the SYNs that arrived, all but those still queued, when the drops
    // are SYNs (the filter's are; a flood's are most of the tail's). Either needs a cookie: SYNs
    // that met a full SYN queue.
    long cookies = cookiesSent - cookiesAtWindowStart;
    long dropsNow = link.packetsDropped();
    long dropped =
        dropsNow >= 0 && dropsAtWindowStart >= 0 ? Math.max(0, dropsNow - dropsAtWindowStart) : 0;
    dropsAtWindowStart = dropsNow;
    boolean flood =
        cookies > 0 && Math.max(cookies << shift, cookies + dropped) >= MIN_COOKIES_PER_WINDOW;
    long busy = Math.max(0, elapsed - Math.min(elapsed, waitedInWindow));
    utilization = (int) (busy * 1000 / elapsed);
    windowStart = now;
    cookiesAtWindowStart = cookiesSent;
    waitedInWindow = 0;
    int next = shift;
    if (!flood || utilization <= LOW_UTILIZATION) {
      next = Math.max(0, shift - 1);
    } else if (utilization > HIGH_UTILIZATION) {
      next = Math.min(MAX_SHIFT, shift + 1);
    }
    if (next == shift) return;
    if (!link.shedSyns(next)) {
      refused = next > 0;
      return;
    }
    shift = next;
    changes++;
  }

  /**
   * Returns how long the loop may wait in its link before its next turn must come, traffic or not:
   * a window while SYNs are shed, since the filter drops the very SYNs that would wake the loop and
   * only a turn eases it; {@code wait} unchanged once every SYN is kept.
   */
  long boundWait(long wait) {
    return shift > 0 ? Math.min(wait, WINDOW_NANOS) : wait;
  }

  /**
   * Returns how many SYNs the host may answer with cookies in a turn ({@link
   * dev.synack.stack.Host#limitSynCookies}): {@code perFullBatch} when the read batch came back
   * full ({@code batchFull}) and the link refused to shed before its queue ({@code linkRefused}:
   * the host is the only shedder left); else all. A link that sheds keeps what the loop can answer,
   * and what reaches the host is the SYNs it kept and the retransmissions it remembered: shedding
   * those again would shut out the very clients the filter let in (a bench run's curl never
   * connected, its retransmitted SYNs passing the filter and then shed by the host, 12 of a full
   * batch of 16).
   */
  static int cookieLimit(boolean batchFull, boolean linkRefused, int perFullBatch) {
    return batchFull && linkRefused ? perFullBatch : Integer.MAX_VALUE;
  }

  /** Returns whether the link refused to shed SYNs. */
  boolean refused() {
    return refused;
  }

  /** Returns the shift in force: SYNs kept one in 2^shift by the link. */
  int shift() {
    return shift;
  }

  /** Returns the last window's utilization of the loop, per mille. */
  int utilization() {
    return utilization;
  }

  /** Returns how often the shift changed. */
  long changes() {
    return changes;
  }
}
