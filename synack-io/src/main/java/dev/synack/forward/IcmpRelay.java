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
 * <p>Its own thread: socket calls and waits there; requests come from the synack loop through a
 * queue.
 */
final class IcmpRelay implements EchoRelay, AutoCloseable {
  private static final long IDLE_NANOS = 30_000_000_000L;
  private static final long WAIT_NANOS = 500_000_000L;

  /** Flows at once; a request of a new flow beyond is dropped, counted. */
  static final int MAX_FLOWS = 256;

  /** Requests handed to the thread and not yet sent; beyond this they are dropped, counted. */
  private static final int MAX_PENDING = 1024;

  private record FlowKey(InetAddress client, int identifier, InetAddress destination) {}

  private record Request(FlowKey key, int sequenceNumber, byte[] data) {}

  private final ForwarderCounters counters;
  private final RelayBudget budget;
  private final HostDriver loop;
  private final IcmpPoller poller;

  /** Why the relay answers locally instead (no ICMP sockets allowed), or null when it relays. */
  private final String declined;

  private final ConcurrentLinkedQueue<Request> requests = new ConcurrentLinkedQueue<>();
  private final Thread thread;
  private volatile boolean running = true;

  /** Relay thread only. */
  private final Map<FlowKey, Flow> flows = new HashMap<>();

  private static final class Flow {
    final FlowKey key;
    final IcmpSocket socket;
    long lastActivity = System.nanoTime();

    Flow(FlowKey key, IcmpSocket socket) {
      this.key = key;
      this.socket = socket;
    }
  }

  /**
   * Starts a relay whose sockets live in the caller's network namespace (its thread is started from
   * here); tries an ICMP socket first to learn whether the host allows them.
   */
  IcmpRelay(ForwarderCounters counters, RelayBudget budget, HostDriver loop) throws IOException {
    this.counters = counters;
    this.budget = budget;
    this.loop = loop;
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
    thread = Thread.ofPlatform().name("synack-forward-icmp").daemon(true).unstarted(this::run);
    if (declined == null) thread.start();
  }

  /** Returns one line on how ping is handled. */
  String note() {
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
    if (requests.size() >= MAX_PENDING || !budget.take(data.length)) {
      counters.icmpDropped.incrementAndGet();
      return true;
    }
    requests.add(new Request(new FlowKey(source, identifier, destination), sequenceNumber, data));
    poller.wakeup();
    return true;
  }

  // Relay thread.

  private void run() {
    List<IcmpSocket> sockets = new ArrayList<>();
    long nextSweep = System.nanoTime() + WAIT_NANOS;
    try {
      while (running) {
        Request r;
        while ((r = requests.poll()) != null) {
          budget.give(r.data().length);
          send(r);
        }
        for (Flow f : new ArrayList<>(flows.values())) receive(f);
        long now = System.nanoTime();
        if (now - nextSweep >= 0) {
          for (Flow f : new ArrayList<>(flows.values())) {
            if (now - f.lastActivity >= IDLE_NANOS) close(f);
          }
          nextSweep = now + WAIT_NANOS;
        }
        sockets.clear();
        for (Flow f : flows.values()) sockets.add(f.socket);
        poller.await(sockets, WAIT_NANOS);
      }
    } catch (IOException | RuntimeException e) {
      counters.icmpDropped.incrementAndGet();
    } finally {
      for (Flow f : new ArrayList<>(flows.values())) close(f);
      poller.close();
    }
  }

  private void send(Request r) {
    Flow f = flows.get(r.key());
    if (f == null) {
      if (flows.size() >= Math.min(MAX_FLOWS, IcmpPoller.MAX_SOCKETS)) {
        counters.icmpDropped.incrementAndGet();
        return;
      }
      try {
        f = new Flow(r.key(), IcmpSocket.open(!(r.key().destination() instanceof Inet4Address)));
      } catch (IOException e) {
        counters.icmpDropped.incrementAndGet();
        return;
      }
      flows.put(r.key(), f);
    }
    try {
      if (f.socket.sendEcho(r.key().destination(), r.sequenceNumber(), ByteBuffer.wrap(r.data()))) {
        counters.icmpRequests.incrementAndGet();
        f.lastActivity = System.nanoTime();
      } else {
        counters.icmpDropped.incrementAndGet();
      }
    } catch (IOException e) {
      // No route, for one: the client's ping sees no reply, as through a router that had none.
      counters.icmpDropped.incrementAndGet();
    }
  }

  private void receive(Flow f) {
    try {
      IcmpSocket.EchoReply reply;
      for (int i = 0; i < 64 && (reply = f.socket.receiveEcho()) != null; i++) {
        if (!reply.source().equals(f.key.destination())) continue;
        IcmpSocket.EchoReply r = reply;
        f.lastActivity = System.nanoTime();
        counters.icmpReplies.incrementAndGet();
        loop.execute(
            now ->
                loop.host()
                    .sendEchoReply(
                        f.key.destination(),
                        f.key.client(),
                        f.key.identifier(),
                        r.sequenceNumber(),
                        ByteBuffer.wrap(r.data()),
                        now));
      }
    } catch (IOException e) {
      close(f);
    }
  }

  private void close(Flow f) {
    flows.remove(f.key);
    f.socket.close();
  }

  /** Stops the thread and closes every ICMP socket. */
  @Override
  public void close() {
    running = false;
    if (poller == null) return;
    poller.wakeup();
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
