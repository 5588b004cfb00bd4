package dev.synack.cli.bench;

import dev.synack.cli.bench.TunBench.KernelOverVeth;
import dev.synack.cli.bench.TunBench.SynackOnTun;
import dev.synack.cli.serve.HttpFileService;
import dev.synack.cli.serve.Server;
import dev.synack.link.SynFlood;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntSupplier;

/**
 * A download under a spoofed SYN flood (issue 12): {@code curl} fetching one file from synack's
 * {@code serve --http} server code over TUN, first alone and then while {@link SynFlood} sends
 * {@link BenchSettings#synFloodRate} SYNs a second ({@value BenchSettings#SYN_FLOOD_RATE} in a real
 * run) from random sources of 198.18.0.0/15 (RFC 2544's benchmarking network) to the server's port,
 * from the same namespace as curl; the figure is the download's time under the flood over its time
 * alone. Reference: the same for the kernel over veth, with the responder of {@link
 * CurlServeBench}, the flood sent from curl's namespace to the kernel server's port. Both answer
 * the flood with SYN cookies once their SYN queue is full (Linux's {@code tcp_syncookies=1}); the
 * SYN-ACKs of both go back to the flooding namespace, which drops them (it routes nothing), so both
 * stacks do the same work per SYN.
 *
 * <p>The note says the rate the flood reached (the sender may fall short of the rate asked on a
 * loaded machine), the SYN cookies each stack sent, and the load average.
 */
final class SynFloodBench {
  static final String NAME = "syn-flood-download";

  /** The figure with synack on two loops, one a queue of a multiqueue device. */
  static final String NAME_LOOPS2 = "syn-flood-download-loops2";

  /**
   * The file's size at most: long enough to see the flood, short enough for the slowed-down runs.
   */
  static final long LARGEST_FILE = 64L << 20;

  private static final int MTU = 1500;
  private static final int PORT = 8080;
  private static final Inet4Address SOURCES = (Inet4Address) InetAddress.ofLiteral("198.18.0.0");
  private static final int SOURCE_PREFIX = 15;

  /** How long the flood runs before a download starts, so that the queues are full when it does. */
  private static final long WARMUP_MILLIS = 1000;

  private static final long FLOOD_END_SECONDS = 30;

  private SynFloodBench() {}

  /** Returns the figure, or a skipped one with the reason it cannot be measured here. */
  static Figure run(BenchSettings settings) {
    return run(settings, NAME, 1);
  }

  /**
   * Returns {@link #NAME_LOOPS2}: the figure with synack on a two-queue device read by two loops
   * ({@code serve --loops 2}), the device's SYN filter set by loop 0 for both queues.
   */
  static Figure runLoops2(BenchSettings settings) {
    return run(settings, NAME_LOOPS2, 2);
  }

  private static Figure run(BenchSettings settings, String name, int loops) {
    Optional<String> missing = Privileges.tunMissing();
    if (missing.isPresent()) return Figure.skipped(name, "x", missing.get());
    Optional<String> curl = CurlServeBench.curlCommand();
    if (curl.isEmpty()) return Figure.skipped(name, "x", "curl is not installed (install curl)");
    long size = Math.min(LARGEST_FILE, settings.tunBytes());
    Path dir = null;
    try {
      dir = Files.createTempDirectory("synack-bench-flood");
      Path file = dir.resolve("file.bin");
      CurlServeBench.writeFile(file, size);
      Times synack;
      long shed;
      long[] deviceBefore;
      long[] deviceAfter;
      int shedShift;
      String perLoop;
      // What the server says of each request: a download that fails is explained by its line
      // (a client that took nothing for the idle timeout is reset, as nginx's send_timeout does).
      Queue<String> served = new ConcurrentLinkedQueue<>();
      try (FloodedServer tun = loops == 1 ? FloodedServer.oneLoop() : FloodedServer.loops(loops)) {
        Server server = tun.serve(HttpFileService.of(dir, served::add));
        try {
          String url = "http://" + SynackOnTun.SYNACK.getHostAddress() + ":" + PORT + "/file.bin";
          deviceBefore = deviceCounters(tun.namespace(), tun.device());
          synack =
              measure(
                  settings,
                  curl.get(),
                  tun.namespace(),
                  url,
                  size,
                  (Inet4Address) SynackOnTun.SYNACK,
                  tun::cookies,
                  tun::shedShift);
          deviceAfter = deviceCounters(tun.namespace(), tun.device());
          shedShift = tun.shedShift();
          shed = tun.shed();
          perLoop = tun.cookiesPerLoop();
        } finally {
          server.stop(Duration.ofSeconds(1));
        }
      }
      Times kernel;
      try (KernelOverVeth veth = KernelOverVeth.open(MTU)) {
        // The kernel's SYN-ACKs to the spoofed sources leave as synack's do, towards the flooding
        // namespace.
        veth.namespaceB().ip("route", "add", "default", "via", KernelOverVeth.A.getHostAddress());
        InetSocketAddress at = new InetSocketAddress(KernelOverVeth.B, PORT);
        CompletableFuture<Void> responder =
            CurlServeBench.kernelResponder(veth.namespaceB(), at, file, 2 * settings.repeats());
        String url = "http://" + at.getAddress().getHostAddress() + ":" + PORT + "/file.bin";
        kernel =
            measure(
                settings,
                curl.get(),
                veth.namespaceA(),
                url,
                size,
                (Inet4Address) KernelOverVeth.B,
                () ->
                    NamespaceThread.await(
                        NamespaceThread.start(
                            veth.namespaceB(), "syncookies", SynFloodBench::kernelCookies),
                        10,
                        "SyncookiesSent"),
                null);
        NamespaceThread.await(responder, 180, "kernel HTTP responder");
      }
      return Figure.measured(
          name,
          "x",
          synack.slowdown(),
          kernel.slowdown(),
          String.format(
              Locale.ROOT,
              "download time under a spoofed SYN flood / alone: curl GET of a %s file at MTU %d, best of %d each, synack on %d loop(s);"
                  + " flood asked %,d SYNs/s from 198.18.0.0/15; synack (serve --http's server on TUN): %s,"
                  + " SYN cookies per loop %s, %,d SYNs shed (read batch full), the device queued %,d packets for synack and"
                  + " dropped %,d at its tail, SYNs kept one in %d before the queue at the end%s;"
                  + " kernel (veth, tcp_syncookies=1): %s",
              SimBulkBench.mb(size),
              MTU,
              settings.repeats(),
              loops,
              settings.synFloodRate(),
              synack,
              perLoop,
              shed,
              deviceAfter[0] - deviceBefore[0],
              deviceAfter[1] - deviceBefore[1],
              1 << shedShift,
              synack.failure() == null ? "" : resetLine(served),
              kernel));
    } catch (IOException | RuntimeException e) {
      return Figure.skipped(name, "x", "failed: " + e.getMessage());
    } finally {
      if (dir != null) CurlServeBench.deleteQuietly(dir);
    }
  }

  /**
   * Returns {packets the kernel queued for synack, packets it dropped} on the TUN device so far:
   * its transmit side in {@code /proc/net/dev} of the device's namespace (a full queue drops at its
   * tail and counts {@code tx_dropped}).
   */
  private static long[] deviceCounters(Netns namespace, String device) throws IOException {
    return NamespaceThread.await(
        NamespaceThread.start(
            namespace,
            "device-counters",
            () -> {
              for (String line : Files.readAllLines(Path.of("/proc/thread-self/net/dev"))) {
                int colon = line.indexOf(':');
                if (colon < 0 || !line.substring(0, colon).trim().equals(device)) continue;
                String[] f = line.substring(colon + 1).trim().split("\\s+");
                // receive: bytes packets errs drop fifo frame compressed multicast; then transmit.
                return new long[] {Long.parseLong(f[9]), Long.parseLong(f[11])};
              }
              throw new IOException("no " + device + " in /proc/thread-self/net/dev");
            }),
        10,
        "device counters");
  }

  /** Returns what the server said of the request it reset, if it did, for a failed download. */
  private static String resetLine(Queue<String> served) {
    for (String line : served) {
      if (line.endsWith(" reset")) return "; the server: " + line;
    }
    return "; the server reset no request";
  }

  /** Reads a counter of the stack under test. */
  private interface Counter {
    long read() throws IOException;
  }

  /**
   * The download times alone and under the flood, what the flood reached, and the cookies the stack
   * sent.
   */
  record Times(
      double alone,
      double flooded,
      String failure,
      SynFlood.Report flood,
      long cookies,
      String shifts,
      String connects) {
    double slowdown() {
      return failure != null ? Double.POSITIVE_INFINITY : flooded / alone;
    }

    @Override
    public String toString() {
      String rate =
          String.format(
                  Locale.ROOT,
                  "flood reached %,.0f SYNs/s (%,d sent, %,d refused by the sender's kernel),"
                      + " %,d SYN cookies sent",
                  flood.rate(),
                  flood.sent(),
                  flood.refused(),
                  cookies)
              + shifts;
      if (failure != null)
        return String.format(
            Locale.ROOT, "%.3f s alone, under the flood %s; %s", alone, failure, rate);
      return String.format(
          Locale.ROOT,
          "%.3f s alone, %.3f s flooded (each flooded download: %s); %s",
          alone,
          flooded,
          connects,
          rate);
    }
  }

  /**
   * Downloads {@code url} from {@code ns} alone, then under a flood to {@code target} sent from
   * {@code ns}.
   */
  private static Times measure(
      BenchSettings settings,
      String curl,
      Netns ns,
      String url,
      long size,
      Inet4Address target,
      Counter cookies,
      IntSupplier shedShift)
      throws IOException {
    double alone = Double.POSITIVE_INFINITY;
    for (int i = 0; i < settings.repeats(); i++)
      alone = Math.min(alone, seconds(curl, ns, url, size));
    SynFlood flood;
    try {
      flood =
          NamespaceThread.await(
              NamespaceThread.start(
                  ns,
                  "syn-flood-open",
                  () -> SynFlood.open(target, PORT, SOURCES, SOURCE_PREFIX, 20_261_207L)),
              10,
              "SYN flood socket");
    } catch (IOException e) {
      throw new IOException("cannot open the SYN flood's socket: " + e.getMessage(), e);
    }
    AtomicBoolean stop = new AtomicBoolean();
    long cookiesBefore = cookies.read();
    CompletableFuture<SynFlood.Report> sending =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return flood.flood(Long.MAX_VALUE, settings.synFloodRate(), stop::get);
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            },
            r -> Thread.ofPlatform().name("bench-syn-flood").daemon(true).start(r));
    double flooded = Double.POSITIVE_INFINITY;
    java.util.List<String> connects = new java.util.ArrayList<>();
    String failure = null;
    ShiftSampler sampler = shedShift == null ? null : ShiftSampler.start(shedShift);
    try {
      Thread.sleep(WARMUP_MILLIS);
      if (sending.isDone()) sending.join(); // a sender that failed at once says why
      for (int i = 0; i < settings.repeats() && failure == null; i++) {
        try {
          CurlServeBench.Fetch fetch = CurlServeBench.fetch(curl, ns, url, size);
          flooded = Math.min(flooded, fetch.seconds());
          // The handshake's share: over 1 s means curl's first SYN went unanswered (RFC 6298's
          // initial RTO), the rest is the download itself.
          connects.add(
              String.format(
                  Locale.ROOT,
                  "connected after %.3f s of %.3f s",
                  fetch.connectSeconds(),
                  fetch.seconds()));
        } catch (IOException e) {
          failure = "failed (" + String.valueOf(e.getMessage()).replace('\n', ' ') + ")";
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted under the flood", e);
    } finally {
      stop.set(true);
    }
    String shifts = sampler == null ? "" : sampler.stop();
    SynFlood.Report report;
    try {
      report = NamespaceThread.await(sending, FLOOD_END_SECONDS, "SYN flood");
    } finally {
      if (sending.isDone()) flood.close();
    }
    long sent = cookies.read() - cookiesBefore;
    return new Times(alone, flooded, failure, report, sent, shifts, String.join(", ", connects));
  }

  /**
   * Samples the loop's SYN shedding every {@value #PERIOD_MILLIS} ms while the flood runs (warm-up
   * included) and says how long each shift was in force: where the download's first SYN met it.
   */
  private static final class ShiftSampler {
    private static final int PERIOD_MILLIS = 20;
    private final long[] samples = new long[33];
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Thread thread;

    private ShiftSampler(IntSupplier shift) {
      thread =
          Thread.ofPlatform()
              .name("bench-shed-sampler")
              .daemon(true)
              .start(
                  () -> {
                    while (!stop.get()) {
                      samples[Math.min(32, Math.max(0, shift.getAsInt()))]++;
                      try {
                        Thread.sleep(PERIOD_MILLIS);
                      } catch (InterruptedException e) {
                        return;
                      }
                    }
                  });
    }

    static ShiftSampler start(IntSupplier shift) {
      return new ShiftSampler(shift);
    }

    /** Stops sampling and returns each shift's share of the samples. */
    String stop() {
      stop.set(true);
      try {
        thread.join(1_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      long total = 0;
      for (long n : samples) total += n;
      StringBuilder b = new StringBuilder(", SYNs kept under the flood (share of time):");
      for (int i = 0; i < samples.length; i++) {
        if (samples[i] == 0) continue;
        b.append(
            String.format(
                Locale.ROOT, " 1 in %d %.0f %%", 1L << i, 100.0 * samples[i] / Math.max(1, total)));
      }
      return b.toString();
    }
  }

  /** Returns the seconds curl took to fetch {@code url} whole. */
  private static double seconds(String curl, Netns ns, String url, long size) throws IOException {
    return size * 8 / (CurlServeBench.download(curl, ns, url, size) * 1e9);
  }

  /**
   * Returns the calling thread's namespace's SyncookiesSent (TcpExt in
   * /proc/thread-self/net/netstat).
   */
  private static long kernelCookies() throws IOException {
    java.util.List<String> lines = Files.readAllLines(Path.of("/proc/thread-self/net/netstat"));
    for (int i = 0; i + 1 < lines.size(); i += 2) {
      if (!lines.get(i).startsWith("TcpExt:")) continue;
      String[] names = lines.get(i).trim().split("\\s+");
      String[] values = lines.get(i + 1).trim().split("\\s+");
      for (int k = 1; k < names.length && k < values.length; k++) {
        if (names[k].equals("SyncookiesSent")) return Long.parseLong(values[k]);
      }
    }
    throw new IOException("no TcpExt SyncookiesSent in /proc/thread-self/net/netstat");
  }
}
