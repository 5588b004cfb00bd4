package dev.synack.packetdrill;

/** How a {@code >} line is compared with the packet the stack sent. */
public enum MatchMode {
  /**
   * As packetdrill: flags, sequence and acknowledgment numbers, window (when written), payload, ECN
   * field (when written) and the options byte for byte (TSval excepted, whose clock differs).
   */
  EXACT,
  /**
   * Behaviour apart from defaults: flags, sequence and acknowledgment numbers and payload as in
   * {@link #EXACT}; the window value is not compared, and the options only by which kinds are
   * present (and the MSS and SACK blocks), not by their layout or padding; and the buffer sizes
   * getsockopt reports (SO_RCVBUF, SO_SNDBUF) are not compared either.
   */
  SEMANTIC
}
