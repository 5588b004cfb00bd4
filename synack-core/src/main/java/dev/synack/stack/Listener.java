package dev.synack.stack;

import dev.synack.wire.Addresses;
import dev.synack.tcp.TcpConfig;
import java.net.InetAddress;
import java.util.ArrayDeque;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * A passive open on a local address and port, with Linux's two queues: connections still in the
 * handshake (the SYN queue) and established connections not yet accepted (the accept queue).
 * The backlog bounds both, as {@code listen(2)} does on Linux, capped by somaxconn.
 */
public final class Listener implements Attachable {
  private final Host host;
  private final InetAddress address;
  private final int port;
  private final int backlog;
  /** The settings the connections it accepts start with. */
  private final TcpConfig tcp;
  /** Children in SYN_RECEIVED; removed when they connect or die. */
  final Set<Connection> synQueue = new LinkedHashSet<>();
  /** Children that reached ESTABLISHED (or beyond) and wait for {@link #accept()}. */
  final ArrayDeque<Connection> acceptQueue = new ArrayDeque<>();
  private boolean closed;
  private Object attachment;

  Listener(Host host, InetAddress address, int port, int backlog, TcpConfig tcp) {
    this.host = host;
    this.tcp = tcp;
    this.address = address;
    this.port = port;
    this.backlog = backlog;
  }

  /** Returns the local address listened on, or {@code null} for every address of the host. */
  public InetAddress address() {
    return address;
  }

  /** Returns the local port. */
  public int port() {
    return port;
  }

  /** Returns the backlog in force (the requested one capped by somaxconn). */
  public int backlog() {
    return backlog;
  }

  /** Returns the TCP settings the connections it accepts start with. */
  public TcpConfig tcp() {
    return tcp;
  }

  /** Returns the next established connection, or {@code null} when none waits. */
  public Connection accept() {
    Connection c = acceptQueue.poll();
    if (c != null) c.listener = null;
    return c;
  }

  /** Returns how many established connections wait to be accepted. */
  public int pendingAccepts() {
    return acceptQueue.size();
  }

  /** Returns how many connections are still in the handshake. */
  public int pendingHandshakes() {
    return synQueue.size();
  }

  @Override
  public Object attachment() {
    return attachment;
  }

  @Override
  public void attach(Object value) {
    this.attachment = value;
  }

  /** Returns whether {@link #close} was called. */
  public boolean isClosed() {
    return closed;
  }

  /**
   * Stops listening. Connections not yet accepted are aborted with a RST, as Linux does when a
   * listening socket is closed with connections in its queues.
   */
  public void close(long now) {
    if (closed) return;
    closed = true;
    host.removeListener(this, now);
  }

  /**
   * Returns whether a new SYN may be admitted. Linux drops the SYN when the accept queue is full
   * (the client retransmits), and bounds the SYN queue by the same backlog.
   */
  boolean hasRoom() {
    return !closed && acceptQueue.size() < backlog && synQueue.size() < backlog;
  }

  boolean matches(InetAddress local) {
    return address == null || address.equals(local);
  }

  @Override
  public String toString() {
    return "Listener[" + (address == null ? "*" : Addresses.text(address)) + ":" + port + ", backlog " + backlog + "]";
  }
}
