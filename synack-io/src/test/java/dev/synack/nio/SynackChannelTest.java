package dev.synack.nio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.sim.LinkConfig;
import dev.synack.stack.HostConfig;
import dev.synack.tcp.TcpConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ConnectionPendingException;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.NoConnectionPendingException;
import java.nio.channels.NotYetBoundException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import jdk.net.ExtendedSocketOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The NIO channels and selector of {@link SynackSelectorProvider}, behaving as the JDK documents,
 * over a simulated network in real time.
 */
class SynackChannelTest {
  private final SynackSelectorProvider provider = new SynackSelectorProvider();
  private final SimPair pair = new SimPair();

  @AfterEach
  void close() throws IOException {
    pair.close();
  }

  private ServerSocketChannel listen() throws Exception {
    return pair.apps
        .host("server")
        .call(
            () -> {
              ServerSocketChannel s = provider.openServerSocketChannel();
              s.bind(new InetSocketAddress(0));
              return s;
            });
  }

  private SocketChannel open() throws Exception {
    return pair.apps.host("client").call(provider::openSocketChannel);
  }

  private static InetSocketAddress at(ServerSocketChannel s) throws IOException {
    return new InetSocketAddress(
        SimPair.SERVER, ((InetSocketAddress) s.getLocalAddress()).getPort());
  }

  private static String readAll(SocketChannel c) throws IOException {
    StringBuilder b = new StringBuilder();
    ByteBuffer buf = ByteBuffer.allocate(100);
    while (c.read(buf.clear()) >= 0) b.append(StandardCharsets.UTF_8.decode(buf.flip()));
    return b.toString();
  }

  @Test
  void blocking_connectWriteRead_peerSeesBytesThenEndOfStream() throws Exception {
    try (ServerSocketChannel server = listen();
        SocketChannel client = open()) {
      int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
      assertTrue(port >= 32768 && port <= 60999, "port 0 takes an ephemeral port: " + port);
      assertTrue(client.connect(at(server)), "a blocking connect completes");
      assertTrue(client.isConnected());
      assertEquals(at(server), client.getRemoteAddress());
      try (SocketChannel accepted = server.accept()) {
        assertEquals(client.getLocalAddress(), accepted.getRemoteAddress());
        client.write(ByteBuffer.wrap("hello, synack".getBytes(StandardCharsets.UTF_8)));
        client.shutdownOutput();
        assertEquals("hello, synack", readAll(accepted));
        accepted.write(ByteBuffer.wrap("back".getBytes(StandardCharsets.UTF_8)));
        accepted.close();
        assertEquals("back", readAll(client), "half-closed: the client still reads");
        assertThrows(
            ClosedChannelException.class,
            () -> client.write(ByteBuffer.allocate(1)),
            "output is shut down");
      }
    }
  }

  @Test
  void nonBlocking_connectThroughSelector_opConnectThenFinishConnect() throws Exception {
    try (ServerSocketChannel server = listen();
        SocketChannel client = open();
        Selector selector = provider.openSelector()) {
      client.configureBlocking(false);
      assertFalse(client.connect(at(server)), "the handshake needs a round trip");
      assertTrue(client.isConnectionPending());
      assertThrows(ConnectionPendingException.class, () -> client.connect(at(server)));
      SelectionKey key = client.register(selector, SelectionKey.OP_CONNECT);
      assertEquals(1, selector.select(10_000));
      assertTrue(key.isConnectable());
      assertTrue(client.finishConnect());
      assertTrue(client.isConnected());
      assertThrows(AlreadyConnectedException.class, () -> client.connect(at(server)));

      key.interestOps(SelectionKey.OP_READ);
      assertEquals(0, selector.selectNow(), "nothing to read yet");
      server.configureBlocking(false);
      SelectionKey acceptKey = server.register(selector, SelectionKey.OP_ACCEPT);
      selector.select(10_000);
      assertTrue(selector.selectedKeys().contains(acceptKey));
      SocketChannel accepted = server.accept();
      accepted.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
      selector.selectedKeys().clear();
      while (!key.isReadable()) selector.select(10_000);
      ByteBuffer got = ByteBuffer.allocate(10);
      assertEquals(3, client.read(got));
      assertEquals(0, client.read(got.clear()), "non-blocking: nothing more now");
      accepted.close();
    }
  }

  @Test
  void connect_toClosedPort_connectExceptionAndTheChannelCloses() throws Exception {
    try (SocketChannel client = open()) {
      ConnectException e =
          assertThrows(
              ConnectException.class,
              () -> client.connect(new InetSocketAddress(SimPair.SERVER, 9)));
      assertEquals("Connection refused", e.getMessage());
      assertFalse(client.isOpen(), "a failed connect closes the channel, as the JDK's");
    }
  }

  @Test
  void wrongUse_throwsTheJdksExceptions() throws Exception {
    try (SocketChannel client = open();
        ServerSocketChannel unbound =
            pair.apps.host("server").call(provider::openServerSocketChannel)) {
      assertThrows(NotYetConnectedException.class, () -> client.read(ByteBuffer.allocate(1)));
      assertThrows(NotYetConnectedException.class, () -> client.write(ByteBuffer.allocate(1)));
      assertThrows(NoConnectionPendingException.class, client::finishConnect);
      assertThrows(NotYetBoundException.class, unbound::accept);
      assertThrows(
          UnresolvedAddressException.class,
          () -> client.connect(InetSocketAddress.createUnresolved("nowhere", 80)));
      assertThrows(
          UnsupportedOperationException.class,
          () -> client.setOption(StandardSocketOptions.IP_TOS, 1));
      client.close();
      assertThrows(ClosedChannelException.class, () -> client.read(ByteBuffer.allocate(1)));
      assertThrows(
          ClosedChannelException.class,
          () -> client.connect(new InetSocketAddress(SimPair.SERVER, 80)));
    }
  }

  @Test
  void options_setBeforeAndAfterConnect_reachTheConnection() throws Exception {
    try (ServerSocketChannel server = listen();
        SocketChannel client = open()) {
      client.setOption(StandardSocketOptions.SO_RCVBUF, 32768);
      client.setOption(StandardSocketOptions.TCP_NODELAY, true);
      client.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
      client.connect(at(server));
      assertEquals(32768, client.getOption(StandardSocketOptions.SO_RCVBUF));
      assertEquals(true, client.getOption(StandardSocketOptions.TCP_NODELAY));
      assertEquals(true, client.getOption(StandardSocketOptions.SO_KEEPALIVE));
      client.setOption(StandardSocketOptions.SO_SNDBUF, 20000);
      client.setOption(StandardSocketOptions.SO_LINGER, 3);
      assertEquals(20000, client.getOption(StandardSocketOptions.SO_SNDBUF));
      assertEquals(3, client.getOption(StandardSocketOptions.SO_LINGER));
      assertEquals(true, client.socket().getTcpNoDelay(), "the adaptor reads the same connection");
      assertThrows(
          IllegalArgumentException.class,
          () -> client.setOption(StandardSocketOptions.SO_RCVBUF, 0));
      server.accept().close();
    }
  }

  @Test
  void extendedOptions_keepAliveTimingAndQuickAck_mapOntoTheConnectionsOptions() throws Exception {
    try (ServerSocketChannel server = listen();
        SocketChannel client = open()) {
      assertEquals(
          7200,
          client.getOption(ExtendedSocketOptions.TCP_KEEPIDLE),
          "the host's default before any is set");
      client.setOption(ExtendedSocketOptions.TCP_KEEPIDLE, 30);
      client.setOption(ExtendedSocketOptions.TCP_KEEPCOUNT, 4);
      client.connect(at(server));
      SynackSocketChannel c = (SynackSocketChannel) client;
      assertEquals(
          java.time.Duration.ofSeconds(30),
          c.connection().options().keepAliveIdle(),
          "set before the connect, applied by it");
      assertEquals(4, c.connection().options().keepAliveCount());
      client.setOption(ExtendedSocketOptions.TCP_KEEPINTERVAL, 5);
      assertEquals(
          java.time.Duration.ofSeconds(5),
          c.connection().options().keepAliveInterval(),
          "set on the open connection");
      assertEquals(30, client.getOption(ExtendedSocketOptions.TCP_KEEPIDLE));
      assertEquals(5, client.getOption(ExtendedSocketOptions.TCP_KEEPINTERVAL));
      assertEquals(4, client.getOption(ExtendedSocketOptions.TCP_KEEPCOUNT));
      assertThrows(
          java.net.SocketException.class,
          () -> client.setOption(ExtendedSocketOptions.TCP_KEEPCOUNT, 128),
          "Linux's EINVAL");
      assertThrows(
          java.net.SocketException.class,
          () -> client.setOption(ExtendedSocketOptions.TCP_KEEPIDLE, 0));
      client.setOption(ExtendedSocketOptions.TCP_QUICKACK, false);
      assertEquals(false, client.getOption(ExtendedSocketOptions.TCP_QUICKACK));
      assertEquals(
          false,
          c.connection().options().quickAck(),
          "the connection in ping-pong mode, as Linux's TCP_QUICKACK 0");
      client.setOption(ExtendedSocketOptions.TCP_QUICKACK, true);
      assertEquals(true, client.getOption(ExtendedSocketOptions.TCP_QUICKACK));
      assertTrue(client.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT));
      server.accept().close();
    }
  }

  @Test
  void reusePort_twoServerChannelsShareAPortAndBothAccept_aThirdWithoutItIsRefused()
      throws Exception {
    ServerSocketChannel[] group =
        pair.apps
            .host("server")
            .call(
                () -> {
                  ServerSocketChannel a = provider.openServerSocketChannel();
                  a.setOption(StandardSocketOptions.SO_REUSEPORT, true);
                  a.bind(new InetSocketAddress(8080));
                  ServerSocketChannel b = provider.openServerSocketChannel();
                  b.setOption(StandardSocketOptions.SO_REUSEPORT, true);
                  b.bind(new InetSocketAddress(8080));
                  return new ServerSocketChannel[] {a, b};
                });
    try (ServerSocketChannel a = group[0];
        ServerSocketChannel b = group[1]) {
      assertEquals(true, a.getOption(StandardSocketOptions.SO_REUSEPORT));
      ServerSocketChannel plain = pair.apps.host("server").call(provider::openServerSocketChannel);
      try (plain) {
        assertThrows(java.net.BindException.class, () -> plain.bind(new InetSocketAddress(8080)));
      }
      List<SocketChannel> clients = new java.util.ArrayList<>();
      for (int i = 0; i < 16; i++) {
        SocketChannel c = open();
        c.connect(new InetSocketAddress(SimPair.SERVER, 8080));
        clients.add(c);
      }
      a.configureBlocking(false);
      b.configureBlocking(false);
      int[] accepted = new int[2];
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (accepted[0] + accepted[1] < 16 && System.nanoTime() < deadline) {
        for (int i = 0; i < 2; i++) {
          SocketChannel s = group[i].accept();
          if (s != null) {
            accepted[i]++;
            s.close();
          }
        }
        Thread.sleep(5);
      }
      assertEquals(16, accepted[0] + accepted[1]);
      assertTrue(
          accepted[0] > 0 && accepted[1] > 0,
          "both members accepted: " + accepted[0] + " / " + accepted[1]);
      for (SocketChannel c : clients) c.close();
    }
  }

  /** Opens a client channel with SO_REUSEADDR and SO_REUSEPORT as given. */
  private SocketChannel openSharing(boolean reuseAddress, boolean reusePort) throws Exception {
    SocketChannel c = open();
    c.setOption(StandardSocketOptions.SO_REUSEADDR, reuseAddress);
    c.setOption(StandardSocketOptions.SO_REUSEPORT, reusePort);
    return c;
  }

  @Test
  void clientBind_holdsThePortBeforeTheConnect_asLinuxsBind() throws Exception {
    try (SocketChannel first = openSharing(false, false);
        SocketChannel second = openSharing(false, false);
        SocketChannel a = openSharing(true, false);
        SocketChannel b = openSharing(true, false)) {
      first.bind(new InetSocketAddress(40021));
      assertThrows(
          java.net.BindException.class,
          () -> second.bind(new InetSocketAddress(40021)),
          "Linux's EADDRINUSE at the second bind, neither connected");
      ServerSocketChannel listener =
          pair.apps.host("client").call(provider::openServerSocketChannel);
      try (listener) {
        assertThrows(
            java.net.BindException.class,
            () -> listener.bind(new InetSocketAddress(40021)),
            "a listen on a port a bound socket holds");
      }
      a.bind(new InetSocketAddress(40022));
      b.bind(new InetSocketAddress(40022));
      assertEquals(40022, ((InetSocketAddress) b.getLocalAddress()).getPort(), "both SO_REUSEADDR");
    }
    try (SocketChannel again = openSharing(false, false)) {
      again.bind(new InetSocketAddress(40021));
      assertEquals(
          40021,
          ((InetSocketAddress) again.getLocalAddress()).getPort(),
          "the close let the port go");
    }
  }

  @Test
  void clientBind_aPortAConnectionHolds_refusedUnlessBothSetSoReuseAddr() throws Exception {
    try (ServerSocketChannel one = listen();
        ServerSocketChannel two = listen();
        SocketChannel first = openSharing(false, false);
        SocketChannel second = openSharing(false, false);
        SocketChannel third = openSharing(true, false);
        SocketChannel a = openSharing(true, false);
        SocketChannel b = openSharing(true, false)) {
      first.bind(new InetSocketAddress(40001));
      first.connect(at(one));
      assertThrows(
          java.net.BindException.class,
          () -> second.bind(new InetSocketAddress(40001)),
          "Linux's EADDRINUSE: neither shares the port");
      assertThrows(
          java.net.BindException.class,
          () -> third.bind(new InetSocketAddress(40001)),
          "SO_REUSEADDR on one side only");

      a.bind(new InetSocketAddress(40002));
      a.connect(at(one));
      b.bind(new InetSocketAddress(40002));
      b.connect(at(two));
      assertEquals(40002, ((InetSocketAddress) a.getLocalAddress()).getPort());
      assertEquals(40002, ((InetSocketAddress) b.getLocalAddress()).getPort());
      assertTrue(a.isConnected() && b.isConnected(), "both share the port, to two servers");
      one.accept().close();
      one.accept().close();
      two.accept().close();
    }
  }

  @Test
  void clientBind_aListenersPort_refusedEvenWithSoReuseAddr_takenWhenBothSetSoReusePort()
      throws Exception {
    try (ServerSocketChannel server = listen();
        ServerSocketChannel local =
            pair.apps.host("client").call(provider::openServerSocketChannel);
        ServerSocketChannel group =
            pair.apps.host("client").call(provider::openServerSocketChannel);
        SocketChannel plain = openSharing(true, false);
        SocketChannel grouped = openSharing(false, true)) {
      local.bind(new InetSocketAddress(40003));
      assertThrows(
          java.net.BindException.class,
          () -> plain.bind(new InetSocketAddress(40003)),
          "Linux: SO_REUSEADDR never shares a listener's port");
      group.setOption(StandardSocketOptions.SO_REUSEPORT, true);
      group.bind(new InetSocketAddress(40004));
      grouped.bind(new InetSocketAddress(40004));
      grouped.connect(at(server));
      assertEquals(40004, ((InetSocketAddress) grouped.getLocalAddress()).getPort());
      server.accept().close();
    }
  }

  @Test
  void blockedRead_closedByAnotherThread_asynchronousCloseException() throws Exception {
    try (ServerSocketChannel server = listen();
        SocketChannel client = open()) {
      client.connect(at(server));
      SocketChannel accepted = server.accept();
      CompletableFuture<Integer> read =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return client.read(ByteBuffer.allocate(10));
                } catch (IOException e) {
                  throw new RuntimeException(e);
                }
              });
      Thread.sleep(100); // lets the reader block; the assertion holds either way
      client.close();
      ExecutionException e =
          assertThrows(ExecutionException.class, () -> read.get(10, TimeUnit.SECONDS));
      Throwable cause = e.getCause().getCause();
      assertTrue(
          cause instanceof AsynchronousCloseException || cause instanceof ClosedChannelException,
          String.valueOf(cause));
      accepted.close();
    }
  }

  @Test
  void blockedRead_interrupted_closedByInterruptAndTheChannelCloses() throws Exception {
    try (ServerSocketChannel server = listen();
        SocketChannel client = open()) {
      client.connect(at(server));
      SocketChannel accepted = server.accept();
      CompletableFuture<Throwable> outcome = new CompletableFuture<>();
      Thread reader =
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      client.read(ByteBuffer.allocate(10));
                      outcome.complete(null);
                    } catch (Throwable t) {
                      outcome.complete(t);
                    }
                  });
      Thread.sleep(100);
      reader.interrupt();
      assertInstanceOf(ClosedByInterruptException.class, outcome.get(10, TimeUnit.SECONDS));
      assertFalse(client.isOpen());
      accepted.close();
    }
  }

  @Test
  void select_timesOutWithNothingReady_andWakeupEndsIt() throws Exception {
    try (ServerSocketChannel server = listen();
        Selector selector = provider.openSelector()) {
      server.configureBlocking(false);
      server.register(selector, SelectionKey.OP_ACCEPT);
      assertNull(server.accept(), "non-blocking accept with nobody connecting");
      assertEquals(0, selector.select(50));
      selector.wakeup();
      assertEquals(0, selector.select(), "a wakeup before the select makes it return at once");
      assertThrows(
          IllegalBlockingModeException.class,
          () -> server.configureBlocking(true),
          "a registered channel stays non-blocking");
    }
  }

  @Test
  void partition_blockedWriterTimesOut_thenThePeerIsResetOnceHealed() throws Exception {
    LinkConfig link = LinkConfig.ideal().withDelay(Duration.ofMillis(1));
    HostConfig impatient =
        HostConfig.defaults(1).withTcp(TcpConfig.defaults().withUserTimeout(Duration.ofSeconds(1)));
    try (SimPair p = new SimPair(9, link, impatient);
        ServerSocketChannel server =
            p.apps
                .host("server")
                .call(
                    () -> {
                      ServerSocketChannel s = provider.openServerSocketChannel();
                      return s.bind(new InetSocketAddress(7));
                    });
        SocketChannel client = p.apps.host("client").call(provider::openSocketChannel)) {
      client.connect(new InetSocketAddress(SimPair.SERVER, 7));
      SocketChannel accepted = server.accept();
      p.setLink(link.withLoss(1.0)); // the partition: nothing gets through either way
      IOException timedOut =
          assertThrows(
              IOException.class,
              () -> {
                while (true) client.write(ByteBuffer.allocate(64 * 1024));
              });
      assertEquals(
          "Connection timed out",
          timedOut.getMessage(),
          "the user timeout (RFC 9293 §3.8.3) ends the connection");

      p.setLink(link); // healed: the client host has forgotten the connection, so the server's next
      // segment draws a RST
      accepted.write(ByteBuffer.wrap(new byte[] {1}));
      IOException reset =
          assertThrows(
              IOException.class,
              () -> {
                ByteBuffer sink = ByteBuffer.allocate(1 << 16);
                while (accepted.read(sink.clear()) >= 0) {}
              });
      assertEquals("Connection reset", reset.getMessage());
      accepted.close();
    }
  }

  @Test
  void socketAdaptors_streamsTimeoutAndAddresses() throws Exception {
    try (ServerSocketChannel server = listen();
        SocketChannel client = open()) {
      ServerSocket ss = server.socket();
      assertEquals(((InetSocketAddress) server.getLocalAddress()).getPort(), ss.getLocalPort());
      client.connect(at(server));
      Socket s = client.socket();
      assertEquals(SimPair.SERVER, s.getInetAddress());
      assertTrue(s.isConnected());
      Socket accepted = ss.accept();
      s.setSoTimeout(100);
      InputStream in = s.getInputStream();
      assertThrows(SocketTimeoutException.class, in::read);
      accepted.getOutputStream().write("xyz".getBytes(StandardCharsets.UTF_8));
      byte[] got = new byte[3];
      assertEquals(3, in.readNBytes(got, 0, 3));
      assertArrayEquals("xyz".getBytes(StandardCharsets.UTF_8), got);
      accepted.close();
      assertEquals(-1, in.read());
    }
  }
}
