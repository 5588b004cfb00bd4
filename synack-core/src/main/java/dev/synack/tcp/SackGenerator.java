package dev.synack.tcp;

import dev.synack.wire.SackBlock;
import dev.synack.wire.SeqNum;
import java.util.ArrayList;
import java.util.List;

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
  /**
   * Blocks we reported or are about to, most recent first; at most four, as no ACK carries more.
   */
  private final List<SackBlock> recent = new ArrayList<>(0);

  /** The duplicate to report in the next ACK, or {@code null}. */
  private SackBlock duplicate;

  /**
   * Notes that out-of-order data arrived inside {@code block} (the contiguous run now held): it
   * goes first.
   */
  void onOutOfOrder(SackBlock block) {
    recent.removeIf(b -> overlapsOrTouches(b, block));
    recent.addFirst(block);
    if (recent.size() > 4) recent.removeLast();
  }

  /**
   * Notes that the bytes [{@code left}, {@code right}) arrived again (RFC 2883): the next ACK
   * reports them first.
   */
  void onDuplicate(int left, int right) {
    if (SeqNum.lt(left, right)) duplicate = new SackBlock(left, right);
  }

  /**
   * Returns the blocks for the ACK being built, at most {@code max}: the pending D-SACK first (then
   * consumed), then the held blocks most recent first. Blocks at or below {@code rcvNxt} are gone.
   */
  List<SackBlock> blocks(int rcvNxt, ReassemblyQueue queue, int max) {
    if (max <= 0 || (duplicate == null && recent.isEmpty())) return List.of();
    List<SackBlock> out = new ArrayList<>(max);
    if (duplicate != null) {
      out.add(duplicate);
      SackBlock around =
          SeqNum.ge(duplicate.left(), rcvNxt) ? queue.blockAround(duplicate.left()) : null;
      if (around != null && out.size() < max) out.add(around);
      duplicate = null;
    }
    for (int i = 0; i < recent.size(); i++) {
      SackBlock b = recent.get(i);
      SackBlock now =
          SeqNum.lt(rcvNxt, b.right()) ? queue.blockAround(SeqNum.max(b.left(), rcvNxt)) : null;
      if (now == null) {
        recent.remove(i--);
        continue;
      }
      recent.set(i, now);
      if (out.size() < max && !out.contains(now)) out.add(now);
    }
    return out;
  }

  /** Returns whether there is nothing to report: no held block, no duplicate. */
  boolean isEmpty() {
    return recent.isEmpty() && duplicate == null;
  }

  /** Forgets the blocks of held data (the queue was dropped); a pending D-SACK stays. */
  void forgetHeld() {
    recent.clear();
  }

  /** Forgets everything. */
  void clear() {
    recent.clear();
    duplicate = null;
  }

  private static boolean overlapsOrTouches(SackBlock a, SackBlock b) {
    return SeqNum.le(a.left(), b.right()) && SeqNum.le(b.left(), a.right());
  }
}
