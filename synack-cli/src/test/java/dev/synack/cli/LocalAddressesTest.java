package dev.synack.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code serve --tun} warns when its {@code --addr} is one the kernel already owns. */
class LocalAddressesTest {
  @Test
  void anAddressOfThisMachine_warnsAndNamesItsInterface() throws SocketException {
    // Loopback is refused earlier (a host cannot own it); any other address of this machine will
    // do.
    Optional<NetworkInterface> withAddress =
        NetworkInterface.networkInterfaces()
            .filter(
                i ->
                    i.inetAddresses()
                        .anyMatch(a -> !a.isLoopbackAddress() && !a.isLinkLocalAddress()))
            .findFirst();
    assumeTrue(
        withAddress.isPresent(), "this machine has no address outside loopback and link-local");
    NetworkInterface i = withAddress.get();
    InetAddress a =
        i.inetAddresses()
            .filter(x -> !x.isLoopbackAddress() && !x.isLinkLocalAddress())
            .findFirst()
            .get();
    assertEquals(
        "warning: "
            + dev.synack.wire.Addresses.text(a)
            + " is already an address of this machine (on "
            + i.getName()
            + "): the kernel answers it itself and will never route it to synack0; give synack an address"
            + " no interface has",
        LocalAddresses.warningFor(a, "synack0"));
  }

  @Test
  void aDocumentationAddress_noWarning() {
    // 192.0.2.0/24 (TEST-NET-1, RFC 5737) is on no machine's interface unless a test put it there.
    assertNull(LocalAddresses.warningFor(InetAddress.ofLiteral("192.0.2.222"), "synack0"));
  }
}
