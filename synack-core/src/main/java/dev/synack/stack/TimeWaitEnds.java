package dev.synack.stack;

import dev.synack.tcp.FourTuple;
import dev.synack.tcp.TimeWaitTcb;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.function.Consumer;

/**
 * The host's connections in TIME-WAIT held as {@link TimeWaitTcb} records (Linux's timewait sockets
 * in the established hash): by 4-tuple, and by deadline so that 2 MSL frees each pair.
 */
final class TimeWaitEnds {
  /** One record and what the host keeps beside it. */
  static final class End {
    final TimeWaitTcb tcb;

    /** How the connection's socket shared its port, for later binds ({@link Connection#bind}). */
    final BindOptions bind;

    End(TimeWaitTcb tcb, BindOptions bind) {
      this.tcb = tcb;
      this.bind = bind;
    }
  }

  private final Map<FourTuple, End> ends = new HashMap<>();

  /**
   * The ends by deadline, earliest first; an end revived before its deadline stays here until then
   * and is skipped (its deadline never changes: a revived connection that waits again is a new
   * end).
   */
  private final PriorityQueue<End> byDeadline =
      new PriorityQueue<>((a, b) -> Long.compare(a.tcb.deadline(), b.tcb.deadline()));

  /** Adds an end under its 4-tuple. */
  void add(TimeWaitTcb tcb, BindOptions bind) {
    End e = new End(tcb, bind);
    ends.put(tcb.id(), e);
    byDeadline.add(e);
  }

  /** Returns the number of ends held. */
  int size() {
    return ends.size();
  }

  /** Returns whether an end holds {@code id}. */
  boolean contains(FourTuple id) {
    return !ends.isEmpty() && ends.containsKey(id);
  }

  /** Takes the end of {@code id} out and returns it, or returns null. */
  End take(FourTuple id) {
    return ends.isEmpty() ? null : ends.remove(id);
  }

  /**
   * Takes the end of a segment from {@code remote}:{@code remotePort} to {@code local}:{@code
   * localPort} out and returns it, or returns null.
   */
  End take(InetAddress local, int localPort, InetAddress remote, int remotePort) {
    if (ends.isEmpty()) return null;
    return ends.remove(new FourTuple(local, localPort, remote, remotePort));
  }

  /** Returns the ends held, as a read-only view. */
  Iterable<End> values() {
    return ends.values();
  }

  /** Returns the earliest deadline, or {@code Long.MAX_VALUE}. */
  long nextDeadline() {
    End e;
    // An end revived (and perhaps taken again, with a later deadline) is stale here: skipped.
    while ((e = byDeadline.peek()) != null && ends.get(e.tcb.id()) != e) byDeadline.poll();
    return e == null ? Long.MAX_VALUE : e.tcb.deadline();
  }

  /**
   * Frees every end whose 2 MSL ended by {@code now}, telling {@code freed} its 4-tuple (RFC 9293
   * §3.10.8: "If the time-wait timeout expires on a connection, delete the TCB").
   */
  void expire(long now, Consumer<FourTuple> freed) {
    End e;
    while ((e = byDeadline.peek()) != null && e.tcb.deadline() <= now) {
      byDeadline.poll();
      FourTuple id = e.tcb.id();
      if (ends.remove(id, e)) freed.accept(id);
    }
  }
}
