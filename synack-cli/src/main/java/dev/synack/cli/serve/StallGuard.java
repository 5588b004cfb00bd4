package dev.synack.cli.serve;

import static java.util.concurrent.TimeUnit.NANOSECONDS;

import dev.synack.socket.TcpSocket;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
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
 * the limit plus two samples after the last byte was taken. One periodic sampling task per guard,
 * started by its first write and ended by {@link #close}, serves all of its writes: a write only
 * marks itself begun and ended (two volatile stores), where a task scheduled and cancelled per
 * write cost the timer's queue a removal and an allocation each.
 */
final class StallGuard extends OutputStream implements FileBody.Sink {
  /** Samples of the peer's progress per limit while a write blocks. */
  static final int CHECKS_PER_LIMIT = 8;

  /** One daemon thread for every guard of the process: it samples and aborts, briefly each. */
  private static final ScheduledExecutorService TIMER = timer();

  private final TcpSocket socket;
  private final OutputStream out;
  private final ScheduledExecutorService timer;
  private final long limitNanos;
  private final long periodNanos;
  private final AtomicBoolean fired = new AtomicBoolean();

  /** Writes begun so far; the writing thread's alone. */
  private long writes;

  /** The number of the write in progress, 0 between writes: what the sampler reads. */
  private volatile long writing;

  private volatile boolean closed;

  /** The sampling task, once the first write started it. */
  private volatile ScheduledFuture<?> sampler;

  /** What the sampler saw last (its thread alone touches these): write, peer's bytes, when. */
  private long sampledWrite = -1;

  private long sampledAcked;
  private long progressAt;

  StallGuard(TcpSocket socket, long limitNanos) {
    this(socket, limitNanos, TIMER);
  }

  /** A guard whose samples run on {@code timer} (a test's, to count what is scheduled). */
  StallGuard(TcpSocket socket, long limitNanos, ScheduledExecutorService timer) {
    this.socket = socket;
    this.out = socket.getOutputStream();
    this.timer = timer;
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
    begin();
    try {
      out.write(b, off, len);
    } finally {
      writing = 0;
    }
  }

  /** Writes all of {@code piece}'s remaining bytes straight from the buffer, watched as a write. */
  @Override
  public void write(ByteBuffer piece) throws IOException {
    begin();
    try {
      socket.write(piece);
    } finally {
      writing = 0;
    }
  }

  @Override
  public void flush() throws IOException {
    out.flush();
  }

  /** Ends the sampling; the socket is left open (its owner closes it). */
  @Override
  public void close() {
    closed = true;
    ScheduledFuture<?> s = sampler;
    if (s != null) s.cancel(false);
  }

  private void begin() {
    writing = ++writes; // One writer at a time (as the socket's): the sampler only reads it.
    if (sampler == null && !closed) startSampling();
  }

  private synchronized void startSampling() {
    if (sampler == null) {
      sampler = timer.scheduleAtFixedRate(this::sample, periodNanos, periodNanos, NANOSECONDS);
    }
  }

  /**
   * Samples the peer's progress while a write is in progress; aborts once it has not moved for the
   * limit. A write begun since the last sample counts as progress, so that a write's deadline is
   * never shorter than the limit.
   */
  private void sample() {
    if (closed) return;
    long write = writing;
    if (write == 0) {
      sampledWrite = -1;
      return;
    }
    long now = System.nanoTime();
    long acked;
    try {
      acked = socket.info().bytesAcked();
    } catch (IOException e) {
      return; // Closed or the loop stopped: the write ends on its own.
    }
    if (write != sampledWrite || acked != sampledAcked) {
      sampledWrite = write;
      sampledAcked = acked;
      progressAt = now;
    } else if (now - progressAt >= limitNanos) {
      closed = true; // Sampled no more: the write ends with the abort's exception.
      abort();
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
