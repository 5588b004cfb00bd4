package dev.synack.nio;

import dev.synack.runtime.EventLoop;
import dev.synack.runtime.Signal;
import java.io.IOException;
import java.net.SocketOption;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.Channel;
import java.nio.channels.ClosedChannelException;
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
   * Long#MAX_VALUE}: no limit), as a blocked call of {@code ch} on {@code loop}: a close before or
   * during the wait ends it with {@link AsynchronousCloseException}, an interrupt as {@link
   * Interrupts#closedByInterrupt} says, the deadline with {@code timedOut} as the message. A loop
   * that stops (its stack closed) wakes the wait through the signal ({@link #watch}) and closes the
   * channel under the call: {@link AsynchronousCloseException} too, as the JDK's channel closed by
   * another thread.
   */
  static void await(
      Channel ch, EventLoop loop, Signal signal, long version, long deadline, String timedOut)
      throws IOException {
    if (!ch.isOpen()) throw new AsynchronousCloseException();
    if (!loop.isRunning()) throw closedUnder(ch);
    try {
      if (!signal.awaitChange(version, deadline)) throw new SocketTimeoutException(timedOut);
    } catch (InterruptedException e) {
      throw Interrupts.closedByInterrupt(ch);
    }
    if (!ch.isOpen()) throw new AsynchronousCloseException();
    if (!loop.isRunning()) throw closedUnder(ch);
  }

  /**
   * Checks, as a call on {@code ch} starts, that the channel is open and its {@code loop} running:
   * a channel whose stack was closed (its loop stopped) is closed with it, and the call throws the
   * {@link ClosedChannelException} a JDK channel closed before the call throws, blocking or not
   * (never the loop's {@code SocketException}: a non-blocking call has no wait for the stack's
   * close to end).
   */
  static void ensureOpen(Channel ch, EventLoop loop) throws ClosedChannelException {
    if (!ch.isOpen()) throw new ClosedChannelException();
    if (!loop.isRunning()) {
      closeQuietly(ch);
      throw new ClosedChannelException();
    }
  }

  /**
   * Returns what a call on {@code ch} throws when its call to {@code loop} failed with {@code e}:
   * the channel closed under the call ({@link #closedUnder}) when the loop has stopped meanwhile
   * (the caller's {@code end(false)} then throws {@link AsynchronousCloseException}, as the JDK's
   * channel closed during a call), {@code e} otherwise.
   */
  static IOException stoppedUnder(Channel ch, EventLoop loop, IOException e) {
    return loop.isRunning() ? e : closedUnder(ch);
  }

  private static void closeQuietly(Channel ch) {
    try {
      ch.close();
    } catch (IOException e) {
      // Closing a synack channel does not fail; its state is closed either way.
    }
  }

  /**
   * Closes {@code ch}, whose loop stopped under a blocked call, and returns what the call throws:
   * the stack's close closes its channels, and a call blocked in one ends as the JDK's does when
   * another thread closes the channel.
   */
  static AsynchronousCloseException closedUnder(Channel ch) {
    closeQuietly(ch);
    return new AsynchronousCloseException();
  }

  /**
   * Has {@code loop} tell {@code signal} every readiness when it stops, for the channel's whole
   * life (until {@link #unwatch}): a call blocked on the signal wakes, and a selector that waits
   * finds the channel's keys ready (as the JDK's epoll selector reports every interest of a socket
   * with POLLHUP or POLLERR), so neither is left waiting on a stack that is gone. On the loop
   * thread, when the channel takes its connection, listener or endpoint.
   */
  static void watch(EventLoop loop, Signal signal) {
    try {
      loop.blocking(signal);
    } catch (IOException stopped) {
      // Only a running loop makes the calls that get here; a stopped one has nothing to wake.
    }
  }

  /** Ends {@link #watch}; any thread, once, when the channel closes. */
  static void unwatch(EventLoop loop, Signal signal) {
    loop.unblocked(signal);
  }
}
