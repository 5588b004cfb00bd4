package dev.synack.wire;

import java.net.Inet4Address;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A view over the bytes of one IPv4 datagram (RFC 791 §3.1).
 *
 * <p>{@link #wrap} checks the lengths and the header checksum once; after that no accessor throws.
 * The view shares the bytes it wraps and reads them with absolute gets.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version|  IHL  |   DSCP    |ECN|          Total Length         |
 * |         Identification        |Flags|      Fragment Offset    |
 * |  Time to Live |    Protocol   |         Header Checksum       |
 * |                       Source Address                          |
 * |                    Destination Address                        |
 * |                    Options                    |    Padding    |
 * </pre>
 */
public final class Ipv4Packet {
  /** The length of a header without options. */
  public static final int MIN_HEADER_LENGTH = 20;

  private static final int VERSION_IHL = 0;
  private static final int DSCP_ECN = 1;
  private static final int TOTAL_LENGTH = 2;
  private static final int IDENTIFICATION = 4;
  private static final int FLAGS_FRAGMENT_OFFSET = 6;
  private static final int TIME_TO_LIVE = 8;
  private static final int PROTOCOL = 9;
  private static final int HEADER_CHECKSUM = 10;
  private static final int SOURCE = 12;
  private static final int DESTINATION = 16;
  private static final int DONT_FRAGMENT = 0x4000;
  private static final int MORE_FRAGMENTS = 0x2000;

  /** The datagram's bytes, position 0, limit the total length, big-endian. */
  private final ByteBuffer buf;

  private Ipv4Packet(ByteBuffer buf) {
    this.buf = buf;
  }

  /**
   * Returns a view over the datagram in {@code packet}'s remaining bytes, or the reason it is
   * malformed. Bytes past the total length (link-layer padding) are left out of the view, as
   * Linux's {@code ip_rcv_core} trims them; fewer bytes than the total length make the datagram
   * malformed. The buffer's position and limit are not changed.
   */
  public static Parsed<Ipv4Packet> wrap(ByteBuffer packet) {
    ByteBuffer buf = packet.slice();
    if (buf.limit() < MIN_HEADER_LENGTH)
      return Parsed.malformed(MalformedReason.IPV4_TRUNCATED_HEADER);
    int versionIhl = Bytes.u8(buf, VERSION_IHL);
    if (versionIhl >>> 4 != 4) return Parsed.malformed(MalformedReason.IPV4_BAD_VERSION);
    int headerLength = (versionIhl & 0xf) * 4;
    if (headerLength < MIN_HEADER_LENGTH) return Parsed.malformed(MalformedReason.IPV4_BAD_IHL);
    if (headerLength > buf.limit()) return Parsed.malformed(MalformedReason.IPV4_TRUNCATED_HEADER);
    int totalLength = Bytes.u16(buf, TOTAL_LENGTH);
    if (totalLength < headerLength || totalLength > buf.limit())
      return Parsed.malformed(MalformedReason.IPV4_TOTAL_LENGTH_MISMATCH);
    // RFC 1122 §3.2.1.2: a host MUST verify the header checksum and silently discard on failure.
    if (!Checksum.verifies(Checksum.sum(buf, 0, headerLength)))
      return Parsed.malformed(MalformedReason.IPV4_BAD_HEADER_CHECKSUM);
    return Parsed.ok(new Ipv4Packet(buf.limit(totalLength)));
  }

  /** Returns the version field, always 4. */
  public int version() {
    return Bytes.u8(buf, VERSION_IHL) >>> 4;
  }

  /** Returns the internet header length in 32-bit words, 5 to 15. */
  public int ihl() {
    return Bytes.u8(buf, VERSION_IHL) & 0xf;
  }

  /** Returns the header length in bytes, options included. */
  public int headerLength() {
    return ihl() * 4;
  }

  /**
   * Returns the differentiated services code point (RFC 2474), the high six bits of the old TOS.
   */
  public int dscp() {
    return Bytes.u8(buf, DSCP_ECN) >>> 2;
  }

  /** Returns the ECN field (RFC 3168 §5), the low two bits of the old TOS. */
  public int ecn() {
    return Bytes.u8(buf, DSCP_ECN) & 0x3;
  }

  /** Returns the total length, header and payload. */
  public int totalLength() {
    return Bytes.u16(buf, TOTAL_LENGTH);
  }

  /** Returns the identification field. */
  public int identification() {
    return Bytes.u16(buf, IDENTIFICATION);
  }

  /** Returns whether the DF (don't fragment) flag is set. */
  public boolean dontFragment() {
    return (Bytes.u16(buf, FLAGS_FRAGMENT_OFFSET) & DONT_FRAGMENT) != 0;
  }

  /** Returns whether the MF (more fragments) flag is set. */
  public boolean moreFragments() {
    return (Bytes.u16(buf, FLAGS_FRAGMENT_OFFSET) & MORE_FRAGMENTS) != 0;
  }

  /** Returns the fragment offset in units of 8 bytes, as on the wire. */
  public int fragmentOffset() {
    return Bytes.u16(buf, FLAGS_FRAGMENT_OFFSET) & 0x1fff;
  }

  /** Returns whether this datagram is a fragment: MF set or a non-zero offset (RFC 791 §2.3). */
  public boolean isFragment() {
    return moreFragments() || fragmentOffset() != 0;
  }

  /** Returns the time to live. */
  public int timeToLive() {
    return Bytes.u8(buf, TIME_TO_LIVE);
  }

  /** Returns the protocol number of the payload (6 TCP, 1 ICMP, 17 UDP). */
  public int protocol() {
    return Bytes.u8(buf, PROTOCOL);
  }

  /** Returns the header checksum field as received (it verified in {@link #wrap}). */
  public int headerChecksum() {
    return Bytes.u16(buf, HEADER_CHECKSUM);
  }

  /** Returns the source address. */
  public Inet4Address source() {
    return Bytes.address4(buf, SOURCE);
  }

  /** Returns the destination address. */
  public Inet4Address destination() {
    return Bytes.address4(buf, DESTINATION);
  }

  /** Returns a read-only view of the options bytes, padding included; empty when IHL is 5. */
  public ByteBuffer options() {
    return Bytes.slice(buf, MIN_HEADER_LENGTH, headerLength() - MIN_HEADER_LENGTH);
  }

  /** Returns a read-only view of the payload, up to the total length. */
  public ByteBuffer payload() {
    return Bytes.slice(buf, headerLength(), totalLength() - headerLength());
  }

  /** Returns a read-only view of the whole datagram, trimmed to its total length. */
  public ByteBuffer packet() {
    return buf.asReadOnlyBuffer();
  }

  /** Returns the parsed header (options are not kept: TCP and ICMP do not need them). */
  public Repr toRepr() {
    return new Repr(
        dscp(),
        ecn(),
        identification(),
        dontFragment(),
        moreFragments(),
        fragmentOffset(),
        timeToLive(),
        protocol(),
        source(),
        destination(),
        totalLength() - headerLength());
  }

  /**
   * The parsed form of an IPv4 header without options, which {@link #write} turns back into bytes.
   *
   * @param fragmentOffset in units of 8 bytes
   * @param payloadLength the number of bytes after the header
   */
  public record Repr(
      int dscp,
      int ecn,
      int identification,
      boolean dontFragment,
      boolean moreFragments,
      int fragmentOffset,
      int timeToLive,
      int protocol,
      Inet4Address source,
      Inet4Address destination,
      int payloadLength)
      implements IpHeader {

    public Repr {
      if ((dscp & ~0x3f) != 0) throw new IllegalArgumentException("dscp out of range: " + dscp);
      if ((ecn & ~0x3) != 0) throw new IllegalArgumentException("ecn out of range: " + ecn);
      if ((identification & ~0xffff) != 0)
        throw new IllegalArgumentException("identification out of range: " + identification);
      if ((fragmentOffset & ~0x1fff) != 0)
        throw new IllegalArgumentException("fragment offset out of range: " + fragmentOffset);
      if ((timeToLive & ~0xff) != 0)
        throw new IllegalArgumentException("time to live out of range: " + timeToLive);
      if ((protocol & ~0xff) != 0)
        throw new IllegalArgumentException("protocol out of range: " + protocol);
      if (source == null || destination == null)
        throw new IllegalArgumentException("addresses required: " + source + ", " + destination);
      if (payloadLength < 0 || payloadLength > 0xffff - MIN_HEADER_LENGTH) {
        throw new IllegalArgumentException("payload length out of range: " + payloadLength);
      }
    }

    /**
     * Returns the header of an unfragmented datagram with DF set and identification 0, as Linux
     * sends TCP when path MTU discovery is on (RFC 6864 §4.1: atomic datagrams need no unique ID).
     */
    public static Repr of(
        Inet4Address source,
        Inet4Address destination,
        int protocol,
        int timeToLive,
        int payloadLength) {
      return new Repr(
          0, 0, 0, true, false, 0, timeToLive, protocol, source, destination, payloadLength);
    }

    /** Returns the time to live, under its version-neutral name. */
    public int hopLimit() {
      return timeToLive;
    }
  }

  /**
   * Writes the 20-byte header of {@code repr} at {@code out}'s position, header checksum included,
   * and advances the position past it; the payload is the caller's to write after it.
   *
   * @throws IllegalArgumentException if {@code out} has fewer than 20 bytes remaining
   */
  public static void write(Repr repr, ByteBuffer out) {
    if (out.remaining() < MIN_HEADER_LENGTH) {
      throw new IllegalArgumentException(
          "IPv4 header needs 20 bytes, buffer has " + out.remaining());
    }
    int at = out.position();
    // Absolute puts move nothing: a view is needed only for the byte order (a duplicate is
    // big-endian), and a packet buffer is big-endian already, so none is made per packet.
    ByteBuffer b = out.order() == ByteOrder.BIG_ENDIAN ? out : out.duplicate();
    b.put(at + VERSION_IHL, (byte) 0x45);
    b.put(at + DSCP_ECN, (byte) (repr.dscp() << 2 | repr.ecn()));
    b.putShort(at + TOTAL_LENGTH, (short) (MIN_HEADER_LENGTH + repr.payloadLength()));
    b.putShort(at + IDENTIFICATION, (short) repr.identification());
    b.putShort(
        at + FLAGS_FRAGMENT_OFFSET,
        (short)
            ((repr.dontFragment() ? DONT_FRAGMENT : 0)
                | (repr.moreFragments() ? MORE_FRAGMENTS : 0)
                | repr.fragmentOffset()));
    b.put(at + TIME_TO_LIVE, (byte) repr.timeToLive());
    b.put(at + PROTOCOL, (byte) repr.protocol());
    b.putShort(at + HEADER_CHECKSUM, (short) 0);
    Bytes.putAddress(b, at + SOURCE, repr.source());
    Bytes.putAddress(b, at + DESTINATION, repr.destination());
    b.putShort(at + HEADER_CHECKSUM, (short) Checksum.compute(b, at, MIN_HEADER_LENGTH));
    out.position(at + MIN_HEADER_LENGTH);
  }
}
