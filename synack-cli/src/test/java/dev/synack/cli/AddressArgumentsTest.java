package dev.synack.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * AddressArguments as the command line writes them: {@code ADDR:PORT}, IPv6 in brackets, literals
 * only.
 */
class AddressArgumentsTest {
  @Nested
  class Endpoints {
    @Test
    void ipv4AndBracketedIpv6_parsedWithTheirPorts() {
      assertEquals(
          new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), 9000),
          AddressArguments.endpoint("--udp", "127.0.0.1:9000", 0));
      assertEquals(
          new InetSocketAddress(InetAddress.ofLiteral("::1"), 9000),
          AddressArguments.endpoint("--udp", "[::1]:9000", 0));
      assertEquals(
          new InetSocketAddress(InetAddress.ofLiteral("0.0.0.0"), 0),
          AddressArguments.endpoint("--udp", "0.0.0.0:0", 0));
    }

    @Test
    void portBelowTheLowestAllowed_usageErrorNamesTheOption() {
      Main.UsageError e =
          assertThrows(
              Main.UsageError.class, () -> AddressArguments.endpoint("--peer", "10.0.0.1:0", 1));
      assertEquals("--peer port must be 1..65535: 10.0.0.1:0", e.getMessage());
    }

    @Test
    void unbracketedIpv6OrNoPortOrAName_usageError() {
      for (String bad :
          new String[] {
            "::1:9000",
            "[::1]",
            "[::1]:",
            "127.0.0.1:x",
            ":9000",
            "example.com:80",
            "127.0.0.1:65536"
          }) {
        assertThrows(Main.UsageError.class, () -> AddressArguments.endpoint("--udp", bad, 0), bad);
      }
    }
  }

  @Nested
  class Literals {
    @Test
    void hostName_refusedWithTheOptionNamed() {
      Main.UsageError e =
          assertThrows(
              Main.UsageError.class, () -> AddressArguments.literal("--addr", "localhost"));
      assertEquals(
          "--addr must be an IP address, as 10.0.0.2 or fd00::2: localhost", e.getMessage());
    }
  }
}
