package dev.synack.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.synack.cli.serve.Server;
import dev.synack.cli.serve.Service;
import dev.synack.link.ImpairedLink;
import dev.synack.link.InNetns;
import dev.synack.link.Link;
import dev.synack.link.NetnsFixture;
import dev.synack.link.PcapTap;
import dev.synack.link.TunLink;
import dev.synack.socket.TcpSocket;
import dev.synack.stack.HostConfig;
import dev.synack.tcp.TcpConfig;
import dev.synack.trace.Json;
import dev.synack.trace.TraceEvent;
import dev.synack.trace.TraceSink;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * A synack host on a TUN device in a network namespace made for one test, and the Linux kernel on
 * the other side of the device: the kernel has {@link #KERNEL}, synack {@link #SYNACK}. The
 * kernel's peers (curl, Python sockets, ss, tshark) run inside the namespace. Everything is removed
 * by {@link #close()}, also when the test fails.
 *
 * <p>synack's state changes are recorded from its trace, for the tests to check.
 */
final class TunInterop implements AutoCloseable {
  static final String KERNEL = "10.99.0.1";
  static final String SYNACK = "10.99.0.2";

  /** Short, so that a test sees TIME-WAIT end (2 MSL = 0.5 s) instead of waiting 60 s. */
  static final Duration MSL = Duration.ofMillis(250);

  final NetnsFixture ns;
  final String device;
  final LinkHost host;

  /** The impairment between synack and the device, or null for a clean path. */
  final ImpairedLink impaired;

  final Path dir;
  private final Path script;

  /** synack's state changes, recorded from its trace on the loop thread. */
  private final List<TraceEvent.StateChange> states;

  private TunInterop(
      NetnsFixture ns,
      String device,
      LinkHost host,
      ImpairedLink impaired,
      Path dir,
      Path script,
      List<TraceEvent.StateChange> states) {
    this.states = states;
    this.ns = ns;
    this.device = device;
    this.host = host;
    this.impaired = impaired;
    this.dir = dir;
    this.script = script;
  }

  /** What a test wants between synack and the device. */
  record Options(
      ImpairedLink.Impairment outbound,
      ImpairedLink.Impairment inbound,
      Path pcap,
      UnaryOperator<TcpConfig> tcp,
      UnaryOperator<Link> around,
      UnaryOperator<Link> wrap) {
    static Options clean() {
      return new Options(
          null, null, null, UnaryOperator.identity(), UnaryOperator.identity(), null);
    }

    Options withImpairment(ImpairedLink.Impairment out, ImpairedLink.Impairment in) {
      return new Options(out, in, pcap, tcp, around, wrap);
    }

    Options withPcap(Path file) {
      return new Options(outbound, inbound, file, tcp, around, wrap);
    }

    /** Returns these options with synack's TCP settings changed by {@code change}. */
    Options withTcp(UnaryOperator<TcpConfig> change) {
      return new Options(outbound, inbound, pcap, change, around, wrap);
    }

    /**
     * Returns these options with {@code wrap} around synack's link, outside the pcap tap (what it
     * changes on the way out is captured).
     */
    Options withLinkAround(UnaryOperator<Link> wrapper) {
      return new Options(outbound, inbound, pcap, tcp, wrapper, wrap);
    }

    /**
     * Puts a link of the test's between synack and the device (inside the pcap tap, which sees what
     * synack sees).
     */
    Options withWrap(UnaryOperator<Link> wrapper) {
      return new Options(outbound, inbound, pcap, tcp, around, wrapper);
    }
  }

  /**
   * Skips (or under CI fails) unless root with the tools; then makes the namespace, device and
   * host.
   */
  static TunInterop start(Path dir, Options options, String... tools) throws Exception {
    NetnsFixture.assumePrivileged();
    for (String tool : tools)
      NetnsFixture.assumeCommand(tool, tool.equals("ss") ? "iproute2" : tool);
    NetnsFixture ns = NetnsFixture.create();
    Link link = null;
    try {
      // Made by a thread inside the namespace, so that the device is born there.
      TunLink tun = InNetns.call(ns.name(), () -> TunLink.open(NetnsFixture.uniqueName("ski")));
      link = tun;
      ns.addressAndUp(tun.name(), KERNEL + "/24");
      ImpairedLink impaired = null;
      if (options.outbound() != null) {
        impaired = ImpairedLink.wrap(link, options.outbound(), options.inbound(), 20_260_521L);
        link = impaired;
      }
      if (options.wrap() != null) link = options.wrap().apply(link);
      if (options.pcap() != null) link = PcapTap.open(link, options.pcap());
      link = options.around().apply(link);
      Path script = dir.resolve("kernel_peer.py");
      if (!Files.exists(script)) {
        try (InputStream in = TunInterop.class.getResourceAsStream("kernel_peer.py")) {
          Files.copy(Objects.requireNonNull(in, "kernel_peer.py resource"), script);
        }
      }
      HostConfig config = HostConfig.defaults(7).withMtu(tun.mtu());
      config = config.withTcp(options.tcp().apply(config.tcp().withMsl(MSL)));
      List<TraceEvent.StateChange> states = Collections.synchronizedList(new ArrayList<>());
      TraceSink recorder =
          e -> {
            if (e instanceof TraceEvent.StateChange s) states.add(s);
          };
      LinkHost host =
          LinkHost.start("synack", link, InetAddress.ofLiteral(SYNACK), config, recorder);
      return new TunInterop(ns, tun.name(), host, impaired, dir, script, states);
    } catch (Exception | Error e) {
      if (link != null) link.close();
      ns.close();
      throw e;
    }
  }

  /** Serves {@code service} on synack's {@code port}. */
  Server serve(int port, Service service) throws IOException {
    return Server.start(host.driver(), host.host(), null, port, service, line -> {});
  }

  /** Connects from synack to the kernel's {@code port}. */
  TcpSocket connect(int port) throws IOException {
    TcpSocket s =
        TcpSocket.connect(host.driver(), host.host(), new InetSocketAddress(KERNEL, port), 10_000);
    s.setSoTimeout(30_000);
    return s;
  }

  /** Starts {@code kernel_peer.py} with {@code args} inside the namespace. */
  NetnsFixture.Started python(String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of("python3", script.toString()));
    command.addAll(List.of(args));
    return ns.start(command.toArray(String[]::new));
  }

  /** Starts a Python server role and waits until it listens. */
  NetnsFixture.Started pythonServer(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("server"));
    command.addAll(List.of(args));
    NetnsFixture.Started s = python(command.toArray(String[]::new));
    if (!s.awaitOutput("listening", Duration.ofSeconds(10))) {
      throw new AssertionError("the Python server did not start: " + s.outputSoFar());
    }
    return s;
  }

  /** Waits for a Python role to end well and returns the JSON object of its last line. */
  static Map<String, Object> result(NetnsFixture.Started python) throws IOException {
    NetnsFixture.Result r = python.await(Duration.ofSeconds(60));
    assertEquals(0, r.exitCode(), "python: " + r.output());
    String[] lines = r.output().strip().split("\n");
    return Json.parseObject(lines[lines.length - 1]);
  }

  /** Runs a command inside the namespace and returns its result. */
  NetnsFixture.Result exec(Duration timeout, String... command) throws IOException {
    return ns.exec(timeout, command);
  }

  /**
   * Returns synack's state changes ("FROM->TO") of the connection whose remote port is {@code
   * kernelPort} (the kernel's end of it).
   */
  List<String> synackStates(int kernelPort) {
    List<String> path = new ArrayList<>();
    synchronized (states) {
      for (TraceEvent.StateChange s : states) {
        if (s.conn().endsWith("-" + KERNEL + ":" + kernelPort)) path.add(s.from() + "->" + s.to());
      }
    }
    return path;
  }

  /** Returns every state change synack traced, one "conn FROM->TO" each, for failure messages. */
  String allStates() {
    StringBuilder b = new StringBuilder();
    synchronized (states) {
      for (TraceEvent.StateChange s : states)
        b.append(s.conn()).append(' ').append(s.from()).append("->").append(s.to()).append('\n');
    }
    return b.toString();
  }

  /** Starts sampling the kernel's TCP states with {@code ss -tan} inside the namespace. */
  KernelStates sampleKernelStates() throws IOException {
    return KernelStates.start(ns);
  }

  @Override
  public void close() throws Exception {
    try {
      host.close();
    } finally {
      ns.close();
    }
  }
}
