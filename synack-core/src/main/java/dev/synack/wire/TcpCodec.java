package dev.synack.wire;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Parses and writes TCP segments, checksum with the pseudo-header included (RFC 9293 §3.1). */
public final class TcpCodec {
  /** The IP protocol number of TCP. */
  public static final int PROTOCOL = 6;

  private TcpCodec() {}

  /**
   * Parses the TCP segment in {@code tcpBytes}' remaining bytes, sent from {@code source} to {@code
   * destination}, or returns the reason it is malformed. Never throws for any bytes.
   *
   * <p>The checksum is checked before the options, so a corrupted segment is reported as {@code
   * tcp-bad-checksum} rather than by whatever the corruption did to its options. The buffer's
   * position and limit are not changed; the returned payload shares its bytes.
   *
   * @param verifyChecksum false to accept any checksum, for links that verify it themselves
   */
  public static Parsed<TcpSegment> parse(
      ByteBuffer tcpBytes, InetAddress source, InetAddress destination, boolean verifyChecksum) {
    return parse(
        tcpBytes, verifyChecksum ? tcpBytes : null, tcpBytes.position(), source, destination);
  }

  /**
   * Parses the TCP segment in {@code tcpBytes}' remaining bytes as {@link #parse(ByteBuffer,
   * InetAddress, InetAddress, boolean)} with its checksum verified, the sum taken over {@code
   * sameBytes} from absolute index {@code sameAt}: the same bytes in a buffer whose array the sum
   * reads directly ({@link Checksum}), where {@code tcpBytes} is a read-only view the sum reads
   * only through its slower accessors. The stack parses read-only views of a packet that arrived in
   * a writable buffer.
   */
  public static Parsed<TcpSegment> parse(
      ByteBuffer tcpBytes,
      ByteBuffer sameBytes,
      int sameAt,
      InetAddress source,
      InetAddress destination) {
    int length = tcpBytes.remaining();
    if (length < TcpHeader.MIN_HEADER_LENGTH)
      return Parsed.malformed(MalformedReason.TCP_TRUNCATED_HEADER);
    if (sameBytes != null) {
      long sum =
          Checksum.pseudoHeaderSum(source, destination, PROTOCOL, length)
              + Checksum.sum(sameBytes, sameAt, length);
      if (!Checksum.verifies(sum)) return Parsed.malformed(MalformedReason.TCP_BAD_CHECKSUM);
    }
    return TcpHeader.wrap(tcpBytes).map(TcpHeader::toSegment);
  }

  /**
   * Returns the bytes {@link #write} takes for {@code segment}: header, padded options and payload.
   */
  public static int encodedLength(TcpSegment segment) {
    return TcpHeader.MIN_HEADER_LENGTH
        + TcpOptionCodec.paddedLength(segment.options())
        + segment.payloadLength();
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
  public static void write(
      TcpSegment segment, InetAddress source, InetAddress destination, ByteBuffer out) {
    write(new OutboundSegment().set(segment), source, destination, out);
  }

  /**
   * Writes {@code segment} at {@code out}'s position and advances it, as {@link #write(TcpSegment,
   * InetAddress, InetAddress, ByteBuffer)}: the payload is copied once, from where it lies into
   * {@code out}.
   *
   * @throws IllegalArgumentException if the options exceed 40 bytes, {@code out} has too little
   *     room, or the addresses are of different families
   */
  public static void write(
      OutboundSegment segment, InetAddress source, InetAddress destination, ByteBuffer out) {
    int length = segment.encodedLength();
    if (out.remaining() < length) {
      throw new IllegalArgumentException(
          "segment needs " + length + " bytes, buffer has " + out.remaining());
    }
    int at = out.position();
    // The wire is big-endian whatever the caller's order; a duplicate is big-endian.
    ByteBuffer wire = out.order() == ByteOrder.BIG_ENDIAN ? out : out.duplicate();
    segment.write(wire, at);
    long sum =
        Checksum.pseudoHeaderSum(source, destination, PROTOCOL, length)
            + Checksum.sum(wire, at, length);
    wire.putShort(at + 16, (short) Checksum.finish(sum));
    out.position(at + length);
  }

  /** Returns {@code segment} written into a new array, checksum included. */
  public static byte[] toBytes(TcpSegment segment, InetAddress source, InetAddress destination) {
    byte[] bytes = new byte[encodedLength(segment)];
    write(segment, source, destination, ByteBuffer.wrap(bytes));
    return bytes;
  }
}
