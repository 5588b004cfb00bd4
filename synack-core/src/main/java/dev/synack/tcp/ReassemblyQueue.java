package dev.synack.tcp;

import dev.synack.wire.SackBlock;
import dev.synack.wire.SeqNum;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Out-of-order data held until the hole before it fills (RFC 9293 §3.10.7.4 seventh step: "Segments
 * with higher beginning sequence numbers SHOULD be held for later processing", SHLD-31). Pieces are
 * kept sorted and never overlap: an arrival keeps only the bytes not held yet, so duplicates and
 * overlaps are trimmed once, on the way in, and every byte is handed on exactly once.
 *
 * <p>Everything held lies in the receive window, between RCV.NXT and its right edge, so the data is
 * bounded by the window (itself bounded by the free receive buffer). What the window does not bound
 * is the number of pieces a peer can cut it into; like Linux, which charges each held segment its
 * overhead and prunes the queue from the highest sequence number when the budget runs out ({@code
 * tcp_prune_ofo_queue}), the queue keeps at most {@link #maxPieces} and drops the highest beyond
 * that: the peer sends those again, and the data nearest RCV.NXT, needed first, stays.
 *
 * <p>A FIN that arrives out of order is remembered here with its sequence number (the end of its
 * segment's text) and counts once RCV.NXT reaches it. The queue holds no storage when empty.
 */
final class ReassemblyQueue {
  /** The fewest pieces a queue may hold, whatever its buffer. */
  static final int MIN_PIECES = 64;

  /**
   * Buffer bytes per piece allowed: a 128 KiB buffer holds 512 pieces, more than its window has
   * full-sized segments.
   */
  private static final int BYTES_PER_PIECE = 256;

  /** Pieces smaller together than this are joined when they touch. */
  private static final int COALESCE_LIMIT = 2048;

  /** A run of held bytes starting at {@code seq}. */
  private record Piece(int seq, byte[] data) {
    int end() {
      return SeqNum.add(seq, data.length);
    }
  }

  /**
   * What an arrival changed: the bytes newly held, the first run of it that was held already
   * ({@code dupLeft == dupRight} when none), and whether it was refused because the queue is full
   * of pieces nearer RCV.NXT.
   */
  record Arrival(int newBytes, int dupLeft, int dupRight, boolean refused) {
    boolean duplicate() {
      return dupLeft != dupRight;
    }
  }

  /**
   * Held pieces in sequence order, none overlapping another; empty (and unallocated) when nothing
   * is held.
   */
  private ArrayList<Piece> pieces = new ArrayList<>(0);

  /** The data bytes held. */
  private int bytes;

  /** The most pieces held at once. */
  private int maxPieces;

  /** Whether a FIN arrived ahead of RCV.NXT. */
  private boolean finKnown;

  /** The sequence number of that FIN, valid when {@link #finKnown}. */
  private int finSeq;

  ReassemblyQueue(int bufferSize) {
    resize(bufferSize);
  }

  /** Adapts the piece limit to a new receive buffer size. */
  void resize(int bufferSize) {
    maxPieces = Math.max(MIN_PIECES, bufferSize / BYTES_PER_PIECE);
  }

  boolean isEmpty() {
    return pieces.isEmpty() && !finKnown;
  }

  /** Returns whether a FIN is all that is held: no data (Fast Open's blackhole sign). */
  boolean holdsFinAlone() {
    return pieces.isEmpty() && finKnown;
  }

  /** Returns the data bytes held. */
  int bytes() {
    return bytes;
  }

  /** Returns the pieces held (for tests and memory accounting). */
  int pieceCount() {
    return pieces.size();
  }

  /**
   * Holds the text of a segment that starts after RCV.NXT, within the window: only the bytes not
   * held yet are copied (the caller keeps {@code payload}). A FIN is remembered at the end of the
   * text; data past a known FIN cannot be valid and is cut.
   */
  Arrival add(int seq, ByteBuffer payload, boolean fin) {
    int len = payload.remaining();
    if (finKnown && SeqNum.gt(SeqNum.add(seq, len), finSeq))
      len = Math.max(0, SeqNum.diff(finSeq, seq));
    int end = SeqNum.add(seq, len);
    if (fin && !finKnown) {
      finKnown = true;
      finSeq = end;
      cutAfter(finSeq);
    }
    if (!makeRoom(end, gapsIn(seq, end))) return new Arrival(0, 0, 0, true);
    int added = 0;
    int dupLeft = 0;
    int dupRight = 0;
    int cursor = seq;
    int i = firstEndingAfter(seq);
    while (i < pieces.size() && SeqNum.lt(pieces.get(i).seq(), end)) {
      Piece p = pieces.get(i);
      if (SeqNum.lt(cursor, p.seq())) {
        i = insert(i, copy(seq, payload, cursor, p.seq()));
        added += SeqNum.diff(p.seq(), cursor);
      }
      int overlapLeft = SeqNum.max(cursor, p.seq());
      int overlapRight = SeqNum.min(end, p.end());
      if (dupLeft == dupRight && SeqNum.lt(overlapLeft, overlapRight)) {
        dupLeft = overlapLeft;
        dupRight = overlapRight;
      }
      cursor = SeqNum.max(cursor, p.end());
      i++;
    }
    if (SeqNum.lt(cursor, end)) {
      insert(i, copy(seq, payload, cursor, end));
      added += SeqNum.diff(end, cursor);
    }
    bytes += added;
    return new Arrival(added, dupLeft, dupRight, false);
  }

  /**
   * Puts a new piece at index {@code i}, or appends it to the piece before when that one ends where
   * it starts and both are small (Linux's {@code tcp_try_coalesce}), so that a run of tiny segments
   * does not use up the piece limit. Returns the index of the piece that was at {@code i}.
   */
  private int insert(int i, Piece piece) {
    if (i > 0) {
      Piece before = pieces.get(i - 1);
      if (before.end() == piece.seq()
          && before.data().length + piece.data().length <= COALESCE_LIMIT) {
        byte[] joined = Arrays.copyOf(before.data(), before.data().length + piece.data().length);
        System.arraycopy(piece.data(), 0, joined, before.data().length, piece.data().length);
        pieces.set(i - 1, new Piece(before.seq(), joined));
        return i;
      }
    }
    pieces.add(i, piece);
    return i + 1;
  }

  /**
   * Returns how many new pieces the bytes [{@code seq}, {@code end}) need: the gaps between the
   * pieces held.
   */
  private int gapsIn(int seq, int end) {
    int gaps = 0;
    int cursor = seq;
    for (int i = firstEndingAfter(seq);
        i < pieces.size() && SeqNum.lt(pieces.get(i).seq(), end);
        i++) {
      if (SeqNum.lt(cursor, pieces.get(i).seq())) gaps++;
      cursor = SeqNum.max(cursor, pieces.get(i).end());
    }
    return SeqNum.lt(cursor, end) ? gaps + 1 : gaps;
  }

  /**
   * Makes room for {@code newPieces} more pieces by pruning held pieces that lie wholly above the
   * arrival, which ends before {@code end}, highest first (Linux's {@code tcp_prune_ofo_queue}: the
   * data nearest RCV.NXT is needed first). Returns false when even that is not enough, and the
   * arrival must be refused.
   */
  private boolean makeRoom(int end, int newPieces) {
    if (pieces.size() + newPieces <= maxPieces) return true;
    int prunable = pieces.size() - firstEndingAfter(SeqNum.add(end, -1));
    if (prunable > 0 && SeqNum.lt(pieces.get(pieces.size() - prunable).seq(), end)) prunable--;
    if (pieces.size() - prunable + newPieces > maxPieces) return false;
    while (pieces.size() + newPieces > maxPieces) bytes -= pieces.removeLast().data().length;
    return true;
  }

  /**
   * Moves the held bytes that continue the in-order stream at {@code rcvNxt} into {@code buffer}
   * (as many as it takes); returns the count. Pieces wholly below {@code rcvNxt} are dropped.
   */
  int deliverTo(int rcvNxt, ByteQueue buffer) {
    int moved = 0;
    while (!pieces.isEmpty() && SeqNum.le(pieces.getFirst().seq(), rcvNxt)) {
      Piece p = pieces.removeFirst();
      bytes -= p.data().length;
      int skip = SeqNum.diff(rcvNxt, p.seq());
      if (skip >= p.data().length) continue;
      int n = buffer.write(ByteBuffer.wrap(p.data(), skip, p.data().length - skip));
      moved += n;
      rcvNxt = SeqNum.add(rcvNxt, n);
      if (skip + n < p.data().length) {
        Piece rest = new Piece(rcvNxt, Arrays.copyOfRange(p.data(), skip + n, p.data().length));
        pieces.addFirst(rest);
        bytes += rest.data().length;
        break;
      }
    }
    if (pieces.isEmpty()) pieces = new ArrayList<>(0);
    return moved;
  }

  /**
   * Returns the first held run that starts before {@code end}, cut at {@code end}: the part of the
   * held data that an in-order segment ending at {@code end} repeated; {@code null} when none.
   */
  SackBlock firstHeldBelow(int end) {
    if (pieces.isEmpty() || !SeqNum.lt(pieces.getFirst().seq(), end)) return null;
    Piece p = pieces.getFirst();
    return new SackBlock(p.seq(), SeqNum.min(p.end(), end));
  }

  /** Returns whether a FIN was held and RCV.NXT has reached it: the stream ends there. */
  boolean finReached(int rcvNxt) {
    return finKnown && finSeq == rcvNxt;
  }

  /**
   * Returns the contiguous run of held data that contains {@code seq}, or {@code null} when none
   * does.
   */
  SackBlock blockAround(int seq) {
    long run = runAround(seq);
    return run == NO_RUN ? null : new SackBlock(SackGenerator.left(run), SackGenerator.right(run));
  }

  /** What {@link #runAround} returns when no held data contains the byte. */
  static final long NO_RUN = 0;

  /**
   * As {@link #blockAround}, without allocating: the run's left edge in the high 32 bits and its
   * right edge in the low, or {@link #NO_RUN} (which no run can be: it would be empty).
   */
  long runAround(int seq) {
    int i = firstEndingAfter(seq);
    if (i == pieces.size() || SeqNum.gt(pieces.get(i).seq(), seq)) return NO_RUN;
    int first = i;
    while (first > 0 && pieces.get(first - 1).end() == pieces.get(first).seq()) first--;
    int last = i;
    while (last + 1 < pieces.size() && pieces.get(last).end() == pieces.get(last + 1).seq()) last++;
    return ((long) pieces.get(first).seq() << 32) | (pieces.get(last).end() & 0xffff_ffffL);
  }

  /** Returns every contiguous run of held data, in sequence order. */
  List<SackBlock> blocks() {
    List<SackBlock> out = new ArrayList<>();
    for (int i = 0; i < pieces.size(); ) {
      SackBlock b = blockAround(pieces.get(i).seq());
      out.add(b);
      while (i < pieces.size() && SeqNum.lt(pieces.get(i).seq(), b.right())) i++;
    }
    return out;
  }

  /** Drops everything held, and the FIN. */
  void clear() {
    pieces = new ArrayList<>(0);
    bytes = 0;
    finKnown = false;
  }

  /**
   * Returns the index of the first piece that ends after {@code seq} (pieces are sorted, so their
   * ends are too).
   */
  private int firstEndingAfter(int seq) {
    int lo = 0;
    int hi = pieces.size();
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (SeqNum.gt(pieces.get(mid).end(), seq)) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo;
  }

  /** Drops held bytes at or after {@code seq}. */
  private void cutAfter(int seq) {
    while (!pieces.isEmpty() && SeqNum.gt(pieces.getLast().end(), seq)) {
      Piece p = pieces.removeLast();
      bytes -= p.data().length;
      int keep = SeqNum.diff(seq, p.seq());
      if (keep > 0) {
        pieces.add(new Piece(p.seq(), Arrays.copyOf(p.data(), keep)));
        bytes += keep;
        return;
      }
    }
  }

  /** Copies the bytes [{@code from}, {@code to}) of a segment's text that starts at {@code seq}. */
  private static Piece copy(int seq, ByteBuffer payload, int from, int to) {
    byte[] data = new byte[SeqNum.diff(to, from)];
    payload.get(payload.position() + SeqNum.diff(from, seq), data);
    return new Piece(from, data);
  }
}
