package dev.synack.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The datagram an ICMP error quotes, read back to the TCP ports and sequence number. */
class IcmpQuoteTest {
  static final TcpSegment SYN = TcpSegment.of(40000, 80, 0xdeadbeef, 0, TcpFlags.SYN, 65535);

  @Test
  void ipv4HeaderAndEightBytes_givesPortsAndSequenceNumber() {
    byte[] sent = Packets.tcp(ip("10.0.0.1"), ip("10.0.0.2"), 64, SYN);

    IcmpQuote q = IcmpQuote.parse(ByteBuffer.wrap(sent, 0, 28)).value();

    assertEquals(4, q.version());
    assertEquals(ip("10.0.0.1"), q.source());
    assertEquals(ip("10.0.0.2"), q.destination());
    assertEquals(TcpCodec.PROTOCOL, q.protocol());
    assertEquals(40000, q.sourcePort());
    assertEquals(80, q.destinationPort());
    assertEquals(0xdeadbeef, q.tcpSequenceNumber());
  }

  @Test
  void ipv4WithOptions_skipsTheOptions() {
    byte[] plain = Packets.tcp(ip("10.0.0.1"), ip("10.0.0.2"), 64, SYN);
    byte[] withOptions = new byte[plain.length + 4];
    System.arraycopy(plain, 0, withOptions, 0, 20);
    withOptions[0] = 0x46; // IHL 6: four bytes of options (NOPs)
    Arrays.fill(withOptions, 20, 24, (byte) 1);
    System.arraycopy(plain, 20, withOptions, 24, plain.length - 20);

    IcmpQuote q = IcmpQuote.parse(ByteBuffer.wrap(withOptions, 0, 32)).value();

    assertEquals(0xdeadbeef, q.tcpSequenceNumber());
  }

  @Test
  void ipv6CutShortOfItsPayloadLength_stillParses() {
    byte[] sent =
        Packets.tcp(ip("fd00::1"), ip("fd00::2"), 64, SYN.withPayload(ByteBuffer.allocate(1000)));

    IcmpQuote q = IcmpQuote.parse(ByteBuffer.wrap(sent, 0, 48)).value();

    assertEquals(6, q.version());
    assertEquals(ip("fd00::2"), q.destination());
    assertEquals(80, q.destinationPort());
    assertEquals(0xdeadbeef, q.tcpSequenceNumber());
  }

  @Test
  void ipv6WithADestinationOptionsHeader_walksToTcp() {
    byte[] plain = Packets.tcp(ip("fd00::1"), ip("fd00::2"), 64, SYN);
    byte[] withExt = new byte[plain.length + 8];
    System.arraycopy(plain, 0, withExt, 0, 40);
    withExt[6] = 60; // next header: destination options
    withExt[5] = (byte) (plain.length - 40 + 8);
    withExt[40] = 6; // then TCP; length 0 means 8 bytes, padded with PadN
    withExt[42] = 1;
    withExt[43] = 4;
    System.arraycopy(plain, 40, withExt, 48, plain.length - 40);

    IcmpQuote q = IcmpQuote.parse(ByteBuffer.wrap(withExt, 0, 56)).value();

    assertEquals(TcpCodec.PROTOCOL, q.protocol());
    assertEquals(0xdeadbeef, q.tcpSequenceNumber());
  }

  @Test
  void tooShortOrNotIp_isMalformed_neverThrows() {
    byte[] sent = Packets.tcp(ip("10.0.0.1"), ip("10.0.0.2"), 64, SYN);
    assertEquals(
        MalformedReason.ICMP_QUOTE_TRUNCATED,
        IcmpQuote.parse(ByteBuffer.wrap(sent, 0, 27)).reason());
    assertEquals(
        MalformedReason.ICMP_QUOTE_TRUNCATED, IcmpQuote.parse(ByteBuffer.allocate(0)).reason());
    assertEquals(
        MalformedReason.ICMP_QUOTE_BAD_VERSION,
        IcmpQuote.parse(ByteBuffer.wrap(new byte[40])).reason());
    byte[] v6 = Packets.tcp(ip("fd00::1"), ip("fd00::2"), 64, SYN);
    assertEquals(
        MalformedReason.ICMP_QUOTE_TRUNCATED, IcmpQuote.parse(ByteBuffer.wrap(v6, 0, 47)).reason());
  }

  @Test
  void laterFragment_quotesNoTransportHeader() {
    byte[] sent = Packets.tcp(ip("10.0.0.1"), ip("10.0.0.2"), 64, SYN);
    sent[7] = 1; // fragment offset 8 bytes (the header checksum is not checked in a quote)
    assertEquals(
        MalformedReason.ICMP_QUOTE_FRAGMENT, IcmpQuote.parse(ByteBuffer.wrap(sent)).reason());
  }

  static InetAddress ip(String s) {
    try {
      return InetAddress.getByName(s);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }
}
