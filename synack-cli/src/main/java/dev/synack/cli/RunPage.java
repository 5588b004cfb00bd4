package dev.synack.cli;

import dev.synack.lesson.HtmlReport;
import dev.synack.trace.TraceEvent;
import dev.synack.trace.TraceSink;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code --html FILE} page of a run of {@code serve}, {@code connect} or {@code forward}: the
 * events of the run are kept (up to {@link #MAX_EVENTS}) and drawn when the command stops. One
 * connection is drawn as the page of {@code render --html}; several make a page with a chooser (a
 * list of the connections), which shows the chosen one's page, each drawn alone.
 *
 * <p>Events come on the host's loop and the page is written from another thread, so both hold the
 * lock; the page is written once, by whichever way of stopping comes first.
 */
final class RunPage implements TraceSink {
  /** Events kept; a longer run's page holds its beginning, and says how much was left out. */
  static final int MAX_EVENTS = 300_000;

  private final Path file;
  private final HtmlReport.Options options;
  private final List<TraceEvent> events = new ArrayList<>();
  private long leftOut;
  private boolean written;

  RunPage(Path file, HtmlReport.Options options) {
    this.file = file;
    this.options = options;
  }

  @Override
  public synchronized void accept(TraceEvent event) {
    if (written || event instanceof TraceEvent.Packet || event.conn() == null) return;
    if (events.size() < MAX_EVENTS) {
      events.add(event);
    } else {
      leftOut++;
    }
  }

  /**
   * Writes the page, once: a second call does nothing and returns null.
   *
   * @return the line that names the file written, as {@code html: FILE (N connections)}
   */
  synchronized String write() throws IOException {
    if (written) return null;
    written = true;
    List<RenderCommand.Conn> conns = RenderCommand.connections(events);
    try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      if (conns.size() == 1) {
        RenderCommand.Conn c = conns.getFirst();
        HtmlReport.write(RenderCommand.withPeer(c), options.withHosts(RenderCommand.hostsOf(c)), w);
      } else {
        RunPageChooser.write(conns, options, leftOut, w);
      }
    }
    return "html: "
        + file
        + " ("
        + conns.size()
        + " connection"
        + (conns.size() == 1 ? "" : "s")
        + (leftOut > 0
            ? "; the " + leftOut + " events after the first " + MAX_EVENTS + " left out"
            : "")
        + ")";
  }
}
