package dev.synack.runtime;

import dev.synack.sim.SimNetwork;
import dev.synack.stack.Host;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs a whole {@link SimNetwork} and its hosts in real time on the loop thread, so that blocking
 * sockets work over the simulator: the same application code runs on a simulated or a real link.
 * Network time is the loop's time, so a 1 ms link delay takes 1 ms of wall-clock time.
 *
 * <p>The network must be fresh (its clock at or before the loop's, which starts near 0), with the
 * hosts already attached; from now on the driver owns the network and every host.
 */
public final class SimDriver extends EventLoop {
  /** The longest park with nothing due, so a lost wake-up costs a second at worst, never a hang. */
  private static final long MAX_PARK_NANOS = 1_000_000_000L;

  private final SimNetwork net;
  private final List<Host> hosts;

  /** Set by {@link #wakeup()} and cleared by the loop once it has noticed; closes the park race. */
  private volatile boolean woken;

  private volatile Thread loopThread;

  /** Starts a driver thread for {@code net}, whose attached hosts are {@code hosts}. */
  public SimDriver(SimNetwork net, List<Host> hosts) {
    super("synack-sim");
    this.net = net;
    this.hosts = List.copyOf(hosts);
    start();
  }

  /** Returns the network; touch it only from tasks given to {@link #call}. */
  public SimNetwork network() {
    return net;
  }

  /** Returns the hosts in the order given; touch them only from tasks given to {@link #call}. */
  public List<Host> hosts() {
    return hosts;
  }

  @Override
  protected void wakeup() {
    woken = true;
    Thread t = loopThread;
    if (t != null) LockSupport.unpark(t);
  }

  @Override
  protected void catchUp(long now) {
    if (loopThread == null) loopThread = Thread.currentThread();
    net.runUntil(now);
    dispatch(now);
  }

  @Override
  protected void turn(long now) {
    // Output of the calls just run leaves now; zero-delay arrivals it causes are processed too.
    net.runUntil(now);
    dispatch(now);
    long next = net.nextEventTime();
    // Park until the next event or a wake-up. The flag, not the park permit, says whether a
    // wake-up came: taking a lock in Signal.bump may park this thread and eat the permit.
    while (!woken) {
      long wait = next == Long.MAX_VALUE ? MAX_PARK_NANOS : next - now();
      if (wait <= 0) break;
      LockSupport.parkNanos(this, Math.min(wait, MAX_PARK_NANOS));
      if (next == Long.MAX_VALUE) break;
    }
    woken = false;
  }

  private void dispatch(long now) {
    for (Host host : hosts) dispatchEvents(host, now);
  }
}
