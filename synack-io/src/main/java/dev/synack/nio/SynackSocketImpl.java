package dev.synack.nio;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketImpl;
import java.net.SocketOption;
import java.net.SocketOptions;
import java.net.StandardSocketOptions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The {@link SocketImpl} of a {@code java.net.Socket} or {@code ServerSocket} made with {@code new}
 * once {@link SynackSockets#install()} has run: it opens a synack channel on the host {@link
 * HostScope} gives for the creating thread, at the connect (a client) or the listen (a server), and
 * hands every call to that channel's socket adaptor. Options set before then are kept and applied
 * when the channel opens.
 */
final class SynackSocketImpl extends SocketImpl {
  private final SynackSelectorProvider provider;

  /** The host the socket opens on: the creating thread's, found at {@link #create}. */
  private HostScope.Binding scope;

  private InetSocketAddress bindAddress;
  private final Map<Integer, Object> pending = new LinkedHashMap<>();

  /** The client's channel's socket adaptor, once connected or accepted. */
  private Socket socket;

  /** The server's adaptor, once listening. */
  private ServerSocket server;

  private int timeoutMillis;

  /** Whether this is a {@code ServerSocket}'s, whose bind waits for the listen. */
  private final boolean forServer;

  /** A client's channel, opened by a bind before the connect; null otherwise. */
  private SynackSocketChannel boundChannel;

  SynackSocketImpl(SynackSelectorProvider provider, boolean forServer) {
    this.provider = provider;
    this.forServer = forServer;
  }

  @Override
  protected void create(boolean stream) throws IOException {
    if (!stream)
      throw new SocketException("synack has no datagram SocketImpl: use DatagramChannel");
    scope = HostScope.require();
  }

  private HostScope.Binding scope() throws SocketException {
    if (scope == null) scope = HostScope.require();
    return scope;
  }

  @Override
  protected void bind(InetAddress host, int port) throws IOException {
    bindAddress = new InetSocketAddress(host, port);
    localport = port;
    if (forServer) return; // a ServerSocket's bind and listen come as one, at the listen
    // A client socket's bind takes its port now, as Linux's bind(): the channel opens here.
    SynackSocketChannel c = new SynackSocketChannel(provider, scope());
    try {
      attach(c.socket());
      applyPending(); // SO_REUSEADDR and SO_REUSEPORT first: the bind is checked with them
      c.bind(bindAddress);
      boundChannel = c;
    } catch (IOException | RuntimeException e) {
      c.close();
      socket = null;
      throw e;
    }
  }

  @Override
  protected void connect(String host, int port) throws IOException {
    connect(new InetSocketAddress(host, port), 0);
  }

  @Override
  protected void connect(InetAddress address, int port) throws IOException {
    connect(new InetSocketAddress(address, port), 0);
  }

  @Override
  protected void connect(SocketAddress remote, int timeout) throws IOException {
    SynackSocketChannel c =
        boundChannel != null ? boundChannel : new SynackSocketChannel(provider, scope());
    try {
      Socket s = c.socket();
      attach(s);
      applyPending(); // SO_REUSEADDR and SO_REUSEPORT first: the bind is checked with them
      if (bindAddress != null && boundChannel == null) c.bind(bindAddress);
      try {
        s.connect(remote, timeout);
      } catch (java.nio.channels.ClosedChannelException e) {
        throw ClosedSocketStreams.socketClosed(e); // closed under the connect, or its stack closed
      }
      connected(c);
    } catch (IOException | RuntimeException e) {
      c.close();
      socket = null;
      throw e;
    }
  }

  @Override
  protected void listen(int backlog) throws IOException {
    SynackServerSocketChannel ch = new SynackServerSocketChannel(provider, scope());
    ServerSocket s = ch.socket();
    server = s;
    applyPending();
    s.bind(
        bindAddress == null ? new InetSocketAddress(0) : bindAddress, backlog < 1 ? 50 : backlog);
    localport = s.getLocalPort();
    address = null;
  }

  @Override
  protected void accept(SocketImpl into) throws IOException {
    if (server == null) throw new SocketException("Socket is not listening");
    if (!(into instanceof SynackSocketImpl target)) {
      throw new SocketException(
          "a synack ServerSocket accepts into synack sockets only: " + into.getClass().getName());
    }
    server.setSoTimeout(timeoutMillis);
    Socket accepted;
    try {
      accepted = server.accept();
    } catch (java.nio.channels.ClosedChannelException e) {
      throw ClosedSocketStreams.socketClosed(e); // closed under the accept, or its stack closed
    }
    SynackSocketChannel c = (SynackSocketChannel) accepted.getChannel();
    target.attach(accepted);
    target.connected(c);
  }

  private void attach(Socket s) {
    socket = s;
  }

  /** Fills the fields {@code Socket} reads its addresses from. */
  private void connected(SynackSocketChannel c) throws IOException {
    InetSocketAddress remote = c.getRemoteAddress();
    InetSocketAddress local = c.getLocalAddress();
    address = remote.getAddress();
    port = remote.getPort();
    localport = local.getPort();
  }

  @Override
  protected InputStream getInputStream() throws IOException {
    return ClosedSocketStreams.of(connectedSocket().getInputStream());
  }

  @Override
  protected OutputStream getOutputStream() throws IOException {
    return ClosedSocketStreams.of(connectedSocket().getOutputStream());
  }

  @Override
  protected int available() throws IOException {
    return connectedSocket().getInputStream().available();
  }

  @Override
  protected void shutdownInput() throws IOException {
    connectedSocket().shutdownInput();
  }

  @Override
  protected void shutdownOutput() throws IOException {
    connectedSocket().shutdownOutput();
  }

  @Override
  protected void close() throws IOException {
    if (socket != null) socket.close();
    if (server != null) server.close();
  }

  @Override
  protected void sendUrgentData(int data) throws IOException {
    throw new SocketException("urgent data is not supported by synack's sockets");
  }

  @Override
  protected InetAddress getInetAddress() {
    return address;
  }

  private Socket connectedSocket() throws SocketException {
    if (socket == null) throw new SocketException("Socket is not connected");
    return socket;
  }

  // ---------------------------------------------------------------------------------------------
  // Options: the legacy ids of SocketOptions, and the typed ones.

  @Override
  public void setOption(int id, Object value) throws SocketException {
    if (id == SocketOptions.SO_TIMEOUT) {
      timeoutMillis = (Integer) value;
      if (socket != null) socket.setSoTimeout(timeoutMillis);
      return;
    }
    if (socket == null && server == null) {
      pending.put(id, value);
      return;
    }
    apply(id, value);
  }

  @Override
  public Object getOption(int id) throws SocketException {
    if (id == SocketOptions.SO_TIMEOUT) return timeoutMillis;
    if (id == SocketOptions.SO_BINDADDR) {
      if (socket != null) return socket.getLocalAddress();
      return bindAddress == null ? null : bindAddress.getAddress();
    }
    if (socket != null) {
      return switch (id) {
        case SocketOptions.TCP_NODELAY -> socket.getTcpNoDelay();
        case SocketOptions.SO_KEEPALIVE -> socket.getKeepAlive();
        case SocketOptions.SO_LINGER ->
            socket.getSoLinger() < 0 ? (Object) false : (Object) socket.getSoLinger();
        case SocketOptions.SO_RCVBUF -> socket.getReceiveBufferSize();
        case SocketOptions.SO_SNDBUF -> socket.getSendBufferSize();
        case SocketOptions.SO_REUSEADDR -> socket.getReuseAddress();
        case SocketOptions.SO_REUSEPORT -> getQuietly(socket, StandardSocketOptions.SO_REUSEPORT);
        case SocketOptions.SO_OOBINLINE -> false;
        default ->
            throw new SocketException("option " + id + " is not supported by synack's sockets");
      };
    }
    if (server != null && id == SocketOptions.SO_RCVBUF) return server.getReceiveBufferSize();
    if (server != null && id == SocketOptions.SO_REUSEADDR) return server.getReuseAddress();
    if (server != null && id == SocketOptions.SO_REUSEPORT)
      return getQuietly(server, StandardSocketOptions.SO_REUSEPORT);
    Object v = pending.get(id);
    return switch (id) {
      case SocketOptions.TCP_NODELAY,
          SocketOptions.SO_KEEPALIVE,
          SocketOptions.SO_REUSEADDR,
          SocketOptions.SO_REUSEPORT,
          SocketOptions.SO_OOBINLINE ->
          v == null ? false : v;
      case SocketOptions.SO_LINGER -> v == null ? false : v;
      case SocketOptions.SO_RCVBUF, SocketOptions.SO_SNDBUF -> v == null ? 131_072 : v;
      default ->
          throw new SocketException("option " + id + " is not supported by synack's sockets");
    };
  }

  private void applyPending() throws SocketException {
    for (Map.Entry<Integer, Object> e : pending.entrySet()) apply(e.getKey(), e.getValue());
    pending.clear();
  }

  private void apply(int id, Object value) throws SocketException {
    if (server != null) {
      switch (id) {
        case SocketOptions.SO_RCVBUF -> server.setReceiveBufferSize((Integer) value);
        case SocketOptions.SO_REUSEADDR -> server.setReuseAddress((Boolean) value);
        case SocketOptions.SO_REUSEPORT ->
            setQuietly(server, StandardSocketOptions.SO_REUSEPORT, (Boolean) value);
        default -> {} // a listener has no use for the others, as on Linux where they pass to
          // accepted sockets
      }
      return;
    }
    switch (id) {
      case SocketOptions.TCP_NODELAY -> socket.setTcpNoDelay((Boolean) value);
      case SocketOptions.SO_KEEPALIVE -> socket.setKeepAlive((Boolean) value);
      case SocketOptions.SO_LINGER -> {
        if (value instanceof Integer seconds) socket.setSoLinger(true, seconds);
        else socket.setSoLinger(false, 0);
      }
      case SocketOptions.SO_RCVBUF -> socket.setReceiveBufferSize((Integer) value);
      case SocketOptions.SO_SNDBUF -> socket.setSendBufferSize((Integer) value);
      case SocketOptions.SO_REUSEADDR -> socket.setReuseAddress((Boolean) value);
      case SocketOptions.SO_REUSEPORT ->
          setQuietly(socket, StandardSocketOptions.SO_REUSEPORT, (Boolean) value);
      case SocketOptions.SO_OOBINLINE,
          SocketOptions.IP_TOS -> {} // kept by Linux, without effect here
      default ->
          throw new SocketException("option " + id + " is not supported by synack's sockets");
    }
  }

  /** Reads a typed option through the legacy getter's checked exception. */
  private static Object getQuietly(Object target, SocketOption<Boolean> name)
      throws SocketException {
    try {
      return target instanceof ServerSocket ss
          ? ss.getOption(name)
          : ((Socket) target).getOption(name);
    } catch (SocketException e) {
      throw e;
    } catch (IOException e) {
      throw new SocketException(e.getMessage());
    }
  }

  /** Sets a typed option through the legacy setter's checked exception. */
  private static void setQuietly(Object target, SocketOption<Boolean> name, boolean value)
      throws SocketException {
    try {
      if (target instanceof ServerSocket ss) ss.setOption(name, value);
      else ((Socket) target).setOption(name, value);
    } catch (SocketException e) {
      throw e;
    } catch (IOException e) {
      throw new SocketException(e.getMessage());
    }
  }

  @Override
  @SuppressWarnings(
      "ReferenceEquality") // socket options are the JDK's singletons, compared by identity as
  // sun.nio.ch does
  protected <T> void setOption(SocketOption<T> name, T value) throws IOException {
    Integer id = LEGACY.get(name);
    if (id == null) throw new UnsupportedOperationException("'" + name + "' not supported");
    setOption(
        id,
        name == StandardSocketOptions.SO_LINGER ? ((Integer) value < 0 ? false : value) : value);
  }

  @Override
  @SuppressWarnings({
    "unchecked",
    "ReferenceEquality"
  }) // socket options are the JDK's singletons, compared by identity as sun.nio.ch does
  protected <T> T getOption(SocketOption<T> name) throws IOException {
    Integer id = LEGACY.get(name);
    if (id == null) throw new UnsupportedOperationException("'" + name + "' not supported");
    Object v = getOption(id);
    if (name == StandardSocketOptions.SO_LINGER && v instanceof Boolean) v = -1;
    return (T) v;
  }

  @Override
  protected Set<SocketOption<?>> supportedOptions() {
    return LEGACY.keySet();
  }

  private static final Map<SocketOption<?>, Integer> LEGACY =
      Map.of(
          StandardSocketOptions.TCP_NODELAY, SocketOptions.TCP_NODELAY,
          StandardSocketOptions.SO_KEEPALIVE, SocketOptions.SO_KEEPALIVE,
          StandardSocketOptions.SO_LINGER, SocketOptions.SO_LINGER,
          StandardSocketOptions.SO_RCVBUF, SocketOptions.SO_RCVBUF,
          StandardSocketOptions.SO_SNDBUF, SocketOptions.SO_SNDBUF,
          StandardSocketOptions.SO_REUSEADDR, SocketOptions.SO_REUSEADDR,
          StandardSocketOptions.SO_REUSEPORT, SocketOptions.SO_REUSEPORT);
}
