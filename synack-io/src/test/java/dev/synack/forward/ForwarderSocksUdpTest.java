package dev.synack.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.link.NetnsFixture;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * UDP through a real SOCKS5 proxy's UDP ASSOCIATE (RFC 1928 §7): Dante ({@code danted}, Debian's
 * dante-server) in the server namespace, configured here, relays the forwarder's datagrams; DNS and
 * an echo of many datagrams pass, IPv4 and IPv6 destinations alike, and none goes out directly.
 */
class ForwarderSocksUdpTest extends ForwarderNamespaces {
  /** Starts danted on SERVER4:1080 with the given method ("none" or "username"). */
  NetnsFixture.Started danted(String method) throws Exception {
    NetnsFixture.assumeCommand("danted", "dante-server");
    Path conf = dir.resolve("danted.conf");
    Files.write(
        conf,
        List.of(
            "logoutput: stderr",
            "internal: " + SERVER4 + " port = 1080",
            "external: " + SERVER4,
            "external: " + SERVER6,
            "socksmethod: " + method,
            "clientmethod: none",
            "user.privileged: root",
            "user.unprivileged: root",
            "client pass { from: 0.0.0.0/0 to: 0.0.0.0/0 }",
            "socks pass { from: 0.0.0.0/0 to: 0.0.0.0/0 command: connect udpassociate }",
            "socks pass { from: 0.0.0.0/0 to: ::/0 command: connect udpassociate }",
            "socks pass { from: 0.0.0.0/0 to: 0.0.0.0/0 command: udpreply }",
            "socks pass { from: ::/0 to: 0.0.0.0/0 command: udpreply }"));
    NetnsFixture.Started d = server.start("danted", "-N", "1", "-f", conf.toString());
    // Waits until it listens: a TCP connect from outside succeeds.
    for (int i = 0; i < 100; i++) {
      NetnsFixture.Result r =
          outside.exec(
              TIMEOUT,
              "python3",
              "-c",
              "import socket\ntry:\n  socket.create_connection(('"
                  + SERVER4
                  + "',1080),timeout=1).close(); print('up')\nexcept OSError: print('down')");
      if (r.output().contains("up")) return d;
      Thread.sleep(100);
    }
    throw new AssertionError("danted does not listen: " + d.outputSoFar());
  }

  static String said(NetnsFixture.Started d) {
    try {
      return d.outputSoFar();
    } catch (java.io.IOException e) {
      return e.toString();
    }
  }

  @Test
  void dnsAndUdpEcho_throughDante_ipv4AndIpv6() throws Exception {
    NetnsFixture.Started d = danted("none");
    forwarder.close();
    startForwarder(
        ForwarderOptions.defaults().withSocks5(new InetSocketAddress(SERVER4, 1080), null, null));

    assertEquals("A 192.0.2.53", python("dns", SERVER4), () -> flows + said(d));
    assertEquals("A 192.0.2.53", python("dns", SERVER6), () -> flows + said(d));
    assertEquals("echoed 2000", python("udp-echo", SERVER4, "2000"), () -> flows + said(d));
    ForwarderCounters c = forwarder.counters();
    assertEquals(3, c.udpFlows(), c.toString());
    assertTrue(c.udpDatagramsIn() >= 2002, c.toString());
    assertEquals(
        3,
        flows.stream().filter(l -> l.contains("associated with the SOCKS5 relay")).count(),
        flows.toString());
  }

  @Test
  void udpThroughDante_withUsernameAndPassword() throws Exception {
    // Dante checks "username" against the system's accounts: root with an empty password is
    // refused,
    // so a wrong password shows the association failing, and nothing goes out directly.
    NetnsFixture.Started d = danted("username");
    forwarder.close();
    startForwarder(
        ForwarderOptions.defaults()
            .withSocks5(new InetSocketAddress(SERVER4, 1080), "nobody-synack", "wrong"));
    NetnsFixture.Result r =
        client.exec(TIMEOUT, "python3", dir.resolve("client.py").toString(), "dns", SERVER4);
    assertTrue(r.output().contains("timed out"), r.output());
    assertEquals(0, forwarder.counters().udpDatagramsOut(), forwarder.counters().toString());
    assertTrue(
        flows.stream()
            .anyMatch(
                l ->
                    l.contains(
                        "SOCKS5 UDP ASSOCIATE: the proxy refused the username and password")),
        flows + d.outputSoFar());
  }
}
