package dev.synack.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.runtime.SimDriver;
import dev.synack.sim.HostNode;
import dev.synack.sim.LinkConfig;
import dev.synack.sim.SimNetwork;
import dev.synack.stack.Host;
import dev.synack.stack.HostConfig;
import dev.synack.tcp.TcpState;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The socket options of {@link TcpSocket}, as {@code java.net.Socket} has them, over a simulated
 * network.
 */
class SocketOptionsTest {
  private final Host client = new Host("client", HostConfig.defaults(1), null);
  private final Host server = new Host("server", HostConfig.defaults(2), null);
  private final SimDriver driver = start();

  private SimDriver start() {
    client.addAddress(SimSocketTest.CLIENT);
    server.addAddress(SimSocketTest.SERVER);
    SimNetwork net = new SimNetwork(7);
    HostNode c = new HostNode(client);
    HostNode s = new HostNode(server);
    net.attach(c, SimSocketTest.CLIENT);
    net.attach(s, SimSocketTest.SERVER);
    net.setLink(c, s, LinkConfig.ideal().withDelay(Duration.ofMillis(1)));
    return new SimDriver(net, List.of(client, server));
  }

  @AfterEach
  void closeDriver() throws IOException {
    driver.close();
  }

  private TcpSocket connect() throws IOException {
    return TcpSocket.connect(
        driver, client, new InetSocketAddress(SimSocketTest.SERVER, SimSocketTest.PORT), 10_000);
  }

  @Test
  void corkQuickAckAndCongestion_reachTheConnection() throws Exception {
    try (TcpServerSocket listener =
        TcpServerSocket.bind(driver, server, null, SimSocketTest.PORT, 4)) {
      TcpSocket c = connect();
      try (TcpSocket s = listener.accept()) {
        c.setCork(true);
        assertTrue(c.getCork());
        assertTrue(c.connection().options().cork(), "the engine's TCP_CORK");
        c.setTcpNoDelay(true);
        c.getOutputStream().write("corked".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        c.setCork(false); // with TCP_NODELAY: what waits goes now
        assertFalse(c.getCork());
        s.setSoTimeout(10_000);
        byte[] got = s.getInputStream().readNBytes(6);
        assertEquals("corked", new String(got, java.nio.charset.StandardCharsets.US_ASCII));
        assertTrue(s.getQuickAck());
        s.setQuickAck(false);
        assertFalse(s.getQuickAck(), "ping-pong mode, as Linux's getsockopt reads it");
        assertFalse(s.connection().options().quickAck(), "the engine's mode");
        s.setQuickAck(true);
        assertTrue(s.getQuickAck());
        c.setCongestionControl("bbr");
        assertEquals("bbr", c.getCongestionControl());
        assertThrows(
            IllegalArgumentException.class,
            () -> c.setCongestionControl("vegas"),
            "Linux's ENOENT");
        assertEquals("bbr", c.connection().congestionControl());
      }
      c.close();
    }
  }

  @Test
  void reusePort_twoServerSocketsOnOnePort_bothTakeConnections() throws Exception {
    dev.synack.stack.BindOptions reusePort = new dev.synack.stack.BindOptions(true, true);
    try (TcpServerSocket a =
            TcpServerSocket.bind(driver, server, null, SimSocketTest.PORT, 64, reusePort);
        TcpServerSocket b =
            TcpServerSocket.bind(driver, server, null, SimSocketTest.PORT, 64, reusePort)) {
      assertThrows(
          java.net.BindException.class,
          () -> TcpServerSocket.bind(driver, server, null, SimSocketTest.PORT, 4));
      List<TcpSocket> clients = new java.util.ArrayList<>();
      for (int i = 0; i < 16; i++) clients.add(connect());
      a.setSoTimeout(200);
      b.setSoTimeout(200);
      int[] accepted = new int[2];
      TcpServerSocket[] both = {a, b};
      for (int round = 0; round < 200 && accepted[0] + accepted[1] < 16; round++) {
        for (int i = 0; i < 2; i++) {
          try {
            both[i].accept().close();
            accepted[i]++;
          } catch (java.net.SocketTimeoutException none) {
            // the other member has the rest
          }
        }
      }
      assertEquals(16, accepted[0] + accepted[1]);
      assertTrue(accepted[0] > 0 && accepted[1] > 0, accepted[0] + " / " + accepted[1]);
      for (TcpSocket c : clients) c.close();
    }
  }

  @Test
  void soLingerZero_close_peerReadsConnectionReset() throws Exception {
    try (TcpServerSocket listener =
        TcpServerSocket.bind(driver, server, null, SimSocketTest.PORT, 4)) {
      TcpSocket c = connect();
      try (TcpSocket s = listener.accept()) {
        c.getOutputStream().write(new byte[1000]);
        c.setSoLinger(true, 0);
        assertEquals(0, c.getSoLinger());
        c.close();
        assertEquals(TcpState.CLOSED, c.state(), "closed at once, no TIME-WAIT");
        s.setSoTimeout(10_000);
        SocketException e =
            assertThrows(
                SocketException.class,
                () -> {
                  byte[] buf = new byte[4096];
                  while (s.getInputStream().read(buf) >= 0) {}
                });
        assertEquals("Connection reset", e.getMessage());
      }
    }
  }

  @Test
  void soLingerPositive_closeReturnsOnceTheFinIsAcknowledged() throws Exception {
    try (TcpServerSocket listener =
        TcpServerSocket.bind(driver, server, null, SimSocketTest.PORT, 4)) {
      TcpSocket c = connect();
      try (TcpSocket s = listener.accept()) {
        c.getOutputStream().write(new byte[50_000]);
        c.setSoLinger(true, 10);
        c.close();
        TcpState after = c.state();
        assertTrue(
            after == TcpState.FIN_WAIT_2 || after == TcpState.TIME_WAIT,
            "our FIN acknowledged: " + after);
        assertEquals(50_000, SimSocketTest.readAll(s.getInputStream()).length);
      }
    }
  }

  @Test
  void keepAliveAndBufferSizes_setAndRead() throws Exception {
    try (TcpServerSocket listener =
            TcpServerSocket.bind(driver, server, null, SimSocketTest.PORT, 4);
        TcpSocket c = connect();
        TcpSocket s = listener.accept()) {
      assertFalse(c.getKeepAlive());
      c.setKeepAlive(true);
      assertTrue(c.getKeepAlive());
      assertEquals(-1, c.getSoLinger());
      c.setReceiveBufferSize(32 * 1024);
      assertEquals(32 * 1024, c.getReceiveBufferSize());
      c.setSendBufferSize(16 * 1024);
      assertEquals(16 * 1024, c.getSendBufferSize());
      assertThrows(IllegalArgumentException.class, () -> c.setReceiveBufferSize(0));
      // The data still flows with the smaller buffers.
      byte[] data = new byte[200_000];
      Thread writer =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      s.getOutputStream().write(data);
                      s.shutdownOutput();
                    } catch (IOException e) {
                      throw new IllegalStateException(e);
                    }
                  });
      c.setSoTimeout(30_000);
      assertEquals(data.length, SimSocketTest.readAll(c.getInputStream()).length);
      writer.join();
    }
  }
}
