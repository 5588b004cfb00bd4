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
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The UDP half of a forwarder: a NAT mapping per flow (client address and port, destination
 * address and port) to a host datagram socket connected to the destination, closed after an idle
 * time as Linux's conntrack does: 30 s while no reply came ({@code nf_conntrack_udp_timeout}),
 * 180 s once one did ({@code nf_conntrack_udp_timeout_stream}). Replies go back from the address
 * and port the client sent to. With a SOCKS5 proxy, each mapping is a UDP ASSOCIATE through it
 * (RFC 1928 §7).
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
      f.send(m.payload());
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

  /**
   * One mapping: a host datagram socket connected to the destination; or, with a SOCKS5 proxy, a
   * UDP ASSOCIATE (RFC 1928 §7): a TCP control connection to the proxy, which lives as long as the
   * association, and a datagram socket connected to the proxy's relay, each datagram wrapped in
   * {@link Socks5Udp}'s header.
   */
  private final class Flow implements Relay.Ready {
    /** Datagrams kept while the association is made; beyond this they are dropped, counted. */
    private static final int WAITING = 16;

    private final FlowKey key;
    private final DatagramChannel ch;
    private final InetSocketAddress destination;
    private long lastActivity = System.nanoTime();
    private boolean replied;
    private long out;
    private long in;
    private boolean closed;
    /** The association's control connection and its handshake while it runs; null when direct. */
    private SocketChannel control;
    private Socks5Handshake handshake;
    private ByteBuffer controlIn;
    private boolean associated;
    private final ArrayDeque<byte[]> waiting = new ArrayDeque<>();

    Flow(FlowKey key) throws IOException {
      this.key = key;
      this.destination = new InetSocketAddress(key.destination(), key.destinationPort());
      InetSocketAddress proxy = options.socks5();
      InetAddress family = proxy != null ? proxy.getAddress() : key.destination();
      this.ch = DatagramChannel.open(family instanceof Inet4Address ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6);
      try {
        ch.configureBlocking(false);
        if (proxy == null) {
          ch.connect(destination);
          ch.register(relay.selector, SelectionKey.OP_READ, this);
          associated = true;
        } else {
          control = SocketChannel.open();
          control.configureBlocking(false);
          Relay.Ready onControl = this::controlReady;
          if (control.connect(proxy)) {
            startAssociate(control.register(relay.selector, SelectionKey.OP_READ, onControl));
          } else {
            control.register(relay.selector, SelectionKey.OP_CONNECT, onControl);
          }
        }
      } catch (IOException e) {
        ch.close();
        if (control != null) control.close();
        throw e;
      }
    }

    /** Sends {@code data} to the destination, or keeps it until the association is made. */
    void send(byte[] data) throws IOException {
      if (!associated) {
        if (waiting.size() >= WAITING) {
          counters.udpDropped.incrementAndGet();
          return;
        }
        waiting.add(data);
        return;
      }
      ByteBuffer datagram = control == null ? ByteBuffer.wrap(data) : Socks5Udp.encode(destination, ByteBuffer.wrap(data));
      if (ch.write(datagram) == 0) {
        counters.udpDropped.incrementAndGet();
        return;
      }
      out++;
      lastActivity = System.nanoTime();
      counters.udpDatagramsOut.incrementAndGet();
    }

    /** The control connection is ready: connected, the proxy's answers, or its end. */
    private void controlReady(SelectionKey k) {
      try {
        if (k.isConnectable()) {
          if (control.finishConnect()) startAssociate(k);
          return;
        }
        if (handshake == null) {
          // §7: "A UDP association terminates when the TCP connection that the UDP ASSOCIATE request arrived on terminates."
          controlIn.clear();
          if (control.read(controlIn) < 0) close("the SOCKS5 proxy ended the association");
          return;
        }
        if (control.read(controlIn) < 0) {
          close("the SOCKS5 proxy closed the connection during the handshake");
          return;
        }
        controlIn.flip();
        Socks5Handshake.Outcome outcome = handshake.onRead(controlIn);
        while (outcome instanceof Socks5Handshake.Send) {
          writeHandshake();
          outcome = handshake.onRead(controlIn);
        }
        switch (outcome) {
          case Socks5Handshake.Connected c -> associated(handshake.bound());
          case Socks5Handshake.Failed(int reply, String why) -> close("SOCKS5 UDP ASSOCIATE: " + why);
          default -> controlIn.compact();
        }
      } catch (IOException e) {
        close("SOCKS5 proxy: " + e.getMessage());
      }
    }

    private void startAssociate(SelectionKey k) throws IOException {
      // §4/§7: the address datagrams will come from is not known before the first one goes: zeros.
      boolean v4 = options.socks5().getAddress() instanceof Inet4Address;
      InetAddress any = Socks5Udp.address(new byte[v4 ? 4 : 16]);
      handshake = new Socks5Handshake(Socks5Handshake.UDP_ASSOCIATE, new InetSocketAddress(any, 0), options.socksUser(),
          options.socksPassword());
      controlIn = ByteBuffer.allocate(600);
      writeHandshake();
      k.interestOps(SelectionKey.OP_READ);
    }

    private void writeHandshake() throws IOException {
      ByteBuffer o = handshake.output();
      control.write(o);
      // A few bytes into a fresh socket's empty send buffer: a short write means the socket is broken.
      if (o.hasRemaining()) throw new IOException("SOCKS5 handshake: short write to the proxy");
    }

    /** The proxy relays at {@code bound}; an unspecified address there means the proxy's own (as Dante answers). */
    private void associated(InetSocketAddress bound) throws IOException {
      if (bound == null) {
        close("SOCKS5 UDP ASSOCIATE: the proxy named its relay by a domain name");
        return;
      }
      InetSocketAddress relayAt = bound.getAddress().isAnyLocalAddress()
          ? new InetSocketAddress(options.socks5().getAddress(), bound.getPort()) : bound;
      handshake = null;
      controlIn = ByteBuffer.allocate(64);
      ch.connect(relayAt);
      ch.register(relay.selector, SelectionKey.OP_READ, this);
      associated = true;
      log("udp " + describe(key) + " associated with the SOCKS5 relay " + Addresses.endpoint(relayAt.getAddress(), relayAt.getPort()));
      byte[] data;
      while ((data = waiting.poll()) != null) send(data);
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
        readBuffer.flip();
        if (control != null) {
          switch (Socks5Udp.decode(readBuffer)) {
            case Socks5Udp.Dropped(String reason) -> {
              counters.udpDropped.incrementAndGet();
              if (reason.equals("socks5-udp-fragment")) counters.udpSocksFragments.incrementAndGet();
              continue;
            }
            case Socks5Udp.Ok(Socks5Udp.Datagram d) -> {
              if (!d.source().equals(destination)) {
                counters.udpDropped.incrementAndGet();
                continue;
              }
              readBuffer.position(readBuffer.limit() - d.data().remaining());
            }
          }
        }
        byte[] data = new byte[readBuffer.remaining()];
        readBuffer.get(data);
        replied = true;
        in++;
        lastActivity = System.nanoTime();
        counters.udpDatagramsIn.incrementAndGet();
        loop.execute(now -> endpoint.send(ByteBuffer.wrap(data), key.destination(), key.destinationPort(), key.client(), key.clientPort(), now));
      }
    }

    void close(String how) {
      if (closed) return;
      closed = true;
      flows.remove(key, this);
      counters.udpActive.decrementAndGet();
      counters.udpDropped.addAndGet(waiting.size());
      waiting.clear();
      try {
        ch.close();
        if (control != null) control.close();
      } catch (IOException ignored) {
        // Nothing to do about a failing close.
      }
      log("udp " + describe(key) + " " + how + ", " + out + " datagrams out, " + in + " in");
    }
  }
}
