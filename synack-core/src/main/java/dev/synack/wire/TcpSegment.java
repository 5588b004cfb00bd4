package dev.synack.wire;

import java.nio.ByteBuffer;

/**
 * A TCP segment: every field of the header of RFC 9293 §3.1, its options, and its payload.
 *
 * <p>The same record is what the parser returns and what the builder writes, so a segment can be
 * read, changed with a {@code with...} method and written back. Sequence and acknowledgment numbers
 * are unsigned 32-bit values kept in {@code int}s; compare them only through the engine's {@code
 * SeqNum}. The payload is a read-only buffer whose position is 0 and limit its length; it may be a
 * view into the packet it was parsed from (the caller that owns that packet decides how long it
 * lives).
 *
 * @param sourcePort the source port, 0 to 65535
 * @param destinationPort the destination port, 0 to 65535
 * @param sequenceNumber SEG.SEQ
 * @param acknowledgmentNumber SEG.ACK (meaningful when ACK is set, kept as on the wire otherwise)
 * @param flags control bits, see {@link TcpFlags}
 * @param window SEG.WND as the raw 16-bit field (not scaled)
 * @param checksum the checksum field as received; ignored by the builder, which computes it
 * @param urgentPointer SEG.UP
 * @param options options in wire order
 * @param payload the data, read-only
 */
public record TcpSegment(
    int sourcePort,
    int destinationPort,
    int sequenceNumber,
    int acknowledgmentNumber,
    int flags,
    int window,
    int checksum,
    int urgentPointer,
    TcpOptions options,
    ByteBuffer payload)
    implements InboundSegment {

  private static final ByteBuffer EMPTY = ByteBuffer.allocate(0).asReadOnlyBuffer();

  public TcpSegment {
    if ((sourcePort & ~0xffff) != 0)
      throw new IllegalArgumentException("source port out of range: " + sourcePort);
    if ((destinationPort & ~0xffff) != 0)
      throw new IllegalArgumentException("destination port out of range: " + destinationPort);
    if ((window & ~0xffff) != 0)
      throw new IllegalArgumentException("window out of range: " + window);
    if ((urgentPointer & ~0xffff) != 0)
      throw new IllegalArgumentException("urgent pointer out of range: " + urgentPointer);
    if ((flags & ~0x1ff) != 0) throw new IllegalArgumentException("flags out of range: " + flags);
    if (options == null) options = TcpOptions.NONE;
    payload = payload == null ? EMPTY : payload.isReadOnly() ? payload : payload.asReadOnlyBuffer();
  }

  /** Returns a segment with no options, no payload and a zero checksum and urgent pointer. */
  public static TcpSegment of(
      int sourcePort, int destinationPort, int seq, int ack, int flags, int window) {
    return new TcpSegment(
        sourcePort, destinationPort, seq, ack, flags, window, 0, 0, TcpOptions.NONE, EMPTY);
  }

  /**
   * Returns the payload as a read-only buffer of its own (position 0, limit the length), so that a
   * reader moving its position cannot disturb another reader of the same segment.
   */
  @Override
  public ByteBuffer payload() {
    return payload.duplicate();
  }

  /** Returns whether every bit of {@code mask} is set. */
  @Override
  public boolean has(int mask) {
    return (flags & mask) == mask;
  }

  /** Returns the payload length in bytes. */
  @Override
  public int payloadLength() {
    return payload.remaining();
  }

  /**
   * Returns SEG.LEN, the sequence space the segment occupies: payload bytes, plus one for SYN, plus
   * one for FIN (RFC 9293 §3.4).
   */
  @Override
  public int segmentLength() {
    return payload.remaining()
        + ((flags & TcpFlags.SYN) != 0 ? 1 : 0)
        + ((flags & TcpFlags.FIN) != 0 ? 1 : 0);
  }

  @Override
  public boolean hasTimestamps() {
    return options.timestamps() != null;
  }

  @Override
  public int tsVal() {
    TcpOption.Timestamps ts = options.timestamps();
    return ts == null ? 0 : ts.tsVal();
  }

  @Override
  public int tsEcr() {
    TcpOption.Timestamps ts = options.timestamps();
    return ts == null ? 0 : ts.tsEcr();
  }

  @Override
  public int sackBlockCount() {
    return options.sackBlocks().size();
  }

  @Override
  public int sackLeft(int i) {
    return options.sackBlocks().get(i).left();
  }

  @Override
  public int sackRight(int i) {
    return options.sackBlocks().get(i).right();
  }

  /** Returns this record. */
  @Override
  public TcpSegment toSegment() {
    return this;
  }

  /** Returns the header length in bytes: 20 plus the options padded to a multiple of four. */
  public int headerLength() {
    return 20 + ((options.encodedLength() + 3) & ~3);
  }

  /** Returns this segment with other options. */
  public TcpSegment withOptions(TcpOptions newOptions) {
    return new TcpSegment(
        sourcePort,
        destinationPort,
        sequenceNumber,
        acknowledgmentNumber,
        flags,
        window,
        checksum,
        urgentPointer,
        newOptions,
        payload);
  }

  /** Returns this segment with another payload. */
  public TcpSegment withPayload(ByteBuffer newPayload) {
    return new TcpSegment(
        sourcePort,
        destinationPort,
        sequenceNumber,
        acknowledgmentNumber,
        flags,
        window,
        checksum,
        urgentPointer,
        options,
        newPayload);
  }

  /**
   * Returns one tcpdump-like line: {@code 40000 > 80: Flags [S], seq 1, ack 0, win 65535, options
   * [mss 1460], length 0}.
   */
  @Override
  public String toString() {
    StringBuilder b = new StringBuilder(96);
    b.append(sourcePort)
        .append(" > ")
        .append(destinationPort)
        .append(": Flags [")
        .append(TcpFlags.tcpdump(flags))
        .append("], seq ")
        .append(Integer.toUnsignedString(sequenceNumber));
    if (payloadLength() > 0) {
      b.append(':').append(Integer.toUnsignedString(sequenceNumber + payloadLength()));
    }
    if ((flags & TcpFlags.ACK) != 0) {
      b.append(", ack ").append(Integer.toUnsignedString(acknowledgmentNumber));
    }
    b.append(", win ").append(window);
    if ((flags & TcpFlags.URG) != 0) {
      b.append(", urg ").append(urgentPointer);
    }
    if (!options.isEmpty()) {
      b.append(", options [").append(options.describe()).append(']');
    }
    b.append(", length ").append(payloadLength());
    return b.toString();
  }
}
