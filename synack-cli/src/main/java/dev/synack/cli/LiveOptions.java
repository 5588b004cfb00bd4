package dev.synack.cli;

import dev.synack.cli.watch.WatchFeed;
import dev.synack.cli.watch.WatchServer;
import dev.synack.lesson.HtmlReport;
import dev.synack.trace.TraceSink;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.BindException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The options {@code serve}, {@code connect} and {@code forward} share to show a run as it goes and
 * after: {@code --watch PORT} (a live page on loopback) and {@code --html FILE} (the run's page,
 * written when the command stops), in {@code --lang}.
 *
 * <p>Order of use: {@link #check} before anything runs, {@link #start} before the host starts (its
 * sink goes into the host's trace), {@link #finish} once the command stops, by any way.
 */
final class LiveOptions {
  @Option(
      names = "--html",
      paramLabel = "FILE.html",
      description =
          "when stopped (also by Ctrl-C or SIGTERM), write the run as one HTML page: each connection's ladder"
              + " with its narration, player, state diagram and graphs (a list to choose from when there are several)")
  Path html;

  @Option(
      names = "--watch",
      paramLabel = "PORT",
      description =
          "serve a live page on http://127.0.0.1:PORT/ (0: any free port, printed): the open connections,"
              + " their states, and a ladder that grows as segments pass")
  Integer watch;

  @Option(
      names = "--lang",
      paramLabel = "en|zh",
      defaultValue = "en",
      description = "language of the --html and --watch pages: en or zh (the articles' Chinese)")
  String lang;

  private RunPage page;
  private WatchFeed feed;
  private WatchServer server;

  /**
   * Checks the values, and that the page's file can be written and is not the trace's or the
   * capture's; a bad one is a {@link Main.UsageError}.
   */
  void check(Path traceFile, Path pcapFile) {
    if (!lang.equals("en") && !lang.equals("zh"))
      throw new Main.UsageError("unknown language '" + lang + "' (en or zh)");
    if (watch != null && (watch < 0 || watch > 65535))
      throw new Main.UsageError("--watch must be a port 0..65535: " + watch);
    OutputPaths.distinct("--trace", traceFile, "--html", html);
    OutputPaths.distinct("--pcap", pcapFile, "--html", html);
    OutputPaths.check("--html", html);
  }

  /**
   * Starts the live page's server when asked (and says where on {@code err}), and returns the sink
   * the host's trace must feed: {@link TraceSink#NONE} when neither page was asked for.
   *
   * @param command the command's name, for the pages' titles and the message
   * @throws Main.UsageError when the --watch port is taken
   */
  TraceSink start(String command, PrintWriter err) throws IOException {
    String title = "synack " + command;
    TraceSink sink = TraceSink.NONE;
    if (html != null) {
      page = new RunPage(html, HtmlReport.Options.defaults().withTitle(title).withLang(lang));
      sink = page;
    }
    if (watch != null) {
      feed = WatchFeed.start(lang);
      try {
        server = WatchServer.start(watch, feed, title + " — live", lang);
      } catch (BindException e) {
        feed.close();
        throw new Main.UsageError(
            "--watch " + watch + ": cannot listen on 127.0.0.1:" + watch + ": " + e.getMessage());
      }
      err.println("synack " + command + ": watch " + server.url());
      err.flush();
      sink = TraceSink.both(sink, feed);
    }
    return sink;
  }

  /**
   * Writes the --html page (once) and stops the live page; says what was written, or why not, on
   * {@code err}. Synchronized as a whole: a shutdown hook and the command's own thread may both
   * call it, and the one that comes second must not return (and let the JVM halt) before the first
   * has said what it wrote.
   */
  synchronized void finish(String command, PrintWriter err) {
    if (server != null) server.close();
    if (page == null) return;
    try {
      String line = page.write();
      if (line != null) err.println("synack " + command + ": " + line);
    } catch (IOException | RuntimeException e) {
      err.println("synack " + command + ": cannot write " + html + ": " + e.getMessage());
    }
    err.flush();
  }
}
