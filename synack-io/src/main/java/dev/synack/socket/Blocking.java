package dev.synack.socket;

import dev.synack.runtime.EventLoop;
import dev.synack.runtime.Signal;
import dev.synack.tcp.TcpError;
import dev.synack.tcp.TcpException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.function.LongFunction;

/**
 * The one way a socket waits: try an operation on the loop thread; if it cannot go on yet, wait for
 * the connection's or listener's signal to change, and try again.
 */
public final class Blocking {
  private Blocking() {}

  /** The outcome of one try: a value, or the signal version to wait past. */
  private record Attempt<T>(T value, long version) {}

  /**
   * Runs {@code attempt} on the loop until it returns non-null, waiting on {@code signal} between
   * tries, until {@code timeoutMillis} (0: forever) passes.
   */
  static <T> T await(
      EventLoop loop, Signal signal, long timeoutMillis, String what, LongFunction<T> attempt)
      throws IOException {
    long deadline =
        timeoutMillis <= 0 ? Long.MAX_VALUE : System.nanoTime() + timeoutMillis * 1_000_000L;
    // A loop that stops meanwhile bumps the signal: the next try finds it stopped and throws.
    loop.blocking(signal);
    try {
      return awaitBlocking(loop, signal, timeoutMillis, deadline, what, attempt);
    } finally {
      loop.unblocked(signal);
    }
  }

  private static <T> T awaitBlocking(
      EventLoop loop,
      Signal signal,
      long timeoutMillis,
      long deadline,
      String what,
      LongFunction<T> attempt)
      throws IOException {
    while (true) {
      Attempt<T> a;
      try {
        a =
            loop.call(
                now -> {
                  T v = attempt.apply(now);
                  return new Attempt<>(v, v == null ? signal.version() : 0);
                });
      } catch (TcpException e) {
        throw toIoException(e);
      }
      if (a.value() != null) return a.value();
      try {
        if (!signal.awaitChange(a.version(), deadline)) {
          throw new SocketTimeoutException(what + " timed out after " + timeoutMillis + " ms");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException(what + " interrupted");
      }
    }
  }

  /**
   * Runs {@code attempt} on the loop until it returns non-null, as {@link #await}, but the loop
   * itself tries again after each event of the connection and wakes the caller once, with the
   * outcome ({@link LoopWait}): for attempts that only call the connection.
   */
  static <T> T awaitOnLoop(
      EventLoop loop, Signal signal, long timeoutMillis, String what, LongFunction<T> attempt)
      throws IOException {
    try {
      return LoopWait.await(loop, signal, timeoutMillis, what, attempt);
    } catch (TcpException e) {
      throw toIoException(e);
    }
  }

  /** Runs a call on the loop, turning the engine's errors into {@code java.net} exceptions. */
  static <T> T call(EventLoop loop, LongFunction<T> task) throws IOException {
    try {
      return loop.call(task);
    } catch (TcpException e) {
      throw toIoException(e);
    }
  }

  /** Returns the {@code java.net} exception a Java programmer expects for an RFC 9293 error. */
  static IOException toIoException(TcpException e) {
    return toIoException(e.error());
  }

  /** Returns the {@code java.net} exception a Java programmer expects for an RFC 9293 error. */
  public static IOException toIoException(TcpError error) {
    return switch (error) {
      case CONNECTION_REFUSED -> new ConnectException("Connection refused");
      case CONNECTION_RESET -> new SocketException("Connection reset");
      case CONNECTION_ABORTED_USER_TIMEOUT, CONNECTION_TIMED_OUT ->
          new ConnectException("Connection timed out");
      case CONNECTION_ABORTED -> new SocketException("Connection aborted");
      // As the JDK maps EHOSTUNREACH and ENETUNREACH (sun.nio.ch.Net): only the first has its own
      // class.
      case HOST_UNREACHABLE -> new NoRouteToHostException("No route to host");
      case NETWORK_UNREACHABLE -> new SocketException("Network is unreachable");
      case CONNECTION_CLOSING -> new SocketException("Socket output is shut down");
      default -> new SocketException(error.toString());
    };
  }
}
