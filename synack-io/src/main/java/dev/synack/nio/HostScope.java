package dev.synack.nio;

import dev.synack.runtime.EventLoop;
import dev.synack.stack.Host;
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
  /** A host and the loop that owns it. */
  public record Binding(EventLoop loop, Host host) {
    public Binding {
      Objects.requireNonNull(loop, "loop");
      Objects.requireNonNull(host, "host");
    }
  }

  private static final InheritableThreadLocal<Binding> CURRENT = new InheritableThreadLocal<>();
  private static volatile Binding defaultBinding;

  private HostScope() {}

  /** Sets the host of threads that run outside {@link #call}; null for none. */
  public static void setDefault(Binding binding) {
    defaultBinding = binding;
  }

  /** Runs {@code body} on this thread with channels opened on {@code binding}'s host, and returns its result. */
  public static <T> T call(Binding binding, Callable<T> body) throws Exception {
    Objects.requireNonNull(binding, "binding");
    Binding before = CURRENT.get();
    CURRENT.set(binding);
    try {
      return body.call();
    } finally {
      if (before == null) CURRENT.remove(); else CURRENT.set(before);
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
      throw new SocketException("no synack host for thread " + Thread.currentThread().getName()
          + ": run it in HostScope.call, set a default host, or set synack.tun or synack.udp (synack run does)");
    }
    return b;
  }
}
