package dev.synack.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.synack.trace.Json;
import dev.synack.trace.JsonLines;
import dev.synack.trace.TraceEvent;
import dev.synack.wire.PcapReader;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code synack demo}, run in this JVM: every scenario names the states it is about, bad input is
 * one line and exit code 2, and the trace, pcap and HTML files it writes are read back by synack
 * itself, by tshark and by a headless Chromium.
 *
 * <p>The tshark and Chromium checks are skipped when the tool is missing, except under {@code
 * CI=true}, where they fail: CI must run them.
 */
class DemoCommandTest {
  /** The impaired transfer of the brief: loss, reordering and duplication each way. */
  private static final String[] IMPAIRED_TRANSFER = {
    "--scenario",
    "transfer",
    "--bytes",
    "200000",
    "--loss",
    "0.1",
    "--reorder",
    "0.05",
    "--dup",
    "0.02"
  };

  @TempDir Path dir;

  /** One in-process run of {@code synack demo}: its exit code and its output. */
  record Demo(int exitCode, String out, List<String> err) {
    static Demo run(String... args) {
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      String[] all = new String[args.length + 1];
      all[0] = "demo";
      System.arraycopy(args, 0, all, 1, args.length);
      int code = Main.run(all, new PrintWriter(out, true), new PrintWriter(err, true));
      String e = err.toString();
      return new Demo(code, out.toString(), e.isEmpty() ? List.of() : List.of(e.split("\n")));
    }

    /** Asserts exit code 0 and returns stdout. */
    String ok() {
      assertEquals(
          0, exitCode, "exit code; stderr:\n" + String.join("\n", err) + "\nstdout:\n" + out);
      return out;
    }
  }

  static Stream<Arguments> scenariosAndTheirWords() {
    return Stream.of(
        Arguments.of(
            "connection",
            List.of(
                "SYN_SENT",
                "SYN_RECEIVED",
                "ESTABLISHED",
                "FIN_WAIT_1",
                "FIN_WAIT_2",
                "TIME_WAIT",
                "CLOSE_WAIT",
                "LAST_ACK")),
        Arguments.of(
            "handshake",
            List.of(
                "SYN_SENT",
                "SYN_RECEIVED",
                "ESTABLISHED",
                "Handshake, step 1",
                "Handshake, step 2",
                "Handshake, step 3")),
        Arguments.of(
            "teardown",
            List.of(
                "FIN_WAIT_1",
                "FIN_WAIT_2",
                "TIME_WAIT",
                "CLOSE_WAIT",
                "LAST_ACK",
                "Teardown, step 1",
                "Teardown, step 4",
                "2 MSL")),
        Arguments.of(
            "half-close",
            List.of("FIN_WAIT_2", "CLOSE_WAIT", "half-closed", "LAST_ACK", "TIME_WAIT")),
        Arguments.of(
            "simultaneous-open",
            List.of("Simultaneous open", "SYN_SENT", "SYN_RECEIVED", "ESTABLISHED")),
        Arguments.of(
            "simultaneous-close",
            List.of("FIN_WAIT_1", "CLOSING", "TIME_WAIT", "Simultaneous close")),
        Arguments.of(
            "lost-final-ack",
            List.of("TIME_WAIT", "lost", "retransmit", "restarts the 2 MSL timer", "LAST_ACK")),
        Arguments.of("old-duplicate-syn", List.of("old duplicate", "RST", "challenge ACK")),
        Arguments.of("reset", List.of("ESTABLISHED", "RST", "reset", "CLOSED")),
        Arguments.of("refused", List.of("SYN_SENT", "RST", "CLOSED", "the connection is refused")),
        Arguments.of(
            "transfer", List.of("ESTABLISHED", "sha256 client->server", "sha256 server->client")),
        Arguments.of(
            "fast-retransmit",
            List.of("duplicate ACK #3", "Fast retransmit", "fast recovery ends")),
        Arguments.of("timeout", List.of("retransmission timer fires", "exponential backoff")),
        Arguments.of("tail-loss", List.of("Tail-loss probe")),
        Arguments.of(
            "spurious-retransmit",
            List.of("Fast retransmit", "judges its retransmission needless")),
        Arguments.of(
            "zero-window",
            List.of("persist timer fires", "Window probe", "its window is zero", "Window update")),
        Arguments.of(
            "keep-alive",
            List.of("keep-alive timer fires", "Keep-alive probe", "it is still there")),
        Arguments.of(
            "why-three-way",
            List.of(
                "Lesson: a two-message handshake",
                "enters ESTABLISHED at once",
                "The real three-way handshake",
                "answers RST",
                "held it 63.000 s",
                "the server never reached ESTABLISHED")),
        Arguments.of(
            "why-time-wait",
            List.of(
                "Lesson: TIME_WAIT cut to zero",
                "TIME_WAIT of 2 MSL",
                "takes the old segment's bytes into the new connection",
                "CORRUPTED, the checksums differ",
                ": intact")));
  }

  @Nested
  class Scenarios {
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.synack.cli.DemoCommandTest#scenariosAndTheirWords")
    void everyScenario_runs_namesTheStatesItIsAbout(String scenario, List<String> words) {
      String out = Demo.run("--scenario", scenario).ok();
      assertTrue(out.startsWith("synack demo: " + scenario + " ("), out);
      for (String word : words) {
        assertTrue(out.contains(word), "'" + word + "' missing from " + scenario + ":\n" + out);
      }
    }

    @Test
    void cc_cubicAndBbr_sideBySide_bbrQueueFarShorter() throws Exception {
      Path html = dir.resolve("cc.html");
      String out = Demo.run("--cc", "cubic,bbr", "--html", html.toString()).ok();
      java.util.regex.Matcher m =
          java.util.regex.Pattern.compile("(?m)^(cubic|bbr) .* median queue delay +([0-9.]+) ms")
              .matcher(out);
      java.util.Map<String, Double> delay = new java.util.HashMap<>();
      while (m.find()) delay.put(m.group(1), Double.parseDouble(m.group(2)));
      assertEquals(java.util.Set.of("cubic", "bbr"), delay.keySet(), out);
      assertTrue(delay.get("bbr") * 3 < delay.get("cubic"), out);
      String page = Files.readString(html);
      assertEquals(2, page.split("<svg", -1).length - 1, "throughput and queue delay plots");
    }

    @Test
    void cc_cubicBbrAndBbr3_threeSideBySide() throws Exception {
      Path html = dir.resolve("cc3.html");
      String out = Demo.run("--cc", "cubic,bbr,bbr3", "--html", html.toString()).ok();
      java.util.regex.Matcher m =
          java.util.regex.Pattern.compile(
                  "(?m)^(cubic|bbr|bbr3) .* median queue delay +([0-9.]+) ms")
              .matcher(out);
      java.util.Map<String, Double> delay = new java.util.HashMap<>();
      while (m.find()) delay.put(m.group(1), Double.parseDouble(m.group(2)));
      assertEquals(java.util.Set.of("cubic", "bbr", "bbr3"), delay.keySet(), out);
      assertTrue(delay.get("bbr3") * 3 < delay.get("cubic"), out);
      String page = Files.readString(html);
      assertEquals(6, page.split("<polyline", -1).length - 1, "three lines in each plot: " + out);
    }

    @Test
    void noScenario_runsTheConnection() {
      assertTrue(Demo.run().ok().startsWith("synack demo: connection ("));
    }

    @Test
    void sameSeed_sameOutput() {
      assertEquals(Demo.run(IMPAIRED_TRANSFER).ok(), Demo.run(IMPAIRED_TRANSFER).ok());
    }

    @Test
    void langZh_narratesInChinese() {
      String out = Demo.run("--scenario", "connection", "--lang", "zh").ok();
      for (String words : List.of("第一次握手", "第二次握手", "第三次握手", "第一次挥手", "客户端", "服务端")) {
        assertTrue(out.contains(words), words + " missing:\n" + out);
      }
      assertFalse(out.contains("Handshake, step 1"), out);
    }

    @Test
    void ascii_drawsWithAsciiOnly() {
      String out = Demo.run("--scenario", "handshake", "--ascii").ok();
      String ladder = out.substring(0, out.indexOf("Handshake, step 1"));
      assertTrue(ladder.chars().allMatch(c -> c < 128), ladder);
    }
  }

  @Nested
  class BadInput {
    @ParameterizedTest(name = "{0}")
    @ValueSource(
        strings = {
          "--scenario=nosuch",
          "--loss=2",
          "--lang=fr",
          "--delay=-1",
          "--loss=-0.1",
          "--bytes=-5",
          "--seed=x",
          "--nosuchoption",
          "--cc=cubic,vegas"
        })
    void badValue_exitsTwo_withOneLineOnStderr(String arg) {
      Demo d = Demo.run(arg);
      assertEquals(2, d.exitCode(), "exit code for " + arg + "; stdout:\n" + d.out());
      assertEquals(1, d.err().size(), "stderr for " + arg + ":\n" + String.join("\n", d.err()));
      assertTrue(d.err().getFirst().startsWith("synack demo: "), d.err().getFirst());
      assertEquals("", d.out(), "stdout for " + arg);
    }

    @Test
    void whyScenario_withLoss_exitsTwo_sayingWhy() {
      Demo d = Demo.run("--scenario", "why-time-wait", "--loss", "0.1");
      assertEquals(2, d.exitCode(), d.out());
      assertEquals(
          List.of(
              "synack demo: why-time-wait stages its old segment on a clean path: --loss, --reorder and --dup are not taken"),
          d.err());
    }

    @Test
    void unknownCongestionControl_namesTheAlgorithms() {
      String line = Demo.run("--cc", "vegas").err().getFirst();
      assertTrue(line.contains("vegas") && line.contains("bbr") && line.contains("cubic"), line);
    }

    @Test
    void unknownScenario_namesTheScenarios() {
      String line = Demo.run("--scenario", "nosuch").err().getFirst();
      assertTrue(line.contains("nosuch") && line.contains("lost-final-ack"), line);
    }
  }

  @Nested
  class ImpairedTransfer {
    @Test
    void bothDirections_arriveWhole_sha256sAgree() {
      String out = Demo.run(IMPAIRED_TRANSFER).ok();
      Matcher m =
          Pattern.compile("(?m)^sha256 (\\S+) sent=([0-9a-f]{64}) received=([0-9a-f]{64})$")
              .matcher(out);
      List<String> directions = new ArrayList<>();
      while (m.find()) {
        directions.add(m.group(1));
        assertEquals(m.group(2), m.group(3), m.group());
      }
      assertEquals(List.of("client->server", "server->client"), directions, out);
    }

    @Test
    void endsWithOneVerdictLine_intact_time_andTheTracesRetransmissionCount() throws Exception {
      Path trace = dir.resolve("v.jsonl");
      String[] args =
          Stream.concat(Stream.of(IMPAIRED_TRANSFER), Stream.of("--trace", trace.toString()))
              .toArray(String[]::new);
      List<String> lines = Demo.run(args).ok().lines().toList();
      String verdict =
          lines.stream().filter(l -> l.startsWith("transfer: ")).reduce((a, b) -> b).orElseThrow();
      Matcher m =
          Pattern.compile(
                  "transfer: intact both ways, 200000 bytes each way in (\\d+\\.\\d{3}) s \\(virtual"
                      + " time\\), (\\d+) retransmissions")
              .matcher(verdict);
      assertTrue(m.matches(), verdict);
      assertTrue(Double.parseDouble(m.group(1)) > 0, verdict);
      long inTrace =
          Files.readAllLines(trace).stream()
              .filter(l -> l.contains("\"event\":\"retransmit\""))
              .count();
      assertEquals(
          inTrace, Long.parseLong(m.group(2)), "the count is the trace's retransmit events");
      assertTrue(inTrace > 0, "10 % loss retransmits");
    }

    @Test
    void trace_isJsonLinesWithRetransmissions() throws Exception {
      Path trace = dir.resolve("t.jsonl");
      String[] args =
          Stream.concat(Stream.of(IMPAIRED_TRANSFER), Stream.of("--trace", trace.toString()))
              .toArray(String[]::new);
      Demo.run(args).ok();
      List<String> lines = Files.readAllLines(trace, StandardCharsets.UTF_8);
      assertTrue(lines.size() > 100, "trace lines: " + lines.size());
      int retransmits = 0;
      for (String line : lines) {
        TraceEvent e = JsonLines.parse(line);
        Map<String, Object> o = Json.parseObject(line);
        for (String field : List.of("t", "host", "conn", "event")) {
          assertTrue(o.containsKey(field), field + " missing: " + line);
        }
        assertEquals(e.eventName(), o.get("event"), line);
        assertEquals(e.host(), o.get("host"), line);
        if (line.contains("\"event\":\"retransmit\"")) retransmits++;
      }
      assertTrue(retransmits > 0, "no retransmit with 10% loss");
    }
  }

  @Nested
  class Pcap {
    /** Malformed packets and bad checksums (status 0 is "bad"). */
    private static final String WIRE_PROBLEMS =
        "_ws.malformed || tcp.checksum.status == 0 || ip.checksum.status == 0";

    /** tshark's "ACKed unseen segment": an ACK for bytes the capture does not hold. */
    private static final String ACKED_UNSEEN = "tcp.analysis.ack_lost_segment";

    @ParameterizedTest(name = "{0}")
    @ValueSource(
        strings = {
          "connection",
          "half-close",
          "simultaneous-open",
          "simultaneous-close",
          "lost-final-ack",
          "reset",
          "refused"
        })
    void scenarioCapture_tsharkFindsNothingWrong(String scenario) throws Exception {
      checkCapture(WIRE_PROBLEMS + " || " + ACKED_UNSEEN, 0, "--scenario", scenario);
    }

    /**
     * The old duplicate SYNs are injected into the network, not sent by the client's TCP, yet the
     * capture holds them as the wire would: two SYNs of seq 90000 beside what the hosts sent. With
     * the ports reused by a new ISN, tshark's analysis takes the ACKs for "ACKed unseen segment",
     * so only the bytes are checked for problems.
     */
    @Test
    void oldDuplicateSynCapture_holdsTheInjectedSyns_andIsWellFormed() throws Exception {
      Path pcap = checkCapture(WIRE_PROBLEMS, 2, "--scenario", "old-duplicate-syn");
      String oldSyns =
          run(
              "tshark",
              "-r",
              pcap.toString(),
              "-Y",
              "tcp.flags.syn == 1 && tcp.flags.ack == 0 && tcp.seq_raw == 90000");
      assertEquals(
          2,
          oldSyns.lines().filter(l -> !l.isBlank()).count(),
          "the old SYNs in the capture:\n" + oldSyns);
    }

    /**
     * Each why scenario's two runs in one capture: the old SYN twice, or the late copy of the old
     * segment twice.
     */
    @Test
    void whyCaptures_holdTheInjectedPackets_andAreWellFormed() throws Exception {
      Path pcap = checkCapture(WIRE_PROBLEMS, 2, "--scenario", "why-three-way");
      String oldSyns =
          run(
              "tshark",
              "-r",
              pcap.toString(),
              "-Y",
              "tcp.flags.syn == 1 && tcp.flags.ack == 0 && tcp.seq_raw == 90000");
      assertEquals(
          2,
          oldSyns.lines().filter(l -> !l.isBlank()).count(),
          "the old SYNs in the capture:\n" + oldSyns);
      checkCapture(WIRE_PROBLEMS, 2, "--scenario", "why-time-wait");
    }

    @Test
    void impairedTransferCapture_tsharkFindsNothingWrong() throws Exception {
      checkCapture(WIRE_PROBLEMS + " || " + ACKED_UNSEEN, 0, IMPAIRED_TRANSFER);
    }

    /**
     * Runs the demo with a pcap and a trace; checks that the capture holds every segment the hosts
     * sent plus {@code injected} packets the network was handed, that tshark finds nothing matching
     * {@code problemFilter}, and that tshark and PcapReader count the same frames. Returns the
     * pcap.
     */
    private Path checkCapture(String problemFilter, int injected, String... args) throws Exception {
      requireTool("tshark", "the demo's pcap check");
      Path pcap = dir.resolve("f.pcap");
      Path trace = dir.resolve("f.jsonl");
      String[] all =
          Stream.concat(
                  Stream.of(args),
                  Stream.of("--pcap", pcap.toString(), "--trace", trace.toString()))
              .toArray(String[]::new);
      Demo.run(all).ok();
      int records = PcapReader.of(Files.readAllBytes(pcap)).readAll().size();
      long sent =
          Files.readAllLines(trace).stream()
              .map(JsonLines::parse)
              .filter(
                  e ->
                      !e.host().equals("net")
                          && (e.eventName().equals("send") || e.eventName().equals("retransmit")))
              .count();
      assertTrue(records > 0, "no packets in the capture");
      assertEquals(
          sent + injected,
          records,
          "packets in the pcap vs. segments the hosts sent in the trace, and injected");
      // Port 80 makes tshark read the random payload as HTTP, which it may call malformed: only
      // TCP/IP is checked.
      String problems =
          run(
              "tshark",
              "-r",
              pcap.toString(),
              "--disable-protocol",
              "http",
              "-o",
              "tcp.check_checksum:TRUE",
              "-Y",
              problemFilter);
      assertEquals(
          "", problems.strip(), "tshark: malformed, bad checksums or ACKed unseen segments");
      long frames = run("tshark", "-r", pcap.toString()).lines().filter(l -> !l.isBlank()).count();
      assertEquals(records, frames, "tshark's frames vs. PcapReader's records");
      return pcap;
    }
  }

  @Nested
  class Html {
    @Test
    void page_opensInHeadlessChromium_withoutConsoleErrors_andDrawsTheDiagram() throws Exception {
      requireTool("chromium", "the demo's HTML check");
      Path html = dir.resolve("demo.html");
      Demo.run("--scenario", "lost-final-ack", "--html", html.toString()).ok();
      Path shot = dir.resolve("shot.png");
      Path log = dir.resolve("chromium.log");
      Path profile = Files.createDirectory(dir.resolve("profile"));
      Process p =
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
                  "--user-data-dir=" + profile,
                  "--enable-logging=stderr",
                  "--v=0",
                  "--screenshot=" + shot,
                  "--window-size=1200,1600",
                  html.toUri().toString())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
        fail("chromium did not finish in 60 s:\n" + Files.readString(log));
      }
      String output = Files.readString(log);
      assertEquals(0, p.exitValue(), "chromium exit code:\n" + output);
      // Chromium logs what the page prints to the console as `INFO:CONSOLE:<line>] "message",
      // source: ...`
      // (older versions: `CONSOLE(<line>)`), an uncaught exception as "Uncaught ...". The page logs
      // nothing.
      List<String> console =
          output.lines().filter(l -> l.contains(":CONSOLE") || l.contains("Uncaught")).toList();
      assertEquals(List.of(), console, "console output of the page");
      assertTrue(Files.isRegularFile(shot), "no screenshot:\n" + output);
      assertTrue(Files.size(shot) > 10_000, "screenshot is only " + Files.size(shot) + " bytes");
      BufferedImage image = ImageIO.read(shot.toFile());
      assertEquals(1200, image.getWidth());
      assertTrue(colours(image) > 2, "the screenshot is blank");
    }

    @Test
    void langAndTimers_reachThePage() throws Exception {
      Path zh = dir.resolve("zh.html");
      Demo.run("--scenario", "lost-final-ack", "--lang", "zh", "--timers", "--html", zh.toString())
          .ok();
      String page = Files.readString(zh);
      assertTrue(
          page.contains("<html lang=\"zh\">")
              && page.contains("第四次挥手")
              && page.contains("重启 2MSL 计时器"),
          "zh");
      assertTrue(page.contains("<text class=\"timer\""), "timers with --timers");
      Path en = dir.resolve("en.html");
      Demo.run("--scenario", "lost-final-ack", "--html", en.toString()).ok();
      String plain = Files.readString(en);
      assertTrue(
          plain.contains("Teardown, step 4") && !plain.contains("<text class=\"timer\""),
          "en, no timers");
    }

    @Test
    void whyScenarios_drawBothRunsOnOnePage_withTheirNarration() throws Exception {
      Path three = dir.resolve("three.html");
      Demo.run("--scenario", "why-three-way", "--lang", "zh", "--html", three.toString()).ok();
      String page = Files.readString(three);
      assertTrue(
          page.contains("课程：两次握手")
              && page.contains("真实的三次握手")
              && page.contains("立即进入 ESTABLISHED 状态"),
          "why-three-way zh");
      Path time = dir.resolve("time.html");
      Demo.run("--scenario", "why-time-wait", "--html", time.toString()).ok();
      String en = Files.readString(time);
      assertTrue(
          en.contains("Lesson: TIME_WAIT cut to zero")
              && (en.contains("old segment&#39;s bytes into the new connection")
                  || en.contains("old segment's bytes into the new connection")),
          "why-time-wait en");
    }

    /** Counts distinct colours of the image, up to a few. */
    private static int colours(BufferedImage image) {
      java.util.Set<Integer> seen = new java.util.HashSet<>();
      for (int y = 0; y < image.getHeight() && seen.size() < 16; y += 3) {
        for (int x = 0; x < image.getWidth() && seen.size() < 16; x += 3) {
          seen.add(image.getRGB(x, y));
        }
      }
      return seen.size();
    }
  }

  /** Skips the test when {@code tool} is not on the PATH, but fails it under {@code CI=true}. */
  private static void requireTool(String tool, String what) {
    String path = System.getenv("PATH");
    if (path != null) {
      for (String d : path.split(File.pathSeparator)) {
        if (Files.isExecutable(Path.of(d, tool))) return;
      }
    }
    String why = what + " needs " + tool + " on the PATH";
    if ("true".equals(System.getenv("CI"))) fail(why + " (CI=true: this test must run in CI)");
    Assumptions.assumeTrue(false, why);
  }

  /**
   * Runs a command to its end within 60 s and returns its stdout; fails with its stderr if it
   * fails.
   */
  private String run(String... cmd) throws Exception {
    Path err = Files.createTempFile(dir, "stderr", ".txt");
    Path out = Files.createTempFile(dir, "stdout", ".txt");
    Process p =
        new ProcessBuilder(cmd).redirectError(err.toFile()).redirectOutput(out.toFile()).start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail(String.join(" ", cmd) + ": timed out");
    }
    if (p.exitValue() != 0)
      fail(String.join(" ", cmd) + ": exit " + p.exitValue() + ": " + Files.readString(err));
    return Files.readString(out);
  }
}
