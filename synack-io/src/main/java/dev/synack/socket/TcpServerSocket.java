package dev.synack.socket;

import dev.synack.runtime.EventLoop;
import dev.synack.runtime.Signal;
import dev.synack.stack.Connection;
import dev.synack.stack.Host;
import dev.synack.stack.Listener;
import java.io.Closeable;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.SocketException;

/**
 * A listening port of a synack host, used like {@code java.net.ServerSocket}: {@link #accept()}
 * blocks until a connection has completed its handshake, with an optional timeout.
 */
public final class TcpServerSocket implements Closeable {
  private final EventLoop loop;
  private final Listener listener;
  private final Signal signal;
  private volatile int soTimeoutMillis;
  private volatile boolean closed;

  private TcpServerSocket(EventLoop loop, Listener listener) {
    this.loop = loop;
    this.listener = listener;
    this.signal = EventLoop.signalOf(listener);
  }

  /**
   * Listens on {@code port} of {@code host} (passive OPEN).
   *
   * @param address the local address, or null for all the host's addresses
   * @param backlog the queue length for connections in and after the handshake (capped by somaxconn)
   * @throws BindException when the port is taken
   */
  public static TcpServerSocket bind(EventLoop loop, Host host, InetAddress address, int port, int backlog)
      throws IOException {
    try {
      Listener l = loop.call(now -> {
        Listener listening = host.listen(address, port, backlog);
        EventLoop.signalOf(listening); // made on the loop thread, before any event can bump it
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
    if (length < 0) throw new IllegalArgumentException("fast open queue length is negative: " + length);
    loop.call(now -> {
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
    // Boolean.FALSE stands for "closed meanwhile", which ends the wait like a connection does.
    Object result = Blocking.await(loop, signal, soTimeoutMillis, "accept", now -> {
      if (listener.isClosed()) return Boolean.FALSE;
      Connection accepted = listener.accept();
      // Made on the loop, where the connection's events are dispatched; see TcpSocket.connect.
      if (accepted != null) EventLoop.signalOf(accepted);
      return (Object) accepted;
    });
    if (!(result instanceof Connection c)) throw new SocketException("Socket is closed");
    return new TcpSocket(loop, c);
  }

  /** Stops listening; connections not yet accepted are reset. */
  @Override
  public void close() throws IOException {
    if (closed) return;
    closed = true;
    loop.call(now -> {
      listener.close(now);
      return null;
    });
    signal.bump();
  }
}
