package dev.synack.cli;

import static dev.synack.cli.TunInterop.SYNACK;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.cli.serve.HttpFileService;
import dev.synack.cli.serve.Server;
import dev.synack.link.NetnsFixture;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * curl, on the kernel's TCP, downloads from synack's HTTP file server on the other side of a TUN
 * device: a big file intact, twenty at once, several requests on one connection, ranges and errors
 * as curl understands them.
 */
class HttpInteropTest {
  @TempDir Path dir;
  private Path site;
  private TunInterop t;
  private Server http;

  @BeforeEach
  void start() throws Exception {
    site = Files.createDirectory(dir.resolve("site"));
    t = TunInterop.start(dir, TunInterop.Options.clean(), "curl");
    http = t.serve(80, HttpFileService.of(site, line -> {}));
  }

  @AfterEach
  void stop() throws Exception {
    if (t != null) t.close();
  }

  @Test
  void curlDownloads50MB_sha256Equal() throws Exception {
    Path big = site.resolve("big.bin");
    writeRandom(big, 50 << 20, 1);
    Path out = dir.resolve("big.out");

    NetnsFixture.Result r =
        t.exec(
            Duration.ofMinutes(2),
            "curl",
            "-sS",
            "-o",
            out.toString(),
            "-w",
            "%{http_code} %{size_download} %{speed_download}",
            "http://" + SYNACK + "/big.bin");

    assertEquals(0, r.exitCode(), r.output());
    assertTrue(r.output().startsWith("200 52428800 "), r.output());
    assertEquals(sha256(big), sha256(out));
    System.out.println(
        "HttpInteropTest: curl downloaded 50 MB from synack at "
            + Long.parseLong(r.output().split(" ")[2]) / 1_000_000
            + " MB/s");
  }

  @Test
  void twentyCurlsAtOnce_eachGetsItsOwnFileIntact() throws Exception {
    List<NetnsFixture.Started> curls = new ArrayList<>();
    for (int i = 0; i < 20; i++) writeRandom(site.resolve("f" + i), 200_000 + i * 1000, 100 + i);
    for (int i = 0; i < 20; i++) {
      curls.add(
          t.ns.start(
              "curl",
              "-sS",
              "-o",
              dir.resolve("out" + i).toString(),
              "http://" + SYNACK + "/f" + i));
    }
    for (NetnsFixture.Started c : curls) {
      NetnsFixture.Result r = c.await(Duration.ofSeconds(60));
      assertEquals(0, r.exitCode(), r.output());
    }
    for (int i = 0; i < 20; i++) {
      assertArrayEquals(
          Files.readAllBytes(site.resolve("f" + i)),
          Files.readAllBytes(dir.resolve("out" + i)),
          "file " + i);
    }
    assertEquals(20, http.accepted());
  }

  @Test
  void keepAlive_threeRequestsOnOneConnection() throws Exception {
    Files.writeString(site.resolve("index.html"), "<h1>synack</h1>\n");
    writeRandom(site.resolve("a.bin"), 300_000, 2);
    writeRandom(site.resolve("b.bin"), 10, 3);
    String base = "http://" + SYNACK + "/";

    NetnsFixture.Result r =
        t.exec(
            Duration.ofSeconds(30),
            "curl",
            "-sS",
            "-w",
            "%{http_code} %{num_connects} %{content_type}\\n",
            "-o",
            dir.resolve("1").toString(),
            base,
            "-o",
            dir.resolve("2").toString(),
            base + "a.bin",
            "-o",
            dir.resolve("3").toString(),
            base + "b.bin");

    assertEquals(0, r.exitCode(), r.output());
    // curl opens one connection for the first transfer and reuses it for the next two.
    assertEquals(
        List.of(
            "200 1 text/html; charset=utf-8",
            "200 0 application/octet-stream",
            "200 0 application/octet-stream"),
        r.output().lines().toList());
    assertEquals("<h1>synack</h1>\n", Files.readString(dir.resolve("1")));
    assertArrayEquals(
        Files.readAllBytes(site.resolve("a.bin")), Files.readAllBytes(dir.resolve("2")));
    assertEquals(1, http.accepted());
  }

  @Test
  void rangeHeadAndMissingFile_asCurlSeesThem() throws Exception {
    writeRandom(site.resolve("r.bin"), 100_000, 4);
    String url = "http://" + SYNACK + "/r.bin";

    NetnsFixture.Result range =
        t.exec(
            Duration.ofSeconds(30),
            "curl",
            "-sS",
            "-r",
            "1000-1999",
            "-o",
            dir.resolve("part").toString(),
            "-w",
            "%{http_code}",
            url);
    NetnsFixture.Result head = t.exec(Duration.ofSeconds(30), "curl", "-sS", "-I", url);
    NetnsFixture.Result missing =
        t.exec(
            Duration.ofSeconds(30),
            "curl",
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "http://" + SYNACK + "/nothing");
    NetnsFixture.Result beyond =
        t.exec(
            Duration.ofSeconds(30),
            "curl",
            "-s",
            "-o",
            "/dev/null",
            "-r",
            "200000-",
            "-w",
            "%{http_code}",
            url);

    assertEquals("206", range.output());
    assertArrayEquals(
        Arrays.copyOfRange(Files.readAllBytes(site.resolve("r.bin")), 1000, 2000),
        Files.readAllBytes(dir.resolve("part")));
    assertTrue(head.output().contains("Content-Length: 100000"), head.output());
    assertTrue(head.output().startsWith("HTTP/1.1 200 OK"), head.output());
    assertEquals("404", missing.output());
    assertEquals("416", beyond.output());
  }

  /** Writes {@code length} seeded random bytes to {@code file}. */
  static void writeRandom(Path file, int length, long seed) throws IOException {
    SplittableRandom random = new SplittableRandom(seed);
    byte[] chunk = new byte[1 << 20];
    try (OutputStream out = Files.newOutputStream(file)) {
      for (int left = length; left > 0; left -= chunk.length) {
        random.nextBytes(chunk);
        out.write(chunk, 0, Math.min(left, chunk.length));
      }
    }
  }

  static String sha256(Path file) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), md)) {
      in.transferTo(OutputStream.nullOutputStream());
    }
    return HexFormat.of().formatHex(md.digest());
  }
}
