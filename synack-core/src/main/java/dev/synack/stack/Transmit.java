package dev.synack.stack;

/**
 * What {@link Host#pollTransmit(long, java.nio.ByteBuffer, int, Transmit)} wrote into the buffer
 * the caller lent: the packet's length, its ECN codepoint, and the segment size when it is a GSO
 * super-packet, a run of equal segments of one connection for the link to cut (quinn's {@code
 * Transmit}). The destination is the packet's own, in its IP header.
 *
 * <p>The caller owns one instance and lends it with the buffer; each call refills it, so nothing is
 * allocated per packet.
 */
public final class Transmit {
  private int length;
  private int ecn;
  private int segmentSize;
  private int segments;

  /** Returns the packet's length in bytes, from where the buffer's position was. */
  public int length() {
    return length;
  }

  /**
   * Returns the ECN codepoint of the packet's IP header (RFC 3168 §5), one of {@link
   * dev.synack.wire.Ecn}'s.
   */
  public int ecn() {
    return ecn;
  }

  /**
   * Returns the payload length of every segment of a GSO super-packet but the last, which may be
   * shorter, or 0 when the packet is one whole packet to send as it is. Above 0 the TCP checksum is
   * partial, for the link to complete: a super-packet of one segment is a data packet whose
   * checksum alone is left to the link.
   */
  public int segmentSize() {
    return segmentSize;
  }

  /** Returns how many packets the link sends for this one: its segments, or 1. */
  public int segments() {
    return segments;
  }

  void set(int newLength, int newEcn, int newSegmentSize, int newSegments) {
    length = newLength;
    ecn = newEcn;
    segmentSize = newSegmentSize;
    segments = newSegments;
  }

  @Override
  public String toString() {
    String run = segmentSize > 0 ? ", " + segments + " segments of " + segmentSize : "";
    return "Transmit[length " + length + ", ecn " + ecn + run + "]";
  }
}
