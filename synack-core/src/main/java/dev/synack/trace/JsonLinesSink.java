package dev.synack.trace;

import java.io.Flushable;
import java.io.IOException;

/**
 * A trace sink that appends each event as one JSON line ({@link JsonLines}) to an {@link
 * Appendable}: a {@code StringBuilder}, or a {@code Writer} the caller opened and closes.
 *
 * <p>A sink must not throw, so the first {@link IOException} is kept, writing stops, and {@link
 * #error()} returns it for the caller to report.
 */
public final class JsonLinesSink implements TraceSink {
  /** Where lines go; not owned: the caller closes it. */
  private final Appendable out;

  /** The first write failure, or null while writes succeed. */
  private IOException error;

  /** Lines written so far. */
  private long lines;

  /** Returns a sink that appends to {@code out}. */
  public JsonLinesSink(Appendable out) {
    if (out == null) throw new IllegalArgumentException("out is null");
    this.out = out;
  }

  @Override
  public void accept(TraceEvent event) {
    if (error != null) return;
    try {
      if (JsonLines.write(event, out)) lines++;
    } catch (IOException e) {
      error = e;
    }
  }

  /** Flushes the output when it is {@link Flushable}; a failure is kept like a write failure. */
  public void flush() {
    if (error == null && out instanceof Flushable f) {
      try {
        f.flush();
      } catch (IOException e) {
        error = e;
      }
    }
  }

  /** Returns the first write failure, or {@code null} when every line was written. */
  public IOException error() {
    return error;
  }

  /** Returns the number of lines written. */
  public long lines() {
    return lines;
  }
}
