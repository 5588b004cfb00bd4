package dev.synack.wire;

import java.net.InetAddress;
import java.nio.ByteBuffer;

/** Parses and writes TCP segments, checksum with the pseudo-header included (RFC 9293 §3.1). */
public final class TcpCodec {
  /** The IP protocol number of TCP. */
  public static final int PROTOCOL = 6;

  private TcpCodec() {}

  /**
   * Parses the TCP segment in {@code tcpBytes}' remaining bytes, sent from {@code source} to
   * {@code destination}, or returns the reason it is malformed. Never throws for any bytes.
   *
   * <p>The checksum is checked before the options, so a corrupted segment is reported as
   * {@code tcp-bad-checksum} rather than by whatever the corruption did to its options. The buffer's
   * position and limit are not changed; the returned payload shares its bytes.
   *
   * @param verifyChecksum false to accept any checksum, for links that verify it themselves
   */
  public static Parsed<TcpSegment> parse(ByteBuffer tcpBytes, InetAddress source, InetAddress destination, boolean verifyChecksum) {
    int length = tcpBytes.remaining();
    if (length < TcpHeader.MIN_HEADER_LENGTH) return Parsed.malformed("tcp-truncated-header");
    if (verifyChecksum) {
      long sum = Checksum.pseudoHeaderSum(source, destination, PROTOCOL, length)
          + Checksum.sum(tcpBytes, tcpBytes.position(), length);
      if (!Checksum.verifies(sum)) return Parsed.malformed("tcp-bad-checksum");
    }
    return TcpHeader.wrap(tcpBytes).map(TcpHeader::toSegment);
  }

  /** Returns the bytes {@link #write} takes for {@code segment}: header, padded options and payload. */
  public static int encodedLength(TcpSegment segment) {
    return TcpHeader.MIN_HEADER_LENGTH + TcpOptionCodec.paddedLength(segment.options()) + segment.payloadLength();
  }

  /**
   * Writes {@code segment} at {@code out}'s position and advances it: the header, the options in
   * record order padded with zeros to a multiple of four, the payload, and the checksum computed
   * over the pseudo-header of {@code source} and {@code destination} (the record's checksum field
   * is ignored). The segment's payload is only read.
   *
   * @throws IllegalArgumentException if the options exceed 40 bytes, {@code out} has too little
   *     room, or the addresses are of different families
   */
  public static void write(TcpSegment segment, InetAddress source, InetAddress destination, ByteBuffer out) {
    int length = encodedLength(segment);
    if (out.remaining() < length) {
      throw new IllegalArgumentException("segment needs " + length + " bytes, buffer has " + out.remaining());
    }
    int at = out.position();
    ByteBuffer caller = out;
    // A duplicate is big-endian whatever the caller's order, as the wire needs.
    out = caller.duplicate();
    int optionsLength = TcpOptionCodec.write(segment.options(), out, at + TcpHeader.MIN_HEADER_LENGTH);
    int headerLength = TcpHeader.MIN_HEADER_LENGTH + optionsLength;
    out.putShort(at, (short) segment.sourcePort());
    out.putShort(at + 2, (short) segment.destinationPort());
    out.putInt(at + 4, segment.sequenceNumber());
    out.putInt(at + 8, segment.acknowledgmentNumber());
    out.put(at + 12, (byte) ((headerLength / 4) << 4));
    out.put(at + 13, (byte) segment.flags());
    out.putShort(at + 14, (short) segment.window());
    out.putShort(at + 16, (short) 0);
    out.putShort(at + 18, (short) segment.urgentPointer());
    ByteBuffer payload = segment.payload();
    out.put(at + headerLength, payload, payload.position(), payload.remaining());
    long sum = Checksum.pseudoHeaderSum(source, destination, PROTOCOL, length) + Checksum.sum(out, at, length);
    out.putShort(at + 16, (short) Checksum.finish(sum));
    caller.position(at + length);
  }

  /** Returns {@code segment} written into a new array, checksum included. */
  public static byte[] toBytes(TcpSegment segment, InetAddress source, InetAddress destination) {
    byte[] bytes = new byte[encodedLength(segment)];
    write(segment, source, destination, ByteBuffer.wrap(bytes));
    return bytes;
  }
}
