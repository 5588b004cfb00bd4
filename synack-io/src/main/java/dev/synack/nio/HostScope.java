package dev.synack.nio;

import dev.synack.runtime.EventLoop;
import dev.synack.runtime.HostDriver;
import dev.synack.runtime.Stack;
import dev.synack.stack.Host;
import java.io.IOException;
import java.net.InetAddress;
import java.net.SocketException;
import java.util.Objects;
import java.util.concurrent.Callable;

/**
 * Which synack host the channels a thread opens belong to. Code run with {@link #call} (and the
 * threads it starts, through an inheritable thread-local) opens its channels on that host; any
 * other thread opens them on the default host, if one was set. Accepted channels belong to their
 * listener's host, whatever the thread.
 *
 * <p>The JDK's own HTTP client and server start their threads without inheriting thread-locals
 * ({@code new Thread(..., inheritThreadLocals = false)}): a client opens its connections on those
 * threads, so it needs the default host (or a thread factory of its own).
 */
public final class HostScope {
  /**
   * A host and the loop that owns it; for a {@link Stack} of several loops, its first loop and
   * host, and the stack, whose loops the channels spread over: an active open runs on the loop that
   * owns its flow, a server channel listens on every loop, a datagram channel binds on its port's
   * loop.
   */
  public record Binding(EventLoop loop, Host host, Stack stack) {
    public Binding {
      Objects.requireNonNull(loop, "loop");
      Objects.requireNonNull(host, "host");
    }

    /** A host alone on its loop. */
    public Binding(EventLoop loop, Host host) {
      this(loop, host, null);
    }

    /** Returns the binding of every loop of {@code stack}. */
    public static Binding of(Stack stack) {
      HostDriver first = stack.loop(0);
      return new Binding(first, first.host(), stack.loopCount() > 1 ? stack : null);
    }

    /** Returns the number of loops. */
    int loopCount() {
      return stack == null ? 1 : stack.loopCount();
    }

    /** Returns loop {@code i} with its host alone. */
    Binding at(int i) {
      if (stack == null) return this;
      HostDriver d = stack.loop(i);
      return new Binding(d, d.host());
    }

    /**
     * Returns the loop with its host where an active open from {@code localPort} (0 for an
     * ephemeral port, which each loop's host picks to hash to itself) runs: the next loop in turn,
     * or the one owning the flow of a port the caller named.
     */
    Binding forConnect(InetAddress local, int localPort, InetAddress remote, int remotePort)
        throws IOException {
      if (stack == null) return this;
      HostDriver d;
      if (localPort == 0) {
        d = stack.nextLoop();
      } else {
        InetAddress from = local != null ? local : firstOfFamily(remote);
        d = from == null ? stack.loop(0) : stack.loopOf(6, from, localPort, remote, remotePort);
      }
      return new Binding(d, d.host());
    }

    /**
     * Returns the loop with its host that owns UDP port {@code port}, or the next in turn for 0.
     */
    Binding forUdp(int port) {
      if (stack == null) return this;
      HostDriver d = port == 0 ? stack.nextLoop() : stack.loopOf(17, null, port, null, 0);
      return new Binding(d, d.host());
    }

    /**
     * Returns the host's first address of the family of {@code remote}; the hosts of a stack have
     * the same.
     */
    private InetAddress firstOfFamily(InetAddress remote) throws IOException {
      return loop.call(
          now -> {
            for (InetAddress a : host.addresses()) {
              if (a.getClass() == remote.getClass()) return a;
            }
            return null;
          });
    }
  }

  private static final InheritableThreadLocal<Binding> CURRENT = new InheritableThreadLocal<>();
  private static volatile Binding defaultBinding;

  private HostScope() {}

  /** Sets the host of threads that run outside {@link #call}; null for none. */
  public static void setDefault(Binding binding) {
    defaultBinding = binding;
  }

  /**
   * Runs {@code body} on this thread with channels opened on {@code binding}'s host, and returns
   * its result.
   */
  public static <T> T call(Binding binding, Callable<T> body) throws Exception {
    Objects.requireNonNull(binding, "binding");
    Binding before = CURRENT.get();
    CURRENT.set(binding);
    try {
      return body.call();
    } finally {
      if (before == null) CURRENT.remove();
      else CURRENT.set(before);
    }
  }

  /** Returns the default host, or null. */
  public static Binding defaultBinding() {
    return defaultBinding;
  }

  /** Returns the host this thread's channels open on, or null when there is none. */
  public static Binding current() {
    Binding b = CURRENT.get();
    return b != null ? b : defaultBinding;
  }

  /**
   * Returns the host this thread's channels open on, or throws when there is none. Without a
   * default, the system properties of {@link PropertyHost} (set by {@code synack run}) start one.
   */
  static Binding require() throws SocketException {
    Binding b = current();
    if (b == null && PropertyHost.configured(System.getProperties())) {
      synchronized (HostScope.class) {
        if (defaultBinding == null) defaultBinding = PropertyHost.start(System.getProperties());
        b = defaultBinding;
      }
    }
    if (b == null) {
      throw new SocketException(
          "no synack host for thread "
              + Thread.currentThread().getName()
              + ": run it in HostScope.call, set a default host, or set synack.tun or synack.udp (synack run does)");
    }
    return b;
  }
}
