package dev.synack.sim;

import dev.synack.wire.Ecn;
import java.util.ArrayDeque;
import java.util.SplittableRandom;

/**
 * One direction of a link between two nodes: it decides each packet's fate (dropped, or arriving at
 * some time, maybe twice, maybe corrupted) and keeps the counters. It knows nothing of the event
 * queue or the observers: it reports through {@link Output}.
 *
 * <p>Each impairment draws from its own random stream, derived from the network's seed and the two
 * node names alone. So a link's decisions do not depend on other links' traffic or on the order
 * links were first used, and switching on one impairment does not reshuffle the others.
 */
final class SimLink {
  /** Where a link reports what it decided. */
  interface Output {
    /** The link dropped {@code packet}; the counters already know. */
    void dropped(SimLink link, byte[] packet, String reason);

    /**
     * {@code packet} will arrive at {@code to} at {@code time}; {@code checksumUnnecessary} when
     * its checksums were correct when sent and this link cannot have changed a bit of it.
     */
    void arrives(SimLink link, byte[] packet, long time, boolean checksumUnnecessary);

    /** The link flipped bits in byte {@code index} of {@code packet}, a copy that will arrive. */
    void corrupted(SimLink link, byte[] packet, int index);
  }

  final SimNode from;
  final SimNode to;
  final LinkCounters counters = new LinkCounters();

  /** The config in force; packets already in flight keep the fate they were given. */
  LinkConfig config;

  /**
   * Whether {@link #config} was set for this link, rather than taken from the network's default.
   */
  boolean explicit;

  private final SplittableRandom lossRandom;
  private final SplittableRandom duplicationRandom;
  private final SplittableRandom reorderRandom;
  private final SplittableRandom corruptionRandom;
  private final SplittableRandom jitterRandom;

  /**
   * When the transmitter finishes the last packet accepted; the queue is empty once now reaches it.
   */
  private long busyUntil;

  /** Packets accepted but not yet on the wire, as pairs (start time, bytes), in start order. */
  private final ArrayDeque<long[]> waiting = new ArrayDeque<>();

  /** Sum of the bytes in {@link #waiting}, what the queue limit bounds. */
  private long backlogBytes;

  /** Arrival time of the last packet not held back; later packets never arrive before it (FIFO). */
  private long fifoFloor;

  SimLink(SimNode from, SimNode to, LinkConfig config, long networkSeed) {
    this.from = from;
    this.to = to;
    this.config = config;
    SplittableRandom root = new SplittableRandom(seed(networkSeed, from.name(), to.name()));
    lossRandom = root.split();
    duplicationRandom = root.split();
    reorderRandom = root.split();
    corruptionRandom = root.split();
    jitterRandom = root.split();
  }

  /**
   * Sends {@code packet} (which the link now owns) into the link at {@code now}; {@code
   * checksumsCorrect} when its sender vouches for its checksums.
   */
  void transmit(byte[] packet, long now, boolean checksumsCorrect, Output out) {
    counters.sent(packet.length);
    if (packet.length > config.mtu()) {
      drop(packet, SimNetwork.MTU_EXCEEDED, out);
      return;
    }
    long onWire = now;
    if (config.bandwidth() > 0) {
      long start = Math.max(now, busyUntil);
      releaseStarted(now);
      // Tail drop: a packet that would wait, and does not fit behind those already waiting.
      if (start > now && backlogBytes + packet.length > config.queueLimitBytes()) {
        drop(packet, SimNetwork.QUEUE_FULL, out);
        return;
      }
      if (start > now && backlogBytes + packet.length > config.markThresholdBytes()) {
        // AQM (RFC 3168 §5, RFC 7567 §4.2.1): the queue signals congestion before it overflows,
        // with a CE mark when the transport understands it, else with a drop.
        if (!Ecn.isEct(Ecn.of(packet))) {
          drop(packet, SimNetwork.AQM_DROP, out);
          return;
        }
        Ecn.set(packet, Ecn.CE);
      }
      if (start > now) {
        waiting.addLast(new long[] {start, packet.length});
        backlogBytes += packet.length;
      }
      busyUntil = start + config.serialisationNanos(packet.length);
      onWire = busyUntil;
    }
    // Lost on the wire, after taking its share of the bandwidth.
    if (lossRandom.nextDouble() < config.loss()) {
      drop(packet, SimNetwork.LOSS, out);
      return;
    }
    long arrival = onWire + config.delayNanos() + jitterRandom.nextLong(config.jitterNanos() + 1);
    if (reorderRandom.nextDouble() < config.reorder()) {
      arrival += config.reorderDelayNanos();
      counters.reordered++;
    } else {
      arrival = Math.max(arrival, fifoFloor);
      fifoFloor = arrival;
    }
    byte[] duplicate = null;
    if (duplicationRandom.nextDouble() < config.duplication()) {
      duplicate = packet.clone();
      counters.duplicated++;
    }
    // A link that never corrupts vouches for the checksums the sender vouched for, as Linux's
    // loopback
    // and veth do (CHECKSUM_UNNECESSARY); one that may corrupt leaves every packet to be verified.
    boolean checksumUnnecessary = checksumsCorrect && config.corruption() == 0;
    arrive(packet, arrival, checksumUnnecessary, out);
    if (duplicate != null) arrive(duplicate, arrival, checksumUnnecessary, out);
  }

  private void arrive(byte[] packet, long arrival, boolean checksumUnnecessary, Output out) {
    if (corruptionRandom.nextDouble() < config.corruption() && packet.length > 0) {
      int index = corruptionRandom.nextInt(packet.length);
      // A non-zero mask, so the byte really changes: a checksum has something to catch.
      packet[index] ^= (byte) (1 + corruptionRandom.nextInt(255));
      counters.corrupted++;
      out.corrupted(this, packet, index);
    }
    out.arrives(this, packet, arrival, checksumUnnecessary);
  }

  private void drop(byte[] packet, String reason, Output out) {
    counters.dropped(reason);
    out.dropped(this, packet, reason);
  }

  private void releaseStarted(long now) {
    while (!waiting.isEmpty() && waiting.peekFirst()[0] <= now) {
      backlogBytes -= waiting.pollFirst()[1];
    }
  }

  /**
   * Returns the seed of the link from {@code from} to {@code to}: the network seed mixed with both
   * names.
   */
  static long seed(long networkSeed, String from, String to) {
    long h = mix(networkSeed);
    // The separator keeps ("ab", "c") apart from ("a", "bc").
    String both = from + '\u0000' + to;
    for (int i = 0; i < both.length(); i++) h = mix(h ^ both.charAt(i));
    return h;
  }

  /** The finaliser of SplitMix64 (Steele, Lea, Flood 2014), a bijection that spreads every bit. */
  private static long mix(long z) {
    z += 0x9e3779b97f4a7c15L;
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  @Override
  public String toString() {
    return from.name() + ">" + to.name();
  }
}
