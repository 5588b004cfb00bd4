package dev.synack.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * The IP ECN field (RFC 3168 §5) both ways: written from a segment's codepoint, read back,
 * re-marked by a router.
 */
class EcnTest {
  private static InetAddress addr(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  private static byte[] packet(String from, String to, int ecn) {
    OutboundSegment seg =
        new OutboundSegment().header(40000, 80, 1, 0, TcpFlags.ACK, 1000).ecn(ecn);
    return Packets.tcp(addr(from), addr(to), 64, seg);
  }

  @Test
  void ipv4_ect0Written_readBack_ceMarkKeepsHeaderChecksumValid() {
    byte[] p = packet("10.0.0.1", "10.0.0.2", Ecn.ECT_0);
    assertEquals(Ecn.ECT_0, Ecn.of(p));
    IpDatagram ip = IpDatagram.parse(ByteBuffer.wrap(p)).value();
    assertEquals(Ecn.ECT_0, ip.ecn());
    assertTrue(Ecn.isEct(ip.ecn()));
    Ecn.set(p, Ecn.CE);
    IpDatagram marked = IpDatagram.parse(ByteBuffer.wrap(p)).value();
    assertEquals(Ecn.CE, marked.ecn());
    assertEquals(
        0,
        Checksum.compute(ByteBuffer.wrap(p), 0, Ipv4Packet.MIN_HEADER_LENGTH),
        "the header still sums to zero");
    assertTrue(
        Packets.parseTcp(ByteBuffer.wrap(p), true) instanceof Parsed.Ok<?>,
        "the TCP checksum does not cover it");
  }

  @Test
  void ipv6_ecnInTrafficClass() {
    byte[] p = packet("fd00::1", "fd00::2", Ecn.ECT_0);
    assertEquals(Ecn.ECT_0, IpDatagram.parse(ByteBuffer.wrap(p)).value().ecn());
    Ecn.set(p, Ecn.CE);
    assertEquals(Ecn.CE, IpDatagram.parse(ByteBuffer.wrap(p)).value().ecn());
    assertEquals(Ecn.CE, Ecn.of(p));
  }

  @Test
  void plainSegment_notEct() {
    byte[] p = packet("10.0.0.1", "10.0.0.2", Ecn.NOT_ECT);
    assertEquals(Ecn.NOT_ECT, IpDatagram.parse(ByteBuffer.wrap(p)).value().ecn());
    assertEquals(false, Ecn.isEct(Ecn.of(p)));
  }
}
