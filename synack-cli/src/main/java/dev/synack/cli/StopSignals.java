package dev.synack.cli;

import sun.misc.Signal;

/**
 * SIGINT (Ctrl-C) and SIGTERM taken as a request to stop in order: the command finishes what it is
 * doing and exits with its own code (0 after an orderly stop), where by default the JVM would exit
 * with 128 + the signal's number once its shutdown hooks have run. A command keeps a shutdown hook
 * for the other ways the JVM ends.
 */
final class StopSignals {
  private StopSignals() {}

  /**
   * Runs {@code onStop} on a JVM signal thread at each SIGINT or SIGTERM from now on; returns false
   * when the JVM keeps the signals to itself (run with {@code -Xrs}), and a shutdown hook is then
   * all a command has.
   */
  static boolean install(Runnable onStop) {
    try {
      for (String name : new String[] {"INT", "TERM"})
        Signal.handle(new Signal(name), signal -> onStop.run());
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** Removes a shutdown hook; false when too late, the JVM already ending and running it. */
  static boolean removeShutdownHook(Thread hook) {
    try {
      return Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      return false;
    }
  }
}
