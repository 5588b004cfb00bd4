package dev.synack.forward;

import dev.synack.stack.Host;
import dev.synack.stack.UdpEndpoint;
import dev.synack.stack.UdpMessage;
import dev.synack.wire.Addresses;
import dev.synack.wire.UdpPacket;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
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

/**
 * The UDP half of a forwarder: a NAT mapping per flow (client address and port, destination address
 * and port) to a host datagram socket connected to the destination, closed after an idle time as
 * Linux's conntrack does: 30 s while no reply came ({@code nf_conntrack_udp_timeout}), 180 s once
 * one did ({@code nf_conntrack_udp_timeout_stream}). Replies go back from the address and port the
 * client sent to. With a SOCKS5 proxy, each mapping is a UDP ASSOCIATE through it (RFC 1928 §7).
 *
 * <p>An ICMP error the destination's side answers a datagram with (port, host or network
 * unreachable, which the kernel reports on the connected host socket) goes back to the client as
 * the same ICMP error from the destination, quoting the client's last datagram of the flow, so that
 * its own socket fails as it would on a routed network ({@code ECONNREFUSED} for a closed port).
 *
 * <p>Everything runs on the synack loop: datagrams go from the host's catch-all endpoint straight
 * to the flow's socket, and from a socket {@link Relay} says is readable straight to the endpoint.
 */
final class UdpRelay implements Relay.Sweep {
  private final ForwarderOptions options;
  private final ForwarderCounters counters;
  Relay relay;

  /** The synack host, for the ICMP errors relayed back. */
  Host host;

  /** The host's catch-all endpoint. */
  UdpEndpoint endpoint;

  /** Mappings. */
  private final Map<FlowKey, Flow> flows = new HashMap<>();

  private final ByteBuffer readBuffer = ByteBuffer.allocate(65536);

  private record FlowKey(
      InetAddress client, int clientPort, InetAddress destination, int destinationPort) {}

  /** The index of the loop this relay runs on, for the per-loop counters. */
  private final int loopIndex;

  UdpRelay(ForwarderOptions options, ForwarderCounters counters, int loopIndex) {
    this.options = options;
    this.loopIndex = loopIndex;
    this.counters = counters;
  }

  /** Sends every datagram the catch-all received on through its flow's socket. */
  void drain(long now) {
    UdpMessage m;
    while ((m = endpoint.receive()) != null) out(m, now);
  }

  private void out(UdpMessage m, long now) {
    FlowKey key = new FlowKey(m.remoteAddress(), m.remotePort(), m.localAddress(), m.localPort());
    Flow f = flows.get(key);
    if (f == null) {
      if (flows.size() >= options.maxUdpFlows()) {
        counters.udpOverLimit.incrementAndGet();
        return;
      }
      try {
        f = new Flow(key, now);
      } catch (IOException e) {
        counters.udpDropped.incrementAndGet();
        // No route from here (the socket's connect says so at once): the client hears it as from a
        // router.
        if (options.socks5() == null) relayUnreachable(key, m.payload(), e, now);
        log("udp " + describe(key) + " failed: " + e.getMessage());
        return;
      }
      flows.put(key, f);
      counters.udpFlows.incrementAndGet();
      counters.udpFlowsByLoop.incrementAndGet(loopIndex);
      counters.udpActive.incrementAndGet();
      log("udp " + describe(key) + " opened");
    }
    f.send(m.payload(), now);
  }

  @Override
  public void sweep(long now) {
    for (Flow f : new ArrayList<>(flows.values())) {
      long idle = (f.replied ? options.udpRepliedTimeout() : options.udpTimeout()).toNanos();
      if (now - f.lastActivity >= idle) f.close("idle timeout");
    }
  }

  /**
   * Returns the ICMP destination unreachable code a host socket's error stands for, or -1 for an
   * error that is not one: RFC 792 0 net, 1 host, 3 port; RFC 4443 §3.1 0 no route, 3 address, 4
   * port unreachable. (Linux reports a router's host or network unreachable only on a socket with
   * {@code IP_RECVERR}, which the JDK does not set; a closed port, and no route from here, it
   * always reports.)
   */
  static int unreachableCode(IOException e, InetAddress destination) {
    boolean v4 = destination instanceof Inet4Address;
    if (e instanceof PortUnreachableException) return v4 ? 3 : 4;
    if (String.valueOf(e.getMessage()).contains("Network is unreachable")) return 0;
    if (e instanceof NoRouteToHostException) return v4 ? 1 : 3;
    return -1;
  }

  /**
   * Sends the client the ICMP error {@code e} stands for, from the destination and quoting {@code
   * payload} as it was sent.
   */
  private void relayUnreachable(FlowKey k, byte[] payload, IOException e, long now) {
    int code = unreachableCode(e, k.destination());
    if (code < 0) return;
    byte[] quoted =
        UdpPacket.packet(
            k.client(),
            k.clientPort(),
            k.destination(),
            k.destinationPort(),
            64,
            ByteBuffer.wrap(payload));
    if (host.sendUnreachable(quoted, k.destination(), code, now))
      counters.udpUnreachables.incrementAndGet();
  }

  private static String describe(FlowKey k) {
    return Addresses.endpoint(k.client(), k.clientPort())
        + " -> "
        + Addresses.endpoint(k.destination(), k.destinationPort());
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

    private final FlowKey flowKey;
    private final DatagramChannel ch;
    private final InetSocketAddress destination;
    private long lastActivity;
    private SelectionKey readKey;

    /** The client's last datagram sent on, quoted in an ICMP error its destination draws. */
    private byte[] lastSent;

    private boolean replied;
    private long out;
    private long in;
    private boolean closed;

    /** The association's control connection and its handshake while it runs; null when direct. */
    private SocketChannel control;

    private SelectionKey controlKey;
    private Socks5Handshake handshake;
    private ByteBuffer controlIn;
    private boolean associated;
    private final ArrayDeque<byte[]> waiting = new ArrayDeque<>();

    Flow(FlowKey key, long now) throws IOException {
      this.flowKey = key;
      this.lastActivity = now;
      this.destination = new InetSocketAddress(key.destination(), key.destinationPort());
      InetSocketAddress proxy = options.socks5();
      InetAddress family = proxy != null ? proxy.getAddress() : key.destination();
      this.ch =
          DatagramChannel.open(
              family instanceof Inet4Address
                  ? StandardProtocolFamily.INET
                  : StandardProtocolFamily.INET6);
      try {
        ch.configureBlocking(false);
        if (proxy == null) {
          ch.connect(destination);
          readKey = relay.register(ch, SelectionKey.OP_READ, this);
          associated = true;
        } else {
          control = SocketChannel.open();
          control.configureBlocking(false);
          Relay.Ready onControl = this::controlReady;
          if (control.connect(proxy)) {
            controlKey = relay.register(control, 0, onControl);
            startAssociate();
          } else {
            controlKey = relay.register(control, SelectionKey.OP_CONNECT, onControl);
          }
        }
      } catch (IOException e) {
        ch.close();
        if (control != null) control.close();
        throw e;
      }
    }

    /** Sends {@code data} to the destination, or keeps it until the association is made. */
    void send(byte[] data, long now) {
      try {
        sendOrThrow(data, now);
      } catch (IOException e) {
        counters.udpDropped.incrementAndGet();
        if (!unreachable(e, now)) close("host " + e.getMessage());
      }
    }

    private void sendOrThrow(byte[] data, long now) throws IOException {
      if (!associated) {
        if (waiting.size() >= WAITING) {
          counters.udpDropped.incrementAndGet();
          return;
        }
        waiting.add(data);
        return;
      }
      lastSent = data;
      ByteBuffer datagram =
          control == null
              ? ByteBuffer.wrap(data)
              : Socks5Udp.encode(destination, ByteBuffer.wrap(data));
      if (ch.write(datagram) == 0) {
        counters.udpDropped.incrementAndGet();
        return;
      }
      out++;
      lastActivity = now;
      counters.udpDatagramsOut.incrementAndGet();
    }

    /** The control connection is ready: connected, the proxy's answers, or its end. */
    private void controlReady(long now) {
      if (closed) return;
      try {
        if (control.isConnectionPending()) {
          if (control.finishConnect()) {
            startAssociate();
          } else {
            relay.arm(controlKey, SelectionKey.OP_CONNECT);
          }
          return;
        }
        if (handshake == null) {
          // §7: "A UDP association terminates when the TCP connection that the UDP ASSOCIATE
          // request arrived on terminates."
          controlIn.clear();
          if (control.read(controlIn) < 0) {
            close("the SOCKS5 proxy ended the association");
          } else {
            relay.arm(controlKey, SelectionKey.OP_READ);
          }
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
          case Socks5Handshake.Connected c -> associated(handshake.bound(), now);
          case Socks5Handshake.Failed(int reply, String why) ->
              close("SOCKS5 UDP ASSOCIATE: " + why);
          default -> controlIn.compact();
        }
        if (!closed) relay.arm(controlKey, SelectionKey.OP_READ);
      } catch (IOException e) {
        close("SOCKS5 proxy: " + e.getMessage());
      }
    }

    private void startAssociate() throws IOException {
      // §4/§7: the address datagrams will come from is not known before the first one goes: zeros.
      boolean v4 = options.socks5().getAddress() instanceof Inet4Address;
      InetAddress any = Socks5Udp.address(new byte[v4 ? 4 : 16]);
      handshake =
          new Socks5Handshake(
              Socks5Handshake.UDP_ASSOCIATE,
              new InetSocketAddress(any, 0),
              options.socksUser(),
              options.socksPassword());
      controlIn = ByteBuffer.allocate(600);
      writeHandshake();
      relay.arm(controlKey, SelectionKey.OP_READ);
    }

    private void writeHandshake() throws IOException {
      ByteBuffer o = handshake.output();
      control.write(o);
      // A few bytes into a fresh socket's empty send buffer: a short write means the socket is
      // broken.
      if (o.hasRemaining()) throw new IOException("SOCKS5 handshake: short write to the proxy");
    }

    /**
     * The proxy relays at {@code bound}; an unspecified address there means the proxy's own (as
     * Dante answers).
     */
    private void associated(InetSocketAddress bound, long now) throws IOException {
      if (bound == null) {
        close("SOCKS5 UDP ASSOCIATE: the proxy named its relay by a domain name");
        return;
      }
      InetSocketAddress relayAt =
          bound.getAddress().isAnyLocalAddress()
              ? new InetSocketAddress(options.socks5().getAddress(), bound.getPort())
              : bound;
      handshake = null;
      controlIn = ByteBuffer.allocate(64);
      ch.connect(relayAt);
      readKey = relay.register(ch, SelectionKey.OP_READ, this);
      associated = true;
      log(
          "udp "
              + describe(flowKey)
              + " associated with the SOCKS5 relay "
              + Addresses.endpoint(relayAt.getAddress(), relayAt.getPort()));
      byte[] data;
      while ((data = waiting.poll()) != null) send(data, now);
    }

    /**
     * Relays an ICMP error the host socket reported back to the client, from the destination and
     * quoting the client's last datagram; returns false for an error that is not one of those.
     */
    private boolean unreachable(IOException e, long now) {
      if (unreachableCode(e, flowKey.destination()) < 0) return false;
      // Behind a SOCKS5 relay the error is the proxy's, not the destination's: the client is told
      // nothing.
      if (control == null && lastSent != null) relayUnreachable(flowKey, lastSent, e, now);
      return true;
    }

    @Override
    public void ready(long now) {
      if (closed) return;
      for (int i = 0; i < 64; i++) {
        readBuffer.clear();
        int n;
        try {
          n = ch.read(readBuffer);
        } catch (IOException e) {
          if (unreachable(e, now)) continue;
          close("host " + e.getMessage());
          return;
        }
        if (n <= 0) break;
        readBuffer.flip();
        if (control != null) {
          switch (Socks5Udp.decode(readBuffer)) {
            case Socks5Udp.Dropped(String reason) -> {
              counters.udpDropped.incrementAndGet();
              if (reason.equals("socks5-udp-fragment"))
                counters.udpSocksFragments.incrementAndGet();
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
        replied = true;
        in++;
        lastActivity = now;
        counters.udpDatagramsIn.incrementAndGet();
        endpoint.send(
            readBuffer,
            flowKey.destination(),
            flowKey.destinationPort(),
            flowKey.client(),
            flowKey.clientPort(),
            now);
      }
      relay.arm(readKey, SelectionKey.OP_READ);
    }

    void close(String how) {
      if (closed) return;
      closed = true;
      flows.remove(flowKey, this);
      counters.udpActive.decrementAndGet();
      counters.udpDropped.addAndGet(waiting.size());
      waiting.clear();
      try {
        ch.close();
        if (control != null) control.close();
      } catch (IOException ignored) {
        // Nothing to do about a failing close.
      }
      relay.flushCloses();
      log("udp " + describe(flowKey) + " " + how + ", " + out + " datagrams out, " + in + " in");
    }
  }
}
