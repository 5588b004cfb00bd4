package dev.synack.runtime;

import dev.synack.link.Link;
import dev.synack.link.TunLink;
import dev.synack.stack.Host;
import dev.synack.stack.HostConfig;
import dev.synack.trace.TraceSink;
import java.io.IOException;
import java.net.InetAddress;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.ObjIntConsumer;

/**
 * A running synack: one or more event loops, each owning a sans-IO {@link Host} with the same
 * addresses and settings and reading a link of its own (a queue of a multiqueue TUN device, a UDP
 * socket), built from links and options; users make sockets from it ({@code
 * TcpSocket.connect(stack, ...)}, {@code TcpServerSocket.bind(stack, ...)}) and never pair a loop
 * and a host by hand.
 *
 * <p>Connections are sharded by a keyed hash of their 4-tuple ({@link Shards}), as gVisor's TCP
 * dispatcher spreads them over processors: a packet read on a loop that does not own its flow is
 * handed to its owner through a lock-free queue. On a multiqueue TUN device, which keeps a flow on
 * the queue its first packet took (by the kernel's own hash, whose key synack cannot know) and then
 * on the queue synack last wrote it on, a TCP connection is instead owned by the loop that read its
 * SYN, so that a passive open's packets are not handed across at all; a segment that finds no
 * connection on its loop goes on to the next ({@link Link#steersFlows}). An active open runs on the
 * loop chosen round robin and takes a local port whose 4-tuple hashes to that loop (its host's
 * {@link dev.synack.stack.PortFilter}); a listener listens on every loop. The hosts share their
 * secret seed, so their ISNs, SYN cookies and port choices are keyed alike and any loop can check a
 * cookie another answered with.
 *
 * <pre>{@code
 * try (Stack stack = Stack.builder().tun("synack0").address(InetAddress.ofLiteral("10.0.0.2")).loops(2).build()) {
 *   TcpServerSocket server = TcpServerSocket.bind(stack, null, 80, 128);
 * }
 * }</pre>
 */
public final class Stack implements AutoCloseable {
  private final HostDriver[] loops;
  private final Shards shards;
  private final String note;

  /** The loop the next active open runs on, modulo the loop count. */
  private final AtomicInteger nextLoop = new AtomicInteger();

  private Stack(HostDriver[] loops, Shards shards, String note) {
    this.loops = loops;
    this.shards = shards;
    this.note = note;
  }

  /** Returns a builder; give it a link (or links, or a TUN device) and an address at least. */
  public static Builder builder() {
    return new Builder();
  }

  /** Returns the number of loops. */
  public int loopCount() {
    return loops.length;
  }

  /**
   * Returns loop {@code i}; its host is touched only from tasks given to its {@link
   * EventLoop#call}.
   */
  public HostDriver loop(int i) {
    return loops[i];
  }

  /**
   * Returns the link loop {@code i} reads and writes (a queue of the TUN device: its name is the
   * device's).
   */
  public Link link(int i) {
    return loops[i].link();
  }

  /** Returns the loops, in order. */
  public List<HostDriver> loops() {
    return List.of(loops);
  }

  /** Returns the loop the next active open should run on: each in turn. */
  public HostDriver nextLoop() {
    return loops[Math.floorMod(nextLoop.getAndIncrement(), loops.length)];
  }

  /**
   * Returns the loop a flow of {@code protocol} (6 for TCP, 17 for UDP), as seen from this end,
   * hashes to ({@link Shards}): where an active open from a local port the caller names runs, and
   * where a UDP port's datagrams are read. A passive open on a device that steers flows ({@link
   * Link#steersFlows}, a multiqueue TUN device) lives instead on the loop that read its SYN, which
   * the kernel chose by a hash of its own: this may be another loop.
   */
  public HostDriver loopOf(
      int protocol, InetAddress local, int localPort, InetAddress remote, int remotePort) {
    return loops[shards.of(protocol, local, localPort, remote, remotePort)];
  }

  /** Returns how flows are sharded over the loops. */
  Shards shards() {
    return shards;
  }

  /**
   * Returns one line saying why there are fewer loops than asked for (no multiqueue device), or
   * null.
   */
  public String note() {
    return note;
  }

  /** Returns how many packets were read on one loop and handed to the loop owning their flow. */
  public long handedOver() {
    long sum = 0;
    for (HostDriver d : loops) sum += d.handedOut();
    return sum;
  }

  /** Returns whether every loop runs. */
  public boolean isRunning() {
    for (HostDriver d : loops) {
      if (!d.isRunning()) return false;
    }
    return true;
  }

  /** Stops every loop and closes its link. */
  @Override
  public void close() throws IOException {
    IOException first = null;
    for (HostDriver d : loops) {
      try {
        d.close();
      } catch (IOException e) {
        if (first == null) first = e;
      }
    }
    if (first != null) throw first;
  }

  /** Collects what a {@link Stack} is built from. Not thread-safe; build once. */
  public static final class Builder {
    private String name = "synack";
    private HostConfig config;
    private final List<InetAddress> addresses = new ArrayList<>();
    private List<Link> links;
    private String tunDevice;
    private int tunMtu;
    private int loops;
    private TraceSink trace;
    private Consumer<String> notes;
    private ObjIntConsumer<HostDriver> beforeStart;
    private boolean udpByFlow;

    private Builder() {}

    /** Sets the hosts' name in traces and the loop threads' names ("synack" by default). */
    public Builder name(String name) {
      this.name = Objects.requireNonNull(name, "name");
      return this;
    }

    /** Sets the hosts' settings; by default Linux's, a random secret seed, and the link's MTU. */
    public Builder config(HostConfig config) {
      this.config = Objects.requireNonNull(config, "config");
      return this;
    }

    /** Adds an address the hosts answer to. */
    public Builder address(InetAddress address) {
      addresses.add(Objects.requireNonNull(address, "address"));
      return this;
    }

    /** Runs one loop on {@code link}. */
    public Builder link(Link link) {
      return links(List.of(link));
    }

    /**
     * Runs one loop on each link (the queues of one device, sockets sharing a port), which the
     * stack then owns.
     */
    public Builder links(List<? extends Link> links) {
      if (links.isEmpty()) throw new IllegalArgumentException("no links");
      this.links = List.copyOf(links);
      this.tunDevice = null;
      return this;
    }

    /**
     * Opens the TUN device {@code device} with a queue per loop ({@link TunLink#openQueues}) and
     * the device's MTU.
     */
    public Builder tun(String device) {
      return tun(device, 0);
    }

    /**
     * Opens the TUN device {@code device} as {@link #tun(String)}, with an MTU (0: the device's).
     */
    public Builder tun(String device, int mtu) {
      this.tunDevice = Objects.requireNonNull(device, "device");
      this.tunMtu = mtu;
      this.links = null;
      return this;
    }

    /** Sets the number of loops of a TUN device; by default one per processor. */
    public Builder loops(int count) {
      if (count < 1 || count > TunLink.MAX_QUEUES) {
        throw new IllegalArgumentException("loops must be 1.." + TunLink.MAX_QUEUES + ": " + count);
      }
      this.loops = count;
      return this;
    }

    /**
     * Sends the host's trace events to {@code sink}: with one loop only (a sink is one thread's).
     */
    public Builder trace(TraceSink sink) {
      this.trace = sink;
      return this;
    }

    /** Gives link errors, one line per episode, to {@code notes} instead of the logger. */
    public Builder notes(Consumer<String> notes) {
      this.notes = notes;
      return this;
    }

    /**
     * Gives {@code setup} each loop and its index once the loop is made and before it starts, on
     * the building thread: for an embedder that sets its host's policies and the loop's event
     * listener before the first packet comes (the forwarder). It must not throw.
     */
    public Builder beforeStart(ObjIntConsumer<HostDriver> setup) {
      this.beforeStart = Objects.requireNonNull(setup, "setup");
      return this;
    }

    /**
     * Shards UDP datagrams over the loops by their 4-tuple, as TCP segments, instead of by the
     * local port alone: for hosts whose UDP endpoints are per flow on every loop (the forwarder's
     * catch-all endpoint), so that the flows to one port (DNS) spread over the loops. An endpoint
     * bound to a port then gets only the datagrams whose flow lands on its loop.
     */
    public Builder udpByFlow() {
      this.udpByFlow = true;
      return this;
    }

    /**
     * Opens what is still to open and starts the loops.
     *
     * @throws IOException when the TUN device cannot be opened
     * @throws IllegalArgumentException when no link was given, or a trace with several loops
     */
    public Stack build() throws IOException {
      String note = null;
      List<Link> use = links;
      if (tunDevice != null) {
        int count = loops > 0 ? loops : Runtime.getRuntime().availableProcessors();
        TunLink.Queues queues =
            TunLink.openQueues(tunDevice, tunMtu, Math.min(count, TunLink.MAX_QUEUES));
        use = List.copyOf(queues.links());
        note = queues.note();
      } else if (use == null) {
        throw new IllegalArgumentException("a stack needs a link, links or a TUN device");
      } else if (loops > 0 && loops != use.size()) {
        throw new IllegalArgumentException(
            loops + " loops asked for " + use.size() + " links: one loop per link");
      }
      if (trace != null && use.size() > 1) {
        closeAll(use);
        throw new IllegalArgumentException("a trace needs one loop, not " + use.size());
      }
      HostConfig hostConfig =
          config != null
              ? config
              : HostConfig.defaults(new SecureRandom().nextLong())
                  .withMtu(Math.max(576, Math.min(65535, use.get(0).mtu())));
      Shards shards =
          new Shards(
              use.size(),
              new SplittableRandom(hostConfig.secretSeed() ^ 0x10095L).nextLong(),
              udpByFlow);
      HostDriver[] drivers = new HostDriver[use.size()];
      Consumer<String> linkNotes =
          notes != null
              ? notes
              : line ->
                  System.getLogger(HostDriver.class.getName())
                      .log(System.Logger.Level.WARNING, line);
      for (int i = 0; i < drivers.length; i++) {
        Host host = new Host(name, hostConfig, trace);
        for (InetAddress a : addresses) host.addAddress(a);
        int own = i;
        if (drivers.length > 1) {
          host.setPortFilter(
              (protocol, local, port, remote, remotePort) ->
                  shards.of(protocol, local, port, remote, remotePort) == own);
        }
        drivers[i] =
            new HostDriver(
                host,
                use.get(i),
                linkNotes,
                drivers.length == 1 ? "synack-" + name : "synack-" + name + "-" + i);
      }
      if (drivers.length > 1) {
        HeldFlows held = new HeldFlows();
        for (int i = 0; i < drivers.length; i++) drivers[i].joinGroup(shards, drivers, i, held);
      }
      if (beforeStart != null) {
        for (int i = 0; i < drivers.length; i++) beforeStart.accept(drivers[i], i);
      }
      for (HostDriver d : drivers) d.start();
      return new Stack(drivers, shards, note);
    }

    private static void closeAll(List<Link> links) {
      for (Link l : links) {
        try {
          l.close();
        } catch (IOException ignored) {
          // Refusing the build: the links were the stack's to close.
        }
      }
    }
  }
}
