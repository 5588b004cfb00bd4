package dev.synack.link;

import static dev.synack.link.LinuxSyscalls.CALL_STATE_SIZE;
import static dev.synack.link.LinuxSyscalls.EFD_CLOEXEC;
import static dev.synack.link.LinuxSyscalls.EFD_NONBLOCK;
import static dev.synack.link.LinuxSyscalls.EINTR;
import static dev.synack.link.LinuxSyscalls.POLLFD_EVENTS_OFFSET;
import static dev.synack.link.LinuxSyscalls.POLLFD_REVENTS_OFFSET;
import static dev.synack.link.LinuxSyscalls.POLLFD_SIZE;
import static dev.synack.link.LinuxSyscalls.POLLIN;
import static dev.synack.link.LinuxSyscalls.errno;
import static dev.synack.link.LinuxSyscalls.strerror;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Waits until one of several {@link IcmpSocket}s may have a reply, or a timeout, or a {@link
 * #wakeup} from another thread ({@code ppoll(2)} over the sockets and an {@code eventfd}). One
 * thread waits; any thread may wake it.
 */
public final class IcmpPoller implements AutoCloseable {
  /** Sockets one wait covers at most. */
  public static final int MAX_SOCKETS = 1024;

  private final Arena arena = Arena.ofShared();
  private final MemorySegment state = arena.allocate(CALL_STATE_SIZE);
  private final MemorySegment wakeState = arena.allocate(CALL_STATE_SIZE);
  private final MemorySegment pollFds = arena.allocate(POLLFD_SIZE * (MAX_SOCKETS + 1));
  private final MemorySegment timespec = arena.allocate(16);
  private final MemorySegment counter = arena.allocate(8);
  private final MemorySegment one = arena.allocate(8);
  private final int wakeFd;
  private boolean closed;

  /** Opens a poller (its eventfd). */
  public IcmpPoller() throws IOException {
    wakeFd = LinuxSyscalls.eventfd(state, 0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wakeFd < 0) {
      int errno = errno(state);
      arena.close();
      throw new IOException("synack: cannot create an eventfd: " + strerror(errno));
    }
    one.set(JAVA_LONG, 0, 1L);
  }

  /**
   * Waits up to {@code timeoutNanos} until one of {@code sockets} (at most {@link #MAX_SOCKETS}) is
   * readable or a wakeup comes; returns at once when a wakeup came since the last wait.
   */
  public void await(List<IcmpSocket> sockets, long timeoutNanos) throws IOException {
    await(sockets, timeoutNanos, null);
  }

  /**
   * Waits as {@link #await(List, long)} does and then says which sockets are ready: {@code
   * ready[i]} is set for socket {@code i} when it is readable, has an error or is closed (each of
   * which a read answers at once), cleared otherwise; returns how many are set. {@code ready} may
   * be null, and must otherwise hold one entry per socket.
   */
  public int await(List<IcmpSocket> sockets, long timeoutNanos, boolean[] ready)
      throws IOException {
    if (sockets.size() > MAX_SOCKETS)
      throw new IllegalArgumentException("too many sockets: " + sockets.size());
    if (ready != null && ready.length < sockets.size())
      throw new IllegalArgumentException(
          "ready has " + ready.length + " entries for " + sockets.size() + " sockets");
    pollFds.set(JAVA_INT, 0, wakeFd);
    pollFds.set(JAVA_SHORT, POLLFD_EVENTS_OFFSET, POLLIN);
    pollFds.set(JAVA_SHORT, POLLFD_REVENTS_OFFSET, (short) 0);
    for (int i = 0; i < sockets.size(); i++) {
      pollFds.set(JAVA_INT, (i + 1) * POLLFD_SIZE, sockets.get(i).fd());
      pollFds.set(JAVA_SHORT, (i + 1) * POLLFD_SIZE + POLLFD_EVENTS_OFFSET, POLLIN);
      pollFds.set(JAVA_SHORT, (i + 1) * POLLFD_SIZE + POLLFD_REVENTS_OFFSET, (short) 0);
    }
    timespec.set(JAVA_LONG, 0, timeoutNanos / 1_000_000_000L);
    timespec.set(JAVA_LONG, 8, timeoutNanos % 1_000_000_000L);
    int polled = LinuxSyscalls.ppoll(state, pollFds, sockets.size() + 1, timespec);
    if (polled < 0 && errno(state) != EINTR)
      throw new IOException("synack: poll of ICMP sockets failed: " + strerror(errno(state)));
    LinuxSyscalls.read(
        state, wakeFd, counter, 8); // Drains the counter (EAGAIN when no wakeup came).
    int count = 0;
    for (int i = 0; ready != null && i < sockets.size(); i++) {
      // Any of POLLIN, POLLERR, POLLHUP, POLLNVAL: a receive now returns at once.
      ready[i] =
          polled > 0 && pollFds.get(JAVA_SHORT, (i + 1) * POLLFD_SIZE + POLLFD_REVENTS_OFFSET) != 0;
      if (ready[i]) count++;
    }
    return count;
  }

  /** Makes a waiting {@link #await} return at once (or the next one, if none waits). Any thread. */
  public synchronized void wakeup() {
    if (!closed) LinuxSyscalls.write(wakeState, wakeFd, one, 8);
  }

  /** Closes the poller; the thread that waits must have stopped waiting. */
  @Override
  public synchronized void close() {
    if (closed) return;
    closed = true;
    LinuxSyscalls.close(wakeFd);
    arena.close();
  }
}
