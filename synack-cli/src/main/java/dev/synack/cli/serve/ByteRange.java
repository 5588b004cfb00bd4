package dev.synack.cli.serve;

/**
 * What a Range header field asks of a representation of known length (RFC 9110 §14): the whole of
 * it, one range of it, or nothing it has.
 */
sealed interface ByteRange {
  /** Send the whole representation: no Range field, one this server ignores, or several ranges. */
  record Whole() implements ByteRange {}

  /** Send bytes {@code first} to {@code last}, both included (206 Partial Content). */
  record Part(long first, long last) implements ByteRange {
    long length() {
      return last - first + 1;
    }
  }

  /** No range lies within the representation (416 Range Not Satisfiable, RFC 9110 §15.5.17). */
  record Unsatisfiable() implements ByteRange {}

  /**
   * Returns what {@code header} (null when absent) asks of {@code length} bytes. A field this
   * server does not take (another unit, a syntax error, several ranges) asks for the whole, which
   * RFC 9110 §14.2 allows: "a server MAY ignore the Range header field".
   */
  static ByteRange of(String header, long length) {
    if (header == null) return new Whole();
    String h = header.strip();
    int eq = h.indexOf('=');
    if (eq < 0 || !h.substring(0, eq).strip().equalsIgnoreCase("bytes")) return new Whole();
    String spec = h.substring(eq + 1).strip();
    if (spec.contains(","))
      return new Whole(); // One range only; several would need multipart/byteranges.
    int dash = spec.indexOf('-');
    if (dash < 0) return new Whole();
    String a = spec.substring(0, dash).strip();
    String b = spec.substring(dash + 1).strip();
    try {
      if (a.isEmpty()) {
        // suffix-range "-N": the last N bytes (RFC 9110 §14.1.1).
        if (b.isEmpty()) return new Whole();
        long suffix = digits(b);
        if (suffix == 0 || length == 0) return new Unsatisfiable();
        return new Part(Math.max(0, length - suffix), length - 1);
      }
      long first = digits(a);
      long last = b.isEmpty() ? Long.MAX_VALUE : digits(b);
      if (last < first) return new Whole(); // Invalid: the field is ignored (§14.1.1).
      if (first >= length) return new Unsatisfiable();
      return new Part(first, Math.min(last, length - 1));
    } catch (NumberFormatException e) {
      return new Whole();
    }
  }

  /** Parses 1*DIGIT; rejects signs and anything else, and numbers past a long (clamped). */
  private static long digits(String s) {
    if (s.isEmpty() || !s.chars().allMatch(c -> c >= '0' && c <= '9'))
      throw new NumberFormatException(s);
    return s.length() > 18 ? Long.MAX_VALUE : Long.parseLong(s);
  }
}
