package dev.synack.cli;

import static dev.synack.cli.TunInterop.SYNACK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.cli.serve.HttpFileService;
import dev.synack.link.InNetns;
import dev.synack.link.NetnsFixture;
import dev.synack.link.SynFlood;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The adversarial probe of issue 12 as a suite: synack serves HTTP on a TUN device in a namespace
 * of the test's own, curl downloads 16 MB from it at a steady 4 MB/s, and while it runs an attacker
 * in the namespace floods spoofed SYNs ({@link SynFlood}), injects blind RSTs, SYNs and data, sends
 * garbage, forges ICMP "fragmentation needed" with MTU 68, churns connections, closes hundreds at
 * once, or takes the device down and up. Each download must end intact (SHA-256), and at the end
 * synack's connections, descriptors and heap must be back where they were.
 *
 * <p>Every loop is bounded in count and time; the namespace and device are removed afterwards.
 * Needs root, curl and python3; skipped without them, except under {@code CI=true}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AdversarialProbeTest {
  private static final int SIZE = 16 << 20;

  /** The SYN queue of serve's listener: {@link dev.synack.cli.serve.Server}'s backlog. */
  private static final int SERVER_BACKLOG = 128;

  private static final Inet4Address FLOOD_SOURCES =
      (Inet4Address) InetAddress.ofLiteral("198.18.0.0");

  /** The local port of each download, so that blind attacks can name its 4-tuple. */
  private static int nextPort = 41000;

  @TempDir static Path dir;
  static TunInterop t;
  static String expected;
  static Path attacker;
  static long fdsBefore;
  static long heapBefore;

  @BeforeAll
  static void start() throws Exception {
    t = TunInterop.start(dir, TunInterop.Options.clean(), "curl", "python3");
    Path site = Files.createDirectory(dir.resolve("site"));
    byte[] big = new byte[SIZE];
    new Random(12).nextBytes(big);
    Files.write(site.resolve("big.bin"), big);
    Files.write(site.resolve("small.bin"), new byte[2000]);
    expected = sha256(big);
    t.serve(80, HttpFileService.of(site, line -> {}));
    attacker = dir.resolve("attacker.py");
    try (var in = AdversarialProbeTest.class.getResourceAsStream("attacker.py")) {
      Files.copy(Objects.requireNonNull(in, "attacker.py resource"), attacker);
    }
    // A first download warms the JIT and the buffers, so the figures below compare like with like.
    download(() -> null);
    settle();
    fdsBefore = openDescriptors();
    heapBefore = usedHeap();
  }

  @AfterAll
  static void stop() throws Exception {
    if (t != null) t.close();
  }

  @Test
  @Order(1)
  void spoofedSynFlood_downloadIntactSynQueueBoundedCookiesSent() throws Exception {
    long cookiesBefore = t.host.driver().call(now -> t.host.host().counters().syncookiesSent());
    AtomicInteger most = new AtomicInteger();
    SynFlood.Report[] report = new SynFlood.Report[1];
    download(
        () -> {
          // 100,000 SYNs at 50,000/s from random sources of 198.18.0.0/15, sent natively from the
          // kernel's side.
          try (SynFlood flood =
              InNetns.call(
                  t.ns.name(),
                  () ->
                      SynFlood.open(
                          (Inet4Address) InetAddress.ofLiteral(SYNACK),
                          80,
                          FLOOD_SOURCES,
                          15,
                          12))) {
            AtomicBoolean done = new AtomicBoolean();
            Thread sampler =
                Thread.ofPlatform()
                    .name("syn-queue-sampler")
                    .start(
                        () -> {
                          try {
                            while (!done.get()) {
                              most.accumulateAndGet(
                                  t.host.driver().call(now -> t.host.host().connectionCount()),
                                  Math::max);
                              Thread.sleep(10);
                            }
                          } catch (IOException | InterruptedException e) {
                            throw new IllegalStateException(e);
                          }
                        });
            try {
              report[0] = flood.flood(100_000, 50_000, () -> false);
            } finally {
              done.set(true);
              sampler.join(10_000);
            }
            System.out.println("AdversarialProbeTest: SYN flood " + report[0]);
            return report[0];
          }
        });
    long cookies =
        t.host.driver().call(now -> t.host.host().counters().syncookiesSent()) - cookiesBefore;
    assertTrue(report[0].sent() > 90_000, "the kernel took the flood: " + report[0]);
    // The half-open connections are the SYN queue (serve's backlog, 128) and never more; the
    // download is one more.
    assertTrue(
        most.get() <= SERVER_BACKLOG + 2,
        "synack held " + most.get() + " connections under the flood");
    assertTrue(
        most.get() >= SERVER_BACKLOG,
        "the flood filled the SYN queue: " + most.get() + " connections at most");
    assertTrue(
        cookies > 0 && cookies <= report[0].sent(),
        "SYN cookies answered the rest: " + cookies + " sent");
  }

  @Test
  @Order(2)
  void blindResets_downloadIntact() throws Exception {
    download(() -> attack("rst", 50_000, 80));
  }

  @Test
  @Order(3)
  void blindSyns_downloadIntact() throws Exception {
    download(() -> attack("syn", 20_000, 80));
  }

  @Test
  @Order(4)
  void blindDataWithRandomAcks_downloadIntact() throws Exception {
    download(() -> attack("data", 50_000, 80));
  }

  @Test
  @Order(5)
  void garbage_downloadIntact() throws Exception {
    download(() -> attack("garbage", 50_000, 80));
  }

  @Test
  @Order(6)
  void forgedFragmentationNeededMtu68_downloadIntact() throws Exception {
    download(() -> attack("icmp", 2_000, 80));
  }

  @Test
  @Order(7)
  void connectionChurn_downloadIntact() throws Exception {
    download(() -> attack("churn", 1_000, 80));
  }

  @Test
  @Order(8)
  void hundredsClosedAtOnce_downloadIntact() throws Exception {
    download(() -> attack("closeall", 400, 80));
  }

  @Test
  @Order(9)
  void deviceDownForThreeSeconds_downloadIntact() throws Exception {
    download(
        () -> {
          t.exec(Duration.ofSeconds(10), "ip", "link", "set", "dev", t.device, "down");
          Thread.sleep(3000);
          t.exec(Duration.ofSeconds(10), "ip", "link", "set", "dev", t.device, "up");
          return null;
        });
    assertEquals(null, t.host.failure(), "the loop must outlive the link's errors");
  }

  @Test
  @Order(10)
  void afterwards_noConnectionDescriptorOrHeapLeft() throws Exception {
    settle();
    int connections = t.host.driver().call(now -> t.host.host().connectionCount());
    assertEquals(
        0,
        connections,
        "connections left: " + t.host.driver().call(now -> t.host.host().connections().toString()));
    long fds = openDescriptors();
    assertTrue(fds <= fdsBefore + 8, "descriptors: " + fdsBefore + " before, " + fds + " after");
    long heap = usedHeap();
    assertTrue(
        heap < heapBefore + (64 << 20),
        "heap: " + (heapBefore >> 20) + " MB before, " + (heap >> 20) + " MB after");
  }

  /** What runs beside a download. */
  private interface Attack {
    Object run() throws Exception;
  }

  /**
   * Downloads big.bin at 4 MB/s from a fixed local port while {@code attack} runs, and checks it
   * arrived intact.
   */
  private static void download(Attack attack) throws Exception {
    int port = nextPort++;
    Path out = dir.resolve("big." + port);
    NetnsFixture.Started curl =
        t.ns.start(
            "curl",
            "-sS",
            "--max-time",
            "150",
            "--limit-rate",
            "4M",
            "--local-port",
            String.valueOf(port),
            "-o",
            out.toString(),
            "-w",
            "%{http_code} %{size_download}",
            "http://" + SYNACK + "/big.bin");
    Thread.sleep(300); // the connection is up and the transfer under way
    Object what = attack.run();
    NetnsFixture.Result r = curl.await(Duration.ofSeconds(160));
    assertEquals(0, r.exitCode(), "curl under " + what + ": " + r.output());
    assertEquals("200 " + SIZE, r.output().strip(), "curl under " + what);
    assertEquals(
        expected,
        sha256(Files.readAllBytes(out)),
        "the download under " + what + " arrived altered");
    Files.delete(out);
  }

  /**
   * Runs attacker.py in the namespace against the current download's 4-tuple and returns what it
   * reported.
   */
  private static Map<String, Object> attack(String mode, int count, int port) throws IOException {
    int downloadPort = nextPort - 1;
    NetnsFixture.Result r =
        t.exec(
            Duration.ofMinutes(2),
            "python3",
            attacker.toString(),
            mode,
            SYNACK,
            String.valueOf(count),
            String.valueOf(downloadPort),
            String.valueOf(port),
            TunInterop.KERNEL);
    assertEquals(0, r.exitCode(), mode + ": " + r.output());
    String[] lines = r.output().strip().split("\n");
    Map<String, Object> report = dev.synack.trace.Json.parseObject(lines[lines.length - 1]);
    System.out.println("AdversarialProbeTest: " + report);
    return report;
  }

  /**
   * Waits (at most 90 s) until synack holds no connection: the downloads' closes and TIME-WAITs (2
   * MSL = 0.5 s) are over, and the flood's half-open connections have given up (their SYN-ACK is
   * resent 5 times over 63 s).
   */
  private static void settle() throws Exception {
    for (int i = 0; i < 900; i++) {
      int n = t.host.driver().call(now -> t.host.host().connectionCount());
      if (n == 0) return;
      Thread.sleep(100);
    }
  }

  private static long openDescriptors() throws IOException {
    try (var s = Files.list(Path.of("/proc/self/fd"))) {
      return s.count();
    }
  }

  private static long usedHeap() {
    for (int i = 0; i < 3; i++) System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
