package dev.synack.nio;

import dev.synack.runtime.SimDriver;
import dev.synack.sim.SimNetwork;
import dev.synack.stack.Host;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;

/**
 * A {@link SimNetwork} run in real time for unmodified applications: code given to a host's {@link
 * AppHost#run} opens its NIO channels on that host (and so do the threads it starts that inherit
 * thread-locals), while the network's loss, delay and partitions apply between hosts. The JVM must
 * run with {@link SynackSelectorProvider} as its provider.
 *
 * <pre>{@code
 * try (SimApps apps = SimApps.start(net, client, server)) {
 *   apps.host("server").run(() -> HttpServer.create(new InetSocketAddress(8080), 0).start());
 *   apps.host("client").makeDefault();          // HttpClient's own threads open channels there
 *   apps.network(n -> { n.setLink(a, b, LinkConfig.ideal().withLoss(1.0)); return null; }); // a partition
 * }
 * }</pre>
 */
public final class SimApps implements AutoCloseable {
  private final SimDriver driver;
  private final Map<String, AppHost> hosts = new LinkedHashMap<>();

  private SimApps(SimDriver driver) {
    this.driver = driver;
    for (Host h : driver.hosts())
      hosts.put(h.name(), new AppHost(new HostScope.Binding(driver, h)));
  }

  /** Starts running {@code net}, whose hosts are {@code hosts} (attached already), in real time. */
  public static SimApps start(SimNetwork net, Host... hosts) {
    return new SimApps(new SimDriver(net, List.of(hosts)));
  }

  /** Returns the host named {@code name}. */
  public AppHost host(String name) {
    AppHost h = hosts.get(name);
    if (h == null)
      throw new IllegalArgumentException(
          "no host named " + name + " (hosts: " + hosts.keySet() + ")");
    return h;
  }

  /**
   * Runs {@code change} on the network while it runs (links may change, fail and heal), and returns
   * its result.
   */
  public <T> T network(Function<SimNetwork, T> change) throws IOException {
    return driver.call(now -> change.apply(driver.network()));
  }

  /** Returns the driver that runs the network. */
  public SimDriver driver() {
    return driver;
  }

  /** Stops the network; the default host goes if it was one of these. */
  @Override
  public void close() throws IOException {
    HostScope.Binding d = HostScope.defaultBinding();
    for (AppHost h : hosts.values()) {
      if (h.binding().equals(d)) HostScope.setDefault(null);
    }
    driver.close();
  }

  /** One host of the network, where application code runs. */
  public static final class AppHost {
    private final HostScope.Binding binding;

    AppHost(HostScope.Binding binding) {
      this.binding = binding;
    }

    /** Returns the host and its loop. */
    public HostScope.Binding binding() {
      return binding;
    }

    /** Runs {@code body} with channels opened on this host, and returns its result. */
    public <T> T call(Callable<T> body) throws Exception {
      return HostScope.call(binding, body);
    }

    /** Runs {@code body} with channels opened on this host. */
    public void run(Body body) throws Exception {
      HostScope.call(
          binding,
          () -> {
            body.run();
            return null;
          });
    }

    /** Makes this the host of threads that run outside any {@link #run}. */
    public void makeDefault() {
      HostScope.setDefault(binding);
    }
  }

  /** Application code that may throw. */
  @FunctionalInterface
  public interface Body {
    void run() throws Exception;
  }
}
