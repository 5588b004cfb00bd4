package dev.synack.socket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.runtime.SimDriver;
import dev.synack.sim.HostNode;
import dev.synack.sim.LinkConfig;
import dev.synack.sim.SimNetwork;
import dev.synack.stack.Host;
import dev.synack.stack.HostConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Tests of the blocking sockets over a {@link SimDriver}: a simulated network in real time. */
class SimSocketTest {
  static final InetAddress CLIENT = address("10.0.0.1");
  static final InetAddress SERVER = address("10.0.0.2");
  static final InetAddress CLIENT6 = address("fd00::1");
  static final InetAddress SERVER6 = address("fd00::2");
  static final int PORT = 7;

  private final Host client = new Host("client", HostConfig.defaults(1), null);
  private final Host server = new Host("server", HostConfig.defaults(2), null);
  private final SimDriver driver = start(client, server);

  private static SimDriver start(Host client, Host server) {
    client.addAddress(CLIENT);
    client.addAddress(CLIENT6);
    server.addAddress(SERVER);
    server.addAddress(SERVER6);
    SimNetwork net = new SimNetwork(42);
    HostNode c = new HostNode(client);
    HostNode s = new HostNode(server);
    net.attach(c, CLIENT, CLIENT6);
    net.attach(s, SERVER, SERVER6);
    net.setLink(c, s, LinkConfig.ideal().withDelay(Duration.ofMillis(1)));
    return new SimDriver(net, List.of(client, server));
  }

  @AfterEach
  void closeDriver() throws IOException {
    driver.close();
  }

  @Test
  void echo_thousandConcurrentClients_allGetTheirBytesBack() throws Exception {
    try (TcpServerSocket listener = TcpServerSocket.bind(driver, server, null, PORT, 1024)) {
      assertEquals(1000, echoClients(driver, listener, client, SERVER, 1000));
    }
  }

  @Test
  void setTcpNoDelay_togglesNagleOnTheConnection() throws Exception {
    try (TcpServerSocket listener = TcpServerSocket.bind(driver, server, null, PORT, 16);
        TcpSocket c =
            TcpSocket.connect(driver, client, new InetSocketAddress(SERVER, PORT), 10_000)) {
      assertEquals(false, c.getTcpNoDelay(), "Nagle is on by default, as in java.net.Socket");
      c.setTcpNoDelay(true);
      assertEquals(true, c.getTcpNoDelay());
      assertEquals(true, c.connection().noDelay());
      c.getOutputStream().write("ping".getBytes(StandardCharsets.UTF_8));
      try (TcpSocket s = listener.accept()) {
        assertArrayEquals(
            "ping".getBytes(StandardCharsets.UTF_8), s.getInputStream().readNBytes(4));
      }
    }
  }

  @Test
  void echo_overIpv6_aHundredClientsGetTheirBytesBack() throws Exception {
    try (TcpServerSocket listener = TcpServerSocket.bind(driver, server, null, PORT, 128)) {
      assertEquals(100, echoClients(driver, listener, client, SERVER6, 100));
    }
  }

  @Test
  void connect_toAnIpv6PortNobodyListensOn_isRefused() {
    ConnectException e =
        assertThrows(
            ConnectException.class,
            () -> TcpSocket.connect(driver, client, new InetSocketAddress(SERVER6, 9), 10_000));
    assertEquals("Connection refused", e.getMessage());
  }

  @Test
  void shutdownOutput_serverReadsEofThenSends100k_clientReadsItAll() throws Exception {
    byte[] reply = pattern(100_000);
    try (TcpServerSocket listener = TcpServerSocket.bind(driver, server, null, PORT, 16);
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      Future<Integer> served =
          pool.submit(
              () -> {
                try (TcpSocket s = listener.accept()) {
                  int eof = s.getInputStream().read();
                  s.getOutputStream().write(reply);
                  return eof;
                }
              });
      try (TcpSocket c =
          TcpSocket.connect(driver, client, new InetSocketAddress(SERVER, PORT), 10_000)) {
        c.shutdownOutput();
        assertArrayEquals(reply, readAll(c.getInputStream()));
      }
      assertEquals(-1, served.get(30, TimeUnit.SECONDS));
    }
  }

  @Test
  void writeFromADirectBuffer_largerThanTheSendBuffer_deliversEveryByteAndEmptiesTheBuffer()
      throws Exception {
    byte[] data = pattern(1_000_000); // Several send buffers: the write waits for ACKs.
    ByteBuffer direct = ByteBuffer.allocateDirect(data.length + 10);
    direct.put(new byte[10]).put(data).flip().position(10); // Only its remaining bytes are sent.
    try (TcpServerSocket listener = TcpServerSocket.bind(driver, server, null, PORT, 16);
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      Future<byte[]> received =
          pool.submit(
              () -> {
                try (TcpSocket s = listener.accept()) {
                  return readAll(s.getInputStream());
                }
              });
      try (TcpSocket c =
          TcpSocket.connect(driver, client, new InetSocketAddress(SERVER, PORT), 10_000)) {
        c.write(direct);
        assertEquals(0, direct.remaining(), "the write returned before taking all of it");
        c.write(direct); // Nothing remaining: returns at once, sends nothing.
        c.shutdownOutput();
        assertArrayEquals(data, received.get(30, TimeUnit.SECONDS));
      }
    }
  }

  @Test
  void connect_toAPortNobodyListensOn_isRefused() {
    ConnectException e =
        assertThrows(
            ConnectException.class,
            () -> TcpSocket.connect(driver, client, new InetSocketAddress(SERVER, 9), 10_000));
    assertEquals("Connection refused", e.getMessage());
  }

  @Test
  void connect_toAnAddressThatSwallowsPackets_timesOutAfterTheGivenMillis() {
    SocketTimeoutException e =
        assertThrows(
            SocketTimeoutException.class,
            () ->
                TcpSocket.connect(
                    driver, client, new InetSocketAddress(address("10.0.0.99"), PORT), 200));
    assertTrue(e.getMessage().contains("timed out"), e.getMessage());
  }

  @Test
  void read_afterThePeerAborts_throwsConnectionReset() throws Exception {
    try (TcpServerSocket listener = TcpServerSocket.bind(driver, server, null, PORT, 16);
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      Future<TcpSocket> accepted = pool.submit(listener::accept);
      try (TcpSocket c =
          TcpSocket.connect(driver, client, new InetSocketAddress(SERVER, PORT), 10_000)) {
        accepted.get(30, TimeUnit.SECONDS).abort();
        c.setSoTimeout(30_000);
        SocketException e = assertThrows(SocketException.class, () -> c.getInputStream().read());
        assertEquals("Connection reset", e.getMessage());
      }
    }
  }

  @Test
  void read_withSoTimeoutAndNoData_timesOut() throws Exception {
    try (TcpServerSocket listener = TcpServerSocket.bind(driver, server, null, PORT, 16);
        TcpSocket c =
            TcpSocket.connect(driver, client, new InetSocketAddress(SERVER, PORT), 10_000);
        TcpSocket s = listener.accept()) {
      c.setSoTimeout(100);
      assertThrows(SocketTimeoutException.class, () -> c.getInputStream().read());
    }
  }

  @Test
  void accept_withSoTimeoutAndNoClient_timesOut() throws Exception {
    try (TcpServerSocket listener = TcpServerSocket.bind(driver, server, null, PORT, 16)) {
      listener.setSoTimeout(100);
      assertThrows(SocketTimeoutException.class, listener::accept);
    }
  }

  /**
   * Runs an echo server on {@code listener} and {@code clients} concurrent clients on virtual
   * threads; returns how many got exactly their own message back.
   */
  static int echoClients(
      dev.synack.runtime.EventLoop loop,
      TcpServerSocket listener,
      Host from,
      InetAddress to,
      int clients)
      throws Exception {
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<Void>> echoes = new CopyOnWriteArrayList<>();
      Future<?> acceptor =
          pool.submit(
              () -> {
                for (int i = 0; i < clients; i++) {
                  TcpSocket s = listener.accept();
                  echoes.add(pool.submit(() -> echo(s)));
                }
                return null;
              });
      List<Future<Boolean>> results = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        byte[] message =
            ("client " + i + " says hello " + "x".repeat(i % 97)).getBytes(StandardCharsets.UTF_8);
        results.add(
            pool.submit(
                () -> {
                  try (TcpSocket c =
                      TcpSocket.connect(
                          loop, from, new InetSocketAddress(to, listener.port()), 60_000)) {
                    c.setSoTimeout(60_000);
                    c.getOutputStream().write(message);
                    c.shutdownOutput();
                    return Arrays.equals(message, readAll(c.getInputStream()));
                  }
                }));
      }
      int ok = 0;
      for (Future<Boolean> r : results) {
        if (r.get(120, TimeUnit.SECONDS)) ok++;
      }
      acceptor.get(10, TimeUnit.SECONDS);
      // Each echo ends once its client's FIN is in and its own has gone: one that failed fails
      // here.
      for (Future<Void> e : echoes) e.get(30, TimeUnit.SECONDS);
      return ok;
    }
  }

  private static Void echo(TcpSocket s) throws IOException {
    try (s) {
      s.setSoTimeout(60_000);
      byte[] buf = new byte[4096];
      for (int n; (n = s.getInputStream().read(buf)) >= 0; ) {
        s.getOutputStream().write(buf, 0, n);
      }
      s.shutdownOutput();
    }
    return null;
  }

  static byte[] readAll(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    for (int n; (n = in.read(buf)) >= 0; ) out.write(buf, 0, n);
    return out.toByteArray();
  }

  private static byte[] pattern(int length) {
    byte[] b = new byte[length];
    for (int i = 0; i < length; i++) b[i] = (byte) (i * 31 + 7);
    return b;
  }

  static InetAddress address(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
