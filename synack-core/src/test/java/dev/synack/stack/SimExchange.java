package dev.synack.stack;

import dev.synack.sim.SimNetwork;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** Moves data both ways over two connections on a {@link SimNetwork}, as two applications would. */
final class SimExchange {
  private SimExchange() {}

  /**
   * Sends {@code up} from {@code c} and {@code down} from {@code s}, each side closing once all is
   * queued, and reads both until the end of stream; returns what each side read.
   */
  static byte[][] exchange(SimNetwork net, Connection c, Connection s, byte[] up, byte[] down) {
    ByteBuffer toServer = ByteBuffer.wrap(up);
    ByteBuffer toClient = ByteBuffer.wrap(down);
    ByteArrayOutputStream atServer = new ByteArrayOutputStream();
    ByteArrayOutputStream atClient = new ByteArrayOutputStream();
    boolean[] closed = new boolean[2];
    boolean[] eof = new boolean[2];
    ByteBuffer buf = ByteBuffer.allocate(65536);
    while (!(eof[0] && eof[1])) {
      long now = net.now();
      pump(c, toServer, closed, 0, now);
      pump(s, toClient, closed, 1, now);
      eof[1] |= drain(s, atServer, buf, now);
      eof[0] |= drain(c, atClient, buf, now);
      if (!net.step()) break;
    }
    return new byte[][] {atServer.toByteArray(), atClient.toByteArray()};
  }

  /** Returns the SHA-256 of {@code data}. */
  static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void pump(Connection conn, ByteBuffer data, boolean[] closed, int side, long now) {
    if (data.hasRemaining()) conn.send(data, now);
    if (!data.hasRemaining() && !closed[side]) {
      conn.close(now);
      closed[side] = true;
    }
  }

  private static boolean drain(
      Connection conn, ByteArrayOutputStream out, ByteBuffer buf, long now) {
    while (true) {
      buf.clear();
      int n = conn.receive(buf, now);
      if (n < 0) return true;
      if (n == 0) return false;
      out.write(buf.array(), 0, n);
    }
  }
}
