package dev.synack.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A host of a loop group picks only ephemeral ports its filter accepts; ports the caller names
 * pass.
 */
class PortFilterTest {
  private static final InetAddress LOCAL = InetAddress.ofLiteral("10.0.0.2");
  private static final InetAddress REMOTE = InetAddress.ofLiteral("10.0.0.1");

  private static Host host() {
    Host h = new Host("h", HostConfig.defaults(5), null);
    h.addAddress(LOCAL);
    return h;
  }

  @Test
  void activeOpens_takeOnlyAcceptedPorts() {
    Host h = host();
    Set<Integer> asked = new HashSet<>();
    h.setPortFilter(
        (protocol, local, port, remote, remotePort) -> {
          assertEquals(6, protocol);
          assertEquals(LOCAL, local);
          assertEquals(REMOTE, remote);
          assertEquals(80, remotePort);
          asked.add(port);
          return port % 3 == 0;
        });
    for (int i = 0; i < 200; i++) {
      int port = h.connect(REMOTE, 80, i).id().localPort();
      assertEquals(0, port % 3, "port " + port);
    }
    assertTrue(
        asked.stream().anyMatch(p -> p % 3 != 0), "the filter was asked about ports it refused");
    assertEquals(200, h.connectionCount());
  }

  @Test
  void namedLocalPort_isNotFiltered() {
    Host h = host();
    h.setPortFilter(PortFilter.ALL);
    h.setPortFilter((protocol, local, port, remote, remotePort) -> false);
    assertEquals(40001, h.connect(LOCAL, 40001, REMOTE, 80, 0).id().localPort());
    assertThrows(
        IllegalStateException.class, () -> h.connect(REMOTE, 80, 0), "no port accepted, none free");
  }

  @Test
  void udpEphemeralBind_takesOnlyAcceptedPorts() {
    Host h = host();
    h.setPortFilter(
        (protocol, local, port, remote, remotePort) -> {
          assertEquals(17, protocol);
          return port % 4 == 1;
        });
    for (int i = 0; i < 50; i++) {
      int port = h.bindUdp(null, 0).port();
      assertEquals(1, port % 4, "port " + port);
    }
  }

  @Test
  void nullFilter_isRejected() {
    assertThrows(IllegalArgumentException.class, () -> host().setPortFilter(null));
  }
}
