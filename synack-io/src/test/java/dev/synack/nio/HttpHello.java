package dev.synack.nio;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.channels.spi.SelectorProvider;
import java.nio.charset.StandardCharsets;

/**
 * An ordinary program for {@code synack run} tests: the JDK's HttpServer on port 8080 answering
 * which NIO provider it runs on. It prints {@code listening} once it serves; its arguments are
 * ignored (tests pass a marker to find the process by).
 */
public final class HttpHello {
  private HttpHello() {}

  public static void main(String[] args) throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress(8080), 0);
    server.createContext(
        "/",
        exchange -> {
          byte[] body =
              ("hello over " + SelectorProvider.provider().getClass().getName() + "\n")
                  .getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
    System.out.println("listening");
  }
}
