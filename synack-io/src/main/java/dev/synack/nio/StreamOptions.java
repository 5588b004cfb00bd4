package dev.synack.nio;

import static java.net.StandardSocketOptions.SO_KEEPALIVE;
import static java.net.StandardSocketOptions.SO_LINGER;
import static java.net.StandardSocketOptions.SO_RCVBUF;
import static java.net.StandardSocketOptions.SO_REUSEADDR;
import static java.net.StandardSocketOptions.SO_REUSEPORT;
import static java.net.StandardSocketOptions.SO_SNDBUF;
import static java.net.StandardSocketOptions.TCP_NODELAY;

import dev.synack.stack.Connection;
import dev.synack.tcp.TcpConfig;
import java.net.SocketException;
import java.net.SocketOption;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * The options of a {@link SynackSocketChannel}, as the JDK's {@code StandardSocketOptions} and
 * {@code jdk.net.ExtendedSocketOptions} name them on Linux, kept from before the connect and mapped
 * onto the connection: {@code TCP_KEEPIDLE}, {@code TCP_KEEPINTERVAL} and {@code TCP_KEEPCOUNT}
 * onto its {@link dev.synack.tcp.ConnectionOptions} keep-alive timing (in seconds, Linux's ranges
 * 1..32767 and 1..127, EINVAL outside), {@code TCP_QUICKACK} onto its ping-pong mode (Linux's:
 * false holds even quick ACKs for the delayed-ACK timer, true leaves that mode and sends an ACK the
 * timer holds; reading it returns the connection's mode, as Linux's getsockopt), the rest onto the
 * connection's own setters. {@code SO_REUSEADDR} and {@code SO_REUSEPORT} go to the host's bind
 * check ({@link #bindOptions}). Not thread-safe: the channel guards it, and calls {@link #apply}
 * and {@link #get} with a connection on its loop thread.
 */
@SuppressWarnings(
    "ReferenceEquality") // socket options are singletons: the JDK itself compares them by identity
final class StreamOptions {
  /*
   * jdk.net's options, looked up by name: a program run with another root module (jwebserver's
   * jdk.httpserver) may not have jdk.net in its module graph, and then they are not offered.
   */
  private static final SocketOption<?> TCP_KEEPIDLE = extended("TCP_KEEPIDLE");
  private static final SocketOption<?> TCP_KEEPINTERVAL = extended("TCP_KEEPINTERVAL");
  private static final SocketOption<?> TCP_KEEPCOUNT = extended("TCP_KEEPCOUNT");
  private static final SocketOption<?> TCP_QUICKACK = extended("TCP_QUICKACK");
  static final Set<SocketOption<?>> SUPPORTED = supported();

  /** Linux's {@code MAX_TCP_KEEPIDLE}, {@code MAX_TCP_KEEPINTVL} and {@code MAX_TCP_KEEPCNT}. */
  private static final int MAX_KEEP_SECONDS = 32767;

  private static final int MAX_KEEP_COUNT = 127;

  private static SocketOption<?> extended(String name) {
    try {
      return (SocketOption<?>)
          Class.forName("jdk.net.ExtendedSocketOptions").getField(name).get(null);
    } catch (ReflectiveOperationException | LinkageError e) {
      return null;
    }
  }

  private static Set<SocketOption<?>> supported() {
    java.util.HashSet<SocketOption<?>> all =
        new java.util.HashSet<>(
            List.of(
                SO_SNDBUF,
                SO_RCVBUF,
                SO_KEEPALIVE,
                SO_REUSEADDR,
                SO_REUSEPORT,
                SO_LINGER,
                TCP_NODELAY));
    for (SocketOption<?> o :
        new SocketOption<?>[] {TCP_KEEPIDLE, TCP_KEEPINTERVAL, TCP_KEEPCOUNT, TCP_QUICKACK}) {
      if (o != null) all.add(o);
    }
    return Set.copyOf(all);
  }

  boolean noDelay;
  boolean keepAlive;
  boolean reuseAddress;
  boolean reusePort;

  /** TCP_QUICKACK as set, true until set: false enters ping-pong mode at the connect. */
  boolean quickAck = true;

  int receiveBuffer;
  int sendBuffer;
  int lingerSeconds = -1;

  /** Keep-alive timing in seconds (a count for the last); 0 keeps the host's. */
  private int keepIdle;

  private int keepInterval;
  private int keepCount;

  /**
   * Checks and keeps a value.
   *
   * @throws IllegalArgumentException for a value of the wrong type or a buffer size below 1
   * @throws SocketException "Invalid argument" for a keep-alive value outside Linux's range (its
   *     EINVAL)
   */
  void set(SocketOption<?> name, Object value) throws SocketException {
    if (!name.type().isInstance(value))
      throw new IllegalArgumentException("Invalid value '" + value + "'");
    if (name == SO_RCVBUF || name == SO_SNDBUF) {
      int bytes = (Integer) value;
      if (bytes <= 0) throw new IllegalArgumentException("Invalid " + name + " size: " + bytes);
      if (name == SO_RCVBUF) receiveBuffer = bytes;
      else sendBuffer = bytes;
    } else if (name == SO_LINGER) {
      lingerSeconds = Math.min((Integer) value, 65535);
    } else if (name == TCP_NODELAY) {
      noDelay = (Boolean) value;
    } else if (name == SO_KEEPALIVE) {
      keepAlive = (Boolean) value;
    } else if (name == SO_REUSEADDR) {
      reuseAddress = (Boolean) value;
    } else if (name == SO_REUSEPORT) {
      reusePort = (Boolean) value;
    } else if (name == TCP_QUICKACK) {
      quickAck = (Boolean) value;
    } else {
      int v = (Integer) value;
      int max = name == TCP_KEEPCOUNT ? MAX_KEEP_COUNT : MAX_KEEP_SECONDS;
      if (v < 1 || v > max)
        throw new SocketException("Invalid argument: " + name + " " + v + " (1.." + max + ")");
      if (name == TCP_KEEPIDLE) keepIdle = v;
      else if (name == TCP_KEEPINTERVAL) keepInterval = v;
      else keepCount = v;
    }
  }

  /** Returns how the channel shares a port it binds, from SO_REUSEADDR and SO_REUSEPORT. */
  dev.synack.stack.BindOptions bindOptions() {
    return new dev.synack.stack.BindOptions(reuseAddress, reusePort);
  }

  /** Applies the option just set to the connection; on its loop thread. */
  void apply(SocketOption<?> name, Connection c, long now) {
    if (name == SO_RCVBUF) c.setReceiveBufferSize(receiveBuffer, now);
    else if (name == SO_SNDBUF) c.setSendBufferSize(sendBuffer, now);
    else if (name == SO_LINGER) c.setSoLinger(lingerSeconds >= 0, Math.max(lingerSeconds, 0));
    else if (name == TCP_NODELAY) c.setNoDelay(noDelay);
    else if (name == SO_KEEPALIVE) c.setKeepAlive(keepAlive, now);
    else if (name == TCP_QUICKACK) {
      boolean on = quickAck;
      c.configure(o -> o.setQuickAck(on ? 1 : 0, now));
    } else if (name == TCP_KEEPIDLE || name == TCP_KEEPINTERVAL || name == TCP_KEEPCOUNT)
      applyKeepAliveTiming(c, now);
  }

  /** Applies every option set before the connect; on the loop thread. */
  void applyAll(Connection c, long now) {
    if (noDelay) c.setNoDelay(true);
    if (keepAlive) c.setKeepAlive(true, now);
    if (lingerSeconds >= 0) c.setSoLinger(true, lingerSeconds);
    if (keepIdle != 0 || keepInterval != 0 || keepCount != 0) applyKeepAliveTiming(c, now);
    if (!quickAck) c.configure(o -> o.setQuickAck(0, now));
  }

  private void applyKeepAliveTiming(Connection c, long now) {
    var o = c.options();
    Duration idle = keepIdle != 0 ? Duration.ofSeconds(keepIdle) : o.keepAliveIdle();
    Duration interval =
        keepInterval != 0 ? Duration.ofSeconds(keepInterval) : o.keepAliveInterval();
    int count = keepCount != 0 ? keepCount : o.keepAliveCount();
    c.configure(options -> options.setKeepAliveTiming(idle, interval, count, now));
  }

  /**
   * Returns the value of an option: the connection's when there is one (on its loop thread), else
   * what was set or the host's default.
   */
  Object get(SocketOption<?> name, Connection c, TcpConfig defaults) {
    if (name == SO_REUSEADDR) return reuseAddress;
    if (name == SO_REUSEPORT) return reusePort;
    if (name == TCP_QUICKACK) return c != null ? c.options().quickAck() : quickAck;
    if (c != null) {
      if (name == SO_RCVBUF) return c.receiveBufferSize();
      if (name == SO_SNDBUF) return c.sendBufferSize();
      if (name == SO_LINGER) return c.soLinger();
      if (name == TCP_NODELAY) return c.noDelay();
      if (name == SO_KEEPALIVE) return c.keepAlive();
      if (name == TCP_KEEPIDLE) return (int) c.options().keepAliveIdle().toSeconds();
      if (name == TCP_KEEPINTERVAL) return (int) c.options().keepAliveInterval().toSeconds();
      return c.options().keepAliveCount();
    }
    if (name == SO_RCVBUF) return receiveBuffer > 0 ? receiveBuffer : defaults.receiveBuffer();
    if (name == SO_SNDBUF) return sendBuffer > 0 ? sendBuffer : defaults.sendBuffer();
    if (name == SO_LINGER) return lingerSeconds;
    if (name == TCP_NODELAY) return noDelay;
    if (name == SO_KEEPALIVE) return keepAlive;
    if (name == TCP_KEEPIDLE)
      return keepIdle != 0 ? keepIdle : (int) (defaults.keepAliveIdle() / 1_000_000_000L);
    if (name == TCP_KEEPINTERVAL)
      return keepInterval != 0
          ? keepInterval
          : (int) (defaults.keepAliveInterval() / 1_000_000_000L);
    return keepCount != 0 ? keepCount : defaults.keepAliveCount();
  }
}
