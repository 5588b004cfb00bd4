package dev.synack.forward;

import dev.synack.link.Link;
import dev.synack.runtime.HostDriver;
import dev.synack.stack.Host;
import dev.synack.stack.HostConfig;
import dev.synack.stack.HostEvent;
import java.io.IOException;
import java.security.SecureRandom;

/**
 * A forwarder (tun2socks): every TCP connection and UDP flow that arrives on a link, whatever its
 * destination, is carried on through ordinary host sockets of the process. A VPN app or a container
 * gets its whole network this way. Starting one takes a link and options:
 *
 * <pre>{@code
 * Link tun = TunLink.open("synack0");            // or TunLink.fromDescriptor(fd, mtu) for a VpnService
 * try (Forwarder f = Forwarder.start(tun, ForwarderOptions.defaults())) {
 *   ...                                          // runs until closed
 *   System.out.println(f.counters());
 * }
 * }</pre>
 *
 * <p>The synack host's event loop on the link does the relaying, its host sockets included (see
 * {@link TcpRelay} and {@link UdpRelay}); a second thread only waits on their readiness for it
 * ({@link Relay}), and a third does ping's ICMP sockets ({@link IcmpRelay}). The relays' buffers
 * together hold at most {@link ForwarderOptions#maxBufferBytes()} ({@link RelayBudget}).
 */
public final class Forwarder implements AutoCloseable {
  private final HostDriver driver;
  private final Relay relay;

  /** The ICMP echo relay, or null when synack answers ping itself by option. */
  private final IcmpRelay icmp;

  private final ForwarderCounters counters;

  private Forwarder(HostDriver driver, Relay relay, IcmpRelay icmp, ForwarderCounters counters) {
    this.driver = driver;
    this.relay = relay;
    this.icmp = icmp;
    this.counters = counters;
  }

  /**
   * Starts a forwarder on {@code link}, which it owns from now on (closing the forwarder closes
   * it). Host sockets are opened in the network namespace of the thread that calls this.
   */
  public static Forwarder start(Link link, ForwarderOptions options) throws IOException {
    ForwarderCounters counters = new ForwarderCounters();
    HostConfig config =
        HostConfig.defaults(new SecureRandom().nextLong())
            .withMtu(link.mtu())
            .withAnyDestination(true)
            .withHeldSynLimit(options.maxHeldSyns());
    Host host = new Host("forward", config, options.trace());
    RelayBudget budget = new RelayBudget(options.maxBufferBytes(), counters);
    TcpRelay tcp = new TcpRelay(options, counters, budget);
    UdpRelay udp = new UdpRelay(options, counters);
    Relay relay = new Relay("synack-forward-relay", tcp, udp);
    tcp.relay = relay;
    udp.relay = relay;
    udp.host = host;
    host.setSynPolicy(tcp);
    udp.endpoint = host.bindUdpAll();
    // The loop thread is started here, in the caller's network namespace, where it opens the host
    // sockets.
    HostDriver driver = new HostDriver(host, link);
    relay.loop = driver;
    driver.setEventListener(
        e -> {
          switch (e) {
            case HostEvent.OfConnection(var c, var event) -> tcp.onEvent(c, event, driver.now());
            case HostEvent.UdpReadable r -> udp.drain(driver.now());
            default -> {}
          }
        });
    // A datagram that came before the listener was set raised its one event unheard: drain once.
    driver.execute(udp::drain);
    relay.start();
    IcmpRelay icmp = null;
    if (options.icmpEcho() == ForwarderOptions.IcmpEcho.RELAY) {
      icmp = new IcmpRelay(counters, budget, driver);
      IcmpRelay echo = icmp;
      driver.execute(now -> host.setEchoRelay(echo));
    }
    return new Forwarder(driver, relay, icmp, counters);
  }

  /** Returns what the forwarder counted. */
  public ForwarderCounters counters() {
    return counters;
  }

  /**
   * Returns one line on how ping is handled: relayed through ICMP sockets, or answered by synack
   * itself (by option, or because the host allows no unprivileged ICMP sockets, and why).
   */
  public String icmpNote() {
    return icmp != null
        ? icmp.note()
        : "ping is answered by synack itself (by option), every destination seems up";
  }

  /** Returns the host's counters as one line (packets, drops by reason), read on its loop. */
  public String hostCounters() throws IOException {
    return driver.call(now -> driver.host().counters().toString());
  }

  /** Returns the event loop of the synack side; calls on its host go through it. */
  public HostDriver driver() {
    return driver;
  }

  /**
   * Returns why the forwarder stopped by itself (a link or relay failure), or null while it runs.
   */
  public Throwable failure() {
    return driver.failure() != null ? driver.failure() : relay.failure();
  }

  /** Stops both threads: the link and every host socket are closed. */
  @Override
  public void close() throws IOException {
    try {
      driver.close();
    } finally {
      try {
        relay.close();
      } finally {
        if (icmp != null) icmp.close();
      }
    }
  }
}
