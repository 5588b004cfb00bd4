package dev.synack.sim;

/**
 * A host as the simulated network sees it: IP packets in, IP packets and deadlines out, sans-IO.
 *
 * <p>The network calls it from one thread, in this order, at a time {@code now} that never goes
 * backwards: {@link #handlePacket} for each packet that arrives and {@link #handleTimeout} when the
 * deadline of {@link #pollTimeout} has come; after each of these, {@link #pollTransmit} until it
 * returns null. The network also drains {@code pollTransmit} before each step, so packets a test
 * queued between steps (a user call such as {@code connect}) leave at the current time.
 */
public interface SimNode {
  /** Returns the node's name, unique within a network; it names the node in traces and seeds its links. */
  String name();

  /** Delivers one IP packet (the node owns the array). */
  void handlePacket(byte[] packet, long now);

  /** Returns the next IP packet the node wants to send, or null (the network owns the array). */
  byte[] pollTransmit(long now);

  /** Returns the next time the node wants handleTimeout, or Long.MAX_VALUE. */
  long pollTimeout();

  /** Lets the node act on its deadline; called when {@code now >= pollTimeout()}. */
  void handleTimeout(long now);
}
