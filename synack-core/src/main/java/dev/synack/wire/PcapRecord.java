package dev.synack.wire;

import java.nio.ByteBuffer;

/**
 * One packet record of a pcap or pcapng file, with its link-layer header taken off.
 *
 * @param timeNanos the capture time in nanoseconds since the Unix epoch (UTC)
 * @param linkType the LINKTYPE_ value of the interface it was captured on, see {@link LinkType}
 * @param ipPacket the IPv4 or IPv6 packet as captured (possibly cut short by the snapshot length),
 *     read-only, position 0; {@code null} when the frame carries no IP (ARP, an unknown EtherType,
 *     a link header cut short). It is a view into the reader's bytes and lives as long as they do.
 * @param originalLength the length of the frame on the wire, link-layer header included, which may
 *     exceed what was captured
 */
public record PcapRecord(long timeNanos, int linkType, ByteBuffer ipPacket, int originalLength) {}
