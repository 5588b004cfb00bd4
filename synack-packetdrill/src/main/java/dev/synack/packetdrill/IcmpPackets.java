package dev.synack.packetdrill;

import dev.synack.wire.IcmpMessage;
import dev.synack.wire.Packets;
import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpSegment;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;

/**
 * Builds the ICMP error an inbound ICMP line injects, with packetdrill's names for types and codes
 * ({@code icmp_packet.c}): {@code < icmp unreachable frag_needed mtu 1200 [1:1461(1460)]} quotes a
 * segment of the live connection, as a router on the path would (RFC 792, RFC 4443 §2.4): its IP
 * header and its whole TCP header, with the sequence number in live space.
 */
final class IcmpPackets {
  /** ICMPv4 destination-unreachable codes (RFC 792, RFC 1812 §5.2.7.1). */
  private static final Map<String, Integer> V4_UNREACHABLE =
      Map.ofEntries(
          Map.entry("net_unreachable", 0),
          Map.entry("host_unreachable", 1),
          Map.entry("protocol_unreachable", 2),
          Map.entry("port_unreachable", 3),
          Map.entry("frag_needed", 4),
          Map.entry("source_route_failed", 5),
          Map.entry("net_unknown", 6),
          Map.entry("host_unknown", 7),
          Map.entry("source_host_isolated", 8),
          Map.entry("net_prohibited", 9),
          Map.entry("host_prohibited", 10),
          Map.entry("net_unreachable_for_tos", 11),
          Map.entry("host_unreachable_for_tos", 12),
          Map.entry("packet_filtered", 13),
          Map.entry("precedence_violation", 14),
          Map.entry("precedence_cutoff", 15));

  /** ICMPv6 destination-unreachable codes (RFC 4443 §3.1). */
  private static final Map<String, Integer> V6_UNREACHABLE =
      Map.of(
          "no_route",
          0,
          "admin_prohibited",
          1,
          "beyond_scope",
          2,
          "address_unreachable",
          3,
          "port_unreachable",
          4,
          "source_addr_failed_policy",
          5,
          "reject_route",
          6);

  private IcmpPackets() {}

  static byte[] build(
      ScriptPacket p,
      SequenceMap map,
      InetAddress from,
      int remotePort,
      InetAddress local,
      int localPort) {
    ScriptPacket.Icmp icmp = p.icmp();
    boolean v4 = local instanceof Inet4Address;
    // The quoted segment: ours, as it left (local to remote), its header only.
    TcpSegment quotedSegment =
        new TcpSegment(
            localPort,
            remotePort,
            map.localToLive(icmp.quotedSeq()),
            0,
            TcpFlags.ACK,
            0,
            0,
            0,
            new dev.synack.wire.TcpOptions(java.util.List.of()),
            ByteBuffer.allocate(0));
    byte[] quotedPacket = Packets.tcp(local, from, 64, quotedSegment);
    ByteBuffer original = ByteBuffer.wrap(Arrays.copyOf(quotedPacket, quotedPacket.length));
    String code = icmp.code();
    IcmpMessage message =
        switch (icmp.type()) {
          case "unreachable", "dest_unreachable", "destination_unreachable" -> {
            Map<String, Integer> codes = v4 ? V4_UNREACHABLE : V6_UNREACHABLE;
            Integer c = code == null ? null : codes.get(code);
            if (c == null)
              throw ScriptException.unsupported(
                  0, "ICMP" + (v4 ? "v4" : "v6") + " unreachable code " + code);
            yield new IcmpMessage.DestinationUnreachable(
                c, v4 && c == 4 && icmp.mtu() != null ? icmp.mtu() : 0, original);
          }
          case "packet_too_big" -> {
            if (v4) throw ScriptException.unsupported(0, "ICMPv6 packet_too_big in an IPv4 script");
            if (icmp.mtu() == null) throw ScriptException.syntax(0, "packet_too_big needs an mtu");
            yield new IcmpMessage.PacketTooBig(icmp.mtu(), original);
          }
          case "time_exceeded" ->
              new IcmpMessage.TimeExceeded(
                  code == null || code.equals("ttl_exceeded") || code.equals("hop_limit_exceeded")
                      ? 0
                      : 1,
                  original);
          default -> throw ScriptException.unsupported(0, "injecting ICMP type " + icmp.type());
        };
    return Packets.icmp(from, local, 64, message);
  }
}
