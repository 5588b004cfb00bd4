package dev.synack.tcp;

import dev.synack.wire.SeqNum;

/**
 * The SACK blocks our ACKs carry when SACK-permitted was agreed: RFC 2018 §4 for the data held out
 * of order, RFC 2883 for duplicates (D-SACK).
 *
 * <p>RFC 2018 §4: "The first SACK block (i.e., the one immediately following the kind and length
 * fields in the option) MUST specify the contiguous block of data containing the segment which
 * triggered this ACK", and the others repeat "the most recently reported SACK blocks". So the
 * blocks are kept most recent first, and each one is refreshed against the reassembly queue when an
 * ACK is built (the queue may have delivered or pruned it).
 *
 * <p>RFC 2883 §4: a duplicate segment is reported once, in the first block of the next ACK; when
 * the duplicate lies inside a block held out of order, "the second SACK block in that SACK option
 * should specify that (possibly larger) block of data" (§4.1 rule 2). Linux does the same ({@code
 * tcp_dsack_set}, {@code tcp_sack_new_ofo_skb}).
 */
final class SackGenerator {
  /** No block: {@link ReassemblyQueue#runAround} found no held data there. */
  static final long NONE = ReassemblyQueue.NO_RUN;

  /** At most four blocks in an ACK (RFC 2018 §3, 40 bytes of option space). */
  private static final int MAX_BLOCKS = 4;

  /**
   * Blocks we reported or are about to, most recent first, as left and right edges in turn; {@link
   * #held} of them are set. Arrays, not records, so that an ACK built while holes remain allocates
   * nothing.
   */
  private final int[] recent = new int[2 * MAX_BLOCKS];

  private int held;

  /** The duplicate to report in the next ACK, if {@link #hasDuplicate}. */
  private int dupLeft;

  private int dupRight;
  private boolean hasDuplicate;

  /** The blocks of the ACK being built, left and right edges in turn: {@link #blocks} fills it. */
  private final int[] out = new int[2 * MAX_BLOCKS];

  /**
   * Notes that out-of-order data arrived inside [{@code left}, {@code right}) (the contiguous run
   * now held): it goes first.
   */
  void onOutOfOrder(int left, int right) {
    int kept = 0;
    for (int i = 0; i < held; i++) {
      int l = recent[2 * i];
      int r = recent[2 * i + 1];
      if (SeqNum.le(l, right) && SeqNum.le(left, r)) continue; // overlaps or touches: replaced
      if (kept == MAX_BLOCKS - 1) break; // the oldest falls off
      recent[2 * kept] = l;
      recent[2 * kept + 1] = r;
      kept++;
    }
    System.arraycopy(recent, 0, recent, 2, 2 * kept);
    recent[0] = left;
    recent[1] = right;
    held = kept + 1;
  }

  /**
   * Notes that the bytes [{@code left}, {@code right}) arrived again (RFC 2883): the next ACK
   * reports them first.
   */
  void onDuplicate(int left, int right) {
    if (SeqNum.lt(left, right)) {
      dupLeft = left;
      dupRight = right;
      hasDuplicate = true;
    }
  }

  /**
   * Fills {@link #edges} with the blocks for the ACK being built, at most {@code max}, and returns
   * how many: the pending D-SACK first (then consumed), then the held blocks most recent first.
   * Blocks at or below {@code rcvNxt} are gone.
   */
  int blocks(int rcvNxt, ReassemblyQueue queue, int max) {
    if (max <= 0 || (!hasDuplicate && held == 0)) return 0;
    max = Math.min(max, MAX_BLOCKS);
    int n = 0;
    if (hasDuplicate) {
      n = put(n, dupLeft, dupRight);
      long around = SeqNum.ge(dupLeft, rcvNxt) ? queue.runAround(dupLeft) : NONE;
      if (around != NONE && n < max) n = put(n, left(around), right(around));
      hasDuplicate = false;
    }
    int kept = 0;
    for (int i = 0; i < held; i++) {
      int l = recent[2 * i];
      int r = recent[2 * i + 1];
      long now = SeqNum.lt(rcvNxt, r) ? queue.runAround(SeqNum.max(l, rcvNxt)) : NONE;
      if (now == NONE) continue; // delivered or pruned: forgotten
      l = left(now);
      r = right(now);
      recent[2 * kept] = l;
      recent[2 * kept + 1] = r;
      kept++;
      if (n < max && !contains(n, l, r)) n = put(n, l, r);
    }
    held = kept;
    return n;
  }

  /**
   * Returns the edges {@link #blocks} filled, left and right in turn; owned by this generator and
   * overwritten by the next call.
   */
  int[] edges() {
    return out;
  }

  /** Returns whether there is nothing to report: no held block, no duplicate. */
  boolean isEmpty() {
    return held == 0 && !hasDuplicate;
  }

  /** Forgets the blocks of held data (the queue was dropped); a pending D-SACK stays. */
  void forgetHeld() {
    held = 0;
  }

  /** Forgets everything. */
  void clear() {
    held = 0;
    hasDuplicate = false;
  }

  /** Returns the left edge of a run {@link ReassemblyQueue#runAround} packed. */
  static int left(long run) {
    return (int) (run >>> 32);
  }

  /** Returns the right edge of a run {@link ReassemblyQueue#runAround} packed. */
  static int right(long run) {
    return (int) run;
  }

  private int put(int n, int left, int right) {
    out[2 * n] = left;
    out[2 * n + 1] = right;
    return n + 1;
  }

  private boolean contains(int n, int left, int right) {
    for (int i = 0; i < n; i++) if (out[2 * i] == left && out[2 * i + 1] == right) return true;
    return false;
  }
}
