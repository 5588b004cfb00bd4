package dev.synack.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.trace.TraceSink;
import dev.synack.wire.IcmpCodec;
import dev.synack.wire.IcmpMessage;
import dev.synack.wire.IcmpQuote;
import dev.synack.wire.IpDatagram;
import dev.synack.wire.Packets;
import dev.synack.wire.UdpPacket;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * {@link Host#sendUnreachable}: a forwarder relays a destination's ICMP error back to the client
 * that sent the datagram, from the destination's address, quoting the datagram so that the client's
 * kernel finds its socket (addresses and ports of the quoted headers).
 */
class RelayedUnreachableTest {
  static final InetAddress CLIENT4 = ip("10.99.0.1");
  static final InetAddress REMOTE4 = ip("198.51.100.9");
  static final InetAddress CLIENT6 = ip("fd00:99::1");
  static final InetAddress REMOTE6 = ip("2001:db8::9");
  static final ByteBuffer DATA = ByteBuffer.wrap("query".getBytes(StandardCharsets.US_ASCII));

  final Host host =
      new Host("forwarder", HostConfig.defaults(5).withAnyDestination(true), TraceSink.NONE);

  @Test
  void portUnreachable_ipv4_fromTheDestination_toTheClient_quotingItsDatagram() {
    byte[] datagram = UdpPacket.packet(CLIENT4, 40000, REMOTE4, 9, 64, DATA);
    assertTrue(host.sendUnreachable(datagram, REMOTE4, 3, 1));
    IpDatagram ip = IpDatagram.parse(ByteBuffer.wrap(host.pollPacket(1))).value();
    assertEquals(REMOTE4, ip.source());
    assertEquals(CLIENT4, ip.destination());
    IcmpMessage.DestinationUnreachable error =
        (IcmpMessage.DestinationUnreachable) IcmpCodec.parse(ip, true).value();
    assertEquals(3, error.code());
    IcmpQuote quote = IcmpQuote.parse(error.original()).value();
    assertEquals(CLIENT4, quote.source());
    assertEquals(REMOTE4, quote.destination());
    assertEquals(40000, quote.sourcePort());
    assertEquals(9, quote.destinationPort());
    assertNull(host.pollPacket(1), "one error for one datagram");
  }

  @Test
  void portUnreachable_ipv6_code4() {
    byte[] datagram = UdpPacket.packet(CLIENT6, 40001, REMOTE6, 9, 64, DATA);
    assertTrue(host.sendUnreachable(datagram, REMOTE6, 4, 1));
    IpDatagram ip = IpDatagram.parse(ByteBuffer.wrap(host.pollPacket(1))).value();
    assertEquals(REMOTE6, ip.source());
    assertEquals(CLIENT6, ip.destination());
    IcmpMessage.DestinationUnreachable error =
        (IcmpMessage.DestinationUnreachable) IcmpCodec.parse(ip, true).value();
    assertEquals(4, error.code());
  }

  @Test
  void noErrorAboutAnIcmpError_norAboutGarbage() {
    byte[] error =
        Packets.icmpUnreachable(
            IpDatagram.parse(ByteBuffer.wrap(UdpPacket.packet(CLIENT4, 1, REMOTE4, 2, 64, DATA)))
                .value(),
            REMOTE4,
            3);
    assertFalse(
        host.sendUnreachable(error, CLIENT4, 3, 1),
        "RFC 1122 §3.2.2: never an error about an error");
    assertFalse(host.sendUnreachable(new byte[] {0x45, 0, 0}, REMOTE4, 3, 1));
    assertNull(host.pollPacket(1));
  }

  static InetAddress ip(String text) {
    try {
      return InetAddress.getByName(text);
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }
}
