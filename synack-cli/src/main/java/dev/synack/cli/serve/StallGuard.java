package dev.synack.cli.serve;

import dev.synack.socket.TcpSocket;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A socket's output stream on which one write may block for a bounded time only: a peer that stops
 * reading (its window stays closed, our send buffer full) would otherwise hold the connection and
 * its thread for ever. When a write has not returned within the limit, the connection is aborted
 * (RST), which ends the write with an exception, as nginx's {@code send_timeout} closes a
 * connection that accepts nothing for that long.
 */
final class StallGuard extends OutputStream {
  /** One daemon thread for every guard of the process: it only fires aborts, which do not block. */
  private static final ScheduledExecutorService TIMER = timer();

  private final TcpSocket socket;
  private final OutputStream out;
  private final long limitNanos;
  private final AtomicBoolean fired = new AtomicBoolean();

  StallGuard(TcpSocket socket, long limitNanos) {
    this.socket = socket;
    this.out = socket.getOutputStream();
    this.limitNanos = limitNanos;
  }

  /** Returns whether a write stalled past the limit and the connection was aborted. */
  boolean fired() {
    return fired.get();
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    ScheduledFuture<?> abort = TIMER.schedule(this::abort, limitNanos, TimeUnit.NANOSECONDS);
    try {
      out.write(b, off, len);
    } finally {
      abort.cancel(false);
    }
  }

  @Override
  public void flush() throws IOException {
    out.flush();
  }

  private void abort() {
    fired.set(true);
    try {
      socket.abort();
    } catch (IOException e) {
      // Closed meanwhile: nothing left to stop.
    }
  }

  private static ScheduledExecutorService timer() {
    ScheduledThreadPoolExecutor t =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread thread = new Thread(r, "synack-http-stall-guard");
              thread.setDaemon(true);
              return thread;
            });
    t.setRemoveOnCancelPolicy(
        true); // Most guards are cancelled: do not keep them queued until due.
    return t;
  }
}
