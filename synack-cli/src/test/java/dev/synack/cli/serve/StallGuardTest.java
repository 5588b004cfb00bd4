package dev.synack.cli.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.runtime.SimDriver;
import dev.synack.sim.HostNode;
import dev.synack.sim.LinkConfig;
import dev.synack.sim.SimNetwork;
import dev.synack.socket.TcpServerSocket;
import dev.synack.socket.TcpSocket;
import dev.synack.stack.Host;
import dev.synack.stack.HostConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RunnableScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Tests of {@link StallGuard} on a connection between two synack hosts on a simulated network run
 * in real time: what its writes deliver, and what they cost its timer.
 */
class StallGuardTest {
  private static final InetAddress CLIENT = InetAddress.ofLiteral("10.0.0.1");
  private static final InetAddress SERVER = InetAddress.ofLiteral("10.0.0.2");

  private final Host client = new Host("client", HostConfig.defaults(1), null);
  private final Host server = new Host("server", HostConfig.defaults(2), null);
  private final CountingTimer timer = new CountingTimer();
  private SimDriver driver;
  private TcpSocket sender;
  private TcpSocket receiver;

  @BeforeEach
  void connect() throws Exception {
    client.addAddress(CLIENT);
    server.addAddress(SERVER);
    SimNetwork net = new SimNetwork(11);
    HostNode c = new HostNode(client);
    HostNode s = new HostNode(server);
    net.attach(c, CLIENT);
    net.attach(s, SERVER);
    net.setLink(c, s, LinkConfig.ideal().withDelay(Duration.ofMillis(1)));
    driver = new SimDriver(net, List.of(client, server));
    try (TcpServerSocket listener = TcpServerSocket.bind(driver, server, SERVER, 80, 4)) {
      receiver = TcpSocket.connect(driver, client, new InetSocketAddress(SERVER, 80), 10_000);
      sender = listener.accept();
    }
    receiver.setSoTimeout(20_000);
  }

  @AfterEach
  void close() throws IOException {
    timer.shutdownNow();
    driver.close();
  }

  @Test
  void manyWrites_scheduleOneSamplerBetweenThem_andDeliverEveryByteInOrder() throws Exception {
    byte[] expected = new byte[200 * 5_000];
    for (int i = 0; i < expected.length; i++) expected[i] = (byte) (i * 13 + (i >>> 10));
    CompletableFuture<byte[]> got =
        CompletableFuture.supplyAsync(() -> readFully(receiver, expected.length));
    ByteBuffer piece = ByteBuffer.allocateDirect(5_000);
    try (StallGuard guard = new StallGuard(sender, Duration.ofSeconds(30).toNanos(), timer)) {
      for (int i = 0; i < 200; i++) {
        if (i % 2 == 0) {
          piece.clear().put(expected, i * 5_000, 5_000).flip();
          guard.write(piece);
          assertFalse(piece.hasRemaining(), "a write returned before taking all of its buffer");
        } else {
          guard.write(expected, i * 5_000, 5_000);
        }
      }
      assertArrayEquals(expected, got.get(20, TimeUnit.SECONDS));
      assertFalse(guard.fired());
    }
    // A task per write (the guard until session 9) made 200 here, and as many removals from the
    // timer's queue.
    assertEquals(1, timer.scheduled.get(), "tasks given to the timer for 200 writes");
    assertEquals(0, timer.getQueue().size(), "the sampler outlived the closed guard");
  }

  @Test
  void timeBetweenWrites_isNotCounted_aWriteAfterAnIdleGapIsNotAborted() throws Exception {
    try (StallGuard guard = new StallGuard(sender, Duration.ofMillis(100).toNanos(), timer)) {
      guard.write(new byte[] {1}, 0, 1);
      assertEquals(1, receiver.getInputStream().read());
      // Ten limits without a write, the peer taking nothing more meanwhile: nothing to guard.
      Thread.sleep(1_000);
      guard.write(new byte[] {2}, 0, 1);
      assertEquals(2, receiver.getInputStream().read());
      assertFalse(guard.fired());
      assertTrue(timer.scheduled.get() <= 1);
    }
  }

  private static byte[] readFully(TcpSocket s, int n) {
    try {
      return s.getInputStream().readNBytes(n);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The guard's timer, counting the tasks it is given. */
  private static final class CountingTimer extends ScheduledThreadPoolExecutor {
    final AtomicInteger scheduled = new AtomicInteger();

    CountingTimer() {
      super(1);
      setRemoveOnCancelPolicy(true);
    }

    @Override
    protected <V> RunnableScheduledFuture<V> decorateTask(
        Runnable runnable, RunnableScheduledFuture<V> task) {
      scheduled.incrementAndGet();
      return task;
    }

    @Override
    protected <V> RunnableScheduledFuture<V> decorateTask(
        Callable<V> callable, RunnableScheduledFuture<V> task) {
      scheduled.incrementAndGet();
      return task;
    }
  }
}
