package dev.synack.cli.bench;

import dev.synack.link.TunLink;
import dev.synack.runtime.Stack;
import dev.synack.socket.TcpServerSocket;
import dev.synack.socket.TcpSocket;
import dev.synack.stack.HostConfig;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Per-core scaling over TUN (issue 14 point 6): connection cycles per second and many-stream bulk
 * from kernel clients to a synack server on a {@link Stack} of one loop, then of one loop per
 * processor on a multiqueue TUN device; the reference is the same clients against a kernel server
 * over a veth pair, measured in the same run. The server is the same code on both: an acceptor and
 * a virtual thread per connection, over blocking streams.
 */
final class ScalingBench {
  /** Kernel client threads that run connection cycles at once. */
  private static final int CYCLE_CLIENTS = 32;

  /** Parallel streams of the bulk figure. */
  private static final int STREAMS = 8;

  private static final int TIMEOUT_MILLIS = 60_000;
  private static final long TIMEOUT_SECONDS = 300;

  private ScalingBench() {}

  /** Returns the names of the scaling figures, in the order measured. */
  static List<String> names() {
    return List.of(
        "tun-scale-conn-rate-1loop",
        "tun-scale-conn-rate-all-loops",
        "tun-scale-bulk-1loop",
        "tun-scale-bulk-all-loops");
  }

  /**
   * Measures the scaling figures {@code wanted} accepts, or reports each as skipped with the
   * reason.
   */
  static List<Figure> run(BenchSettings settings, Predicate<String> wanted) {
    List<Figure> figures = new ArrayList<>();
    Optional<String> missing = Privileges.tunMissing();
    int all = Runtime.getRuntime().availableProcessors();
    int cycles = Math.max(100, settings.connCycles() / 10);
    long bytes = Math.max(STREAMS << 16, settings.tunBytes());
    if (wanted.test("tun-scale-conn-rate-1loop") || wanted.test("tun-scale-conn-rate-all-loops")) {
      figures.addAll(
          pair(
              "tun-scale-conn-rate",
              "cycles/s",
              missing,
              all,
              settings.repeats(),
              side -> side.cycles(cycles),
              cycles,
              "cycle",
              cycles
                  + " cycles (connect, 1 byte each way, client closes first), "
                  + CYCLE_CLIENTS
                  + " kernel client threads at once"));
    }
    if (wanted.test("tun-scale-bulk-1loop") || wanted.test("tun-scale-bulk-all-loops")) {
      figures.addAll(
          pair(
              "tun-scale-bulk",
              "Gbit/s",
              missing,
              all,
              settings.repeats(),
              side -> side.bulk(bytes),
              bytes / (double) (1 << 20),
              "MiB",
              SimBulkBench.mb(bytes)
                  + " from kernel clients to the server over "
                  + STREAMS
                  + " parallel streams, MTU 1500"));
    }
    return figures;
  }

  /** What a figure measures on one side. */
  private interface Measure {
    double on(Side side) throws IOException;
  }

  /**
   * Measures one figure with one loop and with {@code all}, each beside the kernel, best of {@code
   * repeats}; each figure's note says where the CPU went in its best run ({@link CpuAccount}, for
   * {@code work} {@code unit}s done).
   */
  private static List<Figure> pair(
      String prefix,
      String unit,
      Optional<String> missing,
      int all,
      int repeats,
      Measure measure,
      double work,
      String workUnit,
      String what) {
    String one = prefix + "-1loop";
    String many = prefix + "-all-loops";
    if (missing.isPresent())
      return List.of(
          Figure.skipped(one, unit, missing.get()), Figure.skipped(many, unit, missing.get()));
    try {
      Best single = new Best();
      Best multi = new Best();
      Best kernel = new Best();
      String note = null;
      for (int i = 0; i < repeats; i++) {
        try (SynackSide s = SynackSide.open(1)) {
          single.measure(s, s.stack, measure);
        }
        try (SynackSide s = SynackSide.open(all)) {
          multi.measure(s, s.stack, measure);
          note = s.stack.note();
        }
        try (Side s = KernelSide.open()) {
          kernel.measure(s, null, measure);
        }
      }
      String kernelNote =
          "; kernel: the same clients and server code over veth between two namespaces; best of "
              + repeats;
      String cpu = " (CPU in the best runs: ";
      return List.of(
          Figure.measured(
              one,
              unit,
              single.value,
              kernel.value,
              what
                  + "; synack: 1 loop"
                  + kernelNote
                  + cpu
                  + "synack: "
                  + single.account.describe(work, workUnit)
                  + "; kernel: "
                  + kernel.account.describe(work, workUnit)
                  + ")"),
          Figure.measured(
              many,
              unit,
              multi.value,
              kernel.value,
              what
                  + "; synack: "
                  + all
                  + " loops on "
                  + all
                  + " TUN queues ("
                  + String.format(Locale.ROOT, "%.2f", multi.value / single.value)
                  + "x one loop)"
                  + (note == null ? "" : "; " + note)
                  + kernelNote
                  + cpu
                  + "synack: "
                  + multi.account.describe(work, workUnit)
                  + ")"));
    } catch (IOException | RuntimeException e) {
      return List.of(
          Figure.skipped(one, unit, "failed: " + e.getMessage()),
          Figure.skipped(many, unit, "failed: " + e.getMessage()));
    }
  }

  /** The best value of a figure on one side so far, and where the CPU went in that run. */
  private static final class Best {
    double value;
    CpuAccount account;

    /**
     * Measures once on {@code side} (whose loops are {@code stack}'s, or none) and keeps the best.
     */
    void measure(Side side, Stack stack, Measure measure) throws IOException {
      CpuAccount a = new CpuAccount(stack);
      double v = measure.on(side);
      a.finish();
      if (account == null || v > value) {
        value = v;
        account = a;
      }
    }
  }

  /** A server the kernel clients in {@link #clients} reach at {@code server}. */
  private abstract static class Side implements AutoCloseable {
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private int nextPort = 6001;

    abstract Netns clients();

    abstract InetAddress serverAddress();

    /**
     * Listens on {@code port}; the returned acceptor yields each connection's streams and closes
     * the listener when closed.
     */
    abstract Acceptor listen(int port) throws IOException;

    /** Runs {@code cycles} connection cycles; returns cycles per second. */
    double cycles(int cycles) throws IOException {
      int port = nextPort++;
      Future<Void> serving;
      double rate;
      try (Acceptor acceptor = listen(port)) {
        serving =
            threads.submit(
                () ->
                    serve(
                        acceptor,
                        conn -> {
                          InputStream in = conn.in();
                          int b = in.read();
                          if (b < 0) return;
                          conn.out().write(b);
                          conn.out().flush();
                          while (in.read() >= 0) {} // until the client's FIN
                        }));
        InetSocketAddress at = new InetSocketAddress(serverAddress(), port);
        AtomicInteger next = new AtomicInteger();
        Stopwatch watch = new Stopwatch();
        List<CompletableFuture<Void>> clients = new ArrayList<>();
        for (int i = 0; i < CYCLE_CLIENTS; i++) {
          clients.add(
              NamespaceThread.start(
                  clients(),
                  "scale-client",
                  () -> {
                    while (next.getAndIncrement() < cycles) {
                      try (Socket s = new Socket()) {
                        s.connect(at, TIMEOUT_MILLIS);
                        s.setSoTimeout(TIMEOUT_MILLIS);
                        s.getOutputStream().write(1);
                        if (s.getInputStream().read() < 0)
                          throw new EOFException("no answer from " + at);
                      }
                    }
                    return null;
                  }));
        }
        for (CompletableFuture<Void> c : clients)
          NamespaceThread.await(c, TIMEOUT_SECONDS, "connection cycles");
        rate = watch.perSecond(cycles);
      }
      awaitServer(serving);
      return rate;
    }

    /**
     * Moves {@code bytes} over {@link #STREAMS} parallel streams; returns Gbit/s until the server
     * read the last byte.
     */
    double bulk(long bytes) throws IOException {
      int port = nextPort++;
      long each = bytes / STREAMS;
      Future<Void> serving;
      double gbps;
      try (Acceptor acceptor = listen(port)) {
        List<CompletableFuture<Void>> reads = new ArrayList<>();
        for (int i = 0; i < STREAMS; i++) reads.add(new CompletableFuture<>());
        AtomicInteger nextRead = new AtomicInteger();
        serving =
            threads.submit(
                () ->
                    serve(
                        acceptor,
                        conn -> {
                          CompletableFuture<Void> done = reads.get(nextRead.getAndIncrement());
                          try {
                            StreamPeers.receiveAll(conn.in(), each);
                            done.complete(null);
                          } catch (IOException | RuntimeException e) {
                            done.completeExceptionally(e);
                          }
                        }));
        InetSocketAddress at = new InetSocketAddress(serverAddress(), port);
        Stopwatch watch = new Stopwatch();
        List<CompletableFuture<Void>> writers = new ArrayList<>();
        for (int i = 0; i < STREAMS; i++) {
          writers.add(
              NamespaceThread.start(
                  clients(),
                  "scale-writer",
                  () -> {
                    try (Socket s = new Socket()) {
                      s.connect(at, TIMEOUT_MILLIS);
                      StreamPeers.sendAll(s.getOutputStream(), each);
                    }
                    return null;
                  }));
        }
        for (CompletableFuture<Void> r : reads)
          NamespaceThread.await(r, TIMEOUT_SECONDS, "bulk reader");
        gbps = watch.gbitPerSecond(each * STREAMS);
        for (CompletableFuture<Void> w : writers)
          NamespaceThread.await(w, TIMEOUT_SECONDS, "bulk writer");
      }
      awaitServer(serving);
      return gbps;
    }

    /**
     * Accepts until the acceptor closes, each connection handled on a virtual thread of its own.
     */
    private Void serve(Acceptor acceptor, Handler handler) throws Exception {
      List<Future<Void>> handled = new ArrayList<>();
      while (true) {
        Conn conn;
        try {
          conn = acceptor.accept();
        } catch (IOException e) {
          break; // closed: the figure is over
        }
        handled.add(
            threads.submit(
                () -> {
                  try (conn) {
                    handler.handle(conn);
                  }
                  return null;
                }));
      }
      // Each connection's client is done, so its server side ends: a failed one fails the figure.
      for (Future<Void> h : handled) h.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      return null;
    }

    /** Waits for {@link #serve} to end once its acceptor closed, and says why it failed. */
    private static void awaitServer(Future<Void> serving) throws IOException {
      try {
        serving.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("server: interrupted", e);
      } catch (TimeoutException e) {
        throw new IOException("server: connections not done within " + TIMEOUT_SECONDS + " s");
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        throw new IOException("server: " + cause, cause);
      }
    }

    @Override
    public void close() throws IOException {
      threads.shutdownNow();
    }
  }

  /** What the server does with one connection. */
  private interface Handler {
    void handle(Conn conn) throws IOException;
  }

  /** One accepted connection's streams. */
  private interface Conn extends AutoCloseable {
    InputStream in() throws IOException;

    OutputStream out() throws IOException;

    @Override
    void close() throws IOException;
  }

  /** A listening socket. */
  private interface Acceptor extends AutoCloseable {
    Conn accept() throws IOException;

    @Override
    void close() throws IOException;
  }

  /**
   * A synack {@link Stack} of some loops on a TUN device whose kernel end is in the clients'
   * namespace.
   */
  private static final class SynackSide extends Side {
    private static final InetAddress KERNEL = InetAddress.ofLiteral("10.204.0.1");
    private static final InetAddress SYNACK = InetAddress.ofLiteral("10.204.0.2");
    private final Netns ns;
    final Stack stack;

    private SynackSide(Netns ns, Stack stack) {
      this.ns = ns;
      this.stack = stack;
    }

    static SynackSide open(int loops) throws IOException {
      Netns ns = Netns.create();
      Stack stack = null;
      try {
        stack =
            Stack.builder()
                .name("synack")
                .tun("sbs" + Netns.randomSuffix(), 1500)
                .loops(loops)
                .config(HostConfig.defaults(System.nanoTime()).withMtu(1500))
                .address(SYNACK)
                .build();
        String device = ((TunLink) stack.link(0)).name();
        ns.moveIn(device);
        ns.configure(device, KERNEL.getHostAddress() + "/24", 1500);
        return new SynackSide(ns, stack);
      } catch (IOException | RuntimeException e) {
        if (stack != null) stack.close();
        ns.close();
        throw e;
      }
    }

    @Override
    Netns clients() {
      return ns;
    }

    @Override
    InetAddress serverAddress() {
      return SYNACK;
    }

    @Override
    Acceptor listen(int port) throws IOException {
      TcpServerSocket server = TcpServerSocket.bind(stack, null, port, 4096);
      return new Acceptor() {
        @Override
        public Conn accept() throws IOException {
          TcpSocket s = server.accept();
          s.setSoTimeout(TIMEOUT_MILLIS);
          return new Conn() {
            @Override
            public InputStream in() {
              return s.getInputStream();
            }

            @Override
            public OutputStream out() {
              return s.getOutputStream();
            }

            @Override
            public void close() throws IOException {
              s.close();
            }
          };
        }

        @Override
        public void close() throws IOException {
          server.close();
        }
      };
    }

    @Override
    public void close() throws IOException {
      try {
        super.close();
        stack.close();
      } finally {
        ns.close();
      }
    }
  }

  /** The kernel on both ends: clients in one namespace, the server in another, joined by veth. */
  private static final class KernelSide extends Side {
    private static final InetAddress CLIENT = InetAddress.ofLiteral("10.205.0.1");
    private static final InetAddress SERVER = InetAddress.ofLiteral("10.205.0.2");
    private final Netns a;
    private final Netns b;

    private KernelSide(Netns a, Netns b) {
      this.a = a;
      this.b = b;
    }

    static KernelSide open() throws IOException {
      Netns a = Netns.create();
      Netns b = null;
      try {
        b = Netns.create();
        String suffix = Netns.randomSuffix();
        a.addVeth("sbsa" + suffix, b, "sbsb" + suffix);
        a.configure("sbsa" + suffix, CLIENT.getHostAddress() + "/24", 1500);
        b.configure("sbsb" + suffix, SERVER.getHostAddress() + "/24", 1500);
        return new KernelSide(a, b);
      } catch (IOException | RuntimeException e) {
        if (b != null) b.close();
        a.close();
        throw e;
      }
    }

    @Override
    Netns clients() {
      return a;
    }

    @Override
    InetAddress serverAddress() {
      return SERVER;
    }

    @Override
    Acceptor listen(int port) throws IOException {
      // Made in the server's namespace; accepting and the accepted sockets then work from any
      // thread.
      ServerSocket server =
          NamespaceThread.await(
              NamespaceThread.start(
                  b,
                  "scale-listen",
                  () -> {
                    ServerSocket s = new ServerSocket();
                    s.bind(new InetSocketAddress(SERVER, port), 4096);
                    return s;
                  }),
              TIMEOUT_SECONDS,
              "kernel listener");
      return new Acceptor() {
        @Override
        public Conn accept() throws IOException {
          Socket s = server.accept();
          s.setSoTimeout(TIMEOUT_MILLIS);
          return new Conn() {
            @Override
            public InputStream in() throws IOException {
              return s.getInputStream();
            }

            @Override
            public OutputStream out() throws IOException {
              return s.getOutputStream();
            }

            @Override
            public void close() throws IOException {
              s.close();
            }
          };
        }

        @Override
        public void close() throws IOException {
          server.close();
        }
      };
    }

    @Override
    public void close() throws IOException {
      try {
        super.close();
      } finally {
        try {
          a.close();
        } finally {
          b.close();
        }
      }
    }
  }
}
