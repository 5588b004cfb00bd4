package dev.synack.stack;

/**
 * Thrown when a datagram is larger than the MTU and may not be fragmented: the socket API's {@code
 * EMSGSIZE} ("message too long").
 */
public final class MessageTooLongException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /** The largest IP packet the datagram may have made. */
  private final int mtu;

  /** Makes the exception for a packet of {@code length} bytes over an MTU of {@code mtu}. */
  public MessageTooLongException(int length, int mtu) {
    super("message too long (EMSGSIZE): a " + length + "-byte IP packet over an MTU of " + mtu);
    this.mtu = mtu;
  }

  /** Returns the MTU the datagram must fit. */
  public int mtu() {
    return mtu;
  }
}
