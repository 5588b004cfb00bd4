package dev.synack.cli.bench;

/**
 * One measured figure: synack's value beside its reference measured in the same run, and the ratio
 * synack / reference (for memory and latency too, where lower is better).
 *
 * @param name the figure's stable name, e.g. {@code sim-bulk-mtu1500}
 * @param unit the unit of both values, e.g. {@code Gbit/s}
 * @param synack synack's value, NaN when the figure was skipped
 * @param reference the kernel's value, NaN when the figure was skipped
 * @param note how it was measured, or why it was skipped; never null
 * @param skipped whether the figure could not be measured here (no root, no TUN...)
 */
record Figure(
    String name, String unit, double synack, double reference, String note, boolean skipped) {
  /** Returns a measured figure. */
  static Figure measured(String name, String unit, double synack, double reference, String note) {
    return new Figure(name, unit, synack, reference, note, false);
  }

  /** Returns a figure that could not be measured, with the reason. */
  static Figure skipped(String name, String unit, String reason) {
    return new Figure(name, unit, Double.NaN, Double.NaN, reason, true);
  }

  /** Returns synack / reference, or NaN when skipped or the reference is zero. */
  double ratio() {
    return skipped || reference == 0 ? Double.NaN : synack / reference;
  }
}
