package dev.synack.tcp;

import java.io.ByteArrayOutputStream;
import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * Chooses initial sequence numbers as RFC 6528 §3 says: {@code ISN = M + F(localip, localport,
 * remoteip, remoteport, secretkey)}, where M is a timer that ticks every 4 microseconds (taken from
 * {@code now}) and F is SipHash-2-4 keyed with a 128-bit secret. Immutable.
 *
 * <p>The key is injected: a stack draws it at random once (RFC 6528 §3: "SHOULD be... chosen
 * randomly"); tests pass a fixed one so that runs replay. The per-connection offset F keeps ISNs of
 * different 4-tuples unrelated, while M keeps the ISNs of one 4-tuple increasing over time, as
 * reincarnation in TIME-WAIT (RFC 1122 §4.2.2.13) wants.
 */
public final class IsnGenerator {
  /**
   * Nanoseconds per tick of M (RFC 6528 §3: "a timer that is incremented every 4 microseconds").
   */
  private static final long TICK_NANOS = 4_000;

  /** Separates the timestamp-offset PRF from the ISN PRF under the same key. */
  private static final byte TIMESTAMP_DOMAIN = 'T';

  private final long k0;
  private final long k1;

  /** Returns a generator keyed with these 16 bytes (the caller keeps ownership of the array). */
  public IsnGenerator(byte[] key) {
    if (key == null || key.length != 16) {
      throw new IllegalArgumentException(
          "ISN key must be 16 bytes, not " + (key == null ? "null" : key.length));
    }
    this.k0 = SipHash.littleEndian(key, 0, 8);
    this.k1 = SipHash.littleEndian(key, 8, 8);
  }

  /** Returns the ISN for a new connection of this 4-tuple at time {@code now} (ns). */
  public int isn(FourTuple id, long now) {
    ByteArrayOutputStream m = new ByteArrayOutputStream(36);
    m.writeBytes(id.localAddress().getAddress());
    m.write(id.localPort() >>> 8);
    m.write(id.localPort());
    // A passive open with an unspecified foreign address (RFC 9293's LISTEN model) hashes none.
    if (id.remoteAddress() != null) m.writeBytes(id.remoteAddress().getAddress());
    m.write(id.remotePort() >>> 8);
    m.write(id.remotePort());
    int f = (int) SipHash.hash(k0, k1, m.toByteArray());
    int timer = (int) Math.floorDiv(now, TICK_NANOS);
    return timer + f;
  }

  /**
   * Returns an offset for the timestamp clock of connections between these two addresses: random
   * looking, so TSval does not give away the uptime, yet the same for every connection of the pair,
   * so TSvals keep increasing across incarnations (Linux's {@code secure_tcp_ts_off}).
   */
  public int timestampOffset(InetAddress local, InetAddress remote) {
    if (local instanceof Inet4Address l && remote instanceof Inet4Address r) {
      // The same 9 bytes as below, as two words: no array per SYN cookie (Inet4Address.hashCode is
      // the address in network order).
      long remoteWord = SipHash.littleEndian(r.hashCode());
      long m0 =
          (TIMESTAMP_DOMAIN & 0xffL)
              | SipHash.littleEndian(l.hashCode()) << 8
              | (remoteWord & 0xffffffL) << 40;
      return (int) SipHash.hash(k0, k1, m0, remoteWord >>> 24, 9);
    }
    ByteArrayOutputStream m = new ByteArrayOutputStream(33);
    m.write(TIMESTAMP_DOMAIN);
    m.writeBytes(local.getAddress());
    m.writeBytes(remote.getAddress());
    return (int) SipHash.hash(k0, k1, m.toByteArray());
  }
}
