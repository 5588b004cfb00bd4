package dev.synack.cli.bench;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * What each end of a TUN or veth figure does, over plain streams, so that a synack socket and a
 * kernel socket run the very same code.
 */
final class StreamPeers {
  /** The size of each write and read, as iperf3's default TCP block (128 KiB) doubled. */
  static final int CHUNK = 256 * 1024;

  private StreamPeers() {}

  /** Writes {@code bytes} bytes (zeros) in chunks of {@link #CHUNK}. */
  static void sendAll(OutputStream out, long bytes) throws IOException {
    byte[] chunk = new byte[CHUNK];
    for (long left = bytes; left > 0; ) {
      int n = (int) Math.min(CHUNK, left);
      out.write(chunk, 0, n);
      left -= n;
    }
    out.flush();
  }

  /** Reads exactly {@code bytes} bytes and returns the Gbit/s from this call to the last byte. */
  static double receiveAll(InputStream in, long bytes) throws IOException {
    byte[] chunk = new byte[CHUNK];
    Stopwatch watch = new Stopwatch();
    for (long received = 0; received < bytes; ) {
      int n = in.read(chunk, 0, (int) Math.min(CHUNK, bytes - received));
      if (n < 0)
        throw new EOFException("stream ended after " + received + " of " + bytes + " bytes");
      received += n;
    }
    return watch.gbitPerSecond(bytes);
  }

  /** Answers each byte read with one byte, until the stream ends. */
  static void echo(InputStream in, OutputStream out) throws IOException {
    int b;
    while ((b = in.read()) >= 0) {
      out.write(b);
      out.flush();
    }
  }

  /**
   * Sends one byte and reads one back, {@code rounds} times; returns the mean microseconds per
   * round.
   */
  static double pingPong(InputStream in, OutputStream out, int rounds) throws IOException {
    Stopwatch watch = new Stopwatch();
    for (int i = 0; i < rounds; i++) {
      out.write(i & 0xff);
      out.flush();
      if (in.read() < 0)
        throw new EOFException("echo ended after " + i + " of " + rounds + " rounds");
    }
    return watch.elapsedNanos() / 1_000.0 / rounds;
  }
}
