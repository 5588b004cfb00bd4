package dev.synack.cli.bench;

import java.util.Arrays;
import java.util.Locale;

/** The median of a figure's repeats and the samples behind it, for a figure's note. */
final class Samples {
  private Samples() {}

  /** Returns the median of {@code values} (the mean of the middle two for an even count). */
  static double median(double[] values) {
    if (values.length == 0) throw new IllegalArgumentException("no samples");
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }

  /**
   * Says how many repeats, then synack's samples and the reference's in the order measured, e.g.
   * {@code "3 repeats (synack 9.1, 9.8, 10.2; reference 20.1, 22.0, 21.5; ratios 0.45, 0.45,
   * 0.47)"}.
   */
  static String describe(double[] synack, double[] reference) {
    if (synack.length != reference.length)
      throw new IllegalArgumentException(
          "samples differ in count: " + synack.length + " and " + reference.length);
    StringBuilder ratios = new StringBuilder();
    for (int i = 0; i < synack.length; i++) {
      if (i > 0) ratios.append(", ");
      ratios.append(
          reference[i] == 0 ? "-" : String.format(Locale.ROOT, "%.2f", synack[i] / reference[i]));
    }
    return synack.length
        + (synack.length == 1 ? " repeat" : " repeats")
        + " (synack "
        + join(synack)
        + "; reference "
        + join(reference)
        + "; ratios "
        + ratios
        + ")";
  }

  private static String join(double[] values) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < values.length; i++) {
      if (i > 0) b.append(", ");
      b.append(String.format(Locale.ROOT, "%.3g", values[i]));
    }
    return b.toString();
  }
}
