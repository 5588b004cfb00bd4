package dev.synack.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.synack.fuzz.SeededMutations;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * Fuzz targets of the wire layer (Jazzer). Under {@code mvn verify} each target runs in Jazzer's
 * regression mode over its seed corpus ({@code
 * src/test/resources/dev/synack/wire/WireFuzzTestInputs/<target>/}) and then over a bounded number
 * of seeded mutations of it; {@code JAZZER_FUZZ=1} fuzzes for real (see README, "Fuzzing"). Any
 * exception, and any failed assertion, is a finding.
 */
class WireFuzzTest {

  /**
   * Arbitrary bytes as an IP packet: every parse the stack does returns a value or a reason and
   * never throws; a TCP or ICMP packet that parses, written again, parses back equal.
   */
  @FuzzTest(maxDuration = "10m")
  void ipPacket(byte[] data) {
    Parsed<IpDatagram> ip = IpDatagram.parse(ByteBuffer.wrap(data));
    assertNotNull(ip.isOk() ? ip.value().toString() : ip.reason());
    TcpHeader.wrap(ByteBuffer.wrap(data)).map(TcpHeader::toSegment).map(TcpSegment::toString);
    for (boolean verify : new boolean[] {true, false}) {
      if (Packets.parseTcp(ByteBuffer.wrap(data), verify)
          instanceof Parsed.Ok<Packets.TcpPacket>(Packets.TcpPacket p)) {
        assertNotNull(p.toString());
        assertTcpRoundTrip(p);
      }
      if (ip instanceof Parsed.Ok<IpDatagram>(IpDatagram d)) {
        if (IcmpCodec.parse(d, verify) instanceof Parsed.Ok<IcmpMessage>(IcmpMessage m))
          assertIcmpRoundTrip(d, m);
        IcmpQuote.parse(d.payload());
        Packets.icmpEchoReply(d);
        Packets.icmpPortUnreachable(d);
      }
    }
  }

  /**
   * Arbitrary bytes as a capture file: the reader returns records or throws {@link
   * PcapFormatException}, nothing else.
   */
  @FuzzTest(maxDuration = "10m")
  void pcapFile(byte[] data) {
    try {
      PcapReader reader = PcapReader.of(data);
      for (PcapRecord r = reader.next(); r != null; r = reader.next()) {
        // No IP in the frame (ARP, an unknown link type) is a null packet, not an error.
        if (r.ipPacket() != null) ipPacket(bytesOf(r.ipPacket()));
      }
    } catch (PcapFormatException expected) {
      assertNotNull(expected.getMessage());
    }
  }

  @Test
  void ipPacket_generatedInputs_neverThrowAndRoundTrip() {
    SeededMutations.run(
        SeededMutations.corpus(WireFuzzTest.class, "ipPacket"), 20_000, 1, 1600, this::ipPacket);
  }

  @Test
  void pcapFile_generatedInputs_throwOnlyPcapFormatException() {
    SeededMutations.run(
        SeededMutations.corpus(WireFuzzTest.class, "pcapFile"), 20_000, 2, 4096, this::pcapFile);
  }

  private static byte[] bytesOf(ByteBuffer b) {
    byte[] a = new byte[b.remaining()];
    b.duplicate().get(a);
    return a;
  }

  /**
   * Written with the parsed fields, the segment parses back equal (the checksum is recomputed, so
   * it is left out).
   */
  private static void assertTcpRoundTrip(Packets.TcpPacket p) {
    IpDatagram ip = p.ip();
    byte[] again = Packets.tcp(ip.source(), ip.destination(), ip.hopLimit(), p.segment());
    Packets.TcpPacket back = Packets.parseTcp(ByteBuffer.wrap(again), true).value();
    assertEquals(ip.source(), back.ip().source());
    assertEquals(ip.destination(), back.ip().destination());
    assertEquals(ip.hopLimit(), back.ip().hopLimit());
    assertEquals(withChecksum(p.segment(), back.segment().checksum()), back.segment());
  }

  private static void assertIcmpRoundTrip(IpDatagram ip, IcmpMessage m) {
    if (ip.version() == 4 && m instanceof IcmpMessage.PacketTooBig)
      return; // ICMPv4 has no such type
    byte[] again = Packets.icmp(ip.source(), ip.destination(), ip.hopLimit(), m);
    IpDatagram backIp = IpDatagram.parse(ByteBuffer.wrap(again)).value();
    assertEquals(m, IcmpCodec.parse(backIp, true).value());
  }

  private static TcpSegment withChecksum(TcpSegment s, int checksum) {
    return new TcpSegment(
        s.sourcePort(),
        s.destinationPort(),
        s.sequenceNumber(),
        s.acknowledgmentNumber(),
        s.flags(),
        s.window(),
        checksum,
        s.urgentPointer(),
        s.options(),
        s.payload());
  }
}
