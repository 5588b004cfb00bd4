package dev.synack.nio;

import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.Channel;

/**
 * What a channel's blocked call does when its thread is interrupted. {@code Thread.interrupt()}
 * sets the status (waking the wait) before it runs the channel's interruptor, which closes the
 * channel; the woken call must not reach {@code end()} before that, or {@code end()} would see
 * neither the interrupt nor the close. So it waits, briefly, for the close, as the JDK's own
 * channels retry their poll until the channel is closed.
 */
final class Interrupts {
  /** The longest wait for the interruptor: it runs at once on the interrupting thread. */
  private static final long MAX_WAIT_NANOS = 1_000_000_000L;

  private Interrupts() {}

  /**
   * Restores the interrupt status, waits for {@code ch} to close, and returns the exception to
   * throw; {@code end()} then throws {@link java.nio.channels.ClosedByInterruptException} in its
   * place.
   */
  static AsynchronousCloseException closedByInterrupt(Channel ch) {
    Thread.currentThread().interrupt();
    long deadline = System.nanoTime() + MAX_WAIT_NANOS;
    while (ch.isOpen() && System.nanoTime() < deadline) Thread.onSpinWait();
    return new AsynchronousCloseException();
  }
}
