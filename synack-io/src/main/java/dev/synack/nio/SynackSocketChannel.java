package dev.synack.nio;

import dev.synack.runtime.EventLoop;
import dev.synack.runtime.Signal;
import dev.synack.socket.Blocking;
import dev.synack.stack.BindOptions;
import dev.synack.stack.Connection;
import dev.synack.stack.Host;
import dev.synack.stack.Readiness;
import dev.synack.tcp.TcpConfig;
import dev.synack.tcp.TcpError;
import dev.synack.tcp.TcpException;
import dev.synack.tcp.TcpState;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ConnectionPendingException;
import java.nio.channels.NoConnectionPendingException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.LongToIntFunction;

/**
 * A {@link SocketChannel} on a synack host: each call runs on the host's loop, and a blocking call
 * waits on the connection's signal between tries. Follows the JDK's documented behaviour: its
 * exceptions, the socket options below, half-close, interruption and asynchronous close (a blocked
 * thread is woken and gets {@link AsynchronousCloseException} or {@link
 * java.nio.channels.ClosedByInterruptException}).
 *
 * <p>Not as the JDK: {@code shutdownInput} makes reads end without discarding what still arrives
 * (as Linux's {@code SHUT_RD}, it sends nothing); a close with {@code SO_LINGER} above 0 returns at
 * once (the FIN goes on in the background); {@code SO_REUSEADDR} and {@code SO_REUSEPORT} decide,
 * as Linux's {@code bind()}, whether a port a listener, a connection or another bound channel holds
 * may be bound: a bind to a port holds it on every loop's host from then on ({@link
 * Host#reserveBind}), until the connect (whose connection then holds it) or the close. The options
 * and how they map onto the connection: {@link StreamOptions}.
 */
final class SynackSocketChannel extends SocketChannel implements Pollable {
  static final Set<SocketOption<?>> OPTIONS = StreamOptions.SUPPORTED;

  private enum State {
    UNCONNECTED,
    PENDING,
    CONNECTED
  }

  /** The loops the channel may open on: one, or a stack's, one of which the connect picks. */
  private final HostScope.Binding scope;

  /** The loop and host the connection lives on: the scope's first until the connect picks one. */
  private volatile EventLoop loop;

  private volatile Host host;
  private final ReadinessCell cell = new ReadinessCell();
  private final Object readLock = new Object();
  private final Object writeLock = new Object();
  private final Object stateLock = new Object();
  private volatile State state = State.UNCONNECTED;

  /** Set once, on the loop thread, at the connect or the accept. */
  private volatile Connection connection;

  private volatile Signal signal;

  /** The address given to {@link #bind}; guarded by stateLock. */
  private InetSocketAddress bound;

  /** The port holds of a bind, one per loop's host, until the connect or close; stateLock. */
  private final List<Hold> holds = new ArrayList<>(1);

  /** A bind's hold on one loop's host ({@link Host#reserveBind}). */
  private record Hold(HostScope.Binding on, long id) {
    void release() {
      on.loop().execute(now -> on.host().releaseBind(id));
    }
  }

  private volatile boolean inputShutdown;
  private volatile boolean outputShutdown;

  /**
   * Options, set before the connect and applied by it, or set on the connection; guarded by
   * stateLock.
   */
  private final StreamOptions options = new StreamOptions();

  /** How long a read through the {@link #socket()} adaptor's stream waits, 0 forever. */
  volatile int readTimeoutMillis;

  private Socket adaptor;

  /** Opens an unconnected channel on {@code scope}'s loops. */
  SynackSocketChannel(SelectorProvider provider, HostScope.Binding scope) {
    super(provider);
    this.scope = scope;
    this.loop = scope.loop();
    this.host = scope.host();
  }

  /** Wraps a connection a listener accepted; called on the loop thread. */
  SynackSocketChannel(SelectorProvider provider, EventLoop loop, Host host, Connection accepted) {
    this(provider, new HostScope.Binding(loop, host));
    attach(accepted);
    state = State.CONNECTED;
  }

  /** Returns the connection, null before the connect. */
  Connection connection() {
    return connection;
  }

  /** Makes the connection this channel's and registers for its readiness; on the loop thread. */
  private void attach(Connection c) {
    Signal s = EventLoop.signalOf(c);
    s.register(cell, Readiness.ALL);
    ChannelCalls.watch(loop, s); // a stack closed under the channel wakes its calls and selectors
    signal = s;
    connection = c;
    cell.ready(c.readiness());
  }

  // ---------------------------------------------------------------------------------------------
  // Connecting.

  @Override
  public SocketChannel bind(SocketAddress local) throws IOException {
    synchronized (readLock) {
      synchronized (writeLock) {
        synchronized (stateLock) {
          ensureOpen();
          if (state == State.PENDING) throw new ConnectionPendingException();
          if (state == State.CONNECTED) throw new AlreadyConnectedException();
          if (bound != null) throw new AlreadyBoundException();
          InetSocketAddress isa =
              local == null ? new InetSocketAddress(0) : SocketAddresses.check(local);
          if (!isa.getAddress().isAnyLocalAddress()
              && !loop.call(now -> host.addresses().contains(isa.getAddress()))) {
            throw new BindException(
                "Cannot assign requested address: " + isa.getAddress().getHostAddress());
          }
          if (isa.getPort() != 0) {
            // Linux's bind(): a port a listener, a connection or a bound socket holds is refused
            // unless they share it by SO_REUSEADDR / SO_REUSEPORT; it is held from now on, on every
            // loop's host, since the connect may run on any of them.
            InetAddress at = isa.getAddress().isAnyLocalAddress() ? null : isa.getAddress();
            BindOptions sharing = options.bindOptions();
            try {
              for (int i = 0; i < scope.loopCount(); i++) {
                HostScope.Binding on = scope.at(i);
                long id = on.loop().call(now -> on.host().reserveBind(at, isa.getPort(), sharing));
                holds.add(new Hold(on, id));
              }
            } catch (IllegalStateException e) {
              releaseHolds();
              throw new BindException("Address already in use: " + e.getMessage());
            }
          }
          bound = isa;
        }
      }
    }
    return this;
  }

  @Override
  public boolean connect(SocketAddress remote) throws IOException {
    InetSocketAddress isa = SocketAddresses.check(remote);
    synchronized (readLock) {
      synchronized (writeLock) {
        synchronized (stateLock) {
          ensureOpen();
          if (state == State.CONNECTED) throw new AlreadyConnectedException();
          if (state == State.PENDING) throw new ConnectionPendingException();
          InetAddress localAddress =
              bound == null || bound.getAddress().isAnyLocalAddress() ? null : bound.getAddress();
          int localPort = bound == null ? 0 : bound.getPort();
          TcpConfig tcp = tcpConfig();
          BindOptions sharing = options.bindOptions();
          // On a stack of several loops, the loop that owns the flow (RFC 9293 leaves placement to
          // us).
          HostScope.Binding on =
              scope.forConnect(localAddress, localPort, isa.getAddress(), isa.getPort());
          loop = on.loop();
          host = on.host();
          // The connection holds the port from now on: the bind's hold on its host goes in the
          // same turn of the loop, the others' after it.
          Hold own = holds.stream().filter(h -> h.on().host() == host).findFirst().orElse(null);
          try {
            loop.call(
                now -> {
                  if (own != null) host.releaseBind(own.id());
                  Connection opened =
                      host.connect(
                          localAddress,
                          localPort,
                          isa.getAddress(),
                          isa.getPort(),
                          tcp,
                          sharing,
                          now);
                  applyOptions(opened, now);
                  attach(opened);
                  return opened;
                });
          } catch (IllegalStateException e) {
            if (own != null) {
              // The connect failed: the bind holds its port again, as a failed connect() leaves
              // a Linux socket bound.
              holds.remove(own);
              try {
                long id = loop.call(now -> host.reserveBind(localAddress, localPort, sharing));
                holds.add(new Hold(own.on(), id));
              } catch (IllegalStateException again) {
                // Taken meanwhile: the channel stays bound by name only.
              }
            }
            throw new BindException(e.getMessage());
          } catch (IOException e) {
            throw ChannelCalls.stoppedUnder(this, loop, e);
          }
          releaseHolds();
          state = State.PENDING;
        }
        // The handshake needs a round trip, so a non-blocking connect never completes at once.
        return isBlocking() && awaitConnected(true);
      }
    }
  }

  @Override
  public boolean finishConnect() throws IOException {
    synchronized (readLock) {
      synchronized (writeLock) {
        ensureOpen();
        if (state == State.CONNECTED) return true;
        if (state != State.PENDING) throw new NoConnectionPendingException();
        return awaitConnected(isBlocking());
      }
    }
  }

  /**
   * Returns whether the handshake completed, waiting for it when {@code blocking}; a failure closes
   * the channel, as the JDK's.
   */
  private boolean awaitConnected(boolean blocking) throws IOException {
    Connection c = connection;
    try {
      boolean completed = false;
      try {
        begin();
        while (true) {
          Outcome o =
              tryOnLoop(
                  now ->
                      switch (c.state()) {
                        case SYN_SENT, SYN_RECEIVED -> 0;
                        case CLOSED ->
                            throw new TcpException(
                                c.closeError() != null
                                    ? c.closeError()
                                    : TcpError.CONNECTION_DOES_NOT_EXIST);
                        default -> 1;
                      });
          if (o.n() == 1) {
            state = State.CONNECTED;
            cell.wakeSelectors(); // OP_READ and OP_WRITE count from now on
            completed = true;
            return true;
          }
          if (!blocking) return false;
          await(o.version(), Long.MAX_VALUE);
        }
      } finally {
        end(completed);
      }
    } catch (IOException e) {
      close();
      throw e;
    }
  }

  @Override
  public boolean isConnected() {
    return state == State.CONNECTED;
  }

  @Override
  public boolean isConnectionPending() {
    return state == State.PENDING;
  }

  // ---------------------------------------------------------------------------------------------
  // Reading and writing.

  @Override
  public int read(ByteBuffer dst) throws IOException {
    Objects.requireNonNull(dst, "dst");
    return (int) read(new ByteBuffer[] {dst}, 0, 1);
  }

  @Override
  public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
    ChannelCalls.checkScatter(dsts, offset, length);
    synchronized (readLock) {
      ensureOpen();
      if (state != State.CONNECTED) throw new NotYetConnectedException();
      if (inputShutdown) return -1;
      if (ChannelCalls.remaining(dsts, offset, length) == 0) return 0;
      boolean blocking = isBlocking();
      int timeout = readTimeoutMillis;
      long deadline =
          blocking && timeout > 0 ? System.nanoTime() + timeout * 1_000_000L : Long.MAX_VALUE;
      Connection c = connection;
      boolean completed = false;
      try {
        begin();
        while (true) {
          Outcome o =
              tryOnLoop(
                  now -> {
                    int total = 0;
                    for (int i = offset; i < offset + length; i++) {
                      if (!dsts[i].hasRemaining()) continue;
                      int n = c.receive(dsts[i], now);
                      if (n < 0) return total == 0 ? -1 : total;
                      total += n;
                      if (dsts[i].hasRemaining()) break;
                    }
                    return total;
                  });
          if (o.n() != 0 || !blocking) {
            completed = o.n() > 0;
            return o.n();
          }
          await(o.version(), deadline);
          if (inputShutdown) return -1;
        }
      } finally {
        end(completed);
      }
    }
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    Objects.requireNonNull(src, "src");
    return (int) write(new ByteBuffer[] {src}, 0, 1);
  }

  @Override
  public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
    Objects.checkFromIndexSize(offset, length, srcs.length);
    synchronized (writeLock) {
      ensureOpen();
      if (state != State.CONNECTED) throw new NotYetConnectedException();
      if (outputShutdown) throw new ClosedChannelException();
      if (ChannelCalls.remaining(srcs, offset, length) == 0) return 0;
      boolean blocking = isBlocking();
      Connection c = connection;
      long total = 0;
      boolean completed = false;
      try {
        begin();
        while (true) {
          Outcome o =
              tryOnLoop(
                  now -> {
                    int sent = 0;
                    for (int i = offset; i < offset + length; i++) {
                      sent += c.send(srcs[i], now);
                      if (srcs[i].hasRemaining()) return sent;
                    }
                    // All taken and the buffer just full: a send that takes nothing asks the engine
                    // for a
                    // Writable event when room frees, which is what turns WRITABLE on again.
                    if ((c.readiness() & Readiness.WRITABLE) == 0)
                      c.send(ByteBuffer.allocate(1), now);
                    return sent;
                  });
          total += o.n();
          if (!blocking || ChannelCalls.remaining(srcs, offset, length) == 0) {
            completed = total > 0;
            return total;
          }
          if (o.n() == 0) await(o.version(), Long.MAX_VALUE);
        }
      } finally {
        end(completed);
      }
    }
  }

  /** The result of one try on the loop, and the signal's version to wait past when it was 0. */
  private record Outcome(int n, long version) {}

  /** Runs {@code op} on the loop, then records the connection's readiness there. */
  private Outcome tryOnLoop(LongToIntFunction op) throws IOException {
    Connection c = connection;
    Signal s = signal;
    try {
      // Uninterruptible: data the task consumed must reach the caller; an interrupt still ends
      // the call, through begin()'s interruptor and end().
      return loop.callUninterruptibly(
          now -> {
            try {
              int n = op.applyAsInt(now);
              return new Outcome(n, n == 0 ? s.version() : 0);
            } finally {
              cell.ready(c.readiness());
            }
          });
    } catch (TcpException e) {
      throw Blocking.toIoException(e.error());
    } catch (IOException e) {
      throw ChannelCalls.stoppedUnder(this, loop, e);
    }
  }

  /** Waits for the connection's signal to move past {@code version}; a close wakes it too. */
  private void await(long version, long deadline) throws IOException {
    ChannelCalls.await(this, loop, signal, version, deadline, "Read timed out");
  }

  // ---------------------------------------------------------------------------------------------
  // Half-close, options, addresses.

  @Override
  public SocketChannel shutdownInput() throws IOException {
    ensureOpen();
    if (state != State.CONNECTED) throw new NotYetConnectedException();
    inputShutdown = true;
    signal.bump(); // a blocked read returns -1
    cell.wakeSelectors();
    return this;
  }

  @Override
  public SocketChannel shutdownOutput() throws IOException {
    ensureOpen();
    if (state != State.CONNECTED) throw new NotYetConnectedException();
    if (outputShutdown) return this;
    outputShutdown = true;
    Connection c = connection;
    loop.call(
        now -> {
          if (c.state() != TcpState.CLOSED) c.close(now);
          return null;
        });
    return this;
  }

  /** Returns whether {@link #shutdownInput} was called. */
  boolean isInputShutdown() {
    return inputShutdown;
  }

  /** Returns whether {@link #shutdownOutput} was called. */
  boolean isOutputShutdown() {
    return outputShutdown;
  }

  @Override
  @SuppressWarnings(
      "ReferenceEquality") // socket options are the JDK's singletons, compared by identity as
  // sun.nio.ch does
  public <T> SocketChannel setOption(SocketOption<T> name, T value) throws IOException {
    ChannelCalls.checkSupported(OPTIONS, name);
    synchronized (stateLock) {
      ensureOpen();
      options.set(name, value);
      Connection c = connection;
      if (c != null) {
        loop.call(
            now -> {
              if (!c.isReleased()) options.apply(name, c, now);
              return null;
            });
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
    synchronized (stateLock) {
      ensureOpen();
      Connection c = connection;
      TcpConfig defaults = host.config().tcp();
      Object v =
          c == null
              ? options.get(name, null, defaults)
              : loop.call(now -> options.get(name, c, defaults));
      return (T) v;
    }
  }

  @Override
  public Set<SocketOption<?>> supportedOptions() {
    return OPTIONS;
  }

  /**
   * The settings the connection starts with: the host's, with the buffer sizes set so far (its
   * SYN's window scale follows them).
   */
  private TcpConfig tcpConfig() {
    TcpConfig t = host.config().tcp();
    if (options.receiveBuffer == 0 && options.sendBuffer == 0) return t;
    return t.withBuffers(
        options.receiveBuffer > 0 ? options.receiveBuffer : t.receiveBuffer(),
        options.sendBuffer > 0 ? options.sendBuffer : t.sendBuffer());
  }

  /** Applies the options set before the connect; on the loop thread. */
  private void applyOptions(Connection c, long now) {
    options.applyAll(c, now);
  }

  @Override
  public InetSocketAddress getLocalAddress() throws IOException {
    ensureOpen();
    Connection c = connection;
    if (c != null) return new InetSocketAddress(c.id().localAddress(), c.id().localPort());
    synchronized (stateLock) {
      return bound;
    }
  }

  @Override
  public InetSocketAddress getRemoteAddress() throws IOException {
    ensureOpen();
    Connection c = connection;
    return c == null ? null : new InetSocketAddress(c.id().remoteAddress(), c.id().remotePort());
  }

  @Override
  public Socket socket() {
    synchronized (stateLock) {
      if (adaptor == null) adaptor = SocketAdaptor.of(this);
      return adaptor;
    }
  }

  /** Returns the loop the channel's connection lives on (a loop group will have several). */
  EventLoop loop() {
    return loop;
  }

  // ---------------------------------------------------------------------------------------------
  // Selection and closing.

  @Override
  public int readyOps(int interestOps) {
    if (connection == null) return 0;
    int r = cell.get();
    // As the JDK maps POLLERR and POLLHUP: every operation of interest is ready, and fails or ends.
    if ((r & (Readiness.ERROR | Readiness.HANGUP)) != 0) return interestOps;
    int ops = 0;
    boolean connected = state == State.CONNECTED;
    if ((interestOps & SelectionKey.OP_READ) != 0
        && connected
        && ((r & Readiness.READABLE) != 0 || inputShutdown)) {
      ops |= SelectionKey.OP_READ;
    }
    if ((interestOps & SelectionKey.OP_WRITE) != 0 && connected && (r & Readiness.WRITABLE) != 0)
      ops |= SelectionKey.OP_WRITE;
    if ((interestOps & SelectionKey.OP_CONNECT) != 0
        && state == State.PENDING
        && (r & Readiness.CONNECTED) != 0) {
      ops |= SelectionKey.OP_CONNECT;
    }
    return ops;
  }

  @Override
  public void addKey(SynackSelectionKey key) {
    cell.add(key);
  }

  @Override
  public void removeKey(SynackSelectionKey key) {
    cell.remove(key);
  }

  /** Lets go of the bind's holds on every loop's host; stateLock held. */
  private void releaseHolds() {
    for (Hold h : holds) h.release();
    holds.clear();
  }

  @Override
  protected void implCloseSelectableChannel() {
    Connection c;
    Signal s;
    synchronized (stateLock) {
      c = connection;
      s = signal;
      releaseHolds();
    }
    if (c == null) return;
    ChannelCalls.unwatch(loop, s);
    // Handed over without waiting: close may run on an interrupted thread (begin()'s interruptor).
    loop.execute(
        now -> {
          s.unregister(cell);
          if (c.state() != TcpState.CLOSED) c.closeFully(now);
        });
    s.bump(); // blocked readers, writers and connecters wake and see the channel closed
  }

  @Override
  protected void implConfigureBlocking(boolean block) {
    // Each call reads isBlocking() when it starts; nothing to change on the loop.
  }

  private void ensureOpen() throws ClosedChannelException {
    ChannelCalls.ensureOpen(this, loop);
  }

  @Override
  public String toString() {
    Connection c = connection;
    return "SynackSocketChannel["
        + (!isOpen() ? "closed" : c == null ? "unconnected" : c.id() + " " + state)
        + "]";
  }
}
