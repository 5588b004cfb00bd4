package dev.synack.cli.serve;

import java.net.Inet6Address;
import java.net.InetAddress;

/** An address and port as people write them: {@code 10.0.0.1:80}, {@code [fd00::1]:80} (RFC 5952 text). */
public final class Endpoint {
  private Endpoint() {}

  /** Returns {@code address:port}, an IPv6 address in brackets. */
  public static String format(InetAddress address, int port) {
    return address instanceof Inet6Address ? "[" + text(address) + "]:" + port : text(address) + ":" + port;
  }

  /**
   * Returns an address's text; IPv6 in RFC 5952's canonical form: lower case, no leading zeros,
   * the longest run of two or more zero groups (the first of equals) written as "::".
   */
  public static String text(InetAddress address) {
    if (!(address instanceof Inet6Address)) return address.getHostAddress();
    byte[] b = address.getAddress();
    int[] groups = new int[8];
    for (int i = 0; i < 8; i++) groups[i] = (b[2 * i] & 0xff) << 8 | (b[2 * i + 1] & 0xff);
    int bestStart = -1;
    int bestLength = 1;
    for (int i = 0; i < 8; ) {
      if (groups[i] != 0) {
        i++;
        continue;
      }
      int j = i;
      while (j < 8 && groups[j] == 0) j++;
      if (j - i > bestLength) {
        bestStart = i;
        bestLength = j - i;
      }
      i = j;
    }
    StringBuilder s = new StringBuilder(39);
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        s.append("::");
        i += bestLength - 1;
        continue;
      }
      if (s.length() > 0 && s.charAt(s.length() - 1) != ':') s.append(':');
      s.append(Integer.toHexString(groups[i]));
    }
    return s.toString();
  }
}
