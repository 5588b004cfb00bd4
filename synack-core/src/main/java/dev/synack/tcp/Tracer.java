package dev.synack.tcp;

import dev.synack.trace.DropReason;
import dev.synack.trace.TraceEvent;
import dev.synack.trace.TraceEvent.SegmentAction;
import dev.synack.trace.TraceEvent.SegmentInfo;
import dev.synack.trace.TraceSink;
import dev.synack.wire.InboundSegment;
import dev.synack.wire.OutboundSegment;
import dev.synack.wire.TcpSegment;

/**
 * Emits one connection's trace events with its host name and {@code conn}.
 *
 * <p>An arriving segment is traced once: as {@code recv}, or as {@code drop} with a reason when it
 * is discarded before it changed anything. So its event is held back until the first effect (a
 * state change, a timer) or the end of its processing, whichever comes first.
 */
final class Tracer {
  /**
   * Where events go, {@code null} when the sink wants none: whether it does is asked once, not for
   * every segment.
   */
  private final TraceSink sink;

  /** Where drops are counted (the host's counters), traced or not; never {@code null}. */
  private final TraceSink dropCounter;

  private final String host;

  /**
   * The {@code conn} field, the connection's identity as text; {@code null} when untraced, which
   * needs none.
   */
  private String conn;

  /** The segment being processed and not yet traced, as a record, or {@code null}. */
  private TcpSegment arrival;

  /**
   * The segment {@link #arrival} was made from (a reused view, or the record itself), so that a
   * drop of it is known as the drop of the arrival; {@code null} with it.
   */
  private InboundSegment arrivalSource;

  private long arrivalTime;

  /**
   * Whether events are held back: while a TCB is rebuilt from a SYN cookie, its past is not
   * retraced.
   */
  private boolean muted;

  /**
   * The last sample traced (cwnd, SRTT, bytes in flight), so that one is traced only on change;
   * {@code null} before the first.
   */
  private long[] lastSample;

  Tracer(TraceSink sink, String host, FourTuple id) {
    this.sink = sink != null && sink.enabled() ? sink : null;
    this.dropCounter = sink == null ? TraceSink.NONE : sink;
    this.host = host == null ? "" : host;
    rename(id);
  }

  /** Holds back (true) or lets through (false) every event. */
  void mute(boolean on) {
    muted = on;
  }

  /** Follows the connection's identity when LISTEN fills in the foreign socket. */
  void rename(FourTuple id) {
    conn = sink == null ? null : id.toString();
  }

  /** Returns whether events are traced at all. */
  boolean enabled() {
    return sink != null;
  }

  /** Notes a segment whose processing starts; traced as {@code recv} unless it is dropped first. */
  void arrival(InboundSegment seg, long now) {
    if (sink == null) return; // untraced: nothing to hold back, no record made
    flushArrival();
    arrival = seg.toSegment();
    arrivalSource = seg;
    arrivalTime = now;
  }

  /** Traces the pending arrival as {@code recv}, if it is not yet traced. */
  void flushArrival() {
    if (arrival == null) return;
    TcpSegment seg = arrival;
    arrival = null;
    arrivalSource = null;
    segment(arrivalTime, seg, SegmentAction.RECV, null);
  }

  /**
   * Traces a segment discarded for {@code reason}: counted under its code, traced with its text.
   */
  @SuppressWarnings("ReferenceEquality") // the segment being received, not an equal one
  void drop(InboundSegment seg, long now, DropReason reason) {
    TcpSegment record = null;
    if (arrival != null && arrivalSource == seg) {
      record = arrival;
      arrival = null;
      arrivalSource = null;
    }
    if (!muted) dropCounter.countDrop(reason);
    if (sink != null && !muted)
      segment(now, record != null ? record : seg.toSegment(), SegmentAction.DROP, reason.text());
  }

  /** Traces a segment leaving, first sent or retransmitted. */
  void send(OutboundSegment seg, long now, boolean retransmit) {
    flushArrival();
    if (sink != null) {
      sink.accept(
          new TraceEvent.Segment(
              now,
              host,
              conn,
              retransmit ? SegmentAction.RETRANSMIT : SegmentAction.SEND,
              SegmentInfo.of(seg),
              null));
    }
  }

  void state(long now, TcpState from, TcpState to) {
    flushArrival();
    if (sink != null && !muted)
      sink.accept(new TraceEvent.StateChange(now, host, conn, from.name(), to.name()));
  }

  void timer(long now, TimerKind kind, String action) {
    flushArrival();
    if (sink != null && !muted)
      sink.accept(new TraceEvent.Timer(now, host, conn, kind.traceName(), action));
  }

  /**
   * Traces the sender's state for the plots, if it changed: cwnd and bytes in flight in bytes, SRTT
   * in ns.
   */
  void sample(long now, long cwnd, long srttNanos, long bytesInFlight) {
    if (sink == null) return;
    if (lastSample == null) {
      lastSample = new long[] {-1, -1, -1};
    } else if (lastSample[0] == cwnd
        && lastSample[1] == srttNanos
        && lastSample[2] == bytesInFlight) {
      return;
    }
    lastSample[0] = cwnd;
    lastSample[1] = srttNanos;
    lastSample[2] = bytesInFlight;
    flushArrival();
    sink.accept(new TraceEvent.Sample(now, host, conn, cwnd, srttNanos, bytesInFlight));
  }

  /**
   * Traces a line that says what the engine concluded (a loss detected, a spurious retransmission
   * undone).
   */
  void note(long now, String text) {
    flushArrival();
    if (sink != null) sink.accept(new TraceEvent.Note(now, host, conn, text));
  }

  private void segment(long now, TcpSegment seg, SegmentAction action, String reason) {
    if (sink != null && !muted)
      sink.accept(new TraceEvent.Segment(now, host, conn, action, SegmentInfo.of(seg), reason));
  }
}
