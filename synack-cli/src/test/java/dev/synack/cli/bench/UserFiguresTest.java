package dev.synack.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.synack.cli.bench.TunBench.KernelOverVeth;
import dev.synack.nio.SimApps;
import dev.synack.nio.SynackSelectorProvider;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.spi.SelectorProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The figures users feel: the NIO echo program over both providers, and curl from serve --http's
 * server over TUN beside the kernel. Nothing here asserts a speed; only that the bytes went through
 * whole and the figure is measured beside its reference.
 */
class UserFiguresTest {
  private static final boolean CI = "true".equals(System.getenv("CI"));

  @Test
  void nioEcho_kernelProvider_echoesEveryByteOfEveryConnection() throws IOException {
    double gbps =
        new NioEcho(SelectorProvider.provider(), UserFiguresTest::anywhere)
            .run(InetAddress.getLoopbackAddress(), 4, 3 * NioEcho.BUFFER + 17);
    assertTrue(gbps > 0, "Gbit/s " + gbps);
  }

  @Test
  void nioEcho_synackProvider_echoesEveryByteOfEveryConnection() throws IOException {
    SimHosts hosts = SimHosts.create(65535);
    try (SimApps apps = SimApps.start(hosts.net, hosts.client, hosts.server)) {
      NioEcho.Scope scope =
          new NioEcho.Scope() {
            @Override
            public <T> T on(boolean server, Callable<T> body) throws Exception {
              return apps.host(server ? "server" : "client").call(body);
            }
          };
      double gbps =
          new NioEcho(new SynackSelectorProvider(), scope)
              .run(hosts.serverAddress(), 4, 3 * NioEcho.BUFFER + 17);
      assertTrue(gbps > 0, "Gbit/s " + gbps);
    }
  }

  @Test
  void nioEchoFigure_shrunk_measuredBesideTheKernel() throws IOException {
    Figure f = NioEchoBench.run(BenchSettings.quick().shrunk(4000));
    assertFalse(f.skipped(), f.note());
    assertEquals("nio-echo", f.name());
    assertTrue(f.synack() > 0 && f.reference() > 0, f.toString());
  }

  @Test
  void nioEchoTunFigure_shrunk_synackServerOverTun_measuredBesideTheKernelOverVeth()
      throws IOException {
    Optional<String> missing = Privileges.tunMissing();
    if (missing.isPresent() && !CI)
      System.err.println("UserFiguresTest: skipped: " + missing.get());
    assertFalse(CI && missing.isPresent(), "CI must run this: " + missing.orElse(""));
    assumeTrue(missing.isEmpty());
    Figure f = NioEchoBench.runTun(BenchSettings.quick().shrunk(4000));
    assertFalse(f.skipped(), f.note());
    assertEquals("nio-echo-tun", f.name());
    assertTrue(f.synack() > 0 && f.reference() > 0, f.toString());
    assertTrue(f.note().contains("over a TUN device at MTU 1500"), f.note());
  }

  @Test
  void curlFigure_shrunk_measuredBesideTheKernelAndTheRawTunFigure() {
    assumeRootAndCurl();
    Figure f = CurlServeBench.run(BenchSettings.quick().shrunk(4000));
    assertFalse(f.skipped(), f.note());
    assertTrue(f.synack() > 0 && f.reference() > 0, f.toString());
    assertTrue(f.note().contains("raw synack->kernel stream on the same TUN"), f.note());
    assertTrue(f.note().contains("writing from memory on the same TUN"), f.note());
    assertTrue(f.note().contains("the kernel's raw stream over veth"), f.note());
    assertFalse(f.note().contains("NaN") || f.note().contains("Infinity"), f.note());
  }

  @Test
  void curlDownload_wrongSize_isAnErrorNotAFigure(@TempDir Path dir) throws IOException {
    assumeRootAndCurl();
    Path file = dir.resolve("f");
    Files.write(file, new byte[1000]);
    try (KernelOverVeth veth = KernelOverVeth.open(1500)) {
      InetSocketAddress at = new InetSocketAddress(KernelOverVeth.B, 8080);
      var responder = CurlServeBench.kernelResponder(veth.namespaceB(), at, file, 2);
      String url = "http://" + at.getAddress().getHostAddress() + ":8080/f";
      String curl = CurlServeBench.curlCommand().orElseThrow();
      assertTrue(CurlServeBench.download(curl, veth.namespaceA(), url, 1000) > 0);
      IOException e =
          assertThrows(
              IOException.class, () -> CurlServeBench.download(curl, veth.namespaceA(), url, 999));
      assertTrue(e.getMessage().contains("expected 200 and 999 bytes"), e.getMessage());
      NamespaceThread.await(responder, 30, "responder");
    }
  }

  private static void assumeRootAndCurl() {
    Optional<String> missing = Privileges.tunMissing();
    if (missing.isEmpty() && CurlServeBench.curlCommand().isEmpty())
      missing = Optional.of("curl is not installed");
    if (missing.isPresent() && !CI)
      System.err.println("UserFiguresTest: skipped: " + missing.get());
    assertFalse(CI && missing.isPresent(), "CI must run this: " + missing.orElse(""));
    assumeTrue(missing.isEmpty());
  }

  private static <T> T anywhere(boolean server, Callable<T> body) throws Exception {
    return body.call();
  }
}
