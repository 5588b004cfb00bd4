package dev.synack.stack;

import dev.synack.tcp.IcmpError;
import dev.synack.tcp.TcpError;
import dev.synack.wire.IcmpMessage;
import java.nio.ByteBuffer;

/**
 * What an ICMPv4 or ICMPv6 error means to TCP: the error a connection reports and whether it is
 * hard, by type and code, as Linux's {@code icmp_err_convert} and {@code icmpv6_err_convert} tables
 * say (RFC 1122 §4.2.3.9, RFC 4443 §3).
 */
final class IcmpErrors {
  private IcmpErrors() {}

  /** One row of a table: the error and whether it is hard. */
  private record Meaning(TcpError error, boolean hard) {}

  private static final Meaning NET_SOFT = new Meaning(TcpError.NETWORK_UNREACHABLE, false);
  private static final Meaning NET_HARD = new Meaning(TcpError.NETWORK_UNREACHABLE, true);
  private static final Meaning HOST_SOFT = new Meaning(TcpError.HOST_UNREACHABLE, false);
  private static final Meaning HOST_HARD = new Meaning(TcpError.HOST_UNREACHABLE, true);
  private static final Meaning REFUSED = new Meaning(TcpError.CONNECTION_REFUSED, true);

  /**
   * ICMPv4 destination unreachable by code (RFC 792, RFC 1122 §3.2.2.1, RFC 1812 §5.2.7.1); code 4,
   * fragmentation needed, is a packet-too-big and has no row. Where Linux has an errno the socket
   * API lacks, the nearest is used: protocol unreachable (ENOPROTOOPT) refuses like port
   * unreachable, source route failed (EOPNOTSUPP) and host isolated (ENONET) are "host
   * unreachable".
   */
  private static final Meaning[] UNREACHABLE_V4 = {
    NET_SOFT, // 0 net unreachable
    HOST_SOFT, // 1 host unreachable
    REFUSED, // 2 protocol unreachable
    REFUSED, // 3 port unreachable
    null, // 4 fragmentation needed
    HOST_SOFT, // 5 source route failed
    NET_HARD, // 6 destination network unknown
    HOST_HARD, // 7 destination host unknown
    HOST_HARD, // 8 source host isolated
    NET_HARD, // 9 network administratively prohibited
    HOST_HARD, // 10 host administratively prohibited
    NET_SOFT, // 11 network unreachable for TOS
    HOST_SOFT, // 12 host unreachable for TOS
    HOST_HARD, // 13 communication administratively prohibited
    HOST_HARD, // 14 host precedence violation
    HOST_HARD, // 15 precedence cutoff in effect
  };

  /**
   * ICMPv6 destination unreachable by code (RFC 4443 §3.1). Linux reports EACCES for the policy
   * codes; the socket API says "host unreachable" for them, as ICMPv4's prohibited codes do.
   */
  private static final Meaning[] UNREACHABLE_V6 = {
    NET_SOFT, // 0 no route to destination
    HOST_HARD, // 1 communication administratively prohibited
    HOST_SOFT, // 2 beyond scope of source address
    HOST_SOFT, // 3 address unreachable
    REFUSED, // 4 port unreachable
    HOST_HARD, // 5 source address failed ingress/egress policy
    HOST_HARD, // 6 reject route to destination
  };

  /**
   * Returns what {@code message} tells a connection whose segment of sequence number {@code
   * quotedSequence} it quotes, or {@code null} when TCP ignores it: source quench (RFC 6633),
   * redirect, parameter problem, unknown codes.
   */
  static IcmpError classify(IcmpMessage message, int version, int quotedSequence) {
    return switch (message) {
      case IcmpMessage.DestinationUnreachable u when version == 4 && u.code() == 4 ->
          new IcmpError.PacketTooBig(u.nextHopMtu(), quotedSequence);
      case IcmpMessage.DestinationUnreachable u -> {
        Meaning[] table = version == 4 ? UNREACHABLE_V4 : UNREACHABLE_V6;
        Meaning m = u.code() < table.length ? table[u.code()] : null;
        yield m == null ? null : new IcmpError.Unreachable(m.error(), m.hard(), quotedSequence);
      }
      case IcmpMessage.PacketTooBig p -> new IcmpError.PacketTooBig(p.mtu(), quotedSequence);
      // RFC 1122 §4.2.3.9: time exceeded is a soft error; Linux reports EHOSTUNREACH.
      case IcmpMessage.TimeExceeded x ->
          new IcmpError.Unreachable(TcpError.HOST_UNREACHABLE, false, quotedSequence);
      default -> null;
    };
  }

  /**
   * Returns the name of an error for traces: {@code port-unreachable}, {@code packet-too-big}...
   */
  static String describe(IcmpMessage message, int version) {
    return switch (message) {
      case IcmpMessage.DestinationUnreachable u when version == 4 && u.code() == 4 ->
          "fragmentation-needed mtu " + u.nextHopMtu();
      case IcmpMessage.DestinationUnreachable u -> "unreachable code " + u.code();
      case IcmpMessage.PacketTooBig p -> "packet-too-big mtu " + p.mtu();
      case IcmpMessage.TimeExceeded x -> "time-exceeded code " + x.code();
      default -> message.getClass().getSimpleName();
    };
  }

  /** Returns the quoted datagram of an ICMP error. */
  static ByteBuffer original(IcmpMessage error) {
    return switch (error) {
      case IcmpMessage.DestinationUnreachable u -> u.original();
      case IcmpMessage.PacketTooBig p -> p.original();
      case IcmpMessage.TimeExceeded x -> x.original();
      default -> throw new IllegalArgumentException("not an ICMP error: " + error);
    };
  }

  /**
   * Returns what an error did to its connection, for the trace; {@code null} when it did nothing
   * (out of window, ignored).
   */
  static String describe(IcmpError error, IcmpError.Outcome outcome, int mssAfter) {
    return switch (outcome) {
      case ABORTED ->
          error instanceof IcmpError.Unreachable u
              ? "connection aborted: " + u.error().rfcText()
              : "connection aborted";
      case REMEMBERED ->
          "soft error kept until a timeout: " + ((IcmpError.Unreachable) error).error().rfcText();
      case MSS_LOWERED -> "MSS lowered to " + mssAfter + ", data in flight resent";
      case OUT_OF_WINDOW, IGNORED -> null;
    };
  }
}
