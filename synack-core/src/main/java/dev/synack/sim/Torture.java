package dev.synack.sim;

import dev.synack.stack.Connection;
import dev.synack.stack.Host;
import dev.synack.stack.HostConfig;
import dev.synack.stack.HostEvent;
import dev.synack.stack.Listener;
import dev.synack.tcp.ConnectionEvent;
import dev.synack.tcp.TcpConfig;
import dev.synack.tcp.TcpState;
import dev.synack.trace.TraceSink;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * One torture run (issue 4): two {@link Host}s on a {@link SimNetwork} with random impairments move
 * random data both ways over one connection and close it in a random order, all derived from a seed
 * ({@link TortureParameters#derive}). Then the run is judged:
 *
 * <ul>
 *   <li>every byte arrived exactly once, in order: the SHA-256 of what each side sent equals that
 *       of what the other read (and the first differing byte is named if not);
 *   <li>both ends reached CLOSED in order (one Closed event each, no error) within {@link
 *       #timeLimitNanos} of virtual time, and the network fell idle;
 *   <li>nothing is left behind: no connection, listener, timer, event or packet in either host;
 *   <li>no livelock: fewer packets than {@link #packetBudget} were sent;
 *   <li>over IPv4 every corrupted packet was dropped by a checksum (IPv6 has no header checksum, so
 *       a flipped traffic class, flow label or hop limit goes through harmlessly there).
 * </ul>
 *
 * Deterministic and sans-IO: the same seed gives the same result on any machine, and runs are
 * independent, so many may go in parallel.
 */
public final class Torture {
  static final int SERVER_PORT = 5001;
  private static final long SECOND = 1_000_000_000L;
  private static final long HOUR = 3600 * SECOND;

  /**
   * Retries of a SYN, a SYN-ACK and a data segment (Linux allows 6, 5 and 15). A retransmission
   * fails when it or its ACK is lost or corrupted: at most 1 - (0.7 * 0.95)^2 < 0.56 on the
   * harshest torture link. 100 tries all failing has a probability below 0.56^100 < 1e-25, so a run
   * that gives up has found a bug, not bad luck.
   */
  static final int RETRIES = 100;

  /**
   * The MSL (Linux's TIME-WAIT is 60 s). The peer's FIN may be resent after our TIME-WAIT ended
   * only if every copy sent during 2 MSL is lost: with the RTO at its 120 s ceiling that is 60
   * copies in two hours, probability below 0.35^60 < 1e-27. With Linux's value a few in 100,000
   * harsh runs would legitimately end with a RST instead of an orderly close.
   */
  static final Duration MSL = Duration.ofHours(1);

  /**
   * How long an orphaned FIN-WAIT-2 waits for the peer's FIN (Linux: 60 s), long for the same
   * reason as {@link #MSL}.
   */
  static final Duration FIN_WAIT_2 = Duration.ofHours(2);

  private final TortureParameters p;
  private final SimNetwork net;
  private final Host client;
  private final Host server;
  private final InetAddress serverAddress;
  private final TortureEndpoint clientEnd;
  private final TortureEndpoint serverEnd;
  private final Connection clientConnection;
  private Listener listener;

  /** Virtual time of the last step, when the run last did anything. */
  private long lastActivity;

  /** Packets both hosts sent so far, against {@link #budget}. */
  private long packetsSent;

  /** The packets the run may send: {@link #packetBudget}, or less in a test of the bound itself. */
  private final long budget;

  private Torture(TortureParameters p, TraceSink trace, long budget) {
    this.p = p;
    this.budget = budget;
    InetAddress clientAddress = address(p.ipv6(), 1);
    this.serverAddress = address(p.ipv6(), 2);
    TcpConfig tcp = tcpConfig().withBuffers(p.receiveBuffer(), p.sendBuffer());
    this.client =
        new Host(
            "client", HostConfig.defaults(p.seed() * 2 + 1).withMtu(p.mtu()).withTcp(tcp), trace);
    this.server =
        new Host(
            "server", HostConfig.defaults(p.seed() * 2 + 2).withMtu(p.mtu()).withTcp(tcp), trace);
    client.addAddress(clientAddress);
    server.addAddress(serverAddress);
    net = new SimNetwork(p.seed());
    HostNode clientNode = new HostNode(client);
    HostNode serverNode = new HostNode(server);
    net.attach(clientNode, clientAddress);
    net.attach(serverNode, serverAddress);
    net.setOneWayLink(clientNode, serverNode, p.clientToServer());
    net.setOneWayLink(serverNode, clientNode, p.serverToClient());
    net.setTrace(trace);
    net.addObserver(
        new PacketObserver() {
          @Override
          public void onSend(SimNode from, SimNode to, byte[] packet, long now) {
            packetsSent++;
          }
        });

    SplittableRandom data = new SplittableRandom(Long.reverse(p.seed()) ^ 0x5DEECE66DL);
    byte[] up = new byte[p.clientBytes()];
    byte[] down = new byte[p.serverBytes()];
    data.nextBytes(up);
    data.nextBytes(down);
    clientEnd = new TortureEndpoint("client", up, down);
    serverEnd = new TortureEndpoint("server", down, up);

    listener = server.listen(null, SERVER_PORT, 16);
    clientConnection = client.connect(serverAddress, SERVER_PORT, 0);
  }

  /**
   * Returns the TCP settings of both torture hosts: Linux's defaults with patience for 30 % loss
   * (see {@link #RETRIES}).
   */
  public static TcpConfig tcpConfig() {
    return TcpConfig.defaults()
        .withRetries(RETRIES, RETRIES, RETRIES)
        .withMsl(MSL)
        .withFinWait2Timeout(FIN_WAIT_2);
  }

  /** Runs the torture run of {@code seed} without tracing. */
  public static TortureResult run(long seed) {
    return run(TortureParameters.derive(seed), TraceSink.NONE);
  }

  /**
   * Runs the torture run of {@code seed}, tracing both hosts and the network into {@code trace}.
   */
  public static TortureResult run(long seed, TraceSink trace) {
    return run(TortureParameters.derive(seed), trace);
  }

  /**
   * Runs a torture run with the given parameters, tracing into {@code trace}. Never throws: a throw
   * is a failure.
   */
  public static TortureResult run(TortureParameters parameters, TraceSink trace) {
    return run(parameters, trace, packetBudget(parameters));
  }

  /** Runs a torture run that may send at most {@code budget} packets. */
  static TortureResult run(TortureParameters parameters, TraceSink trace, long budget) {
    Torture t = new Torture(parameters, trace == null ? TraceSink.NONE : trace, budget);
    String thrown = null;
    try {
      t.net.runUntil(t::dispatch, timeLimitNanos(parameters));
    } catch (RuntimeException e) {
      StackTraceElement[] where = e.getStackTrace();
      thrown = "threw " + e + (where.length > 0 ? " at " + where[0] : "");
    }
    return t.verdict(thrown);
  }

  /** Returns the command that replays {@code seed} and writes its trace. */
  public static String replayCommand(long seed) {
    return "bin/synack torture --seed " + seed + " --trace torture-" + seed + ".jsonl";
  }

  /**
   * Returns the virtual time within which both ends must have closed and the network fallen idle:
   * the TIME-WAIT (2 MSL) of the side that closes first, two hours for the handshake and the close
   * under backoff, and a millisecond per byte, a goodput floor of 1 kB/s (at 30 % loss on a 1
   * Mbit/s link, an engine recovering by timeouts alone moved 4 MB in 20 minutes). A run past it is
   * stuck in a loop of timers, which is a bug however long it would go on.
   */
  public static long timeLimitNanos(TortureParameters p) {
    return 2 * MSL.toNanos() + 2 * HOUR + p.totalBytes() * 1_000_000L;
  }

  /**
   * Returns how many packets a run may send before it is declared a livelock: two per byte of data
   * and two million more. Today's engine resends whole windows after a timeout and needs up to
   * about 0.8 packets per byte at 30 % loss; an ACK loop sends millions of packets for nothing, and
   * without this bound it would take hours of virtual time, and of real time, to end.
   */
  static long packetBudget(TortureParameters p) {
    return 2_000_000 + 2 * p.totalBytes();
  }

  /**
   * Handles every event both hosts have, then closes whoever the close order says; stops the run
   * past the packet budget.
   */
  private boolean dispatch() {
    long now = net.now();
    lastActivity = now;
    boolean any = true;
    while (any) {
      any = false;
      HostEvent e;
      while ((e = client.pollEvent()) != null) {
        any = true;
        onClientEvent(e, now);
      }
      while ((e = server.pollEvent()) != null) {
        any = true;
        onServerEvent(e, now);
      }
      applyCloseOrder(now);
    }
    return packetsSent > budget;
  }

  private void onClientEvent(HostEvent e, long now) {
    if (!(e instanceof HostEvent.OfConnection(Connection c, var event)) || c != clientConnection) {
      clientEnd.onStray(e);
      return;
    }
    if (event instanceof ConnectionEvent.Connected && clientEnd.connection == null)
      clientEnd.attach(c, now);
    clientEnd.onEvent(event, now);
  }

  private void onServerEvent(HostEvent e, long now) {
    switch (e) {
      case HostEvent.Acceptable(Listener l) -> {
        Connection c = l.accept();
        // One connection per run: the listener goes at once, and with it any later stray SYN's
        // child.
        l.close(now);
        listener = null;
        if (c != null) serverEnd.attach(c, now);
      }
      case HostEvent.OfConnection(Connection c, var event) -> {
        if (c != serverEnd.connection) {
          serverEnd.onStray(e);
          return;
        }
        serverEnd.onEvent(event, now);
      }
      case HostEvent.UdpReadable u -> {} // the torture opens no UDP endpoint
      case HostEvent.UdpError u -> {}
    }
  }

  private void applyCloseOrder(long now) {
    switch (p.closeOrder()) {
      case CLIENT_FIRST -> {
        closeWhenDone(clientEnd, now);
        closeAtEnd(serverEnd, now);
      }
      case SERVER_FIRST -> {
        closeWhenDone(serverEnd, now);
        closeAtEnd(clientEnd, now);
      }
      case SIMULTANEOUS -> {
        if (done(clientEnd) && done(serverEnd)) {
          clientEnd.closeFully(now);
          serverEnd.closeFully(now);
        }
      }
      case CLIENT_HALF_CLOSE -> {
        if (!clientEnd.shutDown && clientEnd.allQueued()) clientEnd.shutDownOutput(now);
        closeAtEnd(serverEnd, now);
      }
      case SERVER_HALF_CLOSE -> {
        if (!serverEnd.shutDown && serverEnd.allQueued()) serverEnd.shutDownOutput(now);
        closeAtEnd(clientEnd, now);
      }
    }
  }

  /** Returns whether a side has sent and read everything and not closed yet. */
  private static boolean done(TortureEndpoint e) {
    return !e.shutDown && e.allQueued() && e.receivedAll();
  }

  private static void closeWhenDone(TortureEndpoint e, long now) {
    if (done(e)) e.closeFully(now);
  }

  /** Closes a side once it has sent everything and read the end of the peer's stream. */
  private static void closeAtEnd(TortureEndpoint e, long now) {
    if (!e.shutDown && e.allQueued() && e.endOfStream) e.closeFully(now);
  }

  // ---------------------------------------------------------------------------------------------
  // The verdict.

  private TortureResult verdict(String thrown) {
    List<String> failures = new ArrayList<>();
    LinkStats up = net.stats(net.nodes().get(0), net.nodes().get(1));
    LinkStats down = net.stats(net.nodes().get(1), net.nodes().get(0));
    long caughtAtServer = caught(server);
    long caughtAtClient = caught(client);
    if (thrown != null) {
      // What the checks below would say of a run cut short is noise beside the throw.
      return new TortureResult(
          p,
          false,
          thrown,
          lastActivity,
          net.steps(),
          serverEnd.received,
          clientEnd.received,
          up,
          down,
          caughtAtServer,
          caughtAtClient);
    }
    long limit = timeLimitNanos(p);
    if (packetsSent > budget) {
      failures.add(
          "livelock: "
              + packetsSent
              + " packets sent by t="
              + String.format(Locale.ROOT, "%.3f", lastActivity / 1e9)
              + " s, more than the budget of "
              + budget
              + " for "
              + p.totalBytes()
              + " bytes");
    } else if (net.nextEventTime() != Long.MAX_VALUE) {
      failures.add(
          String.format(
              Locale.ROOT,
              "not finished within %.0f s of virtual time: client %s, server %s, %d packets in flight",
              limit / 1e9,
              state(clientConnection),
              state(serverEnd.connection),
              net.inFlight()));
    }
    checkEnd(clientEnd, clientConnection, failures);
    checkEnd(serverEnd, serverEnd.connection, failures);
    checkData(clientEnd, serverEnd, failures);
    checkData(serverEnd, clientEnd, failures);
    checkLeftovers(client, failures);
    checkLeftovers(server, failures);
    if (listener != null) failures.add("the server never accepted: its listener is still open");
    checkCorruption("client>server", up, caughtAtServer, failures);
    checkCorruption("server>client", down, caughtAtClient, failures);
    String reason = failures.isEmpty() ? "ok" : String.join("; ", failures);
    return new TortureResult(
        p,
        failures.isEmpty(),
        reason,
        lastActivity,
        net.steps(),
        serverEnd.received,
        clientEnd.received,
        up,
        down,
        caughtAtServer,
        caughtAtClient);
  }

  private static String state(Connection c) {
    return c == null ? "not connected" : c.state().toString();
  }

  /**
   * Checks that a side's connection closed in order; {@code c} is null for a server that accepted
   * none.
   */
  private static void checkEnd(TortureEndpoint e, Connection c, List<String> failures) {
    if (e.violation != null) failures.add(e.violation);
    if (e.connection == null) failures.add(e.name + " never connected");
    if (e.closeError != null)
      failures.add(e.name + " closed with error: " + e.closeError.rfcText());
    if (c == null) return;
    if (c.state() != TcpState.CLOSED) failures.add(e.name + " ended in " + c.state());
    if (e.closedEvents != 1)
      failures.add(e.name + " got " + e.closedEvents + " Closed events, not 1");
    if (c.state() == TcpState.CLOSED && !c.isReleased())
      failures.add(e.name + "'s connection is CLOSED but not released");
  }

  private static void checkData(TortureEndpoint from, TortureEndpoint to, List<String> failures) {
    String direction = from.name + ">" + to.name;
    if (to.received != from.bytesSent()) {
      failures.add(
          direction
              + ": "
              + to.name
              + " read "
              + to.received
              + " of "
              + from.bytesSent()
              + " bytes");
    }
    if (to.firstMismatch >= 0)
      failures.add(direction + ": byte " + to.firstMismatch + " differs from what was sent");
    String sent = from.sentSha256();
    String received = to.receivedSha256();
    if (!sent.equals(received))
      failures.add(direction + ": SHA-256 sent " + sent + " != read " + received);
  }

  private void checkLeftovers(Host h, List<String> failures) {
    long now = net.now();
    if (h.connectionCount() != 0)
      failures.add(h.name() + " still holds " + h.connectionCount() + " connection(s)");
    if (h.listenerCount() != 0)
      failures.add(h.name() + " still has " + h.listenerCount() + " listener(s)");
    if (h.pollTimeout() != Long.MAX_VALUE)
      failures.add(h.name() + " still has a deadline at " + h.pollTimeout() + " ns");
    HostEvent e = h.pollEvent();
    if (e != null) failures.add(h.name() + " still has an event: " + e);
    if (h.pollPacket(now) != null) failures.add(h.name() + " still has a packet to send");
  }

  /**
   * Returns the packets a host dropped as malformed (they did not parse), which in a torture run
   * only corruption makes, and those addressed to nobody: a version nibble flipped from 4 to 6
   * reads as IPv6, which has no header checksum, and its "destination" is then not this host.
   */
  private static long caught(Host h) {
    return h.counters().malformed() + h.counters().dropped("not-for-this-host");
  }

  private void checkCorruption(
      String direction, LinkStats link, long caught, List<String> failures) {
    // IPv4: a flipped byte changes the ones'-complement sum of the header or of the segment with
    // its pseudo-header, so every corrupted packet must be dropped (RFC 791 §3.1, RFC 9293 §3.1).
    boolean allCaught = p.ipv6() ? caught <= link.corrupted() : caught == link.corrupted();
    if (!allCaught) {
      failures.add(
          direction
              + ": "
              + link.corrupted()
              + " packets corrupted but "
              + caught
              + " dropped as malformed");
    }
  }

  /** Returns 10.0.0.{@code last}, or fd00::{@code last} (a unique local address, RFC 4193). */
  private static InetAddress address(boolean ipv6, int last) {
    byte[] bytes = ipv6 ? new byte[16] : new byte[] {10, 0, 0, 0};
    if (ipv6) bytes[0] = (byte) 0xfd;
    bytes[bytes.length - 1] = (byte) last;
    try {
      return InetAddress.getByAddress(bytes);
    } catch (UnknownHostException e) {
      throw new IllegalStateException("4 or 16 bytes are always an address", e);
    }
  }
}
