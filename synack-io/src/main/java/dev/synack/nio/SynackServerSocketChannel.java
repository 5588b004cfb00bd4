package dev.synack.nio;

import static java.net.StandardSocketOptions.SO_RCVBUF;
import static java.net.StandardSocketOptions.SO_REUSEADDR;
import static java.net.StandardSocketOptions.SO_REUSEPORT;

import dev.synack.runtime.EventLoop;
import dev.synack.runtime.Signal;
import dev.synack.stack.BindOptions;
import dev.synack.stack.Connection;
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
import java.util.Set;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * A {@link ServerSocketChannel} on a synack host: a {@link Listener} whose accepted connections
 * become {@link SynackSocketChannel}s on the same host, whatever thread accepts them. Port 0 takes
 * a free port from the host's ephemeral range, as the JDK's does.
 *
 * <p>On a stack of several loops it listens on every loop, as {@code TcpServerSocket} does: each
 * listener's waiter records its readiness and bumps one shared signal, the channel is acceptable
 * when any listener is, and {@code accept} takes from each loop in turn.
 */
final class SynackServerSocketChannel extends ServerSocketChannel implements Pollable {
  private static final Set<SocketOption<?>> OPTIONS = Set.of(SO_RCVBUF, SO_REUSEADDR, SO_REUSEPORT);

  /** The JDK's backlog when none is given (ServerSocket's default). */
  private static final int DEFAULT_BACKLOG = 50;

  private final HostScope.Binding scope;

  /** The first loop and its host: their settings are every loop's. */
  private final EventLoop loop;

  private final Host host;
  private final ReadinessCell cell = new ReadinessCell();
  private final Object lock = new Object();
  private final Object acceptLock = new Object();

  /**
   * Set once bound: the first loop's listener, and every loop's, index for index with the scope's
   * loops.
   */
  private volatile Listener listener;

  private volatile Listener[] listeners;

  /** Each listener's last readiness, written on its loop; the channel's is their union. */
  private final AtomicIntegerArray masks;

  /** Bumped by every listener's waiter and by close: what a blocked accept waits on. */
  private final Signal signal = new Signal();

  /**
   * The loop whose listener accept tries first, so that no loop's queue starves; under acceptLock.
   */
  private int nextLoop;

  private boolean reuseAddress = true;

  /**
   * SO_REUSEPORT: listeners on one address and port that all set it share new connections ({@link
   * dev.synack.stack.BindOptions}).
   */
  private boolean reusePort;

  private int receiveBuffer;

  /** How long the {@link #socket()} adaptor's accept waits, 0 forever. */
  volatile int acceptTimeoutMillis;

  private ServerSocket adaptor;

  SynackServerSocketChannel(SelectorProvider provider, HostScope.Binding scope) {
    super(provider);
    this.scope = scope;
    this.loop = scope.loop();
    this.host = scope.host();
    this.masks = new AtomicIntegerArray(scope.loopCount());
  }

  @Override
  public ServerSocketChannel bind(SocketAddress local, int backlog) throws IOException {
    synchronized (lock) {
      ensureOpen();
      if (listener != null) throw new AlreadyBoundException();
      InetSocketAddress isa =
          local == null ? new InetSocketAddress(0) : SocketAddresses.check(local);
      InetAddress address = isa.getAddress().isAnyLocalAddress() ? null : isa.getAddress();
      int queue = backlog < 1 ? DEFAULT_BACKLOG : backlog;
      TcpConfig tcp =
          receiveBuffer > 0
              ? host.config().tcp().withBuffers(receiveBuffer, host.config().tcp().sendBuffer())
              : host.config().tcp();
      BindOptions bind = new BindOptions(reuseAddress, reusePort);
      Listener[] opened = null;
      // Port 0 on several loops: the first loop's free port, unless another loop has it; then the
      // next.
      for (int attempt = 0; attempt < 16 && opened == null; attempt++) {
        Listener first =
            loop.call(
                now -> {
                  if (address != null && !host.addresses().contains(address)) return null;
                  return isa.getPort() != 0
                      ? tryListen(host, address, isa.getPort(), queue, tcp, bind)
                      : listenOnFreePort(address, queue, tcp, bind);
                });
        if (first == null) break;
        opened = listenOnOtherLoops(first, address, queue, tcp, bind);
        if (isa.getPort() != 0) break;
      }
      if (opened == null) {
        throw new BindException(
            address != null && isa.getPort() != 0
                ? "Address already in use or not assignable: " + isa
                : "Cannot bind " + isa);
      }
      listeners = opened;
      listener = opened[0];
    }
    return this;
  }

  /**
   * Listens on the first listener's port on every other loop and registers each listener's waiter;
   * returns every loop's listener, or null (the first closed too) when a loop has the port.
   */
  private Listener[] listenOnOtherLoops(
      Listener first, InetAddress address, int backlog, TcpConfig tcp, BindOptions bind)
      throws IOException {
    int n = scope.loopCount();
    Listener[] all = new Listener[n];
    all[0] = first;
    for (int i = 1; i < n; i++) {
      HostScope.Binding b = scope.at(i);
      all[i] = b.loop().call(now -> tryListen(b.host(), address, first.port(), backlog, tcp, bind));
      if (all[i] == null) {
        for (int k = 0; k < i; k++) {
          Listener l = all[k];
          scope.at(k).loop().execute(now -> l.close(now));
        }
        return null;
      }
    }
    for (int i = 0; i < n; i++) {
      int index = i;
      Listener l = all[i];
      scope
          .at(i)
          .loop()
          .call(
              now -> {
                Signal ls = EventLoop.signalOf(l);
                ls.register(readiness -> listenerReady(index, readiness), Readiness.ALL);
                // A stack closed under the channel wakes a blocked accept and the selectors.
                ChannelCalls.watch(scope.at(index).loop(), ls);
                listenerReady(index, l.readiness());
                return null;
              });
    }
    return all;
  }

  /**
   * Records listener {@code i}'s readiness (on its loop); wakes selectors if a bit came on, and
   * blocked accepts.
   */
  private void listenerReady(int i, int readiness) {
    int old = masks.getAndSet(i, readiness);
    if ((readiness & ~old) != 0) cell.wakeSelectors();
    signal.bump();
  }

  /** Returns the union of the listeners' readiness. */
  private int readiness() {
    int r = 0;
    for (int i = 0; i < masks.length(); i++) r |= masks.get(i);
    return r;
  }

  private static Listener tryListen(
      Host host, InetAddress address, int port, int backlog, TcpConfig tcp, BindOptions bind) {
    try {
      return host.listen(address, port, backlog, tcp, bind);
    } catch (IllegalStateException inUse) {
      return null;
    }
  }

  /**
   * Listens on the first free port of the host's ephemeral range, starting at a point that moves.
   */
  private Listener listenOnFreePort(
      InetAddress address, int backlog, TcpConfig tcp, BindOptions bind) {
    int low = host.config().ephemeralPortLow();
    int span = host.config().ephemeralPortHigh() - low + 1;
    int start = Math.floorMod(System.identityHashCode(this), span);
    for (int i = 0; i < span; i++) {
      Listener l = tryListen(host, address, low + (start + i) % span, backlog, tcp, bind);
      if (l != null) return l;
    }
    return null;
  }

  @SuppressWarnings(
      "Finally") // an interruption during end() closes the connection just accepted and is
  // rethrown, as the JDK's channel does
  @Override
  public SocketChannel accept() throws IOException {
    synchronized (acceptLock) {
      ensureOpen();
      Listener[] ls = listeners;
      if (ls == null) throw new NotYetBoundException();
      boolean blocking = isBlocking();
      int timeout = acceptTimeoutMillis;
      long deadline =
          blocking && timeout > 0 ? System.nanoTime() + timeout * 1_000_000L : Long.MAX_VALUE;
      boolean completed = false;
      SocketChannel accepted = null;
      try {
        begin();
        while (true) {
          // Read before the tries: a connection queued during them bumps it, and the wait returns
          // at once.
          long version = signal.version();
          accepted = acceptOnce(ls);
          if (accepted != null) {
            completed = true;
            return accepted;
          }
          if (!blocking) return null;
          if (!isOpen()) throw new AsynchronousCloseException();
          if (anyLoopStopped()) throw ChannelCalls.closedUnder(this);
          try {
            if (!signal.awaitChange(version, deadline))
              throw new SocketTimeoutException("Accept timed out");
          } catch (InterruptedException e) {
            throw Interrupts.closedByInterrupt(this);
          }
          if (anyLoopStopped()) throw ChannelCalls.closedUnder(this);
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

  /** Returns whether a loop of the channel's stack has stopped (the stack closed, or failed). */
  private boolean anyLoopStopped() {
    for (int i = 0; i < scope.loopCount(); i++) {
      if (!scope.at(i).loop().isRunning()) return true;
    }
    return false;
  }

  /**
   * Takes a connection from the first loop that has one, starting at each loop in turn; null when
   * none has.
   */
  private SocketChannel acceptOnce(Listener[] ls) throws IOException {
    int first = nextLoop;
    nextLoop = (nextLoop + 1) % ls.length;
    for (int k = 0; k < ls.length; k++) {
      int i = (first + k) % ls.length;
      if ((masks.get(i) & (Readiness.ACCEPTABLE | Readiness.HANGUP)) == 0)
        continue; // its waiter saw nothing to take
      Listener l = ls[i];
      HostScope.Binding on = scope.at(i);
      // Uninterruptible: a connection taken off the queue must not be lost on the way.
      SocketChannel c;
      try {
        c =
            on.loop()
                .callUninterruptibly(
                    now -> {
                      Connection taken = l.accept();
                      SocketChannel ch =
                          taken == null
                              ? null
                              : new SynackSocketChannel(provider(), on.loop(), on.host(), taken);
                      listenerReady(i, l.readiness());
                      return ch;
                    });
      } catch (IOException e) {
        throw ChannelCalls.stoppedUnder(this, on.loop(), e);
      }
      if (c != null) return c;
    }
    return null;
  }

  @Override
  @SuppressWarnings(
      "ReferenceEquality") // socket options are the JDK's singletons, compared by identity as
  // sun.nio.ch does
  public <T> ServerSocketChannel setOption(SocketOption<T> name, T value) throws IOException {
    ChannelCalls.checkSupported(OPTIONS, name);
    if (!name.type().isInstance(value))
      throw new IllegalArgumentException("Invalid value '" + value + "'");
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
  @SuppressWarnings({
    "unchecked",
    "ReferenceEquality"
  }) // socket options are the JDK's singletons, compared by identity as sun.nio.ch does
  public <T> T getOption(SocketOption<T> name) throws IOException {
    ChannelCalls.checkSupported(OPTIONS, name);
    synchronized (lock) {
      ensureOpen();
      if (name == SO_REUSEADDR) return (T) (Boolean) reuseAddress;
      if (name == SO_REUSEPORT) return (T) (Boolean) reusePort;
      Listener l = listener;
      return (T)
          (Integer)
              (l != null
                  ? l.tcp().receiveBuffer()
                  : receiveBuffer > 0 ? receiveBuffer : host.config().tcp().receiveBuffer());
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

  /**
   * Returns the bound address, the wildcard for every address of the host, or null before the bind.
   */
  InetSocketAddress localAddress() {
    Listener l = listener;
    if (l == null) return null;
    return l.address() == null
        ? new InetSocketAddress(l.port())
        : new InetSocketAddress(l.address(), l.port());
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
    int r = readiness();
    return (interestOps & SelectionKey.OP_ACCEPT) != 0
            && (r & (Readiness.ACCEPTABLE | Readiness.HANGUP)) != 0
        ? SelectionKey.OP_ACCEPT
        : 0;
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
    Listener[] ls = listeners;
    if (ls == null) return;
    for (int i = 0; i < ls.length; i++) {
      Listener l = ls[i];
      EventLoop loop = scope.at(i).loop();
      ChannelCalls.unwatch(loop, EventLoop.signalOf(l));
      loop.execute(now -> l.close(now));
    }
    signal.bump(); // a blocked accept wakes and sees the channel closed
  }

  @Override
  protected void implConfigureBlocking(boolean block) {
    // Each accept reads isBlocking() when it starts.
  }

  private void ensureOpen() throws ClosedChannelException {
    for (int i = 0; i < scope.loopCount(); i++) ChannelCalls.ensureOpen(this, scope.at(i).loop());
  }

  @Override
  public String toString() {
    return "SynackServerSocketChannel["
        + (!isOpen() ? "closed" : listener == null ? "unbound" : localAddress())
        + "]";
  }
}
