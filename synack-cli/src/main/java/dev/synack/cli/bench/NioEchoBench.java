package dev.synack.cli.bench;

import dev.synack.nio.HostScope;
import dev.synack.nio.SimApps;
import dev.synack.nio.SynackSelectorProvider;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.channels.spi.SelectorProvider;
import java.util.concurrent.Callable;

/**
 * NIO echo throughput: the same selector-driven echo program ({@link NioEcho}) over synack's {@link
 * SynackSelectorProvider}, with client and server on two synack hosts of a simulated network run in
 * real time ({@link SimApps}: ideal links, no delay, MTU 65535), and over the kernel's own provider
 * on loopback (MTU 65536), in the same run. The simulator rather than a TUN device: the figure is
 * then the cost of synack's channels, selector and stack on both ends, with no device and no kernel
 * in the synack path, as the kernel figure has none of synack's.
 */
final class NioEchoBench {
  static final String NAME = "nio-echo";

  /** The same program with synack's server on a TUN device, against the kernel's over veth. */
  static final String NAME_TUN = "nio-echo-tun";

  /**
   * The MTU of the TUN device and of the veth pair: a VPN's or a container's, and the one synack's
   * output to the kernel is best at today (see {@code tun-synack-to-kernel-mtu65535}).
   */
  private static final int TUN_MTU = 1500;

  private static final long TIMEOUT_SECONDS = 120;

  /** Connections echoing at once, each through both selectors. */
  static final int CONNECTIONS = 16;

  /**
   * The MTU of the simulated links: the kernel's loopback is 65536, the simulator's largest 65535.
   */
  private static final int MTU = 65535;

  private NioEchoBench() {}

  /** Returns the figure {@code nio-echo}. */
  static Figure run(BenchSettings settings) throws IOException {
    SelectorProvider kernelProvider = SelectorProvider.provider();
    if (kernelProvider instanceof SynackSelectorProvider) {
      return Figure.skipped(
          NAME,
          "Gbit/s",
          "the JVM's default SelectorProvider is synack's: no kernel provider to compare with");
    }
    long bytesEach = bytesEach(settings);
    double synack = 0;
    double kernel = 0;
    for (int i = 0; i < settings.repeats(); i++) {
      synack = Math.max(synack, synack(bytesEach));
      kernel =
          Math.max(
              kernel,
              new NioEcho(kernelProvider, NioEchoBench::anywhere)
                  .run(InetAddress.getLoopbackAddress(), CONNECTIONS, bytesEach));
    }
    return Figure.measured(
        NAME,
        "Gbit/s",
        synack,
        kernel,
        CONNECTIONS
            + " connections x "
            + SimBulkBench.mb(bytesEach)
            + " echoed through one selector each side (payload one way; each byte crosses"
            + " twice), best of "
            + settings.repeats()
            + "; synack: SynackSelectorProvider, two hosts on the simulator in real"
            + " time at MTU "
            + MTU
            + "; kernel: the JDK's provider over loopback");
  }

  /**
   * Bytes each connection echoes: an eighth of the bulk transfer over all connections, at least 64
   * KiB each.
   */
  static long bytesEach(BenchSettings settings) {
    return Math.max(NioEcho.BUFFER, settings.bulkBytes() / 8 / CONNECTIONS);
  }

  private static double synack(long bytesEach) throws IOException {
    SimHosts hosts = SimHosts.create(MTU);
    try (SimApps apps = SimApps.start(hosts.net, hosts.client, hosts.server)) {
      NioEcho.Scope scope =
          new NioEcho.Scope() {
            @Override
            public <T> T on(boolean server, java.util.concurrent.Callable<T> body)
                throws Exception {
              return apps.host(server ? "server" : "client").call(body);
            }
          };
      return new NioEcho(new SynackSelectorProvider(), scope)
          .run(hosts.serverAddress(), CONNECTIONS, bytesEach);
    }
  }

  /**
   * Returns the figure {@code nio-echo-tun}: {@link NioEcho} with its server on synack's provider,
   * a synack host on a TUN device ({@link TunBench.SynackOnTun}), and its client on the kernel's in
   * the namespace of the device's other end; the reference is the very same program on the kernel's
   * provider at both ends of a veth pair between two namespaces ({@link TunBench.KernelOverVeth}).
   * Skipped without the privileges for TUN devices and namespaces.
   */
  static Figure runTun(BenchSettings settings) throws IOException {
    SelectorProvider kernelProvider = SelectorProvider.provider();
    if (kernelProvider instanceof SynackSelectorProvider) {
      return Figure.skipped(
          NAME_TUN,
          "Gbit/s",
          "the JVM's default SelectorProvider is synack's: no kernel provider to compare with");
    }
    java.util.Optional<String> missing = Privileges.tunMissing();
    if (missing.isPresent()) return Figure.skipped(NAME_TUN, "Gbit/s", missing.get());
    long bytesEach = bytesEach(settings);
    double synack = 0;
    double kernel = 0;
    try (TunBench.SynackOnTun tun = TunBench.SynackOnTun.open(TUN_MTU);
        TunBench.KernelOverVeth veth = TunBench.KernelOverVeth.open(TUN_MTU)) {
      HostScope.Binding onSynack = new HostScope.Binding(tun.driver(), tun.host());
      NioEcho.Scope synackScope =
          new NioEcho.Scope() {
            @Override
            public <T> T on(boolean server, Callable<T> body) throws Exception {
              return server ? HostScope.call(onSynack, body) : inNamespace(tun.namespace(), body);
            }
          };
      NioEcho.Scope vethScope =
          new NioEcho.Scope() {
            @Override
            public <T> T on(boolean server, Callable<T> body) throws Exception {
              return inNamespace(server ? veth.namespaceB() : veth.namespaceA(), body);
            }
          };
      for (int i = 0; i < settings.repeats(); i++) {
        synack =
            Math.max(
                synack,
                new NioEcho(new SynackSelectorProvider(), kernelProvider, synackScope)
                    .run(TunBench.SynackOnTun.SYNACK, CONNECTIONS, bytesEach));
        kernel =
            Math.max(
                kernel,
                new NioEcho(kernelProvider, vethScope)
                    .run(TunBench.KernelOverVeth.B, CONNECTIONS, bytesEach));
      }
    }
    return Figure.measured(
        NAME_TUN,
        "Gbit/s",
        synack,
        kernel,
        CONNECTIONS
            + " connections x "
            + SimBulkBench.mb(bytesEach)
            + " echoed (payload one way; each byte crosses twice), best of "
            + settings.repeats()
            + "; synack: the echo server on SynackSelectorProvider over a TUN device at MTU "
            + TUN_MTU
            + ", the client on the kernel's provider at its other end; kernel: the same program"
            + " on the kernel's provider at both ends of a veth pair");
  }

  /** Runs {@code body}, which opens a kernel channel, on a thread inside {@code ns}. */
  private static <T> T inNamespace(Netns ns, Callable<T> body) throws IOException {
    return NamespaceThread.await(
        NamespaceThread.start(ns, "nio-echo-open", body), TIMEOUT_SECONDS, "opening a channel");
  }

  private static <T> T anywhere(boolean server, java.util.concurrent.Callable<T> body)
      throws Exception {
    return body.call();
  }
}
