package dev.synack.link;

import java.io.PrintStream;
import java.util.Optional;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Prints each skipped test with its reason on the console, where the build's output is read, not
 * only in the XML reports: a test that needs root or a tool skips elsewhere with one line saying
 * what is missing, and that line must reach whoever ran the build. Registered for every test of a
 * module whose test class path holds this class (synack-io, and synack-cli through io's test jar)
 * by the service file beside it and {@code junit.jupiter.extensions.autodetection.enabled}.
 */
public final class SkipReasons implements TestWatcher {
  private final PrintStream out;

  /** Prints to standard output, which surefire copies to the console. */
  public SkipReasons() {
    this(System.out);
  }

  SkipReasons(PrintStream out) {
    this.out = out;
  }

  @Override
  public void testAborted(ExtensionContext context, Throwable cause) {
    out.println(line(where(context), cause == null ? null : cause.getMessage()));
  }

  @Override
  public void testDisabled(ExtensionContext context, Optional<String> reason) {
    out.println(line(where(context), reason.orElse(null)));
  }

  /** Returns the console line of a skipped test: {@code [skipped] Class.method: reason}. */
  static String line(String where, String reason) {
    String why =
        reason == null || reason.isBlank()
            ? "no reason given"
            : reason.replaceFirst("^Assumption failed: ", "");
    return "[skipped] " + where + ": " + why;
  }

  private static String where(ExtensionContext context) {
    String cls = context.getTestClass().map(Class::getName).orElse("?");
    String simple = cls.substring(cls.lastIndexOf('.') + 1);
    return simple
        + "."
        + context.getTestMethod().map(m -> m.getName()).orElse(context.getDisplayName());
  }
}
