package dev.synack.wire;

import java.nio.ByteBuffer;

/**
 * An ICMPv4 (RFC 792) or ICMPv6 (RFC 4443) message, in a form shared by both versions; the type
 * numbers differ and are applied by {@link IcmpCodec}. Buffers are read-only views, position 0,
 * that may share the bytes the message was parsed from.
 */
public sealed interface IcmpMessage {

  /** Echo request (ICMPv4 type 8, ICMPv6 type 128). */
  record EchoRequest(int identifier, int sequenceNumber, ByteBuffer data) implements IcmpMessage {
    public EchoRequest {
      data = IcmpCodec.checkedEcho(identifier, sequenceNumber, data);
    }
  }

  /**
   * Echo reply (ICMPv4 type 0, ICMPv6 type 129): the request's identifier, sequence number and
   * data.
   */
  record EchoReply(int identifier, int sequenceNumber, ByteBuffer data) implements IcmpMessage {
    public EchoReply {
      data = IcmpCodec.checkedEcho(identifier, sequenceNumber, data);
    }
  }

  /**
   * Destination unreachable (ICMPv4 type 3, ICMPv6 type 1), quoting the start of the datagram that
   * could not be delivered.
   *
   * @param code why: e.g. 3 port unreachable in ICMPv4, 4 in ICMPv6
   * @param nextHopMtu ICMPv4 code 4 (fragmentation needed and DF set) only: the next-hop MTU of RFC
   *     1191 §4; 0 otherwise
   * @param original the quoted original datagram, IP header first
   */
  record DestinationUnreachable(int code, int nextHopMtu, ByteBuffer original)
      implements IcmpMessage {
    public DestinationUnreachable {
      if ((code & ~0xff) != 0) throw new IllegalArgumentException("code out of range: " + code);
      if ((nextHopMtu & ~0xffff) != 0)
        throw new IllegalArgumentException("next-hop MTU out of range: " + nextHopMtu);
      original = IcmpCodec.readOnly(original);
    }
  }

  /**
   * Packet too big (ICMPv6 type 2, RFC 4443 §3.2): the MTU of the next hop and the quoted datagram.
   */
  record PacketTooBig(int mtu, ByteBuffer original) implements IcmpMessage {
    public PacketTooBig {
      original = IcmpCodec.readOnly(original);
    }
  }

  /** Time exceeded (ICMPv4 type 11, ICMPv6 type 3): code 0 hop limit, 1 reassembly. */
  record TimeExceeded(int code, ByteBuffer original) implements IcmpMessage {
    public TimeExceeded {
      if ((code & ~0xff) != 0) throw new IllegalArgumentException("code out of range: " + code);
      original = IcmpCodec.readOnly(original);
    }
  }

  /** Any other message, kept as its type, code, the four bytes after the checksum, and the body. */
  record Other(int type, int code, int restOfHeader, ByteBuffer body) implements IcmpMessage {
    public Other {
      if ((type & ~0xff) != 0 || (code & ~0xff) != 0)
        throw new IllegalArgumentException("type/code out of range: " + type + "/" + code);
      body = IcmpCodec.readOnly(body);
    }
  }

  /**
   * Returns whether this is an error message, to which no error may be sent (RFC 1122 §3.2.2, RFC
   * 4443 §2.4(e)).
   */
  default boolean isError() {
    return this instanceof DestinationUnreachable
        || this instanceof PacketTooBig
        || this instanceof TimeExceeded;
  }
}
