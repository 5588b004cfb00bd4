package dev.synack.nio;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.synack.link.UdpLink;
import dev.synack.sim.LinkConfig;
import dev.synack.sim.SimNetwork;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.spi.SelectorProvider;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The JDK's own {@code com.sun.net.httpserver.HttpServer} and {@code java.net.http.HttpClient},
 * unmodified, over synack on a simulated network. Runs in a JVM of its own (the surefire execution
 * {@code nio-provider} of synack-io's pom) started with {@code
 * -Djava.nio.channels.spi.SelectorProvider=dev.synack.nio.SynackSelectorProvider}: the JDK reads
 * that property once per JVM, so every NIO channel of that JVM is synack's. (The default execution
 * excludes it; only with {@code -Dtest} does it reach there, where it is disabled.)
 */
@EnabledIfSystemProperty(
    named = "java.nio.channels.spi.SelectorProvider",
    matches = "dev\\.synack\\.nio\\.SynackSelectorProvider",
    disabledReason = "runs in synack-io's nio-provider surefire execution")
class JdkHttpOverSynackTest {
  static final int PORT = 8080;

  /**
   * Starts an HttpServer on the server host that answers each POST with its body reversed and the
   * SHA-256 of what it read.
   */
  private static HttpServer startServer(SimPair pair, ExecutorService executor) throws Exception {
    return pair.apps
        .host("server")
        .call(
            () -> {
              HttpServer s = HttpServer.create(new InetSocketAddress(PORT), 64);
              s.createContext(
                  "/",
                  exchange -> {
                    byte[] body;
                    try (InputStream in = exchange.getRequestBody()) {
                      body = in.readAllBytes();
                    }
                    byte[] reply = reversed(body);
                    exchange.getResponseHeaders().add("X-Sha256", sha256(body));
                    exchange.sendResponseHeaders(200, reply.length == 0 ? -1 : reply.length);
                    try (OutputStream out = exchange.getResponseBody()) {
                      out.write(reply);
                    }
                  });
              s.setExecutor(executor);
              s.start();
              return s;
            });
  }

  @Test
  void jdkServerAndClient_fivePercentLossFiftyMsDelay_200RequestsWithBodiesIntact()
      throws Exception {
    assertInstanceOf(
        SynackSelectorProvider.class,
        SelectorProvider.provider(),
        "run in the nio-provider surefire execution (-Djava.nio.channels.spi.SelectorProvider=...)");
    LinkConfig lossy = LinkConfig.ideal().withDelay(Duration.ofMillis(50)).withLoss(0.05);
    ExecutorService serverThreads = Executors.newFixedThreadPool(8);
    try (SimPair pair = new SimPair(11, lossy)) {
      HttpServer server = startServer(pair, serverThreads);
      pair.apps.host("client").makeDefault(); // HttpClient opens its channels on threads of its own
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      URI uri = URI.create("http://" + SimPair.SERVER.getHostAddress() + ":" + PORT + "/echo");
      Random random = new Random(5);
      Semaphore inFlight = new Semaphore(16);
      List<CompletableFuture<Void>> done = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        byte[] body = new byte[random.nextInt(i % 10 == 0 ? 200_000 : 4000)];
        random.nextBytes(body);
        inFlight.acquire();
        HttpRequest request =
            HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        done.add(
            client
                .sendAsync(request, HttpResponse.BodyHandlers.ofByteArray())
                .thenAccept(
                    response -> {
                      assertEquals(200, response.statusCode());
                      assertEquals(
                          sha256(body),
                          response.headers().firstValue("X-Sha256").orElseThrow(),
                          "the server read the body intact");
                      assertArrayEquals(
                          reversed(body), response.body(), "the client read the reply intact");
                    })
                .whenComplete((v, t) -> inFlight.release()));
      }
      CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(300, TimeUnit.SECONDS);
      long lost = pair.apps.network(n -> n.totalStats().dropped(SimNetwork.LOSS));
      assertTrue(lost > 0, "the network lost packets on the way, and TCP made up for them");
      client.close();
      server.stop(0);
    } finally {
      serverThreads.shutdownNow();
      HostScope.setDefault(null);
    }
  }

  @Test
  void partition_requestTimesOutAsOnARealNetwork_thenHealedLinkServesAgain() throws Exception {
    assertInstanceOf(SynackSelectorProvider.class, SelectorProvider.provider());
    LinkConfig fine = LinkConfig.ideal().withDelay(Duration.ofMillis(5));
    ExecutorService serverThreads = Executors.newFixedThreadPool(2);
    try (SimPair pair = new SimPair(12, fine)) {
      HttpServer server = startServer(pair, serverThreads);
      pair.apps.host("client").makeDefault();
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      URI uri = URI.create("http://" + SimPair.SERVER.getHostAddress() + ":" + PORT + "/echo");
      HttpRequest ok =
          HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString("abc")).build();
      assertEquals(
          "cba",
          new String(client.send(ok, HttpResponse.BodyHandlers.ofByteArray()).body(), UTF_8));

      pair.setLink(fine.withLoss(1.0)); // a partition: nothing gets through either way
      HttpRequest bounded =
          HttpRequest.newBuilder(uri)
              .timeout(Duration.ofSeconds(1))
              .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[100_000]))
              .build();
      assertThrows(
          HttpTimeoutException.class,
          () -> client.send(bounded, HttpResponse.BodyHandlers.ofByteArray()));

      pair.setLink(fine); // healed
      HttpRequest again =
          HttpRequest.newBuilder(uri)
              .timeout(Duration.ofSeconds(30))
              .POST(HttpRequest.BodyPublishers.ofString("xyz"))
              .build();
      assertEquals(
          "zyx",
          new String(client.send(again, HttpResponse.BodyHandlers.ofByteArray()).body(), UTF_8));
      client.close();
      server.stop(0);
    } finally {
      serverThreads.shutdownNow();
      HostScope.setDefault(null);
    }
  }

  @Test
  void datagramChannelsAreSynacks_whileTheUdpLinkStaysTheKernels_andCarriesDatagrams()
      throws Exception {
    assertInstanceOf(SynackSelectorProvider.class, SelectorProvider.provider());
    try (SimPair pair = new SimPair();
        DatagramChannel onSynack = pair.apps.host("client").call(DatagramChannel::open)) {
      assertInstanceOf(
          SynackDatagramChannel.class,
          onSynack,
          "DatagramChannel.open() opens on the host in scope");
    }
    InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    try (DatagramChannel plain =
            dev.synack.link.PlatformChannels.provider().openDatagramChannel().bind(any);
        UdpLink link = UdpLink.open(any, (InetSocketAddress) plain.getLocalAddress())) {
      plain.send(ByteBuffer.wrap(new byte[] {4, 5, 6}), link.localAddress());
      ByteBuffer got = ByteBuffer.allocate(100);
      assertEquals(
          3,
          link.receive(got, 10_000_000_000L),
          "the tunnel's socket is the kernel's, beside synack's provider");
      assertArrayEquals(new byte[] {4, 5, 6}, Arrays.copyOf(got.array(), 3));
    }
  }

  static byte[] reversed(byte[] b) {
    byte[] r = new byte[b.length];
    for (int i = 0; i < b.length; i++) r[i] = b[b.length - 1 - i];
    return r;
  }

  static String sha256(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
