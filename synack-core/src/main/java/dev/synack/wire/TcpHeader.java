package dev.synack.wire;

import java.nio.ByteBuffer;

/**
 * A view over the bytes of one TCP segment (RFC 9293 §3.1), header and payload.
 *
 * <p>{@link #wrap} checks the lengths and parses the options once; after that no accessor throws.
 * Accessors read the bytes with absolute gets, so the view never moves a position. The view shares
 * the bytes it wraps: they must not change while the view or a payload it returned is in use.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Source Port          |       Destination Port        |
 * |                        Sequence Number                        |
 * |                    Acknowledgment Number                      |
 * |  DOff |  Rsrvd|C|E|U|A|P|R|S|F|             Window            |
 * |           Checksum            |         Urgent Pointer        |
 * |                    [Options]                  |               |
 * </pre>
 */
public final class TcpHeader {
  /** The length of the header without options. */
  public static final int MIN_HEADER_LENGTH = 20;

  private static final int SOURCE_PORT = 0;
  private static final int DESTINATION_PORT = 2;
  private static final int SEQUENCE_NUMBER = 4;
  private static final int ACKNOWLEDGMENT_NUMBER = 8;
  private static final int DATA_OFFSET = 12;
  private static final int FLAGS = 13;
  private static final int WINDOW = 14;
  private static final int CHECKSUM = 16;
  private static final int URGENT_POINTER = 18;

  /** The segment's bytes, position 0, limit the segment's length, big-endian. */
  private final ByteBuffer buf;

  /** The options, parsed once by {@link #wrap}. */
  private final TcpOptions options;

  private TcpHeader(ByteBuffer buf, TcpOptions options) {
    this.buf = buf;
    this.options = options;
  }

  /**
   * Returns a view over the segment in {@code segment}'s remaining bytes, or the reason it is
   * malformed. The buffer's position and limit are not changed; the view shares its bytes.
   */
  public static Parsed<TcpHeader> wrap(ByteBuffer segment) {
    ByteBuffer buf = segment.slice();
    if (buf.limit() < MIN_HEADER_LENGTH)
      return Parsed.malformed(MalformedReason.TCP_TRUNCATED_HEADER);
    int headerLength = (Bytes.u8(buf, DATA_OFFSET) >>> 4) * 4;
    if (headerLength < MIN_HEADER_LENGTH)
      return Parsed.malformed(MalformedReason.TCP_DATA_OFFSET_TOO_SMALL);
    if (headerLength > buf.limit())
      return Parsed.malformed(MalformedReason.TCP_DATA_OFFSET_PAST_END);
    return TcpOptionCodec.parse(buf, MIN_HEADER_LENGTH, headerLength)
        .map(options -> new TcpHeader(buf, options));
  }

  /** Returns the source port. */
  public int sourcePort() {
    return Bytes.u16(buf, SOURCE_PORT);
  }

  /** Returns the destination port. */
  public int destinationPort() {
    return Bytes.u16(buf, DESTINATION_PORT);
  }

  /** Returns the sequence number, unsigned 32-bit in an {@code int}. */
  public int sequenceNumber() {
    return buf.getInt(SEQUENCE_NUMBER);
  }

  /** Returns the acknowledgment number, unsigned 32-bit in an {@code int}. */
  public int acknowledgmentNumber() {
    return buf.getInt(ACKNOWLEDGMENT_NUMBER);
  }

  /** Returns the data offset: the header length in 32-bit words, 5 to 15. */
  public int dataOffset() {
    return Bytes.u8(buf, DATA_OFFSET) >>> 4;
  }

  /** Returns the header length in bytes, options included. */
  public int headerLength() {
    return dataOffset() * 4;
  }

  /**
   * Returns the control bits AE CWR ECE URG ACK PSH RST SYN FIN (AE from byte 12, RFC 9768 §3.2.1),
   * see {@link TcpFlags}.
   */
  public int flags() {
    return ((Bytes.u8(buf, DATA_OFFSET) & 0x01) << 8) | Bytes.u8(buf, FLAGS);
  }

  /** Returns whether CWR (congestion window reduced, RFC 3168) is set. */
  public boolean cwr() {
    return (flags() & TcpFlags.CWR) != 0;
  }

  /** Returns whether ECE (ECN-echo, RFC 3168) is set. */
  public boolean ece() {
    return (flags() & TcpFlags.ECE) != 0;
  }

  /** Returns whether URG is set. */
  public boolean urg() {
    return (flags() & TcpFlags.URG) != 0;
  }

  /** Returns whether ACK is set. */
  public boolean ack() {
    return (flags() & TcpFlags.ACK) != 0;
  }

  /** Returns whether PSH is set. */
  public boolean psh() {
    return (flags() & TcpFlags.PSH) != 0;
  }

  /** Returns whether RST is set. */
  public boolean rst() {
    return (flags() & TcpFlags.RST) != 0;
  }

  /** Returns whether SYN is set. */
  public boolean syn() {
    return (flags() & TcpFlags.SYN) != 0;
  }

  /** Returns whether FIN is set. */
  public boolean fin() {
    return (flags() & TcpFlags.FIN) != 0;
  }

  /** Returns the raw 16-bit window field, before any window scaling. */
  public int window() {
    return Bytes.u16(buf, WINDOW);
  }

  /** Returns the checksum field as received. */
  public int checksum() {
    return Bytes.u16(buf, CHECKSUM);
  }

  /** Returns the urgent pointer. */
  public int urgentPointer() {
    return Bytes.u16(buf, URGENT_POINTER);
  }

  /** Returns the options, in wire order. */
  public TcpOptions options() {
    return options;
  }

  /** Returns the payload length in bytes. */
  public int payloadLength() {
    return buf.limit() - headerLength();
  }

  /** Returns a read-only view of the payload, position 0; it shares the wrapped bytes. */
  public ByteBuffer payload() {
    return Bytes.slice(buf, headerLength(), payloadLength());
  }

  /** Returns the parsed record; its payload shares the wrapped bytes. */
  public TcpSegment toSegment() {
    return new TcpSegment(
        sourcePort(),
        destinationPort(),
        sequenceNumber(),
        acknowledgmentNumber(),
        flags(),
        window(),
        checksum(),
        urgentPointer(),
        options,
        payload());
  }

  /** Returns the segment as one tcpdump-like line. */
  @Override
  public String toString() {
    return toSegment().toString();
  }
}
