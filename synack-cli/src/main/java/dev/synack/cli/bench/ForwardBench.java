package dev.synack.cli.bench;

import dev.synack.forward.Forwarder;
import dev.synack.forward.ForwarderOptions;
import dev.synack.link.TunLink;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A namespace's network through {@code synack forward}, beside the same job done by slirp4netns and
 * pasta in the same run (issue 13, point 5). Three namespaces per figure: "client", whose default
 * route goes through the tool; "outside", where the tool's sockets live; "server", reached from
 * "outside" over a veth pair (10.203.0.1, 10.203.0.2), where iperf3 and the kernel servers run.
 * synack forwards in this JVM (its TUN device in "client", its sockets opened by threads in
 * "outside"); slirp4netns and pasta run as processes in "outside", attached to "client".
 *
 * <p>Figures: iperf3 up (client to server) and down ({@code -R}) at MTU 1500 and 65520 (the largest
 * slirp4netns and pasta take); connections per second (kernel clients in "client" connect and
 * close, a kernel server in "server" accepts and closes); bytes per relayed idle connection
 * (synack: heap after GC, in this JVM; the others: their process's resident memory). Each figure's
 * reference is the better of slirp4netns and pasta, both named in its note.
 */
final class ForwardBench {
  static final int[] MTUS = {1500, 65520};
  static final String[] TOOLS = {"synack", "slirp4netns", "pasta"};
  private static final String SERVER = "10.203.0.2";
  private static final long TIMEOUT_SECONDS = 120;

  /** Idle connections the memory figure holds: about 2 MB of synack heap, 8x the meter's noise. */
  private static final int IDLE_CONNS = 2_000;

  private static final int RATE_THREADS = 8;

  /**
   * A port in "server" that accepts and closes, so that a connection tells the path works (pasta
   * answers none to a closed port).
   */
  private static final int PROBE_PORT = 5399;

  private static final Pattern RECEIVED =
      Pattern.compile("\"sum_received\"\\s*:\\s*\\{[^}]*?\"bits_per_second\"\\s*:\\s*([0-9.eE+]+)");

  private ForwardBench() {}

  /** Returns the names of the forward figures, in the order measured. */
  static List<String> names() {
    List<String> names = new ArrayList<>();
    for (int mtu : MTUS) {
      names.add("forward-iperf-up-mtu" + mtu);
      names.add("forward-iperf-down-mtu" + mtu);
    }
    names.add("forward-conn-rate");
    names.add("forward-idle-conn-bytes");
    return names;
  }

  /**
   * Measures every forward figure {@code wanted} accepts, or reports each as skipped with the
   * reason it cannot be.
   */
  static List<Figure> run(BenchSettings settings, Predicate<String> wanted) {
    Optional<String> missing = Privileges.tunMissing();
    if (missing.isEmpty()) missing = missingTool();
    List<Figure> figures = new ArrayList<>();
    // Threads alive before any rig: a rig's threads that outlive it are waited for before the heap
    // is weighed.
    java.util.Set<Thread> baseline = HeapMeter.liveThreads();
    for (String name : names()) {
      if (!wanted.test(name)) continue;
      if (missing.isPresent()) {
        figures.add(Figure.skipped(name, unitOf(name), missing.get()));
        continue;
      }
      try {
        figures.add(measure(name, settings, baseline));
      } catch (HeapMeter.Unmeasurable e) {
        figures.add(Figure.skipped(name, unitOf(name), "unmeasurable: " + e.getMessage()));
      } catch (IOException | RuntimeException e) {
        figures.add(Figure.skipped(name, unitOf(name), "failed: " + e.getMessage()));
      }
    }
    return figures;
  }

  private static Optional<String> missingTool() {
    for (String[] tool :
        new String[][] {{"iperf3", "iperf3"}, {"slirp4netns", "slirp4netns"}, {"pasta", "passt"}}) {
      if (find(tool[0]).isEmpty())
        return Optional.of(tool[0] + " is not installed (install " + tool[1] + ")");
    }
    return Optional.empty();
  }

  private static String unitOf(String name) {
    return name.startsWith("forward-iperf")
        ? "Gbit/s"
        : name.equals("forward-conn-rate") ? "conn/s" : "bytes";
  }

  private static Figure measure(String name, BenchSettings settings, java.util.Set<Thread> baseline)
      throws IOException {
    boolean lowerIsBetter = name.equals("forward-idle-conn-bytes");
    int mtu = name.endsWith("mtu65520") ? 65520 : 1500;
    int repeats =
        name.startsWith("forward-iperf") || name.equals("forward-conn-rate")
            ? Math.max(1, settings.repeats())
            : 1;
    // Full runs 5 s per iperf3 run, quick ones 3 s, shrunk ones (the shape test) 1 s.
    int seconds = settings.repeats() >= 3 ? 5 : settings.repeats() == 2 ? 3 : 1;
    double[][] values = new double[TOOLS.length][repeats];
    long[] failed = new long[TOOLS.length];
    for (int t = 0; t < TOOLS.length; t++) {
      if (lowerIsBetter && TOOLS[t].equals("synack")) awaitEarlierRigs(baseline);
      try (Rig rig = Rig.open(TOOLS[t], mtu)) {
        for (int r = 0; r < repeats; r++) {
          values[t][r] =
              switch (name) {
                case "forward-conn-rate" -> rig.connectionsPerSecond(seconds);
                case "forward-idle-conn-bytes" -> rig.bytesPerIdleConnection(IDLE_CONNS);
                default -> rig.iperf(name.contains("-down-"), seconds);
              };
          failed[t] += rig.failedConnects.get();
        }
      }
    }
    double[] best = new double[TOOLS.length];
    StringBuilder note = new StringBuilder();
    for (int t = 0; t < TOOLS.length; t++) {
      double lo = Double.MAX_VALUE;
      double hi = 0;
      for (double v : values[t]) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      best[t] = lowerIsBetter ? lo : hi;
      note.append(t == 0 ? "" : "; ").append(TOOLS[t]).append(' ').append(format(best[t]));
      if (repeats > 1)
        note.append(" (runs ").append(format(lo)).append("..").append(format(hi)).append(')');
      if (failed[t] > 0) note.append(", ").append(failed[t]).append(" connects failed");
    }
    double reference = lowerIsBetter ? Math.min(best[1], best[2]) : Math.max(best[1], best[2]);
    String how =
        switch (name) {
          case "forward-conn-rate" ->
              RATE_THREADS + " kernel clients connect and close for " + seconds + " s";
          case "forward-idle-conn-bytes" ->
              IDLE_CONNS
                  + " idle connections; synack: heap after GCs (two readings within 256 KiB),"
                  + " others: process RSS";
          default ->
              "iperf3 " + (name.contains("-down-") ? "-R " : "") + seconds + " s at MTU " + mtu;
        };
    return Figure.measured(
        name,
        unitOf(name),
        best[0],
        reference,
        how + "; " + note + "; reference: the better of slirp4netns and pasta");
  }

  /**
   * Waits for the threads earlier rigs started to end, so that the heap weighed holds only this
   * rig's (run 1 of session 8's bench gave -3,423 B per connection without).
   */
  private static void awaitEarlierRigs(java.util.Set<Thread> baseline) throws IOException {
    List<String> alive;
    try {
      alive = HeapMeter.awaitThreadsEnded(baseline, HeapMeter.THREAD_WAIT_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    if (!alive.isEmpty()) {
      throw new HeapMeter.Unmeasurable(
          "threads of an earlier rig still run after "
              + HeapMeter.THREAD_WAIT_MILLIS / 1000
              + " s: "
              + String.join(", ", alive));
    }
  }

  private static String format(double v) {
    return v >= 100 ? String.format("%.0f", v) : String.format("%.2f", v);
  }

  /** Returns the path of {@code command} on the PATH or in the sbin directories. */
  static Optional<String> find(String command) {
    String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin:/usr/bin:/bin";
    for (String dir : path.split(":")) {
      if (dir.isEmpty()) continue;
      Path candidate = Path.of(dir, command);
      if (Files.isExecutable(candidate)) return Optional.of(candidate.toString());
    }
    return Optional.empty();
  }

  /** The three namespaces, the iperf3 server, and one tool giving "client" its network. */
  private static final class Rig implements AutoCloseable {
    private final List<AutoCloseable> closers = new ArrayList<>();
    private Netns client;
    private Netns outside;
    private Netns server;
    private Forwarder forwarder;
    private Process tool;

    /** Connections of the last rate measurement that failed (refused, timed out). */
    final java.util.concurrent.atomic.AtomicLong failedConnects =
        new java.util.concurrent.atomic.AtomicLong();

    static Rig open(String tool, int mtu) throws IOException {
      Rig rig = new Rig();
      try {
        rig.setUp(tool, mtu);
        return rig;
      } catch (IOException | RuntimeException e) {
        rig.close();
        throw e;
      }
    }

    private void setUp(String name, int mtu) throws IOException {
      server = Netns.create();
      closers.add(server);
      outside = Netns.create();
      closers.add(outside);
      client = Netns.create();
      closers.add(client);
      String suffix = Netns.randomSuffix();
      outside.addVeth("fbo" + suffix, server, "fbs" + suffix);
      outside.configure("fbo" + suffix, "10.203.0.1/24", mtu);
      server.configure("fbs" + suffix, SERVER + "/24", mtu);
      // pasta copies the outer namespace's default route and address into the client's.
      outside.ip("route", "add", "default", "via", SERVER);
      Process iperf = process(server, List.of("iperf3", "-s", "-B", SERVER));
      closers.add(0, () -> stop(iperf));
      ServerSocket probe =
          NamespaceThread.await(
              NamespaceThread.start(
                  server,
                  "probe-listen",
                  () -> {
                    ServerSocket ss = new ServerSocket();
                    ss.bind(new InetSocketAddress(SERVER, PROBE_PORT), 16);
                    return ss;
                  }),
              TIMEOUT_SECONDS,
              "probe listener");
      closers.add(0, probe);
      Thread.ofPlatform()
          .daemon(true)
          .name("bench-probe-accept")
          .start(
              () -> {
                while (!probe.isClosed()) {
                  try {
                    probe.accept().close();
                  } catch (IOException e) {
                    // Closed with the rig.
                  }
                }
              });
      switch (name) {
        case "synack" -> {
          String tun = "fbt" + suffix;
          TunLink link =
              NamespaceThread.await(
                  NamespaceThread.start(client, "tun", () -> TunLink.open(tun, mtu, true)),
                  TIMEOUT_SECONDS,
                  "TUN device in the client namespace");
          client.configure(tun, "10.99.0.1/24", mtu);
          client.ip("route", "add", "default", "dev", tun);
          // Host sockets are opened by threads the forwarder starts, in the namespace of the thread
          // that starts it.
          forwarder =
              NamespaceThread.await(
                  NamespaceThread.start(
                      outside,
                      "forward",
                      () ->
                          Forwarder.start(
                              link,
                              ForwarderOptions.defaults()
                                  .withIcmpEcho(ForwarderOptions.IcmpEcho.LOCAL))),
                  TIMEOUT_SECONDS,
                  "synack forward");
          closers.add(0, forwarder);
        }
        case "slirp4netns" ->
            tool =
                process(
                    outside,
                    List.of(
                        "slirp4netns",
                        "--configure",
                        "--mtu=" + mtu,
                        "--disable-host-loopback",
                        "--netns-type=path",
                        client.path().toString(),
                        "tap0"));
        case "pasta" ->
            tool =
                process(
                    outside,
                    List.of(
                        "pasta",
                        "-f",
                        "--runas",
                        "0:0",
                        "-4",
                        "--config-net",
                        "--no-map-gw",
                        "-m",
                        Integer.toString(mtu),
                        "--netns",
                        client.path().toString()));
        default -> throw new IllegalArgumentException("no such tool: " + name);
      }
      if (tool != null) {
        Process p = tool;
        closers.add(0, () -> stop(p));
        awaitDefaultRoute(name);
      }
      awaitIperfServer();
    }

    private void awaitDefaultRoute(String name) throws IOException {
      for (int i = 0; i < 100; i++) {
        CompletableFuture<Boolean> up =
            NamespaceThread.start(
                client,
                "probe",
                () -> {
                  try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(SERVER, PROBE_PORT), 500);
                    return true;
                  } catch (IOException e) {
                    return false;
                  }
                });
        if (NamespaceThread.await(up, TIMEOUT_SECONDS, "probe")) return;
        sleep(100);
      }
      throw new IOException(
          name + " gave the client namespace no way to " + SERVER + " within 10 s");
    }

    private void awaitIperfServer() throws IOException {
      for (int i = 0; i < 100; i++) {
        if (!runToEnd(server, List.of("ss", "-Hltn", "sport = :5201"), 10).isBlank()) return;
        sleep(100);
      }
      throw new IOException("iperf3 -s does not listen within 10 s");
    }

    /** Runs iperf3 from the client namespace to the server; returns the receiver's Gbit/s. */
    double iperf(boolean reverse, int seconds) throws IOException {
      List<String> command =
          new ArrayList<>(List.of("iperf3", "-c", SERVER, "-t", Integer.toString(seconds), "-J"));
      if (reverse) command.add("-R");
      String out = runToEnd(client, command, seconds + 30);
      Matcher m = RECEIVED.matcher(out);
      if (!m.find())
        throw new IOException(
            "iperf3 gave no result: " + out.substring(0, Math.min(400, out.length())));
      return Double.parseDouble(m.group(1)) / 1e9;
    }

    /**
     * Kernel clients in "client" connect and close for {@code seconds}; returns connections per
     * second.
     */
    double connectionsPerSecond(int seconds) throws IOException {
      failedConnects.set(0);
      AtomicBoolean serving = new AtomicBoolean(true);
      CompletableFuture<ServerSocket> listening = new CompletableFuture<>();
      CompletableFuture<Void> acceptor =
          NamespaceThread.start(
              server,
              "accept",
              () -> {
                try (ServerSocket ss = new ServerSocket()) {
                  ss.bind(new InetSocketAddress(SERVER, 5301), 4096);
                  listening.complete(ss);
                  while (serving.get()) {
                    try {
                      ss.accept().close();
                    } catch (IOException e) {
                      if (serving.get()) throw e;
                    }
                  }
                }
                return null;
              });
      ServerSocket ss = NamespaceThread.await(listening, TIMEOUT_SECONDS, "connection-rate server");
      long deadline = System.nanoTime() + seconds * 1_000_000_000L;
      List<CompletableFuture<Long>> clients = new ArrayList<>();
      Stopwatch watch = new Stopwatch();
      for (int i = 0; i < RATE_THREADS; i++) {
        clients.add(
            NamespaceThread.start(
                client,
                "connect",
                () -> {
                  long n = 0;
                  while (System.nanoTime() - deadline < 0) {
                    try (Socket s = new Socket()) {
                      s.connect(new InetSocketAddress(SERVER, 5301), 10_000);
                      n++;
                    } catch (IOException e) {
                      failedConnects.incrementAndGet(); // counted in the note, not in the rate
                    }
                  }
                  return n;
                }));
      }
      long total = 0;
      for (CompletableFuture<Long> c : clients)
        total += NamespaceThread.await(c, TIMEOUT_SECONDS, "connecting client");
      double rate = watch.perSecond(total);
      serving.set(false);
      ss.close();
      try {
        NamespaceThread.await(acceptor, TIMEOUT_SECONDS, "connection-rate server");
      } catch (IOException ignored) {
        // Closed under its accept.
      }
      sleep(2_000); // the tools' and synack's flows of the closed connections end
      return rate;
    }

    /**
     * Holds {@code n} idle connections through the tool, opened and accepted by python3 processes
     * (so that this JVM's heap holds only synack's side of them); returns the bytes the tool's
     * memory grew by, per connection.
     */
    double bytesPerIdleConnection(int n) throws IOException {
      String hold =
          "import socket,sys,time\n"
              + "n="
              + n
              + "\n"
              + "if sys.argv[1]=='server':\n"
              + "  ss=socket.socket(); ss.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1); ss.bind(('"
              + SERVER
              + "',5302)); ss.listen(4096)\n"
              + "  print('listening',flush=True)\n"
              + "  held=[ss.accept()[0] for _ in range(n)]\n"
              + "else:\n"
              + "  held=[socket.create_connection(('"
              + SERVER
              + "',5302),timeout=10) for _ in range(n)]\n"
              + "print('held',flush=True)\n"
              + "time.sleep(600)\n";
      String ulimit = "ulimit -n " + (2 * n + 100) + "; exec python3 -c \"$0\" \"$1\"";
      Started srv = started(server, List.of("sh", "-c", ulimit, hold, "server"));
      try {
        srv.await("listening");
        HeapMeter meter = HeapMeter.runtime();
        long before = memory(meter);
        Started cli = started(client, List.of("sh", "-c", ulimit, hold, "client"));
        try {
          cli.await("held");
          srv.await("held");
          sleep(1_000);
          long after = memory(meter);
          if (forwarder != null) return meter.perItem(before, after, n);
          if (after < before)
            throw new HeapMeter.Unmeasurable(
                "the tool's RSS shrank by " + (before - after) + " B while it held " + n);
          return (after - before) / (double) n;
        } finally {
          stop(cli.process());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      } finally {
        try {
          stop(srv.process());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        sleep(2_000); // the flows of the closed connections end
      }
    }

    /**
     * synack: heap in use after GC (this JVM, the forwarder's part of it); a tool: its process's
     * RSS.
     */
    private long memory(HeapMeter meter) throws IOException {
      if (forwarder != null) return meter.stable();
      try (Stream<String> lines =
          Files.lines(Path.of("/proc", Long.toString(tool.pid()), "status"))) {
        return lines
            .filter(l -> l.startsWith("VmRSS:"))
            .findFirst()
            .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024)
            .orElseThrow(() -> new IOException("no VmRSS"));
      }
    }

    @Override
    public void close() {
      for (AutoCloseable c : closers) {
        try {
          c.close();
        } catch (Exception e) {
          System.err.println("synack bench: forward rig: " + e.getMessage());
        }
      }
    }
  }

  /** A process started in a namespace, and the file its output goes to. */
  private record Started(Process process, Path log) {
    /** Waits up to two minutes until the output holds {@code text}. */
    void await(String text) throws IOException {
      for (int i = 0; i < 1_200; i++) {
        if (Files.readString(log).contains(text)) return;
        if (!process.isAlive())
          throw new IOException("ended before \"" + text + "\": " + Files.readString(log).strip());
        sleep(100);
      }
      throw new IOException(
          "no \"" + text + "\" within two minutes: " + Files.readString(log).strip());
    }
  }

  /**
   * Starts {@code command} in {@code ns} ({@code ip netns exec}), its output to a temporary file.
   */
  private static Started started(Netns ns, List<String> command) throws IOException {
    List<String> full =
        new ArrayList<>(List.of(Netns.ipCommand().orElseThrow(), "netns", "exec", ns.name()));
    full.addAll(command);
    Path log = Files.createTempFile("synack-bench-forward", ".log");
    log.toFile().deleteOnExit();
    return new Started(
        new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(log.toFile()).start(),
        log);
  }

  private static Process process(Netns ns, List<String> command) throws IOException {
    return started(ns, command).process();
  }

  /**
   * Runs {@code command} in {@code ns} to its end (at most {@code seconds}) and returns its output.
   */
  private static String runToEnd(Netns ns, List<String> command, long seconds) throws IOException {
    List<String> full =
        new ArrayList<>(List.of(Netns.ipCommand().orElseThrow(), "netns", "exec", ns.name()));
    full.addAll(command);
    Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
    CompletableFuture<String> out =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
              } catch (IOException e) {
                return "";
              }
            });
    try {
      if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", command) + ": no end within " + seconds + " s");
      }
      return out.get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IOException(String.join(" ", command) + ": " + e, e);
    }
  }

  private static void stop(Process p) throws InterruptedException {
    p.destroy();
    if (!p.waitFor(5, TimeUnit.SECONDS)) p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
