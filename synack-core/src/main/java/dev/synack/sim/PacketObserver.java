package dev.synack.sim;

/**
 * Watches packets cross the simulated network, for traces, pcap and test assertions. The network
 * does not parse TCP, so a listener that knows the wire format turns these calls into trace events
 * with TCP fields (a drop becomes a {@code drop} event with its reason).
 *
 * <p>The arrays passed in belong to the network or to the receiving node: an observer must neither
 * change nor keep them (copy what it needs). Every method defaults to doing nothing.
 */
public interface PacketObserver {
  /**
   * A node sent a packet into the network.
   *
   * @param to the node the destination address belongs to, or null when no node has it
   */
  default void onSend(SimNode from, SimNode to, byte[] packet, long now) {}

  /** A packet is handed to its destination node, as it arrives (maybe corrupted or duplicated). */
  default void onDeliver(SimNode from, SimNode to, byte[] packet, long now) {}

  /**
   * The network dropped a packet: {@code no-route}, {@code malformed}, {@code mtu-exceeded}, {@code
   * queue-full} or {@code loss}.
   *
   * @param to the destination node, or null when no node has the destination address
   */
  default void onDrop(SimNode from, SimNode to, byte[] packet, String reason, long now) {}
}
