package dev.synack.stack;

import dev.synack.tcp.TcpError;
import dev.synack.wire.Addresses;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * A UDP endpoint of a {@link Host} (a datagram socket, RFC 768): bound to a local address and port,
 * to a port on every address ({@code address} null), or, in any-destination mode, to every address
 * and port the host takes in (the forwarder's catch-all, {@link Host#bindUdpAll}).
 *
 * <p>Received datagrams queue here until {@link #receive}d, up to a receive buffer of {@link
 * #RECEIVE_BUFFER_BYTES} of payload (Linux's rmem_default); beyond it they are dropped and counted
 * ({@code udp-receive-buffer-full}, Linux's RcvbufErrors). The host reports the queue turning
 * non-empty with {@link HostEvent.UdpReadable}, and ICMP errors quoting a datagram this endpoint
 * sent with {@link HostEvent.UdpError}.
 */
public final class UdpEndpoint implements Attachable {
  /** The receive buffer's size in payload bytes: Linux's net.core.rmem_default, 212992. */
  public static final int RECEIVE_BUFFER_BYTES = 212_992;

  private final UdpEndpoints endpoints;
  private final InetAddress address;
  private final int port;
  private final boolean all;
  private final ArrayDeque<UdpMessage> received = new ArrayDeque<>();
  private int receivedBytes;
  private boolean closed;
  private boolean dontFragment;
  private Object attachment;

  /** The peer of a connected endpoint (null when unconnected), and its port. */
  private InetAddress peer;

  private int peerPort;

  /** An ICMP error waiting for a connected endpoint's user (Linux's sk_err), or null. */
  private TcpError pendingError;

  UdpEndpoint(UdpEndpoints endpoints, InetAddress address, int port, boolean all) {
    this.endpoints = endpoints;
    this.address = address;
    this.port = port;
    this.all = all;
  }

  /** Returns the local address, or null when bound to every address. */
  public InetAddress address() {
    return address;
  }

  /** Returns the local port, 0 for the catch-all endpoint. */
  public int port() {
    return port;
  }

  /**
   * Returns whether this is the any-destination catch-all, which takes datagrams to every address
   * and port.
   */
  public boolean isCatchAll() {
    return all;
  }

  /** Returns the next received datagram, or null when none waits. */
  public UdpMessage receive() {
    UdpMessage m = received.poll();
    if (m != null) receivedBytes -= m.payload().length;
    return m;
  }

  /** Returns how many received datagrams wait. */
  public int pending() {
    return received.size();
  }

  /** Returns the payload bytes of the received datagrams that wait. */
  public int pendingBytes() {
    return receivedBytes;
  }

  /**
   * Connects the endpoint to {@code remote}:{@code remotePort}, as {@code connect(2)} on a UDP
   * socket: from now on it takes datagrams from that peer only (others are treated as sent to a
   * closed port), and an ICMP error quoting a datagram to that peer is kept for the user ({@link
   * #takeError}), as Linux keeps {@code sk_err} for a connected socket. Queued datagrams from other
   * sources are discarded. A null {@code remote} disconnects.
   */
  public void connect(InetAddress remote, int remotePort) {
    if (all) throw new IllegalStateException("the catch-all endpoint cannot be connected");
    if (remote != null && (remotePort < 1 || remotePort > 65535)) {
      throw new IllegalArgumentException("port out of range 1..65535: " + remotePort);
    }
    peer = remote;
    peerPort = remote == null ? 0 : remotePort;
    pendingError = null;
    if (remote != null) {
      received.removeIf(
          m -> {
            boolean other = !accepts(m.remoteAddress(), m.remotePort());
            if (other) receivedBytes -= m.payload().length;
            return other;
          });
    }
  }

  /** Returns the connected peer's address, or null when unconnected. */
  public InetAddress peerAddress() {
    return peer;
  }

  /** Returns the connected peer's port, or 0 when unconnected. */
  public int peerPort() {
    return peerPort;
  }

  /** Returns and clears the error an ICMP message left for a connected endpoint, or null. */
  public TcpError takeError() {
    TcpError e = pendingError;
    pendingError = null;
    return e;
  }

  /**
   * Returns the endpoint's {@link Readiness}: readable while a datagram waits, writable while open
   * (a datagram is never held back for room), an error while one waits, hung up once closed.
   */
  public int readiness() {
    if (closed) return Readiness.HANGUP;
    int mask = Readiness.WRITABLE;
    if (!received.isEmpty()) mask |= Readiness.READABLE;
    if (pendingError != null) mask |= Readiness.ERROR;
    return mask;
  }

  /**
   * Returns whether a datagram from {@code remote}:{@code remotePort} is this endpoint's to take.
   */
  boolean accepts(InetAddress remote, int remotePort) {
    return peer == null || (peer.equals(remote) && peerPort == remotePort);
  }

  /**
   * Keeps an ICMP error quoting a datagram to {@code remote}:{@code remotePort}, when connected to
   * it.
   */
  boolean noteError(InetAddress remote, int remotePort, TcpError error) {
    if (peer == null || !peer.equals(remote) || peerPort != remotePort) return false;
    pendingError = error;
    return true;
  }

  /**
   * Sends the bytes of {@code payload} from its position to its limit to {@code remote}:{@code
   * remotePort}, from this endpoint's address (or the host's first address of the remote's family
   * when bound to every address) and port. The position is not moved; the bytes are copied.
   *
   * <p>A datagram larger than the MTU leaves in fragments (RFC 791 §3.2, RFC 8200 §4.5), unless
   * {@link #setDontFragment} is on: then it is refused (Linux's {@code EMSGSIZE}) and counted
   * ({@link HostCounters#fragmentationRefused()}).
   *
   * @throws IllegalArgumentException for a payload over 65507 bytes or a port out of range, or
   *     {@link MessageTooLongException} for a datagram over the MTU with {@link #setDontFragment}
   *     on
   * @throws IllegalStateException when closed, or for the catch-all, which must name its source
   */
  public void send(ByteBuffer payload, InetAddress remote, int remotePort, long now) {
    if (all)
      throw new IllegalStateException(
          "the catch-all endpoint sends with an explicit source address and port");
    send(payload, address, port, remote, remotePort, now);
  }

  /**
   * Sends a datagram from a given local address and port: how a forwarder's catch-all replies from
   * the address and port the peer sent to. A bound endpoint may only name its own port, and its own
   * address when bound to one.
   */
  public void send(
      ByteBuffer payload,
      InetAddress local,
      int localPort,
      InetAddress remote,
      int remotePort,
      long now) {
    if (closed) throw new IllegalStateException("UDP endpoint is closed: " + this);
    if (remotePort < 1 || remotePort > 65535)
      throw new IllegalArgumentException("port out of range 1..65535: " + remotePort);
    if (!all
        && (localPort != port || (address != null && local != null && !address.equals(local)))) {
      throw new IllegalArgumentException(
          "endpoint " + this + " cannot send from " + Addresses.endpoint(local, localPort));
    }
    if (all && (local == null || localPort < 1 || localPort > 65535)) {
      throw new IllegalArgumentException(
          "the catch-all needs a source address and port: " + local + ":" + localPort);
    }
    endpoints.send(this, payload, local, localPort, remote, remotePort, now);
  }

  /** Closes the endpoint: its port is free again and queued datagrams are discarded. */
  public void close() {
    if (closed) return;
    closed = true;
    pendingError = null;
    received.clear();
    receivedBytes = 0;
    endpoints.unbind(this);
  }

  /**
   * Sets whether datagrams larger than the MTU are refused rather than fragmented: Linux's {@code
   * IP_MTU_DISCOVER = IP_PMTUDISC_DO} and {@code IPV6_DONTFRAG}. Off by default, when a datagram
   * too big for the MTU leaves as fragments (IPv4 with DF clear, IPv6 with a Fragment header).
   */
  public void setDontFragment(boolean on) {
    this.dontFragment = on;
  }

  /** Returns whether datagrams larger than the MTU are refused ({@link #setDontFragment}). */
  public boolean dontFragment() {
    return dontFragment;
  }

  /** Returns whether {@link #close} was called. */
  public boolean isClosed() {
    return closed;
  }

  /** Queues a received datagram; returns false when the receive buffer has no room for it. */
  boolean offer(UdpMessage m) {
    if (receivedBytes + m.payload().length > RECEIVE_BUFFER_BYTES && !received.isEmpty())
      return false;
    received.add(m);
    receivedBytes += m.payload().length;
    return true;
  }

  @Override
  public Object attachment() {
    return attachment;
  }

  @Override
  public void attach(Object value) {
    this.attachment = value;
  }

  @Override
  public String toString() {
    if (all) return "UdpEndpoint[any]";
    return "UdpEndpoint["
        + (address == null ? "*" : Addresses.text(address))
        + ":"
        + port
        + (peer == null ? "" : " -> " + Addresses.endpoint(peer, peerPort))
        + "]";
  }
}
