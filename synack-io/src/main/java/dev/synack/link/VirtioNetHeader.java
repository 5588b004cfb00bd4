package dev.synack.link;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

import dev.synack.wire.Checksum;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The {@code struct virtio_net_hdr} a TUN device opened with {@code IFF_VNET_HDR} puts before every
 * packet read or written (Linux's {@code include/uapi/linux/virtio_net.h}), 10 bytes: {@code flags}
 * and {@code gso_type} (one byte each), then {@code hdr_len}, {@code gso_size}, {@code csum_start}
 * and {@code csum_offset} (16 bits each, little-endian: {@code TUNSETVNETLE}). It is how the kernel
 * and a user-space stack pass the offloads of a network card to each other: a checksum left partial
 * for the device to complete, a checksum already verified, a TCP packet of up to 64 KiB to be cut
 * into segments of {@code gso_size} payload bytes (TSO/GSO).
 */
final class VirtioNetHeader {
  static final int SIZE = 10;

  /**
   * {@code flags}: the checksum is partial ({@code CHECKSUM_PARTIAL}): the field at {@code
   * csum_start + csum_offset} holds the pseudo-header's sum, and the sum from {@code csum_start} to
   * the end is left to the device.
   */
  static final int F_NEEDS_CSUM = 1;

  /** {@code flags}: the checksum was verified ({@code CHECKSUM_UNNECESSARY}). */
  static final int F_DATA_VALID = 2;

  static final int GSO_NONE = 0;
  static final int GSO_TCPV4 = 1;
  static final int GSO_TCPV6 = 4;

  private static final ValueLayout.OfShort U16 =
      JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final long FLAGS = 0;
  private static final long GSO_TYPE = 1;
  private static final long HDR_LEN = 2;
  private static final long GSO_SIZE = 4;
  private static final long CSUM_START = 6;
  private static final long CSUM_OFFSET = 8;

  private VirtioNetHeader() {}

  /**
   * Returns whether the packet behind {@code header} needs no checksum verifying: the kernel
   * verified it, or left it partial because the packet never left this machine (a stack trusts
   * both, as Linux does for what its devices report).
   */
  static boolean checksumUnnecessary(MemorySegment header) {
    return (header.get(JAVA_BYTE, FLAGS) & (F_NEEDS_CSUM | F_DATA_VALID)) != 0;
  }

  /**
   * Completes a partial checksum ({@link #F_NEEDS_CSUM}) in the packet at {@code packet}'s
   * position, {@code length} bytes, as a device or Linux's {@code skb_checksum_help} does for a
   * reader that takes no partial checksums: the sum from {@code csum_start} to the end, the
   * pseudo-header's sum in the field included, complemented into the field. Does nothing for other
   * packets.
   */
  static void completeChecksum(MemorySegment header, ByteBuffer packet, int length) {
    if ((header.get(JAVA_BYTE, FLAGS) & F_NEEDS_CSUM) == 0) return;
    int start = header.get(U16, CSUM_START) & 0xffff;
    int field = start + (header.get(U16, CSUM_OFFSET) & 0xffff);
    if (field + 2 > length)
      return; // not a header the kernel would write: left for the receiver to reject
    int at = packet.position();
    packet.putShort(
        at + field, (short) Checksum.finish(Checksum.sum(packet, at + start, length - start)));
  }

  /** Writes a header asking for nothing: the packet is whole, its checksums complete. */
  static void writePlain(MemorySegment header) {
    header.asSlice(0, SIZE).fill((byte) 0);
  }

  /**
   * Writes the header of a whole TCP packet whose checksum field holds the pseudo-header sum, for
   * the kernel to complete ({@code CHECKSUM_PARTIAL} without segmentation, as a guest's virtio-net
   * driver sends a packet the host finishes): the kernel receiving it trusts it and sums nothing.
   *
   * @param tcpStart where the TCP header starts: the IP header's length
   */
  static void writePartialChecksum(MemorySegment header, int tcpStart) {
    header.asSlice(0, SIZE).fill((byte) 0);
    header.set(JAVA_BYTE, FLAGS, (byte) F_NEEDS_CSUM);
    header.set(U16, CSUM_START, (short) tcpStart);
    header.set(
        U16, CSUM_OFFSET, (short) 16); // the checksum field of the TCP header (RFC 9293 §3.1)
  }

  /**
   * Writes the header of a TCP packet for the kernel to cut into segments of {@code segmentSize}
   * payload bytes, each with its checksum completed from the pseudo-header sum in the TCP header.
   *
   * @param headersLength the IP and TCP headers together
   * @param tcpStart where the TCP header starts: the IP header's length
   */
  static void writeTcpSegmentation(
      MemorySegment header, boolean ipv6, int headersLength, int segmentSize, int tcpStart) {
    header.set(JAVA_BYTE, FLAGS, (byte) F_NEEDS_CSUM);
    header.set(JAVA_BYTE, GSO_TYPE, (byte) (ipv6 ? GSO_TCPV6 : GSO_TCPV4));
    header.set(U16, HDR_LEN, (short) headersLength);
    header.set(U16, GSO_SIZE, (short) segmentSize);
    header.set(U16, CSUM_START, (short) tcpStart);
    header.set(
        U16, CSUM_OFFSET, (short) 16); // the checksum field of the TCP header (RFC 9293 §3.1)
  }
}
