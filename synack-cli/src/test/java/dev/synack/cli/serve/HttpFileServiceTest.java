package dev.synack.cli.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.runtime.SimDriver;
import dev.synack.sim.HostNode;
import dev.synack.sim.LinkConfig;
import dev.synack.sim.SimNetwork;
import dev.synack.socket.TcpSocket;
import dev.synack.stack.Host;
import dev.synack.stack.HostConfig;
import dev.synack.tcp.TcpState;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tests of {@link HttpFileService} behind a {@link Server}, between two synack hosts on a simulated
 * network run in real time: a client sends raw HTTP/1.1 and reads what comes back.
 */
class HttpFileServiceTest {
  private static final InetAddress CLIENT = InetAddress.ofLiteral("10.0.0.1");
  private static final InetAddress SERVER = InetAddress.ofLiteral("10.0.0.2");
  private static final byte[] BIG = pattern(300_000);

  @TempDir Path site;
  private final Host client = new Host("client", HostConfig.defaults(1), null);
  private final Host server = new Host("server", HostConfig.defaults(2), null);
  private final ConcurrentLinkedQueue<String> log = new ConcurrentLinkedQueue<>();
  private SimDriver driver;
  private Server http;

  @BeforeEach
  void start() throws IOException {
    Files.writeString(site.resolve("index.html"), "<h1>hi</h1>\n");
    Files.write(site.resolve("big.bin"), BIG);
    Files.createDirectory(site.resolve("docs"));
    Files.writeString(site.resolve("docs").resolve("a b.txt"), "spaced\n");
    client.addAddress(CLIENT);
    server.addAddress(SERVER);
    SimNetwork net = new SimNetwork(7);
    HostNode c = new HostNode(client);
    HostNode s = new HostNode(server);
    net.attach(c, CLIENT);
    net.attach(s, SERVER);
    net.setLink(c, s, LinkConfig.ideal().withDelay(Duration.ofMillis(1)));
    driver = new SimDriver(net, List.of(client, server));
    http = Server.start(driver, server, null, 80, HttpFileService.of(site, log::add), line -> {});
  }

  @AfterEach
  void stop() throws IOException {
    http.stop(Duration.ofSeconds(2));
    driver.close();
  }

  @Nested
  class Get {
    @Test
    void root_servesIndexHtml_200WithHtmlTypeAndLength() throws Exception {
      try (Exchange x = connect()) {
        Response r = x.ask("GET / HTTP/1.1\r\nHost: s\r\n\r\n", false);
        assertEquals(200, r.status);
        assertEquals("text/html; charset=utf-8", r.headers.get("content-type"));
        assertEquals("12", r.headers.get("content-length"));
        assertEquals("bytes", r.headers.get("accept-ranges"));
        assertEquals("<h1>hi</h1>\n", r.text());
      }
      // The server's thread logs once its write has returned, which may be after the client read
      // the answer (a race seen on a loaded machine): waited for, bounded by 200 x 50 ms.
      String expected = "10.0.0.1 \"GET / HTTP/1.1\" 200 12";
      for (int i = 0; i < 200 && !log.contains(expected); i++) Thread.sleep(50);
      assertTrue(log.contains(expected), log.toString());
    }

    @Test
    void bigFile_wholeBodyArrivesIntact() throws IOException {
      try (Exchange x = connect()) {
        Response r = x.ask("GET /big.bin HTTP/1.1\r\nHost: s\r\n\r\n", false);
        assertEquals(200, r.status);
        assertEquals("application/octet-stream", r.headers.get("content-type"));
        assertArrayEquals(BIG, r.body);
      }
    }

    @Test
    void percentEncodedName_isDecoded() throws IOException {
      try (Exchange x = connect()) {
        Response r = x.ask("GET /docs/a%20b.txt?x=1 HTTP/1.1\r\nHost: s\r\n\r\n", false);
        assertEquals(200, r.status);
        assertEquals("text/plain; charset=utf-8", r.headers.get("content-type"));
        assertEquals("spaced\n", r.text());
      }
    }

    @Test
    void head_sendsTheFieldsOfGetWithoutBody() throws IOException {
      try (Exchange x = connect()) {
        Response r = x.ask("HEAD /big.bin HTTP/1.1\r\nHost: s\r\n\r\n", true);
        assertEquals(200, r.status);
        assertEquals(Integer.toString(BIG.length), r.headers.get("content-length"));
        // The connection goes on: the next response starts right after the head.
        assertEquals(200, x.ask("GET / HTTP/1.1\r\nHost: s\r\n\r\n", false).status);
      }
    }
  }

  @Nested
  class KeepAlive {
    @Test
    void threePipelinedRequests_allAnsweredInOrderOnOneConnection() throws IOException {
      try (Exchange x = connect()) {
        x.send(
            "GET / HTTP/1.1\r\nHost: s\r\n\r\nGET /nothing HTTP/1.1\r\nHost: s\r\n\r\n"
                + "GET /big.bin HTTP/1.1\r\nHost: s\r\nConnection: close\r\n\r\n");
        assertEquals(200, x.read(false).status);
        Response missing = x.read(false);
        assertEquals(404, missing.status);
        assertEquals("keep-alive", missing.headers.get("connection"));
        Response last = x.read(false);
        assertArrayEquals(BIG, last.body);
        assertEquals("close", last.headers.get("connection"));
        assertEquals(-1, x.in.read(), "the server closes after Connection: close");
      }
      assertEquals(1, http.accepted());
    }

    @Test
    void http10WithoutKeepAlive_closesAfterTheResponse() throws IOException {
      try (Exchange x = connect()) {
        Response r = x.ask("GET / HTTP/1.0\r\n\r\n", false);
        assertEquals(200, r.status);
        assertEquals("close", r.headers.get("connection"));
        assertEquals(-1, x.in.read());
      }
    }
  }

  @Nested
  class Ranges {
    @Test
    void middleRange_206WithContentRange() throws IOException {
      Response r = once("GET /big.bin HTTP/1.1\r\nHost: s\r\nRange: bytes=1000-1999\r\n\r\n");
      assertEquals(206, r.status);
      assertEquals("bytes 1000-1999/" + BIG.length, r.headers.get("content-range"));
      assertArrayEquals(Arrays.copyOfRange(BIG, 1000, 2000), r.body);
    }

    @Test
    void suffixRange_lastBytes() throws IOException {
      Response r = once("GET /big.bin HTTP/1.1\r\nHost: s\r\nRange: bytes=-10\r\n\r\n");
      assertEquals(206, r.status);
      assertArrayEquals(Arrays.copyOfRange(BIG, BIG.length - 10, BIG.length), r.body);
    }

    @Test
    void rangePastTheEnd_416WithTheLength() throws IOException {
      Response r = once("GET /big.bin HTTP/1.1\r\nHost: s\r\nRange: bytes=300000-\r\n\r\n");
      assertEquals(416, r.status);
      assertEquals("bytes */300000", r.headers.get("content-range"));
    }

    @Test
    void parse_theFormsOfOneRange() {
      assertEquals(new ByteRange.Part(0, 99), ByteRange.of("bytes=0-99", 1000));
      assertEquals(new ByteRange.Part(900, 999), ByteRange.of("bytes=900-5000", 1000));
      assertEquals(new ByteRange.Part(500, 999), ByteRange.of("bytes=500-", 1000));
      assertEquals(new ByteRange.Part(0, 9), ByteRange.of("bytes=-100", 10));
      assertEquals(new ByteRange.Unsatisfiable(), ByteRange.of("bytes=1000-", 1000));
      assertEquals(new ByteRange.Unsatisfiable(), ByteRange.of("bytes=-0", 1000));
      // Ignored, so the whole is sent (RFC 9110 §14.2): several ranges, another unit, bad syntax.
      assertEquals(new ByteRange.Whole(), ByteRange.of("bytes=0-1,5-6", 1000));
      assertEquals(new ByteRange.Whole(), ByteRange.of("lines=0-1", 1000));
      assertEquals(new ByteRange.Whole(), ByteRange.of("bytes=9-1", 1000));
      assertEquals(new ByteRange.Whole(), ByteRange.of("bytes=+1-2", 1000));
      assertEquals(new ByteRange.Whole(), ByteRange.of(null, 1000));
    }
  }

  @Nested
  class Refusals {
    @Test
    void dotDotOutOfTheDirectory_notFound() throws IOException {
      assertEquals(404, once("GET /../../etc/passwd HTTP/1.1\r\nHost: s\r\n\r\n").status);
      assertEquals(
          404, once("GET /docs/%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: s\r\n\r\n").status);
    }

    @Test
    void symbolicLinkOutOfTheDirectory_notFound() throws IOException {
      Files.createSymbolicLink(site.resolve("out"), Path.of("/etc"));
      assertEquals(404, once("GET /out/hostname HTTP/1.1\r\nHost: s\r\n\r\n").status);
    }

    @Test
    void post_405WithAllow() throws IOException {
      Response r = once("POST / HTTP/1.1\r\nHost: s\r\nContent-Length: 3\r\n\r\nabc");
      assertEquals(405, r.status);
      assertEquals("GET, HEAD", r.headers.get("allow"));
    }

    @Test
    void missingHost_400AndClosed() throws IOException {
      try (Exchange x = connect()) {
        assertEquals(400, x.ask("GET / HTTP/1.1\r\n\r\n", false).status);
        assertEquals(-1, x.in.read());
      }
    }

    @Test
    void otherVersion_505() throws IOException {
      assertEquals(505, once("GET / HTTP/2.0\r\nHost: s\r\n\r\n").status);
    }
  }

  @Nested
  class Directories {
    @Test
    void withoutSlash_301ToTheSlash() throws IOException {
      Response r = once("GET /docs HTTP/1.1\r\nHost: s\r\n\r\n");
      assertEquals(301, r.status);
      assertEquals("/docs/", r.headers.get("location"));
    }

    @Test
    void withoutIndex_listsTheFilesAsLinks() throws IOException {
      Response r = once("GET /docs/ HTTP/1.1\r\nHost: s\r\n\r\n");
      assertEquals(200, r.status);
      assertTrue(r.text().contains("<a href=\"a%20b.txt\">a b.txt</a>"), r.text());
    }
  }

  @Test
  void requestTarget_absoluteFormAndBadEncoding() {
    assertEquals("/x/y", RequestTarget.path("http://example.com/x/y?q"));
    assertEquals("/", RequestTarget.path("http://example.com"));
    assertNull(RequestTarget.path("/%zz"));
    assertNull(RequestTarget.path("/%c3"));
    assertNull(RequestTarget.path("*"));
  }

  /**
   * The bounds on a connection's life: idle keep-alive, a request that never completes, TCP
   * keep-alive.
   */
  @Nested
  class LifetimeBounds {
    private static final int PORT = 8080;
    private Server bounded;

    @BeforeEach
    void startBounded() throws IOException {
      bounded =
          Server.start(
              driver,
              server,
              null,
              PORT,
              HttpFileService.of(site, Duration.ofMillis(500), log::add),
              line -> {});
    }

    @AfterEach
    void stopBounded() throws IOException {
      bounded.stop(Duration.ofSeconds(2));
    }

    @Test
    void idleKeepAliveConnection_closedByTheServerAfterTheTimeout() throws IOException {
      try (Exchange x = connect(PORT)) {
        assertEquals(200, x.ask("GET / HTTP/1.1\r\nHost: s\r\n\r\n", false).status);
        // Kept alive after the response, then closed once idle: the FIN ends the stream (the
        // client's own 20 s read timeout would throw instead if the server kept it open).
        assertEquals(-1, x.in.read());
      }
    }

    @Test
    void aRequestThatNeverCompletes_isClosed_thoughBytesKeepComing() throws Exception {
      try (Exchange x = connect(PORT)) {
        x.send("GET / HTTP/1.1\r\nHost: s\r\n");
        // A header line every 50 ms: a timeout per read would never fire. Bounded: 400 lines, 20 s.
        boolean closedByServer = false;
        for (int i = 0; i < 400 && !closedByServer; i++) {
          try {
            x.send("X-" + i + ": slow\r\n");
          } catch (IOException e) {
            closedByServer = true; // Reset after the server closed: as good as a FIN.
            break;
          }
          Thread.sleep(50);
          closedByServer = x.socket.state() != TcpState.ESTABLISHED;
        }
        assertTrue(closedByServer, "the server still waits for the request head after 400 lines");
      }
      assertTrue(
          log.stream().anyMatch(l -> l.equals("10.0.0.1 (request incomplete after 0.5 s) closed")),
          log.toString());
    }

    @Test
    void aClientThatStopsReading_isResetOnceNothingIsTakenForTheTimeout() throws Exception {
      try (Exchange x = connect(PORT)) {
        // A 4 KiB window that the client never reads from: the 300 kB answer cannot all leave.
        x.socket.setReceiveBufferSize(4096);
        x.send("GET /big.bin HTTP/1.1\r\nHost: s\r\n\r\n");
        boolean reset = false;
        for (int i = 0; i < 400 && !reset; i++) { // Bounded: 400 x 50 ms.
          Thread.sleep(50);
          reset = x.socket.state() == TcpState.CLOSED;
        }
        assertTrue(reset, "the server still holds a connection whose peer takes nothing");
      }
      // The server's thread logs once its write has ended: after the RST the client saw.
      String expected = "10.0.0.1 \"GET /big.bin\" 200 (nothing taken for 0.5 s) reset";
      for (int i = 0; i < 200 && !log.contains(expected); i++) Thread.sleep(50);
      assertTrue(log.contains(expected), log.toString());
    }

    @Test
    void aSlowClientThatKeepsTaking_isServedToTheEnd_thoughOneWriteOutlastsTheTimeout()
        throws Exception {
      try (Exchange x = connect(PORT)) {
        // A 4 KiB window read 1 KiB every 50 ms for 3 s: the server's send buffer (128 KiB) stays
        // full, so one write blocks for six times the 0.5 s timeout, but the client keeps taking
        // bytes, and nginx's send_timeout only counts the time since the last byte taken.
        x.socket.setReceiveBufferSize(4096);
        x.send("GET /big.bin HTTP/1.1\r\nHost: s\r\n\r\n");
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] piece = new byte[1024];
        long slowUntil = System.nanoTime() + 3_000_000_000L;
        for (int i = 0; i < 200 && System.nanoTime() < slowUntil; i++) { // Bounded: 200 x 50 ms.
          int n = x.in.read(piece);
          assertTrue(n > 0, "the server ended the answer after " + got.size() + " bytes");
          got.write(piece, 0, n);
          Thread.sleep(50);
        }
        assertEquals(TcpState.ESTABLISHED, x.socket.state(), log.toString());
        int bodyAt = headEnd(got.toByteArray());
        got.write(x.in.readNBytes(bodyAt + BIG.length - got.size()));
        byte[] all = got.toByteArray();
        assertArrayEquals(BIG, java.util.Arrays.copyOfRange(all, bodyAt, all.length));
      }
      assertFalse(log.stream().anyMatch(l -> l.endsWith(" reset")), log.toString());
    }

    @Test
    void echoWithAnIdleTimeout_closesASilentConnection() throws IOException {
      Server echo =
          Server.start(
              driver,
              server,
              null,
              7,
              Service.idle(Service.echo(), Duration.ofMillis(300)),
              l -> {});
      try (Exchange x = connect(7)) {
        x.send("ping");
        assertEquals("ping", new String(x.in.readNBytes(4), StandardCharsets.ISO_8859_1));
        assertEquals(-1, x.in.read());
      } finally {
        echo.stop(Duration.ofSeconds(2));
      }
    }

    @Test
    void keepAliveService_turnsTcpKeepAliveOnForEachConnection() throws Exception {
      java.util.concurrent.CompletableFuture<Boolean> seen =
          new java.util.concurrent.CompletableFuture<>();
      Server probed =
          Server.start(
              driver,
              server,
              null,
              9,
              Service.keepAlive(socket -> seen.complete(socket.getKeepAlive())),
              l -> {});
      try (Exchange x = connect(9)) {
        assertTrue(seen.get(20, java.util.concurrent.TimeUnit.SECONDS));
      } finally {
        probed.stop(Duration.ofSeconds(2));
      }
    }
  }

  private Response once(String request) throws IOException {
    try (Exchange x = connect()) {
      return x.ask(request, false);
    }
  }

  private Exchange connect() throws IOException {
    return connect(80);
  }

  private Exchange connect(int port) throws IOException {
    TcpSocket s = TcpSocket.connect(driver, client, new InetSocketAddress(SERVER, port), 10_000);
    s.setSoTimeout(20_000);
    return new Exchange(s);
  }

  /** A status, the header fields (names in lower case) and the body of a response. */
  private record Response(int status, Map<String, String> headers, byte[] body) {
    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  /** Returns where the body starts in {@code bytes}: after the head's empty line. */
  private static int headEnd(byte[] bytes) {
    for (int i = 0; i + 3 < bytes.length; i++) {
      if (bytes[i] == '\r' && bytes[i + 1] == '\n' && bytes[i + 2] == '\r' && bytes[i + 3] == '\n')
        return i + 4;
    }
    throw new AssertionError("no end of the response head in " + bytes.length + " bytes");
  }

  /**
   * One client connection that writes raw requests and reads responses framed by Content-Length.
   */
  private static final class Exchange implements AutoCloseable {
    final TcpSocket socket;
    final InputStream in;

    Exchange(TcpSocket socket) {
      this.socket = socket;
      this.in = socket.getInputStream();
    }

    Response ask(String request, boolean head) throws IOException {
      send(request);
      return read(head);
    }

    void send(String request) throws IOException {
      socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
    }

    Response read(boolean head) throws IOException {
      String statusLine = line();
      Map<String, String> headers = new LinkedHashMap<>();
      for (String l; !(l = line()).isEmpty(); ) {
        int colon = l.indexOf(':');
        headers.put(l.substring(0, colon).toLowerCase(Locale.ROOT), l.substring(colon + 1).strip());
      }
      int length = head ? 0 : Integer.parseInt(headers.getOrDefault("content-length", "0"));
      byte[] body = in.readNBytes(length);
      return new Response(Integer.parseInt(statusLine.split(" ")[1]), headers, body);
    }

    private String line() throws IOException {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      for (int c; (c = in.read()) != '\n'; ) {
        if (c < 0) throw new IOException("connection closed in a response head");
        if (c != '\r') b.write(c);
      }
      return b.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  private static byte[] pattern(int length) {
    byte[] b = new byte[length];
    for (int i = 0; i < length; i++) b[i] = (byte) (i * 31 + i / 251);
    return b;
  }
}
