package dev.synack.stack;

import java.net.InetAddress;
import java.util.function.IntPredicate;

/**
 * Chooses local ports for active opens with RFC 6056 §3.3.4, Algorithm 4 ("double-hash port
 * selection"), the algorithm Linux uses: a keyed hash of the remote endpoint picks where in the
 * range to start, and a table of counters indexed by a second hash moves the start on, so ports for
 * one destination are not predictable from ports used for another and are not reused soon.
 */
final class EphemeralPorts {
  /** RFC 6056 suggests a table of a few hundred counters; Linux uses 256 (INET_TABLE_PERTURB). */
  private static final int TABLE_LENGTH = 256;

  private final int low;
  private final int count;
  private final KeyedHash offsetHash;
  private final KeyedHash indexHash;
  private final short[] table = new short[TABLE_LENGTH];

  EphemeralPorts(int low, int high, KeyedHash offsetHash, KeyedHash indexHash) {
    this.low = low;
    this.count = high - low + 1;
    this.offsetHash = offsetHash;
    this.indexHash = indexHash;
  }

  /**
   * Returns a local port for a connection from {@code local} to {@code remote}:{@code remotePort}
   * that {@code free} accepts, or -1 when every port of the range is taken.
   */
  int choose(InetAddress local, InetAddress remote, int remotePort, IntPredicate free) {
    byte[] key = endpointKey(local, remote, remotePort);
    int offset = (int) Long.remainderUnsigned(offsetHash.hash(key), count);
    int index = (int) Long.remainderUnsigned(indexHash.hash(key), TABLE_LENGTH);
    for (int tries = 0; tries < count; tries++) {
      int port = low + Math.floorMod(offset + (table[index] & 0xffff), count);
      table[index]++;
      if (free.test(port)) {
        return port;
      }
    }
    return -1;
  }

  private static byte[] endpointKey(InetAddress local, InetAddress remote, int remotePort) {
    byte[] l = local.getAddress();
    byte[] r = remote.getAddress();
    byte[] key = new byte[l.length + r.length + 2];
    System.arraycopy(l, 0, key, 0, l.length);
    System.arraycopy(r, 0, key, l.length, r.length);
    key[key.length - 2] = (byte) (remotePort >>> 8);
    key[key.length - 1] = (byte) remotePort;
    return key;
  }

  /** A hash keyed by a secret (SipHash in practice). */
  @FunctionalInterface
  interface KeyedHash {
    long hash(byte[] data);
  }
}
