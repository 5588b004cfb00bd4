package dev.synack.cli.bench;

import dev.synack.link.NetworkNamespace;
import java.io.IOException;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A platform thread that moves itself into a network namespace and runs one task there: the sockets
 * it opens are the kernel's sockets of that namespace. The thread ends with its task.
 */
final class NamespaceThread {
  private NamespaceThread() {}

  /** Starts {@code task} on a new platform thread inside {@code ns}. */
  static <T> CompletableFuture<T> start(Netns ns, String name, Callable<T> task) {
    CompletableFuture<T> result = new CompletableFuture<>();
    Thread.ofPlatform()
        .name("bench-" + name)
        .daemon(true)
        .start(
            () -> {
              try {
                NetworkNamespace.of(ns.path().toString()).enter();
                result.complete(task.call());
              } catch (Throwable t) {
                result.completeExceptionally(t);
              }
            });
    return result;
  }

  /**
   * Waits at most {@code seconds} for {@code f} and returns its value; its failure comes out as an
   * IOException.
   */
  static <T> T await(CompletableFuture<T> f, long seconds, String what) throws IOException {
    try {
      return f.get(seconds, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(what + ": interrupted", e);
    } catch (TimeoutException e) {
      throw new IOException(what + ": no result within " + seconds + " s");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw new IOException(what + ": " + cause, cause);
    }
  }
}
