package dev.synack.forward;

/**
 * The bound on the bytes a forwarder's relays hold at once over all flows and loops: a TCP flow's
 * chunk while it passes and what a side did not take yet. A flow takes its bytes before it holds
 * them and gives them back when it lets them go; what would go beyond the bound is refused, and the
 * flow waits (its windows close). Safe from any thread.
 */
final class RelayBudget {
  private final long max;
  private final ForwarderCounters counters;

  RelayBudget(long max, ForwarderCounters counters) {
    this.max = max;
    this.counters = counters;
  }

  /**
   * Takes {@code bytes} from the budget; returns false, and counts, when that would exceed the
   * bound.
   */
  boolean take(long bytes) {
    while (true) {
      long held = counters.relayBytes.get();
      if (held + bytes > max) {
        counters.relayOverBudget.incrementAndGet();
        return false;
      }
      if (counters.relayBytes.compareAndSet(held, held + bytes)) {
        counters.relayBytesPeak.accumulateAndGet(held + bytes, Math::max);
        return true;
      }
    }
  }

  /** Counts {@code bytes} already in hand (a proxy's few early bytes) without a bound check. */
  void hold(long bytes) {
    long held = counters.relayBytes.addAndGet(bytes);
    counters.relayBytesPeak.accumulateAndGet(held, Math::max);
  }

  /** Gives back {@code bytes} taken before. */
  void give(long bytes) {
    counters.relayBytes.addAndGet(-bytes);
  }

  /** Returns the bound. */
  long max() {
    return max;
  }
}
