package dev.synack.cli;

import dev.synack.forward.Forwarder;
import dev.synack.forward.ForwarderOptions;
import dev.synack.link.Link;
import dev.synack.link.NetworkNamespace;
import dev.synack.link.PcapTap;
import dev.synack.link.TunLink;
import dev.synack.trace.JsonLinesSink;
import dev.synack.trace.TraceSink;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
 * {@code synack forward}: every TCP connection and UDP flow that arrives on a TUN device, whatever
 * its destination, is carried on through this process's own sockets (tun2socks), until SIGINT or
 * SIGTERM. With {@code --netns} the device is made inside another network namespace, whose default
 * route can then go through it, while the sockets stay in synack's.
 */
@Command(
    name = "forward",
    mixinStandardHelpOptions = true,
    header = "Forwards the TCP connections and UDP flows of a TUN device through this process.",
    description = {
      "Forwards every TCP connection and UDP flow arriving on a TUN device, to any destination, through this process's sockets (a namespace's or a VPN's network).",
      "",
      "Example (as root): give namespace 'client' its network through synack:",
      "  ip netns add client",
      "  synack forward --tun synack0 --netns client --host-addr 10.99.0.1/24 \\",
      "      --host-addr fd00:99::1/64 &",
      "  ip -n client route add default dev synack0",
      "  ip -n client -6 route add default dev synack0",
      "  ip netns exec client curl http://example.com/",
      "Add --watch 8080 to watch the connections live at http://127.0.0.1:8080/,",
      "and --html run.html for the run's page when it stops."
    })
final class ForwardCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @ArgGroup(exclusive = false, multiplicity = "1", heading = "The TUN device%n")
  TunLinkOptions tun;

  @Option(
      names = "--netns",
      paramLabel = "NAME|PATH|PID",
      description =
          "make the TUN device inside this network namespace (host sockets stay in synack's)")
  String netns;

  @Option(
      names = "--max-connections",
      paramLabel = "N",
      description = "host connections at once (default 4096)")
  int maxConnections = 4096;

  @Option(
      names = "--max-held-syns",
      paramLabel = "N",
      description = "SYNs waiting for their host connection at once (default 1024)")
  int maxHeldSyns = 1024;

  @Option(
      names = "--max-udp-flows",
      paramLabel = "N",
      description = "UDP mappings at once (default 4096)")
  int maxUdpFlows = 4096;

  @Option(
      names = "--connect-timeout",
      paramLabel = "SECONDS",
      description = "host connection timeout (default 30)")
  int connectTimeout = 30;

  @Option(
      names = "--silent-unreachable",
      description =
          "answer an unreachable destination with silence, not ICMP destination unreachable")
  boolean silentUnreachable;

  @Option(
      names = "--ping",
      paramLabel = "relay|local",
      description =
          "ping to any destination: relay (default) through unprivileged ICMP sockets, answered by synack itself"
              + " where net.ipv4.ping_group_range allows none; local: synack answers every echo request itself")
  String ping = "relay";

  @Option(
      names = "--max-buffer-mib",
      paramLabel = "N",
      description =
          "relay buffer memory held at once over all flows, in MiB (default 256); a flow beyond it waits")
  int maxBufferMib = 256;

  @Option(
      names = "--socks5",
      paramLabel = "HOST:PORT",
      description = "carry TCP and UDP through this SOCKS5 proxy (RFC 1928 CONNECT, UDP ASSOCIATE)")
  String socks5;

  @Option(
      names = "--socks-user",
      paramLabel = "U",
      description = "the SOCKS5 proxy's username (RFC 1929)")
  String socksUser;

  @Option(names = "--socks-password", paramLabel = "P", description = "the SOCKS5 proxy's password")
  String socksPassword;

  @Option(
      names = "--trace",
      paramLabel = "FILE.jsonl",
      description = "write the trace as JSON lines")
  Path traceFile;

  @Option(
      names = "--pcap",
      paramLabel = "FILE.pcap",
      description = "write every packet on the TUN device as pcap")
  Path pcapFile;

  @Option(
      names = "--loops",
      paramLabel = "N",
      description =
          "event loops, each on a queue of the TUN device (multiqueue) with relays of its own, flows"
              + " spread over them by their addresses and ports; 0 for one per processor (default: 1; more takes no"
              + " --trace, --pcap, --watch or --html)")
  Integer loops;

  @Mixin LiveOptions live;

  @Option(
      names = "--verbose",
      description = "one line per flow: opened, bytes each way, how it ended")
  boolean verbose;

  @Override
  public Integer call() throws Exception {
    tun.checkAlone();
    if (maxConnections < 1 || maxHeldSyns < 1 || maxUdpFlows < 1) {
      throw new Main.UsageError(
          "--max-connections, --max-held-syns and --max-udp-flows must be positive");
    }
    ForwarderOptions.IcmpEcho icmpEcho =
        switch (ping) {
          case "relay" -> ForwarderOptions.IcmpEcho.RELAY;
          case "local" -> ForwarderOptions.IcmpEcho.LOCAL;
          default -> throw new Main.UsageError("--ping must be relay or local: " + ping);
        };
    if (maxBufferMib < 1)
      throw new Main.UsageError("--max-buffer-mib must be at least 1: " + maxBufferMib);
    if (connectTimeout < 1)
      throw new Main.UsageError("--connect-timeout must be at least 1 second: " + connectTimeout);
    InetSocketAddress proxy =
        socks5 == null ? null : AddressArguments.endpoint("--socks5", socks5, 1);
    if ((socksUser != null || socksPassword != null) && proxy == null)
      throw new Main.UsageError("--socks-user and --socks-password need --socks5");
    if ((socksUser == null) != (socksPassword == null))
      throw new Main.UsageError("--socks-user and --socks-password go together");
    if (socksUser != null
        && (socksUser.getBytes(StandardCharsets.UTF_8).length > 255
            || socksPassword.getBytes(StandardCharsets.UTF_8).length > 255)) {
      throw new Main.UsageError(
          "--socks-user and --socks-password are 255 bytes at most (RFC 1929)");
    }
    OutputPaths.distinct("--trace", traceFile, "--pcap", pcapFile);
    live.check(traceFile, pcapFile);
    int loopCount = loopCount();
    NetworkNamespace ns = null;
    if (netns != null) {
      try {
        ns = NetworkNamespace.of(netns);
      } catch (IllegalArgumentException e) {
        throw new Main.UsageError("--netns: " + e.getMessage());
      }
    }
    PrintWriter err = spec.commandLine().getErr();
    PrintWriter out = spec.commandLine().getOut();
    TraceSink pages = live.start("forward", err);
    Link link = null;
    List<? extends Link> queues = null;
    try {
      java.util.function.Consumer<String> notes = note -> err.println("synack forward: " + note);
      if (loopCount > 1) {
        queues = tun.openQueues(ns, loopCount, notes);
      } else {
        link = ns == null ? tun.open(notes) : tun.openIn(ns, notes);
      }
    } catch (IOException e) {
      err.println(e.getMessage());
      live.finish("forward", err);
      return 1;
    }
    Writer traceWriter = null;
    TraceSink trace = TraceSink.NONE;
    try {
      if (pcapFile != null) link = PcapTap.open(link, pcapFile);
      if (traceFile != null) {
        traceWriter = Files.newBufferedWriter(traceFile, StandardCharsets.UTF_8);
        trace = new JsonLinesSink(traceWriter);
      }
    } catch (IOException e) {
      if (link != null) link.close();
      err.println("synack forward: cannot write " + e.getMessage());
      live.finish("forward", err);
      return 1;
    }
    ForwarderOptions options =
        ForwarderOptions.defaults()
            .withLimits(maxConnections, maxHeldSyns, maxUdpFlows)
            .withConnectTimeout(Duration.ofSeconds(connectTimeout))
            .withSilentUnreachable(silentUnreachable)
            .withTrace(TraceSink.both(trace, pages))
            .withLog(verbose ? line -> log(out, line) : null)
            .withSocks5(proxy, socksUser, socksPassword)
            .withIcmpEcho(icmpEcho)
            .withMaxBufferBytes((long) maxBufferMib << 20);
    Forwarder forwarder =
        queues != null ? Forwarder.start(queues, options) : Forwarder.start(link, options);
    try {
      err.println(
          "synack forward: on "
              + tun.describe()
              + (netns != null ? " in namespace " + netns : "")
              + (forwarder.loopCount() > 1 ? ", " + forwarder.loopCount() + " loops" : "")
              + "; Ctrl-C stops");
      err.println("synack forward: " + forwarder.icmpNote());
      err.flush();
      CountDownLatch stopAsked = new CountDownLatch(1);
      Thread hook = new Thread(() -> stop(forwarder, live, err), "synack-forward-stop");
      Runtime.getRuntime().addShutdownHook(hook);
      StopSignals.install(stopAsked::countDown);
      while (!stopAsked.await(200, TimeUnit.MILLISECONDS)) {
        if (forwarder.failure() != null) {
          StopSignals.removeShutdownHook(hook);
          err.println("synack forward: stopped: " + forwarder.failure());
          forwarder.close();
          live.finish("forward", err);
          return 1;
        }
      }
      if (!StopSignals.removeShutdownHook(hook)) return 0;
      stop(forwarder, live, err);
      return 0;
    } finally {
      if (traceWriter != null) traceWriter.close();
    }
  }

  /**
   * Returns the loops {@code --loops} asks for (1 when not given), or throws the usage error that
   * says why not.
   */
  private int loopCount() {
    if (loops == null || loops == 1) return 1;
    if (loops < 0 || loops > TunLink.MAX_QUEUES)
      throw new Main.UsageError("--loops must be 0.." + TunLink.MAX_QUEUES + ": " + loops);
    int n = loops == 0 ? Runtime.getRuntime().availableProcessors() : loops;
    if (n > 1
        && (traceFile != null || pcapFile != null || live.html != null || live.watch != null)) {
      throw new Main.UsageError("--loops above 1 takes no --trace, --pcap, --watch or --html yet");
    }
    return n;
  }

  private static void stop(Forwarder forwarder, LiveOptions live, PrintWriter err) {
    try {
      String host = forwarder.hostCounters();
      forwarder.close();
      err.println("synack forward: stopped; " + forwarder.counters());
      err.println("synack forward: host " + host);
    } catch (IOException e) {
      err.println("synack forward: stopping: " + e.getMessage());
    }
    live.finish("forward", err);
    err.flush();
  }

  private static void log(PrintWriter out, String line) {
    synchronized (out) {
      out.println(line);
      out.flush();
    }
  }
}
