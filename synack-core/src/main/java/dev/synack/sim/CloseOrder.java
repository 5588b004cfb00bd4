package dev.synack.sim;

/**
 * Who closes first in a torture run, and how. "Close" is Linux's {@code close()} ({@link
 * dev.synack.stack.Connection#closeFully}); "shut down" is {@code shutdown(SHUT_WR)} ({@link
 * dev.synack.stack.Connection#close}), after which the side goes on reading. Nobody aborts.
 */
public enum CloseOrder {
  /**
   * The client closes once it has sent and received everything; the server closes on reading the
   * end.
   */
  CLIENT_FIRST("client-first"),
  /**
   * The server closes once it has sent and received everything; the client closes on reading the
   * end.
   */
  SERVER_FIRST("server-first"),
  /** Both close at the same instant, once both have received everything: the FINs cross. */
  SIMULTANEOUS("simultaneous"),
  /** The client shuts down as soon as its data is queued, while the server may still be sending. */
  CLIENT_HALF_CLOSE("client-half-close"),
  /** The server shuts down as soon as its data is queued, while the client may still be sending. */
  SERVER_HALF_CLOSE("server-half-close");

  private final String label;

  CloseOrder(String label) {
    this.label = label;
  }

  /** Returns the name printed in a run's parameters. */
  public String label() {
    return label;
  }
}
