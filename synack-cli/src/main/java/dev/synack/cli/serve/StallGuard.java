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
 * A socket's output stream whose writes may go on as long as the peer keeps taking bytes, and no
 * longer than a limit after it stopped: a peer that stops reading (its window stays closed, our
 * send buffer full) would otherwise hold the connection and its thread for ever. As nginx's {@code
 * send_timeout}, "set only between two successive write operations, not for the transmission of the
 * whole response": while a write blocks, the deadline restarts whenever the peer acknowledges a new
 * byte (which is what frees room in the send buffer for the write to go on; an ACK that
 * acknowledges nothing new, such as the answer to a zero-window probe, does not count), and once
 * nothing has been acknowledged for the limit the connection is aborted (RST), which ends the write
 * with an exception. A slow but moving client is served to the end, as Jetty's idle timeout, which
 * any progress restarts, serves it.
 *
 * <p>The peer's progress ({@link TcpSocket#info()}'s {@code bytesAcked}) is sampled every {@link
 * #CHECKS_PER_LIMIT}th of the limit while a write blocks, so a stall is seen between the limit and
 * the limit plus two samples after the last byte was taken.
 */
final class StallGuard extends OutputStream {
  /** Samples of the peer's progress per limit while a write blocks. */
  static final int CHECKS_PER_LIMIT = 8;

  /** One daemon thread for every guard of the process: it samples and aborts, briefly each. */
  private static final ScheduledExecutorService TIMER = timer();

  private final TcpSocket socket;
  private final OutputStream out;
  private final long limitNanos;
  private final long periodNanos;
  private final AtomicBoolean fired = new AtomicBoolean();

  StallGuard(TcpSocket socket, long limitNanos) {
    this.socket = socket;
    this.out = socket.getOutputStream();
    this.limitNanos = limitNanos;
    this.periodNanos = Math.max(1_000_000L, limitNanos / CHECKS_PER_LIMIT);
  }

  /** Returns whether the peer took nothing for the limit and the connection was aborted. */
  boolean fired() {
    return fired.get();
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    Watch w = new Watch(System.nanoTime());
    w.schedule();
    try {
      out.write(b, off, len);
    } finally {
      w.stop();
    }
  }

  @Override
  public void flush() throws IOException {
    out.flush();
  }

  /**
   * One blocking write's watch: the peer's acknowledged bytes when last sampled, and when they last
   * moved. The timer thread alone touches the fields after {@link #schedule}.
   */
  private final class Watch {
    private long progressAt;
    private long acked = -1;
    private volatile boolean stopped;
    private volatile ScheduledFuture<?> next;

    Watch(long startedAt) {
      this.progressAt = startedAt;
    }

    void schedule() {
      if (!stopped) next = TIMER.schedule(this::check, periodNanos, TimeUnit.NANOSECONDS);
    }

    void stop() {
      stopped = true;
      ScheduledFuture<?> f = next;
      if (f != null) f.cancel(false);
    }

    /** Samples the peer's progress; aborts once it has not moved for the limit. */
    private void check() {
      if (stopped) return;
      long now = System.nanoTime();
      long a;
      try {
        a = socket.info().bytesAcked();
      } catch (IOException e) {
        return; // Closed or the loop stopped: the write ends on its own.
      }
      // The first sample has nothing to compare with: counted as progress, so a write's deadline
      // is never shorter than the limit.
      if (a != acked) {
        acked = a;
        progressAt = now;
      } else if (now - progressAt >= limitNanos) {
        abort();
        return;
      }
      schedule();
    }
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
