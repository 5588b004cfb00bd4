package dev.synack.stack;

import dev.synack.tcp.SipHash;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A server's TCP Fast Open cookies (RFC 7413 §4.1.2): a MAC of the client's and the server's
 * addresses under a secret key, SipHash-2-4 of the client's address then the server's, its 64 bits
 * written little-endian, as Linux's {@code __tcp_fastopen_cookie_gen_cipher} since 5.2: with the
 * same key a Linux server and synack give a client the same cookie. Two keys, as Linux's {@code
 * tcp_fastopen_key} holds a primary and a backup: cookies are made with the primary and accepted
 * under either, so that rotating the key does not fail the cookies clients hold (§4.1.2: "the
 * server can... expire the cookie by rotating the secret key").
 */
final class FastOpenCookies {
  /** Bytes of a cookie we make (Linux's {@code TCP_FASTOPEN_COOKIE_SIZE}). */
  static final int LENGTH = 8;

  /** What checking a cookie found. */
  enum Check {
    INVALID,
    PRIMARY,
    BACKUP
  }

  private long primary0;
  private long primary1;
  private boolean hasBackup;
  private long backup0;
  private long backup1;

  FastOpenCookies(long k0, long k1) {
    this.primary0 = k0;
    this.primary1 = k1;
  }

  /**
   * Sets the keys, 16 bytes each, as Linux holds {@code tcp_fastopen_key} (each of the four words
   * written {@code a0bf63f7-...} stored little-endian); {@code backup} may be null.
   */
  void setKeys(byte[] primary, byte[] backup) {
    if (primary == null || primary.length != 16)
      throw new IllegalArgumentException("a fast open key is 16 bytes");
    if (backup != null && backup.length != 16)
      throw new IllegalArgumentException("a fast open backup key is 16 bytes");
    ByteBuffer p = ByteBuffer.wrap(primary).order(ByteOrder.LITTLE_ENDIAN);
    primary0 = p.getLong(0);
    primary1 = p.getLong(8);
    hasBackup = backup != null;
    if (hasBackup) {
      ByteBuffer b = ByteBuffer.wrap(backup).order(ByteOrder.LITTLE_ENDIAN);
      backup0 = b.getLong(0);
      backup1 = b.getLong(8);
    }
  }

  /** Makes {@code k0, k1} the primary key; the old primary becomes the backup. */
  void rotate(long k0, long k1) {
    backup0 = primary0;
    backup1 = primary1;
    hasBackup = true;
    primary0 = k0;
    primary1 = k1;
  }

  /**
   * Returns the cookie for a client at {@code client} reaching us at {@code server}, under the
   * primary key.
   */
  byte[] cookie(InetAddress client, InetAddress server) {
    return make(primary0, primary1, client, server);
  }

  /** Returns whether {@code cookie} is the one either key makes for these addresses. */
  Check check(byte[] cookie, InetAddress client, InetAddress server) {
    if (cookie.length != LENGTH) return Check.INVALID;
    if (java.security.MessageDigest.isEqual(cookie, make(primary0, primary1, client, server)))
      return Check.PRIMARY;
    if (hasBackup
        && java.security.MessageDigest.isEqual(cookie, make(backup0, backup1, client, server)))
      return Check.BACKUP;
    return Check.INVALID;
  }

  private static byte[] make(long k0, long k1, InetAddress client, InetAddress server) {
    byte[] c = client.getAddress();
    byte[] s = server.getAddress();
    byte[] message = new byte[c.length + s.length];
    System.arraycopy(c, 0, message, 0, c.length);
    System.arraycopy(s, 0, message, c.length, s.length);
    return ByteBuffer.allocate(LENGTH)
        .order(ByteOrder.LITTLE_ENDIAN)
        .putLong(SipHash.hash(k0, k1, message))
        .array();
  }
}
