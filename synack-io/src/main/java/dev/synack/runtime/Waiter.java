package dev.synack.runtime;

/**
 * Something that waits on the readiness of connections or listeners (a selector, a relay), as an
 * entry of gVisor's {@code waiter.Queue}: registered on their {@link Signal} with a mask of {@link
 * dev.synack.stack.Readiness} bits, it is told after each turn of the loop in which one of them had
 * events and its readiness intersects the mask.
 */
@FunctionalInterface
public interface Waiter {
  /**
   * Takes the new readiness of a connection or listener it registered on. Called on the loop
   * thread: it must not block, nor call into the loop.
   */
  void ready(int readiness);
}
