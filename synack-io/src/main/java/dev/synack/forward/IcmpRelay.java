package dev.synack.forward;

import dev.synack.link.IcmpPoller;
import dev.synack.link.IcmpSocket;
import dev.synack.runtime.HostDriver;
import dev.synack.stack.EchoRelay;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The ICMP half of a forwarder: echo requests to any destination are sent on through unprivileged
 * ICMP sockets (Linux's ping sockets), one per flow (client, identifier, destination), and the
 * replies go back to the client from the destination with the client's identifier (the kernel gives
 * each socket an identifier of its own, as NAT does). A flow idle for 30 s is closed, as Linux's
 * conntrack forgets ICMP after {@code nf_conntrack_icmp_timeout}.
 *
 * <p>Where the host allows no ICMP sockets ({@code net.ipv4.ping_group_range}), the relay declines
 * and the synack host answers every echo request itself; {@link #note()} says so, and the forwarder
 * counts them.
 *
 * <p>Everything runs on the synack loop, as the TCP and UDP relays do: a request is sent from
 * inside the host's packet handling, replies are read and answered on the loop, and the idle sweep
 * comes with {@link Relay}'s. A thread of its own only waits on the sockets' readiness ({@link
 * IcmpPoller}) and hands the loop the ready flows, which it stops waiting on until the loop has
 * read them and armed them again, so that no readiness is told twice or lost.
 */
final class IcmpRelay implements EchoRelay, Relay.Sweep, AutoCloseable {
  private static final long IDLE_NANOS = 30_000_000_000L;
  private static final long WAIT_NANOS = 500_000_000L;

  /** Flows at once; a request of a new flow beyond is dropped, counted. */
  static final int MAX_FLOWS = 256;

  /** Replies read from one socket per turn of the loop, so that one flow does not hold it. */
  private static final int READS_PER_TURN = 64;

  private record FlowKey(InetAddress client, int identifier, InetAddress destination) {}

  private final ForwarderCounters counters;

  /** Why the relay answers locally instead (no ICMP sockets allowed), or null when it relays. */
  private final String declined;

  private final IcmpPoller poller;
  private final Thread thread;
  private volatile boolean running = true;
  private volatile Throwable failure;

  /** The loop the relay runs on; set by {@link #attach} before it starts. */
  private HostDriver loop;

  /** Loop thread only. */
  private final Map<FlowKey, Flow> flows = new HashMap<>();

  /** Flows the loop armed, for the waiting thread to take into its next wait. */
  private final ConcurrentLinkedQueue<Flow> armed = new ConcurrentLinkedQueue<>();

  /** One flow: its socket, used on the loop thread only, and closed there. */
  private static final class Flow {
    final FlowKey key;
    final IcmpSocket socket;
    long lastActivity;

    /** Set on the loop before the socket is closed; the waiting thread then forgets the flow. */
    volatile boolean closed;

    Flow(FlowKey key, IcmpSocket socket, long now) {
      this.key = key;
      this.socket = socket;
      this.lastActivity = now;
    }
  }

  /**
   * Makes a relay; tries an ICMP socket first, in the caller's network namespace, to learn whether
   * the host allows them. Its waiting thread is named {@code threadName}.
   */
  IcmpRelay(ForwarderCounters counters, String threadName) throws IOException {
    this.counters = counters;
    String why = null;
    try {
      IcmpSocket.open(false).close();
    } catch (IcmpSocket.NotPermitted e) {
      why = e.getMessage().replaceFirst("^synack: ", "");
    } catch (IOException | RuntimeException | LinkageError e) {
      why = "no ICMP sockets here: " + e.getMessage();
    }
    declined = why;
    poller = declined == null ? new IcmpPoller() : null;
    thread = Thread.ofPlatform().name(threadName).daemon(true).unstarted(this::waitLoop);
  }

  /** Sets the loop the relay runs on; before the loop starts. */
  void attach(HostDriver driver) {
    this.loop = driver;
  }

  /** Starts the waiting thread (when the relay relays at all). */
  void start() {
    if (declined == null) thread.start();
  }

  /** Returns one line on how ping is handled. */
  String note() {
    if (failure != null) return "ping relay stopped: " + failure;
    return declined == null
        ? "ping is relayed through unprivileged ICMP sockets"
        : "ping is answered by synack itself, every destination seems up: " + declined;
  }

  // Loop thread.

  @Override
  public boolean relay(
      InetAddress source,
      InetAddress destination,
      int identifier,
      int sequenceNumber,
      byte[] data,
      long now) {
    if (declined != null) {
      counters.icmpAnsweredLocally.incrementAndGet();
      return false;
    }
    FlowKey key = new FlowKey(source, identifier, destination);
    Flow f = flows.get(key);
    if (f == null) {
      if (flows.size() >= Math.min(MAX_FLOWS, IcmpPoller.MAX_SOCKETS)) {
        counters.icmpDropped.incrementAndGet();
        return true;
      }
      try {
        f = new Flow(key, IcmpSocket.open(!(destination instanceof Inet4Address)), now);
      } catch (IOException e) {
        counters.icmpDropped.incrementAndGet();
        return true;
      }
      flows.put(key, f);
      arm(f);
    }
    try {
      if (f.socket.sendEcho(destination, sequenceNumber, ByteBuffer.wrap(data))) {
        counters.icmpRequests.incrementAndGet();
        f.lastActivity = now;
      } else {
        counters.icmpDropped.incrementAndGet();
      }
    } catch (IOException e) {
      // No route, for one: the client's ping sees no reply, as through a router that had none.
      counters.icmpDropped.incrementAndGet();
    }
    return true;
  }

  /** Reads the replies waiting on {@code f}'s socket, answers each, and arms it again. */
  private void ready(Flow f, long now) {
    if (f.closed) return;
    try {
      IcmpSocket.EchoReply reply;
      for (int i = 0; i < READS_PER_TURN && (reply = f.socket.receiveEcho()) != null; i++) {
        if (!reply.source().equals(f.key.destination())) continue;
        f.lastActivity = now;
        counters.icmpReplies.incrementAndGet();
        loop.host()
            .sendEchoReply(
                f.key.destination(),
                f.key.client(),
                f.key.identifier(),
                reply.sequenceNumber(),
                ByteBuffer.wrap(reply.data()),
                now);
      }
    } catch (IOException e) {
      close(f);
      return;
    }
    arm(f);
  }

  @Override
  public void sweep(long now) {
    if (flows.isEmpty()) return;
    for (Flow f : new ArrayList<>(flows.values())) {
      if (now - f.lastActivity >= IDLE_NANOS) close(f);
    }
  }

  private void arm(Flow f) {
    armed.add(f);
    poller.wakeup();
  }

  private void close(Flow f) {
    f.closed = true;
    flows.remove(f.key, f);
    f.socket.close();
  }

  // Waiting thread.

  private void waitLoop() {
    List<Flow> waiting = new ArrayList<>();
    List<IcmpSocket> sockets = new ArrayList<>();
    boolean[] ready = new boolean[IcmpPoller.MAX_SOCKETS];
    try {
      while (running) {
        Flow f;
        while ((f = armed.poll()) != null) waiting.add(f);
        waiting.removeIf(w -> w.closed);
        sockets.clear();
        for (Flow w : waiting) sockets.add(w.socket);
        if (poller.await(sockets, WAIT_NANOS, ready) == 0) continue;
        List<Flow> fired = new ArrayList<>();
        for (int i = waiting.size() - 1; i >= 0; i--) {
          if (ready[i]) fired.add(waiting.remove(i));
        }
        loop.execute(
            now -> {
              for (Flow r : fired) ready(r, now);
            });
      }
    } catch (IOException | RuntimeException e) {
      failure = e;
    }
  }

  /**
   * Stops the waiting thread, and closes every ICMP socket when called after the loop has stopped.
   */
  @Override
  public void close() {
    running = false;
    if (poller == null) return;
    poller.wakeup();
    if (thread.isAlive() && Thread.currentThread() != thread) {
      try {
        thread.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    for (Flow f : new ArrayList<>(flows.values())) close(f);
    if (!thread.isAlive()) poller.close();
  }
}
