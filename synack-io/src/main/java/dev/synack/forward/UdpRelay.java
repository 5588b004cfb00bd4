package dev.synack.forward;

import dev.synack.runtime.EventLoop;
import dev.synack.stack.UdpEndpoint;
import dev.synack.stack.UdpMessage;
import dev.synack.wire.Addresses;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The UDP half of a forwarder: a NAT mapping per flow (client address and port, destination
 * address and port) to a host datagram socket connected to the destination, closed after an idle
 * time as Linux's conntrack does: 30 s while no reply came ({@code nf_conntrack_udp_timeout}),
 * 180 s once one did ({@code nf_conntrack_udp_timeout_stream}). Replies go back from the address
 * and port the client sent to.
 */
final class UdpRelay implements Relay.Sweep {
  /** Datagrams handed to the relay thread and not yet sent; beyond this they are dropped. */
  private static final int MAX_PENDING = 4096;

  private final ForwarderOptions options;
  private final ForwarderCounters counters;
  private final RelayBudget budget;
  private final AtomicInteger pending = new AtomicInteger();
  Relay relay;
  EventLoop loop;
  /** The host's catch-all endpoint; loop thread. */
  UdpEndpoint endpoint;
  /** Mappings; relay thread only. */
  private final Map<FlowKey, Flow> flows = new HashMap<>();
  private final ByteBuffer readBuffer = ByteBuffer.allocate(65536);

  private record FlowKey(InetAddress client, int clientPort, InetAddress destination, int destinationPort) {}

  UdpRelay(ForwarderOptions options, ForwarderCounters counters, RelayBudget budget) {
    this.options = options;
    this.counters = counters;
    this.budget = budget;
  }

  /** Hands every datagram the catch-all received to the relay thread; loop thread. */
  void drain(long now) {
    UdpMessage m;
    while ((m = endpoint.receive()) != null) {
      if (pending.incrementAndGet() > MAX_PENDING) {
        pending.decrementAndGet();
        counters.udpDropped.incrementAndGet();
        continue;
      }
      int size = m.payload().length;
      if (!budget.take(size)) {
        pending.decrementAndGet();
        counters.udpDropped.incrementAndGet();
        continue;
      }
      UdpMessage message = m;
      relay.post(() -> {
        pending.decrementAndGet();
        budget.give(size);
        out(message);
      });
    }
  }

  private void out(UdpMessage m) {
    FlowKey key = new FlowKey(m.remoteAddress(), m.remotePort(), m.localAddress(), m.localPort());
    Flow f = flows.get(key);
    if (f == null) {
      if (flows.size() >= options.maxUdpFlows()) {
        counters.udpOverLimit.incrementAndGet();
        return;
      }
      try {
        f = new Flow(key);
      } catch (IOException e) {
        counters.udpDropped.incrementAndGet();
        log("udp " + describe(key) + " failed: " + e.getMessage());
        return;
      }
      flows.put(key, f);
      counters.udpFlows.incrementAndGet();
      counters.udpActive.incrementAndGet();
      log("udp " + describe(key) + " opened");
    }
    try {
      if (f.ch.write(ByteBuffer.wrap(m.payload())) == 0) {
        counters.udpDropped.incrementAndGet();
        return;
      }
      f.out++;
      f.lastActivity = System.nanoTime();
      counters.udpDatagramsOut.incrementAndGet();
    } catch (IOException e) {
      counters.udpDropped.incrementAndGet();
    }
  }

  @Override
  public void sweep(long nanoTime) {
    for (Flow f : new ArrayList<>(flows.values())) {
      long idle = (f.replied ? options.udpRepliedTimeout() : options.udpTimeout()).toNanos();
      if (nanoTime - f.lastActivity >= idle) f.close("idle timeout");
    }
  }

  private static String describe(FlowKey k) {
    return Addresses.endpoint(k.client(), k.clientPort()) + " -> " + Addresses.endpoint(k.destination(), k.destinationPort());
  }

  private void log(String line) {
    if (options.log() != null) options.log().accept(line);
  }

  /** One mapping: a host datagram socket connected to the destination. */
  private final class Flow implements Relay.Ready {
    private final FlowKey key;
    private final DatagramChannel ch;
    private long lastActivity = System.nanoTime();
    private boolean replied;
    private long out;
    private long in;

    Flow(FlowKey key) throws IOException {
      this.key = key;
      this.ch = DatagramChannel.open(key.destination() instanceof Inet4Address ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6);
      try {
        ch.configureBlocking(false);
        ch.connect(new InetSocketAddress(key.destination(), key.destinationPort()));
        ch.register(relay.selector, SelectionKey.OP_READ, this);
      } catch (IOException e) {
        ch.close();
        throw e;
      }
    }

    @Override
    public void ready(SelectionKey k) {
      for (int i = 0; i < 64; i++) {
        readBuffer.clear();
        int n;
        try {
          n = ch.read(readBuffer);
        } catch (PortUnreachableException e) {
          continue; // an earlier datagram drew ICMP port unreachable; the client's resolver retries or gives up
        } catch (IOException e) {
          close("host " + e.getMessage());
          return;
        }
        if (n <= 0) return;
        byte[] data = new byte[n];
        readBuffer.flip().get(data);
        replied = true;
        in++;
        lastActivity = System.nanoTime();
        counters.udpDatagramsIn.incrementAndGet();
        loop.execute(now -> endpoint.send(ByteBuffer.wrap(data), key.destination(), key.destinationPort(), key.client(), key.clientPort(), now));
      }
    }

    void close(String how) {
      flows.remove(key, this);
      counters.udpActive.decrementAndGet();
      try {
        ch.close();
      } catch (IOException ignored) {
        // Nothing to do about a failing close.
      }
      log("udp " + describe(key) + " " + how + ", " + out + " datagrams out, " + in + " in");
    }
  }
}
