package dev.synack.cli.serve;

import dev.synack.socket.TcpSocket;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.util.function.LongSupplier;

/**
 * A socket's input stream with one deadline for everything read until the next {@code until}: each
 * read waits only for what is left of it, so a peer that sends a byte now and then cannot stretch
 * the wait (a slowloris), where a per-read timeout would start again at every byte.
 */
final class DeadlineInput extends InputStream {
  private final TcpSocket socket;
  private final InputStream in;

  /** Nanoseconds, monotonic ({@link System#nanoTime} outside tests). */
  private final LongSupplier clock;

  /** When reading must be done by, on {@link #clock}; meaningful only while {@link #bounded}. */
  private long deadline;

  private boolean bounded;

  /** Bytes read since the deadline was last set. */
  private long readSince;

  DeadlineInput(TcpSocket socket, LongSupplier clock) {
    this.socket = socket;
    this.in = socket.getInputStream();
    this.clock = clock;
  }

  /** Sets the deadline {@code nanos} from now for everything read from here on. */
  void within(long nanos) {
    deadline = clock.getAsLong() + nanos;
    bounded = true;
    readSince = 0;
  }

  /** Returns how many bytes were read since the deadline was set. */
  long readSince() {
    return readSince;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (bounded) {
      long left = deadline - clock.getAsLong();
      if (left <= 0) throw new SocketTimeoutException("deadline passed");
      // At least a millisecond: 0 would mean no timeout at all.
      socket.setSoTimeout((int) Math.clamp((left + 999_999) / 1_000_000, 1, Integer.MAX_VALUE));
    }
    int n = in.read(b, off, len);
    if (n > 0) readSince += n;
    return n;
  }

  @Override
  public int available() throws IOException {
    return in.available();
  }
}
