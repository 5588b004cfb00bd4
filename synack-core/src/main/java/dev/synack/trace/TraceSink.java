package dev.synack.trace;

/** Where a stack's trace events go. Called on the stack's own thread, in event order. */
@FunctionalInterface
public interface TraceSink {
  /** A sink that keeps nothing. */
  TraceSink NONE = event -> {};

  /** Takes one event. Must not throw. */
  void accept(TraceEvent event);

  /** Returns whether this sink wants {@link TraceEvent.Packet} events (whole packets, for pcap). */
  default boolean wantsPackets() {
    return false;
  }

  /**
   * Counts a segment that a connection discarded, for the reason its {@code drop} event gives.
   * Called whether or not events are {@link #enabled}, so that a host counts every drop without
   * tracing (its {@code HostCounters}, under {@link DropReason#code}). Must not throw.
   */
  default void countDrop(DropReason reason) {}

  /** Returns whether events are wanted at all, so that callers can skip building them. */
  @SuppressWarnings("ReferenceEquality") // NONE is a sentinel: identity is meant
  default boolean enabled() {
    return this != NONE;
  }

  /** Returns a sink that passes each event to both sinks. */
  @SuppressWarnings("ReferenceEquality") // NONE is a sentinel: identity is meant
  static TraceSink both(TraceSink a, TraceSink b) {
    if (a == NONE) return b;
    if (b == NONE) return a;
    return new TraceSink() {
      @Override
      public void accept(TraceEvent event) {
        a.accept(event);
        b.accept(event);
      }

      @Override
      public boolean wantsPackets() {
        return a.wantsPackets() || b.wantsPackets();
      }
    };
  }
}
