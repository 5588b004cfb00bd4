package dev.synack.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** A TUN figure is the median of its repeats, and its note lists every sample with its ratio. */
class SamplesTest {
  @Test
  void median_oddCount_middleValueNotTheBest() {
    assertEquals(23.5, Samples.median(new double[] {68.2, 23.5, 20.1}));
  }

  @Test
  void median_evenCount_meanOfTheMiddleTwo() {
    assertEquals(15.0, Samples.median(new double[] {20.0, 10.0}));
    assertEquals(7.0, Samples.median(new double[] {7.0}));
  }

  @Test
  void median_leavesTheSamplesInTheOrderMeasured() {
    double[] samples = {3.0, 1.0, 2.0};
    Samples.median(samples);
    assertEquals(3.0, samples[0]);
  }

  @Test
  void describe_listsSamplesAndRatiosInOrder() {
    assertEquals(
        "2 repeats (synack 10.0, 12.0; reference 20.0, 24.0; ratios 0.50, 0.50)",
        Samples.describe(new double[] {10, 12}, new double[] {20, 24}));
    assertEquals(
        "1 repeat (synack 9.00; reference 0.00; ratios -)",
        Samples.describe(new double[] {9}, new double[] {0}));
  }

  @Test
  void noSamplesOrUnequalCounts_rejected() {
    assertThrows(IllegalArgumentException.class, () -> Samples.median(new double[0]));
    assertThrows(
        IllegalArgumentException.class,
        () -> Samples.describe(new double[] {1}, new double[] {1, 2}));
  }
}
