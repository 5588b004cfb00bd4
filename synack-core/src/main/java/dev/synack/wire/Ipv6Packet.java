package dev.synack.wire;

import java.net.Inet6Address;
import java.nio.ByteBuffer;

/**
 * A view over the bytes of one IPv6 packet (RFC 8200 §3), with its extension headers walked to the
 * upper-layer protocol (RFC 8200 §4).
 *
 * <p>{@link #wrap} checks the lengths and walks the extension headers once; after that no accessor
 * throws. The view shares the bytes it wraps and reads them with absolute gets.
 *
 * <pre>
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version| Traffic Class |           Flow Label                  |
 * |         Payload Length        |  Next Header  |   Hop Limit   |
 * |                  Source Address (128 bits)                    |
 * |               Destination Address (128 bits)                  |
 * </pre>
 */
public final class Ipv6Packet {
  /** The length of the fixed header. */
  public static final int HEADER_LENGTH = 40;

  /** Next-header values of the extension headers walked (RFC 8200 §4.1, RFC 4302). */
  public static final int HOP_BY_HOP = 0;

  public static final int ROUTING = 43;
  public static final int FRAGMENT = 44;
  public static final int AUTHENTICATION = 51;
  public static final int NO_NEXT_HEADER = 59;
  public static final int DESTINATION_OPTIONS = 60;

  private static final int PAYLOAD_LENGTH = 4;
  private static final int NEXT_HEADER = 6;
  private static final int HOP_LIMIT = 7;
  private static final int SOURCE = 8;
  private static final int DESTINATION = 24;
  private static final int FRAGMENT_HEADER_LENGTH = 8;

  /** The packet's bytes, position 0, limit 40 plus the payload length, big-endian. */
  private final ByteBuffer buf;

  /** The protocol after the last extension header, found by {@link #wrap}. */
  private final int upperLayerProtocol;

  /** Where the upper-layer header (or, in a fragment, the fragment data) starts. */
  private final int upperLayerOffset;

  /** Where the fragment header starts, or -1 when there is none. */
  private final int fragmentHeaderOffset;

  /**
   * Where the next header field that names the fragment header lies (6 in the fixed header), or -1.
   */
  private final int fragmentPointerOffset;

  private Ipv6Packet(
      ByteBuffer buf,
      int upperLayerProtocol,
      int upperLayerOffset,
      int fragmentHeaderOffset,
      int fragmentPointerOffset) {
    this.buf = buf;
    this.upperLayerProtocol = upperLayerProtocol;
    this.upperLayerOffset = upperLayerOffset;
    this.fragmentHeaderOffset = fragmentHeaderOffset;
    this.fragmentPointerOffset = fragmentPointerOffset;
  }

  /**
   * Returns a view over the packet in {@code packet}'s remaining bytes, or the reason it is
   * malformed. Bytes past the payload length are left out of the view; fewer make the packet
   * malformed. The buffer's position and limit are not changed.
   *
   * <p>The walk stops at the first header that is not hop-by-hop, routing, fragment, destination
   * options or authentication: that is the upper-layer protocol (59, no next header, included). In
   * a fragment other than an atomic one (RFC 6946), the walk stops at the fragment header, because
   * what follows is fragment data. Jumbograms (RFC 2675) are not supported.
   */
  public static Parsed<Ipv6Packet> wrap(ByteBuffer packet) {
    ByteBuffer buf = packet.slice();
    if (buf.limit() < HEADER_LENGTH) return Parsed.malformed(MalformedReason.IPV6_TRUNCATED_HEADER);
    if (Bytes.u8(buf, 0) >>> 4 != 6) return Parsed.malformed(MalformedReason.IPV6_BAD_VERSION);
    int end = HEADER_LENGTH + Bytes.u16(buf, PAYLOAD_LENGTH);
    if (end > buf.limit()) return Parsed.malformed(MalformedReason.IPV6_PAYLOAD_LENGTH_MISMATCH);
    return walkExtensionHeaders(buf.limit(end));
  }

  /**
   * Returns a view over the start of an IPv6 packet quoted in an ICMPv6 error (RFC 4443 §3), which
   * is cut short of its payload length: the extension headers are walked within the bytes there
   * are. Only the addresses, {@link #upperLayerProtocol()}, {@link #upperLayerPayload()} and the
   * fragment accessors are meaningful; the payload length is the original packet's.
   */
  static Parsed<Ipv6Packet> wrapQuoted(ByteBuffer quoted) {
    ByteBuffer buf = quoted.slice();
    if (buf.limit() < HEADER_LENGTH) return Parsed.malformed(MalformedReason.IPV6_TRUNCATED_HEADER);
    if (Bytes.u8(buf, 0) >>> 4 != 6) return Parsed.malformed(MalformedReason.IPV6_BAD_VERSION);
    return walkExtensionHeaders(
        buf.limit(Math.min(buf.limit(), HEADER_LENGTH + Bytes.u16(buf, PAYLOAD_LENGTH))));
  }

  /**
   * Walks the extension headers of the packet in {@code buf} (position 0, limit its end) to the
   * upper layer.
   */
  private static Parsed<Ipv6Packet> walkExtensionHeaders(ByteBuffer buf) {
    int end = buf.limit();
    int next = Bytes.u8(buf, NEXT_HEADER);
    int at = HEADER_LENGTH;
    int fragmentAt = -1;
    int fragmentPointer = -1;
    int pointer = NEXT_HEADER;
    while (true) {
      int length;
      switch (next) {
        case HOP_BY_HOP, ROUTING, DESTINATION_OPTIONS, AUTHENTICATION -> {
          // RFC 8200 §4.3: hop-by-hop options may only follow the fixed header.
          if (next == HOP_BY_HOP && at != HEADER_LENGTH)
            return Parsed.malformed(MalformedReason.IPV6_MISPLACED_HOP_BY_HOP);
          if (at + 2 > end)
            return Parsed.malformed(MalformedReason.IPV6_TRUNCATED_EXTENSION_HEADER);
          // RFC 8200 §4.3-4.6: length in 8-octet units, not counting the first 8;
          // RFC 4302 §2.2: AH counts 4-octet units, not counting the first 2.
          length =
              next == AUTHENTICATION
                  ? (Bytes.u8(buf, at + 1) + 2) * 4
                  : (Bytes.u8(buf, at + 1) + 1) * 8;
        }
        case FRAGMENT -> {
          length = FRAGMENT_HEADER_LENGTH;
          fragmentAt = at;
          fragmentPointer = pointer;
        }
        default -> {
          return Parsed.ok(new Ipv6Packet(buf, next, at, fragmentAt, fragmentPointer));
        }
      }
      if (at + length > end)
        return Parsed.malformed(MalformedReason.IPV6_TRUNCATED_EXTENSION_HEADER);
      next = Bytes.u8(buf, at);
      pointer = at;
      at += length;
      if (fragmentAt >= 0 && (Bytes.u16(buf, fragmentAt + 2) & 0xfff9) != 0) {
        // A real fragment (offset or M set): the rest is fragment data, not headers (RFC 8200
        // §4.5).
        return Parsed.ok(new Ipv6Packet(buf, next, at, fragmentAt, fragmentPointer));
      }
    }
  }

  /** Returns the version field, always 6. */
  public int version() {
    return Bytes.u8(buf, 0) >>> 4;
  }

  /** Returns the traffic class (DSCP and ECN, RFC 8200 §7). */
  public int trafficClass() {
    return (buf.getInt(0) >>> 20) & 0xff;
  }

  /** Returns the 20-bit flow label (RFC 6437). */
  public int flowLabel() {
    return buf.getInt(0) & 0xfffff;
  }

  /** Returns the payload length: the bytes after the fixed header, extension headers included. */
  public int payloadLength() {
    return Bytes.u16(buf, PAYLOAD_LENGTH);
  }

  /** Returns the next header field of the fixed header. */
  public int nextHeader() {
    return Bytes.u8(buf, NEXT_HEADER);
  }

  /** Returns the hop limit. */
  public int hopLimit() {
    return Bytes.u8(buf, HOP_LIMIT);
  }

  /** Returns the source address. */
  public Inet6Address source() {
    return Bytes.address6(buf, SOURCE);
  }

  /** Returns the destination address. */
  public Inet6Address destination() {
    return Bytes.address6(buf, DESTINATION);
  }

  /** Returns a read-only view of the payload after the fixed header, extension headers included. */
  public ByteBuffer payload() {
    return Bytes.slice(buf, HEADER_LENGTH, payloadLength());
  }

  /** Returns the protocol after the extension headers (6 TCP, 58 ICMPv6, 59 no next header). */
  public int upperLayerProtocol() {
    return upperLayerProtocol;
  }

  /** Returns a read-only view of the bytes after the extension headers. */
  public ByteBuffer upperLayerPayload() {
    return Bytes.slice(buf, upperLayerOffset, buf.limit() - upperLayerOffset);
  }

  /** Returns whether a fragment header is present, atomic fragments included. */
  public boolean hasFragmentHeader() {
    return fragmentHeaderOffset >= 0;
  }

  /**
   * Returns where the fragment header starts (the length of the unfragmentable part, RFC 8200
   * §4.5), or -1 when there is none.
   */
  public int fragmentHeaderOffset() {
    return fragmentHeaderOffset;
  }

  /**
   * Returns where the next header field that names the fragment header lies: 6 (the fixed header's)
   * or the first byte of the extension header before it; -1 when there is no fragment header.
   */
  public int fragmentPointerOffset() {
    return fragmentPointerOffset;
  }

  /** Returns whether this packet is a fragment: a fragment header with an offset or M set. */
  public boolean isFragment() {
    return hasFragmentHeader() && (fragmentOffset() != 0 || moreFragments());
  }

  /** Returns the fragment offset in 8-octet units, 0 without a fragment header. */
  public int fragmentOffset() {
    return hasFragmentHeader() ? Bytes.u16(buf, fragmentHeaderOffset + 2) >>> 3 : 0;
  }

  /** Returns the fragment header's M flag, false without a fragment header. */
  public boolean moreFragments() {
    return hasFragmentHeader() && (Bytes.u8(buf, fragmentHeaderOffset + 3) & 1) != 0;
  }

  /** Returns the fragment header's identification, 0 without a fragment header. */
  public int fragmentIdentification() {
    return hasFragmentHeader() ? buf.getInt(fragmentHeaderOffset + 4) : 0;
  }

  /** Returns a read-only view of the whole packet, trimmed to its payload length. */
  public ByteBuffer packet() {
    return buf.asReadOnlyBuffer();
  }

  /** Returns the parsed fixed header. */
  public Repr toRepr() {
    return new Repr(
        trafficClass(),
        flowLabel(),
        nextHeader(),
        hopLimit(),
        source(),
        destination(),
        payloadLength());
  }

  /**
   * The parsed form of the fixed IPv6 header, which {@link #write} turns back into bytes.
   *
   * @param nextHeader the fixed header's next header (the upper-layer protocol when there are no
   *     extension headers)
   * @param payloadLength the number of bytes after the fixed header
   */
  public record Repr(
      int trafficClass,
      int flowLabel,
      int nextHeader,
      int hopLimit,
      Inet6Address source,
      Inet6Address destination,
      int payloadLength)
      implements IpHeader {

    public Repr {
      if ((trafficClass & ~0xff) != 0)
        throw new IllegalArgumentException("traffic class out of range: " + trafficClass);
      if ((flowLabel & ~0xfffff) != 0)
        throw new IllegalArgumentException("flow label out of range: " + flowLabel);
      if ((nextHeader & ~0xff) != 0)
        throw new IllegalArgumentException("next header out of range: " + nextHeader);
      if ((hopLimit & ~0xff) != 0)
        throw new IllegalArgumentException("hop limit out of range: " + hopLimit);
      if (source == null || destination == null)
        throw new IllegalArgumentException("addresses required: " + source + ", " + destination);
      if ((payloadLength & ~0xffff) != 0)
        throw new IllegalArgumentException("payload length out of range: " + payloadLength);
    }

    /** Returns a header with traffic class and flow label 0 and no extension headers. */
    public static Repr of(
        Inet6Address source,
        Inet6Address destination,
        int nextHeader,
        int hopLimit,
        int payloadLength) {
      return new Repr(0, 0, nextHeader, hopLimit, source, destination, payloadLength);
    }
  }

  /**
   * Writes the 40-byte fixed header of {@code repr} at {@code out}'s position and advances the
   * position past it; the payload is the caller's to write after it.
   *
   * @throws IllegalArgumentException if {@code out} has fewer than 40 bytes remaining
   */
  public static void write(Repr repr, ByteBuffer out) {
    if (out.remaining() < HEADER_LENGTH) {
      throw new IllegalArgumentException(
          "IPv6 header needs 40 bytes, buffer has " + out.remaining());
    }
    int at = out.position();
    ByteBuffer b = out.duplicate();
    b.putInt(at, 6 << 28 | repr.trafficClass() << 20 | repr.flowLabel());
    b.putShort(at + PAYLOAD_LENGTH, (short) repr.payloadLength());
    b.put(at + NEXT_HEADER, (byte) repr.nextHeader());
    b.put(at + HOP_LIMIT, (byte) repr.hopLimit());
    Bytes.putAddress(b, at + SOURCE, repr.source());
    Bytes.putAddress(b, at + DESTINATION, repr.destination());
    out.position(at + HEADER_LENGTH);
  }
}
