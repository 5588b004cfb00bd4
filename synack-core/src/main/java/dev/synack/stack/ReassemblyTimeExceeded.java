package dev.synack.stack;

import dev.synack.wire.IcmpMessage;
import dev.synack.wire.Packets;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The ICMP error a host sends when a datagram's reassembly times out with its first fragment in
 * hand: time exceeded, code 1, "fragment reassembly time exceeded" (RFC 792; ICMPv6 type 3 code 1,
 * RFC 8200 §4.5: "the source ... MUST NOT" be sent one when the first fragment never came). It goes
 * back to the fragments' source from the address they were sent to, quoting the start of the first
 * fragment: its first {@link FragmentedDatagram#QUOTE_LIMIT} bytes, the headers and the transport
 * header (RFC 792's minimum; Linux quotes the whole fragment within 576 bytes for ICMPv4 and 1280
 * for ICMPv6, which would cost each incomplete datagram a copy of it). None is sent about an ICMP
 * error, or to a multicast, broadcast or unspecified address (RFC 1122 §3.2.2, RFC 4443 §2.4(e)).
 */
final class ReassemblyTimeExceeded {
  private static final int HOP_LIMIT = 64;

  private ReassemblyTimeExceeded() {}

  /**
   * Returns the error about the datagram whose first fragment starts with {@code first}, or null
   * when none may be sent.
   */
  static byte[] packet(byte[] first) {
    if (first.length < 20) return null;
    int version = (first[0] >> 4) & 0xf;
    boolean v4 = version == 4;
    if (!v4 && (version != 6 || first.length < 48)) return null;
    InetAddress source = address(first, v4 ? 12 : 8, v4 ? 4 : 16);
    InetAddress destination = address(first, v4 ? 16 : 24, v4 ? 4 : 16);
    if (source == null || destination == null) return null;
    if (source.isAnyLocalAddress()
        || source.isMulticastAddress()
        || destination.isMulticastAddress()) return null;
    if (v4 && (first[16] & first[17] & first[18] & first[19]) == (byte) 0xff) return null;
    if (aboutAnIcmpError(first, v4)) return null;
    // The error goes back: from the datagram's destination (us) to its source.
    return Packets.icmp(
        /* source= */ destination,
        /* destination= */ source,
        HOP_LIMIT,
        new IcmpMessage.TimeExceeded(1, ByteBuffer.wrap(first)));
  }

  /** Returns where an error made by {@link #packet} goes: its IP destination. */
  static InetAddress destination(byte[] error) {
    boolean v4 = ((error[0] >> 4) & 0xf) == 4;
    return address(error, v4 ? 16 : 24, v4 ? 4 : 16);
  }

  /**
   * Returns whether the fragment carries the start of an ICMP error (an error is never sent about
   * one, RFC 1122 §3.2.2).
   */
  private static boolean aboutAnIcmpError(byte[] first, boolean v4) {
    if (v4) {
      int ihl = (first[0] & 0xf) * 4;
      if (first[9] != 1 || first.length <= ihl) return false;
      int type = first[ihl] & 0xff;
      return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
    }
    // The fragment header straight after the fixed header, naming ICMPv6: types below 128 are
    // errors.
    return first[6] == 44 && first[40] == 58 && first.length > 48 && (first[48] & 0xff) < 128;
  }

  private static InetAddress address(byte[] packet, int at, int length) {
    if (packet.length < at + length) return null;
    try {
      return InetAddress.getByAddress(Arrays.copyOfRange(packet, at, at + length));
    } catch (UnknownHostException e) {
      return null;
    }
  }
}
