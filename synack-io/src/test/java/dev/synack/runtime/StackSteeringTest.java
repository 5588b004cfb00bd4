package dev.synack.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.nio.HostScope;
import dev.synack.nio.SynackSelectorProvider;
import dev.synack.socket.TcpServerSocket;
import dev.synack.socket.TcpSocket;
import dev.synack.stack.HostConfig;
import dev.synack.tcp.TcpState;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A stack of two loops on the queues of a device that steers flows as Linux's multiqueue TUN does
 * ({@code tun_automq_select_queue} in drivers/net/tun.c): a flow goes to the queue synack last
 * wrote it on while the device's flow table holds it, else to a queue picked by the kernel's own
 * hash of the flow, which synack cannot compute (its key is random per boot). The loop that reads a
 * connection's SYN owns the connection, so no packet of a passive open is handed across loops; a
 * segment a loop has no connection for goes on to the next loop, and the last answers it.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StackSteeringTest {
  private static final InetAddress GROUP = InetAddress.ofLiteral("10.9.1.2");
  private static final InetAddress PEER = InetAddress.ofLiteral("10.9.1.1");
  private static final int TIMEOUT_MILLIS = 60_000;

  private Stack group;
  private Stack peer;
  private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
  private final List<Future<Void>> echoes = new CopyOnWriteArrayList<>();

  /** The device's flow table: a flow's symmetric key to the queue synack last wrote it on. */
  private final Map<Long, Integer> flows = new ConcurrentHashMap<>();

  /** Flows the device moved to another queue, whatever synack writes them on (a test's choice). */
  private final Map<Long, Integer> moved = new ConcurrentHashMap<>();

  /**
   * Starts the stacks; {@code learn} false is a device whose flow table is full (Linux keeps 4,096
   * flows, for 3 s each), which steers every packet by the kernel's hash alone.
   */
  private void start(boolean learn) throws IOException {
    FanLinks fan =
        new FanLinks(
            2,
            packet -> {
              long key = flowKey(packet);
              Integer m = moved.get(key);
              if (m != null) return m;
              Integer q = flows.get(key);
              return q != null ? q : kernelHash(key);
            },
            true,
            (packet, queue) -> {
              if (learn) flows.put(flowKey(packet), queue);
            });
    group =
        Stack.builder()
            .name("group")
            .config(HostConfig.defaults(51))
            .address(GROUP)
            .links(fan.narrow)
            .build();
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
  void passiveOpens_flowTableSteering_connectionOnTheLoopItsSynCameTo_noPacketHandedAcross()
      throws Exception {
    start(true);
    int[] perLoop = serveConnections(64, 7100);
    assertTrue(
        perLoop[0] > 0 && perLoop[1] > 0,
        "the kernel's hash spread the SYNs over both loops: " + perLoop[0] + " and " + perLoop[1]);
    assertEquals(0, group.handedOver(), "every packet read on the loop owning its connection");
  }

  @Test
  void passiveOpens_fullFlowTable_everyPacketByTheKernelsHash_noPacketHandedAcross()
      throws Exception {
    start(false);
    int[] perLoop = serveConnections(64, 7101);
    assertTrue(perLoop[0] > 0 && perLoop[1] > 0, "both loops: " + perLoop[0] + ", " + perLoop[1]);
    assertEquals(0, group.handedOver(), "every packet read on the loop owning its connection");
  }

  @Test
  void activeOpens_answersOnTheOtherQueue_handedToTheLoopHoldingTheConnection_intact()
      throws Exception {
    start(false);
    int connections = 24;
    try (TcpServerSocket server = TcpServerSocket.bind(peer, null, 7102, 64)) {
      server.setSoTimeout(TIMEOUT_MILLIS);
      Future<?> acceptor =
          threads.submit(
              () -> {
                for (int i = 0; i < connections; i++) {
                  TcpSocket s = server.accept();
                  echoes.add(threads.submit(() -> echo(s)));
                }
                return null;
              });
      List<TcpSocket> open = new ArrayList<>();
      for (int i = 0; i < connections; i++) {
        TcpSocket s = TcpSocket.connect(group, new InetSocketAddress(PEER, 7102), TIMEOUT_MILLIS);
        s.setSoTimeout(TIMEOUT_MILLIS);
        byte[] data = random(300 + i, 5_000);
        s.getOutputStream().write(data);
        byte[] back = new byte[data.length];
        new DataInputStream(s.getInputStream()).readFully(back);
        assertArrayEquals(data, back, "echoed intact");
        open.add(s);
      }
      acceptor.get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
      long handed = group.handedOver();
      long taken = group.loop(0).handedIn() + group.loop(1).handedIn();
      assertTrue(
          handed > connections,
          "answers the kernel's hash put on the other loop's queue were handed over: " + handed);
      assertTrue(taken <= handed, "none taken twice: " + taken + " of " + handed);
      for (TcpSocket s : open) s.close();
      awaitEchoes();
    }
  }

  @Test
  void synForATupleInTimeWait_flowMovedToTheOtherQueue_handedToTheLoopHoldingIt_noSecondConnection()
      throws Exception {
    start(true);
    int port = 7103;
    int clientPort = 40_500;
    HostScope.Binding peerScope = HostScope.Binding.of(peer);
    try (TcpServerSocket server = TcpServerSocket.bind(group, null, port, 16)) {
      server.setSoTimeout(TIMEOUT_MILLIS);
      // The first incarnation: the group closes first and holds the 4-tuple in TIME-WAIT.
      SocketChannel first = connectFrom(peerScope, clientPort, port);
      TcpSocket accepted = server.accept();
      int owner = loopHolding(clientPort);
      accepted.close();
      assertEquals(-1, first.read(ByteBuffer.allocate(1)), "the group's FIN");
      first.close();
      HostDriver ownerLoop = group.loop(owner);
      awaitTrue(
          () ->
              ownerLoop.call(
                  now ->
                      ownerLoop.host().connections().stream()
                          .anyMatch(c -> c.state() == TcpState.TIME_WAIT)),
          "the group's end in TIME-WAIT");
      awaitTrue(
          () -> peer.loop(0).call(now -> peer.loop(0).host().connections().isEmpty()),
          "the peer's end released");
      // The kernel forgets the flow and hashes its next SYN to the other loop's queue.
      moved.put(flowKey(PEER, clientPort, GROUP, port), 1 - owner);

      SocketChannel second = connectFrom(peerScope, clientPort, port);
      TcpSocket again = server.accept();
      byte[] data = random(77, 3_000);
      second.write(ByteBuffer.wrap(data));
      byte[] got = new byte[data.length];
      new DataInputStream(again.getInputStream()).readFully(got);
      assertArrayEquals(data, got, "the new incarnation carries data");

      HostDriver other = group.loop(1 - owner);
      assertEquals(
          0,
          (int) other.call(now -> other.host().connections().size()),
          "the loop the SYN came to opened no second connection of the 4-tuple");
      assertEquals(1, (int) ownerLoop.call(now -> ownerLoop.host().connections().size()));
      assertTrue(group.loop(1 - owner).synsHandedToOwner() >= 1, "the SYN went to the owner");
      second.close();
      again.close();
    }
  }

  /** Connects from the peer's port {@code from} to the group's {@code port}, blocking. */
  private static SocketChannel connectFrom(HostScope.Binding peerScope, int from, int port)
      throws Exception {
    return HostScope.call(
        peerScope,
        () -> {
          SocketChannel c = new SynackSelectorProvider().openSocketChannel();
          c.setOption(java.net.StandardSocketOptions.SO_REUSEADDR, true);
          c.bind(new InetSocketAddress(from));
          c.connect(new InetSocketAddress(GROUP, port));
          return c;
        });
  }

  /** Returns the loop of the group whose host holds the connection from the peer's {@code port}. */
  private int loopHolding(int port) throws IOException {
    for (int i = 0; i < 2; i++) {
      HostDriver loop = group.loop(i);
      boolean holds =
          loop.call(
              now -> loop.host().connections().stream().anyMatch(c -> c.id().remotePort() == port));
      if (holds) return i;
    }
    throw new AssertionError("no loop holds the connection from port " + port);
  }

  /** A condition read on a loop. */
  private interface Check {
    boolean holds() throws IOException;
  }

  /** Waits (bounded) until {@code check} holds. */
  private static void awaitTrue(Check check, String what) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MILLIS);
    while (!check.holds()) {
      assertTrue(System.nanoTime() < deadline, "never: " + what);
      Thread.sleep(10);
    }
  }

  /** {@link #flowKey(ByteBuffer)} of the flow between two IPv4 ends. */
  private static long flowKey(InetAddress a, int aPort, InetAddress b, int bPort) {
    long x = (ByteBuffer.wrap(a.getAddress()).getInt() & 0xffffffffL) << 16 | aPort;
    long y = (ByteBuffer.wrap(b.getAddress()).getInt() & 0xffffffffL) << 16 | bPort;
    return Math.min(x, y) * 31 + Math.max(x, y);
  }

  /**
   * Serves {@code connections} echo connections from the peer on {@code port}; returns how many
   * connections each loop of the group accepted.
   */
  private int[] serveConnections(int connections, int port) throws Exception {
    int[] perLoop = new int[2];
    try (TcpServerSocket server = TcpServerSocket.bind(group, null, port, 256)) {
      server.setSoTimeout(TIMEOUT_MILLIS);
      List<TcpSocket> accepted = new CopyOnWriteArrayList<>();
      Future<?> acceptor =
          threads.submit(
              () -> {
                for (int i = 0; i < connections; i++) {
                  TcpSocket s = server.accept();
                  accepted.add(s);
                  echoes.add(threads.submit(() -> echo(s)));
                }
                return null;
              });
      List<CompletableFuture<TcpSocket>> clients = new ArrayList<>();
      for (int i = 0; i < connections; i++) {
        byte[] data = random(i, 20_000);
        clients.add(CompletableFuture.supplyAsync(() -> exchange(data, port), threads));
      }
      List<TcpSocket> open = new ArrayList<>();
      for (var c : clients) open.add(c.get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS));
      acceptor.get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
      for (int i = 0; i < 2; i++) {
        HostDriver loop = group.loop(i);
        perLoop[i] = loop.call(now -> loop.host().connections().size());
      }
      assertEquals(connections, perLoop[0] + perLoop[1], "every connection once, on one loop");
      for (TcpSocket s : open) s.close();
      awaitEchoes();
      for (TcpSocket s : accepted) s.close();
    }
    return perLoop;
  }

  private TcpSocket exchange(byte[] data, int port) {
    try {
      TcpSocket s = TcpSocket.connect(peer, new InetSocketAddress(GROUP, port), TIMEOUT_MILLIS);
      s.setSoTimeout(TIMEOUT_MILLIS);
      s.getOutputStream().write(data);
      byte[] back = new byte[data.length];
      new DataInputStream(s.getInputStream()).readFully(back);
      assertArrayEquals(data, back, "echoed intact");
      return s;
    } catch (IOException e) {
      throw new RuntimeException(e);
    }
  }

  private void awaitEchoes() throws Exception {
    for (Future<Void> e : echoes) e.get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
  }

  private static Void echo(TcpSocket s) throws IOException {
    s.setSoTimeout(TIMEOUT_MILLIS);
    byte[] buffer = new byte[8192];
    var in = s.getInputStream();
    var out = s.getOutputStream();
    int n;
    while ((n = in.read(buffer)) > 0) out.write(buffer, 0, n);
    return null;
  }

  /**
   * Returns a key of an IPv4 TCP packet's flow, the same in both directions (as the kernel's
   * symmetric flow hash), or 0 for anything else.
   */
  private static long flowKey(ByteBuffer p) {
    int at = p.position();
    if (p.remaining() < 24 || (p.get(at) & 0xf0) != 0x40 || p.get(at + 9) != 6) return 0;
    int t = at + (p.get(at) & 0x0f) * 4;
    long a = (p.getInt(at + 12) & 0xffffffffL) << 16 | (p.getShort(t) & 0xffff);
    long b = (p.getInt(at + 16) & 0xffffffffL) << 16 | (p.getShort(t + 2) & 0xffff);
    return Math.min(a, b) * 31 + Math.max(a, b);
  }

  /** The kernel's own choice of queue for a flow the table does not hold: unknown to synack. */
  private static int kernelHash(long key) {
    long h = (key ^ (key >>> 30)) * 0xbf58476d1ce4e5b9L;
    h = (h ^ (h >>> 27)) * 0x94d049bb133111ebL;
    return (int) ((h ^ (h >>> 31)) >>> 63);
  }

  private static byte[] random(long seed, int length) {
    byte[] b = new byte[length];
    new SplittableRandom(seed).nextBytes(b);
    return b;
  }
}
