package dev.synack.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The README's first example, run: the echo comes back whole and both ends reach CLOSED. */
class TwoHostsTest {
  @Test
  void echo_acrossALossyNetwork_clientReadsItsMessageBackAndBothEndsClose() {
    String result = TwoHosts.echo("hello, synack");
    assertTrue(result.startsWith("hello, synack (client CLOSED, server CLOSED, after PT"), result);
  }

  @Test
  void echo_aThousandBytes_comeBackInOrder() {
    String message = "0123456789".repeat(100);
    String result = TwoHosts.echo(message);
    assertEquals(message, result.substring(0, message.length()));
    assertTrue(
        result.substring(message.length()).startsWith(" (client CLOSED, server CLOSED"), result);
  }
}
