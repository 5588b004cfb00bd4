package dev.synack.wire;

import java.nio.ByteBuffer;

/**
 * A TCP segment as the receiving engine reads it: either the parsed record ({@link TcpSegment}) or
 * a reused view over the packet it arrived in ({@link TcpSegmentView}), so that the steady receive
 * path makes no object per segment.
 *
 * <p>The steady options have accessors of their own ({@link #hasTimestamps}, {@link #tsVal}, {@link
 * #sackBlockCount}...), which read no list; {@link #options()} gives them all as a record, which a
 * view parses (and allocates) only when asked. Sequence and acknowledgment numbers are unsigned
 * 32-bit values in {@code int}s, compared only through {@link SeqNum}.
 *
 * <p>Buffer ownership: a view's fields, and the payload buffer it lends, are valid until it is
 * pointed at the next packet, which is after the call that handed it over; {@link #toSegment} makes
 * a record of it, whose payload shares the packet's bytes just as a parsed record's does.
 */
public sealed interface InboundSegment permits TcpSegment, TcpSegmentView {
  /** Returns the source port. */
  int sourcePort();

  /** Returns the destination port. */
  int destinationPort();

  /** Returns SEG.SEQ. */
  int sequenceNumber();

  /** Returns SEG.ACK, as on the wire. */
  int acknowledgmentNumber();

  /** Returns the control bits, see {@link TcpFlags}. */
  int flags();

  /** Returns SEG.WND, the raw 16-bit field. */
  int window();

  /** Returns the checksum field as received. */
  int checksum();

  /** Returns SEG.UP. */
  int urgentPointer();

  /** Returns every option in wire order. */
  TcpOptions options();

  /**
   * Returns the payload, read-only, from its position to its limit. A record gives a buffer of its
   * own; a view lends one buffer, positioned anew by every call, valid during the call only.
   */
  ByteBuffer payload();

  /** Returns the payload length in bytes. */
  int payloadLength();

  /** Returns whether every bit of {@code mask} is set. */
  default boolean has(int mask) {
    return (flags() & mask) == mask;
  }

  /** Returns SEG.LEN: payload bytes, plus one for SYN, plus one for FIN (RFC 9293 §3.4). */
  default int segmentLength() {
    int flags = flags();
    return payloadLength()
        + ((flags & TcpFlags.SYN) != 0 ? 1 : 0)
        + ((flags & TcpFlags.FIN) != 0 ? 1 : 0);
  }

  /** Returns whether the segment carries a timestamps option (RFC 7323 §3). */
  boolean hasTimestamps();

  /** Returns TSval of the first timestamps option; 0 when there is none. */
  int tsVal();

  /** Returns TSecr of the first timestamps option; 0 when there is none. */
  int tsEcr();

  /** Returns the number of blocks of the first SACK option (RFC 2018 §3), 0 when there is none. */
  int sackBlockCount();

  /** Returns the left edge of SACK block {@code i}, 0 to {@link #sackBlockCount()} - 1. */
  int sackLeft(int i);

  /** Returns the right edge of SACK block {@code i}, 0 to {@link #sackBlockCount()} - 1. */
  int sackRight(int i);

  /** Returns the segment as a record: itself if it is one, else made from the view's fields. */
  TcpSegment toSegment();
}
