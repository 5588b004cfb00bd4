package dev.synack.link;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Tests of {@link UdpLink} over loopback: a server that learns its peer and a client that knows it.
 */
class UdpLinkTest {
  private static final long TIMEOUT = TimeUnit.SECONDS.toNanos(5);
  private static final InetSocketAddress ANY_LOOPBACK_PORT =
      new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

  private UdpLink server;
  private UdpLink client;

  @BeforeEach
  void setUp() throws IOException {
    server = UdpLink.open(ANY_LOOPBACK_PORT, null);
    client = UdpLink.open(ANY_LOOPBACK_PORT, server.localAddress(), 1400);
  }

  @AfterEach
  void tearDown() throws IOException {
    client.close();
    server.close();
  }

  @Test
  void peerPortClosed_peerUnreachableTold_sendsAndReceivesCarryOn() throws IOException {
    // A port that was just bound and closed: the kernel answers each datagram with ICMP port
    // unreachable.
    InetSocketAddress dead;
    try (DatagramChannel gone = DatagramChannel.open()) {
      gone.bind(ANY_LOOPBACK_PORT);
      dead = (InetSocketAddress) gone.getLocalAddress();
    }
    List<InetSocketAddress> told = new CopyOnWriteArrayList<>();
    try (UdpLink toNobody = UdpLink.open(ANY_LOOPBACK_PORT, dead)) {
      toNobody.onPeerUnreachable(told::add);
      ByteBuffer buf = ByteBuffer.allocate(1500);
      for (int i = 0; i < 5; i++) {
        ByteBuffer out = ByteBuffer.wrap(packet(100, i));
        toNobody.send(out);
        assertEquals(0, out.remaining(), "taken, as a wire takes what it then loses");
        assertEquals(0, toNobody.receive(buf.clear(), TimeUnit.MILLISECONDS.toNanos(20)));
      }
    }
    assertFalse(told.isEmpty(), "the ICMP port unreachable reached the link");
    assertTrue(told.stream().allMatch(dead::equals), told.toString());
  }

  @Test
  void peerListening_peerUnreachableNeverTold() throws IOException {
    List<InetSocketAddress> told = new CopyOnWriteArrayList<>();
    client.onPeerUnreachable(told::add);
    client.send(ByteBuffer.wrap(packet(40, 7)));
    assertEquals(40, server.receive(ByteBuffer.allocate(1500), TIMEOUT));
    server.send(ByteBuffer.wrap(packet(50, 8)));
    assertEquals(50, client.receive(ByteBuffer.allocate(1500), TIMEOUT));
    assertEquals(List.of(), told);
  }

  @Test
  void receive_twoStrangersSendingTwiceEach_eachToldOnce() throws IOException {
    List<InetSocketAddress> told = new CopyOnWriteArrayList<>();
    server.onIgnoredSender(told::add);
    client.send(ByteBuffer.wrap(packet(40, 4))); // The server learns the client first.
    assertEquals(40, server.receive(ByteBuffer.allocate(1500), TIMEOUT));
    List<InetSocketAddress> strangers = new ArrayList<>();
    for (int s = 0; s < 2; s++) {
      try (DatagramChannel stranger = DatagramChannel.open()) {
        stranger.bind(ANY_LOOPBACK_PORT);
        strangers.add((InetSocketAddress) stranger.getLocalAddress());
        stranger.send(ByteBuffer.wrap(packet(50, 5)), server.localAddress());
        stranger.send(ByteBuffer.wrap(packet(50, 6)), server.localAddress());
      }
    }
    client.send(ByteBuffer.wrap(packet(60, 6)));
    assertEquals(
        60,
        server.receive(ByteBuffer.allocate(1500), TIMEOUT),
        "the strangers' datagrams are skipped");
    assertEquals(4, server.foreignDrops());
    assertEquals(strangers, told);
  }

  @Test
  void send_bothWays_packetsArriveWholeAndServerLearnsItsPeer() throws IOException {
    byte[] hello = packet(100, 1);
    client.send(ByteBuffer.wrap(hello));
    ByteBuffer buf = ByteBuffer.allocate(1500);
    assertEquals(100, server.receive(buf, TIMEOUT));
    assertArrayEquals(hello, java.util.Arrays.copyOf(buf.array(), buf.position()));
    assertEquals(client.localAddress(), server.peer());

    byte[] answer = packet(1400, 2);
    server.send(ByteBuffer.allocateDirect(1400).put(answer).flip());
    ByteBuffer direct = ByteBuffer.allocateDirect(1500);
    assertEquals(1400, client.receive(direct, TIMEOUT));
    byte[] got = new byte[1400];
    direct.flip().get(got);
    assertArrayEquals(answer, got);
  }

  @Test
  void sendBatch_twentyPacketsOfManySizes_arriveIntactAndInOrderFewToACall() throws IOException {
    int n = 20;
    byte[][] sent = new byte[n][];
    ByteBuffer[] out = new ByteBuffer[n];
    for (int i = 0; i < n; i++) {
      sent[i] = packet(40 + 68 * i, 10 + i);
      out[i] =
          i % 2 == 0
              ? ByteBuffer.wrap(sent[i])
              : ByteBuffer.allocateDirect(sent[i].length).put(sent[i]).flip();
    }
    client.sendBatch(out, n);
    for (ByteBuffer b : out) assertEquals(0, b.remaining(), "each packet taken");
    assertArrivesInOrder(server, sent);
    long[] counts = client.batchCounts();
    assertNotNull(counts, "Linux has sendmmsg: the link batches");
    assertEquals(n, counts[1], "every datagram went through sendmmsg");
    assertTrue(counts[0] < n, "in fewer calls than datagrams: " + counts[0]);
  }

  @Test
  void sendBatch_fromAServerThatLearntItsPeer_arrivesInOrderAtThePeer() throws IOException {
    client.send(ByteBuffer.wrap(packet(40, 1)));
    assertEquals(40, server.receive(ByteBuffer.allocate(1500), TIMEOUT));
    byte[][] sent = {packet(100, 21), packet(1400, 22), packet(60, 23)};
    ByteBuffer[] out = {
      ByteBuffer.wrap(sent[0]), ByteBuffer.wrap(sent[1]), ByteBuffer.wrap(sent[2])
    };
    server.sendBatch(out, 3);
    assertArrivesInOrder(client, sent);
    assertEquals(3, server.batchCounts()[1]);
  }

  /** Receives {@code expected.length} packets on {@code link} and checks each, in order. */
  private static void assertArrivesInOrder(UdpLink link, byte[][] expected) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(1500);
    for (int i = 0; i < expected.length; i++) {
      buf.clear();
      assertEquals(expected[i].length, link.receive(buf, TIMEOUT), "packet " + i);
      assertArrayEquals(
          expected[i], java.util.Arrays.copyOf(buf.array(), buf.position()), "packet " + i);
    }
  }

  @Test
  void send_beforeThePeerIsKnown_dropsThePacket() throws IOException {
    assertNull(server.peer());
    ByteBuffer packet = ByteBuffer.wrap(packet(60, 3));
    server.send(packet);
    assertEquals(packet.limit(), packet.position());
    assertEquals(0, client.receive(ByteBuffer.allocate(1500), 0));
  }

  @Test
  void receive_datagramFromAStranger_droppedAndCounted() throws IOException {
    client.send(ByteBuffer.wrap(packet(40, 4))); // The server learns the client first.
    assertEquals(40, server.receive(ByteBuffer.allocate(1500), TIMEOUT));
    try (DatagramChannel stranger = DatagramChannel.open()) {
      stranger.send(ByteBuffer.wrap(packet(50, 5)), server.localAddress());
    }
    client.send(ByteBuffer.wrap(packet(60, 6)));
    ByteBuffer buf = ByteBuffer.allocate(1500);
    assertEquals(60, server.receive(buf, TIMEOUT), "the stranger's datagram is skipped");
    assertEquals(1, server.foreignDrops());
  }

  @Test
  void receiveBatch_threeWaiting_takesThemAll() throws IOException {
    for (int i = 1; i <= 3; i++) client.send(ByteBuffer.wrap(packet(40 + i, i)));
    ByteBuffer[] bufs = {
      ByteBuffer.allocate(1500),
      ByteBuffer.allocate(1500),
      ByteBuffer.allocate(1500),
      ByteBuffer.allocate(1500)
    };
    int count = 0;
    long deadline = System.nanoTime() + TIMEOUT; // Loopback delivers at once, but not atomically.
    while (count < 3 && System.nanoTime() < deadline) {
      ByteBuffer[] rest = java.util.Arrays.copyOfRange(bufs, count, bufs.length);
      count += server.receiveBatch(rest, TIMEOUT);
    }
    assertEquals(3, count);
    for (int i = 0; i < 3; i++) assertEquals(41 + i, bufs[i].position());
    assertEquals(0, bufs[3].position());
  }

  @Test
  void receive_nothingSent_returnsZeroAfterTheTimeout() throws IOException {
    long start = System.nanoTime();
    assertEquals(0, server.receive(ByteBuffer.allocate(1500), TimeUnit.MILLISECONDS.toNanos(30)));
    assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(30));
  }

  @Test
  void wakeup_fromAnotherThread_endsABlockedReceive() throws Exception {
    CompletableFuture<Integer> received =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return server.receive(ByteBuffer.allocate(1500), Link.FOREVER);
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
    server.wakeup();
    assertEquals(0, received.get(10, TimeUnit.SECONDS));
  }

  @Test
  void send_longerThanTheMtu_rejected() {
    var e =
        assertThrows(IllegalArgumentException.class, () -> client.send(ByteBuffer.allocate(1401)));
    assertEquals("packet of 1401 bytes exceeds MTU 1400", e.getMessage());
  }

  @Test
  void receive_afterClose_throwsClosed() throws IOException {
    server.close();
    assertThrows(ClosedChannelException.class, () -> server.receive(ByteBuffer.allocate(1500), 0));
  }

  /**
   * Returns {@code length} bytes that start like an IPv4 header and are marked with {@code mark}.
   */
  static byte[] packet(int length, int mark) {
    byte[] p = new byte[length];
    p[0] = 0x45;
    for (int i = 1; i < length; i++) p[i] = (byte) (mark * 31 + i);
    return p;
  }
}
