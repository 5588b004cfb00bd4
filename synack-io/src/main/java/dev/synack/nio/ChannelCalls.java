package dev.synack.nio;

import dev.synack.runtime.Signal;
import java.io.IOException;
import java.net.SocketOption;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.Channel;
import java.util.Objects;
import java.util.Set;

/**
 * The checks and the wait that the stream and datagram channels share, with the JDK's exceptions
 * and messages ({@code sun.nio.ch}'s): scatter arguments, supported options, and a blocked call's
 * wait for its signal.
 */
final class ChannelCalls {
  private ChannelCalls() {}

  /** Checks a scattering read's buffers: the range, and that none is read-only. */
  static void checkScatter(ByteBuffer[] dsts, int offset, int length) {
    Objects.checkFromIndexSize(offset, length, dsts.length);
    for (int i = offset; i < offset + length; i++) {
      if (dsts[i].isReadOnly()) throw new IllegalArgumentException("Read-only buffer");
    }
  }

  /** Returns the bytes remaining in {@code bufs[offset .. offset + length)}. */
  static long remaining(ByteBuffer[] bufs, int offset, int length) {
    long n = 0;
    for (int i = offset; i < offset + length; i++) n += bufs[i].remaining();
    return n;
  }

  /** Checks that {@code name} is not null and one of the channel's {@code supported} options. */
  static void checkSupported(Set<SocketOption<?>> supported, SocketOption<?> name) {
    Objects.requireNonNull(name, "name");
    if (!supported.contains(name))
      throw new UnsupportedOperationException("'" + name + "' not supported");
  }

  /**
   * Waits for {@code signal} to move past {@code version} until {@code deadline} ({@link
   * Long#MAX_VALUE}: no limit), as a blocked call of {@code ch}: a close before or during the wait
   * ends it with {@link AsynchronousCloseException}, an interrupt as {@link
   * Interrupts#closedByInterrupt} says, the deadline with {@code timedOut} as the message.
   */
  static void await(Channel ch, Signal signal, long version, long deadline, String timedOut)
      throws IOException {
    if (!ch.isOpen()) throw new AsynchronousCloseException();
    try {
      if (!signal.awaitChange(version, deadline)) throw new SocketTimeoutException(timedOut);
    } catch (InterruptedException e) {
      throw Interrupts.closedByInterrupt(ch);
    }
    if (!ch.isOpen()) throw new AsynchronousCloseException();
  }
}
