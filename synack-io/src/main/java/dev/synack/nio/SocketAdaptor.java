package dev.synack.nio;

import static java.net.StandardSocketOptions.SO_KEEPALIVE;
import static java.net.StandardSocketOptions.SO_LINGER;
import static java.net.StandardSocketOptions.SO_RCVBUF;
import static java.net.StandardSocketOptions.SO_REUSEADDR;
import static java.net.StandardSocketOptions.SO_SNDBUF;
import static java.net.StandardSocketOptions.TCP_NODELAY;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.SocketTimeoutException;
import java.nio.channels.Channels;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.SocketChannel;
import java.util.Set;

/**
 * The {@link Socket} view of a {@link SynackSocketChannel} ({@link SocketChannel#socket()}), as the
 * JDK's {@code sun.nio.ch.SocketAdaptor}: every call goes to the channel; the streams need blocking
 * mode, and {@link #setSoTimeout} bounds their reads.
 */
final class SocketAdaptor extends Socket {
  private final SynackSocketChannel ch;

  private SocketAdaptor(SynackSocketChannel ch) throws SocketException {
    super(new NoSocketImpl());
    this.ch = ch;
  }

  static Socket of(SynackSocketChannel ch) {
    try {
      return new SocketAdaptor(ch);
    } catch (SocketException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public SocketChannel getChannel() {
    return ch;
  }

  @Override
  public void connect(SocketAddress remote) throws IOException {
    connect(remote, 0);
  }

  @Override
  public void connect(SocketAddress remote, int timeout) throws IOException {
    if (timeout < 0) throw new IllegalArgumentException("connect: timeout can't be negative");
    if (!ch.isBlocking()) throw new IllegalBlockingModeException();
    // A timeout bounds the wait through a watchdog that closes the channel, as the JDK's adaptor
    // ends it.
    if (timeout == 0) {
      ch.connect(remote);
      return;
    }
    Thread caller = Thread.currentThread();
    Thread watchdog =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    Thread.sleep(timeout);
                    if (ch.isConnectionPending()) ch.close();
                  } catch (InterruptedException | IOException ignored) {
                    // Connected in time, or already closed.
                  }
                });
    try {
      ch.connect(remote);
    } catch (java.nio.channels.AsynchronousCloseException e) {
      if (!caller.isInterrupted()) throw new SocketTimeoutException("Connect timed out");
      throw e;
    } finally {
      watchdog.interrupt();
    }
  }

  @Override
  public void bind(SocketAddress local) throws IOException {
    ch.bind(local);
  }

  @Override
  public InetAddress getInetAddress() {
    InetSocketAddress a = remote();
    return a == null ? null : a.getAddress();
  }

  @Override
  public InetAddress getLocalAddress() {
    InetSocketAddress a = local();
    return a == null ? InetAddress.ofLiteral("0.0.0.0") : a.getAddress();
  }

  @Override
  public int getPort() {
    InetSocketAddress a = remote();
    return a == null ? 0 : a.getPort();
  }

  @Override
  public int getLocalPort() {
    InetSocketAddress a = local();
    return a == null ? -1 : a.getPort();
  }

  @Override
  public SocketAddress getRemoteSocketAddress() {
    return remote();
  }

  @Override
  public SocketAddress getLocalSocketAddress() {
    return local();
  }

  private InetSocketAddress remote() {
    try {
      return ch.isOpen() ? ch.getRemoteAddress() : null;
    } catch (IOException e) {
      return null;
    }
  }

  private InetSocketAddress local() {
    try {
      return ch.isOpen() ? ch.getLocalAddress() : null;
    } catch (IOException e) {
      return null;
    }
  }

  @Override
  public InputStream getInputStream() throws IOException {
    ensureUsable();
    if (ch.isInputShutdown()) throw new SocketException("Socket input is shutdown");
    return Channels.newInputStream(ch);
  }

  @Override
  public OutputStream getOutputStream() throws IOException {
    ensureUsable();
    if (ch.isOutputShutdown()) throw new SocketException("Socket output is shutdown");
    return Channels.newOutputStream(ch);
  }

  private void ensureUsable() throws SocketException {
    if (!ch.isOpen()) throw new SocketException("Socket is closed");
    if (!ch.isConnected()) throw new SocketException("Socket is not connected");
  }

  private <T> void set(SocketOption<T> name, T value) throws SocketException {
    try {
      ch.setOption(name, value);
    } catch (IOException e) {
      throw asSocketException(e);
    }
  }

  private <T> T get(SocketOption<T> name) throws SocketException {
    try {
      return ch.getOption(name);
    } catch (IOException e) {
      throw asSocketException(e);
    }
  }

  private static SocketException asSocketException(IOException e) {
    if (e instanceof SocketException se) return se;
    return new SocketException(e.getMessage().isEmpty() ? "Socket is closed" : e.getMessage());
  }

  @Override
  public void setTcpNoDelay(boolean on) throws SocketException {
    set(TCP_NODELAY, on);
  }

  @Override
  public boolean getTcpNoDelay() throws SocketException {
    return get(TCP_NODELAY);
  }

  @Override
  public void setSoLinger(boolean on, int linger) throws SocketException {
    set(SO_LINGER, on ? linger : -1);
  }

  @Override
  public int getSoLinger() throws SocketException {
    return get(SO_LINGER);
  }

  @Override
  public void setKeepAlive(boolean on) throws SocketException {
    set(SO_KEEPALIVE, on);
  }

  @Override
  public boolean getKeepAlive() throws SocketException {
    return get(SO_KEEPALIVE);
  }

  @Override
  public void setSendBufferSize(int size) throws SocketException {
    set(SO_SNDBUF, size);
  }

  @Override
  public int getSendBufferSize() throws SocketException {
    return get(SO_SNDBUF);
  }

  @Override
  public void setReceiveBufferSize(int size) throws SocketException {
    set(SO_RCVBUF, size);
  }

  @Override
  public int getReceiveBufferSize() throws SocketException {
    return get(SO_RCVBUF);
  }

  @Override
  public void setReuseAddress(boolean on) throws SocketException {
    set(SO_REUSEADDR, on);
  }

  @Override
  public boolean getReuseAddress() throws SocketException {
    return get(SO_REUSEADDR);
  }

  @Override
  public void setSoTimeout(int timeout) throws SocketException {
    if (!ch.isOpen()) throw new SocketException("Socket is closed");
    if (timeout < 0) throw new IllegalArgumentException("timeout < 0");
    ch.readTimeoutMillis = timeout;
  }

  @Override
  public int getSoTimeout() throws SocketException {
    if (!ch.isOpen()) throw new SocketException("Socket is closed");
    return ch.readTimeoutMillis;
  }

  @Override
  public <T> Socket setOption(SocketOption<T> name, T value) throws IOException {
    ch.setOption(name, value);
    return this;
  }

  @Override
  public <T> T getOption(SocketOption<T> name) throws IOException {
    return ch.getOption(name);
  }

  @Override
  public Set<SocketOption<?>> supportedOptions() {
    return ch.supportedOptions();
  }

  @Override
  public void close() throws IOException {
    ch.close();
  }

  @Override
  public void shutdownInput() throws IOException {
    ch.shutdownInput();
  }

  @Override
  public void shutdownOutput() throws IOException {
    ch.shutdownOutput();
  }

  @Override
  public boolean isConnected() {
    return ch.isConnected();
  }

  @Override
  public boolean isBound() {
    return local() != null;
  }

  @Override
  public boolean isClosed() {
    return !ch.isOpen();
  }

  @Override
  public boolean isInputShutdown() {
    return ch.isInputShutdown();
  }

  @Override
  public boolean isOutputShutdown() {
    return ch.isOutputShutdown();
  }

  @Override
  public String toString() {
    return ch.isConnected()
        ? "Socket[addr="
            + getInetAddress()
            + ",port="
            + getPort()
            + ",localport="
            + getLocalPort()
            + "]"
        : "Socket[unconnected]";
  }
}
