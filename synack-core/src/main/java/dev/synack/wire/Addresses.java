package dev.synack.wire;

import java.net.Inet6Address;
import java.net.InetAddress;

/** Writes IP addresses as people and tools read them. */
public final class Addresses {
  private Addresses() {}

  /**
   * Returns an endpoint as traces and URLs write it: {@code 10.0.0.1:80}, or {@code [fd00::1]:80}
   * for IPv6.
   */
  public static String endpoint(InetAddress address, int port) {
    return (address instanceof Inet6Address ? "[" + text(address) + "]" : text(address))
        + ":"
        + port;
  }

  /**
   * Returns an address as text: dotted decimal for IPv4, and for IPv6 the canonical form of RFC
   * 5952 §4 that tcpdump, Wireshark and {@code ip} print ({@code fd00::1}, not the {@code
   * fd00:0:0:0:0:0:0:1} of {@link InetAddress#getHostAddress()}): lower case, no leading zeros, the
   * longest run of two or more zero groups (the first of equals) shortened to {@code ::}. A scope
   * is not written.
   */
  public static String text(InetAddress address) {
    if (!(address instanceof Inet6Address)) return address.getHostAddress();
    byte[] a = address.getAddress();
    int[] groups = new int[8];
    for (int i = 0; i < 8; i++) groups[i] = (a[2 * i] & 0xff) << 8 | (a[2 * i + 1] & 0xff);
    int bestStart = -1;
    int bestLength = 1; // RFC 5952 §4.2.2: "::" never stands for a single zero group
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
    StringBuilder b = new StringBuilder(39);
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        b.append("::");
        i += bestLength - 1;
        continue;
      }
      if (b.length() > 0 && b.charAt(b.length() - 1) != ':') b.append(':');
      b.append(Integer.toHexString(groups[i]));
    }
    return b.toString();
  }
}
