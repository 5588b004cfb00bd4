package dev.synack.runtime;

import dev.synack.stack.Attachable;
import dev.synack.stack.Connection;
import dev.synack.stack.Host;
import dev.synack.stack.HostEvent;
import dev.synack.stack.Listener;
import dev.synack.stack.Readiness;
import dev.synack.stack.UdpEndpoint;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.function.LongFunction;

/**
 * One thread that owns one or more sans-IO hosts and runs everything that touches them: packets
 * from the link, deadlines, and the calls other threads hand in with {@link #call}. Subclasses say
 * where packets come from and go to ({@link HostDriver} for a real link, {@link SimDriver} for a
 * simulated network run in real time).
 *
 * <p>Time on the loop is {@link System#nanoTime()} less the loop's start, so traces begin near 0.
 *
 * <p>Ownership: whoever runs the hosts holds the loop's owner lock. That is the loop thread, except
 * while a {@link HostDriver} waits in its link with nothing to do: then a {@link #call} claims the
 * loop without waiting ({@code tryLock}) and runs on the caller's thread, with what the loop would
 * do after it (send what the host made, tell its events), as Netty runs a task inline when it is
 * {@code inEventLoop} and gVisor processes a packet inline when no worker holds the endpoint. A
 * request's answer then leaves from the thread that wrote it, with no hand-off to the loop and back
 * and no wake-up of the loop. A loop that runs, busy-polls or has an event listener is never
 * claimed; the loop takes the lock back when its wait ends, after any claimer has finished.
 */
public abstract class EventLoop implements AutoCloseable {
  private final ConcurrentLinkedQueue<Task> tasks = new ConcurrentLinkedQueue<>();

  /** Calls other threads handed to the loop ({@link #call}, {@link #execute}). */
  private final java.util.concurrent.atomic.AtomicLong handedIn =
      new java.util.concurrent.atomic.AtomicLong();

  /**
   * Whether a waiting loop may be claimed by a caller ({@code synack.loop.inlineCalls}, on unless
   * set to false): off, every call is handed to the loop thread.
   */
  static final boolean INLINE_CALLS =
      !"false".equals(System.getProperty("synack.loop.inlineCalls", "true"));

  /**
   * The spin of a thread waiting for the loop's answer before it parks ({@link #spinForOutcome}).
   */
  private volatile CallerSpin callerSpin =
      new CallerSpin(BusyPoll.CALLER_BUDGET_NANOS, System::nanoTime);

  /** Held by whoever runs the hosts: the loop thread, or a caller that claimed the waiting loop. */
  private final ReentrantLock owner = new ReentrantLock();

  /** Whether the loop waits with {@link #owner} released for a caller to claim. */
  private volatile boolean claimable;

  /** Whether the loop released {@link #owner} for its wait; loop thread only. */
  private boolean released;

  /** Calls that claimed the waiting loop and ran on their own thread. */
  private final java.util.concurrent.atomic.AtomicLong ranInline =
      new java.util.concurrent.atomic.AtomicLong();

  private final long epoch = System.nanoTime();
  private final Thread thread;
  private volatile boolean running = true;
  private volatile Throwable failure;

  /** The time the current batch of calls runs at; read and written on the loop thread only. */
  private long loopTime;

  /** The time of the events being dispatched ({@link #eventTime}); loop thread only. */
  private long eventTime;

  /**
   * Signals bumped after every turn (see {@link #watchEveryTurn}), with their watchers' count; loop
   * thread only.
   */
  private final Map<Signal, Integer> watched = new HashMap<>();

  /** Hears every host event after its signal is bumped, or null; see {@link #setEventListener}. */
  private volatile Consumer<HostEvent> eventListener;

  /**
   * The signals that threads block on for this loop's connections, with how many block on each:
   * bumped when the loop stops, so that each blocked call wakes and finds it stopped.
   */
  private final java.util.concurrent.ConcurrentHashMap<Signal, Integer> blocked =
      new java.util.concurrent.ConcurrentHashMap<>();

  protected EventLoop(String threadName) {
    this.thread = Thread.ofPlatform().name(threadName).daemon(true).unstarted(this::loop);
  }

  /** Starts the loop thread; subclasses call it at the end of their constructor. */
  protected final void start() {
    thread.start();
  }

  /** Returns the loop's time in nanoseconds. */
  public final long now() {
    return System.nanoTime() - epoch;
  }

  /**
   * Runs {@code task} on the loop thread with the loop's {@code now} and returns its result,
   * waiting for it. Exceptions thrown by the task are rethrown here (unchecked ones as they are).
   */
  public final <T> T call(LongFunction<T> task) throws IOException {
    return call(task, true);
  }

  /**
   * Runs {@code task} on the loop as {@link #call} does, but waits for it even when the calling
   * thread is interrupted, and then leaves the interrupt status set: for a caller that must know
   * whether the task ran (a channel that consumed data or accepted a connection).
   */
  public final <T> T callUninterruptibly(LongFunction<T> task) throws IOException {
    return call(task, false);
  }

  private <T> T call(LongFunction<T> task, boolean interruptible) throws IOException {
    if (Thread.currentThread() == thread || owner.isHeldByCurrentThread()) {
      return task.apply(loopTime);
    }
    if (!running) throw stopped();
    // An interrupted caller keeps the queued path, which answers it with InterruptedIOException.
    if (claimable
        && !(interruptible && Thread.currentThread().isInterrupted())
        && owner.tryLock()) {
      try {
        // Claimed while the loop waits (claimable is cleared only under the lock): run here.
        if (claimable && running) {
          ranInline.incrementAndGet();
          return runClaimed(task);
        }
      } finally {
        owner.unlock();
      }
    }
    handedIn.incrementAndGet();
    CompletableFuture<T> result = new CompletableFuture<>();
    tasks.add(
        new Task() {
          @Override
          public void run(long now) {
            try {
              result.complete(task.apply(now));
            } catch (Throwable t) {
              result.completeExceptionally(t);
            }
          }

          @Override
          public void fail(IOException e) {
            result.completeExceptionally(e);
          }
        });
    wakeup();
    // The loop may have stopped between the check above and the add, after its last drain: then
    // nobody else will ever complete this task, so fail whatever is still queued.
    if (!running) failQueuedTasks();
    // The loop answers within microseconds unless it is busy: a short spin spares the park and the
    // unpark that would follow it (CallerSpin).
    callerSpin.spin(result::isDone);
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return result.get();
        } catch (InterruptedException e) {
          if (interruptible) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the event loop");
          }
          interrupted = true; // the task is queued or running: its answer comes soon
        }
      }
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException r) throw r;
      if (cause instanceof Error err) throw err;
      if (cause instanceof IOException io) throw io;
      throw new IOException(cause);
    } finally {
      if (interrupted) Thread.currentThread().interrupt();
    }
  }

  /**
   * Runs {@code task} on the caller's thread, which holds the loop: first the calls queued before
   * it (a thread's calls keep their order), then the task, then what the loop does after a call
   * ({@link #afterClaimedCall}).
   */
  private <T> T runClaimed(LongFunction<T> task) {
    long now = now();
    loopTime = now;
    // Watchers re-check as after a turn of the loop, but before the call: a caller that reads a
    // watched signal's version in its call and then waits for a change (a close with linger) would
    // otherwise see its own call's bump, call again at once, and claim the loop for ever.
    for (Signal s : watched.keySet()) s.bump();
    Task queued;
    while ((queued = tasks.poll()) != null) queued.run(now);
    try {
      return task.apply(now);
    } finally {
      afterClaimedCall(now);
    }
  }

  /**
   * Does what the loop does after its calls, for a caller that ran one on its own thread while the
   * loop waited: sends what the host made, tells its events, and wakes the loop if its wait now
   * ends too late. Called with the loop claimed; never blocks.
   */
  protected void afterClaimedCall(long now) {}

  /**
   * Lets callers claim the loop while it waits, unless inline calls are off or an event listener is
   * set (an embedder that expects every event on the loop thread); the loop thread calls it just
   * before it blocks, with nothing left to do, and {@link #reclaimAfterWait} when the wait ends.
   */
  protected final void releaseForWait() {
    if (!INLINE_CALLS || eventListener != null || !running) return;
    released = true;
    claimable = true;
    owner.unlock();
  }

  /**
   * Takes the loop back after a wait, once any caller that claimed it has finished; loop thread.
   */
  protected final void reclaimAfterWait() {
    if (!released) return;
    // Refuse new claims first: a caller claiming again and again (the lock is not fair) would keep
    // a loop whose wait ended, with packets or deadlines to handle, from its own lock.
    claimable = false;
    owner.lock();
    released = false;
  }

  /**
   * Runs {@code task} on the loop without waiting for it: at once on the loop thread or on a
   * waiting loop the caller claims (as {@link #call}), otherwise queued for the loop thread. The
   * task reports its own outcome; {@code onStopped} hears instead when the loop stops before
   * running it. For a caller that parks until the task, or a later event, tells it something: it
   * wakes once, not once for the hand-off and again for the outcome.
   */
  public final void submit(LongConsumer task, Consumer<IOException> onStopped) {
    if (Thread.currentThread() == thread || owner.isHeldByCurrentThread()) {
      task.accept(loopTime);
      return;
    }
    if (!running) {
      onStopped.accept(stopped());
      return;
    }
    if (claimable && owner.tryLock()) {
      try {
        if (claimable && running) {
          ranInline.incrementAndGet();
          runClaimed(
              now -> {
                task.accept(now);
                return null;
              });
          return;
        }
      } finally {
        owner.unlock();
      }
    }
    handedIn.incrementAndGet();
    tasks.add(
        new Task() {
          @Override
          public void run(long now) {
            task.accept(now);
          }

          @Override
          public void fail(IOException e) {
            onStopped.accept(e);
          }
        });
    wakeup();
    if (!running) failQueuedTasks();
  }

  /**
   * Hands {@code task} to the loop thread and returns without waiting (it runs at once when called
   * on the loop thread). A task that throws is ignored; on a stopped loop the task is dropped. For
   * what must happen even on an interrupted thread, such as a channel's close.
   */
  public final void execute(LongConsumer task) {
    if (Thread.currentThread() == thread) {
      task.accept(loopTime);
      return;
    }
    if (!running) return;
    handedIn.incrementAndGet();
    tasks.add(
        new Task() {
          @Override
          public void run(long now) {
            try {
              task.accept(now);
            } catch (RuntimeException ignored) {
              // Fire and forget: nobody waits for the outcome.
            }
          }

          @Override
          public void fail(IOException e) {}
        });
    wakeup();
  }

  /**
   * Sets who hears every host event on the loop thread, after the event's signal is bumped: an
   * embedder that drives connections from the loop itself (the forwarder's relay). Null for none.
   * Call before the first event, or from a loop task.
   */
  public final void setEventListener(Consumer<HostEvent> listener) {
    this.eventListener = listener;
  }

  /**
   * Returns the signal of a connection or listener, created on first use and kept as its
   * attachment; bumped on each of its events from then on. Call it on the loop thread the first
   * time, so that the loop and a waiting user never make two, and before reading the version to
   * wait from. The loop makes none itself: a target nobody asked a signal of has no waiter to tell.
   */
  public static Signal signalOf(Attachable target) {
    if (target.attachment() instanceof Signal s) return s;
    Signal s = new Signal();
    target.attach(s);
    return s;
  }

  /**
   * Bumps {@code signal} after every turn of the loop while {@code on}, for a waiter whose
   * condition changes without an event (the peer acknowledging our FIN, for one): it re-checks
   * after each batch of packets or deadlines. Every {@code on} needs its {@code off}; two waiters
   * may watch one signal. Call on the loop thread, from a {@link #call} task.
   */
  public final void watchEveryTurn(Signal signal, boolean on) {
    watched.merge(signal, on ? 1 : -1, (a, b) -> a + b == 0 ? null : a + b);
  }

  /**
   * Says that the calling thread is about to block on {@code signal} for something of this loop (a
   * connect, an accept, a read or a write), until {@link #unblocked}: when the loop stops (closed,
   * or failed) it bumps and notifies the signal, so that the call wakes and fails, as closing a JDK
   * socket's channel wakes a thread blocked on it with an exception. Any thread.
   *
   * @throws IOException when the loop has stopped already
   */
  public final void blocking(Signal signal) throws IOException {
    blocked.merge(signal, 1, Integer::sum);
    // Read after the registration: a loop that stops after this read finds the signal registered.
    if (!running) {
      unblocked(signal);
      throw stopped();
    }
  }

  /** Ends a {@link #blocking} registration of {@code signal}. Any thread. */
  public final void unblocked(Signal signal) {
    blocked.computeIfPresent(signal, (s, n) -> n == 1 ? null : n - 1);
  }

  /**
   * Returns the exception a call blocked on a loop that has stopped ends with: "synack event loop
   * is stopped", with the loop's failure as its cause if it failed.
   */
  public final IOException stoppedException() {
    return stopped();
  }

  /**
   * Returns the time of the events being dispatched, which a {@link Waiter} that calls the host
   * passes on as its {@code now}: the host's own time then, never ahead of a simulated network's.
   * Loop thread only.
   */
  public final long eventTime() {
    return eventTime;
  }

  /**
   * Passes a host's events, which it made by {@code now}, to whoever waits on them: each connection
   * or listener with an event tells its waiters its new {@link dev.synack.stack.Readiness}. Called
   * on the loop thread.
   */
  @SuppressWarnings("ReferenceEquality") // the same target as the last one: identity is meant
  protected final void dispatchEvents(Host host, long now) {
    eventTime = now;
    HostEvent e;
    Attachable last = null;
    while ((e = host.pollEvent()) != null) {
      // A burst of events of one connection (readable, then its FIN) is told once, with the mask
      // after all of them.
      Attachable target =
          switch (e) {
            case HostEvent.OfConnection(Connection c, var ignored) -> c;
            case HostEvent.Acceptable(Listener l) -> l;
            case HostEvent.UdpReadable(UdpEndpoint u) -> u;
            case HostEvent.UdpError error -> error.endpoint();
          };
      if (last != null && target != last) notifyReadiness(last);
      last = target;
      Consumer<HostEvent> listener = eventListener;
      if (listener != null) listener.accept(e);
    }
    if (last != null) notifyReadiness(last);
  }

  private static void notifyReadiness(Attachable target) {
    int readiness =
        switch (target) {
          case Connection c -> c.readiness();
          case Listener l -> l.readiness();
          case UdpEndpoint u -> u.readiness();
          default -> Readiness.ALL;
        };
    // Only a target someone asked a signal of (on this thread) has one to bump: a connection the
    // event listener drives from the loop (the forwarder's) is spared a signal and its lock.
    if (target.attachment() instanceof Signal s) s.notify(readiness);
  }

  /** Wakes the loop if it waits for input. */
  protected abstract void wakeup();

  /**
   * Returns whether calls wait to run, or the loop is asked to stop: a loop about to wait checks it
   * after saying that it waits, so that a {@link #wakeup} it did not see finds it waiting. Any
   * thread.
   */
  protected final boolean hasWork() {
    return !tasks.isEmpty() || !running;
  }

  /** One turn: move packets, fire deadlines, wait for input until {@code deadline} at most. */
  protected abstract void turn(long now) throws IOException;

  /**
   * Brings whatever the loop owns up to {@code now} before the queued calls run at that time. A
   * simulated network must have processed everything due by then, or its hosts would see a call at
   * {@code now} and later a packet stamped earlier.
   */
  protected void catchUp(long now) throws IOException {}

  private void loop() {
    owner.lock();
    try {
      while (running) {
        long now = now();
        catchUp(now);
        loopTime = now;
        Task task;
        while ((task = tasks.poll()) != null) {
          task.run(now);
        }
        turn(now);
        for (Signal s : watched.keySet()) s.bump();
      }
    } catch (Throwable t) {
      failure = t;
      running = false;
    } finally {
      reclaimAfterWait();
      failQueuedTasks();
      try {
        onStop();
      } finally {
        wakeBlocked();
        owner.unlock();
      }
    }
  }

  /**
   * Wakes every call blocked on this stopped loop: bumps each signal and tells its waiters (a
   * {@code LoopWait} fails its call once it sees the loop stopped). Loop thread, after the loop
   * stopped.
   */
  private void wakeBlocked() {
    for (Signal s : blocked.keySet()) {
      try {
        s.notify(Readiness.ALL);
      } catch (RuntimeException e) {
        // A waiter that throws: the others are still woken.
      }
    }
  }

  private void failQueuedTasks() {
    Task task;
    while ((task = tasks.poll()) != null) task.fail(stopped());
  }

  private IOException stopped() {
    return new java.net.SocketException(
        "synack event loop is stopped" + (failure == null ? "" : ": " + failure), failure);
  }

  /** A call handed to the loop: run at the loop's time, or failed when the loop has stopped. */
  private interface Task {
    void run(long now);

    void fail(IOException e);
  }

  /** Called on the loop thread once it stops. */
  protected void onStop() {}

  /**
   * Returns how many calls other threads have handed to the loop so far: each a hand-off there and,
   * for {@link #call}, back. Any thread.
   */
  public final long callsHandedIn() {
    return handedIn.get();
  }

  /**
   * Returns how many calls claimed the waiting loop and ran on their caller's thread, handed to
   * nobody. Any thread.
   */
  public final long callsRunInline() {
    return ranInline.get();
  }

  /**
   * Spins for a while until {@code done} says true, before a thread that waits for this loop to
   * tell it an outcome parks (a blocking read whose data the loop hands it); returns whether it
   * did, sparing the park and the loop's unpark. The budget is {@code synack.busyPoll.callerNanos},
   * or what {@link #setCallerSpinNanos} set; a spin that keeps losing is skipped for a while
   * ({@code CallerSpin}). Any thread.
   */
  public final boolean spinForOutcome(java.util.function.BooleanSupplier done) {
    return callerSpin.spin(done);
  }

  /**
   * Sets how long a thread waiting for this loop's answer spins before it parks (0: never), in
   * place of {@code synack.busyPoll.callerNanos}; for an embedder that knows whether it has cores
   * to spare, and for tests. Any thread.
   */
  public final void setCallerSpinNanos(long nanos) {
    callerSpin = new CallerSpin(nanos, System::nanoTime);
  }

  /**
   * Returns {spins won, spins lost, waits that skipped the spin} of the threads that waited for
   * this loop since the last {@link #setCallerSpinNanos}. Any thread.
   */
  public final long[] callerSpinCounts() {
    return callerSpin.counts();
  }

  /** Returns whether the loop waits, released for a caller to claim: for tests. */
  final boolean isClaimable() {
    return claimable;
  }

  /** Returns whether the loop is running. */
  public final boolean isRunning() {
    return running;
  }

  /** Returns why the loop stopped, or null. */
  public final Throwable failure() {
    return failure;
  }

  /** Stops the loop thread and waits for it. */
  @Override
  public void close() throws IOException {
    running = false;
    wakeup();
    if (Thread.currentThread() != thread) {
      try {
        thread.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
