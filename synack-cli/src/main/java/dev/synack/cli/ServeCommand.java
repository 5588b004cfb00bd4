package dev.synack.cli;

import dev.synack.cli.serve.HttpFileService;
import dev.synack.cli.serve.Server;
import dev.synack.cli.serve.Service;
import dev.synack.wire.Addresses;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.BindException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code synack serve}: a synack host on a link (a TUN device to the kernel, or a UDP tunnel to
 * another synack), serving echo, discard or static files over HTTP/1.1 until SIGINT or SIGTERM;
 * then it closes every connection in order (FIN, and the peer's acknowledgement awaited a while)
 * and stops.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    header = "Serves echo, discard or files over HTTP from a synack host on a link.",
    description = {
      "Serves echo (port 7), discard (9) or static files over HTTP/1.1 (80) from a synack host on a"
          + " TUN device (the kernel on the other side) or a UDP tunnel (another synack), until"
          + " interrupted.",
      "",
      "Example, to the kernel (as root):",
      "  synack serve --tun synack0 --addr 10.0.0.2 --host-addr 10.0.0.1/24 \\",
      "      --http ./site",
      "  curl http://10.0.0.2/",
      "Example, to another synack (no root needed):",
      "  synack serve --udp 127.0.0.1:9000 --addr 10.0.0.2 --echo",
      "  echo hi | synack connect --udp 127.0.0.1:0 --peer 127.0.0.1:9000 \\",
      "      --addr 10.0.0.1 10.0.0.2 7",
      "Watched live at http://127.0.0.1:8080/, and drawn as a page when stopped:",
      "  synack serve --udp 127.0.0.1:9000 --addr 10.0.0.2 --echo \\",
      "      --watch 8080 --html run.html"
    })
final class ServeCommand implements Callable<Integer> {
  /** How long connections get to close in order once the server is told to stop. */
  static final Duration STOP_GRACE = Duration.ofSeconds(3);

  @Spec CommandSpec spec;

  @Mixin LinkOptions link;

  @Mixin LiveOptions live;

  @ArgGroup(exclusive = true)
  What what;

  @Option(
      names = "--port",
      paramLabel = "N",
      description = "the port (default: 7 echo, 9 discard, 80 http)")
  Integer port;

  @Option(
      names = "--idle-timeout",
      paramLabel = "SECONDS",
      description =
          "close a connection that sends nothing for this long; with --http, one that has not sent a whole"
              + " request within it, counted from the last response, or takes nothing of a response for that long"
              + " (default: 75 with --http, as nginx; none otherwise)")
  Double idleTimeoutSeconds;

  @Option(
      names = "--keepalive",
      description =
          "TCP keep-alive on every connection (SO_KEEPALIVE, Linux's timing: first probe after 7200 s idle,"
              + " then every 75 s, reset after 9 unanswered)")
  boolean keepAlive;

  @Option(
      names = "--loops",
      paramLabel = "N",
      description =
          "event loops, each on a queue of the TUN device (multiqueue), a connection on the loop that read"
              + " its SYN; 0 for one per processor (default: 1; more needs --tun, and no --trace,"
              + " --pcap or impairment)")
  Integer loops;

  /** The service asked for; echo when none is. */
  static final class What {
    @Option(names = "--echo", description = "send back what arrives (RFC 862; the default)")
    boolean echo;

    @Option(names = "--discard", description = "read and throw away what arrives (RFC 863)")
    boolean discard;

    @Option(
        names = "--http",
        paramLabel = "DIR",
        description = "serve the files under DIR over HTTP/1.1")
    Path httpRoot;
  }

  @Override
  public Integer call() throws Exception {
    InetAddress address = link.check(LinkKind.Role.SERVER);
    AddressArguments.own("--addr", address);
    OutputPaths.distinct("--trace", link.traceFile, "--pcap", link.pcapFile);
    OutputPaths.check("--trace", link.traceFile);
    OutputPaths.check("--pcap", link.pcapFile);
    live.check(link.traceFile, link.pcapFile);
    PrintWriter err = spec.commandLine().getErr();
    PrintWriter out = spec.commandLine().getOut();
    Duration idle = idleTimeout();
    String name;
    int defaultPort;
    Service service;
    if (what != null && what.httpRoot != null) {
      name = "http";
      defaultPort = 80;
      try {
        service =
            HttpFileService.of(
                what.httpRoot,
                idle != null ? idle : HttpFileService.DEFAULT_IDLE_TIMEOUT,
                line -> log(out, line));
      } catch (IOException e) {
        throw new Main.UsageError("--http " + what.httpRoot + ": " + e.getMessage());
      }
    } else if (what != null && what.discard) {
      name = "discard";
      defaultPort = 9;
      service = Service.idle(Service.discard(), idle);
    } else {
      name = "echo";
      defaultPort = 7;
      service = Service.idle(Service.echo(), idle);
    }
    if (keepAlive) service = Service.keepAlive(service);
    int p = port != null ? port : defaultPort;
    if (p < 1 || p > 65535) throw new Main.UsageError("--port must be 1..65535: " + p);

    if (loops != null && loops != 1) {
      int n = LoopsServe.check(loops, link);
      return LoopsServe.run(link.choice.tun, address, n, p, name, service, out, err);
    }
    if (link.choice.tun != null) {
      String warning = LocalAddresses.warningFor(address, link.choice.tun.device);
      if (warning != null) err.println("synack serve: " + warning);
    }
    LinkHost host = link.openOrReport("synack", address, err, live.start("serve", err));
    if (host == null) {
      live.finish("serve", err);
      return 1;
    }
    try (host;
        ControlSocket control = ControlSocket.open("serve", host.driver(), host.host(), err)) {
      Server server;
      try {
        server =
            Server.start(
                host.driver(), host.host(), host.address(), p, service, line -> log(out, line));
      } catch (BindException e) {
        err.println("synack serve: port " + p + ": " + e.getMessage());
        live.finish("serve", err);
        return 1;
      }
      err.println(
          "synack serve: "
              + name
              + " on "
              + Addresses.endpoint(host.address(), p)
              + " ("
              + link.describe()
              + "); Ctrl-C stops");
      CountDownLatch stopAsked = new CountDownLatch(1);
      // SIGINT and SIGTERM ask this thread to stop; the hook is for the other ways the JVM ends
      // (SIGHUP, -Xrs).
      Thread hook = new Thread(() -> stop(server, host, link, live, err), "synack-serve-stop");
      Runtime.getRuntime().addShutdownHook(hook);
      StopSignals.install(stopAsked::countDown);
      // Runs until asked to stop, or until the loop dies on a link error (device deleted).
      while (!stopAsked.await(200, TimeUnit.MILLISECONDS)) {
        if (!host.driver().isRunning()) {
          StopSignals.removeShutdownHook(hook);
          err.println("synack serve: stopped: " + host.failure());
          live.finish("serve", err);
          return 1;
        }
      }
      if (!StopSignals.removeShutdownHook(hook))
        return 0; // Too late: the JVM is ending, the hook stops the server.
      stop(server, host, link, live, err);
      return 0;
    }
  }

  /** Returns the idle timeout asked for, or null when none was; a bad one is a usage error. */
  private Duration idleTimeout() {
    if (idleTimeoutSeconds == null) return null;
    double s = idleTimeoutSeconds;
    // At least a millisecond (the socket's unit), at most what a socket timeout holds (24 days).
    if (!(s >= 0.001 && s <= Integer.MAX_VALUE / 1000.0)) {
      throw new Main.UsageError(
          "--idle-timeout must be from 0.001 to "
              + Integer.MAX_VALUE / 1000
              + " seconds: "
              + idleTimeoutSeconds);
    }
    return Duration.ofNanos(Math.round(s * 1e9));
  }

  /**
   * Closes every connection in order within {@link #STOP_GRACE}, then the host and its outputs,
   * then writes the pages.
   */
  private static void stop(
      Server server, LinkHost host, LinkOptions link, LiveOptions live, PrintWriter err) {
    try {
      int open = server.openConnections();
      int inOrder = server.stop(STOP_GRACE);
      err.println(
          "synack serve: stopped; "
              + server.accepted()
              + " connections served, "
              + inOrder
              + " of "
              + open
              + " open ones closed in order"
              + (inOrder < open ? ", the rest reset" : ""));
      String impaired = link.impairmentReport();
      if (impaired != null) err.println("synack serve: " + impaired);
    } catch (IOException e) {
      err.println("synack serve: stopping: " + e.getMessage());
    } finally {
      try {
        host.close();
      } catch (Exception e) {
        err.println("synack serve: " + e.getMessage());
      }
      live.finish("serve", err);
      err.flush();
    }
  }

  private static void log(PrintWriter out, String line) {
    synchronized (out) {
      out.println(line);
      out.flush();
    }
  }
}
