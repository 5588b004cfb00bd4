package dev.synack.tcp;

import dev.synack.wire.OutboundSegment;
import dev.synack.wire.TcpSegment;
import java.util.ArrayDeque;

/**
 * The complete segments a connection sends before anything else (resets, probes, the ACK still owed
 * when the next segment arrives), each held in an {@link OutboundSegment} that goes back to a spare
 * list once sent: after the first, an owed ACK makes no object.
 */
final class ReplyQueue {
  private final ArrayDeque<OutboundSegment> queued = new ArrayDeque<>(2);
  private final ArrayDeque<OutboundSegment> spare = new ArrayDeque<>(2);

  /** Returns an instance to fill and then {@link #add}: a spare one when there is one. */
  OutboundSegment next() {
    OutboundSegment s = spare.poll();
    return s != null ? s : new OutboundSegment();
  }

  /** Queues {@code segment}, which {@link #next} gave. */
  void add(OutboundSegment segment) {
    queued.add(segment);
  }

  /** Queues a copy of the record {@code segment}. */
  void add(TcpSegment segment) {
    queued.add(next().set(segment));
  }

  /**
   * Makes {@code out} the first segment queued and returns true, or returns false when none waits.
   */
  boolean pollInto(OutboundSegment out) {
    OutboundSegment s = queued.poll();
    if (s == null) return false;
    out.set(s);
    recycle(s);
    return true;
  }

  /** Returns whether no segment waits. */
  boolean isEmpty() {
    return queued.isEmpty();
  }

  /** Drops every segment queued. */
  void clear() {
    for (OutboundSegment s; (s = queued.poll()) != null; ) recycle(s);
  }

  /** Keeps {@code s} for reuse, holding no reference to what it borrowed. */
  private void recycle(OutboundSegment s) {
    s.header(0, 0, 0, 0, 0, 0);
    spare.push(s);
  }
}
