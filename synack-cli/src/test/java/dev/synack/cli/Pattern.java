package dev.synack.cli;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The data the interop tests send: the same bytes as {@code kernel_peer.py}'s pattern, and their
 * SHA-256.
 */
final class Pattern {
  private Pattern() {}

  /** Returns {@code n} bytes of a 251-byte block, (i * 7 + 3) mod 256, repeated. */
  static byte[] bytes(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) b[i] = (byte) ((i % 251) * 7 + 3);
    return b;
  }

  /** Returns the SHA-256 of {@code data} in lower-case hex, as Python's hexdigest(). */
  static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
