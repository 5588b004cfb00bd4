package dev.synack.nio;

import static java.net.StandardSocketOptions.SO_RCVBUF;
import static java.net.StandardSocketOptions.SO_REUSEADDR;
import static java.net.StandardSocketOptions.SO_REUSEPORT;

import dev.synack.runtime.EventLoop;
import dev.synack.runtime.Signal;
import dev.synack.stack.Connection;
import dev.synack.stack.BindOptions;
import dev.synack.stack.Host;
import dev.synack.stack.Listener;
import dev.synack.stack.Readiness;
import dev.synack.tcp.TcpConfig;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.net.SocketTimeoutException;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NotYetBoundException;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.Objects;
import java.util.Set;

/**
 * A {@link ServerSocketChannel} on a synack host: a {@link Listener} whose accepted connections
 * become {@link SynackSocketChannel}s on the same host, whatever thread accepts them. Port 0
 * takes a free port from the host's ephemeral range, as the JDK's does.
 */
final class SynackServerSocketChannel extends ServerSocketChannel implements Pollable {
  private static final Set<SocketOption<?>> OPTIONS = Set.of(SO_RCVBUF, SO_REUSEADDR, SO_REUSEPORT);
  /** The JDK's backlog when none is given (ServerSocket's default). */
  private static final int DEFAULT_BACKLOG = 50;

  private final EventLoop loop;
  private final Host host;
  private final ReadinessCell cell = new ReadinessCell();
  private final Object lock = new Object();
  private final Object acceptLock = new Object();
  /** Set once bound, on the loop thread. */
  private volatile Listener listener;
  private volatile Signal signal;
  private boolean reuseAddress = true;
  /** SO_REUSEPORT: listeners on one address and port that all set it share new connections ({@link dev.synack.stack.BindOptions}). */
  private boolean reusePort;
  private int receiveBuffer;
  /** How long the {@link #socket()} adaptor's accept waits, 0 forever. */
  volatile int acceptTimeoutMillis;
  private ServerSocket adaptor;

  SynackServerSocketChannel(SelectorProvider provider, EventLoop loop, Host host) {
    super(provider);
    this.loop = loop;
    this.host = host;
  }

  @Override
  public ServerSocketChannel bind(SocketAddress local, int backlog) throws IOException {
    synchronized (lock) {
      ensureOpen();
      if (listener != null) throw new AlreadyBoundException();
      InetSocketAddress isa = local == null ? new InetSocketAddress(0) : SocketAddresses.check(local);
      InetAddress address = isa.getAddress().isAnyLocalAddress() ? null : isa.getAddress();
      int queue = backlog < 1 ? DEFAULT_BACKLOG : backlog;
      TcpConfig tcp = receiveBuffer > 0 ? host.config().tcp().withBuffers(receiveBuffer, host.config().tcp().sendBuffer())
          : host.config().tcp();
      BindOptions bind = new BindOptions(reuseAddress, reusePort);
      Listener l = loop.call(now -> {
        if (address != null && !host.addresses().contains(address)) return null;
        Listener opened = isa.getPort() != 0 ? tryListen(address, isa.getPort(), queue, tcp, bind)
            : listenOnFreePort(address, queue, tcp, bind);
        if (opened != null) {
          signal = EventLoop.signalOf(opened);
          signal.register(cell, Readiness.ALL);
          cell.ready(opened.readiness());
        }
        return opened;
      });
      if (l == null) {
        throw new BindException(address != null && isa.getPort() != 0 ? "Address already in use or not assignable: " + isa
            : "Cannot bind " + isa);
      }
      listener = l;
    }
    return this;
  }

  private Listener tryListen(InetAddress address, int port, int backlog, TcpConfig tcp, BindOptions bind) {
    try {
      return host.listen(address, port, backlog, tcp, bind);
    } catch (IllegalStateException inUse) {
      return null;
    }
  }

  /** Listens on the first free port of the host's ephemeral range, starting at a point that moves. */
  private Listener listenOnFreePort(InetAddress address, int backlog, TcpConfig tcp, BindOptions bind) {
    int low = host.config().ephemeralPortLow();
    int span = host.config().ephemeralPortHigh() - low + 1;
    int start = Math.floorMod(System.identityHashCode(this), span);
    for (int i = 0; i < span; i++) {
      Listener l = tryListen(address, low + (start + i) % span, backlog, tcp, bind);
      if (l != null) return l;
    }
    return null;
  }

  @Override
  public SocketChannel accept() throws IOException {
    synchronized (acceptLock) {
      ensureOpen();
      Listener l = listener;
      if (l == null) throw new NotYetBoundException();
      boolean blocking = isBlocking();
      int timeout = acceptTimeoutMillis;
      long deadline = blocking && timeout > 0 ? System.nanoTime() + timeout * 1_000_000L : Long.MAX_VALUE;
      boolean completed = false;
      SocketChannel accepted = null;
      try {
        begin();
        while (true) {
          Object[] out = new Object[1];
          // Uninterruptible: a connection taken off the queue must not be lost on the way.
          long version = loop.callUninterruptibly(now -> {
            Connection c = l.accept();
            if (c != null) out[0] = new SynackSocketChannel(provider(), loop, host, c);
            cell.ready(l.readiness());
            return signal.version();
          });
          if (out[0] != null) {
            accepted = (SocketChannel) out[0];
            completed = true;
            return accepted;
          }
          if (!blocking) return null;
          if (!isOpen()) throw new AsynchronousCloseException();
          try {
            if (!signal.awaitChange(version, deadline)) throw new SocketTimeoutException("Accept timed out");
          } catch (InterruptedException e) {
            throw Interrupts.closedByInterrupt(this);
          }
        }
      } finally {
        try {
          end(completed);
        } catch (IOException interruptedOrClosed) {
          // Interrupted or closed as the connection arrived: it goes, as it would with the JDK's.
          if (accepted != null) accepted.close();
          throw interruptedOrClosed;
        }
      }
    }
  }

  @Override
  public <T> ServerSocketChannel setOption(SocketOption<T> name, T value) throws IOException {
    Objects.requireNonNull(name, "name");
    if (!OPTIONS.contains(name)) throw new UnsupportedOperationException("'" + name + "' not supported");
    if (!name.type().isInstance(value)) throw new IllegalArgumentException("Invalid value '" + value + "'");
    synchronized (lock) {
      ensureOpen();
      if (name == SO_RCVBUF) {
        int bytes = (Integer) value;
        if (bytes <= 0) throw new IllegalArgumentException("Invalid " + name + " size: " + bytes);
        receiveBuffer = bytes; // for the connections accepted after the bind
      } else if (name == SO_REUSEPORT) {
        reusePort = (Boolean) value; // read at the bind, as Linux's
      } else {
        reuseAddress = (Boolean) value;
      }
    }
    return this;
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> T getOption(SocketOption<T> name) throws IOException {
    Objects.requireNonNull(name, "name");
    if (!OPTIONS.contains(name)) throw new UnsupportedOperationException("'" + name + "' not supported");
    synchronized (lock) {
      ensureOpen();
      if (name == SO_REUSEADDR) return (T) (Boolean) reuseAddress;
      if (name == SO_REUSEPORT) return (T) (Boolean) reusePort;
      Listener l = listener;
      return (T) (Integer) (l != null ? l.tcp().receiveBuffer() : receiveBuffer > 0 ? receiveBuffer : host.config().tcp().receiveBuffer());
    }
  }

  @Override
  public Set<SocketOption<?>> supportedOptions() {
    return OPTIONS;
  }

  @Override
  public InetSocketAddress getLocalAddress() throws IOException {
    ensureOpen();
    return localAddress();
  }

  /** Returns the bound address, the wildcard for every address of the host, or null before the bind. */
  InetSocketAddress localAddress() {
    Listener l = listener;
    if (l == null) return null;
    return l.address() == null ? new InetSocketAddress(l.port()) : new InetSocketAddress(l.address(), l.port());
  }

  @Override
  public ServerSocket socket() {
    synchronized (lock) {
      if (adaptor == null) adaptor = ServerSocketAdaptor.of(this);
      return adaptor;
    }
  }

  @Override
  public int readyOps(int interestOps) {
    if (listener == null) return 0;
    int r = cell.get();
    return (interestOps & SelectionKey.OP_ACCEPT) != 0 && (r & (Readiness.ACCEPTABLE | Readiness.HANGUP)) != 0
        ? SelectionKey.OP_ACCEPT : 0;
  }

  @Override
  public void addKey(SynackSelectionKey key) {
    cell.add(key);
  }

  @Override
  public void removeKey(SynackSelectionKey key) {
    cell.remove(key);
  }

  @Override
  protected void implCloseSelectableChannel() {
    Listener l = listener;
    Signal s = signal;
    if (l == null) return;
    loop.execute(now -> {
      s.unregister(cell);
      l.close(now);
    });
    s.bump(); // a blocked accept wakes and sees the channel closed
  }

  @Override
  protected void implConfigureBlocking(boolean block) {
    // Each accept reads isBlocking() when it starts.
  }

  private void ensureOpen() throws ClosedChannelException {
    if (!isOpen()) throw new ClosedChannelException();
  }

  @Override
  public String toString() {
    return "SynackServerSocketChannel[" + (!isOpen() ? "closed" : listener == null ? "unbound" : localAddress()) + "]";
  }
}
