package dev.synack.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.synack.link.MemoryLink;
import dev.synack.runtime.HostDriver;
import dev.synack.stack.Host;
import dev.synack.stack.HostConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Tests of the blocking sockets over two {@link HostDriver}s joined by a {@link MemoryLink} pair. */
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
    try (TcpServerSocket listener = TcpServerSocket.bind(serverDriver, server, null, SimSocketTest.PORT, 64)) {
      // The client's sockets live on the client's driver, the listener on the server's.
      assertEquals(8, SimSocketTest.echoClients(clientDriver, listener, client, SimSocketTest.SERVER, 8));
    }
  }
}
