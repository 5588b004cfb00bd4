package dev.synack.cli.serve;

import dev.synack.socket.TcpSocket;
import java.io.IOException;

/**
 * What a server does with one accepted connection, on its own virtual thread. It returns when it
 * is done with the connection; the {@link Server} then closes the socket.
 */
@FunctionalInterface
public interface Service {
  /** Serves one connection until done; an exception ends it like a return does. */
  void serve(TcpSocket socket) throws IOException;

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
