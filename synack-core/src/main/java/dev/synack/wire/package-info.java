/**
 * Views over bytes for IPv4, IPv6, ICMPv4, ICMPv6 and TCP headers and TCP options, each with a
 * parsed record; Internet checksums with the pseudo-header; pcap and pcapng files.
 *
 * <p>A view's {@code wrap} checks lengths once and reports a malformed packet with a {@link
 * dev.synack.wire.MalformedReason}; after that no accessor throws. Nothing here holds state or does
 * I/O.
 *
 * <p>Where to start: {@link dev.synack.wire.Packets} builds and parses whole IP packets carrying
 * TCP or ICMP; {@link dev.synack.wire.IpDatagram#parse} and {@link dev.synack.wire.TcpSegment} are
 * what a parse gives; {@link dev.synack.wire.PcapReader} and {@link dev.synack.wire.PcapWriter}
 * read and write capture files.
 */
package dev.synack.wire;
