package dev.synack.forward;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/**
 * The header of a datagram relayed by a SOCKS5 proxy's UDP ASSOCIATE (RFC 1928 §7): RSV (2 bytes,
 * zero), FRAG, ATYP, DST.ADDR, DST.PORT, then the data. Fragments are not reassembled: a datagram
 * whose FRAG is not 0 is dropped, as §7 allows ("an implementation that does not support
 * fragmentation MUST drop any datagram whose FRAG field is other than X'00'").
 */
final class Socks5Udp {
  private Socks5Udp() {}

  /** A datagram from the proxy: where it came from, and its data. */
  record Datagram(InetSocketAddress source, ByteBuffer data) {}

  /** Why a datagram from the proxy was dropped, or what it was. */
  sealed interface Parsed {}

  /** A datagram to deliver. */
  record Ok(Datagram datagram) implements Parsed {}

  /** A datagram to drop, with the reason. */
  record Dropped(String reason) implements Parsed {}

  /** Returns the bytes to send to the proxy's relay for {@code data} to {@code destination}. */
  static ByteBuffer encode(InetSocketAddress destination, ByteBuffer data) {
    byte[] address = destination.getAddress().getAddress();
    ByteBuffer out = ByteBuffer.allocate(4 + address.length + 2 + data.remaining());
    out.putShort((short) 0)
        .put((byte) 0)
        .put((byte) (destination.getAddress() instanceof Inet4Address ? 1 : 4))
        .put(address)
        .putShort((short) destination.getPort())
        .put(data.duplicate())
        .flip();
    return out;
  }

  /**
   * Parses a datagram the proxy's relay sent, the bytes of {@code in} from its position to its
   * limit.
   */
  static Parsed decode(ByteBuffer in) {
    ByteBuffer b = in.slice();
    if (b.remaining() < 4) return new Dropped("socks5-udp-short");
    if (b.getShort(0) != 0) return new Dropped("socks5-udp-reserved");
    if (b.get(2) != 0) return new Dropped("socks5-udp-fragment");
    int length =
        switch (b.get(3)) {
          case 1 -> 4;
          case 4 -> 16;
          default ->
              -1; // A domain name as the source: the relay answers for an address we sent to, never
            // a name.
        };
    if (length < 0) return new Dropped("socks5-udp-address-type");
    if (b.remaining() < 4 + length + 2) return new Dropped("socks5-udp-short");
    byte[] address = new byte[length];
    b.get(4, address);
    int port = b.getShort(4 + length) & 0xffff;
    return new Ok(
        new Datagram(
            new InetSocketAddress(address(address), port), b.position(4 + length + 2).slice()));
  }

  /** Returns the address of 4 or 16 bytes. */
  static InetAddress address(byte[] bytes) {
    try {
      return InetAddress.getByAddress(bytes);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("not an IP address: " + bytes.length + " bytes", e);
    }
  }
}
