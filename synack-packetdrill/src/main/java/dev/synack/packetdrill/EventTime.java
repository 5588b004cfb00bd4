package dev.synack.packetdrill;

/**
 * When a script event happens, as packetdrill writes it: {@code 0.1} (absolute), {@code +0.1}
 * (relative to the end of the previous event), {@code 0.1~0.2} or {@code +0.1~+0.2} (a range),
 * {@code *} (any time). Times are in microseconds, packetdrill's unit.
 *
 * @param kind how to read the numbers
 * @param startMicros the time, or the start of the range
 * @param endMicros the end of a range; equal to the start otherwise
 */
record EventTime(Kind kind, long startMicros, long endMicros) {
  /** The forms of an event time. */
  enum Kind {
    ABSOLUTE,
    RELATIVE,
    ABSOLUTE_RANGE,
    RELATIVE_RANGE,
    ANY
  }

  /** Returns whether the numbers count from the previous event's end. */
  boolean relative() {
    return kind == Kind.RELATIVE || kind == Kind.RELATIVE_RANGE;
  }

  /** Returns the time as written, e.g. {@code +0.100} or {@code 1.000~1.200}. */
  @Override
  public String toString() {
    return switch (kind) {
      case ABSOLUTE -> seconds(startMicros);
      case RELATIVE -> "+" + seconds(startMicros);
      case ABSOLUTE_RANGE -> seconds(startMicros) + "~" + seconds(endMicros);
      case RELATIVE_RANGE -> "+" + seconds(startMicros) + "~+" + seconds(endMicros);
      case ANY -> "*";
    };
  }

  static String seconds(long micros) {
    return String.format(java.util.Locale.ROOT, "%.3f", micros / 1e6);
  }
}
