package dev.synack.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.link.NetnsFixture.Result;
import dev.synack.link.NetnsFixture.Started;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --watch PORT} and {@code --html FILE} on {@code serve} and {@code connect}, run as a user
 * runs them, over a UDP tunnel on loopback (no privileges): the live page's event stream read over
 * plain HTTP while a connection is made, and the pages written when the commands stop, by SIGTERM
 * too. ({@code forward}'s are in {@link ForwardCommandTest}; the page in a browser in {@link
 * LiveWatchChromiumTest}.)
 */
class LivePagesTest {
  static final Duration WAIT = Duration.ofSeconds(60);
  static final java.util.regex.Pattern UDP_PORT =
      java.util.regex.Pattern.compile("\\(UDP 127\\.0\\.0\\.1:(\\d+) <->");
  static final java.util.regex.Pattern WATCH =
      java.util.regex.Pattern.compile("watch (http://127\\.0\\.0\\.1:\\d+/)");

  @TempDir Path dir;

  private final List<Started> started = new ArrayList<>();

  @BeforeEach
  void launcher() throws IOException {
    Launcher.write(dir);
  }

  @AfterEach
  void killWhatIsLeft() {
    for (Started s : started) s.kill();
  }

  @Nested
  class BadInput {
    @Test
    void eachMistake_oneLineOnStderrAndExitCode2_beforeAnythingRuns() {
      assertUsage(
          "synack serve: --watch must be a port 0..65535: 70000",
          "serve",
          "--udp",
          "127.0.0.1:0",
          "--addr",
          "10.0.0.2",
          "--watch",
          "70000");
      assertUsage(
          "synack connect: unknown language 'fr' (en or zh)",
          "connect",
          "--udp",
          "127.0.0.1:0",
          "--peer",
          "127.0.0.1:9",
          "--addr",
          "10.0.0.1",
          "--lang",
          "fr",
          "10.0.0.2",
          "7");
      assertUsage(
          "synack serve: --html "
              + dir.resolve("no/such/p.html")
              + ": no such directory "
              + dir.resolve("no/such"),
          "serve",
          "--udp",
          "127.0.0.1:0",
          "--addr",
          "10.0.0.2",
          "--html",
          dir.resolve("no/such/p.html").toString());
      assertUsage(
          "synack connect: --trace and --html name the same file: " + dir.resolve("x"),
          "connect",
          "--udp",
          "127.0.0.1:0",
          "--peer",
          "127.0.0.1:9",
          "--addr",
          "10.0.0.1",
          "--trace",
          dir.resolve("x").toString(),
          "--html",
          dir.resolve("x").toString(),
          "10.0.0.2",
          "7");
      assertUsage(
          "synack forward: --html " + dir + ": is a directory",
          "forward",
          "--tun",
          "t0",
          "--html",
          dir.toString());
      assertUsage(
          "synack forward: --watch must be a port 0..65535: -1",
          "forward",
          "--tun",
          "t0",
          "--watch",
          "-1");
    }

    private void assertUsage(String message, String... args) {
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
      assertEquals(2, code, err.toString());
      assertEquals(message, err.toString().strip());
      assertEquals("", out.toString());
    }
  }

  @Test
  void serveWatch_theStreamShowsTheConnectionAsItHappens_andBothPagesAreWrittenWhenTheCommandsStop()
      throws Exception {
    Started serve =
        serve("--udp 127.0.0.1:0 --addr 10.0.0.2 --echo --watch 0 --html serve.html --lang zh");
    URI events = URI.create(watchUrl(serve) + "events");
    HttpResponse<Stream<String>> stream =
        HttpClient.newHttpClient()
            .send(HttpRequest.newBuilder(events).build(), HttpResponse.BodyHandlers.ofLines());
    assertEquals(200, stream.statusCode());
    assertEquals(
        "text/event-stream; charset=utf-8",
        stream.headers().firstValue("Content-Type").orElseThrow());
    Iterator<String> lines = stream.body().iterator();
    assertEquals("event: hello", lines.next());

    Path connectPage = dir.resolve("connect.html");
    Result connect =
        connectInProcess(
            "hello, watcher\n",
            "--udp",
            "127.0.0.1:0",
            "--peer",
            "127.0.0.1:" + udpPort(serve),
            "--addr",
            "10.0.0.1",
            "--html",
            connectPage.toString(),
            "10.0.0.2",
            "7");
    assertEquals(0, connect.exitCode(), connect.output());
    assertTrue(
        connect.output().contains("synack connect: html: " + connectPage + " (1 connection)"),
        connect.output());

    // The server's side, event by event: the SYN it took, ESTABLISHED, the data, the client's FIN.
    List<String> seen = new ArrayList<>();
    boolean syn = false;
    boolean established = false;
    boolean data = false;
    boolean fin = false;
    while (!(syn && established && data && fin) && seen.size() < 400 && lines.hasNext()) {
      String line = lines.next();
      seen.add(line);
      if (!line.startsWith("data: ") || !line.contains("\"conn\":\"10.0.0.2:7-10.0.0.1:")) continue;
      syn |= line.contains("\"event\":\"recv\"") && line.contains("\"flags\":[\"SYN\"]");
      established |=
          line.contains("\"event\":\"state\"") && line.contains("\"to\":\"ESTABLISHED\"");
      data |= line.contains("\"event\":\"recv\"") && line.contains("\"len\":15");
      fin |= line.contains("\"event\":\"recv\"") && line.contains("\"FIN\"");
    }
    assertTrue(syn && established && data && fin, String.join("\n", seen));
    stream.body().close();

    Result served = serve.terminate(WAIT);
    assertEquals(0, served.exitCode(), served.output());
    assertTrue(
        served.output().contains("synack serve: html: serve.html (1 connection)"), served.output());
    String page = Files.readString(dir.resolve("serve.html"), StandardCharsets.UTF_8);
    assertTrue(
        page.contains("<html lang=\"zh\">") && page.contains("第一次握手"),
        "the server's page, narrated in --lang zh");
    assertTrue(page.contains("10.0.0.1:"), "the peer drawn");
    String client = Files.readString(connectPage, StandardCharsets.UTF_8);
    assertTrue(
        client.contains("<html lang=\"en\">") && client.contains("Handshake, step 1"),
        "the client's page");
  }

  @Test
  void twoConnections_thePageOffersAChoiceOfThem() throws Exception {
    Started serve = serve("--udp 127.0.0.1:0 --addr 10.0.0.2 --echo --html serve.html");
    // serve answers the first tunnel end that speaks to it, and only it: both connections come from
    // one UDP port.
    int from = freeUdpPort();
    for (int i = 0; i < 2; i++) {
      Result connect =
          connectInProcess(
              "line " + i + "\n",
              "--udp",
              "127.0.0.1:" + from,
              "--peer",
              "127.0.0.1:" + udpPort(serve),
              "--addr",
              "10.0.0.1",
              "10.0.0.2",
              "7");
      assertEquals(0, connect.exitCode(), connect.output());
    }
    Result served = serve.terminate(WAIT);
    assertEquals(0, served.exitCode(), served.output());
    assertTrue(
        served.output().contains("synack serve: html: serve.html (2 connections)"),
        served.output());
    String page = Files.readString(dir.resolve("serve.html"), StandardCharsets.UTF_8);
    assertEquals(
        2, page.split("<li data-page=\"page-", -1).length - 1, "one choice per connection");
    assertEquals(
        2, page.split("<textarea hidden id=\"page-", -1).length - 1, "one page per connection");
    assertTrue(page.contains("2 connections. Click one"), page.substring(0, 800));
  }

  @Test
  void connectEndedBySigterm_stillWritesItsPage() throws Exception {
    Started serve = serve("--udp 127.0.0.1:0 --addr 10.0.0.2 --discard");
    // Standard input is a pipe the test keeps open: the connection stays established until the
    // signal.
    Started connect =
        Started.here(
            null,
            "sh",
            "-c",
            "cd '"
                + dir
                + "' && exec bin/synack connect --udp 127.0.0.1:0"
                + " --peer 127.0.0.1:"
                + udpPort(serve)
                + " --addr 10.0.0.1 --html c.html 10.0.0.2 9");
    started.add(connect);
    assertTrue(serve.awaitOutput("10.0.0.1:", WAIT), serve.outputSoFar());
    Result ended = connect.terminate(WAIT);
    assertTrue(
        ended.output().contains("synack connect: html: c.html (1 connection)"), ended.output());
    String page = Files.readString(dir.resolve("c.html"), StandardCharsets.UTF_8);
    assertTrue(
        page.contains("Handshake, step 1") && page.contains("ESTABLISHED → FIN_WAIT_1"),
        "the run up to the signal");
  }

  /** Starts {@code bin/synack serve ARGS} in the test's directory and waits until it listens. */
  Started serve(String args) throws Exception {
    Started s = Started.here(null, "sh", "-c", "cd '" + dir + "' && exec bin/synack serve " + args);
    started.add(s);
    assertTrue(s.awaitOutput("Ctrl-C stops", WAIT), s.outputSoFar());
    return s;
  }

  /**
   * Runs {@code connect ARGS} in this JVM with {@code input} as its standard input; the result
   * holds its stderr.
   */
  static Result connectInProcess(String input, String... args) {
    StringWriter err = new StringWriter();
    picocli.CommandLine cl = Main.commandLine();
    ConnectCommand command = cl.getSubcommands().get("connect").getCommand();
    command.stdin = new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8));
    command.stdout = new ByteArrayOutputStream();
    cl.setErr(new PrintWriter(err, true));
    String[] all = new String[args.length + 1];
    all[0] = "connect";
    System.arraycopy(args, 0, all, 1, args.length);
    int code = cl.execute(all);
    return new Result(code, err.toString());
  }

  /** Returns the UDP port a server started with {@code --udp 127.0.0.1:0} says it took. */
  static int udpPort(Started serve) throws IOException {
    Matcher m = UDP_PORT.matcher(serve.outputSoFar());
    assertTrue(m.find(), serve.outputSoFar());
    return Integer.parseInt(m.group(1));
  }

  /** Returns a UDP port free on loopback a moment ago. */
  static int freeUdpPort() throws IOException {
    try (java.nio.channels.DatagramChannel probe = java.nio.channels.DatagramChannel.open()) {
      probe.bind(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0));
      return ((java.net.InetSocketAddress) probe.getLocalAddress()).getPort();
    }
  }

  /** Returns the live page's address a command started with {@code --watch 0} printed. */
  static String watchUrl(Started command) throws IOException {
    Matcher m = WATCH.matcher(command.outputSoFar());
    assertTrue(m.find(), command.outputSoFar());
    return m.group(1);
  }
}
