package dev.synack.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/**
 * A host's {@link Host#reserveBind}, as Linux's {@code bind()}: the port is held from the bind on,
 * before any connect, against a second bind, a listen and the ephemeral port choice.
 */
class BindReservationTest {
  private static final InetAddress LOCAL = Ipv6EndToEndTest.CLIENT4;
  private static final InetAddress REMOTE = Ipv6EndToEndTest.SERVER4;
  private static final BindOptions NO_REUSE = new BindOptions(false, false);
  private static final BindOptions REUSEADDR = new BindOptions(true, false);
  private static final BindOptions REUSEPORT = new BindOptions(false, true);

  private final Host host = new Host("client", HostConfig.defaults(3), null);

  BindReservationTest() {
    host.addAddress(LOCAL);
  }

  @Test
  void secondBind_withoutSharing_refusedAtTheBind() {
    host.reserveBind(null, 40000, NO_REUSE);
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> host.reserveBind(LOCAL, 40000, NO_REUSE));
    assertEquals("address already in use: port 40000 (a bound socket holds it)", e.getMessage());
    assertThrows(IllegalStateException.class, () -> host.checkBind(null, 40000, REUSEADDR));
  }

  @Test
  void bothSoReuseAddr_orBothSoReusePort_share() {
    host.reserveBind(null, 40001, REUSEADDR);
    host.reserveBind(null, 40001, REUSEADDR);
    host.reserveBind(null, 40002, REUSEPORT);
    host.reserveBind(null, 40002, REUSEPORT);
    assertThrows(IllegalStateException.class, () -> host.reserveBind(null, 40002, REUSEADDR));
  }

  @Test
  void listen_onABoundPort_refusedEvenWithSoReuseAddr() {
    host.reserveBind(null, 40003, REUSEADDR);
    assertThrows(
        IllegalStateException.class,
        () -> host.listen(null, 40003, 16, host.config().tcp(), REUSEADDR),
        "SO_REUSEADDR shares only among sockets none of which listens");
    assertThrows(IllegalStateException.class, () -> host.listen(null, 40003, 16));
  }

  @Test
  void release_letsThePortGo_andAStaleReleaseDoesNothing() {
    long id = host.reserveBind(null, 40004, NO_REUSE);
    host.releaseBind(id);
    long again = host.reserveBind(null, 40004, NO_REUSE);
    assertNotEquals(id, again);
    host.releaseBind(id); // the first hold's id: nothing
    assertThrows(IllegalStateException.class, () -> host.reserveBind(null, 40004, NO_REUSE));
  }

  @Test
  void boundPort_connectAfterReleasingItsHold_takesIt() {
    long id = host.reserveBind(null, 40005, NO_REUSE);
    host.releaseBind(id);
    Connection c = host.connect(null, 40005, REMOTE, 80, host.config().tcp(), NO_REUSE, 0);
    assertEquals(40005, c.id().localPort());
  }

  @Test
  void ephemeralChoice_avoidsPortsBoundSockets_hold() {
    Host small = new Host("small", HostConfig.defaults(4).withEphemeralPorts(50000, 50009), null);
    small.addAddress(LOCAL);
    for (int p = 50000; p <= 50009; p++) if (p != 50007) small.reserveBind(null, p, NO_REUSE);
    assertEquals(50007, small.connect(REMOTE, 80, 0).id().localPort(), "the one port not bound");
    assertThrows(
        IllegalStateException.class,
        () -> small.connect(REMOTE, 80, 0),
        "no ephemeral port is free: the rest are bound");
  }
}
