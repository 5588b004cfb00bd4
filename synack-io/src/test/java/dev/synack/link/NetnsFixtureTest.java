package dev.synack.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Tests of the {@link NetnsFixture} the interop tests build on. */
class NetnsFixtureTest {
  @Test
  void twoNamespacesJoinedByVeth_pingAcross_succeedsAndCloseRemovesBoth() throws IOException {
    NetnsFixture.assumePrivileged();
    NetnsFixture.assumeCommand("ping", "iputils-ping");
    String left;
    String right;
    try (NetnsFixture a = NetnsFixture.create();
        NetnsFixture b = NetnsFixture.create()) {
      left = a.name();
      right = b.name();
      a.addVeth("veth0", b, "veth1");
      a.addressAndUp("veth0", "10.78.0.1/24");
      b.addressAndUp("veth1", "10.78.0.2/24");

      NetnsFixture.Result ping =
          a.exec(Duration.ofSeconds(10), "ping", "-n", "-c", "1", "-W", "5", "10.78.0.2");
      assertEquals(0, ping.exitCode(), ping.output());
      assertTrue(Files.exists(Path.of("/run/netns", left)));
    }
    assertFalse(Files.exists(Path.of("/run/netns", left)), left + " is left behind");
    assertFalse(Files.exists(Path.of("/run/netns", right)), right + " is left behind");
  }

  @Test
  void exec_commandOutlivesItsTimeout_isKilledAndReportsMinusOne() throws IOException {
    NetnsFixture.assumePrivileged();
    try (NetnsFixture ns = NetnsFixture.create()) {
      NetnsFixture.Result r = ns.exec(Duration.ofMillis(200), "sleep", "30");
      assertEquals(-1, r.exitCode());
    }
  }
}
