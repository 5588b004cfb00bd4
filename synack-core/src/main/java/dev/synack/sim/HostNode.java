package dev.synack.sim;

import dev.synack.stack.Host;
import java.nio.ByteBuffer;

/** Puts a {@link Host} on a {@link SimNetwork}: the host's sans-IO methods are the node's. */
public final class HostNode implements SimNode {
  private final Host host;

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
    host.handlePacket(ByteBuffer.wrap(packet), checksumUnnecessary, now);
  }

  /** Returns true: a host computes the checksums of every packet it builds. */
  @Override
  public boolean sendsCorrectChecksums() {
    return true;
  }

  @Override
  public byte[] pollTransmit(long now) {
    return host.pollPacket(now);
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
