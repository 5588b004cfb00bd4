package dev.synack.sim;

import java.util.function.IntFunction;

/**
 * The arrays a {@link SimNetwork} carries packets in, given back once delivered and handed out
 * again for packets of the same length: the wire's own storage, which a real link has too (a NIC's
 * descriptor rings), so that a transfer does not allocate, zero and later collect an array per
 * packet. Exact lengths, since a packet is its whole array; a few distinct lengths (a bulk transfer
 * has two: full segments and ACKs), each with a bounded stack of spare arrays.
 */
final class PacketArrays implements IntFunction<byte[]> {
  /** Distinct lengths kept, a power of two; arrays of other lengths are allocated and dropped. */
  private static final int LENGTHS = 16;

  /** Spare arrays kept per length. */
  private static final int DEPTH = 4096;

  /** Spare bytes kept in all, across lengths (a window of 64 KiB packets is many megabytes). */
  private static final long MAX_BYTES = 64L << 20;

  /** The length of each slot, 0 while the slot is free. */
  private final int[] lengths = new int[LENGTHS];

  private final byte[][][] spares = new byte[LENGTHS][][];
  private final int[] counts = new int[LENGTHS];
  private long bytesKept;

  /** The array {@link #apply} returned last, so that the network can tell its own arrays. */
  private byte[] lastHandedOut;

  /** Returns an array of exactly {@code length} bytes, a spare one if there is one. */
  @Override
  public byte[] apply(int length) {
    int slot = find(length, false);
    if (slot >= 0 && counts[slot] > 0) {
      byte[][] stack = spares[slot];
      byte[] array = stack[--counts[slot]];
      stack[counts[slot]] = null;
      bytesKept -= length;
      return lastHandedOut = array;
    }
    return lastHandedOut = new byte[length];
  }

  /**
   * Returns whether {@code array} is the one {@link #apply} returned last (a node may answer with
   * an array of its own instead, which stays the node's business), and forgets it.
   */
  @SuppressWarnings("ReferenceEquality") // that very array, not an equal one
  boolean handedOut(byte[] array) {
    boolean ours = array == lastHandedOut;
    lastHandedOut = null;
    return ours;
  }

  /**
   * Takes back an array no one reads any more; its contents are left as they are (the next packet
   * of its length overwrites every byte).
   */
  void release(byte[] array) {
    int length = array.length;
    if (length == 0 || bytesKept + length > MAX_BYTES) return;
    int slot = find(length, true);
    if (slot < 0) return;
    byte[][] stack = spares[slot];
    if (stack == null) spares[slot] = stack = new byte[16][];
    int n = counts[slot];
    if (n == stack.length) {
      if (n == DEPTH) return;
      spares[slot] = stack = java.util.Arrays.copyOf(stack, n * 2);
    }
    stack[n] = array;
    counts[slot] = n + 1;
    bytesKept += length;
  }

  /** Returns the slot of {@code length}, claiming a free one if {@code claim}, or -1. */
  private int find(int length, boolean claim) {
    int i = (length * 0x9e3779b1) >>> (32 - Integer.numberOfTrailingZeros(LENGTHS));
    for (int probes = 0; probes < LENGTHS; probes++, i = (i + 1) & (LENGTHS - 1)) {
      if (lengths[i] == length) return i;
      if (lengths[i] == 0) {
        if (!claim) return -1;
        lengths[i] = length;
        return i;
      }
    }
    return -1;
  }
}
