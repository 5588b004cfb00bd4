package dev.synack.stack;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The incomplete datagrams of one IP version, by their key, with the limits IPv4 and IPv6
 * reassembly share: each expires a timeout after its first fragment arrived (RFC 791 §3.2's timer,
 * RFC 8200 §4.5's 60 seconds), and together they hold at most a memory limit, as Linux's {@code
 * ipfrag_high_thresh}. It keeps the accounting; the version's reassembly decides what to drop.
 *
 * @param <K> the fields that make fragments one datagram's (RFC 791 §3.2, RFC 8200 §4.5)
 */
final class FragmentTable<K> {
  private final long timeoutNanos;
  private final int memoryLimit;
  private final Map<K, FragmentedDatagram> partials = new HashMap<>();
  private int memoryUsed;

  FragmentTable(long timeoutNanos, int memoryLimit) {
    this.timeoutNanos = timeoutNanos;
    this.memoryLimit = memoryLimit;
  }

  /**
   * Returns the incomplete datagram of {@code key}, started now if it is new; null when a new one's
   * first {@code length} bytes would not fit in the memory limit.
   */
  FragmentedDatagram open(K key, int length, long now) {
    FragmentedDatagram p = partials.get(key);
    if (p != null) return p;
    if (memoryUsed + length > memoryLimit) return null;
    p = new FragmentedDatagram(now + timeoutNanos);
    partials.put(key, p);
    return p;
  }

  /**
   * Copies a fragment's {@code length} bytes from {@code packet} at {@code from} into {@code p} at
   * {@code offset}, and counts the memory it took.
   */
  void put(FragmentedDatagram p, int offset, byte[] packet, int from, int length) {
    int before = p.data.length;
    p.put(offset, packet, from, length);
    memoryUsed += p.data.length - before;
  }

  /** Keeps the start of the fragment at offset 0 for a time exceeded, and counts its memory. */
  void keepFirstFragment(FragmentedDatagram p, byte[] packet) {
    memoryUsed += p.keepFirstFragment(packet);
  }

  /** Returns whether the incomplete datagrams together hold more than the memory limit. */
  boolean overLimit() {
    return memoryUsed > memoryLimit;
  }

  /** Forgets the datagram of {@code key}, complete or dropped, and gives its memory back. */
  void forget(K key, FragmentedDatagram p) {
    partials.remove(key);
    memoryUsed -= p.footprint();
  }

  /** Returns the earliest time an incomplete datagram expires, or Long.MAX_VALUE. */
  long nextExpiry() {
    long next = Long.MAX_VALUE;
    for (FragmentedDatagram p : partials.values()) next = Math.min(next, p.expiry);
    return next;
  }

  /**
   * Drops every incomplete datagram whose time is up and gives the start of each one's first
   * fragment, when it came, to {@code firstFragments} (for the time exceeded of RFC 792 and RFC
   * 8200 §4.5); returns how many.
   */
  int expire(long now, Consumer<byte[]> firstFragments) {
    int expired = 0;
    for (Iterator<FragmentedDatagram> it = partials.values().iterator(); it.hasNext(); ) {
      FragmentedDatagram p = it.next();
      if (p.expiry <= now) {
        memoryUsed -= p.footprint();
        it.remove();
        expired++;
        if (p.firstFragment != null) firstFragments.accept(p.firstFragment);
      }
    }
    return expired;
  }

  /** Returns the number of incomplete datagrams held. */
  int pending() {
    return partials.size();
  }

  /** Returns the bytes the incomplete datagrams hold. */
  int memoryUsed() {
    return memoryUsed;
  }
}
