package dev.synack.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * Server Fast Open cookies: Linux's for the same key, accepted under the backup key after a
 * rotation.
 */
class FastOpenCookiesTest {
  /**
   * The key packetdrill's fastopen/server/simple1.pkt sets as {@code
   * a0bf63f7-ed803d81-cd641d30-cebc4a90}, as Linux stores it.
   */
  static final byte[] KEY = HexFormat.of().parseHex("f763bfa0813d80ed301d64cd904abcce");

  @Test
  void cookie_isLinuxsForTheSameKeyAndAddresses() throws Exception {
    FastOpenCookies c = new FastOpenCookies(0, 0);
    c.setKeys(KEY, null);
    // packetdrill's expectation for 10.248.0.2 -> 192.168.0.2 with that key: FO 00abaaabe8e954c2.
    byte[] cookie =
        c.cookie(InetAddress.getByName("10.248.0.2"), InetAddress.getByName("192.168.0.2"));
    assertEquals("00abaaabe8e954c2", HexFormat.of().formatHex(cookie));
  }

  @Test
  void check_primaryBackupAndForgotten() throws Exception {
    InetAddress client = InetAddress.getByName("fd00::1");
    InetAddress server = InetAddress.getByName("fd00::2");
    FastOpenCookies c = new FastOpenCookies(1, 2);
    byte[] first = c.cookie(client, server);
    assertEquals(FastOpenCookies.Check.PRIMARY, c.check(first, client, server));
    assertEquals(
        FastOpenCookies.Check.INVALID, c.check(first, server, client), "bound to the addresses");
    c.rotate(3, 4);
    assertEquals(FastOpenCookies.Check.BACKUP, c.check(first, client, server));
    c.rotate(5, 6);
    assertEquals(FastOpenCookies.Check.INVALID, c.check(first, client, server));
    assertEquals(FastOpenCookies.Check.INVALID, c.check(new byte[4], client, server));
  }
}
