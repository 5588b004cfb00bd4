package dev.synack.stack;

import dev.synack.tcp.TcpConfig;
import dev.synack.wire.Addresses;
import java.net.InetAddress;
import java.util.ArrayDeque;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * A passive open on a local address and port, with Linux's two queues: connections still in the
 * handshake (the SYN queue) and established connections not yet accepted (the accept queue). The
 * backlog bounds both, as {@code listen(2)} does on Linux, capped by somaxconn.
 *
 * <p>Under overflow it behaves as Linux with its defaults:
 *
 * <ul>
 *   <li>a SYN-queue entry resends its SYN-ACK with exponential backoff (1, 2, 4, 8, 16 s) up to
 *       {@code TcpConfig.synAckRetries} times (tcp_synack_retries = 5), then is removed silently;
 *   <li>a SYN that finds the SYN queue full is answered with a SYN cookie and keeps no state
 *       (tcp_syncookies = 1, see {@link SynCookiePolicy}), or dropped when cookies are off;
 *   <li>a SYN that finds the accept queue full is dropped (counted as a listen overflow): the
 *       client resends it;
 *   <li>the ACK that would complete a handshake while the accept queue is full — an entry's, or a
 *       cookie's — is dropped, and the entry stays in SYN-RECEIVED (tcp_abort_on_overflow = 0): the
 *       client resends, and gets in once the application has accepted. No RST is sent.
 * </ul>
 */
public final class Listener implements Attachable {
  private final Host host;
  private final InetAddress address;
  private final int port;
  private final int backlog;

  /** The settings the connections it accepts start with. */
  private final TcpConfig tcp;

  /** SO_REUSEADDR and SO_REUSEPORT as set when it was bound. */
  private final BindOptions bind;

  /** Children in SYN_RECEIVED; removed when they connect or die. */
  final Set<Connection> synQueue = new LinkedHashSet<>();

  /** Children that reached ESTABLISHED (or beyond) and wait for {@link #accept()}. */
  final ArrayDeque<Connection> acceptQueue = new ArrayDeque<>();

  private boolean closed;

  /**
   * Linux's {@code TCP_FASTOPEN} on a listening socket: how many Fast Open children may be in the
   * handshake at once; 0 takes none.
   */
  private int fastOpenQueueLength;

  /** Fast Open children still in the handshake (Linux's {@code fastopenq.qlen}). */
  int fastOpenPending;

  /** When the last SYN cookie was sent, {@code Long.MIN_VALUE} if never. */
  long cookieSentAt = Long.MIN_VALUE;

  /** The SYN-ACK templates of its cookies by shape, made on first use ({@link CookieSynAcks}). */
  final CookieSynAcks.Template[] cookieSynAcks = new CookieSynAcks.Template[CookieSynAcks.SHAPES];

  private Object attachment;

  Listener(Host host, InetAddress address, int port, int backlog, TcpConfig tcp, BindOptions bind) {
    this.host = host;
    this.bind = bind;
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

  /** Returns how it shares its port. */
  BindOptions bindOptions() {
    return bind;
  }

  /** Returns whether it was bound with {@code SO_REUSEADDR}. */
  public boolean reuseAddress() {
    return bind.reuseAddress();
  }

  /** Returns whether it was bound with {@code SO_REUSEPORT}: a member of its port's group. */
  public boolean reusePort() {
    return bind.reusePort();
  }

  /** Returns the TCP settings the connections it accepts start with. */
  public TcpConfig tcp() {
    return tcp;
  }

  /**
   * Sets how many connections opened with TCP Fast Open may be in the handshake at once (Linux's
   * {@code setsockopt(TCP_FASTOPEN, qlen)}, RFC 7413 §5.1's bound against SYN floods with valid
   * cookies); 0, the default, takes no data on SYNs unless the host's {@link
   * TcpFastOpen#SERVER_WITHOUT_SOCKOPT} is set. Server Fast Open also needs {@link
   * TcpFastOpen#SERVER} in {@link Host#setFastOpen}.
   */
  public void setFastOpenQueueLength(int length) {
    if (length < 0)
      throw new IllegalArgumentException("fast open queue length is negative: " + length);
    fastOpenQueueLength = length;
  }

  /** Returns the Fast Open queue length ({@code TCP_FASTOPEN}). */
  public int fastOpenQueueLength() {
    return fastOpenQueueLength;
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

  /**
   * Returns the {@link Readiness} mask: ACCEPTABLE while a connection waits, HANGUP once closed.
   */
  public int readiness() {
    return Readiness.of(this);
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
   * listening socket is closed with connections in its queues; a member of a {@code SO_REUSEPORT}
   * group hands them to the others instead, unless the host's migration is off ({@link
   * Host#setReusePortMigration}).
   */
  public void close(long now) {
    if (closed) return;
    closed = true;
    host.removeListener(this, now);
  }

  /**
   * Returns whether the accept queue is full: Linux then drops a SYN, and the ACK of a SYN cookie
   * (the peer resends).
   */
  boolean acceptQueueFull() {
    return acceptQueue.size() >= backlog;
  }

  /**
   * Returns whether the SYN queue is full: a new SYN then gets a SYN cookie, or is dropped without
   * them.
   */
  boolean synQueueFull() {
    return synQueue.size() >= backlog;
  }

  /**
   * Returns whether this listener sent a SYN cookie recently enough that one may come back: only
   * then is an ACK checked as a cookie (Linux's {@code tcp_synq_no_recent_overflow}), so that no
   * one can open a connection by guessing cookies while there is no flood.
   */
  boolean cookiesRecentlySent(long now) {
    return cookieSentAt != Long.MIN_VALUE && now - cookieSentAt < 2 * SynCookies.PERIOD_NANOS;
  }

  boolean matches(InetAddress local) {
    return address == null || address.equals(local);
  }

  @Override
  public String toString() {
    return "Listener["
        + (address == null ? "*" : Addresses.text(address))
        + ":"
        + port
        + ", backlog "
        + backlog
        + "]";
  }
}
