package dev.synack.wire;

import java.net.InetAddress;
import java.nio.ByteBuffer;

/** Parses and writes ICMPv4 (RFC 792) and ICMPv6 (RFC 4443) messages, checksum included. */
public final class IcmpCodec {
  /** The IPv4 protocol number of ICMP. */
  public static final int PROTOCOL_V4 = 1;

  /** The IPv6 next header of ICMPv6. */
  public static final int PROTOCOL_V6 = 58;

  private static final ByteBuffer EMPTY = ByteBuffer.allocate(0).asReadOnlyBuffer();

  private IcmpCodec() {}

  /** The type numbers of one version. */
  private record Types(
      int echoReply, int unreachable, int packetTooBig, int timeExceeded, int echoRequest) {}

  // RFC 792 has no packet-too-big type; ICMPv4 says it with unreachable code 4 (RFC 1191).
  private static final Types V4 = new Types(0, 3, -1, 11, 8);
  private static final Types V6 = new Types(129, 1, 2, 3, 128);

  private static Types types(int version) {
    return switch (version) {
      case 4 -> V4;
      case 6 -> V6;
      default -> throw new IllegalArgumentException("IP version must be 4 or 6: " + version);
    };
  }

  /**
   * Parses the ICMP message a parsed datagram carries, or returns the reason it is malformed:
   * {@code ip-not-icmp}, {@code ip-fragment}, {@code icmp-truncated} or {@code icmp-bad-checksum}.
   * Never throws for any bytes.
   */
  public static Parsed<IcmpMessage> parse(IpDatagram ip, boolean verifyChecksum) {
    if (ip.protocol() != (ip.version() == 4 ? PROTOCOL_V4 : PROTOCOL_V6))
      return Parsed.malformed(MalformedReason.IP_NOT_ICMP);
    if (ip.fragment()) return Parsed.malformed(MalformedReason.IP_FRAGMENT);
    return parse(ip.payload(), ip.version(), ip.source(), ip.destination(), verifyChecksum);
  }

  /**
   * Parses the ICMP message in {@code message}'s remaining bytes. ICMPv4's checksum covers the
   * message alone (RFC 792); ICMPv6's also covers the pseudo-header of {@code source} and {@code
   * destination} (RFC 4443 §2.3), which ICMPv4 ignores. The buffer is not changed.
   */
  public static Parsed<IcmpMessage> parse(
      ByteBuffer message,
      int version,
      InetAddress source,
      InetAddress destination,
      boolean verifyChecksum) {
    Types t = types(version);
    Parsed<IcmpPacket> wrapped = IcmpPacket.wrap(message);
    if (!wrapped.isOk()) return Parsed.malformed(wrapped.reason());
    IcmpPacket p = wrapped.value();
    if (verifyChecksum
        && !Checksum.verifies(
            sum(message, message.position(), p.length(), version, source, destination))) {
      return Parsed.malformed(MalformedReason.ICMP_BAD_CHECKSUM);
    }
    int type = p.type();
    IcmpMessage m;
    if (type == t.echoRequest() && p.code() == 0) {
      m = new IcmpMessage.EchoRequest(p.identifier(), p.sequenceNumber(), p.body());
    } else if (type == t.echoReply() && p.code() == 0) {
      m = new IcmpMessage.EchoReply(p.identifier(), p.sequenceNumber(), p.body());
    } else if (type == t.unreachable()) {
      int mtu = version == 4 && p.code() == 4 ? p.nextHopMtu() : 0;
      m = new IcmpMessage.DestinationUnreachable(p.code(), mtu, p.body());
    } else if (type == t.packetTooBig()) {
      m = new IcmpMessage.PacketTooBig(p.mtu(), p.body());
    } else if (type == t.timeExceeded()) {
      m = new IcmpMessage.TimeExceeded(p.code(), p.body());
    } else {
      m = new IcmpMessage.Other(type, p.code(), p.restOfHeader(), p.body());
    }
    return Parsed.ok(m);
  }

  /** Returns the bytes {@link #write} takes for {@code message}. */
  public static int encodedLength(IcmpMessage message) {
    return IcmpPacket.HEADER_LENGTH + body(message).remaining();
  }

  /**
   * Writes {@code message} as ICMPv{@code version} at {@code out}'s position, checksum included,
   * and advances the position.
   *
   * @throws IllegalArgumentException for a message the version cannot carry (a packet-too-big in
   *     ICMPv4), or when {@code out} has too little room
   */
  public static void write(
      IcmpMessage message,
      int version,
      InetAddress source,
      InetAddress destination,
      ByteBuffer out) {
    Types t = types(version);
    int length = encodedLength(message);
    if (out.remaining() < length) {
      throw new IllegalArgumentException(
          "ICMP message needs " + length + " bytes, buffer has " + out.remaining());
    }
    int type;
    int code = 0;
    int rest;
    switch (message) {
      case IcmpMessage.EchoRequest e -> {
        type = t.echoRequest();
        rest = e.identifier() << 16 | e.sequenceNumber();
      }
      case IcmpMessage.EchoReply e -> {
        type = t.echoReply();
        rest = e.identifier() << 16 | e.sequenceNumber();
      }
      case IcmpMessage.DestinationUnreachable u -> {
        type = t.unreachable();
        code = u.code();
        rest = u.nextHopMtu();
      }
      case IcmpMessage.PacketTooBig p -> {
        type = t.packetTooBig();
        rest = p.mtu();
      }
      case IcmpMessage.TimeExceeded x -> {
        type = t.timeExceeded();
        code = x.code();
        rest = 0;
      }
      case IcmpMessage.Other o -> {
        type = o.type();
        code = o.code();
        rest = o.restOfHeader();
      }
    }
    if (type < 0)
      throw new IllegalArgumentException("ICMPv" + version + " cannot carry " + message);
    int at = out.position();
    ByteBuffer b = out.duplicate();
    b.put(at, (byte) type);
    b.put(at + 1, (byte) code);
    b.putShort(at + 2, (short) 0);
    b.putInt(at + 4, rest);
    ByteBuffer body = body(message);
    b.put(at + IcmpPacket.HEADER_LENGTH, body, body.position(), body.remaining());
    b.putShort(at + 2, (short) Checksum.finish(sum(b, at, length, version, source, destination)));
    out.position(at + length);
  }

  /**
   * Returns the unfolded checksum sum of a message, with the ICMPv6 pseudo-header (RFC 4443 §2.3).
   */
  private static long sum(
      ByteBuffer buf,
      int at,
      int length,
      int version,
      InetAddress source,
      InetAddress destination) {
    long sum = Checksum.sum(buf, at, length);
    return version == 6
        ? sum + Checksum.pseudoHeaderSum(source, destination, PROTOCOL_V6, length)
        : sum;
  }

  private static ByteBuffer body(IcmpMessage message) {
    return switch (message) {
      case IcmpMessage.EchoRequest e -> e.data();
      case IcmpMessage.EchoReply e -> e.data();
      case IcmpMessage.DestinationUnreachable u -> u.original();
      case IcmpMessage.PacketTooBig p -> p.original();
      case IcmpMessage.TimeExceeded x -> x.original();
      case IcmpMessage.Other o -> o.body();
    };
  }

  /** Checks an echo's identifier and sequence number and returns its data read-only. */
  static ByteBuffer checkedEcho(int identifier, int sequenceNumber, ByteBuffer data) {
    if ((identifier & ~0xffff) != 0)
      throw new IllegalArgumentException("identifier out of range: " + identifier);
    if ((sequenceNumber & ~0xffff) != 0)
      throw new IllegalArgumentException("sequence number out of range: " + sequenceNumber);
    return readOnly(data);
  }

  /** Returns {@code b} read-only, or an empty buffer for null. */
  static ByteBuffer readOnly(ByteBuffer b) {
    return b == null ? EMPTY : b.isReadOnly() ? b : b.asReadOnlyBuffer();
  }
}
