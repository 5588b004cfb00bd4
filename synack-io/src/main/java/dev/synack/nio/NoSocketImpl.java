package dev.synack.nio;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketImpl;

/**
 * The {@link SocketImpl} under the socket adaptors, which override every method that would reach it
 * (as the JDK's adaptors sit on a dummy one): any call that still does fails with one message.
 */
final class NoSocketImpl extends SocketImpl {
  private static SocketException unsupported() {
    return new SocketException("not supported by a synack socket adaptor");
  }

  @Override
  protected void create(boolean stream) throws IOException {
    throw unsupported();
  }

  @Override
  protected void connect(String host, int port) throws IOException {
    throw unsupported();
  }

  @Override
  protected void connect(InetAddress address, int port) throws IOException {
    throw unsupported();
  }

  @Override
  protected void connect(SocketAddress address, int timeout) throws IOException {
    throw unsupported();
  }

  @Override
  protected void bind(InetAddress host, int port) throws IOException {
    throw unsupported();
  }

  @Override
  protected void listen(int backlog) throws IOException {
    throw unsupported();
  }

  @Override
  protected void accept(SocketImpl s) throws IOException {
    throw unsupported();
  }

  @Override
  protected InputStream getInputStream() throws IOException {
    throw unsupported();
  }

  @Override
  protected OutputStream getOutputStream() throws IOException {
    throw unsupported();
  }

  @Override
  protected int available() throws IOException {
    throw unsupported();
  }

  @Override
  protected void close() {}

  @Override
  protected void sendUrgentData(int data) throws IOException {
    throw unsupported();
  }

  @Override
  public void setOption(int optID, Object value) throws SocketException {
    throw unsupported();
  }

  @Override
  public Object getOption(int optID) throws SocketException {
    throw unsupported();
  }
}
