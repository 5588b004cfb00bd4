package dev.synack.trace;

import dev.synack.wire.OutboundSegment;
import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpSegment;

/**
 * One thing that happened in a host, as the trace records it. Every event has a time, the host's
 * name and the connection it concerns ({@code "srcaddr:port-dstaddr:port"} as seen from that host,
 * IPv6 addresses in brackets; empty for host-wide events).
 *
 * <p>The JSON form is the contract of {@code ../DESIGN.md}: {@link JsonLines} writes and reads it.
 */
public sealed interface TraceEvent {
  /** Returns the time of the event in nanoseconds, on the clock of the stack that emitted it. */
  long timeNanos();

  /** Returns the name of the host the event happened in. */
  String host();

  /** Returns the connection, {@code "srcaddr:port-dstaddr:port"}, or empty for host-wide events. */
  String conn();

  /** The JSON {@code event} name. */
  String eventName();

  /** A state change, {@code {"event":"state","from":"SYN_SENT","to":"ESTABLISHED"}}. */
  record StateChange(long timeNanos, String host, String conn, String from, String to)
      implements TraceEvent {
    @Override
    public String eventName() {
      return "state";
    }
  }

  /** What a segment event did to the segment. */
  enum SegmentAction {
    SEND("send"),
    RECV("recv"),
    DROP("drop"),
    RETRANSMIT("retransmit");

    private final String jsonName;

    SegmentAction(String jsonName) {
      this.jsonName = jsonName;
    }

    /** Returns the JSON {@code event} name. */
    public String jsonName() {
      return jsonName;
    }
  }

  /**
   * A segment sent, received, dropped (with a reason) or retransmitted.
   *
   * @param segment the segment's fields; {@code null} for a dropped packet too broken to read as a
   *     segment (a bad checksum, a truncated header), whose {@code drop} line then has only its
   *     {@code reason}
   * @param reason why a segment was dropped; {@code null} for the other actions
   */
  record Segment(
      long timeNanos,
      String host,
      String conn,
      SegmentAction action,
      SegmentInfo segment,
      String reason)
      implements TraceEvent {
    @Override
    public String eventName() {
      return action.jsonName();
    }
  }

  /**
   * A timer set, fired or cancelled, {@code {"event":"timer","timer":"TIME_WAIT","action":"set"}}.
   */
  record Timer(long timeNanos, String host, String conn, String timer, String action)
      implements TraceEvent {
    @Override
    public String eventName() {
      return "timer";
    }
  }

  /**
   * A sample of a connection's sender state, for the plots of the HTML page.
   *
   * @param cwnd the congestion window in bytes
   * @param srttNanos the smoothed RTT, 0 before the first sample
   * @param bytesInFlight bytes sent and not yet acknowledged
   */
  record Sample(
      long timeNanos, String host, String conn, long cwnd, long srttNanos, long bytesInFlight)
      implements TraceEvent {
    @Override
    public String eventName() {
      return "sample";
    }
  }

  /**
   * A whole IP packet as it crossed the host's link, for pcap output. Emitted only to sinks whose
   * {@link TraceSink#wantsPackets()} is true; not written as JSON.
   *
   * @param outbound true when the host sent it, false when it received it
   * @param bytes the IP packet; the event owns this array
   */
  record Packet(long timeNanos, String host, String conn, boolean outbound, byte[] bytes)
      implements TraceEvent {
    @Override
    public String eventName() {
      return "packet";
    }
  }

  /** A line of narration or a host-wide notice (listener full, ICMP received...). */
  record Note(long timeNanos, String host, String conn, String text) implements TraceEvent {
    @Override
    public String eventName() {
      return "note";
    }
  }

  /**
   * The fields of a segment that a trace shows: the absolute 32-bit {@code seq} and {@code ack} on
   * the wire, the raw 16-bit {@code win}, the payload length and the options as tcpdump prints
   * them.
   */
  record SegmentInfo(int flags, long seq, long ack, int win, int len, String options) {
    /** Returns the trace fields of a segment. */
    public static SegmentInfo of(TcpSegment s) {
      return new SegmentInfo(
          s.flags(),
          Integer.toUnsignedLong(s.sequenceNumber()),
          Integer.toUnsignedLong(s.acknowledgmentNumber()),
          s.window(),
          s.payloadLength(),
          s.options().describe());
    }

    /** Returns the trace fields of a segment on its way out. */
    public static SegmentInfo of(OutboundSegment s) {
      return new SegmentInfo(
          s.flags(),
          Integer.toUnsignedLong(s.sequenceNumber()),
          Integer.toUnsignedLong(s.acknowledgmentNumber()),
          s.window(),
          s.payloadLength(),
          s.options().describe());
    }

    /** Returns whether every bit of {@code mask} is set. */
    public boolean has(int mask) {
      return TcpFlags.has(flags, mask);
    }
  }
}
