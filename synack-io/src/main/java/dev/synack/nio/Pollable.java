package dev.synack.nio;

/**
 * A synack channel as a {@link SynackSelector} sees it: the operations ready for a key's interest,
 * from the readiness its loop last told it, and the selectors to wake when that changes.
 */
sealed interface Pollable
    permits SynackSocketChannel, SynackServerSocketChannel, SynackDatagramChannel {
  /** Returns the operations of {@code interestOps} that are ready now. */
  int readyOps(int interestOps);

  /** Hands {@code key} to its selector whenever the channel's readiness may have changed. */
  void addKey(SynackSelectionKey key);

  /** Stops handing {@code key} over. */
  void removeKey(SynackSelectionKey key);
}
