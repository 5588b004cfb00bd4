package dev.synack.runtime;

import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The waiter queue of one connection or listener. Blocking callers wait on a counter that the event
 * loop bumps when something happens to it: waiting for a change from a version read on the loop
 * thread closes the race between "try the call" and "wait for an event", since an event in between
 * has already bumped the counter, so the wait returns at once. {@link Waiter}s that do not block
 * (selectors) register against a readiness mask instead and are told the new readiness.
 */
public final class Signal {
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private long version;

  /**
   * Registered waiters, made on the first registration (most connections have none); told on the
   * loop thread.
   */
  private volatile CopyOnWriteArrayList<Entry> waiters;

  private record Entry(Waiter waiter, int mask) {}

  /**
   * Registers {@code waiter} to hear of readiness that intersects {@code mask}; from any thread.
   */
  public void register(Waiter waiter, int mask) {
    CopyOnWriteArrayList<Entry> w = waiters;
    if (w == null) {
      synchronized (this) {
        if (waiters == null) waiters = new CopyOnWriteArrayList<>();
        w = waiters;
      }
    }
    w.add(new Entry(waiter, mask));
  }

  /** Removes every registration of {@code waiter}. */
  @SuppressWarnings("ReferenceEquality") // the waiter registered, not an equal one
  public void unregister(Waiter waiter) {
    CopyOnWriteArrayList<Entry> w = waiters;
    if (w != null) w.removeIf(e -> e.waiter() == waiter);
  }

  /**
   * Bumps the version, wakes every blocked caller, and tells each waiter whose mask intersects
   * {@code readiness}. Called on the loop thread.
   */
  public void notify(int readiness) {
    bump();
    CopyOnWriteArrayList<Entry> w = waiters;
    if (w == null) return;
    for (Entry e : w) {
      if ((e.mask() & readiness) != 0) e.waiter().ready(readiness);
    }
  }

  /** Returns the current version. */
  public long version() {
    lock.lock();
    try {
      return version;
    } finally {
      lock.unlock();
    }
  }

  /** Bumps the version and wakes every waiter. */
  public void bump() {
    lock.lock();
    try {
      version++;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits until the version differs from {@code seen} or the deadline ({@link System#nanoTime()}
   * based; Long.MAX_VALUE for none) passes. Returns false on timeout.
   */
  public boolean awaitChange(long seen, long deadlineNanos) throws InterruptedException {
    lock.lock();
    try {
      while (version == seen) {
        if (deadlineNanos == Long.MAX_VALUE) {
          changed.await();
        } else {
          long left = deadlineNanos - System.nanoTime();
          if (left <= 0) return false;
          changed.await(left, TimeUnit.NANOSECONDS);
        }
      }
      return true;
    } finally {
      lock.unlock();
    }
  }
}
