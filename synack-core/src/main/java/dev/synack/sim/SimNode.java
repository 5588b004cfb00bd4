package dev.synack.sim;

/**
 * A host as the simulated network sees it: IP packets in, IP packets and deadlines out, sans-IO.
 *
 * <p>The network calls it from one thread, in this order, at a time {@code now} that never goes
 * backwards: {@link #handlePacket} for each packet that arrives and {@link #handleTimeout} when the
 * deadline of {@link #pollTimeout} has come; after each of these, {@link #pollTransmit} until it
 * returns null. The network also drains {@code pollTransmit} before each step, so packets a test
 * queued between steps (a user call such as {@code connect}) leave at the current time.
 */
public interface SimNode {
  /**
   * Returns the node's name, unique within a network; it names the node in traces and seeds its
   * links.
   */
  String name();

  /** Delivers one IP packet (the node owns the array). */
  void handlePacket(byte[] packet, long now);

  /**
   * Delivers one IP packet, as {@link #handlePacket(byte[], long)}, telling whether its checksums
   * need no verifying: Linux's {@code CHECKSUM_UNNECESSARY}, which the network passes only for a
   * packet that a node {@linkplain #sendsCorrectChecksums() sending correct checksums} sent over a
   * link that cannot corrupt. A node may ignore it, as this default does.
   */
  default void handlePacket(byte[] packet, boolean checksumUnnecessary, long now) {
    handlePacket(packet, now);
  }

  /**
   * Returns whether every packet this node sends carries correct checksums, as a stack guarantees
   * for what it builds (a NIC's checksum offload makes the same promise). False by default: a node
   * may send anything, a bad checksum included, and then every receiver verifies it.
   */
  default boolean sendsCorrectChecksums() {
    return false;
  }

  /** Returns the next IP packet the node wants to send, or null (the network owns the array). */
  byte[] pollTransmit(long now);

  /**
   * Returns the next IP packet the node wants to send, as {@link #pollTransmit(long)}, preferably
   * in an array {@code arrays} gives for the packet's exact length: the network's own, which it
   * reuses once the packet is delivered. This default ignores {@code arrays}.
   */
  default byte[] pollTransmit(long now, java.util.function.IntFunction<byte[]> arrays) {
    return pollTransmit(now);
  }

  /**
   * Returns whether the packet the last {@link #pollTransmit(long, java.util.function.IntFunction)}
   * returned is a TCP packet whose checksum the node left partial (Linux's {@code
   * CHECKSUM_PARTIAL}: the field holds the folded pseudo-header sum), for the network to complete
   * as a device with checksum offload would. The network completes it before any observer, filter,
   * corrupting link or node that does not {@linkplain #acceptsPartialChecksums() accept it} sees
   * the packet, so only such a node ever gets it partial. False by default.
   */
  default boolean lastChecksumPartial() {
    return false;
  }

  /**
   * Returns whether the node takes a TCP packet whose checksum is partial, delivered
   * checksum-unnecessary, as verified and shows its bytes to no one (no trace of packets): as
   * Linux's TCP takes a {@code CHECKSUM_PARTIAL} packet that came over loopback or veth, whose
   * checksum nobody ever computes. False by default: the network completes the checksum first.
   */
  default boolean acceptsPartialChecksums() {
    return false;
  }

  /**
   * Returns whether the node reads a packet it is given only during {@link #handlePacket} and keeps
   * no reference to the array, so that the network may reuse it once the call returns. False by
   * default: a node may keep what it is given.
   */
  default boolean readsPacketsDuringCallOnly() {
    return false;
  }

  /** Returns the next time the node wants handleTimeout, or Long.MAX_VALUE. */
  long pollTimeout();

  /** Lets the node act on its deadline; called when {@code now >= pollTimeout()}. */
  void handleTimeout(long now);
}
