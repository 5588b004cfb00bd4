package dev.synack.wire;

/**
 * Sequence-number arithmetic modulo 2^32 (RFC 9293 §3.4), the only place in synack where sequence
 * numbers are compared or added. Sequence numbers are unsigned 32-bit values kept in {@code int}s;
 * "a is before b" means that b is reached from a by adding less than 2^31.
 *
 * <p>Written as static methods over {@code int} rather than a value class so that the hot path
 * allocates nothing; gVisor's {@code seqnum} package and Linux's {@code before()}/{@code after()}
 * make the same choice. It sits in {@code wire}, below the engine and the trace renderings that
 * both need it (smoltcp keeps its {@code TcpSeqNumber} in {@code wire} too), so that neither
 * package depends on the other for it.
 */
public final class SeqNum {
  private SeqNum() {}

  /** Returns whether {@code a} comes strictly before {@code b}. */
  public static boolean lt(int a, int b) {
    return a - b < 0;
  }

  /** Returns whether {@code a} comes before or is {@code b}. */
  public static boolean le(int a, int b) {
    return a - b <= 0;
  }

  /** Returns whether {@code a} comes strictly after {@code b}. */
  public static boolean gt(int a, int b) {
    return a - b > 0;
  }

  /** Returns whether {@code a} comes after or is {@code b}. */
  public static boolean ge(int a, int b) {
    return a - b >= 0;
  }

  /** Returns {@code a + n} modulo 2^32. */
  public static int add(int a, int n) {
    return a + n;
  }

  /**
   * Returns the distance from {@code from} to {@code to}, {@code to - from}, as a signed number:
   * positive when {@code to} is after {@code from}.
   */
  public static int diff(int to, int from) {
    return to - from;
  }

  /**
   * Returns whether {@code first <= x < first + size}: x lies in the window that starts at first.
   */
  public static boolean inWindow(int x, int first, int size) {
    return Integer.compareUnsigned(x - first, size) < 0;
  }

  /** Returns whether {@code low <= x <= high}. */
  public static boolean between(int low, int x, int high) {
    return Integer.compareUnsigned(x - low, high - low) <= 0;
  }

  /** Returns the later of two sequence numbers. */
  public static int max(int a, int b) {
    return gt(a, b) ? a : b;
  }

  /** Returns the earlier of two sequence numbers. */
  public static int min(int a, int b) {
    return lt(a, b) ? a : b;
  }

  /** Returns the sequence number as the unsigned decimal that traces and tcpdump print. */
  public static String toString(int seq) {
    return Integer.toUnsignedString(seq);
  }
}
