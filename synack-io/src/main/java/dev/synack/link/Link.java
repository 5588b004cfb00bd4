package dev.synack.link;

import dev.synack.wire.GsoPacket;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Where whole IP packets come and go in real time: the seam between the event-loop driver, which
 * owns a sans-IO stack, and the wire.
 *
 * <p>Threads: one thread at a time may {@link #receive}, and one thread at a time may {@link #send}
 * (it may be the same thread); {@link #wakeup} and {@link #close} may be called from any thread.
 * Buffers: a call reads or fills the caller's buffer during the call only and keeps no reference to
 * it; it moves the buffer's position as a channel does.
 *
 * <p>Timeouts are in nanoseconds: {@code 0} takes a packet only if one is already waiting, and
 * {@link #FOREVER} waits without limit (so does any timeout above half of {@code Long.MAX_VALUE}).
 * A negative timeout is rejected.
 */
public interface Link extends AutoCloseable {
  /** Timeout that waits without limit for a packet or a {@link #wakeup}. */
  long FOREVER = Long.MAX_VALUE;

  /** Returns the largest IP packet, in bytes, this link carries. */
  int mtu();

  /**
   * Waits up to {@code timeoutNanos} for one packet and copies it into {@code dst} from its
   * position on; returns its length, or 0 on timeout or {@link #wakeup}.
   *
   * <p>The position of {@code dst} advances by the returned length. The caller should offer at
   * least {@link #mtu()} bytes: a packet longer than {@code dst.remaining()} is cut to fit.
   *
   * @throws java.nio.channels.ClosedChannelException if the link is closed
   * @throws IllegalArgumentException if {@code timeoutNanos} is negative
   */
  int receive(ByteBuffer dst, long timeoutNanos) throws IOException;

  /**
   * Waits up to {@code timeoutNanos} for the first packet, then takes the packets already waiting
   * without waiting again, one per buffer in order; returns how many buffers it filled (0 on
   * timeout or {@link #wakeup}).
   *
   * <p>Each filled buffer's position advances by its packet's length, as in {@link #receive}. A
   * link overrides this when it can drain several packets cheaper than one call each.
   */
  default int receiveBatch(ByteBuffer[] dsts, long timeoutNanos) throws IOException {
    if (dsts.length == 0 || receive(dsts[0], timeoutNanos) == 0) return 0;
    int count = 1;
    while (count < dsts.length && receive(dsts[count], 0) > 0) count++;
    return count;
  }

  /**
   * Receives as {@link #receiveBatch(ByteBuffer[], long)}, and tells for each packet whether its
   * checksums need no verifying ({@code checksumUnnecessary[i]}, when the array is not null): a
   * link that knows, a device with checksum offload, says so (Linux's {@code
   * CHECKSUM_UNNECESSARY}); this default, like most links, knows nothing and says false.
   */
  default int receiveBatch(ByteBuffer[] dsts, boolean[] checksumUnnecessary, long timeoutNanos)
      throws IOException {
    int count = receiveBatch(dsts, timeoutNanos);
    if (checksumUnnecessary != null) Arrays.fill(checksumUnnecessary, 0, count, false);
    return count;
  }

  /**
   * Returns whether the other end, one of several links of a group (the queues of one device),
   * keeps a flow on the link its first packet came on and follows it to the link synack last sent
   * it on, as Linux's multiqueue TUN device does ({@code tun_automq_select_queue}, {@code
   * tun_flow_update}): then a loop group keeps each TCP connection on the loop that read its SYN
   * instead of handing its packets to a loop picked by hash. This default says no.
   */
  default boolean steersFlows() {
    return false;
  }

  /**
   * Sends {@code packets[0, count)} in order, as {@link #send} does each; a link may move several
   * in one operation (a TUN device with segmentation offload merges runs of TCP segments).
   */
  default void sendBatch(ByteBuffer[] packets, int count) throws IOException {
    for (int i = 0; i < count; i++) send(packets[i]);
  }

  /**
   * Returns how many TCP segments one packet given to {@link #sendBatch(ByteBuffer[], int[], int)}
   * may hold as a GSO super-packet: above 1 for a link with segmentation offload (a TUN device
   * opened with offloads), 1, this default, for a link that takes whole packets only.
   */
  default int maxSegments() {
    return 1;
  }

  /**
   * Asks the link to shed pure SYNs before they are queued for the reader, keeping one in
   * 2<sup>shift</sup> at random (0: all, the default), and returns whether it can: a TUN device
   * does it in the kernel ({@link TunLink}), so that under a SYN flood its queue keeps room for the
   * packets of established connections. This default cannot and returns false for any shift above
   * 0.
   */
  default boolean shedSyns(int shift) {
    return shift == 0;
  }

  /**
   * Returns how many packets the link has dropped on their way to its reader so far, those its SYN
   * filter shed ({@link #shedSyns}) and those a full queue dropped at its tail, or -1 when it
   * cannot tell (this default). Under a SYN flood a rise means the loop falls behind what arrives.
   */
  default long packetsDropped() {
    return -1;
  }

  /**
   * Sends {@code packets[0, count)} in order, as {@link #sendBatch(ByteBuffer[], int)}, where
   * packet {@code i} is a GSO super-packet of segments of {@code segmentSizes[i]} payload bytes
   * when that is above 0 ({@link dev.synack.stack.Transmit#segmentSize()}): a run of one
   * connection's segments in one packet, the TCP checksum left partial, for the link (its device)
   * to cut. This default sends whole packets as they are and cuts super-packets in software ({@link
   * GsoPacket#segment}), as Linux does for a device without TSO; a link with offload hands them to
   * its device whole.
   */
  default void sendBatch(ByteBuffer[] packets, int[] segmentSizes, int count) throws IOException {
    int whole = 0;
    while (whole < count && segmentSizes[whole] == 0) whole++;
    if (whole == count) {
      sendBatch(packets, count);
      return;
    }
    for (int i = 0; i < count; i++) {
      if (segmentSizes[i] == 0) {
        send(packets[i]);
        continue;
      }
      for (byte[] segment : GsoPacket.segment(packets[i], segmentSizes[i]))
        send(ByteBuffer.wrap(segment));
      packets[i].position(packets[i].limit());
    }
  }

  /**
   * Sends one whole IP packet, the bytes of {@code packet} from its position to its limit; the
   * position moves to the limit. Like the wire, a link may drop a packet it cannot carry now.
   *
   * @throws java.nio.channels.ClosedChannelException if the link is closed
   */
  void send(ByteBuffer packet) throws IOException;

  /**
   * Makes a blocked {@link #receive} return 0 at once; if none is blocked, the next one that would
   * block returns 0 at once instead. Callable from any thread; does nothing once closed.
   */
  void wakeup();

  /** Closes the link and wakes a blocked receive; closing twice does nothing. */
  @Override
  void close() throws IOException;
}
