package dev.synack.cli.bench;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;

/**
 * The two system calls the benchmark needs and the JDK lacks, through the Foreign Function & Memory
 * API: raising the descriptor limit (the memory reference holds two descriptors per kernel
 * connection) and moving a thread into a network namespace (the kernel's sockets of the TUN
 * reference live in namespaces of their own, while the JVM stays where it is).
 */
final class LinuxCalls {
  private static final int RLIMIT_NOFILE = 7;
  private static final int CLONE_NEWNET = 0x40000000;
  private static final int O_RDONLY = 0;
  private static final int O_CLOEXEC = 0x80000;

  private static final Linker LINKER = Linker.nativeLinker();
  private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CAPTURE.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
  private static final MethodHandle GETRLIMIT =
      downcall("getrlimit", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
  private static final MethodHandle SETRLIMIT =
      downcall("setrlimit", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
  private static final MethodHandle OPEN =
      downcall("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
  private static final MethodHandle SETNS =
      downcall("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
  private static final MethodHandle CLOSE =
      downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
  private static final MethodHandle STRERROR =
      LINKER.downcallHandle(
          LINKER.defaultLookup().findOrThrow("strerror"),
          FunctionDescriptor.of(
              ADDRESS.withTargetLayout(
                  java.lang.foreign.MemoryLayout.sequenceLayout(
                      256, java.lang.foreign.ValueLayout.JAVA_BYTE)),
              JAVA_INT));

  private LinuxCalls() {}

  private static MethodHandle downcall(String name, FunctionDescriptor fd) {
    return LINKER.downcallHandle(
        LINKER.defaultLookup().findOrThrow(name), fd, Linker.Option.captureCallState("errno"));
  }

  /**
   * Raises the soft (and if need be the hard) limit of open descriptors to at least {@code wanted};
   * returns the soft limit in force afterwards, which is lower when the process may not raise it.
   */
  static long raiseOpenFileLimit(long wanted) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CAPTURE);
      MemorySegment rlim = arena.allocate(16, 8);
      if ((int) GETRLIMIT.invokeExact(state, RLIMIT_NOFILE, rlim) != 0) return -1;
      long soft = rlim.get(JAVA_LONG, 0);
      long hard = rlim.get(JAVA_LONG, 8);
      if (soft >= wanted) return soft;
      // Raising the hard limit needs CAP_SYS_RESOURCE; without it, the soft limit goes up to the
      // hard one.
      rlim.set(JAVA_LONG, 0, wanted);
      rlim.set(JAVA_LONG, 8, Math.max(hard, wanted));
      if ((int) SETRLIMIT.invokeExact(state, RLIMIT_NOFILE, rlim) == 0) return wanted;
      rlim.set(JAVA_LONG, 0, hard);
      rlim.set(JAVA_LONG, 8, hard);
      return (int) SETRLIMIT.invokeExact(state, RLIMIT_NOFILE, rlim) == 0 ? hard : soft;
    } catch (Throwable t) {
      throw new IllegalStateException("getrlimit/setrlimit failed: " + t, t);
    }
  }

  /**
   * Moves the calling thread (a platform thread) into the network namespace at {@code nsPath} (e.g.
   * {@code /run/netns/NAME}): the sockets it opens from now on live there. Linux keeps the network
   * namespace per thread, so the rest of the JVM stays where it is.
   */
  static void enterNetworkNamespace(Path nsPath) throws IOException {
    if (Thread.currentThread().isVirtual())
      throw new IllegalStateException("setns needs a platform thread");
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CAPTURE);
      int fd =
          (int)
              OPEN.invokeExact(state, arena.allocateFrom(nsPath.toString()), O_RDONLY | O_CLOEXEC);
      if (fd < 0) throw failure("cannot open " + nsPath, state);
      try {
        if ((int) SETNS.invokeExact(state, fd, CLONE_NEWNET) != 0)
          throw failure("setns into " + nsPath + " failed", state);
      } finally {
        int ignored = (int) CLOSE.invokeExact(state, fd);
      }
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Throwable t) {
      throw new IOException("setns failed: " + t, t);
    }
  }

  private static IOException failure(String what, MemorySegment state) throws Throwable {
    int errno = (int) ERRNO.get(state, 0L);
    MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
    return new IOException(
        "synack bench: " + what + ": " + text.getString(0) + " (errno " + errno + ")");
  }
}
