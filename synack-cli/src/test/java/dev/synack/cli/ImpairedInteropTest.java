package dev.synack.cli;

import static dev.synack.cli.TunInterop.SYNACK;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.cli.serve.HttpFileService;
import dev.synack.cli.serve.Service;
import dev.synack.link.ImpairedLink;
import dev.synack.link.ImpairedLink.Impairment;
import dev.synack.link.NetnsFixture;
import dev.synack.socket.TcpSocket;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * synack and the kernel over a bad path: between synack and the TUN device, an {@link ImpairedLink}
 * drops, duplicates and reorders a share of the packets in both directions (in user space, since
 * this kernel has no netem). Every transfer must still arrive intact.
 */
class ImpairedInteropTest {
  /** 2% lost, 2% twice, 3% behind the next packet: each way, seeded. */
  private static final Impairment BAD = new Impairment(0.02, 0.02, 0.03);

  @TempDir Path dir;
  private TunInterop t;

  @BeforeEach
  void start() throws Exception {
    t =
        TunInterop.start(
            dir, TunInterop.Options.clean().withImpairment(BAD, BAD), "python3", "curl");
  }

  @AfterEach
  void stop() throws Exception {
    if (t != null) {
      System.out.println(
          "ImpairedInteropTest: sent " + t.impaired.sent() + ", received " + t.impaired.received());
      t.close();
    }
  }

  @Test
  void kernelClientAndSynackEcho_300kBothWaysIntact() throws Exception {
    t.serve(7, Service.echo());

    Map<String, Object> r = TunInterop.result(t.python("client", SYNACK, "7", "300000"));

    assertEquals(300_000L, ((Number) r.get("received")).longValue(), r.toString());
    assertEquals(r.get("sent_sha"), r.get("received_sha"));
    assertImpairedBothWays();
  }

  @Test
  void synackClientAndKernelEcho_300kBothWaysIntact() throws Exception {
    NetnsFixture.Started server = t.pythonServer("5000", "echo");
    byte[] data = Pattern.bytes(300_000);
    byte[] back;
    try (TcpSocket s = t.connect(5000)) {
      CompletableFuture<Void> sent =
          CompletableFuture.runAsync(
              () -> {
                try {
                  s.getOutputStream().write(data);
                  s.shutdownOutput();
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
      back = s.getInputStream().readAllBytes();
      sent.get(60, TimeUnit.SECONDS);
    }
    assertArrayEquals(data, back);
    assertEquals(Pattern.sha256(data), TunInterop.result(server).get("received_sha"));
    assertImpairedBothWays();
  }

  @Test
  void curlDownloadsAMegabyte_intact() throws Exception {
    Path site = Files.createDirectory(dir.resolve("site"));
    HttpInteropTest.writeRandom(site.resolve("m.bin"), 1 << 20, 9);
    t.serve(80, HttpFileService.of(site, line -> {}));

    NetnsFixture.Result r =
        t.exec(
            Duration.ofMinutes(2),
            "curl",
            "-sS",
            "-o",
            dir.resolve("m.out").toString(),
            "http://" + SYNACK + "/m.bin");

    assertEquals(0, r.exitCode(), r.output());
    assertEquals(
        HttpInteropTest.sha256(site.resolve("m.bin")),
        HttpInteropTest.sha256(dir.resolve("m.out")));
    assertImpairedBothWays();
  }

  private void assertImpairedBothWays() {
    for (ImpairedLink.Counts c :
        new ImpairedLink.Counts[] {t.impaired.sent(), t.impaired.received()}) {
      assertTrue(c.dropped() > 0 && c.duplicated() > 0 && c.reordered() > 0, "impaired: " + c);
    }
  }
}
