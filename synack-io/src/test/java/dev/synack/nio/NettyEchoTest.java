package dev.synack.nio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.synack.sim.LinkConfig;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Netty's NIO transport, unmodified, over synack: its event loops take {@link
 * SynackSelectorProvider} (Netty accepts a provider, so this runs in the ordinary test JVM), an
 * echo server and clients on a lossy simulated network.
 */
class NettyEchoTest {
  static {
    // Netty's direct buffers through sun.misc.Unsafe print JDK 25's deprecation warnings; its plain
    // path suffices here.
    System.setProperty("io.netty.noUnsafe", "true");
  }

  static final int CLIENTS = 8;
  static final int BYTES = 300_000;

  @Test
  void nettyEchoServerAndClients_lossyNetwork_everyByteComesBackInOrder() throws Exception {
    SynackSelectorProvider provider = new SynackSelectorProvider();
    NioEventLoopGroup group =
        new NioEventLoopGroup(2, (Runnable r) -> new Thread(r, "netty-over-synack"), provider);
    try (SimPair pair =
        new SimPair(21, LinkConfig.ideal().withDelay(Duration.ofMillis(5)).withLoss(0.01))) {
      ServerBootstrap server =
          new ServerBootstrap()
              .group(group)
              .channelFactory(() -> new NioServerSocketChannel(provider))
              .childHandler(
                  new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                      ch.pipeline()
                          .addLast(
                              new ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                  // A failed write reaches the pipeline, not the void.
                                  ctx.write(msg)
                                      .addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
                                }

                                @Override
                                public void channelReadComplete(ChannelHandlerContext ctx) {
                                  ctx.flush();
                                }
                              });
                    }
                  });
      Channel listening = pair.apps.host("server").call(() -> server.bind(7).sync().channel());

      List<CompletableFuture<byte[]>> echoes = new ArrayList<>();
      List<byte[]> sent = new ArrayList<>();
      Random random = new Random(3);
      for (int i = 0; i < CLIENTS; i++) {
        byte[] data = new byte[BYTES];
        random.nextBytes(data);
        sent.add(data);
        CompletableFuture<byte[]> echoed = new CompletableFuture<>();
        echoes.add(echoed);
        Bootstrap client =
            new Bootstrap()
                .group(group)
                .channelFactory(() -> new NioSocketChannel(provider))
                .handler(
                    new ChannelInitializer<SocketChannel>() {
                      @Override
                      protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                            .addLast(
                                new ChannelInboundHandlerAdapter() {
                                  final ByteArrayOutputStream got = new ByteArrayOutputStream();

                                  // Fails the echo when a write or close of it fails.
                                  final ChannelFutureListener failEcho =
                                      f -> {
                                        if (!f.isSuccess()) echoed.completeExceptionally(f.cause());
                                      };

                                  @Override
                                  public void channelActive(ChannelHandlerContext ctx) {
                                    ctx.writeAndFlush(Unpooled.wrappedBuffer(data))
                                        .addListener(failEcho);
                                  }

                                  @Override
                                  public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                    ByteBuf buf = (ByteBuf) msg;
                                    byte[] chunk = new byte[buf.readableBytes()];
                                    buf.readBytes(chunk);
                                    buf.release();
                                    got.writeBytes(chunk);
                                    if (got.size() >= BYTES) {
                                      echoed.complete(got.toByteArray());
                                      ctx.close().addListener(failEcho);
                                    }
                                  }

                                  @Override
                                  public void exceptionCaught(
                                      ChannelHandlerContext ctx, Throwable cause) {
                                    echoed.completeExceptionally(cause);
                                    ctx.close().addListener(failEcho);
                                  }
                                });
                      }
                    });
        pair.apps
            .host("client")
            .call(() -> client.connect(new InetSocketAddress(SimPair.SERVER, 7)).sync());
      }
      for (int i = 0; i < CLIENTS; i++) {
        byte[] back = echoes.get(i).get(120, TimeUnit.SECONDS);
        assertEquals(BYTES, back.length);
        assertArrayEquals(sent.get(i), back, "client " + i + " got its own bytes back in order");
      }
      listening.close().sync();
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
  }
}
