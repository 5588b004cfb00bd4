package dev.synack.link;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The process's limit of open descriptors ({@code RLIMIT_NOFILE}), which the JDK cannot raise: a
 * benchmark that holds many kernel sockets (two descriptors per connection) raises it here, so that
 * the FFM calls stay in this module, the one with native access.
 */
public final class OpenFileLimit {
  private static final int RLIMIT_NOFILE = 7;
  private static final Linker LINKER = Linker.nativeLinker();
  private static final MethodHandle GETRLIMIT =
      downcall("getrlimit", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
  private static final MethodHandle SETRLIMIT =
      downcall("setrlimit", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));

  private OpenFileLimit() {}

  private static MethodHandle downcall(String name, FunctionDescriptor fd) {
    return LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow(name), fd);
  }

  /**
   * Raises the soft (and if need be the hard) limit of open descriptors to at least {@code wanted};
   * returns the soft limit in force afterwards, which is lower when the process may not raise it,
   * or -1 when it cannot be read.
   */
  public static long raise(long wanted) {
    try (Arena arena = Arena.ofConfined()) {
      // struct rlimit { rlim_t rlim_cur; rlim_t rlim_max; }
      MemorySegment rlim = arena.allocate(16, 8);
      if ((int) GETRLIMIT.invokeExact(RLIMIT_NOFILE, rlim) != 0) return -1;
      long soft = rlim.get(JAVA_LONG, 0);
      long hard = rlim.get(JAVA_LONG, 8);
      if (soft >= wanted) return soft;
      // Raising the hard limit needs CAP_SYS_RESOURCE; without it, the soft limit goes up to the
      // hard one.
      rlim.set(JAVA_LONG, 0, wanted);
      rlim.set(JAVA_LONG, 8, Math.max(hard, wanted));
      if ((int) SETRLIMIT.invokeExact(RLIMIT_NOFILE, rlim) == 0) return wanted;
      rlim.set(JAVA_LONG, 0, hard);
      rlim.set(JAVA_LONG, 8, hard);
      return (int) SETRLIMIT.invokeExact(RLIMIT_NOFILE, rlim) == 0 ? hard : soft;
    } catch (Throwable t) {
      throw new IllegalStateException("getrlimit/setrlimit failed: " + t, t);
    }
  }
}
