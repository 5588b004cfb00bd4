package dev.synack.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.link.NetnsFixture;
import dev.synack.socket.TcpSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Packetization-layer path MTU discovery against a real path (RFC 4821): the namespace of the TUN
 * device routes to a second namespace over a veth link whose router side has an MTU of 1300, and an
 * nftables rule drops the "fragmentation needed" errors the router makes, so the path is a black
 * hole for full-sized segments. synack connects to a kernel server beyond it and sends 300 KB; only
 * PLPMTUD (black-hole detection, then probing) gets the data through.
 */
class PlpmtudInteropTest {
  static final String SERVER = "10.98.0.2";
  static final String ROUTER = "10.98.0.1";
  static final int PORT = 9300;

  @TempDir Path dir;

  @Test
  void blackHoleBehindARouter_icmpDropped_transferCompletes() throws Exception {
    try (TunInterop t = TunInterop.start(dir, TunInterop.Options.clean(), "python3", "nft");
        NetnsFixture far = NetnsFixture.create()) {
      String routerSide = NetnsFixture.uniqueName("vr");
      String serverSide = NetnsFixture.uniqueName("vs");
      t.ns.addVeth(routerSide, far, serverSide);
      t.ns.ip("link", "set", routerSide, "mtu", "1300");
      t.ns.addressAndUp(routerSide, ROUTER + "/24");
      far.addressAndUp(
          serverSide, SERVER + "/24"); // the server's own MTU stays 1500: it announces MSS 1460
      far.ip("route", "add", "default", "via", ROUTER);
      ok(t.exec(Duration.ofSeconds(10), "sysctl", "-w", "net.ipv4.ip_forward=1"));
      ok(t.exec(Duration.ofSeconds(10), "nft", "add", "table", "ip", "blackhole"));
      ok(
          t.exec(
              Duration.ofSeconds(10),
              "nft",
              "add",
              "chain",
              "ip",
              "blackhole",
              "out",
              "{ type filter hook output priority 0 ; }"));
      ok(
          t.exec(
              Duration.ofSeconds(10),
              "nft",
              "add",
              "rule",
              "ip",
              "blackhole",
              "out",
              "icmp",
              "type",
              "destination-unreachable",
              "counter",
              "drop"));
      NetnsFixture.Started server =
          far.start(
              "python3",
              dir.resolve("kernel_peer.py").toString(),
              "server",
              String.valueOf(PORT),
              "drain-then-send");
      assertTrue(server.awaitOutput("listening", Duration.ofSeconds(10)), server.outputSoFar());

      byte[] data = pattern(300_000);
      // A blocking write could wait for the whole retransmission limit if the data never got
      // through: bound it.
      CompletableFuture<Integer> sent =
          CompletableFuture.supplyAsync(
              () -> {
                try (TcpSocket s =
                    TcpSocket.connect(
                        t.host.driver(),
                        t.host.host(),
                        new InetSocketAddress(SERVER, PORT),
                        10_000)) {
                  s.setSoTimeout(60_000);
                  OutputStream out = s.getOutputStream();
                  out.write(data);
                  out.flush();
                  s.shutdownOutput();
                  InputStream in = s.getInputStream();
                  return in.read();
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
      assertEquals(-1, sent.get(90, TimeUnit.SECONDS), "the server closes after reading all");
      Map<String, Object> got = TunInterop.result(server);
      assertEquals(data.length, ((Number) got.get("received")).intValue(), got.toString());
      assertEquals(
          HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data)),
          got.get("received_sha"));

      NetnsFixture.Result rules =
          t.exec(Duration.ofSeconds(10), "nft", "list", "table", "ip", "blackhole");
      Matcher m = Pattern.compile("counter packets (\\d+)").matcher(rules.output());
      assertTrue(
          m.find() && Long.parseLong(m.group(1)) > 0,
          "the router refused full-sized segments and its ICMP was dropped: " + rules.output());
    }
  }

  private static void ok(NetnsFixture.Result r) {
    assertEquals(0, r.exitCode(), r.output());
  }

  /** Returns kernel_peer.py's pattern: blocks of 251 bytes, (i * 7 + 3) mod 256. */
  static byte[] pattern(int n) {
    byte[] out = new byte[n];
    for (int i = 0; i < n; i++) out[i] = (byte) ((i % 251) * 7 + 3);
    return out;
  }
}
