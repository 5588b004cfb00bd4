package dev.synack.socket;

import dev.synack.runtime.EventLoop;
import dev.synack.runtime.HostDriver;
import dev.synack.runtime.Signal;
import dev.synack.runtime.Stack;
import dev.synack.stack.Connection;
import dev.synack.stack.Host;
import dev.synack.tcp.TcpError;
import dev.synack.tcp.TcpException;
import dev.synack.tcp.TcpState;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * A TCP connection of a synack host, used like {@code java.net.Socket}: blocking streams, a read
 * timeout, half-close with {@link #shutdownOutput()}, and {@link #abort()} (linger 0, RST). Safe to
 * use from several threads (one reader and one writer at a time, as with java.net).
 */
public final class TcpSocket implements Closeable {
  private final EventLoop loop;
  private final Connection connection;
  private final Signal signal;
  private final InputStream in = new SocketInput();
  private final OutputStream out = new SocketOutput();
  private volatile int soTimeoutMillis;
  private volatile boolean closed;

  /** Wraps a connection whose signal was made on the loop thread ({@link EventLoop#signalOf}). */
  TcpSocket(EventLoop loop, Connection connection) {
    this.loop = loop;
    this.connection = connection;
    this.signal = EventLoop.signalOf(connection);
  }

  /**
   * Connects to {@code remote} from {@code host} (active OPEN) and waits for the handshake.
   *
   * @param timeoutMillis how long to wait, 0 for the stack's own SYN retries (about two minutes
   *     with Linux's defaults)
   * @throws java.net.ConnectException "Connection refused" when the peer answers with RST (or an
   *     ICMP port unreachable), "Connection timed out" when the SYN retries run out
   * @throws java.net.NoRouteToHostException when an ICMP error says the host cannot be reached
   *     ("Network is unreachable", a plain SocketException, for a network)
   * @throws java.net.SocketTimeoutException when {@code timeoutMillis} passes first; the attempt is
   *     aborted
   */
  public static TcpSocket connect(Stack stack, InetSocketAddress remote, long timeoutMillis)
      throws IOException {
    HostDriver loop = stack.nextLoop();
    return connect(loop, loop.host(), remote, timeoutMillis);
  }

  /**
   * Connects to {@code remote} from {@code host} on {@code loop}, as {@link #connect(Stack,
   * InetSocketAddress, long)} does on a stack.
   */
  public static TcpSocket connect(
      EventLoop loop, Host host, InetSocketAddress remote, long timeoutMillis) throws IOException {
    Objects.requireNonNull(remote, "remote");
    InetAddress address = remote.getAddress();
    return open(loop, remote, timeoutMillis, now -> host.connect(address, remote.getPort(), now));
  }

  /**
   * Connects with TCP Fast Open (RFC 7413), as Linux's {@code sendto(MSG_FASTOPEN)} or a write
   * after {@code TCP_FASTOPEN_CONNECT}: {@code firstData} is queued before the SYN leaves, and
   * rides on it when the host holds a cookie for the server (an earlier connection asked for one);
   * otherwise it follows the handshake. What the send buffer did not take is written once
   * connected. Waits for the handshake as {@link #connect} does. With the host's client Fast Open
   * off ({@code Host.setFastOpen}) this is a plain connect and write.
   */
  public static TcpSocket connectFastOpen(
      EventLoop loop, Host host, InetSocketAddress remote, byte[] firstData, long timeoutMillis)
      throws IOException {
    Objects.requireNonNull(remote, "remote");
    Objects.requireNonNull(firstData, "firstData");
    InetAddress address = remote.getAddress();
    ByteBuffer data = ByteBuffer.wrap(firstData.clone());
    TcpSocket socket =
        open(
            loop,
            remote,
            timeoutMillis,
            now ->
                host.connectFastOpen(
                    null, 0, address, remote.getPort(), host.config().tcp(), data, now));
    if (data.hasRemaining()) {
      byte[] rest = new byte[data.remaining()];
      data.get(rest);
      socket.getOutputStream().write(rest);
    }
    return socket;
  }

  /**
   * Opens a connection on the loop with {@code open} and waits for its handshake (see {@link
   * #connect}).
   */
  private static TcpSocket open(
      EventLoop loop,
      InetSocketAddress remote,
      long timeoutMillis,
      java.util.function.LongFunction<Connection> open)
      throws IOException {
    Connection c =
        Blocking.call(
            loop,
            now -> {
              Connection opened = open.apply(now);
              // The signal is made here, on the loop, before any event of the connection can be
              // dispatched: made later on this thread it could race the loop's and be a second one.
              EventLoop.signalOf(opened);
              return opened;
            });
    TcpSocket socket = new TcpSocket(loop, c);
    try {
      Blocking.await(
          loop,
          socket.signal,
          timeoutMillis,
          "connect to " + remote,
          now ->
              switch (c.state()) {
                case SYN_SENT, SYN_RECEIVED -> null;
                case CLOSED ->
                    throw new TcpException(
                        c.closeError() != null
                            ? c.closeError()
                            : TcpError.CONNECTION_DOES_NOT_EXIST);
                default -> Boolean.TRUE;
              });
    } catch (IOException e) {
      loop.call(
          now -> {
            if (c.state() != TcpState.CLOSED) c.abort(now);
            return null;
          });
      throw e;
    }
    return socket;
  }

  /** Returns the connection's local and remote addresses and ports. */
  public Connection connection() {
    return connection;
  }

  /** Returns the local address and port. */
  public InetSocketAddress localAddress() {
    return new InetSocketAddress(connection.id().localAddress(), connection.id().localPort());
  }

  /** Returns the remote address and port. */
  public InetSocketAddress remoteAddress() {
    return new InetSocketAddress(connection.id().remoteAddress(), connection.id().remotePort());
  }

  /** Returns the stream of received bytes; -1 once the peer's FIN is read. */
  public InputStream getInputStream() {
    return in;
  }

  /** Returns the stream to send bytes; a write blocks while the send buffer is full. */
  public OutputStream getOutputStream() {
    return out;
  }

  /**
   * Writes all of {@code src}'s remaining bytes, blocking while the send buffer is full, as the
   * output stream's write does, but straight from the buffer: a direct buffer the caller read a
   * file into, or a mapped file, is copied once, into the send buffer, with no array in between.
   * When this returns {@code src} has no bytes remaining and may be refilled.
   */
  public void write(ByteBuffer src) throws IOException {
    ensureOpen();
    if (!src.hasRemaining()) return;
    // The loop feeds the send buffer from src as ACKs free room, and wakes this thread once, when
    // all of it is taken (not once per ACK).
    Blocking.awaitOnLoop(
        loop,
        signal,
        0,
        "write",
        now -> {
          connection.send(src, now);
          return src.hasRemaining() ? null : Boolean.TRUE;
        });
  }

  /** Sets how long a read waits (0: forever), as {@code Socket.setSoTimeout}. */
  public void setSoTimeout(int millis) {
    if (millis < 0) throw new IllegalArgumentException("timeout must not be negative: " + millis);
    this.soTimeoutMillis = millis;
  }

  /**
   * Sets {@code TCP_USER_TIMEOUT}: how long sent data may stay unacknowledged before the connection
   * is aborted (zero: off, leaving the retransmission count), as Linux's setsockopt.
   */
  public void setUserTimeout(java.time.Duration timeout) throws IOException {
    ensureOpen();
    Blocking.call(
        loop,
        now -> {
          connection.configure(o -> o.setUserTimeout(timeout, now));
          return null;
        });
  }

  /**
   * Sets keep-alive's timing on this connection: {@code TCP_KEEPIDLE}, {@code TCP_KEEPINTVL},
   * {@code TCP_KEEPCNT}.
   */
  public void setKeepAliveTiming(java.time.Duration idle, java.time.Duration interval, int count)
      throws IOException {
    ensureOpen();
    Blocking.call(
        loop,
        now -> {
          connection.configure(o -> o.setKeepAliveTiming(idle, interval, count, now));
          return null;
        });
  }

  /**
   * Sets {@code TCP_MAXSEG}: a ceiling, 88 to 32767 bytes, on the segments this connection sends.
   */
  public void setMaxSegment(int mss) throws IOException {
    ensureOpen();
    Blocking.call(
        loop,
        now -> {
          connection.configure(o -> o.setMaxSegment(mss));
          return null;
        });
  }

  /**
   * Sets {@code TCP_NOTSENT_LOWAT}: writes take data only while fewer bytes than this wait unsent
   * (0xffffffff: no limit).
   */
  public void setNotSentLowat(long bytes) throws IOException {
    ensureOpen();
    Blocking.call(
        loop,
        now -> {
          connection.configure(o -> o.setNotSentLowat(bytes));
          return null;
        });
  }

  /**
   * Sets {@code TCP_CORK}: while on, partial segments wait for more data (at most about 200 ms with
   * nothing in flight); off, what waits goes when Nagle allows it (at once with TCP_NODELAY), as
   * Linux.
   */
  public void setCork(boolean on) throws IOException {
    ensureOpen();
    Blocking.call(
        loop,
        now -> {
          connection.configure(o -> o.setCork(on));
          return null;
        });
  }

  /** Returns {@code TCP_CORK}. */
  public boolean getCork() throws IOException {
    ensureOpen();
    return Blocking.call(loop, now -> connection.options().cork());
  }

  /**
   * Sets {@code TCP_QUICKACK} as Linux: true leaves ping-pong mode and sends an ACK the delayed-ACK
   * timer holds when everything received has been read; false enters ping-pong mode, where even the
   * quick ACKs that start the data wait for the timer. Not permanent: the connection's own events
   * move it in and out of the mode ({@link dev.synack.tcp.ConnectionOptions#setQuickAck}).
   */
  public void setQuickAck(boolean on) throws IOException {
    ensureOpen();
    Blocking.call(
        loop,
        now -> {
          connection.configure(o -> o.setQuickAck(on ? 1 : 0, now));
          return null;
        });
  }

  /** Returns {@code TCP_QUICKACK}: false while in ping-pong mode. */
  public boolean getQuickAck() throws IOException {
    ensureOpen();
    return Blocking.call(loop, now -> connection.options().quickAck());
  }

  /**
   * Chooses the connection's congestion control by name ({@code TCP_CONGESTION}: "cubic", "reno",
   * "bbr"...); an unknown name throws {@link IllegalArgumentException}, as Linux's ENOENT.
   */
  public void setCongestionControl(String name) throws IOException {
    ensureOpen();
    Blocking.call(
        loop,
        now -> {
          connection.setCongestionControl(name);
          return null;
        });
  }

  /** Returns the name of the connection's congestion control ({@code TCP_CONGESTION}). */
  public String getCongestionControl() throws IOException {
    ensureOpen();
    return Blocking.call(loop, now -> connection.congestionControl());
  }

  /**
   * Turns keep-alive probes on or off, as {@code Socket.setKeepAlive} (RFC 1122 §4.2.3.6; the
   * host's TcpConfig has the timing).
   */
  public void setKeepAlive(boolean on) throws IOException {
    ensureOpen();
    Blocking.call(
        loop,
        now -> {
          connection.setKeepAlive(on, now);
          return null;
        });
  }

  /** Returns whether keep-alive probes are on. */
  public boolean getKeepAlive() throws IOException {
    return loop.call(now -> connection.keepAlive());
  }

  /**
   * Sets the receive buffer's size, as {@code Socket.setReceiveBufferSize}; this stops its
   * auto-tuning. The window offered follows the size given (Linux would double it).
   */
  public void setReceiveBufferSize(int bytes) throws IOException {
    if (bytes <= 0)
      throw new IllegalArgumentException("receive buffer size must be positive: " + bytes);
    ensureOpen();
    Blocking.call(
        loop,
        now -> {
          connection.setReceiveBufferSize(bytes, now);
          return null;
        });
  }

  /** Returns the receive buffer's size (grown by auto-tuning unless set). */
  public int getReceiveBufferSize() throws IOException {
    return loop.call(now -> connection.receiveBufferSize());
  }

  /** Sets the send buffer's size, as {@code Socket.setSendBufferSize}. */
  public void setSendBufferSize(int bytes) throws IOException {
    if (bytes <= 0)
      throw new IllegalArgumentException("send buffer size must be positive: " + bytes);
    ensureOpen();
    Blocking.call(
        loop,
        now -> {
          connection.setSendBufferSize(bytes, now);
          return null;
        });
  }

  /** Returns the send buffer's size. */
  public int getSendBufferSize() throws IOException {
    return loop.call(now -> connection.sendBufferSize());
  }

  /**
   * Sets {@code SO_LINGER} as {@code Socket.setSoLinger}: with {@code on} and 0 s, {@link #close()}
   * resets the connection (RST, queued data dropped); with a longer time, close waits up to that
   * long for the peer to acknowledge our FIN, then returns and the close goes on in the background.
   */
  public void setSoLinger(boolean on, int seconds) throws IOException {
    if (on && seconds < 0)
      throw new IllegalArgumentException("linger time must not be negative: " + seconds);
    ensureOpen();
    loop.call(
        now -> {
          connection.setSoLinger(on, Math.min(seconds, 65535));
          return null;
        });
  }

  /** Returns the linger time in seconds, -1 when {@code SO_LINGER} is off. */
  public int getSoLinger() throws IOException {
    return loop.call(now -> connection.soLinger());
  }

  /**
   * Turns Nagle's algorithm off ({@code true}) or on, as {@code Socket.setTcpNoDelay}; it is on by
   * default.
   */
  public void setTcpNoDelay(boolean on) throws IOException {
    loop.call(
        now -> {
          connection.setNoDelay(on);
          return null;
        });
  }

  /** Returns whether Nagle's algorithm is off, as {@code Socket.getTcpNoDelay}. */
  public boolean getTcpNoDelay() throws IOException {
    return loop.call(now -> connection.noDelay());
  }

  /**
   * Returns what the connection knows of itself, as Linux's {@code getsockopt(TCP_INFO)}: its
   * counters ({@code bytesAcked}, retransmissions), RTT and window.
   */
  public dev.synack.tcp.TcpInfo info() throws IOException {
    return loop.call(now -> connection.info(now));
  }

  /** Returns the RFC 9293 state of the connection. */
  public TcpState state() throws IOException {
    return loop.call(now -> connection.state());
  }

  /** Half-closes: sends FIN after the queued data; reading goes on (RFC 9293 §3.10.4 CLOSE). */
  public void shutdownOutput() throws IOException {
    Blocking.call(
        loop,
        now -> {
          connection.close(now);
          return null;
        });
  }

  /** Aborts the connection with a RST and drops queued data (RFC 9293 §3.10.5 ABORT, linger 0). */
  public void abort() throws IOException {
    closed = true;
    Blocking.call(
        loop,
        now -> {
          if (connection.state() != TcpState.CLOSED) connection.abort(now);
          return null;
        });
  }

  /**
   * Closes the socket as {@code java.net.Socket.close()} does on Linux: FIN after queued data, and
   * data that arrives afterwards is answered with RST. With {@code SO_LINGER} on: after 0 s, a RST
   * at once; after more, close waits until our FIN is acknowledged or the time runs out.
   */
  @Override
  public void close() throws IOException {
    if (closed) return;
    closed = true;
    int linger =
        Blocking.call(
            loop,
            now -> {
              if (connection.state() != TcpState.CLOSED) connection.closeFully(now);
              return connection.soLinger();
            });
    if (linger > 0) lingerUntilFinAcked(linger);
  }

  /**
   * Waits, as Linux's {@code sk_stream_wait_close}, until no FIN of ours waits for its ACK, or
   * {@code seconds} pass.
   */
  private void lingerUntilFinAcked(int seconds) throws IOException {
    try {
      Blocking.await(
          loop,
          signal,
          seconds * 1000L,
          "linger",
          now ->
              switch (connection.state()) {
                case FIN_WAIT_1, CLOSING, LAST_ACK -> null;
                default -> Boolean.TRUE;
              });
    } catch (java.net.SocketTimeoutException timedOut) {
      // The linger time passed: close returns, and the connection finishes in the background.
    }
  }

  /**
   * Closes as {@link #close()}, then waits up to {@code lingerMillis} for the peer to acknowledge
   * everything, our FIN included (the connection reaches FIN_WAIT_2, TIME_WAIT or CLOSED), as
   * {@code close()} does on Linux with {@code SO_LINGER} on. When the time runs out the connection
   * is aborted with a RST, since nobody will be left to retransmit (a process on its way out).
   *
   * @return whether the peer acknowledged everything in time
   */
  public boolean close(long lingerMillis) throws IOException {
    if (lingerMillis <= 0)
      throw new IllegalArgumentException("linger must be positive: " + lingerMillis);
    close();
    // No event reports our FIN acknowledged, so the loop re-checks after each of its turns.
    loop.call(
        now -> {
          loop.watchEveryTurn(signal, true);
          return null;
        });
    try {
      Blocking.await(
          loop,
          signal,
          lingerMillis,
          "close",
          now ->
              switch (connection.state()) {
                case CLOSED, TIME_WAIT, FIN_WAIT_2 -> Boolean.TRUE;
                default -> null;
              });
      return true;
    } catch (SocketTimeoutException e) {
      loop.call(
          now -> {
            if (connection.state() != TcpState.CLOSED) connection.abort(now);
            return null;
          });
      return false;
    } finally {
      loop.call(
          now -> {
            loop.watchEveryTurn(signal, false);
            return null;
          });
    }
  }

  /** Returns whether {@link #close()} or {@link #abort()} was called. */
  public boolean isClosed() {
    return closed;
  }

  private void ensureOpen() throws SocketException {
    if (closed) throw new SocketException("Socket closed");
  }

  private final class SocketInput extends InputStream {
    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      Objects.checkFromIndexSize(off, len, b.length);
      ensureOpen();
      if (len == 0) return 0;
      ByteBuffer dst = ByteBuffer.wrap(b, off, len);
      return Blocking.awaitOnLoop(
          loop,
          signal,
          soTimeoutMillis,
          "read",
          now -> {
            int n = connection.receive(dst, now);
            return n == 0 ? null : n;
          });
    }

    @Override
    public int available() throws IOException {
      return loop.call(now -> connection.status().receiveQueued());
    }

    @Override
    public void close() throws IOException {
      TcpSocket.this.close();
    }
  }

  private final class SocketOutput extends OutputStream {
    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      Objects.checkFromIndexSize(off, len, b.length);
      ensureOpen();
      if (len == 0) return;
      TcpSocket.this.write(ByteBuffer.wrap(b, off, len));
    }

    @Override
    public void close() throws IOException {
      TcpSocket.this.close();
    }
  }
}
