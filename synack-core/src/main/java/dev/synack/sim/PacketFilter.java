package dev.synack.sim;

/**
 * Decides the fate of chosen packets before the link sees them, so a scenario can script exactly
 * what the articles draw: "the last ACK is lost", "this SYN is delayed in the network". Random
 * impairments belong in {@link LinkConfig}; a filter is for the one packet a story needs.
 */
@FunctionalInterface
public interface PacketFilter {
  /** Let the packet go to its link as usual. */
  long PASS = 0;

  /** Drop the packet; the network reports it with reason {@link SimNetwork#FILTERED}. */
  long DROP = -1;

  /**
   * Returns {@link #PASS}, {@link #DROP}, or a positive number of nanoseconds to hold the packet
   * back before it goes to its link.
   *
   * @param to the destination node, or null when the packet has no route
   */
  long decide(SimNode from, SimNode to, byte[] packet, long now);
}
