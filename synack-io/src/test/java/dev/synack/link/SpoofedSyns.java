package dev.synack.link;

import java.io.IOException;
import java.time.Duration;

/**
 * Spoofed SYNs sent from a namespace through a raw socket, each from a source of its own
 * (198.18.0.0/15, RFC 2544's benchmarking network, or 2001:db8::/32), to a TUN device's far end.
 */
final class SpoofedSyns {
  private static final String SCRIPT =
      """
      import socket, struct, sys
      to = sys.argv[1]
      n = int(sys.argv[2])
      v6 = ":" in to
      family = socket.AF_INET6 if v6 else socket.AF_INET
      s = socket.socket(family, socket.SOCK_RAW, socket.IPPROTO_RAW)
      dst = socket.inet_pton(family, to)
      for i in range(n):
          tcp = struct.pack("!HHIIBBHHH", 1024 + i, 9, (i * 7919) & 0xffffffff, 0, 0x50, 2, 65535, 0, 0)
          if v6:
              src = bytes([0x20, 1, 0xd, 0xb8] + [0] * 10 + [i >> 8 & 255, i & 255])
              ip = struct.pack("!IHBB", 0x60000000, 20, 6, 64) + src + dst
          else:
              src = bytes([198, 18, i >> 8 & 255, i & 255])
              ip = struct.pack("!BBHHHBBH", 0x45, 0, 40, 0, 0, 64, 6, 0) + src + dst
          s.sendto(ip + tcp, (to, 0))
      print("sent", n)
      """;

  private SpoofedSyns() {}

  /** Sends {@code count} SYNs to {@code to} from {@code ns} (bounded: 8 s). */
  static NetnsFixture.Result send(NetnsFixture ns, String to, int count) throws IOException {
    return ns.exec(Duration.ofSeconds(8), "python3", "-c", SCRIPT, to, Integer.toString(count));
  }
}
