package dev.synack.cli.watch;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The {@code --watch} page's HTTP server, on 127.0.0.1 only and on the kernel's own stack (the
 * JDK's {@code com.sun.net.httpserver}): {@code GET /} is the page, {@code GET /events} the
 * server-sent event stream ({@code text/event-stream}) of a {@link WatchFeed}.
 *
 * <p>Each browser's stream is written by its own virtual thread from its own bounded queue, so a
 * browser that reads slowly blocks only that thread, and loses events (counted, and told to the
 * page as an {@code event: lost}) rather than holding up the feed or the host.
 */
public final class WatchServer implements AutoCloseable {
  /** Browsers at once; more get 503, so that the pump's work stays bounded. */
  static final int MAX_BROWSERS = 16;

  /** How often an idle stream sends a comment line, which finds a browser gone. */
  private static final long KEEPALIVE_MILLIS = 10_000;

  private final HttpServer http;
  private final ExecutorService threads;
  private final WatchFeed feed;
  private final AtomicInteger browsers = new AtomicInteger();

  private WatchServer(HttpServer http, ExecutorService threads, WatchFeed feed) {
    this.http = http;
    this.threads = threads;
    this.feed = feed;
  }

  /**
   * Starts serving {@code feed} on 127.0.0.1:{@code port} (0: any free port) with a page titled
   * {@code title} in {@code lang} ({@code en} or {@code zh}).
   *
   * @throws IOException when the port cannot be bound (a {@link java.net.BindException} when in
   *     use)
   */
  public static WatchServer start(int port, WatchFeed feed, String title, String lang)
      throws IOException {
    byte[] page = WatchPage.html(title, lang).getBytes(StandardCharsets.UTF_8);
    HttpServer http =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 32);
    ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    WatchServer server = new WatchServer(http, threads, feed);
    http.setExecutor(threads);
    http.createContext("/", exchange -> server.page(exchange, page));
    http.createContext("/events", server::events);
    http.start();
    return server;
  }

  /** Returns the port the server listens on. */
  public int port() {
    return http.getAddress().getPort();
  }

  /** Returns the page's address, {@code http://127.0.0.1:PORT/}. */
  public String url() {
    return "http://127.0.0.1:" + port() + "/";
  }

  private void page(HttpExchange exchange, byte[] page) throws IOException {
    try (exchange) {
      if (!exchange.getRequestURI().getPath().equals("/")) {
        exchange.sendResponseHeaders(404, -1);
        return;
      }
      if (!exchange.getRequestMethod().equals("GET")
          && !exchange.getRequestMethod().equals("HEAD")) {
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
      exchange.getResponseHeaders().set("Cache-Control", "no-store");
      boolean head = exchange.getRequestMethod().equals("HEAD");
      exchange.sendResponseHeaders(200, head ? -1 : page.length);
      if (!head) exchange.getResponseBody().write(page);
    }
  }

  /** Streams the feed to one browser until it goes away or the server stops. */
  private void events(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (browsers.incrementAndGet() > MAX_BROWSERS) {
        exchange.sendResponseHeaders(503, -1);
        return;
      }
      exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
      exchange.getResponseHeaders().set("Cache-Control", "no-store");
      exchange.sendResponseHeaders(200, 0);
      OutputStream body = exchange.getResponseBody();
      WatchFeed.Subscriber s = feed.subscribe();
      try {
        stream(s, body);
      } finally {
        feed.unsubscribe(s);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // The server is stopping.
    } finally {
      browsers.decrementAndGet();
    }
  }

  private void stream(WatchFeed.Subscriber s, OutputStream body)
      throws IOException, InterruptedException {
    long toldLost = 0;
    send(body, "hello", "{\"forgotten\":" + s.forgotten + "}");
    while (!feed.closed()) {
      String line = s.next(KEEPALIVE_MILLIS);
      long lost = s.lost() + feed.lostAtSource();
      if (lost != toldLost) {
        toldLost = lost;
        send(body, "lost", "{\"browser\":" + s.lost() + ",\"source\":" + feed.lostAtSource() + "}");
      }
      if (line == null) {
        body.write(":\n\n".getBytes(StandardCharsets.UTF_8));
        body.flush();
      } else {
        send(body, null, line);
      }
    }
  }

  /** Writes one server-sent event; {@code data} is one line of JSON. */
  private static void send(OutputStream body, String event, String data) throws IOException {
    String text = (event == null ? "" : "event: " + event + "\n") + "data: " + data + "\n\n";
    body.write(text.getBytes(StandardCharsets.UTF_8));
    body.flush();
  }

  /** Stops serving: the streams end, the port is closed. */
  @Override
  public void close() {
    feed.close();
    http.stop(0);
    threads.shutdownNow();
  }
}
