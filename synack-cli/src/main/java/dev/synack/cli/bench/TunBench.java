package dev.synack.cli.bench;

import dev.synack.link.TunLink;
import dev.synack.runtime.HostDriver;
import dev.synack.socket.TcpServerSocket;
import dev.synack.socket.TcpSocket;
import dev.synack.stack.Host;
import dev.synack.stack.HostConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/**
 * Throughput and latency of synack on a TUN device, with the Linux kernel as the peer, against
 * kernel-to-kernel over a veth pair; everything in namespaces the benchmark makes and removes.
 *
 * <p>synack: a {@link HostDriver} on a TUN device whose kernel end is moved into a namespace of its
 * own (10.201.0.1 kernel, 10.201.0.2 synack). Reference: two namespaces joined by a veth pair
 * (10.202.0.1, 10.202.0.2). The kernel's sockets are opened by threads that entered those
 * namespaces, the very same code at both ends of both figures ({@link StreamPeers}).
 */
final class TunBench {
  /** The largest MTU both TUN and veth devices take (the kernel's ETH_MAX_MTU). */
  static final int LARGEST_MTU = 65535;

  private static final int[] MTUS = {1500, LARGEST_MTU};
  private static final long TIMEOUT_SECONDS = 120;
  private static final int SOCKET_TIMEOUT_MILLIS = 30_000;

  private TunBench() {}

  /** Returns the names of the TUN figures, in the order measured. */
  static List<String> names() {
    List<String> names = new ArrayList<>();
    for (int mtu : MTUS) {
      names.add("tun-kernel-to-synack-mtu" + mtu);
      names.add("tun-synack-to-kernel-mtu" + mtu);
    }
    names.add("tun-rr-latency");
    return names;
  }

  /**
   * Measures every TUN figure {@code wanted} accepts, or reports each as skipped with the reason it
   * cannot be.
   */
  static List<Figure> run(BenchSettings settings, Predicate<String> wanted) {
    Optional<String> missing = Privileges.tunMissing();
    List<Figure> figures = new ArrayList<>();
    if (missing.isPresent()) {
      for (String name : names()) {
        if (wanted.test(name)) figures.add(Figure.skipped(name, unitOf(name), missing.get()));
      }
      return figures;
    }
    for (int mtu : MTUS) {
      if (!wanted.test("tun-kernel-to-synack-mtu" + mtu)
          && !wanted.test("tun-synack-to-kernel-mtu" + mtu)) continue;
      try {
        figures.addAll(throughput(mtu, settings));
      } catch (IOException | RuntimeException e) {
        figures.add(
            Figure.skipped(
                "tun-kernel-to-synack-mtu" + mtu, "Gbit/s", "failed: " + e.getMessage()));
        figures.add(
            Figure.skipped(
                "tun-synack-to-kernel-mtu" + mtu, "Gbit/s", "failed: " + e.getMessage()));
      }
    }
    if (!wanted.test("tun-rr-latency")) return figures;
    try {
      figures.add(latency(settings));
    } catch (IOException | RuntimeException e) {
      figures.add(Figure.skipped("tun-rr-latency", "us", "failed: " + e.getMessage()));
    }
    return figures;
  }

  private static String unitOf(String name) {
    return name.equals("tun-rr-latency") ? "us" : "Gbit/s";
  }

  /**
   * Measures both directions at {@code mtu}, each against a veth reference of its own taken right
   * after it, every repeat, so that each ratio compares two transfers made the same way at the same
   * MTU and the same moment: the figure and its reference are the medians of their repeats, and the
   * note gives every sample. (Until session 9 one reference served both directions, the best of its
   * repeats, taken after both synack transfers: a single lucky transfer set the ratio of two
   * figures, 68.2 against 23.5 Gbit/s at MTU 1500 in two quiet runs of the same code.)
   */
  private static List<Figure> throughput(int mtu, BenchSettings settings) throws IOException {
    int repeats = settings.repeats();
    double[] toSynack = new double[repeats];
    double[] fromSynack = new double[repeats];
    double[] vethIn = new double[repeats];
    double[] vethOut = new double[repeats];
    IoCounts inward = IoCounts.NONE;
    IoCounts outward = IoCounts.NONE;
    try (SynackOnTun tun = SynackOnTun.open(mtu);
        KernelOverVeth ref = KernelOverVeth.open(mtu)) {
      for (int i = 0; i < repeats; i++) {
        IoCounts before = IoCounts.of(tun);
        toSynack[i] = tun.kernelToSynack(settings.tunBytes());
        IoCounts between = IoCounts.of(tun);
        vethIn[i] = ref.transfer(settings.tunBytes());
        IoCounts after = IoCounts.of(tun);
        fromSynack[i] = tun.synackToKernel(settings.tunBytes());
        inward = inward.plus(between.minus(before));
        outward = outward.plus(IoCounts.of(tun).minus(after));
        vethOut[i] = ref.transfer(settings.tunBytes());
      }
    }
    String note =
        SimBulkBench.mb(settings.tunBytes())
            + " one way at MTU "
            + mtu
            + "; kernel: veth between two namespaces, at the same MTU, right after each synack"
            + " transfer; medians of ";
    long moved = settings.tunBytes() * repeats;
    return List.of(
        Figure.measured(
            "tun-kernel-to-synack-mtu" + mtu,
            "Gbit/s",
            Samples.median(toSynack),
            Samples.median(vethIn),
            note + Samples.describe(toSynack, vethIn) + "; " + inward.perMegabyte(moved)),
        Figure.measured(
            "tun-synack-to-kernel-mtu" + mtu,
            "Gbit/s",
            Samples.median(fromSynack),
            Samples.median(vethOut),
            note + Samples.describe(fromSynack, vethOut) + "; " + outward.perMegabyte(moved)));
  }

  private static Figure latency(BenchSettings settings) throws IOException {
    try (SynackOnTun tun = SynackOnTun.open(1500);
        KernelOverVeth ref = KernelOverVeth.open(1500)) {
      HostDriver loop = tun.driver();
      long handed = loop.callsHandedIn();
      long inline = loop.callsRunInline();
      long woken = loop.wakeCounts()[2];
      long[] spins = loop.callerSpinCounts();
      double synack = tun.requestResponse(settings.rrRounds());
      // The warm-up's rounds too: the counts cover both.
      double rounds = settings.rrRounds() + Math.max(1, settings.rrRounds() / 10);
      String perRequest =
          String.format(
              java.util.Locale.ROOT,
              "; per request, the echo's calls handed to the loop %.2f, run on its own thread %.2f,"
                  + " loop woken through the link %.2f; waits for the loop that spun and won %.2f,"
                  + " spun and lost %.2f, parked without spinning %.2f",
              (loop.callsHandedIn() - handed) / rounds,
              (loop.callsRunInline() - inline) / rounds,
              (loop.wakeCounts()[2] - woken) / rounds,
              (loop.callerSpinCounts()[0] - spins[0]) / rounds,
              (loop.callerSpinCounts()[1] - spins[1]) / rounds,
              (loop.callerSpinCounts()[2] - spins[2]) / rounds);
      double kernel = ref.requestResponse(settings.rrRounds());
      return Figure.measured(
          "tun-rr-latency",
          "us",
          synack,
          kernel,
          settings.rrRounds()
              + " 1-byte requests from a kernel client, answered by a synack echo server over TUN; kernel: echo over veth"
              + perRequest);
    }
  }

  /**
   * Runs a kernel server in {@code ns} on {@code at}: bound when this returns, then {@code handler}
   * on the first connection.
   */
  private static <T> CompletableFuture<T> serveInNamespace(
      Netns ns, InetSocketAddress at, SocketTask<T> handler) throws IOException {
    CompletableFuture<Void> bound = new CompletableFuture<>();
    CompletableFuture<T> result =
        NamespaceThread.start(
            ns,
            "kernel-server",
            () -> {
              try (ServerSocket server = new ServerSocket()) {
                server.bind(at, 4);
                server.setSoTimeout(SOCKET_TIMEOUT_MILLIS);
                bound.complete(null);
                try (Socket s = server.accept()) {
                  s.setSoTimeout(SOCKET_TIMEOUT_MILLIS);
                  s.setTcpNoDelay(true);
                  return handler.run(s);
                }
              } catch (Throwable t) {
                bound.completeExceptionally(t);
                throw t;
              }
            });
    NamespaceThread.await(bound, TIMEOUT_SECONDS, "kernel server on " + at);
    return result;
  }

  /** Runs a kernel client in {@code ns} connected to {@code to}. */
  private static <T> CompletableFuture<T> clientInNamespace(
      Netns ns, InetSocketAddress to, SocketTask<T> task) {
    return NamespaceThread.start(
        ns,
        "kernel-client",
        () -> {
          try (Socket s = new Socket()) {
            s.connect(to, SOCKET_TIMEOUT_MILLIS);
            s.setSoTimeout(SOCKET_TIMEOUT_MILLIS);
            s.setTcpNoDelay(true);
            return task.run(s);
          }
        });
  }

  /** What a kernel socket does in a figure. */
  private interface SocketTask<T> {
    T run(Socket s) throws IOException;
  }

  private static InetAddress address(String text) {
    try {
      return InetAddress.getByName(text);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /**
   * What crossed synack's TUN device and its loop during transfers: device reads and writes and
   * their bytes, waits in the device, the host's packets in and out, and the loop's wake-ups
   * through the device.
   */
  record IoCounts(
      long reads,
      long bytesRead,
      long polls,
      long writes,
      long bytesWritten,
      long hostIn,
      long hostOut,
      long wakeups,
      long acksFiltered) {
    static final IoCounts NONE = new IoCounts(0, 0, 0, 0, 0, 0, 0, 0, 0);

    static IoCounts of(SynackOnTun tun) throws IOException {
      long[] io = tun.link().ioCounts();
      Host h = tun.host();
      long[] counters =
          tun.driver()
              .call(now -> new long[] {h.counters().packetsIn(), h.counters().packetsOut()});
      return new IoCounts(
          io[0],
          io[1],
          io[2],
          io[3],
          io[4],
          counters[0],
          counters[1],
          tun.driver().wakeCounts()[2],
          io[5]);
    }

    IoCounts minus(IoCounts o) {
      return new IoCounts(
          reads - o.reads,
          bytesRead - o.bytesRead,
          polls - o.polls,
          writes - o.writes,
          bytesWritten - o.bytesWritten,
          hostIn - o.hostIn,
          hostOut - o.hostOut,
          wakeups - o.wakeups,
          acksFiltered - o.acksFiltered);
    }

    IoCounts plus(IoCounts o) {
      return new IoCounts(
          reads + o.reads,
          bytesRead + o.bytesRead,
          polls + o.polls,
          writes + o.writes,
          bytesWritten + o.bytesWritten,
          hostIn + o.hostIn,
          hostOut + o.hostOut,
          wakeups + o.wakeups,
          acksFiltered + o.acksFiltered);
    }

    /** Says per MB of {@code payload} moved what crossed, and the mean bytes per read and write. */
    String perMegabyte(long payload) {
      double mb = payload / 1e6;
      return String.format(
          java.util.Locale.ROOT,
          "per MB: device reads %.1f of %.0f B, writes %.1f of %.0f B, waits %.1f, host packets"
              + " in %.1f out %.1f (pure ACKs left out by the device's filter %.1f), loop woken"
              + " through the device %.1f",
          reads / mb,
          reads == 0 ? 0.0 : (double) bytesRead / reads,
          writes / mb,
          writes == 0 ? 0.0 : (double) bytesWritten / writes,
          polls / mb,
          hostIn / mb,
          hostOut / mb,
          acksFiltered / mb,
          wakeups / mb);
    }
  }

  /** A synack host on a TUN device whose kernel end is in a namespace of its own. */
  static final class SynackOnTun implements AutoCloseable {
    static final InetAddress KERNEL = address("10.201.0.1");
    static final InetAddress SYNACK = address("10.201.0.2");
    private final Netns ns;
    private final Host host;
    private final HostDriver driver;
    private final TunLink link;
    private int nextPort = 5001;

    private SynackOnTun(Netns ns, Host host, HostDriver driver, TunLink link) {
      this.ns = ns;
      this.host = host;
      this.driver = driver;
      this.link = link;
    }

    /** The TUN link the driver reads and writes. */
    TunLink link() {
      return link;
    }

    /** The TUN device's name, in {@link #namespace()}. */
    String device() {
      return link.name();
    }

    /** The namespace of the device's kernel end. */
    Netns namespace() {
      return ns;
    }

    Host host() {
      return host;
    }

    HostDriver driver() {
      return driver;
    }

    static SynackOnTun open(int mtu) throws IOException {
      Netns ns = Netns.create();
      TunLink tun = null;
      try {
        tun =
            TunLink.open(
                "sbt" + Netns.randomSuffix(), mtu, true); // checksum and segmentation offload
        ns.moveIn(tun.name());
        ns.configure(tun.name(), KERNEL.getHostAddress() + "/24", mtu);
        Host host = new Host("synack", HostConfig.defaults(System.nanoTime()).withMtu(mtu), null);
        host.addAddress(SYNACK);
        return new SynackOnTun(ns, host, new HostDriver(host, tun), tun);
      } catch (IOException | RuntimeException e) {
        if (tun != null) tun.close();
        ns.close();
        throw e;
      }
    }

    /** The kernel writes {@code bytes} to a synack server, which times its reads. */
    double kernelToSynack(long bytes) throws IOException {
      int port = nextPort++;
      try (TcpServerSocket server = TcpServerSocket.bind(driver, host, null, port, 4)) {
        server.setSoTimeout(SOCKET_TIMEOUT_MILLIS);
        CompletableFuture<Void> writer =
            clientInNamespace(
                ns,
                new InetSocketAddress(SYNACK, port),
                s -> {
                  StreamPeers.sendAll(s.getOutputStream(), bytes);
                  return null;
                });
        double gbps;
        try (TcpSocket s = server.accept()) {
          s.setSoTimeout(SOCKET_TIMEOUT_MILLIS);
          gbps = StreamPeers.receiveAll(s.getInputStream(), bytes);
        }
        NamespaceThread.await(writer, TIMEOUT_SECONDS, "kernel writer");
        return gbps;
      }
    }

    /** synack writes {@code bytes} to a kernel server, which times its reads. */
    double synackToKernel(long bytes) throws IOException {
      InetSocketAddress at = new InetSocketAddress(KERNEL, nextPort++);
      CompletableFuture<Double> reader =
          serveInNamespace(ns, at, s -> StreamPeers.receiveAll(s.getInputStream(), bytes));
      try (TcpSocket s = TcpSocket.connect(driver, host, at, SOCKET_TIMEOUT_MILLIS)) {
        StreamPeers.sendAll(s.getOutputStream(), bytes);
      }
      return NamespaceThread.await(reader, TIMEOUT_SECONDS, "kernel reader");
    }

    /**
     * A kernel client pings a synack echo server; returns the mean microseconds per round after a
     * warm-up.
     */
    double requestResponse(int rounds) throws IOException {
      int port = nextPort++;
      try (TcpServerSocket server = TcpServerSocket.bind(driver, host, null, port, 4)) {
        server.setSoTimeout(SOCKET_TIMEOUT_MILLIS);
        CompletableFuture<Double> client =
            clientInNamespace(
                ns,
                new InetSocketAddress(SYNACK, port),
                s -> {
                  StreamPeers.pingPong(
                      s.getInputStream(), s.getOutputStream(), Math.max(1, rounds / 10));
                  return StreamPeers.pingPong(s.getInputStream(), s.getOutputStream(), rounds);
                });
        try (TcpSocket s = server.accept()) {
          s.setSoTimeout(SOCKET_TIMEOUT_MILLIS);
          StreamPeers.echo(s.getInputStream(), s.getOutputStream());
        }
        return NamespaceThread.await(client, TIMEOUT_SECONDS, "kernel client");
      }
    }

    @Override
    public void close() throws IOException {
      try {
        driver.close();
      } finally {
        ns.close();
      }
    }
  }

  /** Two namespaces joined by a veth pair: the kernel on both ends. */
  static final class KernelOverVeth implements AutoCloseable {
    static final InetAddress A = address("10.202.0.1");
    static final InetAddress B = address("10.202.0.2");
    private final Netns a;
    private final Netns b;
    private int nextPort = 5001;

    private KernelOverVeth(Netns a, Netns b) {
      this.a = a;
      this.b = b;
    }

    /** The namespace of {@link #A}. */
    Netns namespaceA() {
      return a;
    }

    /** The namespace of {@link #B}. */
    Netns namespaceB() {
      return b;
    }

    static KernelOverVeth open(int mtu) throws IOException {
      Netns a = Netns.create();
      Netns b = null;
      try {
        b = Netns.create();
        String suffix = Netns.randomSuffix();
        a.addVeth("sbva" + suffix, b, "sbvb" + suffix);
        a.configure("sbva" + suffix, A.getHostAddress() + "/24", mtu);
        b.configure("sbvb" + suffix, B.getHostAddress() + "/24", mtu);
        return new KernelOverVeth(a, b);
      } catch (IOException | RuntimeException e) {
        if (b != null) b.close();
        a.close();
        throw e;
      }
    }

    /** A writes {@code bytes} to B, which times its reads. */
    double transfer(long bytes) throws IOException {
      InetSocketAddress at = new InetSocketAddress(B, nextPort++);
      CompletableFuture<Double> reader =
          serveInNamespace(b, at, s -> StreamPeers.receiveAll(s.getInputStream(), bytes));
      CompletableFuture<Void> writer =
          clientInNamespace(
              a,
              at,
              s -> {
                StreamPeers.sendAll(s.getOutputStream(), bytes);
                return null;
              });
      NamespaceThread.await(writer, TIMEOUT_SECONDS, "kernel writer over veth");
      return NamespaceThread.await(reader, TIMEOUT_SECONDS, "kernel reader over veth");
    }

    /** A pings an echo server in B; returns the mean microseconds per round after a warm-up. */
    double requestResponse(int rounds) throws IOException {
      InetSocketAddress at = new InetSocketAddress(B, nextPort++);
      CompletableFuture<Void> echo =
          serveInNamespace(
              b,
              at,
              s -> {
                StreamPeers.echo(s.getInputStream(), s.getOutputStream());
                return null;
              });
      CompletableFuture<Double> client =
          clientInNamespace(
              a,
              at,
              s -> {
                StreamPeers.pingPong(
                    s.getInputStream(), s.getOutputStream(), Math.max(1, rounds / 10));
                return StreamPeers.pingPong(s.getInputStream(), s.getOutputStream(), rounds);
              });
      double us = NamespaceThread.await(client, TIMEOUT_SECONDS, "kernel client over veth");
      NamespaceThread.await(echo, TIMEOUT_SECONDS, "kernel echo over veth");
      return us;
    }

    @Override
    public void close() {
      try {
        a.close();
      } finally {
        b.close();
      }
    }
  }
}
