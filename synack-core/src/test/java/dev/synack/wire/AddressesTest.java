package dev.synack.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Addresses written as tcpdump and RFC 5952 write them. */
class AddressesTest {
  @ParameterizedTest(name = "{0} is written {1}")
  @CsvSource({
    "10.0.0.1, 10.0.0.1",
    "fd00:0:0:0:0:0:0:1, fd00::1",
    "0:0:0:0:0:0:0:0, ::",
    "0:0:0:0:0:0:0:1, ::1",
    "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1", // RFC 5952 §4.2.3: the first of equal runs
    "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1", // §4.2.2: one zero group is not shortened
    "2001:DB8:0:0:0:0:2:1, 2001:db8::2:1", // §4.3: lower case
    "fe80:0:0:0:0:0:0:0, fe80::",
  })
  void text_isTheCanonicalForm(String given, String written) throws UnknownHostException {
    assertEquals(written, Addresses.text(InetAddress.getByName(given)));
  }

  @ParameterizedTest(name = "{0} port {1} is written {2}")
  @CsvSource({
    "10.0.0.2, 80, 10.0.0.2:80",
    "fd00:99:0:0:0:0:0:2, 80, [fd00:99::2]:80",
  })
  void endpoint_ipv6InBrackets(String given, int port, String written) throws UnknownHostException {
    assertEquals(written, Addresses.endpoint(InetAddress.getByName(given), port));
  }
}
