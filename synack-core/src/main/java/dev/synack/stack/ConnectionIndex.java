package dev.synack.stack;

import dev.synack.tcp.FourTuple;
import java.net.InetAddress;
import java.util.AbstractCollection;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * The host's connections by their 4-tuple, in one open-addressing array of the connections
 * themselves (linear probing, deletion by backward shift): each connection is its own entry, keyed
 * by the {@link FourTuple} its engine holds, so an idle connection costs the table one array slot
 * (about 4 to 11 B) instead of a hash map's node (32 B) and slot. A lookup from a segment's
 * addresses and ports builds no tuple.
 */
final class ConnectionIndex extends AbstractCollection<Connection> {
  private static final int INITIAL_CAPACITY = 16;

  /** The entries, a power of two of them; grown at three quarters full, as a hash map is. */
  private Connection[] slots = new Connection[INITIAL_CAPACITY];

  private int size;

  /** Returns the connection of the 4-tuple, or null. */
  Connection get(InetAddress local, int localPort, InetAddress remote, int remotePort) {
    int mask = slots.length - 1;
    for (int i = hash(local, localPort, remote, remotePort) & mask; ; i = (i + 1) & mask) {
      Connection c = slots[i];
      if (c == null || c.id().matches(local, localPort, remote, remotePort)) return c;
    }
  }

  /** Returns the connection of {@code id}, or null. */
  Connection get(FourTuple id) {
    int mask = slots.length - 1;
    for (int i = hash(id) & mask; ; i = (i + 1) & mask) {
      Connection c = slots[i];
      if (c == null || c.id().equals(id)) return c;
    }
  }

  /** Adds a connection under its engine's 4-tuple, in place of one held under the same tuple. */
  void put(Connection c) {
    FourTuple id = c.id();
    int mask = slots.length - 1;
    int i = hash(id) & mask;
    for (; slots[i] != null; i = (i + 1) & mask) {
      if (slots[i].id().equals(id)) {
        slots[i] = c;
        return;
      }
    }
    slots[i] = c;
    if (++size * 4 > slots.length * 3) grow();
  }

  /**
   * Removes this very connection (not another under the same tuple); returns whether it was held.
   */
  boolean remove(Connection c) {
    int mask = slots.length - 1;
    int i = hash(c.id()) & mask;
    for (; slots[i] != c; i = (i + 1) & mask) {
      if (slots[i] == null) return false;
    }
    slots[i] = null;
    size--;
    // Backward shift (Knuth 6.4, Algorithm R): move up each later entry of the run whose home slot
    // does not lie cyclically in (i, j], so that no probe sequence meets a hole before its entry.
    for (int j = (i + 1) & mask; slots[j] != null; j = (j + 1) & mask) {
      int home = hash(slots[j].id()) & mask;
      boolean stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
      if (!stays) {
        slots[i] = slots[j];
        slots[j] = null;
        i = j;
      }
    }
    return true;
  }

  @Override
  public int size() {
    return size;
  }

  /** Returns the connections in slot order; the index must not change while it is iterated. */
  @Override
  public Iterator<Connection> iterator() {
    Connection[] snapshot = slots;
    return new Iterator<>() {
      private int next = advance(0);

      private int advance(int from) {
        int i = from;
        while (i < snapshot.length && snapshot[i] == null) i++;
        return i;
      }

      @Override
      public boolean hasNext() {
        return next < snapshot.length;
      }

      @Override
      public Connection next() {
        if (next >= snapshot.length) throw new NoSuchElementException();
        Connection c = snapshot[next];
        next = advance(next + 1);
        return c;
      }
    };
  }

  private void grow() {
    Connection[] old = slots;
    slots = new Connection[old.length * 2];
    int mask = slots.length - 1;
    for (Connection c : old) {
      if (c == null) continue;
      int i = hash(c.id()) & mask;
      while (slots[i] != null) i = (i + 1) & mask;
      slots[i] = c;
    }
  }

  private static int hash(FourTuple id) {
    return hash(id.localAddress(), id.localPort(), id.remoteAddress(), id.remotePort());
  }

  /**
   * Spreads the tuple over the whole int (MurmurHash3's finalizer): linear probing needs the low
   * bits to differ between tuples that differ only in a port or an address's last byte.
   */
  static int hash(InetAddress local, int localPort, InetAddress remote, int remotePort) {
    int h = local.hashCode() * 0x9E3779B1 + (remote == null ? 0 : remote.hashCode());
    h = h * 0x9E3779B1 + ((localPort << 16) | remotePort);
    h ^= h >>> 16;
    h *= 0x85EBCA6B;
    h ^= h >>> 13;
    h *= 0xC2B2AE35;
    h ^= h >>> 16;
    return h;
  }
}
