package dev.synack.stack;

import dev.synack.trace.TraceEvent;
import dev.synack.trace.TraceSink;
import dev.synack.wire.MalformedReason;
import dev.synack.wire.ReasonCode;
import dev.synack.wire.TcpSegment;

/**
 * Where a host's parts report what they did: its name in traces, its trace sink and its counters. A
 * dropped packet is counted under its reason and traced with it, in one call.
 */
final class HostLog {
  /** The host's name in traces. */
  final String name;

  /** The host's trace sink, never null. */
  final TraceSink trace;

  /** What the host counted. */
  final HostCounters counters = new HostCounters();

  HostLog(String name, TraceSink trace) {
    this.name = name;
    this.trace = trace == null ? TraceSink.NONE : trace;
  }

  /** Returns whether trace events are wanted (building them costs, so callers ask first). */
  boolean enabled() {
    return trace.enabled();
  }

  /** Traces a note about {@code conn}, when tracing is on. */
  void note(long now, String conn, String text) {
    if (trace.enabled()) trace.accept(new TraceEvent.Note(now, name, conn, text));
  }

  /**
   * Drops a packet that does not parse (bad checksum, lengths, header fields): counted as malformed
   * too (Linux's InErrors, InCsumErrors).
   */
  void dropMalformed(MalformedReason reason, long now) {
    counters.malformed++;
    drop(reason, "", now);
  }

  /**
   * Drops a packet for {@code reason}, the host's or a wire parser's: counted under its code and
   * traced with its text.
   */
  void drop(ReasonCode reason, String conn, long now) {
    counters.drop(reason);
    if (trace.enabled()) {
      trace.accept(
          new TraceEvent.Segment(
              now, name, conn, TraceEvent.SegmentAction.DROP, null, reason.text()));
    }
  }

  /**
   * Drops a TCP segment for {@code reason}: counted under its code and traced with its text and the
   * segment.
   */
  void drop(HostDropReason reason, String conn, TcpSegment seg, long now) {
    counters.drop(reason);
    if (trace.enabled()) {
      trace.accept(
          new TraceEvent.Segment(
              now,
              name,
              conn,
              TraceEvent.SegmentAction.DROP,
              TraceEvent.SegmentInfo.of(seg),
              reason.text()));
    }
  }
}
