package dev.synack.forward;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** The SOCKS5 client handshake against the bytes of RFC 1928 and RFC 1929. */
class Socks5HandshakeTest {
  static final InetSocketAddress TARGET4 =
      new InetSocketAddress(InetAddress.ofLiteral("192.0.2.7"), 443);
  static final InetSocketAddress TARGET6 =
      new InetSocketAddress(InetAddress.ofLiteral("2001:db8::7"), 80);

  @Test
  void noAuthentication_greetingRequestReply_connectedWithTheTargetsFirstBytesLeft() {
    Socks5Handshake h = new Socks5Handshake(TARGET4, null, null);
    assertArrayEquals(new byte[] {5, 1, 0}, bytes(h.output()));
    assertInstanceOf(Socks5Handshake.Send.class, h.onRead(ByteBuffer.wrap(new byte[] {5, 0})));
    assertArrayEquals(
        new byte[] {5, 1, 0, 1, (byte) 192, 0, 2, 7, 1, (byte) 187}, bytes(h.output()));
    ByteBuffer reply = ByteBuffer.wrap(new byte[] {5, 0, 0, 1, 10, 0, 0, 1, 0x30, 0x39, 'h', 'i'});
    assertInstanceOf(Socks5Handshake.Connected.class, h.onRead(reply));
    assertEquals(2, reply.remaining(), "the target's bytes after the reply are left for the relay");
  }

  @Test
  void reply_inPieces_needsMoreUntilWhole() {
    Socks5Handshake h = new Socks5Handshake(TARGET6, null, null);
    h.onRead(ByteBuffer.wrap(new byte[] {5, 0}));
    assertEquals(4 + 16 + 2, h.output().remaining());
    ByteBuffer partial = ByteBuffer.wrap(new byte[] {5, 0, 0, 4, 0, 0});
    assertInstanceOf(Socks5Handshake.NeedMore.class, h.onRead(partial));
    byte[] whole = new byte[4 + 16 + 2];
    whole[0] = 5;
    whole[3] = 4;
    assertInstanceOf(Socks5Handshake.Connected.class, h.onRead(ByteBuffer.wrap(whole)));
  }

  @Test
  void usernamePassword_rfc1929() {
    Socks5Handshake h = new Socks5Handshake(TARGET4, "u", "pw");
    assertArrayEquals(new byte[] {5, 1, 2}, bytes(h.output()));
    assertInstanceOf(Socks5Handshake.Send.class, h.onRead(ByteBuffer.wrap(new byte[] {5, 2})));
    assertArrayEquals(new byte[] {1, 1, 'u', 2, 'p', 'w'}, bytes(h.output()));
    assertInstanceOf(Socks5Handshake.Send.class, h.onRead(ByteBuffer.wrap(new byte[] {1, 0})));
    assertEquals(1, h.output().get(1), "CONNECT follows");
  }

  @Test
  void passwordRefused_failed() {
    Socks5Handshake h = new Socks5Handshake(TARGET4, "u", "pw");
    h.onRead(ByteBuffer.wrap(new byte[] {5, 2}));
    Socks5Handshake.Failed f =
        assertInstanceOf(
            Socks5Handshake.Failed.class, h.onRead(ByteBuffer.wrap(new byte[] {1, 1})));
    assertEquals(Socks5Handshake.PROTOCOL_ERROR, f.reply());
  }

  @Test
  void connectionRefusedReply_failedWithItsCode() {
    Socks5Handshake h = new Socks5Handshake(TARGET4, null, null);
    h.onRead(ByteBuffer.wrap(new byte[] {5, 0}));
    Socks5Handshake.Failed f =
        assertInstanceOf(
            Socks5Handshake.Failed.class,
            h.onRead(ByteBuffer.wrap(new byte[] {5, 5, 0, 1, 0, 0, 0, 0, 0, 0})));
    assertEquals(Socks5Handshake.CONNECTION_REFUSED, f.reply());
  }

  @Test
  void noAcceptableMethod_failed() {
    Socks5Handshake h = new Socks5Handshake(TARGET4, null, null);
    assertInstanceOf(
        Socks5Handshake.Failed.class, h.onRead(ByteBuffer.wrap(new byte[] {5, (byte) 0xff})));
  }

  static byte[] bytes(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }
}
