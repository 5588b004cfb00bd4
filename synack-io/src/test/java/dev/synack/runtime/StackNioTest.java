package dev.synack.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.nio.HostScope;
import dev.synack.nio.SynackSelectorProvider;
import dev.synack.stack.Connection;
import dev.synack.stack.HostConfig;
import dev.synack.tcp.FourTuple;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * NIO channels on a stack of two loops (a fan of in-memory links, as in {@link StackTest}): a
 * selector-driven server channel listens on both loops and accepts from both, an active open runs
 * on the loop its flow hashes to, and a datagram channel binds on its port's loop.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class StackNioTest {
  private static final InetAddress GROUP = InetAddress.ofLiteral("10.9.1.2");
  private static final InetAddress PEER = InetAddress.ofLiteral("10.9.1.1");
  private static final long TIMEOUT_SECONDS = 120;

  private final SynackSelectorProvider provider = new SynackSelectorProvider();
  private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

  /** The server side's echoes: each ends without error once its client has closed. */
  private final List<Future<Void>> echoes = new CopyOnWriteArrayList<>();

  private Stack group;
  private Stack peer;

  /** Starts the stacks; {@code wrongQueue} steers every packet to the loop after its owner. */
  private void start(boolean wrongQueue) throws IOException {
    AtomicReference<Shards> shards = new AtomicReference<>();
    FanLinks fan =
        new FanLinks(
            2,
            packet -> {
              Shards s = shards.get();
              int owner = s == null ? 0 : s.ofPacket(packet);
              if (owner == Shards.ANY) return 0;
              return wrongQueue ? owner + 1 : owner;
            });
    group =
        Stack.builder()
            .name("group")
            .config(HostConfig.defaults(51))
            .address(GROUP)
            .links(fan.narrow)
            .build();
    shards.set(group.shards());
    peer =
        Stack.builder()
            .name("peer")
            .config(HostConfig.defaults(52))
            .address(PEER)
            .link(fan.wide)
            .build();
  }

  @AfterEach
  void tearDown() throws IOException {
    threads.shutdownNow();
    if (group != null) group.close();
    if (peer != null) peer.close();
  }

  @Test
  void selectorServerOnTwoLoops_200Connections_intact_eachOnItsHashsLoop() throws Exception {
    start(true);
    int connections = 200;
    ServerSocketChannel server =
        HostScope.call(
            HostScope.Binding.of(group),
            () -> {
              ServerSocketChannel s = provider.openServerSocketChannel();
              s.bind(new InetSocketAddress(8000), 256);
              return s;
            });
    Selector selector = provider.openSelector();
    AtomicBoolean stop = new AtomicBoolean();
    CompletableFuture<Void> serving =
        CompletableFuture.runAsync(() -> echo(server, selector, stop), threads);
    try {
      List<CompletableFuture<SocketChannel>> clients = new ArrayList<>();
      HostScope.Binding peerScope = HostScope.Binding.of(peer);
      for (int i = 0; i < connections; i++) {
        byte[] data = random(i, 20_000);
        clients.add(
            CompletableFuture.supplyAsync(
                () -> exchange(peerScope, new InetSocketAddress(GROUP, 8000), data), threads));
      }
      List<SocketChannel> open = new ArrayList<>();
      for (var c : clients) open.add(c.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
      int[] perLoop = connectionsOnTheirOwners();
      assertEquals(connections, perLoop[0] + perLoop[1], "every connection once, on one loop");
      assertTrue(
          perLoop[0] > 0 && perLoop[1] > 0,
          "both loops' listeners accepted: " + perLoop[0] + " and " + perLoop[1]);
      assertTrue(
          group.handedOver() > connections,
          "packets steered to the wrong loop were handed over: " + group.handedOver());
      for (SocketChannel c : open) c.close();
    } finally {
      stop.set(true);
      selector.wakeup();
      serving.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }
  }

  @Test
  void activeOpensOnTwoLoops_eachOnItsHashsLoop_noPacketHandedOver() throws Exception {
    start(false);
    int connections = 40;
    ServerSocketChannel server =
        HostScope.call(
            HostScope.Binding.of(peer),
            () -> {
              ServerSocketChannel s = provider.openServerSocketChannel();
              s.bind(new InetSocketAddress(8001), 64);
              return s;
            });
    CompletableFuture<Void> accepting =
        CompletableFuture.runAsync(
            () -> {
              try {
                for (int i = 0; i < connections; i++) {
                  SocketChannel c = server.accept();
                  echoes.add(threads.submit(() -> echoBlocking(c)));
                }
              } catch (IOException e) {
                throw new RuntimeException(e);
              }
            },
            threads);
    HostScope.Binding groupScope = HostScope.Binding.of(group);
    List<SocketChannel> open = new ArrayList<>();
    for (int i = 0; i < connections; i++)
      open.add(exchange(groupScope, new InetSocketAddress(PEER, 8001), random(100 + i, 5_000)));
    accepting.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    int[] perLoop = connectionsOnTheirOwners();
    assertEquals(connections / 2, perLoop[0], "active opens take the loops in turn");
    assertEquals(connections / 2, perLoop[1]);
    assertEquals(
        0, group.handedOver(), "every answer came in on the queue of the loop that owns its flow");
    for (SocketChannel c : open) c.close();
    for (Future<Void> e : echoes) e.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    server.close();
  }

  @Test
  void clientBind_aPortAConnectionHoldsOnTheSecondLoop_refusedAtTheBind() throws Exception {
    start(false);
    HostScope.Binding groupScope = HostScope.Binding.of(group);
    ServerSocketChannel listener =
        HostScope.call(
            HostScope.Binding.of(peer),
            () -> provider.openServerSocketChannel().bind(new InetSocketAddress(8002)));
    int port = 40100;
    while (group.loopOf(6, GROUP, port, PEER, 8002) != group.loop(1)) port++;
    int p = port;
    try (listener;
        SocketChannel first = HostScope.call(groupScope, provider::openSocketChannel);
        SocketChannel second = HostScope.call(groupScope, provider::openSocketChannel)) {
      first.bind(new InetSocketAddress(p));
      first.connect(new InetSocketAddress(PEER, 8002));
      assertTrue(first.isConnected());
      assertThrows(
          java.net.BindException.class,
          () -> second.bind(new InetSocketAddress(p)),
          "the connection on loop 1 holds port " + p + ", not only loop 0's host is asked");
      listener.accept().close();
    }
  }

  @Test
  void datagramChannels_bindOnTheirPortsLoop_receiveWhatArrivesThere() throws Exception {
    start(false);
    HostScope.Binding groupScope = HostScope.Binding.of(group);
    try (DatagramChannel sender =
        HostScope.call(HostScope.Binding.of(peer), () -> provider.openDatagramChannel())) {
      int[] perLoop = new int[2];
      for (int port = 9000; port < 9008; port++) {
        int p = port;
        perLoop[group.shards().ofUdp(p)]++;
        try (DatagramChannel d =
            HostScope.call(
                groupScope, () -> provider.openDatagramChannel().bind(new InetSocketAddress(p)))) {
          d.configureBlocking(false);
          byte[] data = random(p, 100);
          sender.send(ByteBuffer.wrap(data), new InetSocketAddress(GROUP, p));
          ByteBuffer got = ByteBuffer.allocate(200);
          for (int i = 0; i < 400 && d.receive(got) == null; i++) Thread.sleep(25);
          assertEquals(
              100,
              got.position(),
              "port " + p + ": the datagram reached the channel on the loop owning the port");
          assertArrayEquals(data, java.util.Arrays.copyOf(got.array(), 100));
        }
      }
      assertTrue(perLoop[0] > 0 && perLoop[1] > 0, "ports on both loops");
    }
  }

  /**
   * Checks that each loop's host holds only connections its loop owns; returns how many each holds.
   */
  private int[] connectionsOnTheirOwners() throws IOException {
    int[] count = new int[group.loopCount()];
    for (int i = 0; i < count.length; i++) {
      HostDriver loop = group.loop(i);
      List<FourTuple> ids =
          loop.call(now -> loop.host().connections().stream().map(Connection::id).toList());
      for (FourTuple id : ids) {
        assertEquals(
            i,
            group
                .shards()
                .of(6, id.localAddress(), id.localPort(), id.remoteAddress(), id.remotePort()),
            "connection " + id + " lives on loop " + i);
      }
      count[i] = ids.size();
    }
    return count;
  }

  /**
   * Connects on {@code scope}, sends {@code data}, reads it back, checks it; returns the open
   * channel.
   */
  private SocketChannel exchange(HostScope.Binding scope, InetSocketAddress to, byte[] data) {
    try {
      SocketChannel c = HostScope.call(scope, () -> provider.openSocketChannel());
      c.connect(to);
      c.write(ByteBuffer.wrap(data));
      ByteBuffer back = ByteBuffer.allocate(data.length);
      while (back.hasRemaining()) {
        if (c.read(back) < 0) throw new IOException("end of stream after " + back.position());
      }
      assertArrayEquals(data, back.array(), "echoed intact");
      return c;
    } catch (Exception e) {
      throw new RuntimeException(e);
    }
  }

  /**
   * A selector-driven echo server: non-blocking accepts from every loop, echoes what arrives, until
   * told to stop.
   */
  private static void echo(ServerSocketChannel server, Selector selector, AtomicBoolean stop) {
    try (selector;
        server) {
      server.configureBlocking(false);
      server.register(selector, SelectionKey.OP_ACCEPT);
      while (!stop.get()) {
        selector.select(1000);
        for (Iterator<SelectionKey> it = selector.selectedKeys().iterator(); it.hasNext(); ) {
          SelectionKey key = it.next();
          it.remove();
          if (key.isAcceptable()) {
            SocketChannel c;
            while ((c = server.accept()) != null) {
              c.configureBlocking(false);
              c.register(selector, SelectionKey.OP_READ, ByteBuffer.allocate(64 * 1024));
            }
          } else {
            SocketChannel c = (SocketChannel) key.channel();
            ByteBuffer pending = (ByteBuffer) key.attachment();
            if (key.isReadable() && c.read(pending) < 0) {
              key.cancel();
              c.close();
              continue;
            }
            pending.flip();
            c.write(pending);
            pending.compact();
            // What is not written yet waits for OP_WRITE; a full buffer stops reading until it
            // drains.
            int ops = pending.position() > 0 ? SelectionKey.OP_WRITE : 0;
            if (pending.hasRemaining()) ops |= SelectionKey.OP_READ;
            key.interestOps(ops);
          }
        }
      }
    } catch (IOException e) {
      throw new RuntimeException(e);
    }
  }

  private static Void echoBlocking(SocketChannel c) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(8192);
    try (c) {
      while (c.read(buffer.clear()) > 0) {
        buffer.flip();
        while (buffer.hasRemaining()) c.write(buffer);
      }
    }
    return null;
  }

  private static byte[] random(long seed, int length) {
    byte[] b = new byte[length];
    new SplittableRandom(seed).nextBytes(b);
    return b;
  }
}
