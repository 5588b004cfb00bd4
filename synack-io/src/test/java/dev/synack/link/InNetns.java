package dev.synack.link;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs code on a fresh platform thread that has entered a named network namespace, as {@code ip
 * netns exec} does for a process: what it creates there (a TUN device, the socket that configures
 * an address) lives in that namespace, while the rest of the JVM stays where it is.
 *
 * <p>Linux keeps the network namespace per thread, and {@code setns(2)} moves the calling thread
 * only; the thread ends with the call. Descriptors opened there keep working from any thread.
 */
@SuppressWarnings("restricted") // setns has no Java API; surefire enables native access.
public final class InNetns {
  /** CLONE_NEWNET from linux/sched.h. */
  private static final int CLONE_NEWNET = 0x4000_0000;

  private static final int O_RDONLY_CLOEXEC = 0x8_0000;

  private static final Linker LINKER = Linker.nativeLinker();

  /** int open(const char *pathname, int flags); */
  private static final MethodHandle OPEN =
      LINKER.downcallHandle(
          LINKER.defaultLookup().find("open").orElseThrow(),
          FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));

  /** int setns(int fd, int nstype); */
  private static final MethodHandle SETNS =
      LINKER.downcallHandle(
          LINKER.defaultLookup().find("setns").orElseThrow(),
          FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));

  /** int close(int fd); */
  private static final MethodHandle CLOSE =
      LINKER.downcallHandle(
          LINKER.defaultLookup().find("close").orElseThrow(),
          FunctionDescriptor.of(JAVA_INT, JAVA_INT));

  private InNetns() {}

  /**
   * Calls {@code action} on a new thread inside namespace {@code namespace}; returns or rethrows.
   */
  public static <T> T call(String namespace, Callable<T> action) throws Exception {
    AtomicReference<T> result = new AtomicReference<>();
    AtomicReference<Exception> failure = new AtomicReference<>();
    Thread thread =
        Thread.ofPlatform()
            .name("synack-in-" + namespace)
            .unstarted(
                () -> {
                  try {
                    enter(namespace);
                    result.set(action.call());
                  } catch (Exception e) {
                    failure.set(e);
                  } catch (Throwable t) {
                    failure.set(new IllegalStateException(t));
                  }
                });
    thread.start();
    thread.join(30_000);
    if (thread.isAlive())
      throw new IllegalStateException("action in " + namespace + " still running after 30 s");
    if (failure.get() != null) throw failure.get();
    return result.get();
  }

  private static void enter(String namespace) throws Throwable {
    try (Arena arena = Arena.ofConfined()) {
      int fd =
          (int) OPEN.invokeExact(arena.allocateFrom("/run/netns/" + namespace), O_RDONLY_CLOEXEC);
      if (fd < 0) throw new IllegalStateException("cannot open /run/netns/" + namespace);
      try {
        if ((int) SETNS.invokeExact(fd, CLONE_NEWNET) != 0) {
          throw new IllegalStateException("setns into " + namespace + " failed");
        }
      } finally {
        int ignored = (int) CLOSE.invokeExact(fd);
      }
    }
  }
}
