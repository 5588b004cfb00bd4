package dev.synack.stack;

import java.util.Arrays;
import java.util.BitSet;

/**
 * One datagram being put back together from its fragments, for IPv4 and IPv6 alike: the fragment
 * data so far, which 8-byte blocks have arrived, the headers of the first fragment and, once the
 * last fragment is in, the length of the whole.
 */
final class FragmentedDatagram {
  /** When the datagram is given up (RFC 791 §3.2's timer, RFC 8200 §4.5's 60 seconds). */
  final long expiry;

  /** The fragment data, indexed by fragment offset in bytes; grows as fragments arrive. */
  byte[] data = new byte[0];

  /** Which 8-byte blocks of {@link #data} have arrived. */
  final BitSet blocks = new BitSet();

  /**
   * The headers of the fragment at offset 0 (IPv4's header, IPv6's unfragmentable part), or null
   * before it.
   */
  byte[] firstHeader;

  /** The IPv6 next header of the fragmentable part, from the offset-0 fragment; unused for IPv4. */
  int firstNextHeader;

  /**
   * Where, in {@link #firstHeader}, the IPv6 next header field that named the fragment header lies.
   */
  int firstPointer;

  /**
   * The start of the fragment at offset 0 as it arrived, at most {@link #QUOTE_LIMIT} bytes, or
   * null before it: what an ICMP time exceeded quotes when reassembly times out (RFC 792, RFC 4443
   * §2.4(c)).
   */
  byte[] firstFragment;

  /**
   * The start of the first fragment kept for the quote: its headers and the transport header behind
   * them (RFC 792 asks for the IP header and 64 bits). RFC 4443 §2.4(c) would have ICMPv6 quote up
   * to 1232 bytes; 128 bounds what each incomplete datagram holds beyond its data, and the memory
   * limit counts it.
   */
  static final int QUOTE_LIMIT = 128;

  /** The length of the fragment data once the last fragment is in, else -1. */
  int totalLength = -1;

  FragmentedDatagram(long expiry) {
    this.expiry = expiry;
  }

  /**
   * Returns whether the bytes {@code offset} to {@code offset + length} touch a block that has
   * arrived.
   */
  boolean overlaps(int offset, int length) {
    int firstBlock = offset / 8;
    int endBlock = (offset + length + 7) / 8;
    int next = blocks.nextSetBit(firstBlock);
    return next >= 0 && next < endBlock;
  }

  /**
   * Copies {@code length} bytes of fragment data from {@code packet} at {@code from} to {@code
   * offset}.
   */
  void put(int offset, byte[] packet, int from, int length) {
    if (data.length < offset + length) data = Arrays.copyOf(data, offset + length);
    System.arraycopy(packet, from, data, offset, length);
    blocks.set(offset / 8, (offset + length + 7) / 8);
  }

  /**
   * Returns the bytes held, fragment data and the kept first fragment, which the memory limit
   * counts.
   */
  int footprint() {
    return data.length + (firstFragment == null ? 0 : firstFragment.length);
  }

  /**
   * Keeps the start of the fragment at offset 0 for an ICMP quote; returns the bytes it adds to
   * {@link #footprint}.
   */
  int keepFirstFragment(byte[] packet) {
    if (firstFragment != null) return 0;
    firstFragment = Arrays.copyOf(packet, Math.min(packet.length, QUOTE_LIMIT));
    return firstFragment.length;
  }

  /**
   * Returns whether every byte from 0 to the end has arrived, the first fragment's headers
   * included.
   */
  boolean isComplete() {
    return totalLength >= 0 && firstHeader != null && blocks.nextClearBit(0) * 8 >= totalLength;
  }
}
