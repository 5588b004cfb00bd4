package dev.synack.nio;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.UnsupportedAddressTypeException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * synack's {@link DatagramChannel}, behaving as the JDK documents, over a simulated network in real
 * time.
 */
class SynackDatagramChannelTest {
  private final SynackSelectorProvider provider = new SynackSelectorProvider();
  private final SimPair pair = new SimPair();

  @AfterEach
  void close() throws IOException {
    pair.close();
  }

  private DatagramChannel open(String host) throws Exception {
    return pair.apps.host(host).call(provider::openDatagramChannel);
  }

  private static ByteBuffer text(String s) {
    return ByteBuffer.wrap(s.getBytes(UTF_8));
  }

  private static String text(ByteBuffer b) {
    return new String(b.array(), 0, b.position(), UTF_8);
  }

  @Test
  void sendAndReceive_unboundClientBindsAnEphemeralPort_andTheServerAnswersItsAddress()
      throws Exception {
    try (DatagramChannel server = open("server").bind(new InetSocketAddress(5353));
        DatagramChannel client = open("client")) {
      assertNull(client.getLocalAddress(), "unbound until the first send");
      assertEquals(5, client.send(text("query"), new InetSocketAddress(SimPair.SERVER, 5353)));
      InetSocketAddress local = (InetSocketAddress) client.getLocalAddress();
      assertTrue(local.getPort() >= 32768 && local.getPort() <= 60999, "ephemeral port " + local);

      ByteBuffer got = ByteBuffer.allocate(100);
      InetSocketAddress from = (InetSocketAddress) server.receive(got);
      assertEquals("query", text(got));
      assertEquals(SimPair.CLIENT, from.getAddress());
      assertEquals(local.getPort(), from.getPort());

      server.send(text("answer"), from);
      ByteBuffer answer = ByteBuffer.allocate(100);
      assertEquals(new InetSocketAddress(SimPair.SERVER, 5353), client.receive(answer));
      assertEquals("answer", text(answer));
    }
  }

  @Test
  void receive_truncatesADatagramLargerThanTheBuffer_andDiscardsTheRest() throws Exception {
    try (DatagramChannel server = open("server").bind(new InetSocketAddress(7));
        DatagramChannel client = open("client")) {
      SocketAddress to = new InetSocketAddress(SimPair.SERVER, 7);
      client.send(text("0123456789abcdef"), to);
      client.send(text("second"), to);
      ByteBuffer small = ByteBuffer.allocate(4);
      server.receive(small);
      assertEquals("0123", text(small));
      ByteBuffer next = ByteBuffer.allocate(100);
      server.receive(next);
      assertEquals(
          "second", text(next), "the rest of the first datagram is gone, as recvfrom(2) drops it");
    }
  }

  @Test
  void connected_readsOnlyItsPeer_andWritesToIt() throws Exception {
    try (DatagramChannel server = open("server").bind(new InetSocketAddress(9000));
        DatagramChannel peer = open("client").bind(new InetSocketAddress(40001));
        DatagramChannel stranger = open("client").bind(new InetSocketAddress(40002))) {
      server.connect(new InetSocketAddress(SimPair.CLIENT, 40001));
      assertTrue(server.isConnected());
      assertEquals(new InetSocketAddress(SimPair.CLIENT, 40001), server.getRemoteAddress());
      SocketAddress to = new InetSocketAddress(SimPair.SERVER, 9000);
      stranger.send(text("not for you"), to);
      peer.send(text("hello"), to);
      ByteBuffer got = ByteBuffer.allocate(100);
      assertEquals(5, server.read(got));
      assertEquals(
          "hello",
          text(got),
          "the stranger's datagram, sent first, never reached the connected channel");

      server.write(text("back"));
      ByteBuffer back = ByteBuffer.allocate(100);
      assertEquals(new InetSocketAddress(SimPair.SERVER, 9000), peer.receive(back));
      assertEquals("back", text(back));

      assertThrows(
          AlreadyConnectedException.class,
          () -> server.send(text("x"), new InetSocketAddress(SimPair.CLIENT, 40002)));
      server.disconnect();
      assertThrows(NotYetConnectedException.class, () -> server.read(ByteBuffer.allocate(10)));
    }
  }

  @Test
  void connected_toAClosedPort_readThrowsPortUnreachable() throws Exception {
    try (DatagramChannel client = open("client")) {
      client.connect(new InetSocketAddress(SimPair.SERVER, 9)); // nothing bound there
      client.write(text("anyone?"));
      assertThrows(
          PortUnreachableException.class,
          () -> client.read(ByteBuffer.allocate(10)),
          "the server's ICMP port unreachable is the connected channel's error, as ECONNREFUSED on Linux");
      // The error is reported once; the channel then works on.
      client.configureBlocking(false);
      assertEquals(0, client.read(ByteBuffer.allocate(10)));
    }
  }

  @Test
  void nonBlocking_receiveReturnsNull_andTheSelectorWakesForADatagram() throws Exception {
    try (DatagramChannel server = open("server").bind(new InetSocketAddress(6000));
        DatagramChannel client = open("client");
        Selector selector = provider.openSelector()) {
      server.configureBlocking(false);
      assertNull(server.receive(ByteBuffer.allocate(10)));
      SelectionKey key = server.register(selector, SelectionKey.OP_READ);
      assertEquals(0, selector.selectNow());
      client.send(text("ping"), new InetSocketAddress(SimPair.SERVER, 6000));
      assertEquals(1, selector.select(10_000));
      assertTrue(key.isReadable());
      ByteBuffer got = ByteBuffer.allocate(10);
      assertNotNull(server.receive(got));
      assertEquals("ping", text(got));
      selector.selectedKeys().clear();
      assertEquals(0, selector.selectNow(), "nothing more to read");
    }
  }

  @Test
  void blockedReceive_isWokenByAnAsynchronousClose() throws Exception {
    DatagramChannel server = open("server").bind(new InetSocketAddress(6001));
    CompletableFuture<Throwable> blocked =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                server.receive(ByteBuffer.allocate(10));
                return null;
              } catch (Throwable t) {
                return t;
              }
            });
    Thread.sleep(200);
    server.close();
    // Usually blocked by then (AsynchronousCloseException); if not, the receive meets a closed
    // channel: either is a ClosedChannelException.
    assertInstanceOf(ClosedChannelException.class, blocked.get(10, TimeUnit.SECONDS));
  }

  @Test
  void misuse_getsTheJdksExceptions() throws Exception {
    try (DatagramChannel c = open("client").bind(new InetSocketAddress(0))) {
      assertThrows(AlreadyBoundException.class, () -> c.bind(new InetSocketAddress(0)));
      assertThrows(NotYetConnectedException.class, () -> c.write(text("x")));
      assertThrows(
          IOException.class,
          () -> c.send(ByteBuffer.allocate(65_508), new InetSocketAddress(SimPair.SERVER, 7)),
          "a datagram over 65,507 bytes is too long");
      assertThrows(
          java.net.SocketException.class,
          () -> c.send(text("x"), new InetSocketAddress("255.255.255.255", 7)),
          "broadcast needs SO_BROADCAST");
      c.setOption(StandardSocketOptions.SO_BROADCAST, true);
      assertEquals(true, c.getOption(StandardSocketOptions.SO_BROADCAST));
      assertThrows(
          UnsupportedOperationException.class,
          () -> c.setOption(StandardSocketOptions.IP_MULTICAST_TTL, 3));
    }
    DatagramChannel v4 =
        pair.apps
            .host("client")
            .call(() -> provider.openDatagramChannel(StandardProtocolFamily.INET));
    assertThrows(
        UnsupportedAddressTypeException.class,
        () -> v4.send(text("x"), new InetSocketAddress("fd00::2", 7)));
    v4.close();
    assertThrows(
        ClosedChannelException.class,
        () -> v4.send(text("x"), new InetSocketAddress(SimPair.SERVER, 7)));
    assertThrows(
        java.net.BindException.class,
        () -> open("client").bind(new InetSocketAddress(SimPair.SERVER, 0)),
        "not an address of this host");
  }

  @Test
  void manyDatagrams_allArriveIntact_inOrderOnAnIdealLink() throws Exception {
    try (DatagramChannel server = open("server").bind(new InetSocketAddress(7000));
        DatagramChannel client = open("client")) {
      client.connect(new InetSocketAddress(SimPair.SERVER, 7000));
      for (int i = 0; i < 500; i++) {
        ByteBuffer b = ByteBuffer.allocate(4 + i);
        b.putInt(i);
        client.write(b.rewind());
        ByteBuffer got = ByteBuffer.allocate(1000);
        server.receive(got);
        assertEquals(4 + i, got.position());
        assertEquals(i, got.getInt(0));
        assertArrayEquals(new byte[i], java.util.Arrays.copyOfRange(got.array(), 4, 4 + i));
      }
    }
  }
}
