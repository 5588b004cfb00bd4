package dev.synack.nio;

import dev.synack.runtime.Waiter;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The readiness a channel's loop last told it, and the selection keys it hands to their selectors
 * when that changes. It is the channel's {@link Waiter} on its connection's or listener's signal,
 * and its mask is written on the loop thread only (in a notification or at the end of the channel's
 * own calls), so the latest value is the loop's latest view.
 */
final class ReadinessCell implements Waiter {
  private volatile int readiness;

  /** The channel's keys, one per selector it is registered with. */
  private final CopyOnWriteArrayList<SynackSelectionKey> keys = new CopyOnWriteArrayList<>();

  /** Returns the last mask set. */
  int get() {
    return readiness;
  }

  /**
   * Sets the mask (loop thread) and wakes the selectors if a bit came on: a selector finds bits
   * that stayed on by itself, and one that went off needs no wake-up.
   */
  @Override
  public void ready(int mask) {
    int old = readiness;
    readiness = mask;
    if ((mask & ~old) != 0) wakeSelectors();
  }

  /** Wakes the selectors so that they look at the channel again (its own state changed). */
  void wakeSelectors() {
    for (SynackSelectionKey k : keys) k.changed();
  }

  void add(SynackSelectionKey k) {
    keys.addIfAbsent(k);
  }

  void remove(SynackSelectionKey k) {
    keys.remove(k);
  }
}
