package dev.synack.runtime;

import dev.synack.link.Link;

/**
 * Decides how many SYNs the link sheds before its queue ({@link Link#shedSyns}), from what the loop
 * sees: a SYN flood is read batches that come back full while the host answers at least {@link
 * #MIN_COOKIES_PER_WINDOW} SYNs a window with cookies (its listeners' SYN queues are full). Each
 * {@link #WINDOW_NANOS} with both, the link keeps half as many SYNs as before (down to one in
 * 2<sup>{@value #MAX_SHIFT}</sup>); after {@link #HOLD_NANOS} with no full batch it keeps twice as
 * many, until it keeps them all again. A bulk transfer fills batches too, but sends no cookie, so
 * it sheds nothing; a burst of clients that overflows the SYN queue but not the link's queue sheds
 * nothing either.
 *
 * <p>Loop thread only; times are the loop's.
 */
final class SynShedding {
  /** How often the decision is taken. */
  static final long WINDOW_NANOS = 100_000_000L;

  /** How long without a full batch before the link keeps more SYNs again. */
  static final long HOLD_NANOS = 1_000_000_000L;

  /**
   * The fewest cookies in a window that make a flood (10,000 SYNs/s answered with cookies): a
   * download's full batches beside a few spoofed SYNs, which fill a SYN queue too, are not one, and
   * shedding them would cost legitimate clients their SYNs for nothing.
   */
  static final long MIN_COOKIES_PER_WINDOW = 1_000;

  /** Most shed: one SYN in 16 kept, enough for a legitimate client's retransmitted SYNs. */
  static final int MAX_SHIFT = 4;

  private final Link link;

  /** The shift in force: SYNs kept one in 2^shift. */
  private int shift;

  /** Whether the link refused to shed: not asked again. */
  private boolean refused;

  private long windowStart = Long.MIN_VALUE;
  private boolean fullInWindow;
  private long cookiesAtWindowStart;
  private long lastFullAt;
  private long lastChangeAt;

  /** Link shift changes so far, for the bench and tests. */
  private long changes;

  SynShedding(Link link) {
    this.link = link;
  }

  /**
   * Takes one turn's read: whether its batch came back full, and the host's SYN cookies sent so
   * far; changes the link's shedding when a window has passed.
   */
  void afterRead(boolean batchFull, long cookiesSent, long now) {
    if (refused) return;
    if (windowStart == Long.MIN_VALUE) {
      windowStart = now;
      cookiesAtWindowStart = cookiesSent;
      lastFullAt = now;
    }
    if (batchFull) {
      fullInWindow = true;
      lastFullAt = now;
    }
    if (now - windowStart < WINDOW_NANOS) return;
    boolean flood = fullInWindow && cookiesSent - cookiesAtWindowStart >= MIN_COOKIES_PER_WINDOW;
    windowStart = now;
    cookiesAtWindowStart = cookiesSent;
    fullInWindow = false;
    int next = shift;
    if (flood) {
      next = Math.min(MAX_SHIFT, shift + 1);
    } else if (shift > 0 && now - lastFullAt >= HOLD_NANOS && now - lastChangeAt >= HOLD_NANOS) {
      next = shift - 1;
    }
    if (next == shift) return;
    if (!link.shedSyns(next)) {
      refused = next > 0;
      return;
    }
    shift = next;
    lastChangeAt = now;
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
   * full ({@code batchFull}) and the link sheds nothing before its queue; else all. While the
   * link's filter sheds, what reaches the host is the few SYNs it kept and the retransmissions it
   * remembered ({@link dev.synack.link.TunLink#shedSyns}): shedding those again would shut out the
   * very clients the filter let in (a bench run's curl never connected, its retransmitted SYNs
   * passing the filter and then shed by the host, 12 of a full batch of 16).
   */
  int cookieLimit(boolean batchFull, int perFullBatch) {
    return batchFull && shift == 0 ? perFullBatch : Integer.MAX_VALUE;
  }

  /** Returns the shift in force: SYNs kept one in 2^shift by the link. */
  int shift() {
    return shift;
  }

  /** Returns how often the shift changed. */
  long changes() {
    return changes;
  }
}
