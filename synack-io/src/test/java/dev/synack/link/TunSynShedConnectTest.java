package dev.synack.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.runtime.Stack;
import dev.synack.socket.TcpServerSocket;
import dev.synack.socket.TcpSocket;
import dev.synack.stack.HostConfig;
import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A synack listener behind a TUN device whose SYN filter keeps no SYN from a source never seen
 * ({@link SynShedFilter#KEEP_NONE}): the kernel's first SYN is shed, its retransmission passes and
 * the connection completes, over IPv4 and IPv6.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TunSynShedConnectTest {
  private static final InetAddress KERNEL = InetAddress.ofLiteral("10.206.0.1");
  private static final InetAddress SYNACK = InetAddress.ofLiteral("10.206.0.2");

  /** Connects, has "hi" echoed, and prints the namespace's count of retransmitted SYNs. */
  private static final String CLIENT =
      """
      import socket, sys
      s = socket.create_connection((sys.argv[1], 7200), timeout=10)
      s.sendall(b"hi")
      s.shutdown(socket.SHUT_WR)
      got = b""
      while True:
          chunk = s.recv(100)
          if not chunk: break
          got += chunk
      print("echoed", got.decode())
      lines = open("/proc/net/netstat").read().splitlines()
      for names, values in zip(lines[0::2], lines[1::2]):
          if names.startswith("TcpExt:"):
              table = dict(zip(names.split()[1:], values.split()[1:]))
              print("synretrans", table["TCPSynRetrans"])
      """;

  private static final Pattern RETRANS = Pattern.compile("synretrans (\\d+)");

  @Test
  void keepNone_kernelConnects_onItsRetransmittedSyn_ipv4ThenIpv6() throws Exception {
    NetnsFixture.assumePrivileged();
    NetnsFixture.assumeCommand("python3", "python3");
    ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    try (NetnsFixture ns = NetnsFixture.create();
        Stack stack =
            Stack.builder()
                .tun(NetnsFixture.uniqueName("ssc"), 1500)
                .config(HostConfig.defaults(11).withMtu(1500))
                .address(SYNACK)
                .address(InetAddress.ofLiteral("fd05:206::2"))
                .build()) {
      TunLink tun = (TunLink) stack.link(0);
      ns.moveIn(tun.name());
      ns.addressAndUp(tun.name(), KERNEL.getHostAddress() + "/24");
      ns.ip("-6", "addr", "add", "fd05:206::1/64", "dev", tun.name(), "nodad");
      assertTrue(tun.filterSyns(SynShedFilter.KEEP_NONE), "the kernel took the filter");
      assertTrue(tun.synFilterRemembers(), "the filter has its map");
      try (TcpServerSocket server = TcpServerSocket.bind(stack, null, 7200, 16)) {
        server.setSoTimeout(30_000);
        Future<?> echoes =
            threads.submit(
                () -> {
                  for (int i = 0; i < 2; i++) {
                    try (TcpSocket s = server.accept()) {
                      s.setSoTimeout(10_000);
                      byte[] b = s.getInputStream().readAllBytes();
                      s.getOutputStream().write(b);
                    }
                  }
                  return null;
                });
        int before = 0;
        for (String to : new String[] {SYNACK.getHostAddress(), "fd05:206::2"}) {
          NetnsFixture.Result r = ns.exec(Duration.ofSeconds(20), "python3", "-c", CLIENT, to);
          assertEquals(0, r.exitCode(), "the client to " + to + ": " + r.output());
          assertTrue(r.output().contains("echoed hi"), r.output());
          Matcher m = RETRANS.matcher(r.output());
          assertTrue(m.find(), r.output());
          int retransmitted = Integer.parseInt(m.group(1));
          // The first SYN was shed, so the connection completed on a retransmission.
          assertTrue(retransmitted > before, "no SYN retransmitted to " + to + ": " + r.output());
          before = retransmitted;
        }
        echoes.get(10, TimeUnit.SECONDS);
      }
    } finally {
      threads.shutdownNow();
    }
  }
}
