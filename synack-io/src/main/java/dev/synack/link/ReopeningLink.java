package dev.synack.link;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;

/**
 * A link that outlives what it stands on: when the link inside is gone for good ({@link
 * LinkGoneException}: its TUN device deleted, its descriptor invalid), it is closed and opened
 * again by the {@link Opener} (which recreates the device and configures it again), tried first
 * {@link #FIRST_RETRY_NANOS} after the loss and then at intervals that double up to {@link
 * #MAX_RETRY_NANOS}. Until a reopen succeeds every call throws a {@link LinkGoneException} at once,
 * which a driver counts and waits out ({@link dev.synack.runtime.HostDriver}); the connections of
 * the host above survive, as a kernel's sockets survive a device that goes away and comes back.
 *
 * <p>Threads: as {@link Link}. Swapping the link inside is done under a lock; a call in progress on
 * the old link when another thread finds it gone ends with a {@link LinkGoneException}, not as if
 * this link were closed.
 */
public final class ReopeningLink implements Link {
  /** Wait after a loss before the first attempt to reopen: the device may come back by itself. */
  static final long FIRST_RETRY_NANOS = 100_000_000L;

  /** Longest wait between two attempts. */
  static final long MAX_RETRY_NANOS = 5_000_000_000L;

  /** Opens the link inside, each time with the same settings. */
  @FunctionalInterface
  public interface Opener {
    /** Opens a fresh link; throws with one line saying why it cannot now. */
    Link open() throws IOException;
  }

  private final Opener opener;
  private final int mtu;
  private final String description;
  private final Object lock = new Object();

  /** The link inside; null while it is gone and not yet reopened. */
  private volatile Link current;

  /**
   * Under {@link #lock}: when to try again (System.nanoTime), the interval after that, why it is
   * gone.
   */
  private long nextAttempt;

  private long retry;
  private String goneReason;
  private long reopens;
  private volatile boolean closed;

  /** Whether the link inside steers flows: the first one's, as every reopened one is the same. */
  private final boolean steersFlows;

  /**
   * The SYN shedding last taken ({@link #shedSyns}): a reopened device starts without its filter,
   * so it is asked again.
   */
  private volatile int shedShift;

  private ReopeningLink(Opener opener, Link first) {
    this.opener = opener;
    this.current = first;
    this.mtu = first.mtu();
    this.description = first.toString();
    this.steersFlows = first.steersFlows();
  }

  /**
   * Opens the first link with {@code opener} (its failure is thrown as is) and returns it wrapped.
   */
  public static ReopeningLink open(Opener opener) throws IOException {
    return new ReopeningLink(opener, opener.open());
  }

  /** Returns the link inside now, or null while it is gone. */
  public Link current() {
    return current;
  }

  /** Returns how many times the link was reopened after a loss. */
  public long reopens() {
    synchronized (lock) {
      return reopens;
    }
  }

  @Override
  public int mtu() {
    return mtu;
  }

  @Override
  public int receive(ByteBuffer dst, long timeoutNanos) throws IOException {
    Timeouts.check(timeoutNanos);
    Link link = usable();
    try {
      return link.receive(dst, timeoutNanos);
    } catch (IOException e) {
      throw lost(link, e);
    }
  }

  @Override
  public int receiveBatch(ByteBuffer[] dsts, long timeoutNanos) throws IOException {
    Timeouts.check(timeoutNanos);
    Link link = usable();
    try {
      return link.receiveBatch(dsts, timeoutNanos);
    } catch (IOException e) {
      throw lost(link, e);
    }
  }

  @Override
  public int receiveBatch(ByteBuffer[] dsts, boolean[] checksumUnnecessary, long timeoutNanos)
      throws IOException {
    Timeouts.check(timeoutNanos);
    Link link = usable();
    try {
      return link.receiveBatch(dsts, checksumUnnecessary, timeoutNanos);
    } catch (IOException e) {
      throw lost(link, e);
    }
  }

  @Override
  public void send(ByteBuffer packet) throws IOException {
    Link link = usable();
    try {
      link.send(packet);
    } catch (IOException e) {
      throw lost(link, e);
    }
  }

  /**
   * Returns what the link open now takes, or 1 while none is: a super-packet then is cut in
   * software.
   */
  @Override
  public int maxSegments() {
    Link link = current;
    return link == null ? 1 : link.maxSegments();
  }

  @Override
  public void sendBatch(ByteBuffer[] packets, int[] segmentSizes, int count) throws IOException {
    Link link = usable();
    try {
      link.sendBatch(packets, segmentSizes, count);
    } catch (IOException e) {
      throw lost(link, e);
    }
  }

  @Override
  public void sendBatch(ByteBuffer[] packets, int count) throws IOException {
    Link link = usable();
    try {
      link.sendBatch(packets, count);
    } catch (IOException e) {
      throw lost(link, e);
    }
  }

  /**
   * Passes the shedding to the link inside (a TUN device sheds with its filter), and asks a
   * reopened one again; while none is open, only "shed none" can be done.
   */
  @Override
  public boolean shedSyns(int shift) {
    Link link = current;
    boolean done = link == null ? shift == 0 : link.shedSyns(shift);
    if (done) shedShift = shift;
    return done;
  }

  @Override
  public boolean steersFlows() {
    return steersFlows;
  }

  @Override
  public void wakeup() {
    Link link = current;
    if (link != null) link.wakeup();
  }

  @Override
  public void close() throws IOException {
    Link link;
    synchronized (lock) {
      if (closed) return;
      closed = true;
      link = current;
      current = null;
    }
    if (link != null) link.close();
  }

  @Override
  public String toString() {
    return description;
  }

  /**
   * Returns the link inside, reopening it if it is gone and an attempt is due; else throws why it
   * is gone.
   */
  private Link usable() throws IOException {
    Link link = current;
    if (link != null) return link;
    synchronized (lock) {
      if (closed) throw new ClosedChannelException();
      if (current != null) return current;
      long now = System.nanoTime();
      if (now - nextAttempt < 0) throw new LinkGoneException(goneReason);
      try {
        Link fresh = opener.open();
        int shift = shedShift;
        if (shift != 0) fresh.shedSyns(shift);
        current = fresh;
        reopens++;
        return fresh;
      } catch (IOException | RuntimeException e) {
        nextAttempt = now + retry;
        retry = Math.min(MAX_RETRY_NANOS, retry * 2);
        goneReason = description + " is gone and cannot be reopened yet: " + e.getMessage();
        throw new LinkGoneException(goneReason);
      }
    }
  }

  /**
   * Handles an error of {@code link}: one that is gone is closed and forgotten, so that the next
   * call reopens it; returns what to throw.
   */
  @SuppressWarnings("ReferenceEquality") // whether the link was replaced: identity is meant
  private IOException lost(Link link, IOException e) {
    boolean gone = e instanceof LinkGoneException;
    synchronized (lock) {
      if (closed) return e;
      if (current != link) {
        // Another thread found it gone and closed it under this call: gone, not closed by our
        // owner.
        return e instanceof LinkGoneException
            ? e
            : new LinkGoneException(description + " is gone: " + e.getMessage());
      }
      if (!gone) return e;
      current = null;
      nextAttempt = System.nanoTime() + FIRST_RETRY_NANOS;
      retry = FIRST_RETRY_NANOS * 2;
      goneReason = e.getMessage();
    }
    try {
      link.close();
    } catch (IOException ignored) {
      // It is gone already; closing only frees its descriptors.
    }
    return e;
  }
}
