/**
 * Views over bytes for IPv4, IPv6, ICMPv4, ICMPv6 and TCP headers and TCP options, each with a
 * parsed record; Internet checksums with the pseudo-header; pcap and pcapng files.
 *
 * <p>A view's {@code wrap} checks lengths once and reports a malformed packet with a
 * {@link dev.synack.wire.Parsed.Malformed reason}; after that no accessor throws. Nothing here holds
 * state or does I/O.
 */
package dev.synack.wire;
