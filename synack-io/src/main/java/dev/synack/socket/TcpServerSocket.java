package dev.synack.socket;

import dev.synack.runtime.EventLoop;
import dev.synack.runtime.Signal;
import dev.synack.runtime.Stack;
import dev.synack.stack.BindOptions;
import dev.synack.stack.Connection;
import dev.synack.stack.Host;
import dev.synack.stack.Listener;
import dev.synack.stack.Readiness;
import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * A listening port of a synack host, used like {@code java.net.ServerSocket}: {@link #accept()}
 * blocks until a connection has completed its handshake, with an optional timeout.
 *
 * <p>Bound on a {@link Stack} of several loops it listens on every loop, and its one accept queue
 * is fed by all of them: each listener's waiter marks its loop as having connections and bumps one
 * shared signal, and {@code accept} takes from the marked loops in turn, calling on no other.
 */
public final class TcpServerSocket implements Closeable {
  private final EventLoop loop;
  private final Listener listener;
  private final Signal signal;

  /** With a stack of several loops: every loop and its listener, index for index; else null. */
  private final EventLoop[] loops;

  private final Listener[] listeners;

  /** The loop whose listener {@code accept} tries first, so that no loop's queue starves. */
  private int nextLoop;

  /**
   * With several loops: 1 where a loop's listener may hold a connection (its waiter sets it), else
   * 0.
   */
  private final AtomicIntegerArray pending;

  private volatile int soTimeoutMillis;
  private volatile boolean closed;

  private TcpServerSocket(EventLoop loop, Listener listener) {
    this.loop = loop;
    this.listener = listener;
    this.signal = EventLoop.signalOf(listener);
    this.loops = null;
    this.listeners = null;
    this.pending = null;
  }

  private TcpServerSocket(
      EventLoop[] loops, Listener[] listeners, Signal signal, AtomicIntegerArray pending) {
    this.loop = loops[0];
    this.listener = listeners[0];
    this.signal = signal;
    this.loops = loops;
    this.listeners = listeners;
    this.pending = pending;
  }

  /**
   * Listens on {@code port} on every loop of {@code stack}.
   *
   * @param address the local address, or null for all the stack's addresses
   * @param backlog the queue length of each loop's listener (capped by somaxconn)
   * @throws BindException when the port is taken on any loop
   */
  public static TcpServerSocket bind(Stack stack, InetAddress address, int port, int backlog)
      throws IOException {
    return bind(stack, address, port, backlog, BindOptions.DEFAULT);
  }

  /**
   * Listens on {@code port} on every loop of {@code stack}, sharing the port as {@code bind} says
   * ({@code SO_REUSEADDR}, {@code SO_REUSEPORT}: several server sockets with it on one port share
   * the new connections by their 4-tuple's hash, as Linux's reuseport groups).
   *
   * @throws BindException when the port is taken on any loop
   */
  public static TcpServerSocket bind(
      Stack stack, InetAddress address, int port, int backlog, BindOptions bind)
      throws IOException {
    int n = stack.loopCount();
    if (n == 1) return bind(stack.loop(0), stack.loop(0).host(), address, port, backlog, bind);
    Signal shared = new Signal();
    EventLoop[] loops = new EventLoop[n];
    Listener[] listeners = new Listener[n];
    AtomicIntegerArray pending = new AtomicIntegerArray(n);
    try {
      for (int i = 0; i < n; i++) {
        Host host = stack.loop(i).host();
        loops[i] = stack.loop(i);
        int index = i;
        pending.set(i, 1);
        Signal own = new Signal();
        // Told on loop i after each turn with events of its listener: marked first, then the bump
        // that ends a wait.
        own.register(
            readiness -> {
              pending.set(index, 1);
              shared.bump();
            },
            Readiness.ALL);
        listeners[i] =
            loops[i].call(
                now -> {
                  Listener listening =
                      host.listen(address, port, backlog, host.config().tcp(), bind);
                  listening.attach(own); // before any event can make another signal for it
                  return listening;
                });
      }
    } catch (IOException | RuntimeException e) {
      for (int i = 0; i < n && listeners[i] != null; i++) {
        Listener l = listeners[i];
        loops[i].execute(now -> l.close(now));
      }
      if (e instanceof IllegalStateException) throw new BindException(e.getMessage());
      throw e;
    }
    return new TcpServerSocket(loops, listeners, shared, pending);
  }

  /**
   * Listens on {@code port} of {@code host} (passive OPEN).
   *
   * @param address the local address, or null for all the host's addresses
   * @param backlog the queue length for connections in and after the handshake (capped by
   *     somaxconn)
   * @throws BindException when the port is taken
   */
  public static TcpServerSocket bind(
      EventLoop loop, Host host, InetAddress address, int port, int backlog) throws IOException {
    return bind(loop, host, address, port, backlog, BindOptions.DEFAULT);
  }

  /**
   * Listens on {@code port} of {@code host}, sharing the port as {@code bind} says.
   *
   * @throws BindException when the port is taken
   */
  public static TcpServerSocket bind(
      EventLoop loop, Host host, InetAddress address, int port, int backlog, BindOptions bind)
      throws IOException {
    try {
      Listener l =
          loop.call(
              now -> {
                Listener listening = host.listen(address, port, backlog, host.config().tcp(), bind);
                EventLoop.signalOf(
                    listening); // made on the loop thread, before any event can bump it
                return listening;
              });
      return new TcpServerSocket(loop, l);
    } catch (IllegalStateException e) {
      throw new BindException(e.getMessage());
    }
  }

  /** Returns the listening port. */
  public int port() {
    return listener.port();
  }

  /**
   * Sets the Fast Open queue length, Linux's {@code setsockopt(TCP_FASTOPEN, qlen)}: how many
   * connections opened with data on their SYN (RFC 7413) may be in the handshake at once; 0 takes
   * none. The host's mode must have server Fast Open on ({@code Host.setFastOpen}). A connection
   * accepted so may still be in SYN-RECEIVED, its first data readable.
   */
  public void setFastOpenQueueLength(int length) throws IOException {
    if (length < 0)
      throw new IllegalArgumentException("fast open queue length is negative: " + length);
    loop.call(
        now -> {
          listener.setFastOpenQueueLength(length);
          return null;
        });
  }

  /** Sets how long {@link #accept()} waits (0: forever). */
  public void setSoTimeout(int millis) {
    if (millis < 0) throw new IllegalArgumentException("timeout must not be negative: " + millis);
    this.soTimeoutMillis = millis;
  }

  /** Waits for an established connection and returns it as a socket. */
  public TcpSocket accept() throws IOException {
    if (closed) throw new SocketException("Socket is closed");
    if (loops != null) return acceptOnAnyLoop();
    // Boolean.FALSE stands for "closed meanwhile", which ends the wait like a connection does.
    Object result =
        Blocking.await(
            loop,
            signal,
            soTimeoutMillis,
            "accept",
            now -> {
              if (listener.isClosed()) return false;
              Connection accepted = listener.accept();
              // Made on the loop, where the connection's events are dispatched; see
              // TcpSocket.connect.
              if (accepted != null) EventLoop.signalOf(accepted);
              return (Object) accepted;
            });
    if (!(result instanceof Connection c)) throw new SocketException("Socket is closed");
    return new TcpSocket(loop, c);
  }

  /**
   * Takes a connection from whichever loop has one, each loop first in turn; waits on the shared
   * signal, read before the tries, so that a connection queued during them ends the wait.
   */
  private TcpSocket acceptOnAnyLoop() throws IOException {
    long timeout = soTimeoutMillis;
    long deadline = timeout <= 0 ? Long.MAX_VALUE : System.nanoTime() + timeout * 1_000_000L;
    while (true) {
      if (closed) throw new SocketException("Socket is closed");
      long seen = signal.version();
      int first;
      synchronized (this) {
        first = nextLoop;
        nextLoop = (nextLoop + 1) % loops.length;
      }
      for (int k = 0; k < loops.length; k++) {
        int i = (first + k) % loops.length;
        if (!pending.compareAndSet(i, 1, 0))
          continue; // nothing arrived there since it was last found empty
        Listener l = listeners[i];
        Object result =
            loops[i].callUninterruptibly(
                now -> {
                  if (l.isClosed()) return false;
                  Connection accepted = l.accept();
                  if (accepted != null) EventLoop.signalOf(accepted);
                  return (Object) accepted;
                });
        if (result instanceof Connection c) {
          pending.set(i, 1); // more may wait behind it
          return new TcpSocket(loops[i], c);
        }
        if (Boolean.FALSE.equals(result) || closed) throw new SocketException("Socket is closed");
      }
      try {
        if (!signal.awaitChange(seen, deadline)) {
          throw new SocketTimeoutException("accept timed out after " + timeout + " ms");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("accept interrupted");
      }
    }
  }

  /** Stops listening; connections not yet accepted are reset. */
  @Override
  public void close() throws IOException {
    if (closed) return;
    closed = true;
    if (loops != null) {
      for (int i = 0; i < loops.length; i++) {
        Listener l = listeners[i];
        loops[i].call(
            now -> {
              l.close(now);
              return null;
            });
      }
      signal.bump();
      return;
    }
    loop.call(
        now -> {
          listener.close(now);
          return null;
        });
    signal.bump();
  }
}
