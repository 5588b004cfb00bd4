package dev.synack.link;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Tests of {@link MemoryLink}: what one end sends, the other receives. */
class MemoryLinkTest {
  private final MemoryLink.Pair pair = MemoryLink.pair(200, 2);

  @Test
  void send_fromEitherEnd_otherEndReceivesInOrder() throws IOException {
    pair.a().send(ByteBuffer.wrap(UdpLinkTest.packet(30, 1)));
    pair.a().send(ByteBuffer.wrap(UdpLinkTest.packet(40, 2)));
    pair.b().send(ByteBuffer.wrap(UdpLinkTest.packet(50, 3)));
    assertArrayEquals(UdpLinkTest.packet(30, 1), receive(pair.b()));
    assertArrayEquals(UdpLinkTest.packet(40, 2), receive(pair.b()));
    assertArrayEquals(UdpLinkTest.packet(50, 3), receive(pair.a()));
    assertEquals(0, pair.a().receive(ByteBuffer.allocate(200), 0));
  }

  @Test
  void send_toAFullQueue_dropsAndCounts() throws IOException {
    for (int i = 0; i < 3; i++) pair.a().send(ByteBuffer.wrap(UdpLinkTest.packet(30, i)));
    assertEquals(1, pair.a().drops());
    ByteBuffer[] bufs = {
      ByteBuffer.allocate(200), ByteBuffer.allocate(200), ByteBuffer.allocate(200)
    };
    assertEquals(2, pair.b().receiveBatch(bufs, 0));
  }

  @Test
  void receive_intoASmallBuffer_cutsThePacket() throws IOException {
    pair.a().send(ByteBuffer.wrap(UdpLinkTest.packet(100, 1)));
    ByteBuffer small = ByteBuffer.allocate(60);
    assertEquals(60, pair.b().receive(small, 0));
    assertArrayEquals(Arrays.copyOf(UdpLinkTest.packet(100, 1), 60), small.array());
  }

  @Test
  void receive_blockedUntilTheOtherEndSends_returnsThePacket() throws Exception {
    CompletableFuture<byte[]> received =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return receive(pair.b());
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
    pair.a().send(ByteBuffer.wrap(UdpLinkTest.packet(70, 9)));
    assertArrayEquals(UdpLinkTest.packet(70, 9), received.get(10, TimeUnit.SECONDS));
  }

  @Test
  void wakeup_beforeReceive_nextWaitReturnsAtOnce() throws IOException {
    pair.b().wakeup();
    assertEquals(0, pair.b().receive(ByteBuffer.allocate(200), Link.FOREVER));
  }

  @Test
  void send_longerThanTheMtu_rejected() {
    var e =
        assertThrows(IllegalArgumentException.class, () -> pair.a().send(ByteBuffer.allocate(201)));
    assertEquals("packet of 201 bytes exceeds MTU 200", e.getMessage());
  }

  @Test
  void close_oneEnd_itsCallsFailAndPacketsToItAreDropped() throws IOException {
    pair.b().close();
    assertThrows(ClosedChannelException.class, () -> pair.b().receive(ByteBuffer.allocate(200), 0));
    pair.a().send(ByteBuffer.wrap(UdpLinkTest.packet(30, 1)));
    assertEquals(1, pair.a().drops());
  }

  @Test
  void receive_negativeTimeout_rejectedWithTheValue() {
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> pair.a().receive(ByteBuffer.allocate(200), -1));
    assertEquals("timeoutNanos must be >= 0: -1", e.getMessage());
  }

  private static byte[] receive(Link link) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(link.mtu());
    int length = link.receive(buf, TimeUnit.SECONDS.toNanos(5));
    return Arrays.copyOf(buf.array(), length);
  }
}
