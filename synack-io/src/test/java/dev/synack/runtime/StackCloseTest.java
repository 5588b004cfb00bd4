package dev.synack.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.nio.HostScope;
import dev.synack.nio.SynackSelectorProvider;
import dev.synack.stack.HostConfig;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Closing a {@link Stack} (two loops, on a fan of in-memory links as in {@link StackNioTest}) under
 * threads blocked in its NIO channels: each blocked call ends as the JDK's does when another thread
 * closes its channel ({@link AsynchronousCloseException}, the channel closed), a selector waiting
 * on the stack's channels returns with their keys ready, and the loops' threads are gone.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StackCloseTest {
  private static final InetAddress GROUP = InetAddress.ofLiteral("10.9.3.2");
  private static final InetAddress PEER = InetAddress.ofLiteral("10.9.3.1");
  private static final int PORT = 8300;

  private final SynackSelectorProvider provider = new SynackSelectorProvider();
  private Stack group;
  private Stack peer;

  private void start() throws IOException {
    AtomicReference<Shards> shards = new AtomicReference<>();
    FanLinks fan =
        new FanLinks(
            2,
            packet -> {
              Shards s = shards.get();
              int owner = s == null ? 0 : s.ofPacket(packet);
              return owner == Shards.ANY ? 0 : owner;
            });
    group =
        Stack.builder()
            .name("closing-group")
            .config(HostConfig.defaults(61))
            .address(GROUP)
            .links(fan.narrow)
            .build();
    shards.set(group.shards());
    peer =
        Stack.builder()
            .name("closing-peer")
            .config(HostConfig.defaults(62))
            .address(PEER)
            .link(fan.wide)
            .build();
  }

  @AfterEach
  void tearDown() throws IOException {
    if (group != null) group.close();
    if (peer != null) peer.close();
  }

  /** A call running on a thread of its own, and that thread. */
  private record Blocked(Thread thread, CompletableFuture<Object> outcome) {}

  /**
   * Starts {@code call} on a thread of its own and returns once that thread waits in {@code
   * waitingIn} (a method of the wait that only an event or the close ends), so that the close lands
   * under a blocked call, not before it.
   */
  private static Blocked blockedIn(String waitingIn, Callable<Object> call) throws Exception {
    CompletableFuture<Object> f = new CompletableFuture<>();
    Thread t =
        Thread.ofPlatform()
            .daemon(true)
            .name("blocked-call")
            .start(
                () -> {
                  try {
                    f.complete(call.call());
                  } catch (Throwable e) {
                    f.completeExceptionally(e);
                  }
                });
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!waitsIn(t, waitingIn)) {
      assertFalse(f.isDone(), "the call did not block: " + f);
      assertTrue(System.nanoTime() < deadline, "the call never waited in " + waitingIn);
      Thread.sleep(5);
    }
    return new Blocked(t, f);
  }

  private static boolean waitsIn(Thread t, String method) {
    Thread.State s = t.getState();
    if (s != Thread.State.WAITING && s != Thread.State.TIMED_WAITING) return false;
    return Arrays.stream(t.getStackTrace()).anyMatch(e -> e.getMethodName().equals(method));
  }

  /** Returns what {@code b}'s call ended with, having checked that its thread ended. */
  private static Throwable failureOf(Blocked b) throws Exception {
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> b.outcome().get(30, TimeUnit.SECONDS));
    b.thread().join(TimeUnit.SECONDS.toMillis(30));
    assertFalse(b.thread().isAlive(), "the blocked thread ended");
    return e.getCause();
  }

  private ServerSocketChannel listen(Stack on) throws Exception {
    return HostScope.call(
        HostScope.Binding.of(on),
        () -> provider.openServerSocketChannel().bind(new InetSocketAddress(PORT), 16));
  }

  /** Connects from the peer to the group's listener; returns {client, accepted on the group}. */
  private SocketChannel[] connectedPair(ServerSocketChannel server) throws Exception {
    SocketChannel client =
        HostScope.call(
            HostScope.Binding.of(peer),
            () -> {
              SocketChannel c = provider.openSocketChannel();
              c.connect(new InetSocketAddress(GROUP, PORT));
              return c;
            });
    SocketChannel accepted = server.accept();
    return new SocketChannel[] {client, accepted};
  }

  private static int openDescriptors() {
    String[] fds = new File("/proc/self/fd").list();
    return fds == null ? -1 : fds.length;
  }

  private static long liveThreadsNamed(String prefix) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith(prefix))
        .count();
  }

  @Test
  void acceptOnTwoLoops_stackClosed_asynchronousClose_channelClosed_nothingLeftRunning()
      throws Exception {
    int fdsBefore = openDescriptors();
    start();
    assertEquals(2, group.loopCount());
    assertEquals(2, liveThreadsNamed("synack-closing-group"), "the group's two loop threads");
    ServerSocketChannel server = listen(group);
    Blocked accept = blockedIn("awaitChange", server::accept);

    group.close();

    assertInstanceOf(AsynchronousCloseException.class, failureOf(accept));
    assertFalse(server.isOpen(), "the stack's close closed the channel under the accept");
    assertThrows(ClosedChannelException.class, server::accept);
    assertEquals(0, liveThreadsNamed("synack-closing-group"), "no loop thread of the group left");
    peer.close();
    assertEquals(0, liveThreadsNamed("synack-closing-"), "no loop thread of either stack left");
    if (fdsBefore >= 0) {
      assertTrue(
          openDescriptors() <= fdsBefore,
          "descriptors back to " + fdsBefore + ": " + openDescriptors());
    }
  }

  @Test
  void readWithNothingSent_stackClosed_asynchronousClose_thenClosedChannel() throws Exception {
    start();
    try (ServerSocketChannel server = listen(group)) {
      SocketChannel[] pair = connectedPair(server);
      Blocked read = blockedIn("awaitChange", () -> pair[1].read(ByteBuffer.allocate(100)));

      group.close();

      assertInstanceOf(AsynchronousCloseException.class, failureOf(read));
      assertFalse(pair[1].isOpen());
      assertThrows(ClosedChannelException.class, () -> pair[1].read(ByteBuffer.allocate(1)));
      pair[0].close();
    }
  }

  @Test
  void writeToAPeerThatDoesNotRead_stackClosed_asynchronousClose() throws Exception {
    start();
    try (ServerSocketChannel server = listen(group)) {
      SocketChannel[] pair = connectedPair(server);
      // The peer never reads: its window and the group's send buffer fill, and the write blocks.
      ByteBuffer big = ByteBuffer.allocate(64 << 20);
      Blocked write = blockedIn("awaitChange", () -> pair[1].write(big));

      group.close();

      assertInstanceOf(AsynchronousCloseException.class, failureOf(write));
      assertFalse(pair[1].isOpen());
      pair[0].close();
    }
  }

  @Test
  void connectToASilentAddress_stackClosed_asynchronousClose() throws Exception {
    start();
    // Nobody has 10.9.3.77: the SYN goes unanswered, and connect would wait through its retries.
    SocketChannel c = HostScope.call(HostScope.Binding.of(group), provider::openSocketChannel);
    Blocked connect =
        blockedIn(
            "awaitChange",
            () -> c.connect(new InetSocketAddress(InetAddress.ofLiteral("10.9.3.77"), PORT)));

    group.close();

    assertInstanceOf(AsynchronousCloseException.class, failureOf(connect));
    assertFalse(c.isOpen());
  }

  @Test
  void receiveWithNothingSent_stackClosed_asynchronousClose() throws Exception {
    start();
    DatagramChannel d =
        HostScope.call(
            HostScope.Binding.of(group),
            () -> provider.openDatagramChannel().bind(new InetSocketAddress(PORT)));
    Blocked receive = blockedIn("awaitChange", () -> d.receive(ByteBuffer.allocate(100)));

    group.close();

    assertInstanceOf(AsynchronousCloseException.class, failureOf(receive));
    assertFalse(d.isOpen());
  }

  @Test
  void selectOnTheStacksChannels_stackClosed_returnsWithTheirKeysReady_andTheCallsFail()
      throws Exception {
    start();
    ServerSocketChannel server = listen(group);
    SocketChannel[] pair = connectedPair(server);
    Selector selector = provider.openSelector();
    server.configureBlocking(false);
    pair[1].configureBlocking(false);
    SelectionKey acceptKey = server.register(selector, SelectionKey.OP_ACCEPT);
    SelectionKey readKey = pair[1].register(selector, SelectionKey.OP_READ);
    assertEquals(0, selector.selectNow(), "nothing to accept or read yet");
    Blocked select = blockedIn("awaitChange", selector::select);

    group.close();

    // The select returns once a key is ready: the loops stop one after the other, and the close
    // has waited for both, so a second look finds the other key ready too.
    assertTrue((Integer) select.outcome().get(30, TimeUnit.SECONDS) >= 1, "the select returned");
    selector.selectNow();
    assertTrue(selector.selectedKeys().contains(acceptKey));
    assertTrue(selector.selectedKeys().contains(readKey));
    assertEquals(SelectionKey.OP_READ, readKey.readyOps());
    assertEquals(SelectionKey.OP_ACCEPT, acceptKey.readyOps());
    // As a socket whose connection is gone: the call the key invites fails.
    assertThrows(IOException.class, () -> pair[1].read(ByteBuffer.allocate(1)));
    assertThrows(IOException.class, server::accept);
    selector.close();
    pair[0].close();
  }

  /**
   * Asserts that {@code call} on {@code ch}, a channel of a closed stack, throws exactly {@link
   * ClosedChannelException} (the JDK's channel closed before the call), not the loop's {@code
   * SocketException}, and that the channel is closed afterwards.
   */
  private static void assertClosedChannel(
      java.nio.channels.Channel ch, org.junit.jupiter.api.function.Executable call) {
    Throwable e = assertThrows(IOException.class, call);
    assertEquals(ClosedChannelException.class, e.getClass(), "thrown: " + e);
    assertFalse(ch.isOpen(), "the stack's close closed the channel");
  }

  @Test
  void nonBlockingReadAndWrite_afterTheStackClosed_closedChannelException() throws Exception {
    start();
    try (ServerSocketChannel server = listen(group)) {
      SocketChannel[] pair = connectedPair(server);
      SocketChannel reader = pair[1];
      reader.configureBlocking(false);
      assertEquals(0, reader.read(ByteBuffer.allocate(1)), "nothing to read while the stack runs");
      SocketChannel[] other = connectedPair(server);
      SocketChannel writer = other[1];
      writer.configureBlocking(false);

      group.close();

      assertClosedChannel(reader, () -> reader.read(ByteBuffer.allocate(1)));
      assertClosedChannel(writer, () -> writer.write(ByteBuffer.wrap(new byte[] {1})));
      pair[0].close();
      other[0].close();
    }
  }

  @Test
  void nonBlockingConnect_afterTheStackClosed_closedChannelException() throws Exception {
    start();
    SocketChannel c = HostScope.call(HostScope.Binding.of(group), provider::openSocketChannel);
    c.configureBlocking(false);

    group.close();

    assertClosedChannel(c, () -> c.connect(new InetSocketAddress(PEER, PORT)));
  }

  @Test
  void nonBlockingAccept_afterTheStackClosed_closedChannelException() throws Exception {
    start();
    ServerSocketChannel server = listen(group);
    server.configureBlocking(false);
    assertEquals(null, server.accept(), "nothing to accept while the stack runs");

    group.close();

    assertClosedChannel(server, server::accept);
  }

  @Test
  void nonBlockingDatagramCalls_afterTheStackClosed_closedChannelException() throws Exception {
    start();
    DatagramChannel receiver =
        HostScope.call(
            HostScope.Binding.of(group),
            () -> provider.openDatagramChannel().bind(new InetSocketAddress(PORT)));
    receiver.configureBlocking(false);
    assertEquals(null, receiver.receive(ByteBuffer.allocate(8)), "nothing received yet");
    DatagramChannel sender =
        HostScope.call(HostScope.Binding.of(group), provider::openDatagramChannel);
    sender.configureBlocking(false);
    DatagramChannel connected =
        HostScope.call(
            HostScope.Binding.of(group),
            () -> provider.openDatagramChannel().connect(new InetSocketAddress(PEER, PORT)));
    connected.configureBlocking(false);
    DatagramChannel connectedWriter =
        HostScope.call(
            HostScope.Binding.of(group),
            () -> provider.openDatagramChannel().connect(new InetSocketAddress(PEER, PORT + 1)));
    connectedWriter.configureBlocking(false);

    group.close();

    assertClosedChannel(receiver, () -> receiver.receive(ByteBuffer.allocate(8)));
    assertClosedChannel(
        sender,
        () -> sender.send(ByteBuffer.wrap(new byte[] {1}), new InetSocketAddress(PEER, PORT)));
    assertClosedChannel(connected, () -> connected.read(ByteBuffer.allocate(8)));
    assertClosedChannel(
        connectedWriter, () -> connectedWriter.write(ByteBuffer.wrap(new byte[] {1})));
  }
}
