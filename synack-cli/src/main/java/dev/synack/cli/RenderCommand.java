package dev.synack.cli;

import dev.synack.lesson.HtmlReport;
import dev.synack.lesson.Ladder;
import dev.synack.lesson.Narration;
import dev.synack.lesson.Sentence;
import dev.synack.trace.JsonLines;
import dev.synack.trace.TraceEvent;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code synack render TRACE.jsonl}: draws the connections of a JSON-lines trace written by {@code
 * serve}, {@code connect}, {@code demo}, {@code torture} or a test, as ladders (and an HTML page
 * with {@code --html}).
 *
 * <p>A trace from one host ({@code serve}, {@code connect}) holds only that host's side: the peer
 * is drawn as the remote endpoint, receiving each segment the host sent and sending each it
 * received at the moment the host saw it, with no states (the trace cannot know them).
 */
@Command(
    name = "render",
    mixinStandardHelpOptions = true,
    header = "Draws the connections of a JSON-lines trace as ladder diagrams.",
    description =
        "Draws the connections of a JSON-lines trace (from serve, connect, demo, torture or a test) as ladder diagrams, and as an HTML page with --html.")
final class RenderCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(
      index = "0",
      paramLabel = "TRACE.jsonl",
      description = "the trace: one JSON event per line")
  Path file;

  @Option(
      names = "--conn",
      paramLabel = "N|ENDPOINT",
      description =
          "draw only this connection: its number in the listing, or an endpoint it has (10.0.0.2:80)")
  String conn;

  @Option(
      names = "--html",
      paramLabel = "FILE.html",
      description = "also write the drawn connections as one self-contained HTML page")
  Path html;

  @Option(names = "--timers", description = "show timer events on the ladder")
  boolean timers;

  @Option(names = "--ascii", description = "draw with ASCII characters only")
  boolean ascii;

  @Option(
      names = "--lang",
      paramLabel = "en|zh",
      defaultValue = "en",
      description =
          "language of the ladder's notes and of the HTML page with its narration: en or zh (default: ${DEFAULT-VALUE})")
  String lang;

  /** One connection of the trace: the hosts that traced it, and its events. */
  record Conn(String key, Set<String> hosts, List<TraceEvent> events) {}

  @Override
  public Integer call() throws IOException {
    if (!lang.equals("en") && !lang.equals("zh"))
      throw new Main.UsageError("unknown language '" + lang + "' (en or zh)");
    List<TraceEvent> events;
    try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      events = JsonLines.read(in);
    } catch (NoSuchFileException e) {
      throw new Main.UsageError("no such file: " + file);
    } catch (IOException | IllegalArgumentException e) {
      throw new Main.UsageError(file + ": not a JSON-lines trace: " + e.getMessage());
    }
    List<Conn> conns = connections(events);
    if (conns.isEmpty())
      throw new Main.UsageError(file + ": the trace has no connection (no event with a \"conn\")");
    List<Conn> chosen = choose(conns);
    PrintWriter out = spec.commandLine().getOut();
    List<TraceEvent> drawn = new ArrayList<>();
    for (Conn c : chosen) {
      List<TraceEvent> ladder = withPeer(c);
      List<String> hosts = hostsOf(c);
      out.println(
          Sentence.of(Sentence.Kind.RENDER_CONNECTION, "n", conns.indexOf(c) + 1, "key", c.key())
                  .in(lang)
              + (c.hosts().size() == 1
                  ? Sentence.of(
                          Sentence.Kind.RENDER_ONE_SIDE,
                          "host",
                          Narration.hostName(c.hosts().iterator().next(), lang))
                      .in(lang)
                  : ""));
      out.println();
      out.print(
          Ladder.render(
              ladder,
              Ladder.Options.defaults()
                  .withAscii(ascii)
                  .withTimers(timers)
                  .withHosts(hosts)
                  .withLang(lang)));
      out.println();
      drawn.addAll(ladder);
    }
    if (html != null) {
      try (Writer w = Files.newBufferedWriter(html, StandardCharsets.UTF_8)) {
        List<String> hosts = chosen.size() == 1 ? hostsOf(chosen.getFirst()) : List.of();
        HtmlReport.write(
            drawn,
            HtmlReport.Options.defaults()
                .withTitle(
                    Sentence.of(Sentence.Kind.RENDER_TITLE, "file", file.getFileName()).in(lang))
                .withHosts(hosts)
                .withLang(lang),
            w);
      } catch (IOException e) {
        throw new Main.UsageError("cannot write " + html + ": " + e.getMessage());
      }
      out.println(Sentence.of(Sentence.Kind.WROTE_HTML, "file", html).in(lang));
    }
    out.flush();
    return 0;
  }

  /**
   * Groups the events that belong to a connection by its 4-tuple, whichever end traced them, in
   * order of appearance.
   */
  static List<Conn> connections(List<TraceEvent> events) {
    Map<String, Conn> byKey = new LinkedHashMap<>();
    for (TraceEvent e : events) {
      String c = e.conn();
      // The network's own notes (a simulated link's drops) are drawn on the arrows already.
      if (c == null || !c.contains("-") || e.host().equals("net")) continue;
      String key = canonical(c);
      byKey.computeIfAbsent(key, k -> new Conn(c, new LinkedHashSet<>(), new ArrayList<>()));
      Conn conn = byKey.get(key);
      conn.hosts().add(e.host());
      conn.events().add(e);
    }
    return new ArrayList<>(byKey.values());
  }

  private List<Conn> choose(List<Conn> conns) {
    if (conn == null) return conns;
    if (conn.matches("\\d+")) {
      int n = Integer.parseInt(conn);
      if (n < 1 || n > conns.size()) {
        throw new Main.UsageError(
            "--conn "
                + conn
                + ": the trace has "
                + conns.size()
                + " connection"
                + (conns.size() == 1 ? "" : "s"));
      }
      return List.of(conns.get(n - 1));
    }
    List<Conn> matching =
        conns.stream().filter(c -> List.of(c.key().split("-")).contains(conn)).toList();
    if (matching.isEmpty())
      throw new Main.UsageError(
          "--conn " + conn + ": no connection of the trace has that endpoint");
    return matching;
  }

  /**
   * Returns the ladder's two columns: the traced host(s), and the remote endpoint when only one end
   * traced.
   */
  static List<String> hostsOf(Conn c) {
    List<String> hosts = new ArrayList<>(c.hosts());
    if (hosts.size() == 1) hosts.add(remote(c.key()));
    return hosts;
  }

  /**
   * Returns the connection's events, with the peer's side of each segment added when only one host
   * traced it.
   */
  static List<TraceEvent> withPeer(Conn c) {
    if (c.hosts().size() != 1) return c.events();
    String peer = remote(c.key());
    List<TraceEvent> all = new ArrayList<>(c.events().size() * 2);
    for (TraceEvent e : c.events()) {
      all.add(e);
      if (!(e instanceof TraceEvent.Segment s)) continue;
      String peerConn = peerConn(s.conn());
      switch (s.action()) {
        case SEND, RETRANSMIT ->
            all.add(
                new TraceEvent.Segment(
                    s.timeNanos(),
                    peer,
                    peerConn,
                    TraceEvent.SegmentAction.RECV,
                    s.segment(),
                    null));
        case RECV ->
            all.add(
                all.size() - 1,
                new TraceEvent.Segment(
                    s.timeNanos(),
                    peer,
                    peerConn,
                    TraceEvent.SegmentAction.SEND,
                    s.segment(),
                    null));
        case DROP -> {}
      }
    }
    return all;
  }

  /** Returns the remote endpoint of {@code "local-remote"}. */
  private static String remote(String conn) {
    return conn.substring(conn.lastIndexOf('-') + 1);
  }

  /** Returns {@code "remote-local"} for {@code "local-remote"}. */
  private static String peerConn(String conn) {
    int dash = conn.lastIndexOf('-');
    return conn.substring(dash + 1) + "-" + conn.substring(0, dash);
  }

  /** Returns the same key for both ends' names of one connection. */
  private static String canonical(String conn) {
    int dash = conn.lastIndexOf('-');
    String a = conn.substring(0, dash);
    String b = conn.substring(dash + 1);
    return a.compareTo(b) < 0 ? a + "-" + b : b + "-" + a;
  }
}
