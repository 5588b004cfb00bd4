package dev.synack.cli.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** Tests of {@link Endpoint}: addresses as RFC 5952 writes them. */
class EndpointTest {
  @Test
  void ipv4_addressColonPort() {
    assertEquals("10.0.0.2:80", Endpoint.format(InetAddress.ofLiteral("10.0.0.2"), 80));
  }

  @Test
  void ipv6_longestZeroRunCompressedAndBracketed() {
    assertEquals("[fd00:99::2]:80", Endpoint.format(InetAddress.ofLiteral("fd00:99:0:0:0:0:0:2"), 80));
    assertEquals("::1", Endpoint.text(InetAddress.ofLiteral("0:0:0:0:0:0:0:1")));
    assertEquals("::", Endpoint.text(InetAddress.ofLiteral("::")));
    assertEquals("2001:db8::1:0:0:1", Endpoint.text(InetAddress.ofLiteral("2001:db8:0:0:1:0:0:1")));
    assertEquals("2001:db8:0:1:1:1:1:1", Endpoint.text(InetAddress.ofLiteral("2001:db8:0:1:1:1:1:1")));
    assertEquals("fe80::", Endpoint.text(InetAddress.ofLiteral("fe80:0:0:0:0:0:0:0")));
  }
}
