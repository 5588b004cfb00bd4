package dev.synack.stack;

import dev.synack.tcp.FourTuple;
import dev.synack.tcp.TimeWaitTcb;
import dev.synack.wire.OutboundSegment;
import java.net.InetAddress;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;

/**
 * The host's connections by 4-tuple (RFC 9293 §3.10.7's "if the connection exists"), with the queue
 * of connections that may send and the queue of their deadlines: what every path into an engine and
 * out of it goes through.
 */
final class ConnectionTable {
  private final ConnectionIndex connections = new ConnectionIndex();

  /**
   * The connection the last TCP segment was for, or {@code null}: the next is likely for it too.
   */
  private Connection lastFound;

  /** Connections that may have segments to send. */
  private final ArrayDeque<Connection> outputQueue = new ArrayDeque<>();

  /** The connections with a deadline, earliest first. */
  private final DeadlineQueue deadlines = new DeadlineQueue();

  /**
   * The connection whose deadline may have moved since {@link #deadlines} last heard of it, or
   * {@code null}: a run of calls for one connection (each segment it sends or takes, each user
   * call) looks at its timers once, when the deadlines are next read, not once per call.
   */
  private Connection unscheduled;

  /**
   * The segment a connection sends next, refilled for every segment and written at once into its
   * packet.
   */
  private final OutboundSegment outbound = new OutboundSegment();

  /** The connections in TIME-WAIT held as records, not as connections ({@link TimeWaitEnds}). */
  final TimeWaitEnds timeWaits = new TimeWaitEnds();

  /** Releases a closed connection that left the output queue ({@link TcpEndpoints#release}). */
  private final Consumer<Connection> releaseIfDone;

  ConnectionTable(Consumer<Connection> releaseIfDone) {
    this.releaseIfDone = releaseIfDone;
  }

  /**
   * Returns the connection of a segment from {@code remote}:{@code remotePort} to {@code
   * local}:{@code localPort}, or null; the one found last is tried before the table, since segments
   * come in runs for one connection.
   */
  Connection find(InetAddress local, int localPort, InetAddress remote, int remotePort) {
    Connection c = lastFound;
    if (c == null || c.released || !c.id().matches(local, localPort, remote, remotePort)) {
      c = connections.get(local, localPort, remote, remotePort);
      lastFound = c;
    }
    return c;
  }

  /** Returns the connection of {@code id}, or null. */
  Connection get(FourTuple id) {
    return connections.get(id);
  }

  /** Returns whether a connection holds {@code id}. */
  boolean contains(FourTuple id) {
    return connections.get(id) != null || timeWaits.contains(id);
  }

  /**
   * Hears each 4-tuple held and let go, for the other hosts of a loop group ({@link StrayHandoff}).
   */
  private StrayHandoff group = StrayHandoff.NONE;

  /** Sets who hears the 4-tuples held and let go. */
  void setGroup(StrayHandoff group) {
    this.group = group;
  }

  /** Adds a connection under its 4-tuple, which must be its engine's. */
  void put(FourTuple id, Connection c) {
    if (!id.equals(c.id())) throw new IllegalArgumentException(id + " is not the tuple of " + c);
    connections.put(c);
    group.held(id);
  }

  /** Returns the connection found last, or {@code null}: the steady path's guess for the next. */
  Connection lastFound() {
    return lastFound;
  }

  /** Returns the number of connections held (in any state but released), TIME-WAIT records too. */
  int size() {
    return connections.size() + timeWaits.size();
  }

  /** Returns the connections held, as a read-only view. */
  Collection<Connection> values() {
    return Collections.unmodifiableCollection(connections);
  }

  /** Returns a snapshot of the connections held. */
  List<Connection> snapshot() {
    return List.copyOf(connections);
  }

  /** Returns the entries of the deadline queue: one per connection with a deadline. */
  int deadlineQueueSize() {
    scheduleMoved();
    return deadlines.size();
  }

  /**
   * Returns whether a connection holds {@code port} on an address overlapping {@code address}
   * (null: any).
   */
  boolean holdsPort(InetAddress address, int port) {
    for (Connection c : connections) {
      FourTuple id = c.id();
      if (id.localPort() == port && ListenerTable.overlap(address, id.localAddress())) return true;
    }
    for (TimeWaitEnds.End e : timeWaits.values()) {
      FourTuple id = e.tcb.id();
      if (id.localPort() == port && ListenerTable.overlap(address, id.localAddress())) return true;
    }
    return false;
  }

  /** Queues a connection for output unless it is queued already. */
  void queueForOutput(Connection c) {
    if (!c.queuedForOutput) {
      c.queuedForOutput = true;
      outputQueue.add(c);
    }
  }

  /**
   * Notes that the connection's next deadline may have changed: it moves in the deadline queue
   * before the queue is next read ({@link #nextDeadline}, {@link #takeDue}), or at once when
   * another connection's may have changed too.
   */
  @SuppressWarnings("ReferenceEquality") // the same connection
  void reschedule(Connection c) {
    if (unscheduled != c) {
      scheduleMoved();
      unscheduled = c;
    }
  }

  /**
   * Moves the connection noted by {@link #reschedule} in the deadline queue if its deadline did.
   */
  private void scheduleMoved() {
    Connection c = unscheduled;
    if (c == null) return;
    unscheduled = null;
    if (c.released) return;
    long next = c.engine.pollTimeout();
    if (next != c.scheduledDeadline) deadlines.schedule(c, next);
  }

  /**
   * Replaces a connection in TIME-WAIT by its record ({@link TimeWaitTcb#takeFrom}): the 4-tuple
   * stays held.
   */
  void toTimeWait(Connection c, TimeWaitTcb tcb) {
    timeWaits.add(tcb, c.bind);
    if (unscheduled == c) unscheduled = null;
    connections.remove(c);
    deadlines.remove(c);
  }

  /**
   * Holds a connection revived from its TIME-WAIT record under its 4-tuple, which the record held.
   */
  void putRevived(Connection c) {
    connections.put(c);
  }

  /** Frees the TIME-WAIT records whose 2 MSL ended by {@code now}. */
  void expireTimeWaits(long now) {
    timeWaits.expire(now, group::released);
  }

  /** Forgets a connection's 4-tuple and deadline. */
  @SuppressWarnings("ReferenceEquality") // the same connection
  void remove(Connection c) {
    if (unscheduled == c) unscheduled = null;
    if (connections.remove(c)) group.released(c.id());
    deadlines.remove(c);
  }

  /**
   * Takes the next segment a connection sends into {@link #outbound()} and returns the connection,
   * or returns null when none has one. The segment counts as sent: the caller writes it at once.
   */
  Connection nextSegment(long now) {
    return nextSegment(now, 1);
  }

  /**
   * As {@link #nextSegment(long)}, for a caller that would put up to {@code frameSegments} segments
   * of the connection in one write starting with this one.
   */
  Connection nextSegment(long now, int frameSegments) {
    while (!outputQueue.isEmpty()) {
      Connection c = outputQueue.peek();
      boolean sent = !c.released && c.engine.pollTransmit(now, outbound, frameSegments);
      // Sending arms timers (the RTO starts when a segment leaves), and so may finding nothing to
      // send (the persist timer starts when data waits behind a zero window): the deadline moves.
      if (!c.released) reschedule(c);
      if (!sent) {
        outputQueue.poll();
        c.queuedForOutput = false;
        releaseIfDone.accept(c);
        continue;
      }
      return c;
    }
    return null;
  }

  /**
   * Takes the next segment of {@code c} only, into {@link #outbound()}, and returns whether it had
   * one; a connection with nothing more leaves the output queue at the next {@link #nextSegment}.
   */
  boolean nextSegmentOf(Connection c, long now) {
    if (c.released || outputQueue.peek() != c) return false;
    boolean sent = c.engine.pollTransmit(now, outbound);
    reschedule(c);
    return sent;
  }

  /** Returns the segment {@link #nextSegment} took last; valid until the next call. */
  OutboundSegment outbound() {
    return outbound;
  }

  /** Returns the earliest deadline of any connection, or {@code Long.MAX_VALUE}. */
  long nextDeadline() {
    scheduleMoved();
    return Math.min(deadlines.nextTime(), timeWaits.nextDeadline());
  }

  /**
   * Takes the connection whose deadline is earliest out of the deadline queue and returns it, if
   * that deadline is due at {@code now}; else returns null.
   */
  Connection takeDue(long now) {
    scheduleMoved();
    Connection c = deadlines.first();
    if (c == null || c.scheduledDeadline > now) return null;
    deadlines.remove(c);
    return c;
  }
}
