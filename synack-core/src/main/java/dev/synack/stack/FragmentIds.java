package dev.synack.stack;

import dev.synack.tcp.SipHash;
import java.net.InetAddress;

/**
 * Identifications for the datagrams a host fragments: one counter per pair of addresses, in a table
 * of buckets as Linux's {@code ip_idents}, each starting at a keyed hash of the pair, so that the
 * values sent to one destination say nothing of those sent to another (RFC 7739 §5.1, RFC 6864
 * §4.2: an identification must not repeat for a source, destination and protocol within the
 * datagram's lifetime).
 */
final class FragmentIds {
  private static final int BUCKETS = 2048;

  private final long k0;
  private final long k1;

  /** The next identification per bucket, less the bucket's keyed start. */
  private final int[] counters = new int[BUCKETS];

  FragmentIds(long key) {
    this.k0 = key;
    this.k1 = Long.rotateLeft(key, 29) ^ 0x9e3779b97f4a7c15L;
  }

  /** Returns the next identification for datagrams from {@code source} to {@code destination}. */
  int next(InetAddress source, InetAddress destination) {
    byte[] s = source.getAddress();
    byte[] d = destination.getAddress();
    byte[] pair = new byte[s.length + d.length];
    System.arraycopy(s, 0, pair, 0, s.length);
    System.arraycopy(d, 0, pair, s.length, d.length);
    long h = SipHash.hash(k0, k1, pair);
    int bucket = (int) Math.floorMod(h, (long) BUCKETS);
    return (int) (h >>> 32) + counters[bucket]++;
  }
}
