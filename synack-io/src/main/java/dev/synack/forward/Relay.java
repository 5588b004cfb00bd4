package dev.synack.forward;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The thread that does a forwarder's host-socket I/O: one NIO selector over every host socket,
 * tasks handed in by the synack loop, and a sweep of timeouts twice a second. Host sockets are
 * opened here, on the thread that started the forwarder's namespace (the synack side may sit in
 * another).
 */
final class Relay implements AutoCloseable {
  /** What a registered channel's key carries: called on the relay thread when the channel is ready. */
  interface Ready {
    void ready(SelectionKey key);
  }

  /** Something swept for timeouts on the relay thread. */
  interface Sweep {
    void sweep(long nanoTime);
  }

  private static final long SWEEP_NANOS = 500_000_000L;
  final Selector selector;
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final Thread thread;
  private final Sweep[] sweeps;
  private volatile boolean running = true;
  private volatile Throwable failure;

  Relay(String name, Sweep... sweeps) throws IOException {
    this.selector = Selector.open();
    this.sweeps = sweeps;
    this.thread = Thread.ofPlatform().name(name).daemon(true).unstarted(this::loop);
  }

  void start() {
    thread.start();
  }

  /** Runs {@code task} on the relay thread, soon. */
  void post(Runnable task) {
    tasks.add(task);
    selector.wakeup();
  }

  /** Returns why the relay thread stopped, or null. */
  Throwable failure() {
    return failure;
  }

  private void loop() {
    long nextSweep = System.nanoTime() + SWEEP_NANOS;
    try {
      while (running) {
        selector.select(Math.max(1, (nextSweep - System.nanoTime()) / 1_000_000));
        Runnable task;
        while ((task = tasks.poll()) != null) task.run();
        for (SelectionKey key : selector.selectedKeys()) {
          if (key.isValid() && key.attachment() instanceof Ready r) r.ready(key);
        }
        selector.selectedKeys().clear();
        long now = System.nanoTime();
        if (now - nextSweep >= 0) {
          for (Sweep s : sweeps) s.sweep(now);
          nextSweep = now + SWEEP_NANOS;
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

  /** Stops the relay thread, closing every host socket, and waits for it. */
  @Override
  public void close() {
    running = false;
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
