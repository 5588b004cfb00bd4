package dev.synack.forward;

import dev.synack.link.Link;
import dev.synack.runtime.HostDriver;
import dev.synack.runtime.Stack;
import dev.synack.stack.HostConfig;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

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
 * <p>The synack host's event loop on the link does the relaying, its host sockets and ping's ICMP
 * sockets included (see {@link TcpRelay}, {@link UdpRelay} and {@link IcmpRelay}); two threads only
 * wait on those sockets' readiness for it ({@link Relay}, and the ICMP relay's). Given several
 * links (the queues of a multiqueue TUN device, {@link dev.synack.link.TunLink#openQueues}), it
 * runs a loop on each, as a {@link Stack} does: flows, TCP and UDP, are sharded over the loops by
 * their 4-tuple, and each loop has relays and readiness threads of its own ({@link ForwardLoop}).
 * The relays' buffers together hold at most {@link ForwarderOptions#maxBufferBytes()} ({@link
 * RelayBudget}).
 */
public final class Forwarder implements AutoCloseable {
  private final Stack stack;
  private final ForwardLoop[] loops;
  private final ForwarderCounters counters;

  private Forwarder(Stack stack, ForwardLoop[] loops, ForwarderCounters counters) {
    this.stack = stack;
    this.loops = loops;
    this.counters = counters;
  }

  /**
   * Starts a forwarder on {@code link}, which it owns from now on (closing the forwarder closes
   * it). Host sockets are opened in the network namespace of the thread that calls this.
   */
  public static Forwarder start(Link link, ForwarderOptions options) throws IOException {
    return start(List.of(link), options);
  }

  /**
   * Starts a forwarder with one loop on each of {@code links} (the queues of one multiqueue TUN
   * device), which it owns from now on; a packet read on a loop that does not own its flow is
   * handed to the loop that does. Host sockets are opened in the network namespace of the thread
   * that calls this. A trace ({@link ForwarderOptions#trace()}) needs a single link.
   *
   * @throws IllegalArgumentException when no link is given, or a trace with several
   */
  public static Forwarder start(List<? extends Link> links, ForwarderOptions options)
      throws IOException {
    int n = links.size();
    if (n == 0) throw new IllegalArgumentException("a forwarder needs a link");
    if (n > 1 && options.trace().enabled()) {
      throw new IllegalArgumentException("a trace needs one loop, not " + n);
    }
    ForwarderCounters counters = new ForwarderCounters(n);
    RelayBudget budget = new RelayBudget(options.maxBufferBytes(), counters);
    List<ForwardLoop> made = new ArrayList<>(n);
    Stack stack;
    try {
      for (int i = 0; i < n; i++) made.add(new ForwardLoop(i, n, options, counters, budget));
      // Each host holds its share of the SYNs, so that the group holds at most the bound.
      HostConfig config =
          HostConfig.defaults(new SecureRandom().nextLong())
              .withMtu(links.get(0).mtu())
              .withAnyDestination(true)
              .withHeldSynLimit(Math.max(1, (options.maxHeldSyns() + n - 1) / n));
      Stack.Builder builder =
          Stack.builder()
              .name("forward")
              .config(config)
              .links(links)
              // Each UDP flow is its own 4-tuple on the catch-all endpoint of every loop: DNS to
              // one server from many source ports spreads over the loops as TCP does.
              .udpByFlow()
              .beforeStart((driver, i) -> made.get(i).attach(driver));
      if (n == 1) builder.trace(options.trace());
      // The loop threads are started here, in the caller's network namespace, where they open the
      // host sockets.
      stack = builder.build();
    } catch (IOException | RuntimeException e) {
      for (ForwardLoop l : made) l.close();
      for (Link l : links) {
        try {
          l.close();
        } catch (IOException ignored) {
          // Refusing the start: the links were the forwarder's to close.
        }
      }
      throw e;
    }
    for (ForwardLoop l : made) l.start();
    return new Forwarder(stack, made.toArray(ForwardLoop[]::new), counters);
  }

  /** Returns what the forwarder counted. */
  public ForwarderCounters counters() {
    return counters;
  }

  /** Returns the number of loops the forwarder runs. */
  public int loopCount() {
    return loops.length;
  }

  /**
   * Returns one line on how ping is handled: relayed through ICMP sockets, or answered by synack
   * itself (by option, or because the host allows no unprivileged ICMP sockets, and why).
   */
  public String icmpNote() {
    return loops[0].icmp != null
        ? loops[0].icmp.note()
        : "ping is answered by synack itself (by option), every destination seems up";
  }

  /**
   * Returns the host's counters as one line (packets, drops by reason), read on its loop; with
   * several loops, each loop's in turn.
   */
  public String hostCounters() throws IOException {
    if (loops.length == 1) return driver().call(now -> driver().host().counters().toString());
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < loops.length; i++) {
      HostDriver d = stack.loop(i);
      String line = d.call(now -> d.host().counters().toString());
      b.append(i == 0 ? "" : "; ").append("loop ").append(i).append(": ").append(line);
    }
    return b.toString();
  }

  /**
   * Returns the event loop of the synack side (the first, with several); calls on its host go
   * through it.
   */
  public HostDriver driver() {
    return stack.loop(0);
  }

  /** Returns the loops of the synack side, in order. */
  public List<HostDriver> drivers() {
    return stack.loops();
  }

  /**
   * Returns why the forwarder stopped by itself (a link or relay failure), or null while it runs.
   */
  public Throwable failure() {
    for (HostDriver d : stack.loops()) {
      if (d.failure() != null) return d.failure();
    }
    for (ForwardLoop l : loops) {
      if (l.failure() != null) return l.failure();
    }
    return null;
  }

  /** Stops every thread: the links and every host socket are closed. */
  @Override
  public void close() throws IOException {
    try {
      stack.close();
    } finally {
      for (ForwardLoop l : loops) l.close();
    }
  }
}
