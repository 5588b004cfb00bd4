package dev.synack.stack;

import dev.synack.tcp.FourTuple;
import dev.synack.tcp.NegotiatedOptions;
import dev.synack.tcp.Status;
import dev.synack.tcp.TcpConnection;
import dev.synack.tcp.TcpError;
import dev.synack.tcp.TcpInfo;
import dev.synack.tcp.TcpState;
import java.nio.ByteBuffer;

/**
 * A user's handle on one connection of a {@link Host}. Each call goes to the connection's protocol
 * engine and then tells the host that the connection may have segments to send or a new deadline,
 * which is why users hold this and not the engine itself.
 */
public final class Connection implements Attachable {
  private final Host host;
  final TcpConnection engine;

  /** The listener whose queues hold this connection until it is accepted; null otherwise. */
  Listener listener;

  /** The deadline the host's queue holds for the connection, Long.MAX_VALUE if none. */
  long scheduledDeadline = Long.MAX_VALUE;

  /** The connection's place in the host's {@link DeadlineQueue}, -1 when it is not on it. */
  int deadlineIndex = -1;

  /** Whether the connection is in the host's queue of connections that may transmit. */
  boolean queuedForOutput;

  /**
   * Fast Open's flags: {@link #FAST_OPEN_ACTIVE}, {@link #FAST_OPEN_PENDING}, {@link
   * #FAST_OPEN_USED}, {@link #FAST_OPEN_CHECK}.
   */
  byte fastOpen;

  /** An active open that used Fast Open, its handshake not settled yet. */
  static final byte FAST_OPEN_ACTIVE = 1;

  /** A child counted in its listener's Fast Open queue. */
  static final byte FAST_OPEN_PENDING = 2;

  /**
   * An active open whose SYN used Fast Open, for life (Linux's {@code syn_fastopen}): its timeouts
   * count for blackhole detection.
   */
  static final byte FAST_OPEN_USED = 4;

  /**
   * Opened with Fast Open just after a blackhole pause ended (Linux's {@code syn_fastopen_ch}):
   * data received resets the pause's doubling.
   */
  static final byte FAST_OPEN_CHECK = 8;

  /**
   * Whether the host has forgotten the connection (it reached CLOSED and has nothing left to send).
   */
  boolean released;

  /**
   * Whether the host made this connection from a TIME-WAIT record ({@link TimeWaitEnds}) to take a
   * segment: no user holds it, so its events go nowhere.
   */
  boolean revived;

  /** Why the connection closed, once it has: null for an orderly close or while open. */
  volatile TcpError closeError;

  /**
   * How the connection's socket shares its local port ({@code SO_REUSEADDR}, {@code SO_REUSEPORT}),
   * for the binds that come after it: an accepted connection's are its listener's; null for an
   * active open through the plain API, which shares nothing.
   */
  BindOptions bind;

  /** SO_LINGER in seconds, -1 when off. */
  private int lingerSeconds = -1;

  /** Anything the user wants to attach (the socket layer keeps its wait state here). */
  private Object attachment;

  Connection(Host host, TcpConnection engine, Listener listener) {
    this.host = host;
    this.engine = engine;
    this.listener = listener;
    this.bind = listener == null ? null : listener.bindOptions();
  }

  /**
   * Changes the connection's own options (Linux's per-socket {@code TCP_USER_TIMEOUT}, {@code
   * TCP_KEEPIDLE}/{@code TCP_KEEPINTVL}/{@code TCP_KEEPCNT}, {@code TCP_MAXSEG}; see {@link
   * dev.synack.tcp.ConnectionOptions}); the host then looks again at its deadlines.
   */
  public void configure(java.util.function.Consumer<dev.synack.tcp.ConnectionOptions> change) {
    try {
      change.accept(engine.options());
    } finally {
      host.touch(this);
    }
  }

  /** Returns the connection's own options, to read them (change them with {@link #configure}). */
  public dev.synack.tcp.ConnectionOptions options() {
    return engine.options();
  }

  /** Returns the connection's addresses and ports as seen from this host. */
  public FourTuple id() {
    return engine.id();
  }

  /** Returns the RFC 9293 state. */
  public TcpState state() {
    return engine.state();
  }

  /** Returns the options the handshake settled (all off before the peer's SYN). */
  public NegotiatedOptions negotiatedOptions() {
    return engine.negotiatedOptions();
  }

  /** Returns what the connection knows of itself, as Linux's {@code tcp_info} ({@code ss -ti}). */
  public TcpInfo info(long now) {
    return engine.info(now);
  }

  /** Returns STATUS (RFC 9293 §3.10.6). */
  public Status status() {
    return engine.status();
  }

  /**
   * SEND (RFC 9293 §3.10.2): queues as many bytes as the send buffer takes and returns the count.
   */
  public int send(ByteBuffer data, long now) {
    try {
      return engine.send(data, now);
    } finally {
      host.touch(this);
    }
  }

  /**
   * RECEIVE (RFC 9293 §3.10.3): copies received bytes, returns the count, or -1 at end of stream.
   */
  public int receive(ByteBuffer dst, long now) {
    try {
      return engine.receive(dst, now);
    } finally {
      host.touch(this);
    }
  }

  /** CLOSE (RFC 9293 §3.10.4): no more data to send; a FIN follows what is queued (half-close). */
  public void close(long now) {
    try {
      engine.close(now);
    } finally {
      host.touch(this);
    }
  }

  /**
   * Closes both directions as Linux's {@code close()} does: FIN after queued data, and the user
   * reads no more, so data arriving afterwards draws a RST (a RST at once if unread data remains).
   * With {@code SO_LINGER} on and 0 s, it aborts instead.
   */
  public void closeFully(long now) {
    try {
      if (lingerSeconds == 0) {
        engine.abort(now); // SO_LINGER 0: Linux's close() sends RST and drops what is queued
      } else {
        engine.closeFully(now);
      }
    } finally {
      host.touch(this);
    }
  }

  /** ABORT (RFC 9293 §3.10.5): sends RST if synchronized and forgets the connection. */
  public void abort(long now) {
    try {
      engine.abort(now);
    } finally {
      host.touch(this);
    }
  }

  /**
   * Turns keep-alive probes on or off ({@code SO_KEEPALIVE}, RFC 1122 §4.2.3.6); the timing comes
   * from the host's {@link dev.synack.tcp.TcpConfig}.
   */
  public void setKeepAlive(boolean on, long now) {
    try {
      engine.setKeepAlive(on, now);
    } finally {
      host.touch(this);
    }
  }

  /** Returns whether keep-alive probes are on. */
  public boolean keepAlive() {
    return engine.keepAlive();
  }

  /** Sets the receive buffer's size ({@code SO_RCVBUF}); auto-tuning stops. */
  public void setReceiveBufferSize(int bytes, long now) {
    try {
      engine.setReceiveBufferSize(bytes, now);
    } finally {
      host.touch(this);
    }
  }

  /** Returns the receive buffer's size. */
  public int receiveBufferSize() {
    return engine.receiveBufferSize();
  }

  /** Sets the send buffer's size ({@code SO_SNDBUF}). */
  public void setSendBufferSize(int bytes, long now) {
    try {
      engine.setSendBufferSize(bytes, now);
    } finally {
      host.touch(this);
    }
  }

  /** Returns the send buffer's size. */
  public int sendBufferSize() {
    return engine.sendBufferSize();
  }

  /**
   * Sets {@code SO_LINGER}: off ({@code on} false), or on with a time in seconds. On with 0, {@link
   * #closeFully} aborts with a RST and drops queued data, as Linux's {@code close()} does; a longer
   * time is for the socket layer, whose close waits up to that long for the FIN's ACK.
   */
  public void setSoLinger(boolean on, int seconds) {
    if (on && seconds < 0)
      throw new IllegalArgumentException("linger time is negative: " + seconds);
    lingerSeconds = on ? seconds : -1;
  }

  /**
   * Returns the linger time in seconds, -1 when {@code SO_LINGER} is off (as {@code
   * Socket.getSoLinger}).
   */
  public int soLinger() {
    return lingerSeconds;
  }

  /** Returns how many bytes of urgent data are yet to be read in line (RFC 9293 MUST-33). */
  public int urgentRemaining() {
    return engine.urgentRemaining();
  }

  /**
   * Turns Nagle's algorithm off ({@code true}, Linux's {@code TCP_NODELAY}: small writes go at
   * once) or on (the default, RFC 9293 §3.7.4); data it was holding goes out now.
   */
  public void setNoDelay(boolean on) {
    try {
      engine.setNoDelay(on);
    } finally {
      host.touch(this);
    }
  }

  /**
   * Chooses this connection's congestion control by name (Linux's {@code TCP_CONGESTION}): one of
   * {@link dev.synack.tcp.TcpConfig#congestionControls()}; an unknown name throws {@link
   * IllegalArgumentException}.
   */
  public void setCongestionControl(String name) {
    try {
      engine.setCongestionControl(name);
    } finally {
      host.touch(this);
    }
  }

  /** Returns the name of this connection's congestion control. */
  public String congestionControl() {
    return engine.congestionControl();
  }

  /** Returns whether Nagle's algorithm is off. */
  public boolean noDelay() {
    return engine.noDelay();
  }

  /**
   * Returns why the connection closed (refused, reset, timed out...), or null if it closed in order
   * or is open.
   */
  public TcpError closeError() {
    return closeError;
  }

  /** Returns whether the host has released the connection's memory. */
  public boolean isReleased() {
    return released;
  }

  /** Returns the {@link Readiness} mask: which calls would go on now without waiting. */
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

  @Override
  public String toString() {
    return id() + " " + state();
  }
}
