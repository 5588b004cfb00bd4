package dev.synack.link;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * A tunnel that carries one IP packet per UDP datagram, to another synack; it needs no privileges.
 *
 * <p>The peer is either fixed when the link opens, or learnt from the first datagram that arrives
 * (so a server need not know its client's port). Datagrams from any other address are dropped,
 * counted by {@link #foreignDrops()}, and each such sender is told to {@link #onIgnoredSender} once
 * (rate-limited, {@link IgnoredSenders}). A link opened with its peer fixed is a connected socket,
 * so that the peer's ICMP port unreachable (no one listens there) reaches it: the link tells {@link
 * #onPeerUnreachable} and carries on, as a wire that lost the packet (the peer may come up later).
 * {@link #sendBatch} hands the kernel up to 64 datagrams a system call with {@code sendmmsg(2)}
 * where it has it ({@link UdpBatchSender}), one a call elsewhere. As on the wire, a packet the
 * socket cannot take now (a full send buffer, no peer yet) is dropped rather than waited for.
 *
 * <p>{@link #openGroup} opens several such sockets on one port ({@code SO_REUSEPORT}), one per loop
 * of a {@link dev.synack.runtime.Stack}, sharing the peer: the kernel gives each datagram to one of
 * them (by the outer addresses, so one peer's datagrams reach one socket, and the stack hands each
 * packet to the loop owning its flow), and every socket sends to the peer.
 */
public final class UdpLink implements Link {
  /** MTU of a link opened without one: Ethernet's. */
  public static final int DEFAULT_MTU = 1500;

  /** Largest UDP payload over IPv4. */
  private static final int MAX_MTU = 65_507;

  /** Socket buffers large enough for bursts of a fast sender (the kernel may cap them). */
  private static final int SOCKET_BUFFER = 4 << 20;

  private final DatagramChannel channel;
  private final Selector selector;
  private final int mtu;

  /**
   * Where packets go, shared by the links of a group; null until the first datagram arrives when
   * opened without one.
   */
  private final AtomicReference<InetSocketAddress> peer;

  /**
   * Datagrams dropped because they came from an address other than the peer; receive thread only.
   */
  private long foreignDrops;

  /** Which of those senders are reported; receive thread only. */
  private final IgnoredSenders ignored = new IgnoredSenders();

  private volatile Consumer<InetSocketAddress> ignoredSender = from -> {};
  private volatile Consumer<InetSocketAddress> peerUnreachable = to -> {};

  /** Whether the channel is connected to the fixed peer (sends then name no address). */
  private final boolean connected;

  /**
   * Sends batches with sendmmsg; null where it cannot (no sendmmsg, the socket not found, or it
   * failed once).
   */
  private volatile UdpBatchSender batcher;

  private UdpLink(
      DatagramChannel channel,
      Selector selector,
      AtomicReference<InetSocketAddress> peer,
      int mtu,
      boolean connected,
      UdpBatchSender batcher) {
    this.channel = channel;
    this.selector = selector;
    this.peer = peer;
    this.mtu = mtu;
    this.connected = connected;
    this.batcher = batcher;
  }

  /** Opens a link bound to {@code local} that exchanges packets with {@code remote}, MTU 1500. */
  public static UdpLink open(InetSocketAddress local, InetSocketAddress remote) throws IOException {
    return open(local, remote, DEFAULT_MTU);
  }

  /**
   * Opens a link bound to {@code local} (port 0 picks one) that exchanges packets with {@code
   * remote}, or with whoever sends first when {@code remote} is null.
   *
   * @param mtu the largest IP packet carried, from 68 to 65507 (the largest UDP payload)
   */
  public static UdpLink open(InetSocketAddress local, InetSocketAddress remote, int mtu)
      throws IOException {
    return open(local, remote, mtu, false, new AtomicReference<>(remote));
  }

  /**
   * Tells {@code report} (on the receiving thread) of each sender whose datagrams this link drops
   * because it is not the peer: once per sender, at most one a second after a burst of ten.
   */
  public void onIgnoredSender(Consumer<InetSocketAddress> report) {
    this.ignoredSender = Objects.requireNonNull(report, "report");
  }

  /**
   * Tells {@code report} (on the thread that met it) when the fixed peer answered with ICMP port
   * unreachable: nothing listens at its address. A link that learns its peer is not told.
   */
  public void onPeerUnreachable(Consumer<InetSocketAddress> report) {
    this.peerUnreachable = Objects.requireNonNull(report, "report");
  }

  /**
   * Opens {@code count} links bound to one address and port with {@code SO_REUSEPORT} (port 0: the
   * first picks one, the others take it), each as {@link #open(InetSocketAddress,
   * InetSocketAddress, int)} opens one, sharing the peer ({@code remote}, or the first sender to
   * any of them).
   */
  public static List<UdpLink> openGroup(
      InetSocketAddress local, InetSocketAddress remote, int mtu, int count) throws IOException {
    if (count < 1) throw new IllegalArgumentException("count must be at least 1: " + count);
    AtomicReference<InetSocketAddress> shared = new AtomicReference<>(remote);
    List<UdpLink> links = new ArrayList<>(count);
    try {
      InetSocketAddress at = local;
      while (links.size() < count) {
        UdpLink l = open(at, remote, mtu, true, shared);
        links.add(l);
        at = l.localAddress();
      }
      return links;
    } catch (IOException | RuntimeException e) {
      for (UdpLink l : links) l.close();
      throw e;
    }
  }

  private static UdpLink open(
      InetSocketAddress local,
      InetSocketAddress remote,
      int mtu,
      boolean reusePort,
      AtomicReference<InetSocketAddress> peer)
      throws IOException {
    Objects.requireNonNull(local, "local");
    if (mtu < 68 || mtu > MAX_MTU)
      throw new IllegalArgumentException("mtu must be 68..65507: " + mtu);
    if (remote != null && remote.isUnresolved()) {
      throw new IOException("synack: cannot resolve UDP peer " + remote.getHostString());
    }
    // The JDK's own channels, even in a JVM whose NIO provider is synack's (synack run --udp).
    SelectorProvider platform = PlatformChannels.provider();
    DatagramChannel channel =
        platform.openDatagramChannel(
            local.getAddress() instanceof Inet6Address
                ? StandardProtocolFamily.INET6
                : StandardProtocolFamily.INET);
    Selector selector = null;
    try {
      channel.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER);
      channel.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER);
      if (reusePort) channel.setOption(StandardSocketOptions.SO_REUSEPORT, true);
      channel.bind(local);
      // Connected to a fixed peer (one socket, not a group sharing a port), the socket hears the
      // peer's ICMP errors (Linux reports them only on connected UDP sockets) and takes only its
      // datagrams.
      boolean connect = remote != null && !reusePort;
      if (connect) channel.connect(remote);
      channel.configureBlocking(false);
      selector = platform.openSelector();
      channel.register(selector, SelectionKey.OP_READ);
      UdpBatchSender batcher =
          UdpBatchSender.find((InetSocketAddress) channel.getLocalAddress(), mtu);
      return new UdpLink(channel, selector, peer, mtu, connect, batcher);
    } catch (IOException | RuntimeException e) {
      channel.close();
      if (selector != null) selector.close();
      throw e;
    }
  }

  /** Returns the address this link is bound to (with the port chosen when port 0 was asked). */
  public InetSocketAddress localAddress() throws IOException {
    return (InetSocketAddress) channel.getLocalAddress();
  }

  /** Returns the peer's address, or null while it is still to be learnt. */
  public InetSocketAddress peer() {
    return peer.get();
  }

  /** Returns how many datagrams came from an address other than the peer and were dropped. */
  public long foreignDrops() {
    return foreignDrops;
  }

  @Override
  public int mtu() {
    return mtu;
  }

  @Override
  public int receive(ByteBuffer dst, long timeoutNanos) throws IOException {
    Timeouts.check(timeoutNanos);
    ensureOpen();
    long deadline = timeoutNanos == 0 ? 0 : Timeouts.deadline(timeoutNanos);
    while (true) {
      int start = dst.position();
      SocketAddress from;
      try {
        from = channel.receive(dst);
      } catch (PortUnreachableException e) {
        peerUnreachable.accept(peer.get()); // The socket's error is cleared: receive again.
        continue;
      }
      if (from != null) {
        if (acceptFrom((InetSocketAddress) from)) return dst.position() - start;
        dst.position(start);
        continue;
      }
      if (timeoutNanos == 0) return 0;
      long remaining = Timeouts.remaining(deadline);
      if (remaining <= 0) return 0;
      // A wakeup and a timeout both select nothing; a datagram selects the channel's key.
      int selected;
      try {
        selected =
            remaining == Timeouts.NONE ? selector.select() : selector.select(millisCeil(remaining));
        selector.selectedKeys().clear();
      } catch (ClosedSelectorException e) {
        return 0; // Closed while waiting: the next call reports it.
      }
      if (selected == 0) return 0;
    }
  }

  @Override
  public void send(ByteBuffer packet) throws IOException {
    ensureOpen();
    if (packet.remaining() > mtu) {
      throw new IllegalArgumentException(
          "packet of " + packet.remaining() + " bytes exceeds MTU " + mtu);
    }
    InetSocketAddress to = peer.get();
    if (to == null) {
      packet.position(packet.limit()); // No peer has spoken yet: nowhere to send, so dropped.
      return;
    }
    // A full send buffer sends nothing; the packet is dropped as a congested wire would drop it.
    try {
      channel.send(packet, to);
    } catch (PortUnreachableException e) {
      // An earlier datagram's ICMP error, reported on this send, which the kernel did not make.
      peerUnreachable.accept(to);
    }
    packet.position(packet.limit());
  }

  /**
   * {@inheritDoc}
   *
   * <p>With {@code sendmmsg}, up to {@value UdpBatchSender#BATCH} datagrams a system call, in
   * order; a full socket buffer drops the rest of the batch, as a congested wire would. A failure
   * other than those turns batching off for good, and the link sends one datagram a call from then
   * on.
   */
  @Override
  public void sendBatch(ByteBuffer[] packets, int count) throws IOException {
    UdpBatchSender b = batcher;
    if (b == null || count < 2) {
      Link.super.sendBatch(packets, count);
      return;
    }
    ensureOpen();
    for (int i = 0; i < count; i++) {
      if (packets[i].remaining() > mtu) {
        throw new IllegalArgumentException(
            "packet of " + packets[i].remaining() + " bytes exceeds MTU " + mtu);
      }
    }
    InetSocketAddress to = peer.get();
    if (to == null) {
      for (int i = 0; i < count; i++)
        packets[i].position(packets[i].limit()); // No peer yet: dropped.
      return;
    }
    int i = 0;
    while (i < count) {
      UdpBatchSender.Outcome o =
          b.send(packets, i, Math.min(UdpBatchSender.BATCH, count - i), connected ? null : to);
      if (o.sent() > 0) {
        i += o.sent();
      } else if (UdpBatchSender.unreachable(o.errno())) {
        peerUnreachable.accept(to); // An earlier datagram's ICMP error: this one is lost with it.
        packets[i].position(packets[i].limit());
        i++;
      } else if (UdpBatchSender.full(o.errno())) {
        for (; i < count; i++) packets[i].position(packets[i].limit());
      } else {
        batcher = null;
        b.close();
        for (; i < count; i++) send(packets[i]);
      }
    }
  }

  /** Returns {system calls, datagrams} the batch sender made and carried, or null without one. */
  long[] batchCounts() {
    UdpBatchSender b = batcher;
    return b == null ? null : b.counts();
  }

  @Override
  public void wakeup() {
    selector.wakeup();
  }

  @Override
  public void close() throws IOException {
    try (selector;
        channel) {
      selector.wakeup();
    } finally {
      UdpBatchSender b = batcher;
      if (b != null) b.close();
    }
  }

  @Override
  public String toString() {
    String local;
    try {
      local = String.valueOf(channel.getLocalAddress());
    } catch (IOException e) {
      local = "closed";
    }
    InetSocketAddress to = peer.get();
    return "UdpLink[" + local + " <-> " + (to == null ? "first sender" : to) + ", mtu " + mtu + "]";
  }

  private boolean acceptFrom(InetSocketAddress from) {
    InetSocketAddress current = peer.get();
    if (current == null) {
      if (peer.compareAndSet(null, from)) return true;
      current = peer.get(); // Another link of the group learnt it first.
    }
    if (current.equals(from)) return true;
    foreignDrops++;
    if (ignored.report(from, System.nanoTime())) ignoredSender.accept(from);
    return false;
  }

  private void ensureOpen() throws ClosedChannelException {
    if (!channel.isOpen()) throw new ClosedChannelException();
  }

  /** Rounds up, so a wait never ends before its deadline and never becomes select(0) = forever. */
  private static long millisCeil(long nanos) {
    return Math.max(1, (nanos + 999_999) / 1_000_000);
  }
}
