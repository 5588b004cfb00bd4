package dev.synack.stack;

import dev.synack.wire.ReasonCode;
import java.util.Map;

/**
 * Why a host dropped a packet before (or instead of) a connection's engine: a stable code for
 * counters and tests, and the text a trace's {@code drop} event carries in its {@code reason}
 * field. The host counts each drop under its code ({@link HostCounters#dropped(HostDropReason)}).
 *
 * <p>The codes are lower case with hyphens, as the engine's ({@link dev.synack.trace.DropReason})
 * and the wire parsers' ({@link dev.synack.wire.MalformedReason}), distinct from both ({@link
 * ReasonCode}), and never change once released. The text is the code, but for the lesson's
 * unanswered segment.
 */
public enum HostDropReason implements ReasonCode {
  /** A packet to an address not the host's, outside any-destination mode. */
  NOT_FOR_THIS_HOST("not-for-this-host"),
  /** A datagram of a transport protocol no handler is registered for. */
  UNKNOWN_PROTOCOL("unknown-protocol"),
  /** An IPv4 fragment whose header does not parse. */
  IPV4_FRAGMENT_MALFORMED("ipv4-fragment-malformed"),
  /** An IPv4 fragment that would end past 65,535 bytes. */
  IPV4_FRAGMENT_TOO_LARGE("ipv4-fragment-too-large"),
  /** An IPv4 fragment, not the last, whose length is not a multiple of 8 (RFC 791). */
  IPV4_FRAGMENT_BAD_LENGTH("ipv4-fragment-bad-length"),
  /** An IPv4 fragment overlapping another: the whole datagram dropped (as Linux since 2018). */
  IPV4_FRAGMENT_OVERLAP("ipv4-fragment-overlap"),
  /** A second last IPv4 fragment that ends elsewhere than the first. */
  IPV4_FRAGMENT_INCONSISTENT_END("ipv4-fragment-inconsistent-end"),
  /** An IPv4 fragment beyond the reassembly memory limit. */
  IPV4_REASSEMBLY_MEMORY_FULL("ipv4-reassembly-memory-full"),
  /** An IPv4 datagram not complete before its reassembly timer ran out (RFC 791 §3.2). */
  IPV4_REASSEMBLY_TIMEOUT("ipv4-reassembly-timeout"),
  /** An IPv6 fragment whose headers do not parse. */
  IPV6_FRAGMENT_MALFORMED("ipv6-fragment-malformed"),
  /** An IPv6 fragment that would make a payload over 65,535 bytes (RFC 8200 §4.5). */
  IPV6_FRAGMENT_TOO_LARGE("ipv6-fragment-too-large"),
  /** An IPv6 fragment, M set, empty or not a multiple of 8 bytes long (RFC 8200 §4.5). */
  IPV6_FRAGMENT_BAD_LENGTH("ipv6-fragment-bad-length"),
  /** An IPv6 fragment overlapping another: the whole datagram dropped (RFC 5722 §4). */
  IPV6_FRAGMENT_OVERLAP("ipv6-fragment-overlap"),
  /** A second last IPv6 fragment that ends elsewhere than the first. */
  IPV6_FRAGMENT_INCONSISTENT_END("ipv6-fragment-inconsistent-end"),
  /** An IPv6 fragment with data past the end the last fragment set. */
  IPV6_FRAGMENT_PAST_THE_END("ipv6-fragment-past-the-end"),
  /** An IPv6 fragment beyond the reassembly memory limit. */
  IPV6_REASSEMBLY_MEMORY_FULL("ipv6-reassembly-memory-full"),
  /** An IPv6 datagram not complete 60 seconds after its first fragment (RFC 8200 §4.5). */
  IPV6_REASSEMBLY_TIMEOUT("ipv6-reassembly-timeout"),
  /** An ICMP error not sent, held back by the rate limit (RFC 1812 §4.3.2.8, RFC 4443 §2.4(f)). */
  ICMP_RATE_LIMITED("icmp-rate-limited"),
  /** An ICMP message of a type the host does not act on. */
  ICMP_NOT_HANDLED("icmp-not-handled"),
  /** An ICMP error quoting a protocol the host does not speak. */
  ICMP_QUOTE_UNKNOWN_PROTOCOL("icmp-quote-unknown-protocol"),
  /** An ICMP error about a connection or UDP flow that is not there, or of a kind ignored. */
  ICMP_IGNORED("icmp-ignored"),
  /** An ICMP error quoting a TCP connection the host does not have. */
  ICMP_NO_CONNECTION("icmp-no-connection"),
  /**
   * An ICMP error quoting a sequence number outside SND.UNA..SND.NXT (Linux's OutOfWindowIcmps).
   */
  ICMP_OUT_OF_WINDOW("icmp-out-of-window"),
  /** An ICMP error the connection's state does not act on. */
  ICMP_IGNORED_IN_STATE("icmp-ignored-in-state"),
  /** An ICMP error quoting a UDP port no endpoint is bound to. */
  ICMP_NO_UDP_ENDPOINT("icmp-no-udp-endpoint"),
  /** A TCP segment to a port nothing listens on, answered with an RST (RFC 9293 §3.10.7.1). */
  CLOSED_PORT("closed-port"),
  /** A segment to a closed port left unanswered by a demo lesson. */
  UNANSWERED_LESSON("unanswered-lesson", "unanswered (lesson)"),
  /** A segment to a listener without SYN, or with RST (RFC 9293 §3.10.7.2). */
  LISTEN_NOT_SYN("listen-not-syn"),
  /** A SYN to a listener that its engine refused. */
  LISTEN_BAD_SYN("listen-bad-syn"),
  /** A SYN or handshake-completing ACK while the accept queue is full. */
  LISTEN_QUEUE_FULL("listen-queue-full"),
  /** A SYN while the SYN queue is full and cookies are off. */
  SYN_QUEUE_FULL("syn-queue-full"),
  /** A SYN beyond the bound of SYNs held for the SYN policy. */
  SYN_HELD_LIMIT("syn-held-limit"),
  /** A SYN held for the SYN policy's answer (retransmissions of it too). */
  SYN_HELD("syn-held"),
  /** A held SYN's connection reset before the policy answered. */
  SYN_HELD_RESET("syn-held-reset"),
  /** A held SYN whose 4-tuple was taken by another connection meanwhile. */
  SYN_HELD_TUPLE_IN_USE("syn-held-tuple-in-use"),
  /** A held SYN the policy dropped in silence. */
  SYN_POLICY_DROP("syn-policy-drop"),
  /** A held SYN the policy answered with an ICMP error the rate limit held back. */
  SYN_POLICY_NO_ICMP("syn-policy-no-icmp"),
  /**
   * A SYN beyond the per-turn budget of cookies while the link's input is backed up (a flood): shed
   * before any work ({@link Host#limitSynCookies}).
   */
  SYN_FLOOD_SHED("syn-flood-shed"),
  /** A UDP datagram to a port no endpoint is bound to (RFC 1122 §4.1.3.1: port unreachable). */
  UDP_CLOSED_PORT("udp-closed-port"),
  /** A UDP datagram its endpoint had no room for. */
  UDP_RECEIVE_BUFFER_FULL("udp-receive-buffer-full");

  private static final Map<String, HostDropReason> BY_CODE = ReasonCode.byCode(values());

  private final String code;
  private final String text;

  HostDropReason(String code) {
    this(code, code);
  }

  HostDropReason(String code, String text) {
    this.code = code;
    this.text = text;
  }

  @Override
  public String code() {
    return code;
  }

  /** Returns the text of a trace's {@code drop} event: the code, but where a word says more. */
  @Override
  public String text() {
    return text;
  }

  /** Returns the reason whose {@link #code} is {@code code}, or {@code null} if there is none. */
  public static HostDropReason ofCode(String code) {
    return BY_CODE.get(code);
  }
}
