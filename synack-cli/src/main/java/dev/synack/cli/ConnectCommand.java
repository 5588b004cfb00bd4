package dev.synack.cli;

import dev.synack.link.TunLink;
import dev.synack.runtime.Stack;
import dev.synack.socket.TcpSocket;
import dev.synack.wire.Addresses;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code synack connect}: like {@code nc}, from a synack host on a link (a TUN device to the
 * kernel, or a UDP tunnel to another synack). Standard input goes to the connection and what comes
 * back to standard output; at the end of the input synack half-closes (FIN) and goes on reading; it
 * exits once the peer has closed its side.
 */
@Command(
    name = "connect",
    mixinStandardHelpOptions = true,
    header = "Connects to HOST PORT from a synack host on a link, like nc.",
    description = {
      "Connects from a synack host on a TUN device or a UDP tunnel to HOST PORT, like nc: standard"
          + " input is sent, what comes back is printed; at the end of input the sending side is"
          + " shut down (FIN), and the command exits when the peer closes.",
      "",
      "Example, as root, to a server listening on 10.0.0.1:8080 in the kernel:",
      "  echo hi | synack connect --tun synack0 --addr 10.0.0.2 \\",
      "      --host-addr 10.0.0.1/24 10.0.0.1 8080",
      "Example, to synack serve --udp 127.0.0.1:9000 --addr 10.0.0.2 --echo (no root):",
      "  echo hi | synack connect --udp 127.0.0.1:0 --peer 127.0.0.1:9000 \\",
      "      --addr 10.0.0.1 10.0.0.2 7",
      "Watched live at http://127.0.0.1:8081/, and drawn as a page at the end:",
      "  echo hi | synack connect --udp 127.0.0.1:0 --peer 127.0.0.1:9000 \\",
      "      --addr 10.0.0.1 --watch 8081 --html hi.html 10.0.0.2 7"
    })
final class ConnectCommand implements Callable<Integer> {
  /** How long the close at the end waits for the peer to acknowledge our FIN. */
  private static final long LINGER_MILLIS = 5_000;

  @Spec CommandSpec spec;

  @Mixin LinkOptions link;

  @Mixin LiveOptions live;

  @Parameters(index = "0", paramLabel = "HOST", description = "the address to connect to")
  String remoteHost;

  @Parameters(index = "1", paramLabel = "PORT", description = "the port to connect to")
  int remotePort;

  @Option(
      names = {"-w", "--timeout"},
      paramLabel = "SECONDS",
      description =
          "as nc -w: give up connecting after this long, and close the connection once nothing was sent"
              + " or received for this long (exit code 1)")
  Double timeoutSeconds;

  @Option(
      names = "--keepalive",
      description =
          "TCP keep-alive (SO_KEEPALIVE, Linux's timing: first probe after 7200 s idle, then every 75 s,"
              + " reset after 9 unanswered)")
  boolean keepAlive;

  @Option(
      names = "--loops",
      paramLabel = "N",
      description =
          "event loops, each on a queue of the TUN device (multiqueue); the connection runs on the loop its"
              + " addresses and ports hash to; 0 for one per processor (default: 1; more needs --tun, and no --trace,"
              + " --pcap, impairment, --watch or --html)")
  Integer loops;

  /**
   * When bytes last went either way, on {@link System#nanoTime}: what {@code --timeout} measures
   * idleness from.
   */
  private final AtomicLong lastActive = new AtomicLong();

  /**
   * Where the bytes to send come from and where received bytes go; the process's own by default.
   */
  InputStream stdin = System.in;

  OutputStream stdout = System.out;

  @Override
  public Integer call() throws Exception {
    InetAddress address = link.check(LinkKind.Role.CLIENT);
    OutputPaths.distinct("--trace", link.traceFile, "--pcap", link.pcapFile);
    OutputPaths.check("--trace", link.traceFile);
    OutputPaths.check("--pcap", link.pcapFile);
    live.check(link.traceFile, link.pcapFile);
    AddressArguments.own("--addr", address);
    InetAddress remote = AddressArguments.literal("HOST", remoteHost);
    AddressArguments.peer("HOST", remote);
    if (remote.equals(address)) {
      throw new Main.UsageError(
          "HOST " + remoteHost + " is synack's own --addr: give the peer's address");
    }
    if ((remote instanceof Inet4Address) != (address instanceof Inet4Address)) {
      throw new Main.UsageError(
          "HOST " + remoteHost + " and --addr " + link.addr + " are not of one IP version");
    }
    if (remotePort < 1 || remotePort > 65535)
      throw new Main.UsageError("PORT must be 1..65535: " + remotePort);
    long timeoutMillis = timeoutMillis();
    PrintWriter err = spec.commandLine().getErr();
    String where = Addresses.endpoint(remote, remotePort);
    if (loops != null && loops != 1) {
      int n = LoopsServe.check(loops, link);
      if (live.html != null || live.watch != null)
        throw new Main.UsageError("--loops above 1 takes no --watch or --html yet");
      return runOnLoops(n, address, remote, where, timeoutMillis, err);
    }
    LinkHost host = link.openOrReport("synack", address, err, live.start("connect", err));
    if (host == null) {
      live.finish("connect", err);
      return 1;
    }
    // The hook is in place before the handshake and until the pages are written: a signal at any
    // moment, even while the connection closes in order, still writes them (finish runs once).
    AtomicBoolean stopping = new AtomicBoolean();
    AtomicReference<TcpSocket> connected = new AtomicReference<>();
    Thread hook =
        new Thread(
            () -> {
              stopping.set(true);
              TcpSocket s = connected.get();
              try {
                if (s != null) closeQuietly(s);
              } finally {
                live.finish("connect", err);
              }
            },
            "synack-connect-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      return run(host, remote, where, timeoutMillis, err, stopping, connected);
    } finally {
      // After the host has stopped: the pages hold all of the run.
      live.finish("connect", err);
      StopSignals.removeShutdownHook(hook);
    }
  }

  /** Connects, copies both ways until the peer closes, and closes; returns the exit code. */
  private int run(
      LinkHost host,
      InetAddress remote,
      String where,
      long timeoutMillis,
      PrintWriter err,
      AtomicBoolean stopping,
      AtomicReference<TcpSocket> connected)
      throws Exception {
    try (host;
        ControlSocket control = ControlSocket.open("connect", host.driver(), host.host(), err)) {
      // A UDP peer with nothing listening answers ICMP port unreachable: say so and stop at once,
      // rather than resend SYNs until the timeout. The interrupt ends the call that waits.
      AtomicBoolean peerGone = new AtomicBoolean();
      Thread runner = Thread.currentThread();
      CompletableFuture<Void> watch =
          link.peerUnreachable()
              .thenAccept(
                  line -> {
                    if (stopping.get() || !peerGone.compareAndSet(false, true)) return;
                    err.println("synack connect: " + where + ": " + line);
                    err.flush();
                    runner.interrupt();
                  });
      try {
        TcpSocket socket;
        try {
          socket =
              TcpSocket.connect(
                  host.driver(),
                  host.host(),
                  new InetSocketAddress(remote, remotePort),
                  timeoutMillis);
          connected.set(socket);
          if (keepAlive) socket.setKeepAlive(true);
        } catch (SocketTimeoutException e) {
          if (peerGone.get()) return ended();
          err.println(
              "synack connect: "
                  + where
                  + ": not connected within "
                  + seconds(timeoutMillis)
                  + " s (--timeout)");
          return 1;
        } catch (IOException e) {
          if (peerGone.get()) return ended();
          if (!stopping.get()) err.println("synack connect: " + where + ": " + reason(e, host));
          return 1;
        }
        return exchange(
            socket, where, timeoutMillis, err, stopping, peerGone, e -> reason(e, host));
      } finally {
        // The watch ends with the run: an ICMP error that comes later interrupts nothing.
        watch.cancel(false);
      }
    }
  }

  /**
   * {@code --loops N}: connects from a {@link Stack} of N loops on the queues of the TUN device
   * (the connection on the loop its 4-tuple hashes to), then as {@link #run}; returns the exit
   * code.
   */
  private int runOnLoops(
      int n,
      InetAddress address,
      InetAddress remote,
      String where,
      long timeoutMillis,
      PrintWriter err)
      throws Exception {
    Stack stack;
    try {
      stack =
          Stack.builder()
              .name("synack")
              .tun(link.choice.tun.device)
              .loops(n)
              .address(address)
              .notes(
                  line -> {
                    err.println(line);
                    err.flush();
                  })
              .build();
    } catch (IOException | IllegalArgumentException e) {
      err.println(e.getMessage());
      return 1;
    }
    AtomicBoolean stopping = new AtomicBoolean();
    AtomicReference<TcpSocket> connected = new AtomicReference<>();
    Thread hook =
        new Thread(
            () -> {
              stopping.set(true);
              TcpSocket s = connected.get();
              if (s != null) closeQuietly(s);
            },
            "synack-connect-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    try (stack) {
      TunLink first = (TunLink) stack.link(0);
      link.choice.tun.configureKernelSide(first.name());
      if (stack.note() != null) err.println(stack.note());
      TcpSocket socket;
      try {
        socket = TcpSocket.connect(stack, new InetSocketAddress(remote, remotePort), timeoutMillis);
        connected.set(socket);
        if (keepAlive) socket.setKeepAlive(true);
      } catch (SocketTimeoutException e) {
        err.println(
            "synack connect: "
                + where
                + ": not connected within "
                + seconds(timeoutMillis)
                + " s (--timeout)");
        return 1;
      } catch (IOException e) {
        if (!stopping.get()) err.println("synack connect: " + where + ": " + e.getMessage());
        return 1;
      }
      return exchange(
          socket,
          where,
          timeoutMillis,
          err,
          stopping,
          new AtomicBoolean(),
          IOException::getMessage);
    } finally {
      StopSignals.removeShutdownHook(hook);
    }
  }

  /**
   * Copies both ways on a connected socket until the peer closes, and closes; returns the exit
   * code.
   */
  private int exchange(
      TcpSocket socket,
      String where,
      long timeoutMillis,
      PrintWriter err,
      AtomicBoolean stopping,
      AtomicBoolean peerGone,
      Function<IOException, String> reason)
      throws IOException {
    lastActive.set(System.nanoTime());
    Thread sender = Thread.ofVirtual().name("synack-connect-stdin").start(() -> send(socket));
    try {
      if (!receive(socket, timeoutMillis)) {
        err.println(
            "synack connect: "
                + where
                + ": nothing sent or received for "
                + seconds(timeoutMillis)
                + " s (--timeout); closed");
        socket.close(LINGER_MILLIS);
        return 1;
      }
    } catch (IOException e) {
      if (peerGone.get()) return ended(); // the UDP peer's port unreachable, said already
      // Ended by a signal, the hook closing the connection: nothing went wrong to report.
      if (!stopping.get()) err.println("synack connect: " + where + ": " + reason.apply(e));
      return 1;
    } finally {
      sender.interrupt();
    }
    // The peer has closed its side: done, whether or not the input was all sent (as nc -N).
    boolean closedInOrder = socket.close(LINGER_MILLIS);
    String impaired = link.impairmentReport();
    if (impaired != null) err.println("synack connect: " + impaired);
    return closedInOrder ? 0 : 1;
  }

  /** Copies standard input to the connection, then half-closes. */
  private void send(TcpSocket socket) {
    byte[] buffer = new byte[16 * 1024];
    try {
      int n;
      while ((n = stdin.read(buffer)) >= 0) {
        if (n > 0) {
          socket.getOutputStream().write(buffer, 0, n);
          lastActive.set(System.nanoTime());
        }
      }
      socket.shutdownOutput();
    } catch (IOException e) {
      // Sending stops when the connection ends; the receiving side reports why.
    }
  }

  /**
   * Copies what arrives to standard output until the peer's FIN; returns false when nothing was
   * sent or received for {@code idleMillis} (0: no limit) first.
   */
  private boolean receive(TcpSocket socket, long idleMillis) throws IOException {
    byte[] buffer = new byte[16 * 1024];
    while (true) {
      int n;
      if (idleMillis > 0) {
        long left = idleMillis - (System.nanoTime() - lastActive.get()) / 1_000_000;
        if (left <= 0) return false;
        socket.setSoTimeout((int) Math.min(left, Integer.MAX_VALUE));
      }
      try {
        n = socket.getInputStream().read(buffer);
      } catch (SocketTimeoutException e) {
        continue; // The sender may have been busy meanwhile: the loop looks again.
      }
      if (n < 0) return true;
      lastActive.set(System.nanoTime());
      stdout.write(buffer, 0, n);
      stdout.flush();
    }
  }

  /** Returns --timeout in milliseconds, 0 when not given; a bad one is a usage error. */
  private long timeoutMillis() {
    if (timeoutSeconds == null) return 0;
    double s = timeoutSeconds;
    if (!(s >= 0.001 && s <= Integer.MAX_VALUE / 1000.0)) {
      throw new Main.UsageError(
          "--timeout must be from 0.001 to "
              + Integer.MAX_VALUE / 1000
              + " seconds: "
              + timeoutSeconds);
    }
    return Math.round(s * 1000);
  }

  private static String seconds(long millis) {
    return java.math.BigDecimal.valueOf(millis, 3).stripTrailingZeros().toPlainString();
  }

  /**
   * Returns exit code 1 after the peer said nothing listens, its interrupt cleared so that the host
   * closes in order.
   */
  private static int ended() {
    Thread.interrupted();
    return 1;
  }

  private static void closeQuietly(TcpSocket socket) {
    try {
      socket.close(LINGER_MILLIS);
    } catch (IOException e) {
      // Exiting on a signal: nothing left to tell.
    }
  }

  /** The one-line reason: "Connection refused", or the link error that stopped the stack. */
  private static String reason(IOException e, LinkHost host) {
    String failure = host.failure();
    return failure != null ? failure : e.getMessage();
  }
}
