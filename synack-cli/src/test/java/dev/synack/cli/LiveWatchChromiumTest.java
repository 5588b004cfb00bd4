package dev.synack.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.synack.link.NetnsFixture.Result;
import dev.synack.link.NetnsFixture.Started;
import dev.synack.trace.Json;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code --watch} page in headless Chromium, while {@code serve} runs: the browser opens the
 * page before any connection, then a connection is made, and the DOM — read through the DevTools
 * protocol ({@code Runtime.evaluate} over its WebSocket) — shows it in the table with its state,
 * and its ladder, arrow by arrow, with relative numbers; a second connection is added as it comes.
 * Stopped, {@code serve} writes its {@code --html} page, whose list of connections shows the chosen
 * one's page. Screenshots of both are saved under {@code target/html-screenshots/}.
 */
class LiveWatchChromiumTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  /**
   * What the test reads from the page: the table's rows, the ladder's title, arrows and state
   * labels.
   */
  private static final String READ_DOM =
      """
      (function () {
        // The page may still be loading: its elements are not there yet.
        if (!document.getElementById('status') || !document.getElementById('live-ladder')) return JSON.stringify({status: 'loading'});
        return JSON.stringify({
        status: document.getElementById('status').className,
        rows: Array.from(document.querySelectorAll('#conns tr[data-conn]')).map(function (tr) {
          return [tr.dataset.conn, tr.querySelector('.state').textContent, tr.querySelector('.segs').textContent];
        }),
        title: document.getElementById('ladder-title').textContent,
        arrows: Array.from(document.querySelectorAll('#live-ladder g.seg')).map(function (g) {
          return [g.getAttribute('class'), g.dataset.flags, g.querySelector('text').textContent];
        }),
        states: Array.from(document.querySelectorAll('#live-ladder text.state')).map(function (t) { return t.textContent; }),
        narration: Array.from(document.querySelectorAll('#narration li')).map(function (li) { return li.textContent; })
        });
      })()""";

  @TempDir Path dir;

  private final List<Started> started = new ArrayList<>();
  private Process chromium;
  private WebSocket devtools;

  @BeforeEach
  void needChromium() throws Exception {
    String path = System.getenv("PATH");
    boolean found = false;
    if (path != null) {
      for (String d : path.split(File.pathSeparator))
        found |= Files.isExecutable(Path.of(d, "chromium"));
    }
    if (!found) {
      String why = "the live page's browser test needs chromium on the PATH";
      if ("true".equals(System.getenv("CI"))) fail(why + " (CI=true: this test must run in CI)");
      Assumptions.assumeTrue(false, why);
    }
    Launcher.write(dir);
  }

  @AfterEach
  void stop() {
    if (devtools != null) devtools.abort();
    if (chromium != null) {
      chromium.descendants().forEach(ProcessHandle::destroyForcibly);
      chromium.destroyForcibly();
      try {
        chromium.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    for (Started s : started) s.kill();
  }

  @Test
  void pageOpenBeforeTheConnection_showsItsRowStateAndGrowingLadder() throws Exception {
    Started serve =
        Started.here(
            null,
            "sh",
            "-c",
            "cd '"
                + dir
                + "' && exec bin/synack serve --udp 127.0.0.1:0"
                + " --addr 10.0.0.2 --echo --watch 0 --html serve.html");
    started.add(serve);
    assertTrue(serve.awaitOutput("Ctrl-C stops", WAIT), serve.outputSoFar());
    String url = LivePagesTest.watchUrl(serve);
    open(url);
    call("Runtime.enable", Map.of());
    Map<String, Object> dom =
        awaitDom(d -> d.get("status").equals("up"), "the page's stream opened");
    assertEquals(List.of(), dom.get("rows"), "no connection yet");

    int from = LivePagesTest.freeUdpPort();
    String peer = "127.0.0.1:" + LivePagesTest.udpPort(serve);
    Result first =
        LivePagesTest.connectInProcess(
            "hello, browser\n",
            "--udp",
            "127.0.0.1:" + from,
            "--peer",
            peer,
            "--addr",
            "10.0.0.1",
            "10.0.0.2",
            "7");
    assertEquals(0, first.exitCode(), first.output());
    dom =
        awaitDom(
            d -> rows(d).size() == 1 && rows(d).getFirst().get(1).equals("CLOSED"),
            "the first connection, closed");
    List<String> row = rows(dom).getFirst();
    assertTrue(row.get(0).matches("10\\.0\\.0\\.2:7-10\\.0\\.0\\.1:\\d+"), row.toString());
    List<List<String>> arrows = arrows(dom);
    assertEquals(row.get(0), dom.get("title"), "the newest connection is drawn");
    assertEquals(Integer.toString(arrows.size()), row.get(2), "one arrow per segment counted");
    // Server's view: the client's SYN comes in (drawn right to left), the SYN-ACK goes out, in
    // relative numbers.
    assertEquals(List.of("seg recv", "SYN"), arrows.get(0).subList(0, 2), arrows.toString());
    assertTrue(arrows.get(0).get(2).startsWith("SYN seq=0 "), arrows.toString());
    List<String> synAck =
        arrows.stream().filter(a -> a.get(0).equals("seg send")).findFirst().orElseThrow();
    assertEquals("SYN,ACK", synAck.get(1), arrows.toString());
    assertTrue(synAck.get(2).startsWith("SYN,ACK seq=0 ack=1 "), arrows.toString());
    assertTrue(
        arrows.stream().anyMatch(a -> a.get(0).equals("seg recv") && a.get(2).contains("len=15")),
        "the data: " + arrows);
    // Windows scaled once both SYNs offered a scale (RFC 7323): the client's 1024 << 6, not the raw
    // field.
    assertTrue(
        arrows.stream().noneMatch(a -> a.get(2).contains(" win=1024")),
        "scaled windows: " + arrows);
    assertTrue(
        arrows.stream().anyMatch(a -> a.get(0).equals("seg send") && a.get(2).contains("len=15")),
        "its echo: " + arrows);
    assertTrue(
        // Alone or on the data (FIN,PSH,ACK), as the client's input ended before or after it sent.
        arrows.stream()
            .anyMatch(
                a -> a.get(0).equals("seg recv") && List.of(a.get(1).split(",")).contains("FIN")),
        "the client's FIN: " + arrows);
    assertTrue(
        // Alone, or on the echo (FIN,PSH,ACK) when the server's close came before the echo left:
        // its write is finished on the loop, so a write and a close can leave as one segment.
        arrows.stream()
            .anyMatch(
                a -> a.get(0).equals("seg send") && List.of(a.get(1).split(",")).contains("FIN")),
        "the server's FIN: " + arrows);
    assertEquals(
        List.of("SYN_RECEIVED", "ESTABLISHED", "CLOSE_WAIT", "LAST_ACK", "CLOSED"),
        dom.get("states"));
    // Below the ladder, the narration of each step, told as the --html page tells it, the last one
    // once the host is quiet.
    dom =
        awaitDom(
            d -> narration(d).stream().anyMatch(l -> l.contains("enters CLOSED")),
            "the narration up to the close");
    List<String> told = narration(dom);
    assertTrue(
        told.stream().anyMatch(l -> l.startsWith("Handshake, step 2: ") && l.contains("ack=1")),
        told.toString());
    assertTrue(told.stream().anyMatch(l -> l.startsWith("Teardown, step ")), told.toString());

    Result second =
        LivePagesTest.connectInProcess(
            "again\n",
            "--udp",
            "127.0.0.1:" + from,
            "--peer",
            peer,
            "--addr",
            "10.0.0.1",
            "10.0.0.2",
            "7");
    assertEquals(0, second.exitCode(), second.output());
    dom =
        awaitDom(
            d -> rows(d).size() == 2 && rows(d).get(1).get(1).equals("CLOSED"),
            "the second connection, added");
    assertEquals(
        rows(dom).get(1).get(0), dom.get("title"), "the ladder follows the newest connection");
    assertTrue(
        arrows(dom).stream().anyMatch(a -> a.get(2).contains("len=6")), arrows(dom).toString());
    screenshot("watch.en.png");
    assertEquals(List.of(), exceptions, "the live page's script threw");

    // Stopped, serve writes the run's page: a list of the two connections, the chosen one's page
    // beside it.
    Result served = serve.terminate(WAIT);
    assertEquals(0, served.exitCode(), served.output());
    call("Page.navigate", Map.of("url", dir.resolve("serve.html").toUri().toString()));
    String readChooser =
        """
        (function () {
          var items = document.querySelectorAll('#choose li'), frame = document.getElementById('page');
          var doc = frame && frame.contentDocument;
          if (items.length === 0 || !doc || !doc.querySelector('#narration li')) return JSON.stringify({ready: false});
          return JSON.stringify({ready: true, items: items.length, chosen: document.querySelector('#choose li.chosen').textContent,
            title: doc.querySelector('h1').textContent, first: doc.querySelector('#narration li').textContent,
            all: Array.from(doc.querySelectorAll('#narration li')).map(function (li) { return li.textContent; }),
            arrows: doc.querySelectorAll('#ladder [data-step]').length});
        })()""";
    Map<String, Object> chooser =
        await(
            readChooser,
            d -> Boolean.TRUE.equals(d.get("ready")),
            "the chooser page and its first connection");
    assertEquals(2, number(chooser.get("items")), chooser.toString());
    String firstConn = rows(dom).get(0).get(0);
    String secondConn = rows(dom).get(1).get(0);
    assertTrue(
        ((String) chooser.get("chosen")).startsWith(firstConn)
            && ((String) chooser.get("title")).endsWith(firstConn),
        chooser.toString());
    assertTrue(((String) chooser.get("first")).contains("Handshake, step 1"), chooser.toString());
    assertEquals(
        chooser.get("all"), told, "the live page told the connection as its --html page does");
    assertTrue(number(chooser.get("arrows")) > 5, chooser.toString());
    evaluate("document.querySelectorAll('#choose li')[1].click(), ''");
    chooser =
        await(
            readChooser,
            d ->
                Boolean.TRUE.equals(d.get("ready"))
                    && ((String) d.get("title")).endsWith(secondConn),
            "the second connection's page, once chosen");
    assertTrue(((String) chooser.get("chosen")).startsWith(secondConn), chooser.toString());
    screenshot("run-page-chooser.en.png");
  }

  /**
   * Saves a screenshot of the page under {@code target/html-screenshots/}, for a person to look at.
   */
  private void screenshot(String name) throws Exception {
    Map<?, ?> shot = call("Page.captureScreenshot", Map.of("format", "png"));
    byte[] png = java.util.Base64.getDecoder().decode((String) shot.get("data"));
    Path shots = Files.createDirectories(Path.of("target", "html-screenshots"));
    Files.write(shots.resolve(name), png);
    assertTrue(png.length > 5_000, "a screenshot: " + png.length + " bytes");
  }

  /**
   * Starts headless Chromium on {@code url} with its DevTools port open, and connects to the page's
   * WebSocket.
   */
  private void open(String url) throws Exception {
    Path profile = Files.createTempDirectory(dir, "profile");
    chromium =
        new ProcessBuilder(
                "chromium",
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--window-size=1400,1000",
                "--remote-debugging-port=0",
                "--remote-allow-origins=*",
                "--user-data-dir=" + profile,
                url)
            .redirectOutput(dir.resolve("chromium.out").toFile())
            .redirectError(dir.resolve("chromium.log").toFile())
            .start();
    Path active = profile.resolve("DevToolsActivePort");
    long end = System.nanoTime() + WAIT.toNanos();
    while (!(Files.isRegularFile(active) && Files.readAllLines(active).size() >= 2)
        && System.nanoTime() < end) {
      if (!chromium.isAlive())
        fail("chromium ended:\n" + Files.readString(dir.resolve("chromium.log")));
      Thread.sleep(50);
    }
    assertTrue(Files.isRegularFile(active), "chromium opened its DevTools port");
    int port = Integer.parseInt(Files.readAllLines(active).getFirst().strip());
    HttpClient http = HttpClient.newHttpClient();
    String socket = null;
    while (socket == null && System.nanoTime() < end) {
      String list =
          http.send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      for (Object o : (List<?>) Json.parse(list)) {
        Map<?, ?> target = (Map<?, ?>) o;
        if ("page".equals(target.get("type"))
            && String.valueOf(target.get("url")).startsWith(url)) {
          socket = (String) target.get("webSocketDebuggerUrl");
        }
      }
      if (socket == null) Thread.sleep(50);
    }
    assertTrue(socket != null, "the page is a DevTools target");
    devtools =
        http.newWebSocketBuilder()
            .buildAsync(URI.create(socket), new Messages())
            .get(30, TimeUnit.SECONDS);
  }

  private final BlockingQueue<String> replies = new LinkedBlockingQueue<>();

  /** Uncaught exceptions in the page's script, as DevTools reports them. */
  private final List<String> exceptions = new java.util.concurrent.CopyOnWriteArrayList<>();

  private int nextId = 1;

  /** Collects DevTools messages, whole (a message may come in parts). */
  private final class Messages implements WebSocket.Listener {
    private final StringBuilder partial = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        if (partial.indexOf("\"method\":\"Runtime.exceptionThrown\"") >= 0)
          exceptions.add(partial.toString());
        replies.add(partial.toString());
        partial.setLength(0);
      }
      ws.request(1);
      return null;
    }
  }

  /** Evaluates READ_DOM in the page until {@code until} holds of it (bounded), and returns it. */
  private Map<String, Object> awaitDom(Predicate<Map<String, Object>> until, String what)
      throws Exception {
    return await(READ_DOM, until, what);
  }

  /**
   * Evaluates {@code expression}, which returns a JSON string, until {@code until} holds of it
   * (bounded), and returns it.
   */
  private Map<String, Object> await(
      String expression, Predicate<Map<String, Object>> until, String what) throws Exception {
    long end = System.nanoTime() + WAIT.toNanos();
    Map<String, Object> dom = null;
    while (System.nanoTime() < end) {
      dom = Json.parseObject(evaluate(expression));
      if (until.test(dom)) return dom;
      Thread.sleep(100);
    }
    fail("not seen in " + WAIT.toSeconds() + " s: " + what + "; the page shows " + dom);
    return dom;
  }

  /** Returns the string value of {@code expression} evaluated in the page. */
  private String evaluate(String expression) throws Exception {
    Map<?, ?> reply =
        call("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true));
    Map<?, ?> result = (Map<?, ?>) reply.get("result");
    assertTrue(result != null && result.get("value") instanceof String, "evaluated: " + reply);
    return (String) result.get("value");
  }

  /** Calls a DevTools method on the page and returns its result. */
  private Map<?, ?> call(String method, Map<String, Object> params) throws Exception {
    int id = nextId++;
    devtools
        .sendText(Json.write(Map.of("id", id, "method", method, "params", params)), true)
        .get(30, TimeUnit.SECONDS);
    long end = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < end) {
      String reply = replies.poll(1, TimeUnit.SECONDS);
      if (reply == null) continue;
      Map<String, Object> m = Json.parseObject(reply);
      if (!Integer.valueOf(id).equals(number(m.get("id")))) continue;
      assertTrue(m.get("result") instanceof Map, method + ": " + reply);
      return (Map<?, ?>) m.get("result");
    }
    fail("no DevTools reply to " + method + " in " + WAIT.toSeconds() + " s");
    return null;
  }

  private static Integer number(Object o) {
    return o instanceof Number n ? n.intValue() : null;
  }

  @SuppressWarnings("unchecked")
  private static List<String> narration(Map<String, Object> dom) {
    Object n = dom.get("narration");
    return n == null ? List.of() : (List<String>) n;
  }

  @SuppressWarnings("unchecked")
  private static List<List<String>> rows(Map<String, Object> dom) {
    return (List<List<String>>) dom.get("rows");
  }

  @SuppressWarnings("unchecked")
  private static List<List<String>> arrows(Map<String, Object> dom) {
    return (List<List<String>>) dom.get("arrows");
  }
}
