package dev.synack.nio;

import static java.net.StandardSocketOptions.IP_TOS;
import static java.net.StandardSocketOptions.SO_BROADCAST;
import static java.net.StandardSocketOptions.SO_RCVBUF;
import static java.net.StandardSocketOptions.SO_REUSEADDR;
import static java.net.StandardSocketOptions.SO_SNDBUF;

import dev.synack.runtime.EventLoop;
import dev.synack.runtime.Signal;
import dev.synack.socket.Blocking;
import dev.synack.stack.Host;
import dev.synack.stack.Readiness;
import dev.synack.stack.UdpEndpoint;
import dev.synack.stack.UdpMessage;
import dev.synack.tcp.TcpError;
import dev.synack.wire.UdpPacket;
import java.io.IOException;
import java.net.BindException;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.PortUnreachableException;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.MembershipKey;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.SelectionKey;
import java.nio.channels.UnsupportedAddressTypeException;
import java.nio.channels.spi.SelectorProvider;
import java.util.Objects;
import java.util.Set;
import java.util.function.LongFunction;

/**
 * A {@link DatagramChannel} on a synack host's UDP: each call runs on the host's loop, and a
 * blocking receive waits on the endpoint's signal between tries. Follows the JDK's documented
 * behaviour: an unbound channel binds an ephemeral port at its first send or receive; a connected
 * channel takes datagrams from its peer only, and an ICMP port unreachable quoting one of its
 * datagrams makes the next read or receive throw {@link PortUnreachableException}, as Linux reports
 * {@code ECONNREFUSED} on a connected UDP socket; a datagram larger than the buffer is truncated; a
 * send of more than 65,507 bytes fails ("Message too long"); interruption and asynchronous close
 * wake a blocked thread.
 *
 * <p>Not as the JDK: multicast ({@code join}) is not supported, and {@link #socket()} has no {@link
 * DatagramSocket} adaptor ({@code DatagramSocket} can no longer be subclassed over a channel
 * outside the JDK); both throw {@link UnsupportedOperationException}.
 */
final class SynackDatagramChannel extends DatagramChannel implements Pollable {
  static final Set<SocketOption<?>> OPTIONS =
      Set.of(SO_SNDBUF, SO_RCVBUF, SO_REUSEADDR, SO_BROADCAST, IP_TOS);

  /**
   * The loops the channel may bind on: one, or a stack's, of which the bind takes its port's owner.
   */
  private final HostScope.Binding scope;

  /** The loop and host the endpoint lives on: the scope's first until the bind picks one. */
  private volatile EventLoop loop;

  private volatile Host host;

  /** The family asked for at the open, or null for either. */
  private final ProtocolFamily family;

  private final ReadinessCell cell = new ReadinessCell();
  private final Object readLock = new Object();
  private final Object writeLock = new Object();
  private final Object stateLock = new Object();

  /** Set once, on the loop thread, at the bind (explicit or the first send or receive). */
  private volatile UdpEndpoint endpoint;

  private volatile Signal signal;
  private volatile InetSocketAddress peer;

  /**
   * Options kept for {@link #getOption}; the endpoint's buffer is Linux's default whatever they
   * say.
   */
  private int receiveBuffer = UdpEndpoint.RECEIVE_BUFFER_BYTES;

  private int sendBuffer = UdpEndpoint.RECEIVE_BUFFER_BYTES;
  private boolean reuseAddress;
  private boolean broadcast;
  private int tos;

  SynackDatagramChannel(SelectorProvider provider, HostScope.Binding scope, ProtocolFamily family) {
    super(provider);
    this.scope = scope;
    this.loop = scope.loop();
    this.host = scope.host();
    this.family = family;
  }

  // ---------------------------------------------------------------------------------------------
  // Binding and connecting.

  @Override
  public DatagramChannel bind(SocketAddress local) throws IOException {
    synchronized (readLock) {
      synchronized (writeLock) {
        synchronized (stateLock) {
          ensureOpen();
          if (endpoint != null) throw new AlreadyBoundException();
          bindTo(local == null ? new InetSocketAddress(0) : check(local));
        }
      }
    }
    return this;
  }

  /** Binds to {@code local}; holds stateLock. */
  private void bindTo(InetSocketAddress local) throws IOException {
    InetAddress address = local.getAddress().isAnyLocalAddress() ? null : local.getAddress();
    // On a stack of several loops, datagrams to a port are read on the loop its hash names.
    HostScope.Binding on = scope.forUdp(local.getPort());
    loop = on.loop();
    host = on.host();
    try {
      loop.call(
          now -> {
            if (address != null && !host.addresses().contains(address)) {
              throw new IllegalArgumentException(
                  "Cannot assign requested address: " + address.getHostAddress());
            }
            UdpEndpoint e = host.bindUdp(address, local.getPort());
            Signal s = EventLoop.signalOf(e);
            s.register(cell, Readiness.ALL);
            ChannelCalls.watch(loop, s); // a stack closed under the channel wakes its receive
            signal = s;
            endpoint = e;
            cell.ready(e.readiness());
            return e;
          });
    } catch (IllegalStateException | IllegalArgumentException e) {
      throw new BindException(e.getMessage());
    }
  }

  /** Binds an ephemeral port if the channel has none yet, as the first send or receive does. */
  private UdpEndpoint ensureBound() throws IOException {
    UdpEndpoint e = endpoint;
    if (e != null) return e;
    synchronized (stateLock) {
      ensureOpen();
      if (endpoint == null) bindTo(new InetSocketAddress(0));
      return endpoint;
    }
  }

  @Override
  public DatagramChannel connect(SocketAddress remote) throws IOException {
    InetSocketAddress isa = check(remote);
    if (isa.getAddress().isAnyLocalAddress())
      throw new SocketException("Can't connect to the unspecified address");
    synchronized (readLock) {
      synchronized (writeLock) {
        synchronized (stateLock) {
          ensureOpen();
          if (peer != null) throw new AlreadyConnectedException();
          UdpEndpoint e = ensureBound();
          onLoop(
              now -> {
                e.connect(isa.getAddress(), isa.getPort());
                return null;
              });
          peer = isa;
        }
      }
    }
    return this;
  }

  @Override
  public DatagramChannel disconnect() throws IOException {
    synchronized (readLock) {
      synchronized (writeLock) {
        synchronized (stateLock) {
          if (!isOpen() || peer == null) return this;
          UdpEndpoint e = endpoint;
          onLoop(
              now -> {
                e.connect(null, 0);
                return null;
              });
          peer = null;
        }
      }
    }
    return this;
  }

  @Override
  public boolean isConnected() {
    return peer != null;
  }

  // ---------------------------------------------------------------------------------------------
  // Datagrams.

  @Override
  public SocketAddress receive(ByteBuffer dst) throws IOException {
    if (dst.isReadOnly()) throw new IllegalArgumentException("Read-only buffer");
    synchronized (readLock) {
      ensureOpen();
      UdpEndpoint e = ensureBound();
      UdpMessage m = await(e, isBlocking());
      if (m == null) return null;
      put(m, dst);
      return new InetSocketAddress(m.remoteAddress(), m.remotePort());
    }
  }

  @Override
  public int send(ByteBuffer src, SocketAddress target) throws IOException {
    Objects.requireNonNull(src, "src");
    InetSocketAddress isa = check(target);
    synchronized (writeLock) {
      ensureOpen();
      InetSocketAddress connected = peer;
      if (connected != null && !connected.equals(isa)) throw new AlreadyConnectedException();
      return sendTo(ensureBound(), src, isa);
    }
  }

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
      if (peer == null) throw new NotYetConnectedException();
      UdpMessage m = await(endpoint, isBlocking());
      if (m == null) return 0;
      int n = 0;
      int at = 0;
      byte[] p = m.payload();
      for (int i = offset; i < offset + length && at < p.length; i++) {
        int k = Math.min(dsts[i].remaining(), p.length - at);
        dsts[i].put(p, at, k);
        at += k;
        n += k;
      }
      return n;
    }
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    Objects.requireNonNull(src, "src");
    synchronized (writeLock) {
      ensureOpen();
      InetSocketAddress connected = peer;
      if (connected == null) throw new NotYetConnectedException();
      return sendTo(endpoint, src, connected);
    }
  }

  @Override
  public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
    Objects.checkFromIndexSize(offset, length, srcs.length);
    long total = ChannelCalls.remaining(srcs, offset, length);
    if (total > UdpPacket.MAX_PAYLOAD) throw new IOException("Message too long");
    ByteBuffer joined = ByteBuffer.allocate((int) total);
    for (int i = offset; i < offset + length; i++) joined.put(srcs[i]);
    return write(joined.flip());
  }

  /** Sends the remaining bytes of {@code src} as one datagram and moves its position past them. */
  private int sendTo(UdpEndpoint e, ByteBuffer src, InetSocketAddress target) throws IOException {
    int n = src.remaining();
    if (n > UdpPacket.MAX_PAYLOAD) throw new IOException("Message too long");
    if (!broadcast && isBroadcast(target.getAddress()))
      throw new SocketException("Permission denied (SO_BROADCAST is off)");
    TcpError error =
        onLoop(
            now -> {
              TcpError pending = e.takeError();
              if (pending == null) e.send(src, target.getAddress(), target.getPort(), now);
              cell.ready(e.readiness());
              return pending;
            });
    if (error != null) throw failure(error);
    src.position(src.position() + n);
    return n;
  }

  /**
   * Returns the next datagram, waiting for one when {@code blocking} (null when not blocking and
   * none waits); a pending ICMP error of a connected channel is thrown instead.
   */
  private UdpMessage await(UdpEndpoint e, boolean blocking) throws IOException {
    boolean completed = false;
    try {
      begin();
      while (true) {
        Signal s = signal;
        Object[] got =
            onLoop(
                now -> {
                  TcpError error = e.takeError();
                  UdpMessage m = error == null ? e.receive() : null;
                  cell.ready(e.readiness());
                  return new Object[] {m, error, s.version()};
                });
        if (got[1] instanceof TcpError error) throw failure(error);
        if (got[0] instanceof UdpMessage m) {
          completed = true;
          return m;
        }
        if (!blocking) return null;
        ChannelCalls.await(this, loop, s, (Long) got[2], Long.MAX_VALUE, "Receive timed out");
      }
    } finally {
      end(completed);
    }
  }

  /** Copies the datagram into {@code dst}; what does not fit is discarded, as recvfrom(2) does. */
  private static void put(UdpMessage m, ByteBuffer dst) {
    byte[] p = m.payload();
    dst.put(p, 0, Math.min(p.length, dst.remaining()));
  }

  private static IOException failure(TcpError error) {
    if (error == TcpError.CONNECTION_REFUSED)
      return new PortUnreachableException("ICMP Port Unreachable");
    return Blocking.toIoException(error);
  }

  /**
   * Runs {@code op} on the loop; the core's refusal of a bad call (family, port, closed) becomes an
   * IOException.
   */
  private <T> T onLoop(LongFunction<T> op) throws IOException {
    try {
      return loop.callUninterruptibly(op);
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new SocketException(e.getMessage());
    } catch (IOException e) {
      throw ChannelCalls.stoppedUnder(this, loop, e);
    }
  }

  /** Returns whether {@code a} is IPv4's limited broadcast address, which needs SO_BROADCAST. */
  private static boolean isBroadcast(InetAddress a) {
    return a instanceof Inet4Address
        && java.util.Arrays.equals(a.getAddress(), new byte[] {-1, -1, -1, -1});
  }

  // ---------------------------------------------------------------------------------------------
  // Options, addresses, multicast.

  @Override
  @SuppressWarnings(
      "ReferenceEquality") // socket options are the JDK's singletons, compared by identity as
  // sun.nio.ch does
  public <T> DatagramChannel setOption(SocketOption<T> name, T value) throws IOException {
    ChannelCalls.checkSupported(OPTIONS, name);
    if (!name.type().isInstance(value))
      throw new IllegalArgumentException("Invalid value '" + value + "'");
    synchronized (stateLock) {
      ensureOpen();
      if (name == SO_RCVBUF || name == SO_SNDBUF) {
        int bytes = (Integer) value;
        if (bytes < 0) throw new IllegalArgumentException("Invalid " + name + " size: " + bytes);
        if (name == SO_RCVBUF) receiveBuffer = bytes;
        else sendBuffer = bytes;
      } else if (name == SO_REUSEADDR) {
        reuseAddress = (Boolean) value;
      } else if (name == SO_BROADCAST) {
        broadcast = (Boolean) value;
      } else {
        int v = (Integer) value;
        if (v < 0 || v > 255) throw new IllegalArgumentException("Invalid IP_TOS value: " + v);
        tos = v;
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
      Object v =
          name == SO_RCVBUF
              ? receiveBuffer
              : name == SO_SNDBUF
                  ? sendBuffer
                  : name == SO_REUSEADDR ? reuseAddress : name == SO_BROADCAST ? broadcast : tos;
      return (T) v;
    }
  }

  @Override
  public Set<SocketOption<?>> supportedOptions() {
    return OPTIONS;
  }

  @Override
  public SocketAddress getLocalAddress() throws IOException {
    ensureOpen();
    UdpEndpoint e = endpoint;
    if (e == null) return null;
    InetAddress a = e.address();
    if (a == null)
      a =
          family == StandardProtocolFamily.INET
              ? InetAddress.getByName("0.0.0.0")
              : InetAddress.getByName("::");
    return new InetSocketAddress(a, e.port());
  }

  @Override
  public SocketAddress getRemoteAddress() throws IOException {
    ensureOpen();
    return peer;
  }

  @Override
  public DatagramSocket socket() {
    throw new UnsupportedOperationException(
        "synack's DatagramChannel has no DatagramSocket adaptor");
  }

  @Override
  public MembershipKey join(InetAddress group, NetworkInterface interf) {
    throw new UnsupportedOperationException("multicast is not supported by synack");
  }

  @Override
  public MembershipKey join(InetAddress group, NetworkInterface interf, InetAddress source) {
    throw new UnsupportedOperationException("multicast is not supported by synack");
  }

  // ---------------------------------------------------------------------------------------------
  // Selection and closing.

  @Override
  public int readyOps(int interestOps) {
    if (!isOpen()) return 0;
    if (endpoint == null) return interestOps & SelectionKey.OP_WRITE; // a send binds it
    int r = cell.get();
    int ops = 0;
    if ((interestOps & SelectionKey.OP_READ) != 0
        && (r & (Readiness.READABLE | Readiness.ERROR)) != 0) ops |= SelectionKey.OP_READ;
    if ((interestOps & SelectionKey.OP_WRITE) != 0
        && (r & (Readiness.WRITABLE | Readiness.ERROR)) != 0) ops |= SelectionKey.OP_WRITE;
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

  @Override
  protected void implCloseSelectableChannel() {
    UdpEndpoint e;
    Signal s;
    synchronized (stateLock) {
      e = endpoint;
      s = signal;
    }
    if (e == null) return;
    ChannelCalls.unwatch(loop, s);
    loop.execute(
        now -> {
          s.unregister(cell);
          e.close();
        });
    s.bump(); // a blocked receive wakes and sees the channel closed
  }

  @Override
  protected void implConfigureBlocking(boolean block) {}

  private InetSocketAddress check(SocketAddress a) {
    InetSocketAddress isa = SocketAddresses.check(a);
    if (family == StandardProtocolFamily.INET && !(isa.getAddress() instanceof Inet4Address)) {
      throw new UnsupportedAddressTypeException();
    }
    return isa;
  }

  private void ensureOpen() throws ClosedChannelException {
    ChannelCalls.ensureOpen(this, loop);
  }

  @Override
  public String toString() {
    UdpEndpoint e = endpoint;
    return "SynackDatagramChannel["
        + (!isOpen() ? "closed" : e == null ? "unbound" : e.toString())
        + "]";
  }
}
