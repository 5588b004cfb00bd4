package dev.synack.sim;

import java.time.Duration;

/**
 * The path of a {@link PathExperiment}: a bottleneck of {@code bandwidth} bits per second with a
 * drop-tail queue of {@code queueBytes}, a round-trip propagation delay split evenly between the
 * two directions, random loss of data packets, and an MTU. ACKs cross at the same bandwidth and
 * delay, unqueued and never lost, so that what is measured is the sender's reaction to the data
 * path, as in the Mathis model.
 *
 * @param bandwidth bits per second of the bottleneck, each way
 * @param rttNanos round-trip propagation delay, without queueing or serialisation
 * @param loss probability that a data packet is lost
 * @param queueBytes bytes that may wait behind the packet on the wire of the data direction
 * @param mtu the largest IP packet, in bytes; both hosts use it
 * @param markBytes the bottleneck queue marks ECT packets CE above this many bytes waiting (a
 *     step-marking AQM, {@link LinkConfig#withEcnMarking}); {@link Integer#MAX_VALUE} for none
 */
public record PathConfig(
    long bandwidth, long rttNanos, double loss, int queueBytes, int mtu, int markBytes) {
  public PathConfig {
    if (bandwidth <= 0)
      throw new IllegalArgumentException("bandwidth must be positive: " + bandwidth);
    if (rttNanos < 0) throw new IllegalArgumentException("rtt must not be negative: " + rttNanos);
    if (!(loss >= 0 && loss < 1))
      throw new IllegalArgumentException("loss must be in [0, 1): " + loss);
    if (queueBytes < 0)
      throw new IllegalArgumentException("queue must not be negative: " + queueBytes);
    if (mtu < 576 || mtu > 65535)
      throw new IllegalArgumentException("mtu out of range 576..65535: " + mtu);
    if (markBytes < 0)
      throw new IllegalArgumentException("mark threshold must not be negative: " + markBytes);
  }

  /** A path whose queue marks nothing. */
  public PathConfig(long bandwidth, long rttNanos, double loss, int queueBytes, int mtu) {
    this(bandwidth, rttNanos, loss, queueBytes, mtu, Integer.MAX_VALUE);
  }

  /**
   * Returns a loss-free path with a queue of one bandwidth-delay product (the classic rule of thumb
   * for a drop-tail bottleneck) and an MTU of 1500.
   */
  public static PathConfig of(long bitsPerSecond, Duration rtt) {
    long bdp = bdpBytes(bitsPerSecond, rtt.toNanos());
    return new PathConfig(
        bitsPerSecond, rtt.toNanos(), 0, (int) Math.clamp(bdp, 16 * 1024, Integer.MAX_VALUE), 1500);
  }

  /** Returns this path with a probability of losing each data packet. */
  public PathConfig withLoss(double probability) {
    return toBuilder().loss(probability).build();
  }

  /** Returns this path with another bottleneck queue, in bytes. */
  public PathConfig withQueue(int bytes) {
    return toBuilder().queue(bytes).build();
  }

  /** Returns this path with another MTU. */
  public PathConfig withMtu(int bytes) {
    return toBuilder().mtu(bytes).build();
  }

  /**
   * Returns this path with a bottleneck that marks ECT data packets CE when more than {@code bytes}
   * wait (RFC 3168 §5); the hosts see the marks only when their configs negotiate ECN.
   */
  public PathConfig withEcnMarking(int bytes) {
    return toBuilder().ecnMarking(bytes).build();
  }

  /** Returns a builder that starts from this path. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /**
   * The values of a {@link PathConfig} set one by one, from {@link PathConfig#toBuilder()}; {@link
   * #build()} checks them all (in the record's constructor). Each setter is named after the {@code
   * withX} method that calls it, which documents the value.
   */
  public static final class Builder {
    private long bandwidth;
    private long rttNanos;
    private double loss;
    private int queueBytes;
    private int mtu;
    private int markBytes;

    private Builder(PathConfig c) {
      bandwidth = c.bandwidth;
      rttNanos = c.rttNanos;
      loss = c.loss;
      queueBytes = c.queueBytes;
      mtu = c.mtu;
      markBytes = c.markBytes;
    }

    /** Sets the bits per second of the bottleneck, each way; positive. */
    public Builder bandwidth(long bitsPerSecond) {
      this.bandwidth = bitsPerSecond;
      return this;
    }

    /** Sets the round-trip propagation delay, not negative. */
    public Builder rtt(Duration rtt) {
      this.rttNanos = rtt.toNanos();
      return this;
    }

    /** Sets the probability of losing a data packet, in [0, 1). */
    public Builder loss(double probability) {
      this.loss = probability;
      return this;
    }

    /** Sets the bottleneck queue in bytes, not negative. */
    public Builder queue(int bytes) {
      this.queueBytes = bytes;
      return this;
    }

    /** Sets the largest IP packet, 576 to 65535 bytes. */
    public Builder mtu(int bytes) {
      this.mtu = bytes;
      return this;
    }

    /** Sets the queue length above which ECT data packets are marked CE. */
    public Builder ecnMarking(int bytes) {
      this.markBytes = bytes;
      return this;
    }

    /** Returns the path, after the record's constructor has checked every value. */
    public PathConfig build() {
      return new PathConfig(bandwidth, rttNanos, loss, queueBytes, mtu, markBytes);
    }
  }

  /** Returns the bandwidth-delay product in bytes: what must be in flight to keep the path full. */
  public long bdpBytes() {
    return bdpBytes(bandwidth, rttNanos);
  }

  /** Returns the link config of the data direction (client to server). */
  LinkConfig dataLink() {
    LinkConfig data = ackLink().withLoss(loss).withQueueLimit(queueBytes);
    return markBytes == Integer.MAX_VALUE ? data : data.withEcnMarking(markBytes);
  }

  /** Returns the link config of the ACK direction (server to client). */
  LinkConfig ackLink() {
    return LinkConfig.ideal()
        .withDelay(Duration.ofNanos(rttNanos / 2))
        .withBandwidth(bandwidth)
        .withMtu(mtu);
  }

  private static long bdpBytes(long bitsPerSecond, long rttNanos) {
    return Math.round(bitsPerSecond / 8.0 * rttNanos / 1e9);
  }

  /**
   * Returns the path in one line, {@code 10.0 Mbit/s, RTT 20.0 ms, loss 0.10 %, queue 200000 B, mtu
   * 1500} (the demo tells it in other languages, {@code dev.synack.demo.CcComparison}).
   */
  @Override
  public String toString() {
    return String.format(
        java.util.Locale.ROOT,
        "%.1f Mbit/s, RTT %.1f ms, loss %.2f %%, queue %d B, mtu %d",
        bandwidth / 1e6,
        rttNanos / 1e6,
        loss * 100,
        queueBytes,
        mtu);
  }
}
