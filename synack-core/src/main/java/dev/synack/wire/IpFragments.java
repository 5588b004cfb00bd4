package dev.synack.wire;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a whole IP datagram into fragments that fit an MTU: IPv4 as RFC 791 §3.2 ("fragmentation")
 * and IPv6 at the source with a Fragment header (RFC 8200 §4.5). The datagram's bytes are copied;
 * each fragment is a new array.
 */
public final class IpFragments {
  /** Bytes of an IPv6 Fragment header (RFC 8200 §4.5). */
  public static final int IPV6_FRAGMENT_HEADER = 8;

  private IpFragments() {}

  /**
   * Returns the fragments of the IPv4 datagram {@code packet} (DF clear, not itself a fragment),
   * each at most {@code mtu} bytes: every one carries the datagram's header with DF clear, the
   * identification {@code identification}, its offset in 8-byte blocks, MF on all but the last, its
   * total length and a new header checksum (RFC 791 §3.2). IP options are copied whole to every
   * fragment, a simplification that RFC 791 allows only for options with the copy bit; we send
   * none.
   *
   * @throws IllegalArgumentException if {@code mtu} leaves fewer than 8 data bytes per fragment
   */
  public static List<byte[]> ipv4(byte[] packet, int mtu, int identification) {
    int headerLength = (packet[0] & 0x0f) * 4;
    int total = ((packet[2] & 0xff) << 8) | (packet[3] & 0xff);
    int perFragment = ((mtu - headerLength) / 8) * 8; // all but the last carry multiples of 8 bytes
    if (perFragment < 8) throw new IllegalArgumentException("mtu too small to fragment: " + mtu);
    int dataLength = total - headerLength;
    List<byte[]> fragments = new ArrayList<>(dataLength / perFragment + 1);
    for (int offset = 0; offset < dataLength; offset += perFragment) {
      int length = Math.min(perFragment, dataLength - offset);
      boolean more = offset + length < dataLength;
      byte[] f = new byte[headerLength + length];
      System.arraycopy(packet, 0, f, 0, headerLength);
      System.arraycopy(packet, headerLength + offset, f, headerLength, length);
      int fragmentTotal = headerLength + length;
      f[2] = (byte) (fragmentTotal >>> 8);
      f[3] = (byte) fragmentTotal;
      f[4] = (byte) (identification >>> 8);
      f[5] = (byte) identification;
      int flagsOffset = (more ? 0x2000 : 0) | (offset / 8);
      f[6] = (byte) (flagsOffset >>> 8);
      f[7] = (byte) flagsOffset;
      f[10] = 0;
      f[11] = 0;
      int checksum = Checksum.compute(ByteBuffer.wrap(f), 0, headerLength);
      f[10] = (byte) (checksum >>> 8);
      f[11] = (byte) checksum;
      fragments.add(f);
    }
    return fragments;
  }

  /**
   * Returns the fragments of the IPv6 packet {@code packet}, which has no extension headers, each
   * at most {@code mtu} bytes: the fixed header (next header 44, its payload length) and a Fragment
   * header naming the original next header, with the offset in 8-byte blocks, M on all but the last
   * and the identification {@code identification} (RFC 8200 §4.5).
   *
   * @throws IllegalArgumentException if {@code mtu} leaves fewer than 8 data bytes per fragment
   */
  public static List<byte[]> ipv6(byte[] packet, int mtu, int identification) {
    int header = Ipv6Packet.HEADER_LENGTH;
    int dataLength = (((packet[4] & 0xff) << 8) | (packet[5] & 0xff));
    int nextHeader = packet[6] & 0xff;
    int perFragment = ((mtu - header - IPV6_FRAGMENT_HEADER) / 8) * 8;
    if (perFragment < 8) throw new IllegalArgumentException("mtu too small to fragment: " + mtu);
    List<byte[]> fragments = new ArrayList<>(dataLength / perFragment + 1);
    for (int offset = 0; offset < dataLength; offset += perFragment) {
      int length = Math.min(perFragment, dataLength - offset);
      boolean more = offset + length < dataLength;
      byte[] f = new byte[header + IPV6_FRAGMENT_HEADER + length];
      System.arraycopy(packet, 0, f, 0, header);
      int payloadLength = IPV6_FRAGMENT_HEADER + length;
      f[4] = (byte) (payloadLength >>> 8);
      f[5] = (byte) payloadLength;
      f[6] = (byte) Ipv6Packet.FRAGMENT;
      f[header] = (byte) nextHeader;
      f[header + 1] = 0; // reserved
      int offsetAndFlags = offset | (more ? 1 : 0); // 13-bit offset in 8-byte units, then Res, M
      f[header + 2] = (byte) (offsetAndFlags >>> 8);
      f[header + 3] = (byte) offsetAndFlags;
      f[header + 4] = (byte) (identification >>> 24);
      f[header + 5] = (byte) (identification >>> 16);
      f[header + 6] = (byte) (identification >>> 8);
      f[header + 7] = (byte) identification;
      System.arraycopy(packet, header + offset, f, header + IPV6_FRAGMENT_HEADER, length);
      fragments.add(f);
    }
    return fragments;
  }
}
