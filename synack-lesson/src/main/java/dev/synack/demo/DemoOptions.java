package dev.synack.demo;

/**
 * The knobs of a demo run: the path's impairments, the seed that makes the run replayable, and how
 * many bytes {@link Scenario#TRANSFER} moves each way. Start from {@link #defaults()} and change
 * what matters with {@link #toBuilder()}:
 *
 * <pre>{@code
 * DemoOptions.defaults().toBuilder().loss(0.05).seed(3).build()
 * }</pre>
 *
 * @param loss probability that a packet is lost, each direction
 * @param delayMillis one-way delay in milliseconds
 * @param reorder probability that a packet is held back behind later ones
 * @param duplicate probability that a packet is delivered twice
 * @param seed seeds every random choice: the same seed gives the same run, byte for byte
 * @param bytes bytes sent each way by the transfer scenario
 */
public record DemoOptions(
    double loss, double delayMillis, double reorder, double duplicate, long seed, long bytes) {
  public DemoOptions {
    checkProbability("loss", loss);
    checkProbability("reorder", reorder);
    checkProbability("dup", duplicate);
    if (!(delayMillis >= 0 && delayMillis <= 60_000)) // NaN too
    throw new IllegalArgumentException("delay out of range 0..60000 ms: " + delayMillis);
    if (bytes < 0) throw new IllegalArgumentException("bytes must not be negative: " + bytes);
  }

  /** Returns the defaults: a clean path with 10 ms one-way delay, seed 1, 100 kB for transfer. */
  public static DemoOptions defaults() {
    return new DemoOptions(0, 10, 0, 0, 1, 100_000);
  }

  /** Returns a builder that starts from these options. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /**
   * The values of {@link DemoOptions} set one by one, from {@link DemoOptions#toBuilder()}; {@link
   * #build()} checks them all (in the record's constructor), with the messages {@code demo} prints.
   */
  public static final class Builder {
    private double loss;
    private double delayMillis;
    private double reorder;
    private double duplicate;
    private long seed;
    private long bytes;

    private Builder(DemoOptions o) {
      loss = o.loss;
      delayMillis = o.delayMillis;
      reorder = o.reorder;
      duplicate = o.duplicate;
      seed = o.seed;
      bytes = o.bytes;
    }

    /** Sets the probability that a packet is lost, each direction, in [0, 1). */
    public Builder loss(double probability) {
      this.loss = probability;
      return this;
    }

    /** Sets the one-way delay in milliseconds, 0 to 60000. */
    public Builder delayMillis(double millis) {
      this.delayMillis = millis;
      return this;
    }

    /** Sets the probability that a packet is held back behind later ones, in [0, 1). */
    public Builder reorder(double probability) {
      this.reorder = probability;
      return this;
    }

    /** Sets the probability that a packet is delivered twice, in [0, 1). */
    public Builder duplicate(double probability) {
      this.duplicate = probability;
      return this;
    }

    /** Sets the seed of every random choice. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** Sets the bytes the transfer scenario sends each way, not negative. */
    public Builder bytes(long bytes) {
      this.bytes = bytes;
      return this;
    }

    /** Returns the options, after the record's constructor has checked every value. */
    public DemoOptions build() {
      return new DemoOptions(loss, delayMillis, reorder, duplicate, seed, bytes);
    }
  }

  private static void checkProbability(String name, double p) {
    if (!(p >= 0 && p < 1))
      throw new IllegalArgumentException(name + " must be a probability in [0, 1): " + p);
  }
}
