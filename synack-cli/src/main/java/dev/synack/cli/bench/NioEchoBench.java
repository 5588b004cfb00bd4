package dev.synack.cli.bench;

import dev.synack.nio.SimApps;
import dev.synack.nio.SynackSelectorProvider;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.channels.spi.SelectorProvider;

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

  private static <T> T anywhere(boolean server, java.util.concurrent.Callable<T> body)
      throws Exception {
    return body.call();
  }
}
