package dev.synack.wire;

import java.nio.ByteBuffer;

/**
 * A view over the bytes of one ICMPv4 (RFC 792) or ICMPv6 (RFC 4443 §2.1) message: type, code,
 * checksum, four bytes whose meaning depends on the type, and the body. Both versions share this
 * layout. {@link #wrap} checks the length once; after that no accessor throws.
 */
public final class IcmpPacket {
  /** The length of the header: type, code, checksum and the four type-dependent bytes. */
  public static final int HEADER_LENGTH = 8;

  /** The message's bytes, position 0, big-endian. */
  private final ByteBuffer buf;

  private IcmpPacket(ByteBuffer buf) {
    this.buf = buf;
  }

  /**
   * Returns a view over {@code message}'s remaining bytes, or {@code icmp-truncated} when shorter
   * than 8.
   */
  public static Parsed<IcmpPacket> wrap(ByteBuffer message) {
    ByteBuffer buf = message.slice();
    if (buf.limit() < HEADER_LENGTH) return Parsed.malformed(MalformedReason.ICMP_TRUNCATED);
    return Parsed.ok(new IcmpPacket(buf));
  }

  /** Returns the type. */
  public int type() {
    return Bytes.u8(buf, 0);
  }

  /** Returns the code. */
  public int code() {
    return Bytes.u8(buf, 1);
  }

  /** Returns the checksum field as received. */
  public int checksum() {
    return Bytes.u16(buf, 2);
  }

  /** Returns the four bytes after the checksum as one value. */
  public int restOfHeader() {
    return buf.getInt(4);
  }

  /** Returns the echo identifier (bytes 4-5 of an echo request or reply). */
  public int identifier() {
    return Bytes.u16(buf, 4);
  }

  /** Returns the echo sequence number (bytes 6-7 of an echo request or reply). */
  public int sequenceNumber() {
    return Bytes.u16(buf, 6);
  }

  /**
   * Returns the next-hop MTU of an ICMPv4 fragmentation-needed message (RFC 1191 §4, bytes 6-7).
   */
  public int nextHopMtu() {
    return Bytes.u16(buf, 6);
  }

  /** Returns the MTU of an ICMPv6 packet-too-big message (RFC 4443 §3.2, bytes 4-7). */
  public int mtu() {
    return buf.getInt(4);
  }

  /** Returns the message's length in bytes. */
  public int length() {
    return buf.limit();
  }

  /** Returns a read-only view of the body after the 8-byte header. */
  public ByteBuffer body() {
    return Bytes.slice(buf, HEADER_LENGTH, buf.limit() - HEADER_LENGTH);
  }
}
