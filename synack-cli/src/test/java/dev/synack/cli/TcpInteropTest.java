package dev.synack.cli;

import static dev.synack.cli.TunInterop.KERNEL;
import static dev.synack.cli.TunInterop.SYNACK;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.cli.serve.Service;
import dev.synack.link.NetnsFixture;
import dev.synack.socket.TcpSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * synack and the Linux kernel's own TCP on the two sides of a TUN device, each test in a namespace
 * of its own: Python sockets as the kernel's client and server, synack's blocking sockets on the
 * other side. Data both ways, half-close both ways, who closes first, RST from each side, a closed
 * port; the states of both ends are checked, synack's from its trace and the kernel's from {@code
 * ss -tan} samples.
 */
class TcpInteropTest {
  /** The states a connection that closes first passes through, in order, as ss names them. */
  private static final List<String> ACTIVE_CLOSE =
      List.of("SYN-SENT", "SYN-RECV", "ESTAB", "FIN-WAIT-1", "FIN-WAIT-2", "TIME-WAIT");

  /** The states of the end that closes second. */
  private static final List<String> PASSIVE_CLOSE =
      List.of("SYN-SENT", "SYN-RECV", "ESTAB", "CLOSE-WAIT", "LAST-ACK");

  @TempDir Path dir;
  TunInterop t;

  @BeforeEach
  void start() throws Exception {
    t = TunInterop.start(dir, TunInterop.Options.clean(), "python3", "ss");
  }

  @AfterEach
  void stop() throws Exception {
    if (t != null) t.close();
  }

  /** synack listens; the kernel's client connects to it. */
  @Nested
  class SynackServes {
    @Test
    void kernelClientSendsAMegabyte_echoedBackIntact() throws Exception {
      t.serve(7, Service.echo());

      Map<String, Object> r = TunInterop.result(t.python("client", SYNACK, "7", "1000000"));

      assertEquals(1_000_000L, num(r, "received"));
      assertEquals(r.get("sent_sha"), r.get("received_sha"));
      assertEquals(
          List.of(
              "LISTEN->SYN_RECEIVED",
              "SYN_RECEIVED->ESTABLISHED",
              "ESTABLISHED->CLOSE_WAIT",
              "CLOSE_WAIT->LAST_ACK",
              "LAST_ACK->CLOSED"),
          awaitStates(num(r, "local_port"), "LAST_ACK->CLOSED"));
    }

    @Test
    void kernelHalfClosesFirst_synackKeepsSendingFromCloseWait_andTheKernelEndsInTimeWait()
        throws Exception {
      byte[] reply = Pattern.bytes(500_000);
      CompletableFuture<Long> drained = new CompletableFuture<>();
      t.serve(
          7,
          socket -> {
            drained.complete(count(socket.getInputStream()));
            sleep(300); // Holds CLOSE_WAIT, so ss samples the kernel in FIN-WAIT-2.
            socket.getOutputStream().write(reply);
          });
      KernelStates kernel = t.sampleKernelStates();

      Map<String, Object> r =
          TunInterop.result(t.python("client", SYNACK, "7", "100000", "--hold", "0.2"));

      assertEquals(100_000L, drained.get(10, TimeUnit.SECONDS));
      assertEquals(500_000L, num(r, "received"));
      assertEquals(Pattern.sha256(reply), r.get("received_sha"));
      long port = num(r, "local_port");
      assertEquals(
          List.of(
              "LISTEN->SYN_RECEIVED",
              "SYN_RECEIVED->ESTABLISHED",
              "ESTABLISHED->CLOSE_WAIT",
              "CLOSE_WAIT->LAST_ACK",
              "LAST_ACK->CLOSED"),
          awaitStates(port, "LAST_ACK->CLOSED"));
      assertTimeWaitOrGone(KERNEL + ":" + port, SYNACK + ":7");
      KernelStates.assertPath(
          kernel.of(KERNEL + ":" + port, SYNACK + ":7"),
          ACTIVE_CLOSE,
          List.of("ESTAB", "FIN-WAIT-2"));
    }

    @Test
    void synackClosesFirst_passesThroughTimeWait_whileTheKernelSitsInCloseWait() throws Exception {
      t.serve(7, socket -> socket.getOutputStream().write(Pattern.bytes(1000)));
      KernelStates kernel = t.sampleKernelStates();

      Map<String, Object> r =
          TunInterop.result(t.python("wait-close", SYNACK, "7", "--hold", "0.3"));

      assertEquals(1000L, num(r, "received"));
      long port = num(r, "local_port");
      // TIME-WAIT lasts 2 MSL (0.5 s in these tests) and then the connection is CLOSED.
      assertEquals(
          List.of(
              "LISTEN->SYN_RECEIVED",
              "SYN_RECEIVED->ESTABLISHED",
              "ESTABLISHED->FIN_WAIT_1",
              "FIN_WAIT_1->FIN_WAIT_2",
              "FIN_WAIT_2->TIME_WAIT",
              "TIME_WAIT->CLOSED"),
          awaitStates(port, "TIME_WAIT->CLOSED"));
      KernelStates.assertPath(
          kernel.of(KERNEL + ":" + port, SYNACK + ":7"), PASSIVE_CLOSE, List.of("CLOSE-WAIT"));
    }

    @Test
    void synackAborts_kernelReadGetsConnectionReset() throws Exception {
      t.serve(
          7,
          socket -> {
            socket.getInputStream().readNBytes(10);
            socket.abort();
          });

      Map<String, Object> r =
          TunInterop.result(t.python("client", SYNACK, "7", "100", "--hold", "0.1"));

      assertEquals("ConnectionResetError", r.get("error"));
      // The client's FIN may have come before the abort (CLOSE_WAIT); either way synack sent no
      // FIN.
      List<String> states = awaitStates(num(r, "local_port"), "->CLOSED");
      assertTrue(
          states.getLast().equals("ESTABLISHED->CLOSED")
              || states.getLast().equals("CLOSE_WAIT->CLOSED"),
          states.toString());
    }

    @Test
    void kernelAborts_synackReadThrowsConnectionReset() throws Exception {
      CompletableFuture<String> failure = new CompletableFuture<>();
      t.serve(
          7,
          socket -> {
            try {
              count(socket.getInputStream());
              failure.complete("no error: the stream ended");
            } catch (IOException e) {
              failure.complete(e.getClass().getSimpleName() + ": " + e.getMessage());
              throw e;
            }
          });

      Map<String, Object> r = TunInterop.result(t.python("client", SYNACK, "7", "1000", "--rst"));

      assertEquals(true, r.get("aborted"));
      assertEquals("SocketException: Connection reset", failure.get(10, TimeUnit.SECONDS));
      assertEquals(
          "ESTABLISHED->CLOSED",
          awaitStates(num(r, "local_port"), "ESTABLISHED->CLOSED").getLast());
    }

    @Test
    void portWithoutListener_kernelConnectIsRefused() throws Exception {
      Map<String, Object> r = TunInterop.result(t.python("refused", SYNACK, "81"));
      assertEquals("ConnectionRefusedError", r.get("error"), r.toString());
    }
  }

  /** The kernel listens (Python); synack connects to it. */
  @Nested
  class SynackConnects {
    @Test
    void toKernelEchoServer_sendsAMegabyteAndReadsItBack() throws Exception {
      NetnsFixture.Started server = t.pythonServer("5000", "echo");
      byte[] data = Pattern.bytes(1_000_000);
      byte[] back;
      try (TcpSocket s = t.connect(5000)) {
        CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> writeThenShutdown(s, data));
        back = s.getInputStream().readAllBytes();
        sent.get(30, TimeUnit.SECONDS);
      }
      assertArrayEquals(data, back);
      Map<String, Object> r = TunInterop.result(server);
      assertEquals(Pattern.sha256(data), r.get("received_sha"));
      assertEquals(
          List.of(
              "CLOSED->SYN_SENT",
              "SYN_SENT->ESTABLISHED",
              "ESTABLISHED->FIN_WAIT_1",
              "FIN_WAIT_1->FIN_WAIT_2",
              "FIN_WAIT_2->TIME_WAIT",
              "TIME_WAIT->CLOSED"),
          awaitStates(5000, "TIME_WAIT->CLOSED"));
    }

    @Test
    void synackHalfClosesFirst_kernelKeepsSendingFromCloseWait() throws Exception {
      NetnsFixture.Started server =
          t.pythonServer("5000", "drain-then-send", "--send", "500000", "--hold", "0.3");
      KernelStates kernel = t.sampleKernelStates();
      byte[] reply;
      int localPort;
      try (TcpSocket s = t.connect(5000)) {
        localPort = s.localAddress().getPort();
        s.getOutputStream().write(Pattern.bytes(100_000));
        s.shutdownOutput();
        reply = s.getInputStream().readAllBytes();
      }
      assertArrayEquals(Pattern.bytes(500_000), reply);
      Map<String, Object> r = TunInterop.result(server);
      assertEquals(100_000L, num(r, "received"));
      assertEquals(
          List.of(
              "CLOSED->SYN_SENT",
              "SYN_SENT->ESTABLISHED",
              "ESTABLISHED->FIN_WAIT_1",
              "FIN_WAIT_1->FIN_WAIT_2",
              "FIN_WAIT_2->TIME_WAIT",
              "TIME_WAIT->CLOSED"),
          awaitStates(5000, "TIME_WAIT->CLOSED"));
      KernelStates.assertPath(
          kernel.of(KERNEL + ":5000", SYNACK + ":" + localPort),
          PASSIVE_CLOSE,
          List.of("CLOSE-WAIT"));
    }

    @Test
    void kernelClosesFirst_synackPassesThroughCloseWaitAndLastAck() throws Exception {
      NetnsFixture.Started server = t.pythonServer("5000", "close-first", "--send", "1000");
      KernelStates kernel = t.sampleKernelStates();
      int localPort;
      try (TcpSocket s = t.connect(5000)) {
        localPort = s.localAddress().getPort();
        assertArrayEquals(Pattern.bytes(1000), s.getInputStream().readAllBytes());
        sleep(300); // Holds CLOSE_WAIT, so ss samples the kernel in FIN-WAIT-2.
        assertTrue(s.close(5_000), "the kernel acknowledged synack's FIN");
      }
      assertEquals(0L, num(TunInterop.result(server), "received"));
      assertEquals(
          List.of(
              "CLOSED->SYN_SENT",
              "SYN_SENT->ESTABLISHED",
              "ESTABLISHED->CLOSE_WAIT",
              "CLOSE_WAIT->LAST_ACK",
              "LAST_ACK->CLOSED"),
          awaitStates(5000, "LAST_ACK->CLOSED"));
      assertTimeWaitOrGone(KERNEL + ":5000", SYNACK + ":" + localPort);
      KernelStates.assertPath(
          kernel.of(KERNEL + ":5000", SYNACK + ":" + localPort),
          ACTIVE_CLOSE,
          List.of("FIN-WAIT-2"));
    }

    @Test
    void kernelResets_synackReadThrowsConnectionReset() throws Exception {
      NetnsFixture.Started server = t.pythonServer("5000", "rst");
      try (TcpSocket s = t.connect(5000)) {
        s.getOutputStream().write("0123456789".getBytes(UTF_8));
        SocketException e = assertThrows(SocketException.class, () -> s.getInputStream().read());
        assertEquals("Connection reset", e.getMessage());
      }
      assertEquals(true, TunInterop.result(server).get("aborted"));
      assertEquals("ESTABLISHED->CLOSED", awaitStates(5000, "ESTABLISHED->CLOSED").getLast());
    }

    @Test
    void synackAborts_kernelGetsConnectionReset() throws Exception {
      NetnsFixture.Started server = t.pythonServer("5000", "echo");
      try (TcpSocket s = t.connect(5000)) {
        s.getOutputStream().write(new byte[10]);
        assertEquals(10, s.getInputStream().readNBytes(10).length);
        s.abort();
      }
      assertEquals("ConnectionResetError", TunInterop.result(server).get("error"));
    }

    @Test
    void toAPortWithoutListener_isRefused() {
      ConnectException e = assertThrows(ConnectException.class, () -> t.connect(5001));
      assertEquals("Connection refused", e.getMessage());
    }
  }

  /**
   * Asserts the kernel's end of the connection has finished: in TIME-WAIT (60 s on Linux), or gone
   * already. A new network namespace may hold few TIME-WAIT entries (tcp_max_tw_buckets), and past
   * them the kernel closes the socket at once; either way it must not be left in any other state.
   * Asked of {@code ss} once, not left to the 10 ms sampler a loaded machine may starve.
   */
  private void assertTimeWaitOrGone(String local, String peer) throws IOException {
    NetnsFixture.Result ss = t.ns.exec(Duration.ofSeconds(10), "ss", "-tanH");
    List<String> left =
        ss.output().lines().filter(l -> l.contains(local) && l.contains(peer)).toList();
    assertTrue(
        left.stream().allMatch(l -> l.startsWith("TIME-WAIT")),
        "kernel connection " + local + " " + peer + " neither in TIME-WAIT nor gone: " + left);
  }

  private List<String> awaitStates(long kernelPort, String last) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    List<String> states = t.synackStates((int) kernelPort);
    while (states.stream().noneMatch(s -> s.endsWith(last)) && System.nanoTime() < deadline) {
      Thread.sleep(20);
      states = t.synackStates((int) kernelPort);
    }
    assertTrue(
        states.stream().anyMatch(s -> s.endsWith(last)),
        "synack never reached " + last + ":\n" + t.allStates());
    return states;
  }

  private static void writeThenShutdown(TcpSocket s, byte[] data) {
    try {
      s.getOutputStream().write(data);
      s.shutdownOutput();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static long count(InputStream in) throws IOException {
    byte[] buf = new byte[65536];
    long total = 0;
    for (int n; (n = in.read(buf)) >= 0; ) total += n;
    return total;
  }

  private static long num(Map<String, Object> r, String key) {
    return ((Number) r.get(key)).longValue();
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
