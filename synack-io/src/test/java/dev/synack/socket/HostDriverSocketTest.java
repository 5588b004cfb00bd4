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
}
