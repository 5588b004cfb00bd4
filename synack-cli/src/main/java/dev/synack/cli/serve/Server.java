package dev.synack.cli.serve;

import dev.synack.runtime.EventLoop;
import dev.synack.runtime.Stack;
import dev.synack.socket.TcpServerSocket;
import dev.synack.socket.TcpSocket;
import dev.synack.stack.Host;
import dev.synack.wire.Addresses;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A listening port of a synack host that runs a {@link Service} for each connection, each on its
 * own virtual thread, through the blocking socket API, as an application on a kernel would.
 *
 * <p>When a service is done, the server closes the connection and waits (on that connection's
 * thread) until the peer acknowledged the FIN. {@link #stop} closes every connection still open the
 * same way, all at once, then resets what did not finish in the grace period.
 */
public final class Server {
  /** How long a finished connection waits for its FIN to be acknowledged before a RST. */
  private static final long LINGER_MILLIS = 10_000;

  private final TcpServerSocket listener;
  private final Service service;
  private final Consumer<String> log;

  /** Connections accepted and not yet closed by their thread. */
  private final Set<TcpSocket> open = ConcurrentHashMap.newKeySet();

  private final AtomicLong accepted = new AtomicLong();
  private final Thread acceptor;
  private volatile boolean stopping;

  private Server(TcpServerSocket listener, Service service, Consumer<String> log) {
    this.listener = listener;
    this.service = service;
    this.log = log;
    this.acceptor =
        Thread.ofVirtual().name("synack-accept-" + listener.port()).start(this::acceptLoop);
  }

  /**
   * Listens on {@code port} of {@code host}, run by {@code loop}, and serves each connection.
   *
   * @param address the local address, or null for every address of the host
   * @param log where one line per connection goes (accepted, closed, reset)
   * @throws java.net.BindException when the port is taken
   */
  public static Server start(
      EventLoop loop,
      Host host,
      InetAddress address,
      int port,
      Service service,
      Consumer<String> log)
      throws IOException {
    return new Server(TcpServerSocket.bind(loop, host, address, port, 128), service, log);
  }

  /**
   * Listens on {@code port} on every loop of {@code stack} and serves each connection, wherever it
   * arrives, as {@link #start(EventLoop, Host, InetAddress, int, Service, Consumer)} does.
   *
   * @throws java.net.BindException when the port is taken
   */
  public static Server start(
      Stack stack, InetAddress address, int port, Service service, Consumer<String> log)
      throws IOException {
    return new Server(TcpServerSocket.bind(stack, address, port, 128), service, log);
  }

  /** Returns the listening port. */
  public int port() {
    return listener.port();
  }

  /** Returns how many connections were accepted so far. */
  public long accepted() {
    return accepted.get();
  }

  /** Returns how many accepted connections are not closed yet. */
  public int openConnections() {
    return open.size();
  }

  /**
   * Stops listening, closes every open connection (FIN after what is queued) and waits up to {@code
   * grace} for the peers to acknowledge; connections that did not are reset.
   *
   * @return how many connections were closed in order (the others were reset)
   */
  public int stop(Duration grace) throws IOException {
    stopping = true;
    listener.close();
    List<TcpSocket> closing = new ArrayList<>(open);
    List<Thread> closers = new ArrayList<>();
    boolean[] inOrder = new boolean[closing.size()];
    for (int i = 0; i < closing.size(); i++) {
      TcpSocket s = closing.get(i);
      int slot = i;
      closers.add(
          Thread.ofVirtual().start(() -> inOrder[slot] = closeQuietly(s, grace.toMillis())));
    }
    int closed = 0;
    for (int i = 0; i < closers.size(); i++) {
      try {
        closers.get(i).join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      if (inOrder[i]) closed++;
    }
    acceptor.interrupt();
    return closed;
  }

  private void acceptLoop() {
    while (!stopping) {
      TcpSocket socket;
      try {
        socket = listener.accept();
      } catch (IOException e) {
        if (!stopping) log.accept("accept failed: " + e.getMessage());
        return;
      }
      accepted.incrementAndGet();
      open.add(socket);
      Thread.ofVirtual()
          .name("synack-conn-" + describe(socket.remoteAddress()))
          .start(() -> run(socket));
    }
  }

  private void run(TcpSocket socket) {
    String peer = describe(socket.remoteAddress());
    log.accept(peer + " connected");
    String outcome = "closed";
    try {
      service.serve(socket);
    } catch (SocketException e) {
      outcome = e.getMessage().toLowerCase(Locale.ROOT); // "connection reset", "socket closed"
    } catch (IOException e) {
      outcome = "failed: " + e.getMessage();
    }
    if (!socket.isClosed()) {
      boolean inOrder = closeQuietly(socket, LINGER_MILLIS);
      if (!inOrder && outcome.equals("closed")) outcome = "reset (the FIN was not acknowledged)";
    }
    open.remove(socket);
    if (!stopping) log.accept(peer + " " + outcome);
  }

  /**
   * Closes with linger; true when the peer acknowledged everything, false when it had to be reset.
   */
  private static boolean closeQuietly(TcpSocket socket, long lingerMillis) {
    try {
      return socket.close(lingerMillis);
    } catch (IOException e) {
      return false;
    }
  }

  private static String describe(InetSocketAddress a) {
    return Addresses.endpoint(a.getAddress(), a.getPort());
  }
}
