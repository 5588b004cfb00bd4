package dev.synack.sim;

/**
 * The knobs of a demo run: the path's impairments, the seed that makes the run replayable, and how
 * many bytes {@link Scenario#TRANSFER} moves each way.
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
    if (delayMillis < 0 || delayMillis > 60_000)
      throw new IllegalArgumentException("delay out of range 0..60000 ms: " + delayMillis);
    if (bytes < 0) throw new IllegalArgumentException("bytes must not be negative: " + bytes);
  }

  /** Returns the defaults: a clean path with 10 ms one-way delay, seed 1, 100 kB for transfer. */
  public static DemoOptions defaults() {
    return new DemoOptions(0, 10, 0, 0, 1, 100_000);
  }

  private static void checkProbability(String name, double p) {
    if (!(p >= 0 && p < 1))
      throw new IllegalArgumentException(name + " must be a probability in [0, 1): " + p);
  }
}
