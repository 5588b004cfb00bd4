package dev.synack.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.link.MemoryLink;
import dev.synack.runtime.HostDriver;
import dev.synack.stack.Host;
import dev.synack.stack.HostConfig;
import dev.synack.tcp.TcpState;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Tests of the blocking sockets over two {@link HostDriver}s joined by a {@link MemoryLink} pair.
 */
class HostDriverSocketTest {
  private final MemoryLink.Pair pair = MemoryLink.pair();
  private final Host client = new Host("client", HostConfig.defaults(1), null);
  private final Host server = new Host("server", HostConfig.defaults(2), null);
  private final HostDriver clientDriver = driver(client, SimSocketTest.CLIENT, pair.a());
  private final HostDriver serverDriver = driver(server, SimSocketTest.SERVER, pair.b());

  private static HostDriver driver(Host host, java.net.InetAddress address, MemoryLink link) {
    host.addAddress(address);
    return new HostDriver(host, link);
  }

  @AfterEach
  void closeDrivers() throws Exception {
    clientDriver.close();
    serverDriver.close();
  }

  @Test
  void echo_aHandfulOfClientsOverAMemoryLink_allGetTheirBytesBack() throws Exception {
    try (TcpServerSocket listener =
        TcpServerSocket.bind(serverDriver, server, null, SimSocketTest.PORT, 64)) {
      // The client's sockets live on the client's driver, the listener on the server's.
      assertEquals(
          8, SimSocketTest.echoClients(clientDriver, listener, client, SimSocketTest.SERVER, 8));
    }
  }

  @Test
  void write_manyTimesTheSendBuffer_theLoopFeedsItAndTheWriterCallsOnce() throws Exception {
    int bytes = 2 << 20;
    byte[] data = new byte[bytes];
    new java.util.SplittableRandom(5).nextBytes(data);
    try (TcpServerSocket listener =
            TcpServerSocket.bind(serverDriver, server, null, SimSocketTest.PORT, 4);
        TcpSocket c =
            TcpSocket.connect(
                clientDriver,
                client,
                new InetSocketAddress(SimSocketTest.SERVER, SimSocketTest.PORT),
                5_000)) {
      c.setSendBufferSize(64 * 1024); // fixed: 32 refills for the data
      TcpSocket accepted = listener.accept();
      accepted.setSoTimeout(30_000);
      java.util.concurrent.CompletableFuture<byte[]> read =
          java.util.concurrent.CompletableFuture.supplyAsync(
              () -> {
                try {
                  byte[] got = new byte[bytes];
                  new java.io.DataInputStream(accepted.getInputStream()).readFully(got);
                  return got;
                } catch (java.io.IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              });
      long before = clientDriver.callsHandedIn() + clientDriver.callsRunInline();
      c.getOutputStream().write(data);
      // Handed to the loop, or run here on a waiting loop it claimed: once either way.
      long calls = clientDriver.callsHandedIn() + clientDriver.callsRunInline() - before;
      assertEquals(1, calls, "one call for the whole write, not one per refill of the buffer");
      org.junit.jupiter.api.Assertions.assertArrayEquals(
          data, read.get(30, java.util.concurrent.TimeUnit.SECONDS), "every byte, in order");
    }
  }

  @Test
  void read_dataComesWhileTheReaderSpins_itTakesItWithoutParking() throws Exception {
    // A budget far longer than the test: the reader spins until the byte comes.
    serverDriver.setCallerSpinNanos(60_000_000_000L);
    try (TcpServerSocket listener =
            TcpServerSocket.bind(serverDriver, server, null, SimSocketTest.PORT, 4);
        TcpSocket c =
            TcpSocket.connect(
                clientDriver,
                client,
                new InetSocketAddress(SimSocketTest.SERVER, SimSocketTest.PORT),
                5_000)) {
      TcpSocket accepted = listener.accept();
      long calls = serverDriver.callsHandedIn() + serverDriver.callsRunInline();
      java.util.concurrent.CompletableFuture<Integer> read =
          java.util.concurrent.CompletableFuture.supplyAsync(
              () -> {
                try {
                  return accepted.getInputStream().read();
                } catch (java.io.IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              });
      for (int i = 0;
          i < 10_000 && serverDriver.callsHandedIn() + serverDriver.callsRunInline() == calls;
          i++) {
        Thread.sleep(1);
      }
      // Runs after the read's first attempt (queued behind it, or after its claim): the reader has
      // found nothing and waits, spinning.
      serverDriver.call(now -> null);
      assertFalse(read.isDone(), "nothing to read yet");
      long[] before = serverDriver.callerSpinCounts();
      c.getOutputStream().write(42);
      assertEquals(42, read.get(30, java.util.concurrent.TimeUnit.SECONDS));
      long[] spins = serverDriver.callerSpinCounts();
      assertEquals(
          before[0] + 1, spins[0], "the reader saw the byte while it spun: it never parked");
      assertEquals(before[1], spins[1], "and no spin ran out");
    }
  }

  @Test
  void read_defaultBudget_aReaderThatWaitsParksWithoutSpinning() throws Exception {
    // No setCallerSpinNanos: the default (synack.busyPoll.callerNanos unset) is no spin.
    try (TcpServerSocket listener =
            TcpServerSocket.bind(serverDriver, server, null, SimSocketTest.PORT, 4);
        TcpSocket c =
            TcpSocket.connect(
                clientDriver,
                client,
                new InetSocketAddress(SimSocketTest.SERVER, SimSocketTest.PORT),
                5_000)) {
      TcpSocket accepted = listener.accept();
      long calls = serverDriver.callsHandedIn() + serverDriver.callsRunInline();
      java.util.concurrent.CompletableFuture<Integer> read =
          java.util.concurrent.CompletableFuture.supplyAsync(
              () -> {
                try {
                  return accepted.getInputStream().read();
                } catch (java.io.IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              });
      for (int i = 0;
          i < 10_000 && serverDriver.callsHandedIn() + serverDriver.callsRunInline() == calls;
          i++) {
        Thread.sleep(1);
      }
      serverDriver.call(now -> null); // after the read's first attempt: the reader waits
      assertFalse(read.isDone(), "nothing to read yet");
      c.getOutputStream().write(9);
      assertEquals(9, read.get(30, java.util.concurrent.TimeUnit.SECONDS));
      long[] spins = serverDriver.callerSpinCounts();
      assertEquals(0, spins[0] + spins[1], "no wait on the loop spun, won or lost");
    }
  }

  @Test
  void read_noSpinBudget_theReaderParksAtOnce_noSpinCounted() throws Exception {
    serverDriver.setCallerSpinNanos(0);
    try (TcpServerSocket listener =
            TcpServerSocket.bind(serverDriver, server, null, SimSocketTest.PORT, 4);
        TcpSocket c =
            TcpSocket.connect(
                clientDriver,
                client,
                new InetSocketAddress(SimSocketTest.SERVER, SimSocketTest.PORT),
                5_000)) {
      TcpSocket accepted = listener.accept();
      c.getOutputStream().write(7);
      assertEquals(7, accepted.getInputStream().read());
      assertEquals(0, serverDriver.callerSpinCounts()[0] + serverDriver.callerSpinCounts()[1]);
    }
  }

  @Test
  void closeWithLinger_peerAcknowledgesTheFin_returnsTrueInFinWait2() throws Exception {
    try (TcpServerSocket listener =
            TcpServerSocket.bind(serverDriver, server, null, SimSocketTest.PORT, 4);
        TcpSocket c =
            TcpSocket.connect(
                clientDriver,
                client,
                new InetSocketAddress(SimSocketTest.SERVER, SimSocketTest.PORT),
                5_000)) {
      TcpSocket accepted = listener.accept();
      accepted.getOutputStream().write(new byte[100_000]);

      assertTrue(accepted.close(10_000), "the client acknowledged the data and the FIN");
      assertEquals(TcpState.FIN_WAIT_2, accepted.state());
      assertEquals(TcpState.CLOSE_WAIT, c.state());
    }
  }

  @Test
  void closeWithLinger_peerSilent_returnsFalseAndResets() throws Exception {
    try (TcpServerSocket listener =
        TcpServerSocket.bind(serverDriver, server, null, SimSocketTest.PORT, 4)) {
      TcpSocket.connect(
          clientDriver,
          client,
          new InetSocketAddress(SimSocketTest.SERVER, SimSocketTest.PORT),
          5_000);
      TcpSocket accepted = listener.accept();
      clientDriver.close(); // The client's stack stops: nobody acknowledges the FIN.

      assertFalse(accepted.close(300));
      assertEquals(TcpState.CLOSED, accepted.state());
    }
  }

  /**
   * Closing a driver wakes every thread blocked on its connections with an exception, as closing a
   * JDK socket (or its channel) wakes a thread blocked in connect, accept, read or write.
   */
  @org.junit.jupiter.api.Nested
  class ClosingTheDriver {
    /** Runs {@code call} on a thread of its own and returns what it ended with. */
    private java.util.concurrent.CompletableFuture<Object> blockedIn(
        java.util.concurrent.Callable<Object> call) {
      java.util.concurrent.CompletableFuture<Object> f =
          new java.util.concurrent.CompletableFuture<>();
      Thread.ofPlatform()
          .daemon(true)
          .name("blocked-call")
          .start(
              () -> {
                try {
                  f.complete(call.call());
                } catch (Throwable t) {
                  f.completeExceptionally(t);
                }
              });
      return f;
    }

    /**
     * Waits until {@code f}'s thread has blocked, which nothing ends but the close, then closes.
     */
    private Throwable failureAfterClosing(
        HostDriver driver, java.util.concurrent.CompletableFuture<Object> f) throws Exception {
      Thread.sleep(300);
      assertFalse(f.isDone(), "the call did not block: " + f);
      driver.close();
      java.util.concurrent.ExecutionException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              java.util.concurrent.ExecutionException.class,
              () -> f.get(10, java.util.concurrent.TimeUnit.SECONDS));
      return e.getCause();
    }

    @Test
    void connectToASilentPeer_driverClosed_connectThrowsAtOnce() throws Exception {
      // Nobody answers a SYN to an address the server host does not have: connect would wait
      // through its SYN retries (about two minutes) without the close.
      InetSocketAddress silent =
          new InetSocketAddress(java.net.InetAddress.ofLiteral("10.0.0.99"), SimSocketTest.PORT);
      var connect = blockedIn(() -> TcpSocket.connect(clientDriver, client, silent, 0));

      Throwable cause = failureAfterClosing(clientDriver, connect);

      assertTrue(cause instanceof java.net.SocketException, String.valueOf(cause));
      assertTrue(cause.getMessage().contains("stopped"), cause.getMessage());
    }

    @Test
    void acceptWithNoClient_driverClosed_acceptThrows() throws Exception {
      TcpServerSocket listener =
          TcpServerSocket.bind(serverDriver, server, null, SimSocketTest.PORT, 4);
      var accept = blockedIn(listener::accept);

      Throwable cause = failureAfterClosing(serverDriver, accept);

      assertTrue(cause instanceof java.net.SocketException, String.valueOf(cause));
    }

    @Test
    void readWithNothingSent_driverClosed_readThrows() throws Exception {
      try (TcpServerSocket listener =
          TcpServerSocket.bind(serverDriver, server, null, SimSocketTest.PORT, 4)) {
        TcpSocket c =
            TcpSocket.connect(
                clientDriver,
                client,
                new InetSocketAddress(SimSocketTest.SERVER, SimSocketTest.PORT),
                5_000);
        listener.accept();
        var read = blockedIn(() -> c.getInputStream().read());

        Throwable cause = failureAfterClosing(clientDriver, read);

        assertTrue(cause instanceof java.net.SocketException, String.valueOf(cause));
        assertTrue(cause.getMessage().contains("stopped"), cause.getMessage());
      }
    }

    @Test
    void writeToAPeerThatDoesNotRead_driverClosed_writeThrows() throws Exception {
      try (TcpServerSocket listener =
          TcpServerSocket.bind(serverDriver, server, null, SimSocketTest.PORT, 4)) {
        TcpSocket c =
            TcpSocket.connect(
                clientDriver,
                client,
                new InetSocketAddress(SimSocketTest.SERVER, SimSocketTest.PORT),
                5_000);
        listener.accept(); // Never read: the windows and the send buffer fill, the write blocks.
        var write =
            blockedIn(
                () -> {
                  c.getOutputStream().write(new byte[64 << 20]);
                  return null;
                });

        Throwable cause = failureAfterClosing(clientDriver, write);

        assertTrue(cause instanceof java.net.SocketException, String.valueOf(cause));
        assertTrue(cause.getMessage().contains("stopped"), cause.getMessage());
      }
    }
  }
}
