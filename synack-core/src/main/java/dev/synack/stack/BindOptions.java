package dev.synack.stack;

/**
 * How a socket shares its port, as Linux's socket options set before {@code bind}: a listener's, or
 * an active open's from a port it chose.
 *
 * @param reuseAddress {@code SO_REUSEADDR}: the port may be taken while connections (TIME-WAIT
 *     ones, typically) still hold it; it never lets two listeners share a port
 * @param reusePort {@code SO_REUSEPORT}: listeners on the same address and port that all set it
 *     form a group, over which new connections are spread by a hash of their 4-tuple
 */
public record BindOptions(boolean reuseAddress, boolean reusePort) {
  /**
   * {@code SO_REUSEADDR} on, {@code SO_REUSEPORT} off: what Java's {@code ServerSocket} sets on
   * Linux, and synack's default.
   */
  public static final BindOptions DEFAULT = new BindOptions(true, false);

  /** Neither option: what a socket has until it sets one (Linux's and Java's {@code Socket}). */
  public static final BindOptions NONE = new BindOptions(false, false);

  /**
   * Returns whether a socket with these options may bind the port {@code other} holds, as Linux's
   * {@code inet_bind_conflict} for {@code bind()}: when both set {@code SO_REUSEPORT}, or both set
   * {@code SO_REUSEADDR} and {@code other} is not listening.
   */
  boolean mayShareWith(BindOptions other, boolean otherListens) {
    return (reusePort && other.reusePort) || (reuseAddress && other.reuseAddress && !otherListens);
  }
}
