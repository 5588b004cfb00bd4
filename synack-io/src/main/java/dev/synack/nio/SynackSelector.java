package dev.synack.nio;

import java.io.IOException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.IllegalSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.AbstractSelectableChannel;
import java.nio.channels.spi.AbstractSelector;
import java.nio.channels.spi.SelectorProvider;
import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link Selector} of synack channels. It polls nothing: each channel's loop tells the channel
 * its readiness after each turn with events ({@link dev.synack.runtime.Waiter}), the channel hands
 * its keys to their selectors' queues when a bit came on (or its interest or state changed), and a
 * select looks at the queued keys and at those that were ready the last time, level triggered as
 * the JDK's epoll selector: its cost follows the keys that change, not the keys registered.
 * Channels of several hosts and loops may share a selector.
 */
final class SynackSelector extends AbstractSelector {
  private final Set<SelectionKey> keys = ConcurrentHashMap.newKeySet();
  private final Set<SelectionKey> publicKeys = Collections.unmodifiableSet(keys);
  private final Set<SelectionKey> selected = new HashSet<>();
  private final Set<SelectionKey> publicSelected = new Ungrowable(selected);
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();

  /** Something changed since the current select looked; guarded by lock. */
  private boolean signalled;

  /** {@link #wakeup()} was called and no select has returned since; guarded by lock. */
  private boolean wakeupPending;

  /** Keys whose channel, interest or registration changed since a scan looked at them. */
  private final ConcurrentLinkedQueue<SynackSelectionKey> changedKeys =
      new ConcurrentLinkedQueue<>();

  /**
   * Keys found ready by the last scan: level triggered, they are looked at again; selecting thread
   * only.
   */
  private List<SynackSelectionKey> readyLastScan = new ArrayList<>();

  private long scans;

  SynackSelector(SelectorProvider provider) {
    super(provider);
  }

  @Override
  protected SelectionKey register(AbstractSelectableChannel ch, int ops, Object att) {
    if (!(ch instanceof Pollable p)) throw new IllegalSelectorException();
    SynackSelectionKey key = new SynackSelectionKey(ch, this);
    key.attach(att);
    keys.add(key);
    p.addKey(key);
    key.interestOps(ops); // queues the key
    return key;
  }

  /** Queues {@code key} to be looked at and wakes a select in progress. Called from any thread. */
  void keyChanged(SynackSelectionKey key) {
    if (key.queued.compareAndSet(false, true)) changedKeys.add(key);
    lock.lock();
    try {
      signalled = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Set<SelectionKey> keys() {
    ensureOpen();
    return publicKeys;
  }

  @Override
  public Set<SelectionKey> selectedKeys() {
    ensureOpen();
    return publicSelected;
  }

  @Override
  public int selectNow() throws IOException {
    return doSelect(0);
  }

  @Override
  public int select(long timeout) throws IOException {
    if (timeout < 0) throw new IllegalArgumentException("Negative timeout: " + timeout);
    return doSelect(timeout == 0 ? -1 : TimeUnit.MILLISECONDS.toNanos(timeout));
  }

  @Override
  public int select() throws IOException {
    return doSelect(-1);
  }

  /**
   * Selects, waiting up to {@code timeoutNanos} (-1 forever, 0 not at all); returns how many keys'
   * ready sets grew.
   */
  private int doSelect(long timeoutNanos) throws IOException {
    ensureOpen();
    synchronized (this) {
      synchronized (publicSelected) {
        processCancelled();
        long deadline = timeoutNanos > 0 ? System.nanoTime() + timeoutNanos : Long.MAX_VALUE;
        int updated;
        try {
          if (timeoutNanos != 0) begin(); // an interrupt wakes the select, as wakeup()
          while (true) {
            boolean woken;
            lock.lock();
            try {
              signalled = false;
              woken = wakeupPending;
              wakeupPending = false;
            } finally {
              lock.unlock();
            }
            updated = scan();
            if (updated != 0
                || anyReady
                || woken
                || timeoutNanos == 0
                || !isOpen()
                || Thread.currentThread().isInterrupted()) {
              break;
            }
            if (!awaitChange(deadline)) break;
          }
        } finally {
          if (timeoutNanos != 0) end();
        }
        processCancelled();
        return updated;
      }
    }
  }

  /** Whether the last scan found a key ready, counted or not. */
  private boolean anyReady;

  /**
   * Updates the selected keys from the readiness of the keys that changed and of those ready last
   * time; returns how many were added or grew. No other key can be ready: its readiness, interest
   * and channel state are as when a scan last found it not ready.
   */
  private int scan() {
    int updated = 0;
    anyReady = false;
    long scan = ++scans;
    List<SynackSelectionKey> candidates = readyLastScan;
    readyLastScan = new ArrayList<>();
    SynackSelectionKey changed;
    while ((changed = changedKeys.poll()) != null) {
      changed.queued.set(
          false); // before its readiness is read: a change from now on queues it again
      candidates.add(changed);
    }
    for (SynackSelectionKey key : candidates) {
      if (key.scanned == scan || !key.isValid()) continue;
      key.scanned = scan;
      int ready = ((Pollable) key.channel()).readyOps(key.interest());
      if (ready == 0) continue;
      anyReady = true;
      readyLastScan.add(key);
      if (selected.contains(key)) {
        int grown = key.ready() | ready;
        if (grown != key.ready()) {
          key.setReady(grown);
          updated++;
        }
      } else {
        key.setReady(ready);
        selected.add(key);
        updated++;
      }
    }
    return updated;
  }

  /**
   * Waits for a change until {@code deadline} (Long.MAX_VALUE: none); returns false once it has
   * passed.
   */
  private boolean awaitChange(long deadline) {
    lock.lock();
    try {
      while (!signalled) {
        if (deadline == Long.MAX_VALUE) {
          changed.await();
        } else {
          long left = deadline - System.nanoTime();
          if (left <= 0) return false;
          changed.awaitNanos(left);
        }
      }
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // the select returns, with the interrupt status set
      return true;
    } finally {
      lock.unlock();
    }
  }

  private void processCancelled() {
    processCancelled(true);
  }

  /**
   * Deregisters the cancelled keys; {@code fromSelected} false on close, which leaves the selected
   * set to the selecting thread.
   */
  private void processCancelled(boolean fromSelected) {
    Set<SelectionKey> cancelled = cancelledKeys();
    synchronized (cancelled) {
      for (SelectionKey k : cancelled) {
        keys.remove(k);
        if (fromSelected) selected.remove(k);
        deregister((SynackSelectionKey) k);
        ((Pollable) k.channel()).removeKey((SynackSelectionKey) k);
      }
      cancelled.clear();
    }
  }

  @Override
  public Selector wakeup() {
    lock.lock();
    try {
      wakeupPending = true;
      signalled = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    return this;
  }

  @Override
  protected void implCloseSelector() throws IOException {
    wakeup();
    // A select in progress returns first (it holds the monitor); a thread iterating the selected
    // keys meanwhile is not disturbed: the set is left as it is.
    synchronized (this) {
      for (SelectionKey k : keys) {
        k.cancel();
      }
      processCancelled(false);
    }
  }

  private void ensureOpen() {
    if (!isOpen()) throw new ClosedSelectorException();
  }

  /** The selected-key set as the JDK hands it out: keys may be removed, never added. */
  private static final class Ungrowable extends AbstractSet<SelectionKey> {
    private final Set<SelectionKey> set;

    Ungrowable(Set<SelectionKey> set) {
      this.set = set;
    }

    @Override
    public Iterator<SelectionKey> iterator() {
      return set.iterator();
    }

    @Override
    public int size() {
      return set.size();
    }

    @Override
    public boolean contains(Object o) {
      return set.contains(o);
    }

    @Override
    public boolean remove(Object o) {
      return set.remove(o);
    }

    @Override
    public void clear() {
      set.clear();
    }

    @Override
    public boolean add(SelectionKey k) {
      throw new UnsupportedOperationException("selected keys are added by select only");
    }
  }
}
