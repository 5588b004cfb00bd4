package dev.synack.wire;

/**
 * The ECN field of the IP header (RFC 3168 §5): the low two bits of IPv4's old TOS byte and of
 * IPv6's traffic class, as codepoints, and the one change a router makes to it.
 */
public final class Ecn {
  /** Not-ECT: the transport does not use ECN. */
  public static final int NOT_ECT = 0;

  /** ECT(1): ECN-capable transport (used by L4S, RFC 9331). */
  public static final int ECT_1 = 1;

  /** ECT(0): ECN-capable transport, what an RFC 3168 sender sets. */
  public static final int ECT_0 = 2;

  /** CE: congestion experienced, set by a router instead of dropping. */
  public static final int CE = 3;

  private Ecn() {}

  /** Returns whether the codepoint is ECT(0) or ECT(1), that a router may turn into CE. */
  public static boolean isEct(int ecn) {
    return ecn == ECT_0 || ecn == ECT_1;
  }

  /**
   * Returns the ECN codepoint of the IP packet in {@code packet} (either version), NOT_ECT when it
   * is too short to tell.
   */
  public static int of(byte[] packet) {
    if (packet.length < 2) return NOT_ECT;
    return switch ((packet[0] & 0xff) >>> 4) {
      case 4 -> packet[1] & 0x3;
      case 6 -> (packet[1] & 0xff) >>> 4 & 0x3;
      default -> NOT_ECT;
    };
  }

  /**
   * Sets the ECN codepoint of the IP packet in {@code packet} to {@code ecn}, fixing IPv4's header
   * checksum (RFC 1624's incremental update is not needed: the header is summed again). The TCP
   * checksum does not cover it. Does nothing to a packet of another version or too short.
   */
  public static void set(byte[] packet, int ecn) {
    if ((ecn & ~0x3) != 0) throw new IllegalArgumentException("ecn out of range: " + ecn);
    if (packet.length < 2) return;
    int version = (packet[0] & 0xff) >>> 4;
    if (version == 4) {
      int ihl = (packet[0] & 0xf) * 4;
      if (ihl < Ipv4Packet.MIN_HEADER_LENGTH || packet.length < ihl) return;
      packet[1] = (byte) ((packet[1] & ~0x3) | ecn);
      packet[10] = 0;
      packet[11] = 0;
      int sum = Checksum.compute(java.nio.ByteBuffer.wrap(packet), 0, ihl);
      packet[10] = (byte) (sum >>> 8);
      packet[11] = (byte) sum;
    } else if (version == 6) {
      packet[1] = (byte) ((packet[1] & ~0x30) | ecn << 4);
    }
  }
}
