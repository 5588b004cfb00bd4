package dev.synack.nio;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A program written against {@code java.net.Socket} and {@code ServerSocket} alone, started by
 * {@link SynackSocketsTest} through {@link SynackSockets#main} in a JVM of its own: it prints one
 * line per fact it checks, and exits 0 only if all hold.
 */
public final class PlainSocketsProgram {
  private PlainSocketsProgram() {}

  public static void main(String[] args) throws Exception {
    try (SimPair pair = new SimPair()) {
      pair.apps.host("client").makeDefault();
      ServerSocket server = pair.apps.host("server").call(() -> new ServerSocket(8080));
      say(
          "server class",
          server.getClass().getSimpleName() + " local port " + server.getLocalPort());
      CompletableFuture<String> served =
          CompletableFuture.supplyAsync(
              () -> {
                try (Socket s = server.accept()) {
                  InputStream in = s.getInputStream();
                  byte[] got = in.readAllBytes(); // until the client's shutdownOutput
                  OutputStream out = s.getOutputStream();
                  out.write(
                      new StringBuilder(new String(got, StandardCharsets.UTF_8))
                          .reverse()
                          .toString()
                          .getBytes(StandardCharsets.UTF_8));
                  return "accepted from "
                      + s.getInetAddress().getHostAddress()
                      + " to port "
                      + s.getLocalPort();
                } catch (Exception e) {
                  return "server failed: " + e;
                }
              });

      try (Socket client = new Socket("10.0.0.2", 8080)) {
        say(
            "client connected",
            client.getInetAddress().getHostAddress()
                + ":"
                + client.getPort()
                + " from "
                + client.getLocalAddress().getHostAddress()
                + " nodelay "
                + client.getTcpNoDelay());
        client.setTcpNoDelay(true);
        client.getOutputStream().write("hello, synack".getBytes(StandardCharsets.UTF_8));
        client.shutdownOutput();
        byte[] back = client.getInputStream().readAllBytes();
        say(
            "echoed",
            new String(back, StandardCharsets.UTF_8) + " nodelay " + client.getTcpNoDelay());
      }
      say("server", served.get(30, TimeUnit.SECONDS));

      try (Socket quiet = new Socket()) {
        quiet.connect(new InetSocketAddress("10.0.0.2", 8080), 10_000);
        CompletableFuture<Socket> held =
            CompletableFuture.supplyAsync(
                () -> {
                  try {
                    return server.accept();
                  } catch (Exception e) {
                    return null;
                  }
                });
        quiet.setSoTimeout(300);
        try {
          quiet.getInputStream().read();
          say("timeout", "none: read returned");
        } catch (SocketTimeoutException expected) {
          say("timeout", "SocketTimeoutException after SO_TIMEOUT " + quiet.getSoTimeout());
        }
        Socket other = held.get(30, TimeUnit.SECONDS);
        if (other != null) other.close();
      }

      try (Socket refused = new Socket()) {
        refused.connect(new InetSocketAddress("10.0.0.2", 9), 10_000);
        say("refused", "none: connected");
      } catch (ConnectException expected) {
        say("refused", "ConnectException");
      }
      sharing(pair);
      server.close();
    }
  }

  /** SO_REUSEPORT on server sockets and SO_REUSEADDR on client binds, with Linux's bind rules. */
  private static void sharing(SimPair pair) throws Exception {
    ServerSocket[] group = new ServerSocket[2];
    for (int i = 0; i < 2; i++) {
      group[i] =
          pair.apps
              .host("server")
              .call(
                  () -> {
                    ServerSocket s = new ServerSocket();
                    s.setOption(StandardSocketOptions.SO_REUSEPORT, true);
                    s.bind(new InetSocketAddress(8081));
                    return s;
                  });
    }
    say(
        "reuseport",
        "both bound to "
            + group[1].getLocalPort()
            + " "
            + group[0].getOption(StandardSocketOptions.SO_REUSEPORT));
    try {
      pair.apps.host("server").call(() -> new ServerSocket(8081)).close();
      say("reuseport third", "bound");
    } catch (BindException expected) {
      say("reuseport third", "BindException");
    }
    try (Socket first = new Socket();
        Socket second = new Socket();
        Socket a = new Socket();
        Socket b = new Socket()) {
      first.bind(new InetSocketAddress(40010));
      first.connect(new InetSocketAddress("10.0.0.2", 8080), 10_000);
      try {
        second.bind(new InetSocketAddress(40010));
        second.connect(new InetSocketAddress("10.0.0.2", 8081), 10_000);
        say("client port taken", "connected");
      } catch (BindException expected) {
        say("client port taken", "BindException");
      }
      a.setReuseAddress(true);
      b.setReuseAddress(true);
      a.bind(new InetSocketAddress(40011));
      a.connect(new InetSocketAddress("10.0.0.2", 8080), 10_000);
      b.bind(new InetSocketAddress(40011));
      b.connect(new InetSocketAddress("10.0.0.2", 8081), 10_000);
      say("client port shared", "from " + a.getLocalPort() + " and " + b.getLocalPort());
    }
    // Linux's bind() takes the port at the bind: a second bind fails there, before any connect.
    try (Socket bound = new Socket();
        Socket other = new Socket()) {
      bound.bind(new InetSocketAddress(40012));
      try {
        other.bind(new InetSocketAddress(40012));
        say("bound port", "bound twice");
      } catch (BindException expected) {
        say("bound port", "BindException at the bind");
      }
    }
    try (Socket again = new Socket()) {
      again.bind(new InetSocketAddress(40012));
      say("bound port after close", "bound " + again.getLocalPort());
    }
    for (ServerSocket s : group) s.close();
  }

  private static void say(String what, String value) {
    System.out.println(what + ": " + value);
  }
}
