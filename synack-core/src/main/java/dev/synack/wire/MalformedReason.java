package dev.synack.wire;

import java.util.Map;

/**
 * Why a wire parser refused its input ({@link Parsed.Malformed}): the stable code a host counts the
 * drop under and the text its trace's {@code drop} event carries, which is the code.
 */
public enum MalformedReason implements ReasonCode {
  /** An IP packet with no bytes. */
  IP_TRUNCATED("ip-truncated"),
  /** An IP packet whose version is neither 4 nor 6. */
  IP_BAD_VERSION("ip-bad-version"),
  /** An IP datagram for the TCP parser that carries another protocol. */
  IP_NOT_TCP("ip-not-tcp"),
  /** An IP datagram for the ICMP parser that carries another protocol. */
  IP_NOT_ICMP("ip-not-icmp"),
  /** A fragment handed to a transport parser, which reads whole datagrams only. */
  IP_FRAGMENT("ip-fragment"),
  /** An IPv4 packet shorter than its header (20 bytes, or its IHL). */
  IPV4_TRUNCATED_HEADER("ipv4-truncated-header"),
  /** An IPv4 header whose version field is not 4. */
  IPV4_BAD_VERSION("ipv4-bad-version"),
  /** An IPv4 header length (IHL) under 5 words (RFC 791 §3.1). */
  IPV4_BAD_IHL("ipv4-bad-ihl"),
  /** An IPv4 total length shorter than the header or longer than the bytes received. */
  IPV4_TOTAL_LENGTH_MISMATCH("ipv4-total-length-mismatch"),
  /** An IPv4 header checksum that does not verify (RFC 791 §3.1). */
  IPV4_BAD_HEADER_CHECKSUM("ipv4-bad-header-checksum"),
  /** An IPv6 packet shorter than its 40-byte header. */
  IPV6_TRUNCATED_HEADER("ipv6-truncated-header"),
  /** An IPv6 header whose version field is not 6. */
  IPV6_BAD_VERSION("ipv6-bad-version"),
  /** An IPv6 payload length past the bytes received. */
  IPV6_PAYLOAD_LENGTH_MISMATCH("ipv6-payload-length-mismatch"),
  /** A Hop-by-Hop Options header other than first (RFC 8200 §4.1). */
  IPV6_MISPLACED_HOP_BY_HOP("ipv6-misplaced-hop-by-hop"),
  /** An IPv6 extension header that runs past the payload. */
  IPV6_TRUNCATED_EXTENSION_HEADER("ipv6-truncated-extension-header"),
  /** A TCP segment shorter than 20 bytes. */
  TCP_TRUNCATED_HEADER("tcp-truncated-header"),
  /** A TCP data offset under 5 words (RFC 9293 §3.1). */
  TCP_DATA_OFFSET_TOO_SMALL("tcp-data-offset-too-small"),
  /** A TCP data offset past the end of the segment. */
  TCP_DATA_OFFSET_PAST_END("tcp-data-offset-past-end"),
  /** A TCP checksum that does not verify (RFC 9293 §3.1). */
  TCP_BAD_CHECKSUM("tcp-bad-checksum"),
  /** A TCP option whose length runs past the header. */
  TCP_OPTION_OVERRUNS_HEADER("tcp-option-overruns-header"),
  /** A TCP option whose length is under 2 or wrong for its kind. */
  TCP_BAD_OPTION_LENGTH("tcp-bad-option-length"),
  /** A UDP datagram shorter than its 8-byte header. */
  UDP_TRUNCATED("udp-truncated"),
  /** A UDP length under 8 or past the bytes received. */
  UDP_BAD_LENGTH("udp-bad-length"),
  /** A UDP datagram over IPv6 with a zero checksum (RFC 8200 §8.1: not allowed). */
  UDP_ZERO_CHECKSUM_IPV6("udp-zero-checksum-ipv6"),
  /** A UDP checksum that does not verify (RFC 768). */
  UDP_BAD_CHECKSUM("udp-bad-checksum"),
  /** An ICMP message shorter than its 8-byte header. */
  ICMP_TRUNCATED("icmp-truncated"),
  /** An ICMP checksum that does not verify (RFC 792, RFC 4443 §2.3). */
  ICMP_BAD_CHECKSUM("icmp-bad-checksum"),
  /** An ICMP error quoting too little of the original datagram to read its ports. */
  ICMP_QUOTE_TRUNCATED("icmp-quote-truncated"),
  /** An ICMP error quoting a datagram whose version is neither 4 nor 6. */
  ICMP_QUOTE_BAD_VERSION("icmp-quote-bad-version"),
  /** An ICMP error quoting a fragment other than the first (no transport header). */
  ICMP_QUOTE_FRAGMENT("icmp-quote-fragment");

  private static final Map<String, MalformedReason> BY_CODE = ReasonCode.byCode(values());

  private final String code;

  MalformedReason(String code) {
    this.code = code;
  }

  @Override
  public String code() {
    return code;
  }

  /** Returns the reason whose {@link #code} is {@code code}, or {@code null} if there is none. */
  public static MalformedReason ofCode(String code) {
    return BY_CODE.get(code);
  }
}
