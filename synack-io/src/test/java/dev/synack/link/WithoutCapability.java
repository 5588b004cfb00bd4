package dev.synack.link;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs code on a fresh platform thread whose effective capabilities lack one capability, to see
 * what an unprivileged user would see without leaving the test's root process.
 *
 * <p>Linux keeps credentials per thread and {@code capset(2)} on pid 0 changes the calling thread
 * only, so the rest of the JVM keeps its privileges; the thread ends with the call.
 */
@SuppressWarnings("restricted") // capset has no Java API; surefire enables native access.
final class WithoutCapability {
  /** _LINUX_CAPABILITY_VERSION_3 from linux/capability.h: 64-bit sets, two data structs. */
  private static final int CAPABILITY_VERSION_3 = 0x20080522;

  /** struct __user_cap_data_struct { __u32 effective, permitted, inheritable; } */
  private static final long CAP_DATA_SIZE = 12;

  private static final Linker LINKER = Linker.nativeLinker();

  /** int capget(cap_user_header_t hdrp, cap_user_data_t datap); */
  private static final MethodHandle CAPGET =
      LINKER.downcallHandle(
          LINKER.defaultLookup().find("capget").orElseThrow(),
          FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));

  /** int capset(cap_user_header_t hdrp, const cap_user_data_t datap); */
  private static final MethodHandle CAPSET =
      LINKER.downcallHandle(
          LINKER.defaultLookup().find("capset").orElseThrow(),
          FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));

  private WithoutCapability() {}

  /** Calls {@code action} on a new thread without capability {@code cap}; returns or rethrows. */
  static <T> T call(int cap, Callable<T> action) throws Exception {
    AtomicReference<T> result = new AtomicReference<>();
    AtomicReference<Exception> failure = new AtomicReference<>();
    Thread thread =
        Thread.ofPlatform()
            .name("synack-without-cap-" + cap)
            .unstarted(
                () -> {
                  try {
                    dropEffective(cap);
                    result.set(action.call());
                  } catch (Exception e) {
                    failure.set(e);
                  } catch (Throwable t) {
                    failure.set(new IllegalStateException(t));
                  }
                });
    thread.start();
    thread.join(10_000);
    if (thread.isAlive()) throw new IllegalStateException("action still running after 10 s");
    if (failure.get() != null) throw failure.get();
    return result.get();
  }

  private static void dropEffective(int cap) throws Throwable {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment header = arena.allocate(8, 4);
      header.set(JAVA_INT, 0, CAPABILITY_VERSION_3);
      header.set(JAVA_INT, 4, 0); // pid 0: the calling thread
      MemorySegment data = arena.allocate(2 * CAP_DATA_SIZE, 4);
      if ((int) CAPGET.invokeExact(header, data) != 0)
        throw new IllegalStateException("capget failed");
      long offset = (cap / 32) * CAP_DATA_SIZE; // effective is the first field of each struct
      data.set(JAVA_INT, offset, data.get(JAVA_INT, offset) & ~(1 << (cap % 32)));
      if ((int) CAPSET.invokeExact(header, data) != 0)
        throw new IllegalStateException("capset failed");
    }
  }
}
