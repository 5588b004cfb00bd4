package dev.synack.cli;

import dev.synack.wire.Addresses;
import dev.synack.wire.IcmpCodec;
import dev.synack.wire.IcmpMessage;
import dev.synack.wire.IcmpQuote;
import dev.synack.wire.IpDatagram;
import dev.synack.wire.Parsed;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/**
 * Writes UDP datagrams and ICMP messages the way {@code tcpdump -nn} does ({@code print-udp.c},
 * {@code print-icmp.c}, {@code print-icmp6.c}), so that {@code decode} names every packet of a
 * capture, not only TCP: {@code IP 10.0.0.1.5353 > 10.0.0.2.53: UDP, length 32}, {@code IP 10.0.0.2
 * > 10.0.0.1: ICMP 10.0.0.2 udp port 9000 unreachable, length 36}.
 */
final class TcpdumpOther {
  private static final int UDP = 17;
  private static final int TCP = 6;

  private TcpdumpOther() {}

  /** Returns the line of a UDP or ICMP packet after the time; null for another protocol. */
  static String line(IpDatagram d) {
    String ip = TcpdumpFormat.ipVersion(d.source()) + " ";
    String src = Addresses.text(d.source());
    String dst = Addresses.text(d.destination());
    if (d.protocol() == UDP && !d.fragment()) {
      ByteBuffer u = d.payload();
      if (u.remaining() < 8)
        return ip + src + " > " + dst + ": UDP, truncated header, length " + u.remaining();
      int p = u.position();
      int sport = u.getShort(p) & 0xffff;
      int dport = u.getShort(p + 2) & 0xffff;
      int length = u.getShort(p + 4) & 0xffff;
      String head = ip + src + "." + sport + " > " + dst + "." + dport + ": UDP, ";
      // The length field covers the 8-byte header; tcpdump names a field that cannot be right.
      if (length < 8 || length > u.remaining())
        return head + "bad length " + length + " > " + u.remaining();
      return head + "length " + (length - 8);
    }
    if (d.protocol() == (d.version() == 4 ? IcmpCodec.PROTOCOL_V4 : IcmpCodec.PROTOCOL_V6)
        && !d.fragment()) {
      Parsed<IcmpMessage> m = IcmpCodec.parse(d, false);
      String head = ip + src + " > " + dst + ": ";
      if (!m.isOk())
        return head + (d.version() == 4 ? "ICMP" : "ICMP6") + ", malformed: " + m.reason().code();
      String what = d.version() == 4 ? icmp4(m.value()) : icmp6(m.value());
      return head + what + ", length " + d.payload().remaining();
    }
    return null;
  }

  private static String icmp4(IcmpMessage m) {
    return switch (m) {
      case IcmpMessage.EchoRequest e ->
          "ICMP echo request, id " + e.identifier() + ", seq " + e.sequenceNumber();
      case IcmpMessage.EchoReply e ->
          "ICMP echo reply, id " + e.identifier() + ", seq " + e.sequenceNumber();
      case IcmpMessage.DestinationUnreachable u -> "ICMP " + unreachable4(u);
      case IcmpMessage.TimeExceeded t ->
          t.code() == 0 ? "ICMP time exceeded in-transit" : "ICMP ip reassembly time exceeded";
      case IcmpMessage.PacketTooBig p -> "ICMP packet too big, mtu " + p.mtu();
      case IcmpMessage.Other o -> "ICMP type " + o.type() + ", code " + o.code();
    };
  }

  /** RFC 792 codes as tcpdump words them, the quoted datagram's destination first. */
  private static String unreachable4(IcmpMessage.DestinationUnreachable u) {
    Parsed<IcmpQuote> q = IcmpQuote.parse(u.original());
    String to = q.isOk() ? Addresses.text(q.value().destination()) : "?";
    return switch (u.code()) {
      case 0 -> "net " + to + " unreachable";
      case 1 -> "host " + to + " unreachable";
      case 2 -> to + " protocol " + (q.isOk() ? q.value().protocol() : "?") + " unreachable";
      case 3 -> to + " " + port(q) + " unreachable";
      case 4 -> to + " unreachable - need to frag (mtu " + u.nextHopMtu() + ")";
      case 13 -> to + " unreachable - admin prohibited filter";
      default -> to + " unreachable - code " + u.code();
    };
  }

  private static String icmp6(IcmpMessage m) {
    return switch (m) {
      case IcmpMessage.EchoRequest e ->
          "ICMP6, echo request, id " + e.identifier() + ", seq " + e.sequenceNumber();
      case IcmpMessage.EchoReply e ->
          "ICMP6, echo reply, id " + e.identifier() + ", seq " + e.sequenceNumber();
      case IcmpMessage.DestinationUnreachable u ->
          "ICMP6, destination unreachable, " + unreachable6(u);
      case IcmpMessage.PacketTooBig p -> "ICMP6, packet too big, mtu " + p.mtu();
      case IcmpMessage.TimeExceeded t ->
          t.code() == 0 ? "ICMP6, time exceeded in-transit" : "ICMP6, time exceeded reassembly";
      case IcmpMessage.Other o ->
          switch (o.type()) {
            case 133 -> "ICMP6, router solicitation";
            case 134 -> "ICMP6, router advertisement";
            case 135 -> "ICMP6, neighbor solicitation, who has " + target(o.body());
            case 136 -> "ICMP6, neighbor advertisement, tgt is " + target(o.body());
            case 143 -> "ICMP6, multicast listener report v2";
            default -> "ICMP6, type " + o.type() + ", code " + o.code();
          };
    };
  }

  /** RFC 4443 §3.1 codes as tcpdump words them. */
  private static String unreachable6(IcmpMessage.DestinationUnreachable u) {
    Parsed<IcmpQuote> q = IcmpQuote.parse(u.original());
    String to = q.isOk() ? Addresses.text(q.value().destination()) : "?";
    return switch (u.code()) {
      case 0 -> "unreachable route " + to;
      case 1 -> "unreachable prohibited " + to;
      case 3 -> "unreachable address " + to;
      case 4 -> "unreachable port, " + to + " " + port(q);
      default -> "code " + u.code() + " " + to;
    };
  }

  /** Returns {@code udp port 9000} or {@code tcp port 80} of a quoted datagram. */
  private static String port(Parsed<IcmpQuote> q) {
    if (!q.isOk()) return "port ?";
    int protocol = q.value().protocol();
    String name = protocol == UDP ? "udp" : protocol == TCP ? "tcp" : "ip-proto-" + protocol;
    return name + " port " + q.value().destinationPort();
  }

  /**
   * Returns the target address of a neighbor solicitation or advertisement (RFC 4861 §4.3, 4.4).
   */
  private static String target(ByteBuffer body) {
    if (body.remaining() < 16) return "?";
    byte[] a = new byte[16];
    body.get(body.position(), a);
    try {
      return Addresses.text(InetAddress.getByAddress(a));
    } catch (UnknownHostException e) {
      return "?";
    }
  }
}
