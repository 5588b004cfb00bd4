package dev.synack.cli.serve;

import dev.synack.socket.TcpSocket;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;

/**
 * What a server does with one accepted connection, on its own virtual thread. It returns when it is
 * done with the connection; the {@link Server} then closes the socket.
 */
@FunctionalInterface
public interface Service {
  /** Serves one connection until done; an exception ends it like a return does. */
  void serve(TcpSocket socket) throws IOException;

  /**
   * Returns {@code service} with reads that give up after {@code idle} without a byte: the
   * connection is then closed like at the end of the service; null {@code idle} returns it as is.
   */
  static Service idle(Service service, Duration idle) {
    if (idle == null) return service;
    int millis = (int) Math.clamp(idle.toMillis(), 1, Integer.MAX_VALUE);
    return socket -> {
      socket.setSoTimeout(millis);
      try {
        service.serve(socket);
      } catch (SocketTimeoutException e) {
        // Idle for too long: closed in order, as when the service ends.
      }
    };
  }

  /**
   * Returns {@code service} on connections with TCP keep-alive on (RFC 1122 §4.2.3.6, the host's
   * timing).
   */
  static Service keepAlive(Service service) {
    return socket -> {
      socket.setKeepAlive(true);
      service.serve(socket);
    };
  }

  /** RFC 862 echo: every byte received is sent back, until the client's FIN. */
  static Service echo() {
    return socket -> {
      byte[] buffer = new byte[16 * 1024];
      int n;
      while ((n = socket.getInputStream().read(buffer)) > 0) {
        socket.getOutputStream().write(buffer, 0, n);
      }
    };
  }

  /** RFC 863 discard: every byte received is thrown away, until the client's FIN. */
  static Service discard() {
    return socket -> {
      byte[] buffer = new byte[16 * 1024];
      while (socket.getInputStream().read(buffer) >= 0) {
        // Discarded, as RFC 863 says; the read only waits for the end of the stream.
      }
    };
  }
}
