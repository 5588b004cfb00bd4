package dev.synack.nio;

import static java.net.StandardSocketOptions.SO_RCVBUF;
import static java.net.StandardSocketOptions.SO_REUSEADDR;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Set;

/**
 * The {@link ServerSocket} view of a {@link SynackServerSocketChannel}, as the JDK's {@code
 * sun.nio.ch.ServerSocketAdaptor}: every call goes to the channel, and {@link #accept()} (blocking
 * mode only) returns the accepted channel's socket adaptor.
 */
final class ServerSocketAdaptor extends ServerSocket {
  private final SynackServerSocketChannel ch;

  private ServerSocketAdaptor(SynackServerSocketChannel ch) {
    super(new NoSocketImpl());
    this.ch = ch;
  }

  static ServerSocket of(SynackServerSocketChannel ch) {
    return new ServerSocketAdaptor(ch);
  }

  @Override
  public ServerSocketChannel getChannel() {
    return ch;
  }

  @Override
  public void bind(SocketAddress local) throws IOException {
    bind(local, 50);
  }

  @Override
  public void bind(SocketAddress local, int backlog) throws IOException {
    ch.bind(local, backlog);
  }

  @Override
  public Socket accept() throws IOException {
    if (!ch.isBlocking()) throw new IllegalBlockingModeException();
    SocketChannel accepted = ch.accept();
    return accepted.socket();
  }

  @Override
  public InetAddress getInetAddress() {
    InetSocketAddress a = ch.isOpen() ? ch.localAddress() : null;
    return a == null ? null : a.getAddress();
  }

  @Override
  public int getLocalPort() {
    InetSocketAddress a = ch.isOpen() ? ch.localAddress() : null;
    return a == null ? -1 : a.getPort();
  }

  @Override
  public SocketAddress getLocalSocketAddress() {
    return ch.isOpen() ? ch.localAddress() : null;
  }

  @Override
  public void setSoTimeout(int timeout) throws SocketException {
    if (!ch.isOpen()) throw new SocketException("Socket is closed");
    if (timeout < 0) throw new IllegalArgumentException("timeout < 0");
    ch.acceptTimeoutMillis = timeout;
  }

  @Override
  public int getSoTimeout() throws IOException {
    if (!ch.isOpen()) throw new SocketException("Socket is closed");
    return ch.acceptTimeoutMillis;
  }

  @Override
  public void setReuseAddress(boolean on) throws SocketException {
    try {
      ch.setOption(SO_REUSEADDR, on);
    } catch (IOException e) {
      throw new SocketException("Socket is closed");
    }
  }

  @Override
  public boolean getReuseAddress() throws SocketException {
    try {
      return ch.getOption(SO_REUSEADDR);
    } catch (IOException e) {
      throw new SocketException("Socket is closed");
    }
  }

  @Override
  public void setReceiveBufferSize(int size) throws SocketException {
    try {
      ch.setOption(SO_RCVBUF, size);
    } catch (IOException e) {
      throw new SocketException("Socket is closed");
    }
  }

  @Override
  public int getReceiveBufferSize() throws SocketException {
    try {
      return ch.getOption(SO_RCVBUF);
    } catch (IOException e) {
      throw new SocketException("Socket is closed");
    }
  }

  @Override
  public <T> ServerSocket setOption(SocketOption<T> name, T value) throws IOException {
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
  public boolean isBound() {
    return ch.localAddress() != null;
  }

  @Override
  public boolean isClosed() {
    return !ch.isOpen();
  }

  @Override
  public String toString() {
    InetSocketAddress a = ch.localAddress();
    return a == null
        ? "ServerSocket[unbound]"
        : "ServerSocket[addr=" + a.getAddress() + ",localport=" + a.getPort() + "]";
  }
}
