package dev.synack.forward;

import dev.synack.runtime.EventLoop;
import java.io.IOException;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.List;

/**
 * The readiness of a forwarder's host sockets, told to the synack loop: one NIO selector over every
 * host socket, waited on by a thread of its own that does no I/O. When sockets are ready it clears
 * their interest (so that the selector does not report them again) and hands the loop one task that
 * calls each one's {@link Ready#ready}; the loop then reads and writes the sockets itself, straight
 * between them and the synack connections, and arms the interest it needs again with {@link #arm}.
 * Every clear is followed by such a task, and the loop re-arms after each, so no readiness is lost.
 * Twice a second the thread also hands the loop the timeouts' sweep.
 *
 * <p>The loop mostly needs no wait at all: it reads a host socket whenever its connection has room
 * and writes it whenever the client sent, and only a socket found empty (or full) is armed here, as
 * Linux's {@code sk_data_ready} wakes a reader only once it found the queue empty.
 */
final class Relay implements AutoCloseable {
  /**
   * What a registered channel's key carries: called on the loop thread when the channel is ready.
   */
  interface Ready {
    void ready(long now);
  }

  /** Something swept for timeouts on the loop thread. */
  interface Sweep {
    void sweep(long now);
  }

  private static final long SWEEP_NANOS = 500_000_000L;
  private final Selector selector;
  private final Thread thread;
  private final Sweep[] sweeps;

  /** The loop told of readiness; set before {@link #start}. */
  EventLoop loop;

  private volatile boolean running = true;
  private volatile Throwable failure;

  Relay(String name, Sweep... sweeps) throws IOException {
    this.selector = Selector.open();
    this.sweeps = sweeps;
    this.thread = Thread.ofPlatform().name(name).daemon(true).unstarted(this::waitLoop);
  }

  void start() {
    thread.start();
  }

  /** Registers {@code ch} for {@code ops}, its readiness told to {@code ready}; any thread. */
  SelectionKey register(SelectableChannel ch, int ops, Ready ready) throws ClosedChannelException {
    SelectionKey key = ch.register(selector, ops, ready);
    selector.wakeup();
    return key;
  }

  /**
   * Sets what {@code key} waits for; a no-op when it already waits for exactly that. The waiting
   * thread is woken only when the interest changed, to take it into its next wait.
   */
  void arm(SelectionKey key, int ops) {
    if (!key.isValid() || key.interestOps() == ops) return;
    key.interestOps(ops);
    selector.wakeup();
  }

  /**
   * Wakes the waiting thread, so that a channel closed on the loop is deregistered, and its
   * descriptor closed, now.
   */
  void flushCloses() {
    selector.wakeup();
  }

  /** Returns why the waiting thread stopped, or null. */
  Throwable failure() {
    return failure;
  }

  private void waitLoop() {
    long nextSweep = System.nanoTime() + SWEEP_NANOS;
    try {
      while (running) {
        selector.select(Math.max(1, (nextSweep - System.nanoTime()) / 1_000_000));
        List<Ready> ready = new ArrayList<>(selector.selectedKeys().size());
        for (SelectionKey key : selector.selectedKeys()) {
          try {
            key.interestOps(0);
          } catch (CancelledKeyException e) {
            continue; // its channel was closed on the loop meanwhile: nothing left to tell
          }
          if (key.attachment() instanceof Ready r) ready.add(r);
        }
        selector.selectedKeys().clear();
        long now = System.nanoTime();
        boolean sweep = now - nextSweep >= 0;
        if (sweep) nextSweep = now + SWEEP_NANOS;
        if (!ready.isEmpty() || sweep) {
          loop.execute(
              loopNow -> {
                for (Ready r : ready) r.ready(loopNow);
                if (sweep) {
                  for (Sweep s : sweeps) s.sweep(loopNow);
                }
              });
        }
      }
    } catch (Throwable t) {
      failure = t;
    } finally {
      for (SelectionKey key : selector.keys()) {
        try {
          key.channel().close();
        } catch (IOException ignored) {
          // Closing everything on the way out.
        }
      }
      try {
        selector.close();
      } catch (IOException ignored) {
        // Nothing left to tell.
      }
    }
  }

  /**
   * Stops the waiting thread and closes every host socket still registered. Call once the loop has
   * stopped, so that nothing uses them any more.
   */
  @Override
  public void close() {
    running = false;
    if (thread.getState() == Thread.State.NEW) {
      try {
        selector.close(); // never started (the forwarder failed to start): nothing registered
      } catch (IOException ignored) {
        // Nothing left to tell.
      }
      return;
    }
    selector.wakeup();
    if (Thread.currentThread() != thread) {
      try {
        thread.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
