package dev.synack.cli.bench;

import dev.synack.link.OpenFileLimit;
import dev.synack.stack.Connection;
import dev.synack.stack.HostEvent;
import dev.synack.stack.Listener;
import dev.synack.tcp.TcpState;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * Memory per idle established connection. synack: heap bytes after a full GC, per connection end
 * (each connection has two, client and server, both synack), with every structure the hosts keep
 * (connection tables, TCBs) and the user's handles. Kernel: the slab memory of the caches a socket
 * uses (/proc/slabinfo: the TCP sock, its inode, dentry, file, epoll item) plus socket buffer pages
 * (/proc/net/sockstat), per socket, for connections over loopback in this JVM.
 */
final class IdleConnBench {
  /**
   * The slab caches one kernel TCP socket held by a Java channel occupies (Java opens IPv6 sockets,
   * so TCPv6).
   */
  static final List<String> SOCKET_SLABS =
      List.of(
          "TCP",
          "TCPv6",
          "sock_inode_cache",
          "dentry",
          "filp",
          "lsm_inode_cache",
          "lsm_file_cache",
          "eventpoll_epi",
          "eventpoll_pwq");

  /** Descriptors besides the sockets: the JVM's own, jars, pipes. */
  private static final int SPARE_DESCRIPTORS = 1_000;

  private IdleConnBench() {}

  /** Returns the figure {@code idle-conn-bytes}. */
  static Figure run(BenchSettings settings) throws IOException {
    double synack;
    try {
      synack = synackBytesPerConnection(settings.idleConns());
    } catch (HeapMeter.Unmeasurable e) {
      return Figure.skipped("idle-conn-bytes", "bytes", "unmeasurable: " + e.getMessage());
    }
    int kernelConns = settings.kernelIdleConns();
    long limit = OpenFileLimit.raise(2L * kernelConns + SPARE_DESCRIPTORS);
    String limitNote = "";
    if (limit < 2L * kernelConns + SPARE_DESCRIPTORS) {
      kernelConns = (int) Math.max(16, (limit - SPARE_DESCRIPTORS) / 2);
      limitNote = " (descriptor limit " + limit + ")";
    }
    double kernel = KernelSockets.available() ? kernelBytesPerSocket(kernelConns) : Double.NaN;
    if (Double.isNaN(kernel)) {
      return Figure.skipped(
          "idle-conn-bytes",
          "bytes",
          "synack "
              + Math.round(synack)
              + " B/connection; kernel reference needs "
              + KernelSockets.missing());
    }
    return Figure.measured(
        "idle-conn-bytes",
        "bytes",
        synack,
        kernel,
        "synack: heap after GC / "
            + 2L * settings.idleConns()
            + " connection ends ("
            + settings.idleConns()
            + " connections); kernel: "
            + String.join("+", SOCKET_SLABS)
            + " slabs + sockstat pages / "
            + 2L * kernelConns
            + " sockets ("
            + kernelConns
            + " loopback connections"
            + limitNote
            + ")");
  }

  /**
   * Opens {@code connections} idle connections between two synack hosts; returns heap bytes per
   * connection end.
   *
   * @throws HeapMeter.Unmeasurable if the heap did not settle, or grew by less than its noise
   */
  @SuppressWarnings(
      "ReachabilityFenceUsage") // the fences end a measurement; there is nothing to release
  static double synackBytesPerConnection(int connections) {
    HeapMeter meter = HeapMeter.runtime();
    long before = meter.stable();
    SimHosts hosts = SimHosts.forConnections(connections);
    Listener listener = hosts.listen();
    Connection[] clients = new Connection[connections];
    Connection[] servers = new Connection[connections];
    int accepted = 0;
    int batch = 2_000; // below the listen backlog (somaxconn 4096), so no SYN is dropped
    for (int opened = 0; opened < connections; ) {
      int end = Math.min(connections, opened + batch);
      for (; opened < end; opened++) clients[opened] = hosts.connect(opened);
      while (accepted < opened) {
        Connection c;
        while ((c = listener.accept()) != null) servers[accepted++] = c;
        hosts.discardEvents();
        if (accepted < opened && !hosts.net.step()) {
          throw new IllegalStateException(
              "idle connections stalled: " + accepted + " accepted of " + opened);
        }
      }
    }
    hosts.net.runUntilIdle(hosts.net.now() + 1_000_000_000L);
    HostEvent e;
    while ((e = hosts.pollEvent()) != null) {
      if (e instanceof HostEvent.OfConnection(var c, var event)
          && c.state() != TcpState.ESTABLISHED) {
        throw new IllegalStateException(
            "an idle connection left ESTABLISHED: " + c + " on " + event);
      }
    }
    long after = meter.stable();
    if (hosts.client.connectionCount() != connections
        || hosts.server.connectionCount() != connections) {
      throw new IllegalStateException(
          "expected "
              + connections
              + " connections each side, have client "
              + hosts.client.connectionCount()
              + ", server "
              + hosts.server.connectionCount());
    }
    double perEnd = meter.perItem(before, after, 2 * connections);
    // Kept reachable until measured: the handles and hosts are part of what is counted. (Error
    // Prone's
    // ReachabilityFenceUsage wants a finally block; there is no resource here, only the end of a
    // measurement.)
    java.lang.ref.Reference.reachabilityFence(clients);
    java.lang.ref.Reference.reachabilityFence(servers);
    java.lang.ref.Reference.reachabilityFence(hosts);
    return perEnd;
  }

  /**
   * Opens {@code connections} kernel connections over loopback; returns kernel bytes per socket.
   */
  static double kernelBytesPerSocket(int connections) throws IOException {
    int ports =
        Math.max(
            1,
            (connections + SimHosts.CONNECTIONS_PER_ADDRESS - 1)
                / SimHosts.CONNECTIONS_PER_ADDRESS);
    List<ServerSocketChannel> listeners = new ArrayList<>();
    List<SocketChannel> sockets = new ArrayList<>(2 * connections);
    try {
      for (int i = 0; i < ports; i++) {
        ServerSocketChannel l = ServerSocketChannel.open();
        l.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4096);
        listeners.add(l);
      }
      long before = KernelSockets.bytesInUse();
      for (int i = 0; i < connections; i++) {
        ServerSocketChannel l = listeners.get(i / SimHosts.CONNECTIONS_PER_ADDRESS);
        sockets.add(SocketChannel.open(l.getLocalAddress()));
        // Accepted at once, in this thread: the SYN has been answered by the time connect returns.
        sockets.add(l.accept());
      }
      long after = KernelSockets.bytesInUse();
      return (after - before) / (2.0 * connections);
    } finally {
      for (SocketChannel s : sockets) s.close();
      for (ServerSocketChannel l : listeners) l.close();
    }
  }
}
