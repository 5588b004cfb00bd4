package dev.synack.sim;

import dev.synack.trace.TraceEvent;
import dev.synack.trace.TraceSink;
import dev.synack.wire.GsoPacket;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Several {@link SimNode}s in memory, joined by simulated links, run in virtual time that jumps to
 * the next deadline. Deterministic: the same seed, nodes and calls give the same run, byte for
 * byte.
 *
 * <pre>{@code
 * SimNetwork net = new SimNetwork(seed);
 * net.attach(client, clientAddr);
 * net.attach(server, serverAddr);
 * net.setLink(client, server, LinkConfig.ideal().withDelay(Duration.ofMillis(25)).withLoss(0.01));
 * net.runUntilIdle(Duration.ofSeconds(60).toNanos());
 * }</pre>
 *
 * <p>A packet goes to the node attached with its IPv4 or IPv6 destination address, over the one-way
 * link from its sender to that node ({@link #setDefaultLink ideal} unless set). Time is in
 * nanoseconds from 0. Each {@link #step} first takes the packets nodes want to send now, then jumps
 * to the earliest arrival or node deadline and processes, at that time, the arrivals that were due
 * (in the order they were scheduled), then the deadlines (in attach order); a node's output is
 * taken as soon as it has handled a run of consecutive arrivals, or a deadline. Single-threaded,
 * like the nodes.
 *
 * <p>A packet arrives marked checksum-unnecessary (Linux's {@code CHECKSUM_UNNECESSARY}) when the
 * node that sent it {@linkplain SimNode#sendsCorrectChecksums() vouches for its checksums} and its
 * link's corruption is 0, so the receiving host skips verifying what was summed when the packet was
 * built. Injected packets and packets over a corrupting link are never so marked. Filters and
 * observers must not change a packet's bytes.
 *
 * <p>A node may leave a data packet's TCP checksum partial ({@link SimNode#lastChecksumPartial()}),
 * as a host does for a device with checksum offload: on the way to a node that {@linkplain
 * SimNode#acceptsPartialChecksums() accepts it}, over a link that cannot corrupt, with no observer
 * or filter, it stays partial and nobody sums the payload (Linux's loopback and veth, which the
 * kernel's own figures use, never compute it either); otherwise the network completes it before
 * anyone sees the packet, so observers, filters, pcaps and verifying receivers see whole checksums.
 */
public final class SimNetwork {
  /** Drop reason: no node has the destination address. */
  public static final String NO_ROUTE = "no-route";

  /**
   * Drop reason: neither an IPv4 nor an IPv6 packet long enough to hold its destination address.
   */
  public static final String MALFORMED = "malformed";

  /** Drop reason: larger than the link's MTU. */
  public static final String MTU_EXCEEDED = "mtu-exceeded";

  /** Drop reason: the transmit queue of the link was full. */
  public static final String QUEUE_FULL = "queue-full";

  /**
   * Drop reason: an AQM queue above its marking threshold dropped a packet that was not
   * ECN-capable.
   */
  public static final String AQM_DROP = "aqm-drop";

  /** Drop reason: lost on the link, by its loss probability. */
  public static final String LOSS = "loss";

  /** Drop reason: a {@link PacketFilter} chose to drop it. */
  public static final String FILTERED = "filtered";

  /** The host name of the network's own trace notes. */
  static final String TRACE_HOST = "net";

  /**
   * Steps allowed at one instant before the run is declared stuck: two nodes answering each other
   * over zero-delay links, or a node whose deadline stays in the past after handleTimeout.
   */
  private static final int MAX_STEPS_AT_ONE_TIME = 1_000_000;

  private final long seed;

  /** The nodes in attach order, which is the order of deadlines and of draining output. */
  private final List<SimNode> nodes = new ArrayList<>();

  /** Index of each node in {@link #nodes}, by identity: a node's equals is its own business. */
  private final IdentityHashMap<SimNode, Integer> indexOf = new IdentityHashMap<>();

  /** The node of each address. */
  private final Routes routes = new Routes();

  /**
   * Links by [from index][to index], created on first use; a table, so a packet's link costs no
   * key.
   */
  private SimLink[][] linkTable = new SimLink[0][0];

  /** Every link created, in creation order. */
  private final List<SimLink> links = new ArrayList<>();

  /** The packets in flight, by arrival time then by the order they were scheduled. */
  private final ArrivalQueue inFlight = new ArrivalQueue();

  /** The arrays packets travel in, reused once delivered. */
  private final PacketArrays arrays = new PacketArrays();

  /**
   * The array {@link #drain} is sending, from {@link #arrays}: the link's arrival of that array
   * (not of a duplicate it made) may go back there once delivered.
   */
  private byte[] pooledSending;

  /** Whether the packet {@link #send} hands its link now has its TCP checksum partial. */
  private boolean partialSending;

  /** Packets that found no link: no route, or no address to route by. */
  private final LinkCounters unrouted = new LinkCounters();

  private final List<PacketObserver> observers = new ArrayList<>();
  private final SimLink.Output output = new LinkOutput();
  private LinkConfig defaultLink = LinkConfig.ideal();
  private PacketFilter filter;
  private TraceSink trace = TraceSink.NONE;
  private long now;
  private long steps;
  private int stepsAtNow;

  /** Creates an empty network whose every random choice derives from {@code seed}. */
  public SimNetwork(long seed) {
    this.seed = seed;
  }

  /** Returns the seed the network was created with, to replay a run. */
  public long seed() {
    return seed;
  }

  /**
   * Attaches {@code node} with the addresses packets reach it by; attaching it again adds
   * addresses.
   *
   * @throws IllegalArgumentException if another node has the same name or one of the addresses
   */
  @SuppressWarnings(
      "ReferenceEquality") // another node owns the address: nodes are compared by identity
  public void attach(SimNode node, InetAddress... addresses) {
    if (!indexOf.containsKey(node)) {
      for (SimNode other : nodes) {
        if (other.name().equals(node.name())) {
          throw new IllegalArgumentException("a node is already named " + node.name());
        }
      }
    }
    for (InetAddress address : addresses) {
      SimNode owner = routes.owner(address.getAddress());
      if (owner != null && owner != node) {
        throw new IllegalArgumentException(
            address.getHostAddress() + " already belongs to " + owner.name());
      }
    }
    if (!indexOf.containsKey(node)) {
      indexOf.put(node, nodes.size());
      nodes.add(node);
    }
    for (InetAddress address : addresses) routes.put(address.getAddress(), node);
  }

  /** Returns the attached nodes, in attach order. */
  public List<SimNode> nodes() {
    return List.copyOf(nodes);
  }

  /** Sets the config of every link not given one of its own, including links already in use. */
  public void setDefaultLink(LinkConfig config) {
    defaultLink = config;
    for (SimLink link : links) {
      if (!link.explicit) link.config = config;
    }
  }

  /** Sets the config of both directions between {@code a} and {@code b}. */
  public void setLink(SimNode a, SimNode b, LinkConfig config) {
    setOneWayLink(a, b, config);
    setOneWayLink(b, a, config);
  }

  /** Sets the config of the direction from {@code from} to {@code to} alone. */
  public void setOneWayLink(SimNode from, SimNode to, LinkConfig config) {
    SimLink link = link(from, to);
    link.config = config;
    link.explicit = true;
  }

  /** Returns the config in force from {@code from} to {@code to}. */
  public LinkConfig linkConfig(SimNode from, SimNode to) {
    return link(from, to).config;
  }

  /** Returns the counters of the direction from {@code from} to {@code to}. */
  public LinkStats stats(SimNode from, SimNode to) {
    return link(from, to).counters.snapshot();
  }

  /** Returns the counters of every link together, plus packets dropped for want of a route. */
  public LinkStats totalStats() {
    LinkStats total = unrouted.snapshot();
    for (SimLink link : links) total = total.plus(link.counters.snapshot());
    return total;
  }

  /** Adds an observer of every packet sent, delivered or dropped from now on. */
  public void addObserver(PacketObserver observer) {
    observers.add(observer);
  }

  /** Sets the filter that may drop or hold back chosen packets; null for none. */
  public void setFilter(PacketFilter newFilter) {
    this.filter = newFilter;
  }

  /** Sets where the network's notes go: one {@link TraceEvent.Note} per drop and per corruption. */
  public void setTrace(TraceSink sink) {
    trace = sink;
  }

  /** Returns the virtual time in nanoseconds. */
  public long now() {
    return now;
  }

  /** Returns how many steps have run: a measure of work that costs no real time to read. */
  public long steps() {
    return steps;
  }

  /** Returns how many packets are in flight. */
  public int inFlight() {
    return inFlight.size();
  }

  /**
   * Sends {@code packet} into the network now as if {@code from} had sent it, e.g. a forged or
   * mutated segment; the network owns the array. The packet is traced as {@code from}'s own
   * outbound {@link TraceEvent.Packet}, as a host traces what it sends, so a run's pcap holds it.
   */
  public void inject(SimNode from, byte[] packet) {
    requireAttached(from);
    if (trace.wantsPackets())
      trace.accept(new TraceEvent.Packet(now, from.name(), "", true, packet.clone()));
    send(from, packet, false); // forged or mutated: whoever receives it verifies it
  }

  /**
   * Jumps to the earliest arrival or deadline and processes everything due then.
   *
   * @return false, without moving time, when no packet is in flight and no node has a deadline
   * @throws IllegalStateException if the run is stuck at one instant (see the class doc)
   */
  @SuppressWarnings("ReferenceEquality") // a run is of arrivals to the same node instance
  public boolean step() {
    long time = nextTime();
    if (time == Long.MAX_VALUE) return false;
    if (time > now) {
      now = time;
      stepsAtNow = 0;
    } else if (++stepsAtNow > MAX_STEPS_AT_ONE_TIME) {
      throw new IllegalStateException(
          "stuck: "
              + MAX_STEPS_AT_ONE_TIME
              + " steps at t="
              + now
              + " ns, "
              + inFlight.size()
              + " packets in flight");
    }
    steps++;
    // Arrivals scheduled during this step, by zero-delay links, wait for the next one.
    long seqLimit = inFlight.nextSeq();
    // A node's output is taken once it has handled its run of consecutive arrivals, as a NIC's
    // driver hands the stack a batch of received packets and transmits after (Linux's NAPI poll
    // and GRO): a receiver that takes several segments of one connection in one turn may
    // acknowledge them with one ACK.
    SimNode receiving = null;
    for (ArrivalQueue.Arrival next = inFlight.peek();
        next != null && next.time <= now && next.seq < seqLimit;
        next = inFlight.peek()) {
      SimNode to = next.link == null ? null : next.link.to;
      if (receiving != null && to != receiving) drain(receiving);
      receiving = to;
      deliver(inFlight.poll());
    }
    if (receiving != null) drain(receiving);
    for (int i = 0; i < nodes.size(); i++) { // indexed: no iterator even before the JIT's
      SimNode node = nodes.get(i);
      if (node.pollTimeout() <= now) {
        node.handleTimeout(now);
        drain(node);
      }
    }
    return true;
  }

  /** Runs every step due up to {@code time}, then sets the clock to {@code time} if it is later. */
  public void runUntil(long time) {
    while (nextTime() <= time) step();
    now = Math.max(now, time);
  }

  /**
   * Runs until the network is idle: no packet in flight and no node deadline up to {@code maxTime}.
   * The clock is left at the last thing processed.
   *
   * @return true when idle; false when packets were still in flight at {@code maxTime}, to which
   *     the clock is then set
   */
  public boolean runUntilIdle(long maxTime) {
    while (true) {
      long time = nextTime();
      if (time > maxTime) {
        if (inFlight.isEmpty()) return true;
        now = Math.max(now, maxTime);
        return false;
      }
      step();
    }
  }

  /**
   * Runs until {@code condition} holds, checking it before each step.
   *
   * @return true when the condition holds; false when nothing more happens up to {@code maxTime},
   *     to which the clock is then set
   */
  public boolean runUntil(BooleanSupplier condition, long maxTime) {
    while (!condition.getAsBoolean()) {
      if (nextTime() > maxTime) {
        now = Math.max(now, maxTime);
        return false;
      }
      step();
    }
    return true;
  }

  /**
   * Returns the time of the next arrival or node deadline, never before now, or Long.MAX_VALUE when
   * there is none: how long a real-time driver may wait. Takes the nodes' pending output.
   */
  public long nextEventTime() {
    return nextTime();
  }

  /**
   * Returns the time of the next step, never before now, or Long.MAX_VALUE when there is none.
   * Takes the nodes' pending output first, since a user call between steps may have produced some.
   */
  private long nextTime() {
    for (int i = 0; i < nodes.size(); i++) drain(nodes.get(i));
    long next = inFlight.isEmpty() ? Long.MAX_VALUE : inFlight.peek().time;
    for (int i = 0; i < nodes.size(); i++) next = Math.min(next, nodes.get(i).pollTimeout());
    return next == Long.MAX_VALUE ? next : Math.max(next, now);
  }

  private void drain(SimNode node) {
    for (byte[] packet = node.pollTransmit(now, arrays);
        packet != null;
        packet = node.pollTransmit(now, arrays)) {
      pooledSending = arrays.handedOut(packet) ? packet : null;
      send(node, packet, node.sendsCorrectChecksums(), node.lastChecksumPartial());
      pooledSending = null;
    }
  }

  /**
   * Sends a packet from a node; {@code checksumsCorrect} when the node vouches for its checksums.
   */
  private void send(SimNode from, byte[] packet, boolean checksumsCorrect) {
    send(from, packet, checksumsCorrect, false);
  }

  /**
   * Sends a packet from a node, as {@link #send(SimNode, byte[], boolean)}; {@code partialChecksum}
   * when its TCP checksum is partial, which stays so only on the way to a node that accepts it over
   * a link that cannot corrupt, unseen by observers and filters: the rest complete it first, as a
   * device with checksum offload does for what leaves it (Linux's loopback and veth leave it
   * partial all the way to the receiving socket).
   */
  private void send(
      SimNode from, byte[] packet, boolean checksumsCorrect, boolean partialChecksum) {
    SimNode to = routes.route(packet);
    if (partialChecksum
        && (!checksumsCorrect
            || !observers.isEmpty()
            || filter != null
            || to == null
            || !to.acceptsPartialChecksums()
            || link(from, to).config.corruption() != 0)) {
      GsoPacket.completeChecksum(packet);
      partialChecksum = false;
    }
    for (int i = 0; i < observers.size(); i++) observers.get(i).onSend(from, to, packet, now);
    if (filter != null && to != null) {
      long verdict = filter.decide(from, to, packet, now);
      if (verdict == PacketFilter.DROP) {
        link(from, to).counters.sent(packet.length);
        link(from, to).counters.dropped(FILTERED);
        dropped(from, to, packet, FILTERED);
        return;
      }
      if (verdict > 0) {
        inFlight.add(now + verdict, null, packet, checksumsCorrect, false, from, to);
        return;
      }
    }
    if (to == null) {
      String reason = Routes.hasDestination(packet) ? NO_ROUTE : MALFORMED;
      unrouted.sent(packet.length);
      unrouted.dropped(reason);
      dropped(from, null, packet, reason);
      return;
    }
    partialSending = partialChecksum;
    link(from, to).transmit(packet, now, checksumsCorrect, output);
    partialSending = false;
  }

  /** Delivers a packet taken from the queue; its slot stays valid until the next one is taken. */
  private void deliver(ArrivalQueue.Arrival arrival) {
    if (arrival.link == null) {
      // A packet a filter held back: now it goes onto its link like any other.
      link(arrival.heldFrom, arrival.heldTo)
          .transmit(arrival.packet, now, arrival.checksumFlag, output);
      return;
    }
    SimLink link = arrival.link;
    byte[] packet = arrival.packet;
    // An observer or receiver that came since it was sent may need the checksum whole.
    if (arrival.partialChecksum && (!observers.isEmpty() || !link.to.acceptsPartialChecksums())) {
      GsoPacket.completeChecksum(packet);
    }
    link.counters.delivered(packet.length);
    for (int i = 0; i < observers.size(); i++)
      observers.get(i).onDeliver(link.from, link.to, packet, now);
    link.to.handlePacket(packet, arrival.checksumFlag, now);
    // The array is the wire's again once no one can hold it: a node that reads during the call
    // only, and no observer or filter (which might keep a packet they were shown).
    if (arrival.pooled
        && observers.isEmpty()
        && filter == null
        && link.to.readsPacketsDuringCallOnly()) arrays.release(packet);
  }

  private void dropped(SimNode from, SimNode to, byte[] packet, String reason) {
    for (PacketObserver o : observers) o.onDrop(from, to, packet, reason, now);
    note(
        () ->
            "drop "
                + from.name()
                + ">"
                + (to == null ? "?" : to.name())
                + " "
                + packet.length
                + " B: "
                + reason);
  }

  private void note(Supplier<String> text) {
    if (trace.enabled()) trace.accept(new TraceEvent.Note(now, TRACE_HOST, "", text.get()));
  }

  private SimLink link(SimNode from, SimNode to) {
    int f = requireAttached(from);
    int t = requireAttached(to);
    if (f >= linkTable.length || t >= linkTable.length) {
      int n = nodes.size();
      SimLink[][] bigger = new SimLink[n][n];
      for (int i = 0; i < linkTable.length; i++)
        System.arraycopy(linkTable[i], 0, bigger[i], 0, linkTable[i].length);
      linkTable = bigger;
    }
    SimLink link = linkTable[f][t];
    if (link == null) {
      link = new SimLink(from, to, defaultLink, seed);
      linkTable[f][t] = link;
      links.add(link);
    }
    return link;
  }

  private int requireAttached(SimNode node) {
    Integer index = indexOf.get(node);
    if (index == null) throw new IllegalArgumentException("not attached: " + node.name());
    return index;
  }

  /** Turns a link's decisions into arrivals, observer calls and notes. */
  private final class LinkOutput implements SimLink.Output {
    @Override
    public void dropped(SimLink link, byte[] packet, String reason) {
      SimNetwork.this.dropped(link.from, link.to, packet, reason);
    }

    @Override
    @SuppressWarnings("ReferenceEquality") // the array drained, not a duplicate the link made
    public void arrives(SimLink link, byte[] packet, long time, boolean checksumUnnecessary) {
      inFlight.add(
          time,
          link,
          packet,
          checksumUnnecessary,
          packet == pooledSending,
          partialSending && checksumUnnecessary,
          null,
          null);
    }

    @Override
    public void corrupted(SimLink link, byte[] packet, int index) {
      note(() -> "corrupt " + link + " " + packet.length + " B at byte " + index);
    }
  }
}
