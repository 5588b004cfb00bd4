package dev.synack.runtime;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A counter that the event loop bumps when something happens to a connection or listener, and
 * that user threads wait on. Waiting for a change from a version read on the loop thread closes
 * the race between "try the call" and "wait for an event": an event in between has already
 * bumped the counter, so the wait returns at once.
 */
public final class Signal {
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private long version;

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
