package dev.synack.nio;

import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.Selector;
import java.nio.channels.spi.AbstractSelectionKey;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A channel's registration with a {@link SynackSelector}: its interest set and its last ready set.
 */
final class SynackSelectionKey extends AbstractSelectionKey {
  private final SelectableChannel channel;
  private final SynackSelector selector;
  private volatile int interestOps;

  /** Written by the selecting thread. */
  private volatile int readyOps;

  /** Whether the key waits in its selector's queue of keys to look at. */
  final AtomicBoolean queued = new AtomicBoolean();

  /** The selector's scan that last looked at the key; selecting thread only. */
  long scanned = -1;

  SynackSelectionKey(SelectableChannel channel, SynackSelector selector) {
    this.channel = channel;
    this.selector = selector;
  }

  @Override
  public SelectableChannel channel() {
    return channel;
  }

  @Override
  public Selector selector() {
    return selector;
  }

  @Override
  public int interestOps() {
    ensureValid();
    return interestOps;
  }

  @Override
  public SynackSelectionKey interestOps(int ops) {
    ensureValid();
    if ((ops & ~channel.validOps()) != 0)
      throw new IllegalArgumentException("Invalid interest ops: " + ops);
    interestOps = ops;
    changed(); // a select in progress looks again with the new interest
    return this;
  }

  @Override
  public int readyOps() {
    ensureValid();
    return readyOps;
  }

  /** Returns the interest set without the validity check (for the selecting thread). */
  int interest() {
    return interestOps;
  }

  /** Returns the ready set without the validity check. */
  int ready() {
    return readyOps;
  }

  /** Hands the key to its selector to look at again; from any thread. */
  void changed() {
    selector.keyChanged(this);
  }

  void setReady(int ops) {
    readyOps = ops;
  }

  private void ensureValid() {
    if (!isValid()) throw new CancelledKeyException();
  }
}
