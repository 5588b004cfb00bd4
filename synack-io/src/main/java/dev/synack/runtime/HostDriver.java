package dev.synack.runtime;

import dev.synack.link.Link;
import dev.synack.stack.Host;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Runs one {@link Host} on a real {@link Link} (TUN, UDP tunnel): packets read from the link go to
 * the host, packets the host makes go to the link, and the host's deadlines fire on time.
 *
 * <p>Packets are taken in batches: one wait, then every packet already queued, up to
 * {@link #BATCH}; they go to the host straight from reused direct buffers (a TUN device reads into
 * them without a copy, and the host copies only what it keeps), and what the host answers is sent
 * once the whole batch is in, so that its output reflects all of it, and goes to the link as a
 * batch too (a TUN device with offloads merges runs of TCP segments into one write). A link that
 * vouches for a packet's checksums ({@link Link#receiveBatch(ByteBuffer[], boolean[], long)}) spares
 * the host verifying them.
 */
public final class HostDriver extends EventLoop {
  /** Packets taken per wait: enough to amortise a wakeup, few enough to answer soon. */
  static final int BATCH = 16;
  private final Host host;
  private final Link link;
  private final ByteBuffer[] receiveBuffers;
  /** Whether the link vouched for the checksums of each packet of the batch received. */
  private final boolean[] checksumUnnecessary = new boolean[BATCH];
  /** The packets the host answered with, sent together; as many as a 64 KiB burst of small segments. */
  private final ByteBuffer[] sendBuffers = new ByteBuffer[64];

  /** Starts a driver thread for {@code host} on {@code link}; the driver owns both from now on. */
  public HostDriver(Host host, Link link) {
    super("synack-" + host.name());
    this.host = host;
    this.link = link;
    // A packet longer than its buffer would be cut: each holds the largest IPv4 packet, or the MTU if larger.
    int size = Math.max(link.mtu(), 65535);
    this.receiveBuffers = new ByteBuffer[BATCH];
    for (int i = 0; i < BATCH; i++) receiveBuffers[i] = ByteBuffer.allocateDirect(size);
    start();
  }

  /** Returns the host; touch it only from tasks given to {@link #call}. */
  public Host host() {
    return host;
  }

  @Override
  protected void wakeup() {
    link.wakeup();
  }

  @Override
  protected void turn(long now) throws IOException {
    flush(now);
    dispatchEvents(host);
    long deadline = host.pollTimeout();
    long wait = deadline == Long.MAX_VALUE ? 1_000_000_000L : Math.max(0, deadline - now);
    for (ByteBuffer b : receiveBuffers) b.clear();
    int n = wait == 0 ? 0 : link.receiveBatch(receiveBuffers, checksumUnnecessary, wait);
    long after = now();
    for (int i = 0; i < n; i++) {
      host.handlePacket(receiveBuffers[i].flip(), checksumUnnecessary[i], after);
    }
    if (host.pollTimeout() <= after) {
      host.handleTimeout(after);
    }
    flush(after);
    dispatchEvents(host);
  }

  private void flush(long now) throws IOException {
    int count = 0;
    byte[] packet;
    while ((packet = host.pollTransmit(now)) != null) {
      sendBuffers[count++] = ByteBuffer.wrap(packet);
      if (count == sendBuffers.length) count = sendGathered(count);
    }
    sendGathered(count);
  }

  /** Sends the first {@code count} gathered packets and forgets them; returns 0. */
  private int sendGathered(int count) throws IOException {
    if (count > 0) link.sendBatch(sendBuffers, count);
    Arrays.fill(sendBuffers, 0, count, null);
    return 0;
  }

  @Override
  protected void onStop() {
    try {
      link.close();
    } catch (IOException ignored) {
      // Closing on the way out: nothing left to tell anyone.
    }
  }
}
