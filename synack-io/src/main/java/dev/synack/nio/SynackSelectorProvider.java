package dev.synack.nio;

import dev.synack.link.PlatformChannels;
import java.io.IOException;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.nio.channels.Pipe;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.AbstractSelector;
import java.nio.channels.spi.SelectorProvider;

/**
 * The {@link SelectorProvider} whose TCP channels and selectors are synack's: name it in the system
 * property {@code java.nio.channels.spi.SelectorProvider} and an unmodified program's {@code
 * SocketChannel.open()}, {@code ServerSocketChannel.open()}, {@code DatagramChannel.open()} and
 * {@code Selector.open()} (the JDK's HTTP client and server among them) run over synack. The JDK
 * reads the property once per JVM, at the first use of NIO, so it belongs on the command line.
 *
 * <p>Each channel opens on the host {@link HostScope} gives for the opening thread; UDP ({@code
 * DatagramChannel.open()}) is synack's too. Pipes are not: they are the JDK's own ({@link
 * PlatformChannels}, which needs {@code --add-exports java.base/sun.nio.ch=ALL-UNNAMED}), and a JDK
 * channel cannot join a synack selector.
 */
public final class SynackSelectorProvider extends SelectorProvider {
  /**
   * Made by the JDK from the system property; applications use {@link SelectorProvider#provider()}.
   */
  public SynackSelectorProvider() {}

  @Override
  public AbstractSelector openSelector() {
    return new SynackSelector(this);
  }

  @Override
  public ServerSocketChannel openServerSocketChannel() throws IOException {
    HostScope.Binding b = HostScope.require();
    return new SynackServerSocketChannel(this, b);
  }

  @Override
  public SocketChannel openSocketChannel() throws IOException {
    HostScope.Binding b = HostScope.require();
    return new SynackSocketChannel(this, b);
  }

  @Override
  public SocketChannel openSocketChannel(ProtocolFamily family) throws IOException {
    checkInet(family);
    return openSocketChannel();
  }

  @Override
  public ServerSocketChannel openServerSocketChannel(ProtocolFamily family) throws IOException {
    checkInet(family);
    return openServerSocketChannel();
  }

  private static void checkInet(ProtocolFamily family) {
    if (family != StandardProtocolFamily.INET && family != StandardProtocolFamily.INET6) {
      throw new UnsupportedOperationException("Protocol family not supported by synack: " + family);
    }
  }

  @Override
  public DatagramChannel openDatagramChannel() throws IOException {
    HostScope.Binding b = HostScope.require();
    return new SynackDatagramChannel(this, b, null);
  }

  @Override
  public DatagramChannel openDatagramChannel(ProtocolFamily family) throws IOException {
    checkInet(family);
    HostScope.Binding b = HostScope.require();
    return new SynackDatagramChannel(this, b, family);
  }

  @Override
  public Pipe openPipe() throws IOException {
    return PlatformChannels.provider().openPipe();
  }
}
