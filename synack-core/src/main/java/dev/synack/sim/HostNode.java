package dev.synack.sim;

import dev.synack.stack.Host;
import dev.synack.stack.Transmit;
import java.nio.ByteBuffer;
import java.util.function.IntFunction;

/** Puts a {@link Host} on a {@link SimNetwork}: the host's sans-IO methods are the node's. */
public final class HostNode implements SimNode {
  private final Host host;

  /**
   * Where the host writes each packet it sends and reads each it is given, as a driver's reused
   * buffer: made once, so that moving a packet allocates nothing. The network's array is the wire's
   * copy of the packet (a NIC copies it out of and into a driver's ring the same way).
   */
  private final ByteBuffer buffer = ByteBuffer.allocate(65_535);

  private final Transmit transmit = new Transmit();

  /** Whether the packet {@link #pollTransmit(long, IntFunction)} returned last is partial. */
  private boolean lastPartial;

  public HostNode(Host host) {
    this.host = host;
  }

  /** Returns the host. */
  public Host host() {
    return host;
  }

  @Override
  public String name() {
    return host.name();
  }

  @Override
  public void handlePacket(byte[] packet, long now) {
    host.handlePacket(packet, now);
  }

  @Override
  public void handlePacket(byte[] packet, boolean checksumUnnecessary, long now) {
    // Copied into the reused buffer: no buffer object per packet, and the view the host reads a
    // steady segment through is made once (a packet of more than 64 KiB is wrapped as it is).
    ByteBuffer in =
        packet.length <= buffer.capacity()
            ? buffer.clear().put(packet).flip()
            : ByteBuffer.wrap(packet);
    host.handlePacket(in, checksumUnnecessary, now);
  }

  /** Returns true: the host copies what it keeps of a packet (see {@link Host#handlePacket}). */
  @Override
  public boolean readsPacketsDuringCallOnly() {
    return true;
  }

  /**
   * Returns true: a host computes the checksums of every packet it builds, or leaves a data
   * packet's partial ({@link #lastChecksumPartial()}) for the network to complete.
   */
  @Override
  public boolean sendsCorrectChecksums() {
    return true;
  }

  @Override
  public byte[] pollTransmit(long now) {
    return host.pollPacket(now);
  }

  /**
   * Returns the host's next packet, written into the reused buffer and copied into an array of its
   * length from {@code arrays}: one packet per segment, as {@link Host#pollPacket} writes it, but a
   * data segment's TCP checksum left partial ({@link #lastChecksumPartial()}) as a host leaves it
   * for a device with checksum offload, for the network to complete where anyone needs it.
   */
  @Override
  public byte[] pollTransmit(long now, IntFunction<byte[]> arrays) {
    if (!host.pollTransmit(now, buffer.clear(), 1, true, transmit)) {
      lastPartial = false;
      return null;
    }
    lastPartial = transmit.segmentSize() > 0;
    byte[] packet = arrays.apply(buffer.position());
    buffer.flip().get(packet);
    return packet;
  }

  @Override
  public boolean lastChecksumPartial() {
    return lastPartial;
  }

  /** Returns true unless the host traces packets, whose bytes its trace would show. */
  @Override
  public boolean acceptsPartialChecksums() {
    return !host.tracesPackets();
  }

  @Override
  public long pollTimeout() {
    return host.pollTimeout();
  }

  @Override
  public void handleTimeout(long now) {
    host.handleTimeout(now);
  }
}
