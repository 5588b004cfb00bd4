package dev.synack.cli.bench;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.Iterator;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One selector-driven echo program, written against a {@link SelectorProvider} alone, so that
 * synack's provider and the kernel's run the very same code: a server thread echoes every
 * connection through one selector (as {@code SelectorEchoTest} in synack-io does), and a client
 * thread drives all its connections through another, writing and reading at once until each has had
 * its bytes back (the first and last byte of every read checked against what was sent).
 */
final class NioEcho {
  /** The server's buffer per connection, and the client's largest write. */
  static final int BUFFER = 64 * 1024;

  private static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(120);

  /** Where a channel is opened: synack opens it on a host, the kernel anywhere. */
  interface Scope {
    /** Runs {@code body}, which opens channels, on the server's side or the client's. */
    <T> T on(boolean server, Callable<T> body) throws Exception;
  }

  /** The server's provider, and the client's: the same but for a server over TUN. */
  private final SelectorProvider serverProvider;

  private final SelectorProvider clientProvider;
  private final Scope scope;
  private volatile boolean stop;

  NioEcho(SelectorProvider provider, Scope scope) {
    this(provider, provider, scope);
  }

  /**
   * An echo whose server and client use providers of their own: synack's server over a TUN device
   * with the kernel's client at the device's other end.
   */
  NioEcho(SelectorProvider serverProvider, SelectorProvider clientProvider, Scope scope) {
    this.serverProvider = serverProvider;
    this.clientProvider = clientProvider;
    this.scope = scope;
  }

  /**
   * Echoes {@code bytesEach} bytes over each of {@code connections} connections to a server bound
   * on {@code address}; returns the Gbit/s of echoed payload (each byte crosses the network twice)
   * from the first connect to the last byte back.
   */
  double run(InetAddress address, int connections, long bytesEach) throws IOException {
    ServerSocketChannel server =
        open(
            true,
            () -> {
              ServerSocketChannel s = serverProvider.openServerSocketChannel();
              s.bind(new InetSocketAddress(address, 0), 1024);
              return s;
            });
    Selector serverSelector = serverProvider.openSelector();
    stop = false;
    CompletableFuture<Void> served =
        CompletableFuture.runAsync(
            () -> serve(server, serverSelector),
            r -> Thread.ofPlatform().name("bench-nio-echo-server").daemon(true).start(r));
    try {
      return drive((InetSocketAddress) server.getLocalAddress(), connections, bytesEach);
    } finally {
      stop = true;
      serverSelector.wakeup();
      NamespaceThread.await(served, 30, "nio echo server");
    }
  }

  private <T> T open(boolean server, Callable<T> body) throws IOException {
    try {
      return scope.on(server, body);
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException(e);
    }
  }

  /** Echoes every connection until told to stop, then closes everything. */
  private void serve(ServerSocketChannel server, Selector selector) {
    try (selector;
        server) {
      server.configureBlocking(false);
      server.register(selector, SelectionKey.OP_ACCEPT);
      while (!stop) {
        selector.select(1000);
        for (Iterator<SelectionKey> it = selector.selectedKeys().iterator(); it.hasNext(); ) {
          SelectionKey key = it.next();
          it.remove();
          if (!key.isValid()) continue;
          if (key.isAcceptable()) {
            SocketChannel c;
            while ((c = server.accept()) != null) {
              c.configureBlocking(false);
              c.register(selector, SelectionKey.OP_READ, ByteBuffer.allocate(BUFFER));
            }
          } else {
            echo(key);
          }
        }
      }
      for (SelectionKey k : selector.keys()) k.channel().close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads what is there and writes it back, waiting for OP_WRITE while the send buffer is full. */
  private static void echo(SelectionKey key) throws IOException {
    SocketChannel c = (SocketChannel) key.channel();
    ByteBuffer buf = (ByteBuffer) key.attachment();
    if (key.isReadable() && buf.position() == 0) {
      if (c.read(buf) < 0) {
        c.close();
        return;
      }
    }
    buf.flip();
    c.write(buf);
    buf.compact();
    key.interestOps(buf.position() > 0 ? SelectionKey.OP_WRITE : SelectionKey.OP_READ);
  }

  /**
   * The client: every connection writes its bytes and reads them back, all through one selector.
   */
  private double drive(InetSocketAddress server, int connections, long bytesEach)
      throws IOException {
    ByteBuffer source =
        ByteBuffer.allocate(
            BUFFER); // BUFFER is a multiple of 256: the pattern runs on across writes
    for (int i = 0; i < BUFFER; i++) source.put(i, (byte) i);
    ByteBuffer sink = ByteBuffer.allocate(BUFFER);
    Stopwatch watch = new Stopwatch();
    long deadline = System.nanoTime() + TIMEOUT_NANOS;
    try (Selector selector = clientProvider.openSelector()) {
      try {
        for (int i = 0; i < connections; i++) {
          SocketChannel c = open(false, clientProvider::openSocketChannel);
          c.configureBlocking(false);
          c.connect(server);
          c.register(selector, SelectionKey.OP_CONNECT, new long[2]); // {sent, received}
        }
        int done = 0;
        while (done < connections) {
          if (System.nanoTime() > deadline) {
            throw new IOException(
                "nio echo: "
                    + done
                    + " of "
                    + connections
                    + " connections done within "
                    + TimeUnit.NANOSECONDS.toSeconds(TIMEOUT_NANOS)
                    + " s");
          }
          selector.select(1000);
          for (Iterator<SelectionKey> it = selector.selectedKeys().iterator(); it.hasNext(); ) {
            SelectionKey key = it.next();
            it.remove();
            if (!key.isValid()) continue;
            SocketChannel c = (SocketChannel) key.channel();
            long[] st = (long[]) key.attachment();
            if (key.isConnectable()) {
              if (c.finishConnect()) key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
              continue;
            }
            if (key.isWritable() && st[0] < bytesEach) {
              // The stream's byte at offset o is (byte) o: a write goes on from where the last one
              // stopped.
              int from = (int) (st[0] % BUFFER);
              ByteBuffer out = source.duplicate().clear().position(from);
              out.limit((int) Math.min(BUFFER, from + bytesEach - st[0]));
              st[0] += c.write(out);
              if (st[0] == bytesEach) key.interestOps(SelectionKey.OP_READ);
            }
            if (key.isReadable()) {
              int n = c.read(sink.clear());
              if (n < 0)
                throw new EOFException(
                    "nio echo: the server closed after " + st[1] + " of " + bytesEach + " bytes");
              if (n > 0
                  && (sink.get(0) != (byte) st[1] || sink.get(n - 1) != (byte) (st[1] + n - 1))) {
                throw new IOException("nio echo: wrong bytes back at offset " + st[1]);
              }
              st[1] += n;
              if (st[1] > st[0])
                throw new IOException(
                    "nio echo: more bytes back than sent: " + st[1] + " > " + st[0]);
              if (st[1] == bytesEach) {
                done++;
                c.close();
              }
            }
          }
        }
        return watch.gbitPerSecond(connections * bytesEach);
      } finally {
        for (SelectionKey k : selector.keys()) k.channel().close();
      }
    }
  }
}
