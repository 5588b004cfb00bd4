package dev.synack.nio;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A selector-driven echo server and a selector-driven client with thousands of concurrent
 * connections, all over synack.
 */
class SelectorEchoTest {
  static final int CONNECTIONS = 10000;
  static final int MESSAGE = 300;

  private final SynackSelectorProvider provider = new SynackSelectorProvider();
  private final SimPair pair = new SimPair();

  @AfterEach
  void close() throws IOException {
    pair.close();
  }

  @Test
  void echo_tenThousandConcurrentConnections_everyClientGetsItsOwnBytesBack() throws Exception {
    ServerSocketChannel server =
        pair.apps
            .host("server")
            .call(
                () -> {
                  ServerSocketChannel s = provider.openServerSocketChannel();
                  s.bind(new InetSocketAddress(7), 4096);
                  return s;
                });
    Selector serverSelector = provider.openSelector();
    CompletableFuture<Void> serverDone =
        CompletableFuture.runAsync(() -> serve(server, serverSelector));
    try {
      assertEquals(CONNECTIONS, runClients(new InetSocketAddress(SimPair.SERVER, 7)));
    } finally {
      stop = true;
      serverSelector.wakeup();
      serverDone.get(10, TimeUnit.SECONDS);
    }
  }

  private volatile boolean stop;

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
              c.register(selector, SelectionKey.OP_READ, ByteBuffer.allocate(4096));
            }
          } else {
            echo(key);
          }
        }
      }
      for (SelectionKey k : selector.keys()) k.channel().close();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Reads what is there and writes it back, waiting for OP_WRITE when the send buffer is full. */
  private static void echo(SelectionKey key) throws IOException {
    SocketChannel c = (SocketChannel) key.channel();
    ByteBuffer buf = (ByteBuffer) key.attachment();
    if (key.isReadable() && buf.position() == 0) {
      int n = c.read(buf);
      if (n < 0) {
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
   * Opens every client connection at once, sends each its own bytes, and returns how many got them
   * back intact.
   */
  private int runClients(InetSocketAddress server) throws Exception {
    Selector selector = provider.openSelector();
    int ok = 0;
    int finished = 0;
    try {
      for (int i = 0; i < CONNECTIONS; i++) {
        SocketChannel c = pair.apps.host("client").call(provider::openSocketChannel);
        c.configureBlocking(false);
        c.connect(server);
        c.register(selector, SelectionKey.OP_CONNECT, new Client(i));
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (finished < CONNECTIONS && System.nanoTime() < deadline) {
        selector.select(1000);
        for (Iterator<SelectionKey> it = selector.selectedKeys().iterator(); it.hasNext(); ) {
          SelectionKey key = it.next();
          it.remove();
          SocketChannel c = (SocketChannel) key.channel();
          Client st = (Client) key.attachment();
          if (key.isConnectable()) {
            c.finishConnect();
            key.interestOps(SelectionKey.OP_WRITE);
          } else if (key.isWritable()) {
            c.write(st.out);
            if (!st.out.hasRemaining()) key.interestOps(SelectionKey.OP_READ);
          } else if (key.isReadable()) {
            c.read(st.in);
            if (!st.in.hasRemaining()) {
              if (Arrays.equals(st.in.array(), st.expected)) ok++;
              finished++;
              c.close();
            }
          }
        }
      }
    } finally {
      for (SelectionKey k : selector.keys()) k.channel().close();
      selector.close();
    }
    return ok;
  }

  /**
   * One client's bytes: what it sends (its index in every byte's pattern) and what it has read
   * back.
   */
  private static final class Client {
    final byte[] expected = new byte[MESSAGE];
    final ByteBuffer out;
    final ByteBuffer in = ByteBuffer.allocate(MESSAGE);

    Client(int index) {
      for (int i = 0; i < MESSAGE; i++) expected[i] = (byte) (index * 31 + i);
      out = ByteBuffer.wrap(expected.clone());
    }
  }
}
