package dev.synack.sim;

import java.time.Duration;

/**
 * How one direction of a simulated link treats the packets that cross it. Start from {@link
 * #ideal()} and change what matters:
 *
 * <pre>{@code
 * LinkConfig.ideal().withDelay(Duration.ofMillis(25)).withLoss(0.01).withBandwidth(100_000_000)
 * }</pre>
 *
 * <p>A packet meets the impairments in this order: the MTU (larger packets are dropped), the
 * transmit queue of a bandwidth-limited link (a full queue drops at the tail), loss, then one-way
 * delay plus jitter, reordering, duplication and corruption. Without reordering a link is FIFO:
 * jitter spreads arrival times but never lets a packet overtake an earlier one.
 *
 * @param delayNanos one-way propagation delay, added after serialisation
 * @param jitterNanos extra delay drawn uniformly from {@code [0, jitterNanos]} per packet
 * @param loss probability that a packet is lost
 * @param duplication probability that a packet arrives twice
 * @param reorder probability that a packet is held back by {@code reorderDelayNanos}, so that the
 *     packets sent after it overtake it
 * @param reorderDelayNanos the extra delay of a reordered packet
 * @param corruption probability that one random byte of a packet has random bits flipped
 * @param bandwidth bits per second of the link, 0 for unlimited (no serialisation delay, no queue)
 * @param queueLimitBytes bytes that may wait for the link behind the packet being serialised; a
 *     packet that does not fit is dropped ({@code queue-full})
 * @param mtu the largest IP packet in bytes the link carries ({@code mtu-exceeded})
 * @param markThresholdBytes active queue management (RFC 3168 §5, RFC 7567): a packet that finds
 *     more than this many bytes waiting is marked CE if its ECN field is ECT, and dropped ({@code
 *     aqm-drop}) if not; {@link Integer#MAX_VALUE} (the default) for none, a plain tail-drop queue
 */
public record LinkConfig(
    long delayNanos,
    long jitterNanos,
    double loss,
    double duplication,
    double reorder,
    long reorderDelayNanos,
    double corruption,
    long bandwidth,
    int queueLimitBytes,
    int mtu,
    int markThresholdBytes) {

  private static final LinkConfig IDEAL =
      new LinkConfig(0, 0, 0, 0, 0, 0, 0, 0, Integer.MAX_VALUE, Integer.MAX_VALUE);

  /** A link without active queue management. */
  public LinkConfig(
      long delayNanos,
      long jitterNanos,
      double loss,
      double duplication,
      double reorder,
      long reorderDelayNanos,
      double corruption,
      long bandwidth,
      int queueLimitBytes,
      int mtu) {
    this(
        delayNanos,
        jitterNanos,
        loss,
        duplication,
        reorder,
        reorderDelayNanos,
        corruption,
        bandwidth,
        queueLimitBytes,
        mtu,
        Integer.MAX_VALUE);
  }

  /** Checks every field, printing the bad value. */
  public LinkConfig {
    nonNegative("delayNanos", delayNanos);
    nonNegative("jitterNanos", jitterNanos);
    nonNegative("reorderDelayNanos", reorderDelayNanos);
    nonNegative("bandwidth", bandwidth);
    nonNegative("queueLimitBytes", queueLimitBytes);
    nonNegative("markThresholdBytes", markThresholdBytes);
    probability("loss", loss);
    probability("duplication", duplication);
    probability("reorder", reorder);
    probability("corruption", corruption);
    if (mtu <= 0) throw new IllegalArgumentException("mtu must be positive: " + mtu);
  }

  /** Returns a link that delivers every packet at once, unchanged, in order, of any size. */
  public static LinkConfig ideal() {
    return IDEAL;
  }

  /** Returns this config with a one-way propagation delay. */
  public LinkConfig withDelay(Duration delay) {
    return toBuilder().delay(delay).build();
  }

  /** Returns this config with up to {@code jitter} of extra delay per packet, drawn uniformly. */
  public LinkConfig withJitter(Duration jitter) {
    return toBuilder().jitter(jitter).build();
  }

  /** Returns this config with a probability of losing each packet. */
  public LinkConfig withLoss(double probability) {
    return toBuilder().loss(probability).build();
  }

  /** Returns this config with a probability of delivering each packet twice. */
  public LinkConfig withDuplication(double probability) {
    return toBuilder().duplication(probability).build();
  }

  /** Returns this config with a probability of holding a packet back by {@code extraDelay}. */
  public LinkConfig withReorder(double probability, Duration extraDelay) {
    return toBuilder().reorder(probability, extraDelay).build();
  }

  /** Returns this config with a probability of flipping bits in one byte of each packet. */
  public LinkConfig withCorruption(double probability) {
    return toBuilder().corruption(probability).build();
  }

  /** Returns this config with a bandwidth in bits per second, 0 for unlimited. */
  public LinkConfig withBandwidth(long bitsPerSecond) {
    return toBuilder().bandwidth(bitsPerSecond).build();
  }

  /** Returns this config with a transmit queue of at most {@code bytes} waiting bytes. */
  public LinkConfig withQueueLimit(int bytes) {
    return toBuilder().queueLimit(bytes).build();
  }

  /** Returns this config with an MTU: the largest IP packet, in bytes, the link carries. */
  public LinkConfig withMtu(int bytes) {
    return toBuilder().mtu(bytes).build();
  }

  /**
   * Returns this config with active queue management: above {@code bytes} waiting, ECT packets are
   * marked CE (RFC 3168 §5: "instead of dropping") and others dropped, as a step-marking AQM.
   */
  public LinkConfig withEcnMarking(int bytes) {
    return toBuilder().ecnMarking(bytes).build();
  }

  /** Returns a builder that starts from this config. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /**
   * The values of a {@link LinkConfig} set one by one, from {@link LinkConfig#toBuilder()}; {@link
   * #build()} checks them all (in the record's constructor). Each setter is named after the {@code
   * withX} method that calls it, which documents the value.
   */
  public static final class Builder {
    private long delayNanos;
    private long jitterNanos;
    private double loss;
    private double duplication;
    private double reorder;
    private long reorderDelayNanos;
    private double corruption;
    private long bandwidth;
    private int queueLimitBytes;
    private int mtu;
    private int markThresholdBytes;

    private Builder(LinkConfig c) {
      delayNanos = c.delayNanos;
      jitterNanos = c.jitterNanos;
      loss = c.loss;
      duplication = c.duplication;
      reorder = c.reorder;
      reorderDelayNanos = c.reorderDelayNanos;
      corruption = c.corruption;
      bandwidth = c.bandwidth;
      queueLimitBytes = c.queueLimitBytes;
      mtu = c.mtu;
      markThresholdBytes = c.markThresholdBytes;
    }

    /** Sets the one-way propagation delay, not negative. */
    public Builder delay(Duration delay) {
      this.delayNanos = nanos(delay);
      return this;
    }

    /** Sets the most extra delay per packet, not negative. */
    public Builder jitter(Duration jitter) {
      this.jitterNanos = nanos(jitter);
      return this;
    }

    /** Sets the probability of losing a packet. */
    public Builder loss(double probability) {
      this.loss = probability;
      return this;
    }

    /** Sets the probability of delivering a packet twice. */
    public Builder duplication(double probability) {
      this.duplication = probability;
      return this;
    }

    /** Sets the probability of holding a packet back, and by how long. */
    public Builder reorder(double probability, Duration extraDelay) {
      this.reorder = probability;
      this.reorderDelayNanos = nanos(extraDelay);
      return this;
    }

    /** Sets the probability of corrupting a packet. */
    public Builder corruption(double probability) {
      this.corruption = probability;
      return this;
    }

    /** Sets the bandwidth in bits per second, 0 for unlimited. */
    public Builder bandwidth(long bitsPerSecond) {
      this.bandwidth = bitsPerSecond;
      return this;
    }

    /** Sets the bytes that may wait behind the packet being serialised. */
    public Builder queueLimit(int bytes) {
      this.queueLimitBytes = bytes;
      return this;
    }

    /** Sets the largest IP packet the link carries. */
    public Builder mtu(int bytes) {
      this.mtu = bytes;
      return this;
    }

    /** Sets the queue length above which ECT packets are marked CE and others dropped. */
    public Builder ecnMarking(int bytes) {
      this.markThresholdBytes = bytes;
      return this;
    }

    /** Returns the config, after the record's constructor has checked every value. */
    public LinkConfig build() {
      return new LinkConfig(
          delayNanos,
          jitterNanos,
          loss,
          duplication,
          reorder,
          reorderDelayNanos,
          corruption,
          bandwidth,
          queueLimitBytes,
          mtu,
          markThresholdBytes);
    }
  }

  /** Returns the one-way propagation delay. */
  public Duration delay() {
    return Duration.ofNanos(delayNanos);
  }

  /**
   * Returns how long the link takes to put {@code bytes} on the wire, rounded up to a whole
   * nanosecond; 0 on a link of unlimited bandwidth.
   */
  public long serialisationNanos(int bytes) {
    if (bandwidth == 0) return 0;
    return Math.ceilDiv(Math.multiplyExact(bytes * 8L, 1_000_000_000L), bandwidth);
  }

  private static long nanos(Duration d) {
    if (d.isNegative()) throw new IllegalArgumentException("duration must not be negative: " + d);
    return d.toNanos();
  }

  private static void nonNegative(String name, long value) {
    if (value < 0) throw new IllegalArgumentException(name + " must not be negative: " + value);
  }

  private static void probability(String name, double p) {
    // The negated form also rejects NaN.
    if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException(name + " must be in [0, 1]: " + p);
  }
}
