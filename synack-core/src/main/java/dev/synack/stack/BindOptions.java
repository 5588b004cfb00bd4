package dev.synack.stack;

/**
 * How a listener shares its port, as Linux's socket options set before {@code bind}.
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
}
