package dev.synack.link;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.runtime.HostDriver;
import dev.synack.runtime.LinkErrors;
import dev.synack.socket.TcpServerSocket;
import dev.synack.socket.TcpSocket;
import dev.synack.stack.Host;
import dev.synack.stack.HostConfig;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A TUN device taken down ({@code ip link set DEV down}) for a few seconds during a transfer from
 * synack to a kernel socket, then brought back: the writes that fail meanwhile drop their packets,
 * the loop carries on, TCP resends, and the transfer ends intact; the device, the loop and the
 * listener are still there for the next client. The kernel sits in a namespace of its own.
 */
class TunLinkDownTest {
  private static final InetAddress KERNEL = address("10.204.0.1");
  private static final InetAddress SYNACK = address("10.204.0.2");
  private static final int BYTES = 8 << 20;
  private static final int TIMEOUT_MILLIS = 60_000;

  private final List<String> notes = Collections.synchronizedList(new ArrayList<>());
  private NetnsFixture ns;
  private TunLink tun;
  private Host host;
  private HostDriver driver;

  @BeforeEach
  void setUp() throws IOException {
    NetnsFixture.assumePrivileged();
    ns = NetnsFixture.create();
    tun = TunLink.openWithOffloads(NetnsFixture.uniqueName("skd"), 1500);
    ns.moveIn(tun.name());
    ns.addressAndUp(tun.name(), KERNEL.getHostAddress() + "/24");
    host = new Host("synack", HostConfig.defaults(11).withMtu(1500), null);
    host.addAddress(SYNACK);
    driver = new HostDriver(host, tun, notes::add);
  }

  @AfterEach
  void tearDown() throws Exception {
    if (driver != null) {
      driver.close();
    } else if (tun != null) {
      tun.close();
    }
    if (ns != null) ns.close();
  }

  @Test
  void deviceDownForSecondsMidTransfer_loopCarriesOn_transferIntact_nextClientServed()
      throws Exception {
    byte[] data = new byte[BYTES];
    new SplittableRandom(3).nextBytes(data);
    AtomicInteger progress = new AtomicInteger();
    CountDownLatch resume = new CountDownLatch(1);
    ServerSocket listener =
        InNetns.call(
            ns.name(),
            () -> {
              ServerSocket l = new ServerSocket();
              // With the reader paused below, a small receive buffer keeps most of the transfer in
              // synack
              // while the device is down: with GSO synack sends 8 MB faster than `ip link set down`
              // runs.
              l.setReceiveBufferSize(256 << 10);
              l.bind(new InetSocketAddress(KERNEL, 5004), 4);
              return l;
            });
    CompletableFuture<byte[]> reader =
        CompletableFuture.supplyAsync(
            () -> {
              try (listener;
                  Socket s = listener.accept();
                  InputStream in = s.getInputStream()) {
                s.setSoTimeout(TIMEOUT_MILLIS);
                byte[] got = new byte[BYTES];
                int n;
                int at = 0;
                while (at < BYTES && (n = in.read(got, at, Math.min(64 << 10, BYTES - at))) > 0) {
                  at += n;
                  progress.set(at);
                  // Paused once under way until the device is up again (bounded), so the transfer
                  // cannot end first.
                  if (at >= BYTES / 8 && !resume.await(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS))
                    break;
                }
                return got;
              } catch (IOException | InterruptedException e) {
                throw new RuntimeException(e);
              }
            });
    CompletableFuture<Void> writer = new CompletableFuture<>();
    Thread.ofVirtual()
        .start(
            () -> {
              try (TcpSocket s =
                  TcpSocket.connect(
                      driver, host, new InetSocketAddress(KERNEL, 5004), TIMEOUT_MILLIS)) {
                s.getOutputStream().write(data);
                writer.complete(null);
              } catch (Throwable t) {
                writer.completeExceptionally(t);
              }
            });
    for (int i = 0; i < 3_000 && progress.get() < BYTES / 8 && !reader.isDone(); i++)
      Thread.sleep(10);
    assertTrue(
        progress.get() >= BYTES / 8 && progress.get() < BYTES,
        "the transfer is under way: " + progress.get());

    ns.ip("link", "set", tun.name(), "down");
    long stalled = progress.get();
    Thread.sleep(3_000);
    // Down until synack has tried to send into it (a retransmission timeout on a loaded machine may
    // come later than 3 s), bounded.
    for (int i = 0; i < 3_000 && driver.linkErrors().sendErrors() == 0; i++) Thread.sleep(10);
    long whileDown = progress.get();
    ns.ip("link", "set", tun.name(), "up");
    resume.countDown();

    assertArrayEquals(
        data, reader.get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS), "every byte once, in order");
    writer.get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
    assertTrue(
        whileDown - stalled < BYTES / 2,
        "little crossed while the device was down: " + (whileDown - stalled));
    assertTrue(driver.isRunning(), "the loop carries on: " + driver.failure());
    LinkErrors errors = driver.linkErrors();
    assertTrue(
        errors.sendErrors() > 0, "writes to the down device failed and were counted: " + errors);
    assertFalse(errors.failing(), errors.toString());
    assertTrue(
        notes.size() >= 2 && notes.size() <= 2 * errors.episodes(),
        "noted per episode, not per packet: " + notes);
    assertTrue(notes.getFirst().contains("is down"), notes.getFirst());

    // The next client is served: synack still listens on the device it never let go of.
    try (TcpServerSocket server = TcpServerSocket.bind(driver, host, null, 5005, 4)) {
      server.setSoTimeout(TIMEOUT_MILLIS);
      Socket client =
          InNetns.call(
              ns.name(),
              () -> {
                Socket c = new Socket();
                c.connect(new InetSocketAddress(SYNACK, 5005), TIMEOUT_MILLIS);
                return c;
              });
      try (client;
          TcpSocket accepted = server.accept()) {
        client.getOutputStream().write(new byte[] {1, 2, 3});
        accepted.setSoTimeout(TIMEOUT_MILLIS);
        byte[] got = new byte[3];
        new DataInputStream(accepted.getInputStream()).readFully(got);
        assertArrayEquals(new byte[] {1, 2, 3}, got);
      }
    }
  }

  @Test
  void openWithOffloads_reportsTheModeAndDeepensTheQueue() throws Exception {
    assertTrue(tun.offload(), tun.mode());
    assertEquals("checksum and segmentation offload", tun.mode());
    assertEquals(TunLink.QUEUE_LENGTH, tun.queueLength());
    NetnsFixture.Result shown =
        ns.exec(java.time.Duration.ofSeconds(10), "ip", "link", "show", tun.name());
    assertTrue(
        shown.output().contains("qlen " + TunLink.QUEUE_LENGTH),
        "the kernel's queue is as set: " + shown.output());
    assertEquals(
        TunLink.QUEUE_LENGTH,
        (int) InNetns.call(ns.name(), () -> KernelInterface.txQueueLength(tun.name())));
  }

  private static InetAddress address(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
