package dev.synack.wire;

import static dev.synack.wire.LinuxCaptures.bytes;
import static dev.synack.wire.LinuxCaptures.loopback4;
import static dev.synack.wire.LinuxCaptures.loopback6;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class IpPacketTest {
  @Nested
  class V4 {
    @Test
    void syn4_everyHeaderFieldAsLinuxSentIt() {
      Ipv4Packet p = Ipv4Packet.wrap(ByteBuffer.wrap(bytes(LinuxCaptures.SYN4))).value();
      assertEquals(4, p.version());
      assertEquals(5, p.ihl());
      assertEquals(0, p.dscp());
      assertEquals(0, p.ecn());
      assertEquals(60, p.totalLength());
      assertEquals(0x6f2e, p.identification());
      assertTrue(p.dontFragment());
      assertFalse(p.moreFragments());
      assertEquals(0, p.fragmentOffset());
      assertFalse(p.isFragment());
      assertEquals(64, p.timeToLive());
      assertEquals(6, p.protocol());
      assertEquals(LinuxCaptures.SYN4_IP_CHECKSUM, p.headerChecksum());
      assertEquals(loopback4(), p.source());
      assertEquals(loopback4(), p.destination());
      assertEquals(0, p.options().remaining());
      assertEquals(40, p.payload().remaining());
    }

    @Test
    void longerBuffer_isTrimmedToTotalLength() {
      byte[] padded = Arrays.copyOf(bytes(LinuxCaptures.SYN4), 64);
      Ipv4Packet p = Ipv4Packet.wrap(ByteBuffer.wrap(padded)).value();
      assertEquals(40, p.payload().remaining());
      assertEquals(60, p.packet().remaining());
    }

    @Test
    void shorterBuffer_isTotalLengthMismatch() {
      byte[] b = Arrays.copyOf(bytes(LinuxCaptures.SYN4), 59);
      assertEquals(
          MalformedReason.IPV4_TOTAL_LENGTH_MISMATCH, Ipv4Packet.wrap(ByteBuffer.wrap(b)).reason());
    }

    @Test
    void totalLengthBelowHeader_isTotalLengthMismatch() {
      byte[] b = bytes(LinuxCaptures.SYN4);
      b[3] = 19;
      assertEquals(
          MalformedReason.IPV4_TOTAL_LENGTH_MISMATCH, Ipv4Packet.wrap(ByteBuffer.wrap(b)).reason());
    }

    @Test
    void ihlBelowFive_isBadIhl() {
      byte[] b = bytes(LinuxCaptures.SYN4);
      b[0] = 0x44;
      assertEquals(MalformedReason.IPV4_BAD_IHL, Ipv4Packet.wrap(ByteBuffer.wrap(b)).reason());
    }

    @Test
    void headerShorterThanIhlOr20_isTruncatedHeader() {
      assertEquals(
          MalformedReason.IPV4_TRUNCATED_HEADER,
          Ipv4Packet.wrap(ByteBuffer.wrap(bytes("4500003c"))).reason());
      byte[] b = Arrays.copyOf(bytes(LinuxCaptures.SYN4), 22);
      b[0] = 0x46;
      assertEquals(
          MalformedReason.IPV4_TRUNCATED_HEADER, Ipv4Packet.wrap(ByteBuffer.wrap(b)).reason());
    }

    @Test
    void flippedHeaderBit_isBadHeaderChecksum() {
      byte[] b = bytes(LinuxCaptures.SYN4);
      b[8] = 63;
      assertEquals(
          MalformedReason.IPV4_BAD_HEADER_CHECKSUM, Ipv4Packet.wrap(ByteBuffer.wrap(b)).reason());
    }

    @Test
    void fragmentWithMoreFragments_isRecognised() {
      ByteBuffer out = ByteBuffer.allocate(28);
      Ipv4Packet.write(
          new Ipv4Packet.Repr(
              0,
              0,
              7,
              false,
              true,
              0,
              64,
              6,
              (java.net.Inet4Address) loopback4(),
              (java.net.Inet4Address) loopback4(),
              8),
          out);
      IpDatagram d = IpDatagram.parse(out.clear()).value();
      assertTrue(d.fragment());
      assertEquals(MalformedReason.IP_FRAGMENT, Packets.parseTcp(d, false).reason());
    }

    @Test
    void writtenRepr_parsesBackToTheSameRepr() {
      Ipv4Packet.Repr r =
          new Ipv4Packet.Repr(
              46,
              2,
              0xbeef,
              false,
              false,
              1000,
              3,
              17,
              (java.net.Inet4Address) LinuxCaptures.address(new byte[] {10, 1, 2, 3}),
              (java.net.Inet4Address)
                  LinuxCaptures.address(new byte[] {(byte) 192, (byte) 168, 0, 1}),
              12);
      ByteBuffer out = ByteBuffer.allocate(32);
      Ipv4Packet.write(r, out);
      assertEquals(20, out.position());
      assertEquals(r, Ipv4Packet.wrap(out.clear()).value().toRepr());
    }
  }

  @Nested
  class V6 {
    @Test
    void syn6_everyHeaderFieldAsLinuxSentIt() {
      Ipv6Packet p = Ipv6Packet.wrap(ByteBuffer.wrap(bytes(LinuxCaptures.SYN6))).value();
      assertEquals(6, p.version());
      assertEquals(0, p.trafficClass());
      assertEquals(0x9c1e3, p.flowLabel());
      assertEquals(40, p.payloadLength());
      assertEquals(6, p.nextHeader());
      assertEquals(64, p.hopLimit());
      assertEquals(loopback6(), p.source());
      assertEquals(loopback6(), p.destination());
      assertEquals(6, p.upperLayerProtocol());
      assertEquals(40, p.upperLayerPayload().remaining());
      assertFalse(p.hasFragmentHeader());
      assertFalse(p.isFragment());
    }

    /**
     * SYN6 with the given extension headers (hex) inserted, next-header and payload length fixed
     * up.
     */
    byte[] withExtensions(int firstNextHeader, String extensionsHex) {
      byte[] syn = bytes(LinuxCaptures.SYN6);
      byte[] ext = HexFormat.of().parseHex(extensionsHex);
      byte[] b = new byte[syn.length + ext.length];
      System.arraycopy(syn, 0, b, 0, 40);
      System.arraycopy(ext, 0, b, 40, ext.length);
      System.arraycopy(syn, 40, b, 40 + ext.length, syn.length - 40);
      b[6] = (byte) firstNextHeader;
      b[5] = (byte) (40 + ext.length);
      return b;
    }

    @Test
    void hopByHopThenDestinationOptions_walksToTcp() {
      // Hop-by-hop (next 60, 8 bytes: PadN) then destination options (next 6, 16 bytes).
      byte[] b = withExtensions(0, "3c00010400000000" + "0601010c000000000000000000000000");
      Ipv6Packet p = Ipv6Packet.wrap(ByteBuffer.wrap(b)).value();
      assertEquals(0, p.nextHeader());
      assertEquals(6, p.upperLayerProtocol());
      TcpSegment s = Packets.parseTcp(ByteBuffer.wrap(b), true).value().segment();
      assertEquals(51234, s.sourcePort());
    }

    @Test
    void atomicFragmentHeader_isRecognisedButNotAFragment() {
      byte[] b = withExtensions(44, "0600000012345678");
      Ipv6Packet p = Ipv6Packet.wrap(ByteBuffer.wrap(b)).value();
      assertTrue(p.hasFragmentHeader());
      assertFalse(p.isFragment());
      assertEquals(0x12345678, p.fragmentIdentification());
      assertEquals(6, p.upperLayerProtocol());
      assertTrue(Packets.parseTcp(ByteBuffer.wrap(b), true).isOk());
    }

    @Test
    void laterFragment_stopsTheWalkAtTheFragmentHeader() {
      byte[] b = withExtensions(44, "0600002912345678"); // offset 5 (40 bytes), M set
      Ipv6Packet p = Ipv6Packet.wrap(ByteBuffer.wrap(b)).value();
      assertTrue(p.isFragment());
      assertEquals(5, p.fragmentOffset());
      assertTrue(p.moreFragments());
      assertEquals(40, p.upperLayerPayload().remaining());
      assertEquals(
          MalformedReason.IP_FRAGMENT, Packets.parseTcp(ByteBuffer.wrap(b), true).reason());
    }

    @Test
    void extensionHeaderPastTheEnd_isTruncatedExtensionHeader() {
      byte[] b = withExtensions(60, "06ff000000000000"); // claims (255+1)*8 bytes
      assertEquals(
          MalformedReason.IPV6_TRUNCATED_EXTENSION_HEADER,
          Ipv6Packet.wrap(ByteBuffer.wrap(b)).reason());
      byte[] c = Arrays.copyOf(bytes(LinuxCaptures.SYN6), 41);
      c[5] = 1;
      c[6] = 60;
      assertEquals(
          MalformedReason.IPV6_TRUNCATED_EXTENSION_HEADER,
          Ipv6Packet.wrap(ByteBuffer.wrap(c)).reason());
    }

    @Test
    void hopByHopAfterAnotherHeader_isMisplaced() {
      byte[] b = withExtensions(60, "0000000000000000" + "0600000000000000");
      assertEquals(
          MalformedReason.IPV6_MISPLACED_HOP_BY_HOP, Ipv6Packet.wrap(ByteBuffer.wrap(b)).reason());
    }

    @Test
    void payloadLengthPastTheBuffer_isMismatch() {
      byte[] b = Arrays.copyOf(bytes(LinuxCaptures.SYN6), 79);
      assertEquals(
          MalformedReason.IPV6_PAYLOAD_LENGTH_MISMATCH,
          Ipv6Packet.wrap(ByteBuffer.wrap(b)).reason());
      assertEquals(
          MalformedReason.IPV6_TRUNCATED_HEADER, Ipv6Packet.wrap(ByteBuffer.allocate(39)).reason());
    }

    @Test
    void noNextHeader_isTheUpperLayer() {
      byte[] b = bytes(LinuxCaptures.SYN6);
      b[6] = 59;
      assertEquals(59, Ipv6Packet.wrap(ByteBuffer.wrap(b)).value().upperLayerProtocol());
      assertEquals(MalformedReason.IP_NOT_TCP, Packets.parseTcp(ByteBuffer.wrap(b), true).reason());
    }

    @Test
    void ipv4MappedSource_staysAnIpv6Address() {
      byte[] b = bytes(LinuxCaptures.SYN6);
      b[18] = (byte) 0xff;
      b[19] = (byte) 0xff;
      assertTrue(Ipv6Packet.wrap(ByteBuffer.wrap(b)).value().source() != null);
    }
  }

  @Nested
  class Datagrams {
    @Test
    void parse_dispatchesOnTheVersionNibble() {
      IpDatagram d4 = IpDatagram.parse(ByteBuffer.wrap(bytes(LinuxCaptures.SYN4))).value();
      assertEquals(4, d4.version());
      assertEquals(64, d4.hopLimit());
      assertEquals(6, d4.protocol());
      assertTrue(d4.header() instanceof Ipv4Packet.Repr);
      IpDatagram d6 = IpDatagram.parse(ByteBuffer.wrap(bytes(LinuxCaptures.SYN6))).value();
      assertEquals(6, d6.version());
      assertTrue(d6.header() instanceof Ipv6Packet.Repr r && r.flowLabel() == 0x9c1e3);
      assertEquals(
          MalformedReason.IP_BAD_VERSION,
          IpDatagram.parse(ByteBuffer.wrap(new byte[] {0x50})).reason());
      assertEquals(MalformedReason.IP_TRUNCATED, IpDatagram.parse(ByteBuffer.allocate(0)).reason());
    }

    @Test
    void parseTcp_linuxSynAck_isTheSegmentAndTheDatagram() {
      Packets.TcpPacket p =
          Packets.parseTcp(ByteBuffer.wrap(bytes(LinuxCaptures.SYNACK4)), true).value();
      assertEquals(loopback4(), p.ip().source());
      assertEquals(TcpFlags.SYN | TcpFlags.ACK, p.segment().flags());
      assertEquals(
          "IP 127.0.0.1.8080 > 127.0.0.1.45678: Flags [S.], seq 1017372871, ack 3478921777, win 65483, "
              + "options [mss 65495,sackOK,TS val 2887548925 ecr 2887548925,nop,wscale 7], length 0",
          p.toString());
    }

    @Test
    void tcp_rebuildsLinuxSynAckByteForByte() {
      // Linux sends the SYN-ACK with DF and IP ID 0, as Packets.tcp does.
      TcpSegment s =
          Packets.parseTcp(ByteBuffer.wrap(bytes(LinuxCaptures.SYNACK4)), true).value().segment();
      assertArrayEquals(bytes(LinuxCaptures.SYNACK4), Packets.tcp(loopback4(), loopback4(), 64, s));
    }

    @Test
    void tcp_ipv6_matchesLinuxSynApartFromTheFlowLabel() {
      TcpSegment s =
          Packets.parseTcp(ByteBuffer.wrap(bytes(LinuxCaptures.SYN6)), true).value().segment();
      byte[] expected = bytes(LinuxCaptures.SYN6);
      expected[1] = 0;
      expected[2] = 0;
      expected[3] = 0;
      assertArrayEquals(expected, Packets.tcp(loopback6(), loopback6(), 64, s));
    }
  }
}
