package dev.synack.forward;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * SOCKS5 UDP ASSOCIATE (RFC 1928 §4, §7): the request, the relay's address, and the datagram
 * header.
 */
class Socks5UdpTest {
  static final InetSocketAddress DNS4 =
      new InetSocketAddress(InetAddress.ofLiteral("192.0.2.53"), 53);
  static final InetSocketAddress DNS6 =
      new InetSocketAddress(InetAddress.ofLiteral("2001:db8::53"), 53);

  @Test
  void udpAssociate_requestWithZeros_replyNamesTheRelay() {
    InetSocketAddress any = new InetSocketAddress(InetAddress.ofLiteral("0.0.0.0"), 0);
    Socks5Handshake h = new Socks5Handshake(Socks5Handshake.UDP_ASSOCIATE, any, null, null);
    h.onRead(ByteBuffer.wrap(new byte[] {5, 0}));
    assertArrayEquals(
        new byte[] {5, 3, 0, 1, 0, 0, 0, 0, 0, 0}, Socks5HandshakeTest.bytes(h.output()));
    assertInstanceOf(
        Socks5Handshake.Connected.class,
        h.onRead(ByteBuffer.wrap(new byte[] {5, 0, 0, 1, 10, 98, 0, 2, (byte) 0x9c, 0x40})));
    assertEquals(new InetSocketAddress(InetAddress.ofLiteral("10.98.0.2"), 40000), h.bound());
  }

  @Test
  void header_ipv4_encodedAsSection7() {
    ByteBuffer b = Socks5Udp.encode(DNS4, ByteBuffer.wrap(new byte[] {'q'}));
    assertArrayEquals(
        new byte[] {0, 0, 0, 1, (byte) 192, 0, 2, 53, 0, 53, 'q'}, Socks5HandshakeTest.bytes(b));
  }

  @Test
  void header_ipv6_roundTrip_dataAndSource() {
    ByteBuffer b = Socks5Udp.encode(DNS6, ByteBuffer.wrap(new byte[] {1, 2, 3}));
    assertEquals(4 + 16 + 2 + 3, b.remaining());
    Socks5Udp.Ok ok = assertInstanceOf(Socks5Udp.Ok.class, Socks5Udp.decode(b));
    assertEquals(DNS6, ok.datagram().source());
    assertEquals(ByteBuffer.wrap(new byte[] {1, 2, 3}), ok.datagram().data());
  }

  @Test
  void fragment_dropped_withItsReason() {
    ByteBuffer b = Socks5Udp.encode(DNS4, ByteBuffer.wrap(new byte[] {'q'}));
    b.put(2, (byte) 1);
    assertEquals(new Socks5Udp.Dropped("socks5-udp-fragment"), Socks5Udp.decode(b));
  }

  @Test
  void malformed_droppedNeverThrown() {
    assertEquals(
        new Socks5Udp.Dropped("socks5-udp-short"),
        Socks5Udp.decode(ByteBuffer.wrap(new byte[] {0, 0, 0})));
    assertEquals(
        new Socks5Udp.Dropped("socks5-udp-short"),
        Socks5Udp.decode(ByteBuffer.wrap(new byte[] {0, 0, 0, 1, 1, 2})));
    assertEquals(
        new Socks5Udp.Dropped("socks5-udp-reserved"),
        Socks5Udp.decode(ByteBuffer.wrap(new byte[] {0, 1, 0, 1, 1, 2, 3, 4, 0, 0})));
    assertEquals(
        new Socks5Udp.Dropped("socks5-udp-address-type"),
        Socks5Udp.decode(ByteBuffer.wrap(new byte[] {0, 0, 0, 3, 1, 'a', 0, 0})));
  }
}
