package dev.synack.link;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * A Linux network namespace, named as {@code ip netns} does ({@code /run/netns/NAME}), by path, or
 * by a process id ({@code /proc/PID/ns/net}). Linux keeps the namespace per thread, so a task run
 * {@link #call in} one runs on a thread of its own that entered it (setns(2)): a TUN device it
 * opens is made there, while the rest of the process stays where it is. Needs CAP_SYS_ADMIN.
 */
public final class NetworkNamespace {
  private static final int O_RDONLY = 0;
  private static final int O_CLOEXEC = 0x80000;
  private static final int CLONE_NEWNET = 0x40000000;
  private static final Linker LINKER = Linker.nativeLinker();
  private static final MethodHandle SETNS =
      LINKER.downcallHandle(
          LINKER.defaultLookup().findOrThrow("setns"),
          FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT),
          Linker.Option.captureCallState("errno"));
  private static final MethodHandle UNSHARE =
      LINKER.downcallHandle(
          LINKER.defaultLookup().findOrThrow("unshare"),
          FunctionDescriptor.of(JAVA_INT, JAVA_INT),
          Linker.Option.captureCallState("errno"));

  private final Path path;

  private NetworkNamespace(Path path) {
    this.path = path;
  }

  /**
   * Returns the namespace {@code spec} names: a number is a process id, a string with a slash a
   * path, anything else a name under {@code /run/netns}.
   *
   * @throws IllegalArgumentException when it does not exist
   */
  public static NetworkNamespace of(String spec) {
    if (spec == null || spec.isEmpty())
      throw new IllegalArgumentException("network namespace is empty");
    Path p =
        spec.chars().allMatch(Character::isDigit)
            ? Path.of("/proc", spec, "ns", "net")
            : spec.contains("/") ? Path.of(spec) : Path.of("/run/netns", spec);
    if (!Files.exists(p))
      throw new IllegalArgumentException(
          "no network namespace " + spec + " (" + p + " does not exist)");
    return new NetworkNamespace(p);
  }

  /** Returns the namespace's file. */
  public Path path() {
    return path;
  }

  /**
   * Runs {@code task} on a new platform thread inside the namespace and returns its result; its
   * failure is rethrown.
   */
  public <T> T call(Callable<T> task) throws IOException {
    CompletableFuture<T> result = new CompletableFuture<>();
    Thread t =
        Thread.ofPlatform()
            .name("synack-netns")
            .daemon(true)
            .start(
                () -> {
                  try {
                    enter();
                    result.complete(task.call());
                  } catch (Throwable e) {
                    result.completeExceptionally(e);
                  }
                });
    try {
      T value = result.get();
      t.join();
      return value;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted in network namespace " + path, e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) throw io;
      if (cause instanceof RuntimeException r) throw r;
      throw new IOException(cause.getMessage(), cause);
    }
  }

  /**
   * Moves the calling platform thread into a new, empty network namespace of its own (unshare(2)),
   * as packetdrill's kernel runs: only loopback, down. The rest of the process stays where it is.
   * The namespace lives while a thread is in it or a socket or device made in it is open, and goes
   * away with the last of them, so nothing is left behind. Returns it, so that other threads can
   * {@link #enter} it while the calling thread lives.
   *
   * @throws IOException when the kernel refuses (no CAP_SYS_ADMIN)
   */
  public static NetworkNamespace unshare() throws IOException {
    if (Thread.currentThread().isVirtual())
      throw new IllegalStateException("unshare needs a platform thread");
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(LinuxSyscalls.CALL_STATE_SIZE, 8);
      if ((int) UNSHARE.invokeExact(state, CLONE_NEWNET) != 0) {
        throw new IOException(
            "synack: cannot make a network namespace: "
                + LinuxSyscalls.strerror(LinuxSyscalls.errno(state)));
      }
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Throwable t) {
      throw new IOException("unshare failed: " + t, t);
    }
    // "PID/task/TID": this thread's own namespace, which /proc/self/ns/net (the main thread's) is
    // not.
    Path self = Files.readSymbolicLink(Path.of("/proc/thread-self"));
    return new NetworkNamespace(Path.of("/proc").resolve(self).resolve("ns/net"));
  }

  /** Makes the calling platform thread enter the namespace, for good (setns(2)). */
  public void enter() throws IOException {
    if (Thread.currentThread().isVirtual())
      throw new IllegalStateException("setns needs a platform thread");
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(LinuxSyscalls.CALL_STATE_SIZE, 8);
      int fd = LinuxSyscalls.open(state, arena.allocateFrom(path.toString()), O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        throw new IOException(
            "synack: cannot open "
                + path
                + ": "
                + LinuxSyscalls.strerror(LinuxSyscalls.errno(state)));
      try {
        if ((int) SETNS.invokeExact(state, fd, CLONE_NEWNET) != 0) {
          throw new IOException(
              "synack: cannot enter network namespace "
                  + path
                  + ": "
                  + LinuxSyscalls.strerror(LinuxSyscalls.errno(state)));
        }
      } finally {
        LinuxSyscalls.close(fd);
      }
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Throwable t) {
      throw new IOException("setns failed: " + t, t);
    }
  }
}
