package dev.synack.packetdrill;

import dev.synack.wire.Packets;
import dev.synack.wire.TcpOption;
import dev.synack.wire.TcpSegment;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the IP packet a {@code <} line injects: the live 4-tuple, the peer's sequence number as
 * written, our numbers (ACK) shifted into live space, a TSecr that names one of our script TSvals
 * replaced by the live one, and a payload of zeros.
 */
final class InboundPackets {
  /** The TTL / hop limit of injected packets when the line writes none (packetdrill's). */
  private static final int DEFAULT_HOP_LIMIT = 64;

  private InboundPackets() {}

  static byte[] build(
      ScriptPacket p, SequenceMap map, InetAddress from, int fromPort, InetAddress to, int toPort) {
    if (p.udpEncapsulation() != null)
      throw ScriptException.unsupported(
          0, "TCP in UDP (/udp(...)): synack has no UDP encapsulation of TCP");
    if (p.ecn() == ScriptPacket.Ecn.ECT01) {
      throw ScriptException.unsupported(
          0, "injecting [ect01]: an inbound packet carries one codepoint, ect0 or ect1");
    }
    int hopLimit = DEFAULT_HOP_LIMIT;
    if (p.ipField() != null) {
      switch (p.ipField().name()) {
        case "ttl", "hlim" -> hopLimit = p.ipField().value();
        default ->
            throw ScriptException.unsupported(
                0, "injecting IP field " + p.ipField() + ": synack's packets carry no DSCP");
      }
    }
    int seq = (int) p.seq();
    long ackValue = p.ack() == null ? 0 : p.ack();
    int ack = p.hasAck() ? map.localToLive(ackValue) : (int) ackValue;
    List<TcpOption> options = new ArrayList<>(p.options() == null ? List.of() : p.options());
    if (p.options() == null)
      throw ScriptException.unsupported(0, "<...> options on an inbound packet");
    if (p.hasAck()) {
      for (int i = 0; i < options.size(); i++) {
        if (options.get(i) instanceof TcpOption.Timestamps ts && ts.tsEcr() != 0) {
          Integer live = map.liveTsVal(ts.tsEcr());
          if (live == null) {
            throw ScriptException.mismatch(
                0,
                "no outbound packet carried TS val "
                    + Integer.toUnsignedString(ts.tsEcr())
                    + ", which this TS ecr names",
                "an earlier TS val " + Integer.toUnsignedString(ts.tsEcr()),
                "none");
          }
          options.set(i, new TcpOption.Timestamps(ts.tsVal(), live));
        }
      }
      for (int i = 0; i < options.size(); i++) {
        if (options.get(i) instanceof TcpOption.Sack sack) {
          options.set(
              i,
              new TcpOption.Sack(
                  sack.blocks().stream()
                      .map(
                          b ->
                              new dev.synack.wire.SackBlock(
                                  map.localToLive(Integer.toUnsignedLong(b.left())),
                                  map.localToLive(Integer.toUnsignedLong(b.right()))))
                      .toList()));
        }
      }
    }
    TcpSegment seg =
        new TcpSegment(
            fromPort,
            toPort,
            seq,
            ack,
            p.flags(),
            p.window(),
            0,
            0,
            new dev.synack.wire.TcpOptions(options),
            ByteBuffer.allocate(p.length()));
    byte[] packet = Packets.tcp(from, to, hopLimit, seg);
    if (p.ecn() != null)
      dev.synack.wire.Ecn.set(
          packet, p.ecn().bits); // the IP ECN field (RFC 3168 §5) reaches the connection
    return packet;
  }
}
