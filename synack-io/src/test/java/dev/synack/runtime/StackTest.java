package dev.synack.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.link.UdpLink;
import dev.synack.socket.TcpServerSocket;
import dev.synack.socket.TcpSocket;
import dev.synack.stack.Connection;
import dev.synack.stack.HostConfig;
import dev.synack.stack.UdpEndpoint;
import dev.synack.stack.UdpMessage;
import dev.synack.tcp.FourTuple;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A stack of two loops, each on a queue of a fan of links, against a stack of one loop on the fan's
 * wide end (the kernel's side of a multiqueue device): connections land on the loop their 4-tuple
 * names, active opens on their own loop, a listener accepts from both loops, and packets steered to
 * the wrong queue are handed to their owner with nothing lost.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StackTest {
  private static final InetAddress GROUP = InetAddress.ofLiteral("10.9.0.2");
  private static final InetAddress PEER = InetAddress.ofLiteral("10.9.0.1");
  private static final int TIMEOUT_MILLIS = 60_000;

  private Stack group;
  private Stack peer;
  private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

  /** The server side's echoes: each ends without error once its client has closed. */
  private final List<Future<Void>> echoes = new CopyOnWriteArrayList<>();

  /** Starts the two stacks; {@code wrongQueue} steers every packet to the loop after its owner. */
  private void start(boolean wrongQueue) throws IOException {
    start(wrongQueue, shards -> 0);
  }

  /**
   * Starts the two stacks, steering packets no loop owns (fragments) to the loop {@code anyTo}
   * names.
   */
  private void start(boolean wrongQueue, ToIntFunction<Shards> anyTo) throws IOException {
    AtomicReference<Shards> shards = new AtomicReference<>();
    FanLinks fan =
        new FanLinks(
            2,
            packet -> {
              Shards s = shards.get();
              int owner = s == null ? 0 : s.ofPacket(packet);
              if (owner == Shards.ANY) return s == null ? 0 : anyTo.applyAsInt(s);
              return wrongQueue ? owner + 1 : owner;
            });
    group =
        Stack.builder()
            .name("group")
            .config(HostConfig.defaults(41))
            .address(GROUP)
            .links(fan.narrow)
            .build();
    shards.set(group.shards());
    peer =
        Stack.builder()
            .name("peer")
            .config(HostConfig.defaults(42))
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
  void listenerOnTwoLoops_acceptsFromBoth_everyConnectionOnItsOwner_handedOverIntact()
      throws Exception {
    start(true);
    int connections = 200;
    try (TcpServerSocket server = TcpServerSocket.bind(group, null, 7000, 256)) {
      server.setSoTimeout(TIMEOUT_MILLIS);
      List<TcpSocket> accepted = new ArrayList<>();
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
        clients.add(CompletableFuture.supplyAsync(() -> exchange(data), threads));
      }
      List<TcpSocket> open = new ArrayList<>();
      for (var c : clients) open.add(c.get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS));
      acceptor.get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
      assertEquals(connections, accepted.size());

      int[] perLoop = connectionsOnTheirOwners();
      assertEquals(connections, perLoop[0] + perLoop[1], "every connection once, on one loop");
      assertTrue(
          perLoop[0] > 0 && perLoop[1] > 0,
          "both loops took connections: " + perLoop[0] + " and " + perLoop[1]);
      // Taken is read first: acknowledgments still cross, and a packet is counted handed before
      // taken.
      long taken = group.loop(0).handedIn() + group.loop(1).handedIn();
      long handed = group.handedOver();
      assertTrue(
          taken > connections * 10L,
          "every packet was steered to the wrong loop and handed over: " + taken);
      assertTrue(taken <= handed, "no packet taken twice: " + taken + " taken of " + handed);
      for (TcpSocket s : open) s.close();
      awaitEchoes();
      for (TcpSocket s : accepted) s.close();
    }
  }

  @Test
  void activeOpens_runOnTheirOwnLoop_noPacketHandedOver() throws Exception {
    start(false);
    int connections = 40;
    try (TcpServerSocket server = TcpServerSocket.bind(peer, null, 7001, 64)) {
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
        TcpSocket s = TcpSocket.connect(group, new InetSocketAddress(PEER, 7001), TIMEOUT_MILLIS);
        s.setSoTimeout(TIMEOUT_MILLIS);
        byte[] data = random(100 + i, 5_000);
        s.getOutputStream().write(data);
        byte[] back = new byte[data.length];
        new DataInputStream(s.getInputStream()).readFully(back);
        assertArrayEquals(data, back);
        open.add(s);
      }
      acceptor.get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
      int[] perLoop = connectionsOnTheirOwners();
      assertEquals(connections / 2, perLoop[0], "active opens take the loops in turn");
      assertEquals(connections / 2, perLoop[1]);
      assertEquals(
          0,
          group.handedOver(),
          "the peer's answers came in on the queue of the loop that owns them");
      for (TcpSocket s : open) s.close();
      awaitEchoes();
    }
  }

  /**
   * A UDP datagram too large for the link leaves the peer in fragments, which carry no ports;
   * steered to the loop that does not own the port, that loop reassembles the datagram and hands it
   * to the owner, whose endpoint takes it: no ICMP port unreachable from the loop that read the
   * fragments.
   */
  @Test
  void fragmentsReadOnTheWrongLoop_datagramReassembledAndHandedToItsOwner_noPortUnreachable()
      throws Exception {
    int port = 7100;
    start(false, shards -> 1 - shards.ofUdp(port));
    int owner = group.shards().ofUdp(port);
    HostDriver ownerLoop = group.loop(owner);
    UdpEndpoint server = ownerLoop.call(now -> ownerLoop.host().bindUdp(null, port));
    HostDriver peerLoop = peer.loop(0);
    byte[] data = random(300, 4000);
    peerLoop.call(
        now -> {
          UdpEndpoint client = peerLoop.host().bindUdp(null, 7200);
          client.send(java.nio.ByteBuffer.wrap(data), GROUP, port, now);
          return null;
        });
    UdpMessage got = null;
    for (int i = 0; i < 600 && got == null; i++) {
      got = ownerLoop.call(now -> server.receive());
      if (got == null) Thread.sleep(50);
    }
    assertNotNull(got, "the datagram reached the endpoint on the loop owning its port");
    assertArrayEquals(data, got.payload(), "intact");
    HostDriver other = group.loop(1 - owner);
    assertEquals(
        1L,
        (long) other.call(now -> other.host().counters().datagramsReassembled()),
        "the wrong loop reassembled it");
    assertEquals(
        0L,
        (long) other.call(now -> other.host().counters().unreachablesSent()),
        "no ICMP port unreachable");
    assertEquals(0L, (long) ownerLoop.call(now -> ownerLoop.host().counters().unreachablesSent()));
    assertEquals(1, group.handedOver(), "the whole datagram handed over once");
  }

  @Test
  void builder_refusesBadShapes() throws IOException {
    FanLinks fan = new FanLinks(2, p -> 0);
    var twoLinks = Stack.builder().address(GROUP).links(fan.narrow).loops(3);
    assertThrows(IllegalArgumentException.class, twoLinks::build);
    assertThrows(IllegalArgumentException.class, () -> Stack.builder().address(GROUP).build());
    assertThrows(IllegalArgumentException.class, () -> Stack.builder().loops(0));
    var traced = Stack.builder().address(GROUP).links(fan.narrow).trace(e -> {});
    assertThrows(IllegalArgumentException.class, traced::build);
  }

  @Test
  void oneLink_isOneLoop_withoutNote() throws IOException {
    FanLinks fan = new FanLinks(1, p -> 0);
    try (Stack one = Stack.builder().address(GROUP).link(fan.narrow.get(0)).build()) {
      assertEquals(1, one.loopCount());
      assertNull(one.note());
      assertTrue(one.isRunning());
    }
  }

  /**
   * Two loops on two UDP sockets sharing a port ({@code SO_REUSEPORT}) against a stack on one: the
   * kernel gives one peer's datagrams to one socket, and its loop hands the other loop's packets
   * over.
   */
  @Test
  void udpLinkGroup_twoSocketsOnOnePort_connectionsOnBothLoopsIntact() throws Exception {
    List<UdpLink> links =
        UdpLink.openGroup(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), null, 1500, 2);
    assertEquals(links.get(0).localAddress(), links.get(1).localAddress(), "one port");
    group =
        Stack.builder()
            .name("group")
            .config(HostConfig.defaults(43))
            .address(GROUP)
            .links(links)
            .build();
    peer =
        Stack.builder()
            .name("peer")
            .config(HostConfig.defaults(44))
            .address(PEER)
            .link(
                UdpLink.open(
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                    links.get(0).localAddress()))
            .build();
    int connections = 40;
    try (TcpServerSocket server = TcpServerSocket.bind(group, null, 7000, 64)) {
      server.setSoTimeout(TIMEOUT_MILLIS);
      List<TcpSocket> accepted = new ArrayList<>();
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
      List<TcpSocket> open = new ArrayList<>();
      for (int i = 0; i < connections; i++) open.add(exchange(random(200 + i, 10_000)));
      acceptor.get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
      int[] perLoop = connectionsOnTheirOwners();
      assertEquals(connections, perLoop[0] + perLoop[1]);
      assertTrue(
          perLoop[0] > 0 && perLoop[1] > 0,
          "both loops took connections: " + perLoop[0] + " and " + perLoop[1]);
      assertTrue(
          group.handedOver() > 0, "one socket read the other loop's packets and handed them over");
      for (TcpSocket s : open) s.close();
      awaitEchoes();
      for (TcpSocket s : accepted) s.close();
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

  private TcpSocket exchange(byte[] data) {
    try {
      TcpSocket s = TcpSocket.connect(peer, new InetSocketAddress(GROUP, 7000), TIMEOUT_MILLIS);
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

  /** Waits for every echo to end, and fails the test with an echo's failure. */
  private void awaitEchoes() throws Exception {
    for (Future<Void> e : echoes) e.get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
  }

  /** Echoes until the peer closes. */
  private static Void echo(TcpSocket s) throws IOException {
    s.setSoTimeout(TIMEOUT_MILLIS);
    byte[] buffer = new byte[8192];
    var in = s.getInputStream();
    var out = s.getOutputStream();
    int n;
    while ((n = in.read(buffer)) > 0) out.write(buffer, 0, n);
    return null;
  }

  private static byte[] random(long seed, int length) {
    byte[] b = new byte[length];
    new SplittableRandom(seed).nextBytes(b);
    return b;
  }
}
