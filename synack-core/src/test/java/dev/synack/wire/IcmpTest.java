package dev.synack.wire;

import static dev.synack.wire.LinuxCaptures.bytes;
import static dev.synack.wire.LinuxCaptures.loopback4;
import static dev.synack.wire.LinuxCaptures.loopback6;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class IcmpTest {
  static IpDatagram datagram(String hex) {
    return IpDatagram.parse(ByteBuffer.wrap(bytes(hex))).value();
  }

  @Test
  void ping4_parse_givesTheEchoRequest() {
    IpDatagram d = datagram(LinuxCaptures.PING4);
    IcmpPacket p = IcmpPacket.wrap(d.payload()).value();
    assertEquals(8, p.type());
    assertEquals(0, p.code());
    assertEquals(LinuxCaptures.PING4_ICMP_CHECKSUM, p.checksum());
    IcmpMessage.EchoRequest e = (IcmpMessage.EchoRequest) IcmpCodec.parse(d, true).value();
    assertEquals(0x1c2b, e.identifier());
    assertEquals(1, e.sequenceNumber());
    assertEquals(56, e.data().remaining());
    assertEquals(0x37, e.data().get(55));
  }

  @Test
  void ping4_echoReply_isTheExpectedBytes() {
    assertArrayEquals(
        bytes(LinuxCaptures.REPLY4), Packets.icmpEchoReply(datagram(LinuxCaptures.PING4)));
  }

  @Test
  void ping6_echoReply_usesThePseudoHeaderChecksum() {
    IpDatagram d = datagram(LinuxCaptures.PING6);
    assertEquals(
        LinuxCaptures.PING6_ICMP_CHECKSUM, IcmpPacket.wrap(d.payload()).value().checksum());
    assertTrue(
        IcmpCodec.parse(d, true).value() instanceof IcmpMessage.EchoRequest e
            && e.identifier() == 0x2d3c);
    IpDatagram reply = IpDatagram.parse(ByteBuffer.wrap(Packets.icmpEchoReply(d))).value();
    IcmpPacket p = IcmpPacket.wrap(reply.payload()).value();
    assertEquals(129, p.type());
    assertEquals(LinuxCaptures.REPLY6_ICMP_CHECKSUM, p.checksum());
    assertEquals(64, reply.hopLimit());
  }

  @Test
  void echoReply_toATcpSegmentOrAnEchoReply_isNull() {
    assertNull(Packets.icmpEchoReply(datagram(LinuxCaptures.SYN4)));
    assertNull(Packets.icmpEchoReply(datagram(LinuxCaptures.REPLY4)));
  }

  @Test
  void corruptedEcho_isBadChecksumAndGetsNoReply() {
    byte[] b = bytes(LinuxCaptures.PING6);
    b[b.length - 1] ^= 1;
    IpDatagram d = IpDatagram.parse(ByteBuffer.wrap(b)).value();
    assertEquals(MalformedReason.ICMP_BAD_CHECKSUM, IcmpCodec.parse(d, true).reason());
    assertNull(Packets.icmpEchoReply(d));
  }

  @Test
  void shortMessage_isTruncated() {
    assertEquals(
        MalformedReason.ICMP_TRUNCATED,
        IcmpCodec.parse(ByteBuffer.allocate(7), 4, loopback4(), loopback4(), false).reason());
  }

  @Test
  void portUnreachable4_quotesTheSegmentBackToItsSource() {
    IpDatagram syn = datagram(LinuxCaptures.SYN4);
    IpDatagram error = IpDatagram.parse(ByteBuffer.wrap(Packets.icmpPortUnreachable(syn))).value();
    assertEquals(IcmpCodec.PROTOCOL_V4, error.protocol());
    IcmpMessage.DestinationUnreachable u =
        (IcmpMessage.DestinationUnreachable) IcmpCodec.parse(error, true).value();
    assertEquals(3, u.code());
    assertEquals(syn.packet(), u.original());
    assertNull(Packets.icmpPortUnreachable(error), "no error about an error");
  }

  @Test
  void portUnreachable6_isCode4AndVerifies() {
    IpDatagram syn = datagram(LinuxCaptures.SYN6);
    IpDatagram error = IpDatagram.parse(ByteBuffer.wrap(Packets.icmpPortUnreachable(syn))).value();
    IcmpMessage.DestinationUnreachable u =
        (IcmpMessage.DestinationUnreachable) IcmpCodec.parse(error, true).value();
    assertEquals(4, u.code());
    assertEquals(80, u.original().remaining());
  }

  @Test
  void portUnreachable_bigDatagram_isCutTo576Bytes() {
    byte[] payload = new byte[1400];
    TcpSegment s = TcpSegment.of(1, 2, 0, 0, TcpFlags.ACK, 0).withPayload(ByteBuffer.wrap(payload));
    IpDatagram big =
        IpDatagram.parse(ByteBuffer.wrap(Packets.tcp(loopback4(), loopback4(), 64, s))).value();
    assertEquals(576, Packets.icmpPortUnreachable(big).length);
  }

  @Test
  void portUnreachable_toMulticast_isNull() {
    byte[] b = bytes(LinuxCaptures.SYN4);
    InetAddress group = LinuxCaptures.address(new byte[] {(byte) 224, 0, 0, 1});
    TcpSegment s = Packets.parseTcp(ByteBuffer.wrap(b), true).value().segment();
    IpDatagram d = IpDatagram.parse(ByteBuffer.wrap(Packets.tcp(loopback4(), group, 1, s))).value();
    assertNull(Packets.icmpPortUnreachable(d));
  }

  @Test
  void fragmentationNeeded4_keepsTheNextHopMtu() {
    IcmpMessage m =
        new IcmpMessage.DestinationUnreachable(
            4, 1400, ByteBuffer.wrap(Arrays.copyOf(bytes(LinuxCaptures.SYN4), 28)));
    IpDatagram d =
        IpDatagram.parse(ByteBuffer.wrap(Packets.icmp(loopback4(), loopback4(), 64, m))).value();
    assertEquals(m, IcmpCodec.parse(d, true).value());
    assertEquals(1400, IcmpPacket.wrap(d.payload()).value().nextHopMtu());
  }

  @Test
  void packetTooBig6_roundTripsAndCannotBeIcmpv4() {
    IcmpMessage m = new IcmpMessage.PacketTooBig(1280, ByteBuffer.wrap(bytes(LinuxCaptures.SYN6)));
    IpDatagram d =
        IpDatagram.parse(ByteBuffer.wrap(Packets.icmp(loopback6(), loopback6(), 255, m))).value();
    assertEquals(m, IcmpCodec.parse(d, true).value());
    assertThrows(
        IllegalArgumentException.class, () -> Packets.icmp(loopback4(), loopback4(), 64, m));
  }

  @Test
  void timeExceededAndOther_roundTripInBothVersions() {
    for (InetAddress a : new InetAddress[] {loopback4(), loopback6()}) {
      IcmpMessage x = new IcmpMessage.TimeExceeded(0, ByteBuffer.wrap(new byte[] {1, 2, 3}));
      IcmpMessage o = new IcmpMessage.Other(200, 7, 0xdeadbeef, ByteBuffer.wrap(new byte[] {9}));
      for (IcmpMessage m : new IcmpMessage[] {x, o}) {
        IpDatagram d = IpDatagram.parse(ByteBuffer.wrap(Packets.icmp(a, a, 64, m))).value();
        assertEquals(m, IcmpCodec.parse(d, true).value(), a + " " + m);
      }
    }
  }

  @Test
  void parse_tcpDatagram_isNotIcmp() {
    assertEquals(
        MalformedReason.IP_NOT_ICMP, IcmpCodec.parse(datagram(LinuxCaptures.SYN4), true).reason());
  }
}
