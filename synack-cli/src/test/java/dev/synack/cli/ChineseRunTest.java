package dev.synack.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.demo.Scenario;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A run in {@code --lang zh} speaks Chinese from its first line to its last: every demo scenario's
 * output and page, and decode's output and page of captures, hold no English word but the technical
 * tokens of {@link EnglishWords#ALLOWED}.
 */
class ChineseRunTest {
  @TempDir Path dir;

  /** Runs {@code synack ARGS} in this JVM and returns stdout, after checking the exit code is 0. */
  private static String run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    assertEquals(0, code, String.join(" ", args) + "\n" + err + out);
    return out.toString();
  }

  /**
   * Returns what a reader sees of a page: its text and tooltips, without scripts, styles, tags and
   * attributes.
   */
  private static String visibleText(Path page) throws Exception {
    String html = Files.readString(page, StandardCharsets.UTF_8);
    html =
        Pattern.compile("<(script|style)[^>]*>.*?</\\1>", Pattern.DOTALL)
            .matcher(html)
            .replaceAll("\n");
    html = html.replaceAll("<[^>]*>", "\n");
    return html.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
  }

  @ParameterizedTest
  @EnumSource(Scenario.class)
  void demo_inChinese_printsNoEnglishWord_andItsPageShowsNone(Scenario scenario) throws Exception {
    Path page = dir.resolve(scenario.cliName() + ".html");
    String out =
        run(
            "demo",
            "--scenario",
            scenario.cliName(),
            "--lang",
            "zh",
            "--timers",
            "--html",
            page.toString());
    assertTrue(out.contains("握手") || out.contains("挥手") || out.contains("发送"), out);
    assertEquals(List.of(), EnglishWords.offending(out), out);
    assertEquals(List.of(), EnglishWords.offending(visibleText(page)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"fast-retransmit", "zero-window", "refused"})
  void decode_inChinese_ofADemosCapture_printsNoEnglishWord(String scenario) throws Exception {
    Path pcap = dir.resolve(scenario + ".pcap");
    run("demo", "--scenario", scenario, "--pcap", pcap.toString());
    Path page = dir.resolve(scenario + "-decode.html");
    String out = run("decode", "--lang", "zh", "--html", page.toString(), pcap.toString());
    assertTrue(out.contains("连接 1："), out);
    assertEquals(List.of(), EnglishWords.offending(out), out);
    assertEquals(List.of(), EnglishWords.offending(visibleText(page)));
  }

  @Test
  void decode_inChinese_ofTheKernelsCapture_printsNoEnglishWord() {
    String out =
        run(
            "decode",
            "--lang",
            "zh",
            Decode.repoRoot().resolve("examples/handshake.pcap").toString());
    assertTrue(out.contains("第三次握手") && out.contains("第四次挥手"), out);
    assertEquals(List.of(), EnglishWords.offending(out), out);
  }

  @Test
  void render_inChinese_ofOneEndsTrace_printsNoEnglishWord_andItsPageShowsNone() throws Exception {
    Path trace = dir.resolve("demo.jsonl");
    run("demo", "--scenario", "fast-retransmit", "--trace", trace.toString());
    // What serve or connect write: the events of one host only.
    Path one = dir.resolve("client.jsonl");
    Files.write(
        one,
        Files.readAllLines(trace).stream().filter(l -> l.contains("\"host\":\"client\"")).toList());
    Path page = dir.resolve("render.html");
    String out =
        run("render", "--lang", "zh", "--timers", "--html", page.toString(), one.toString());
    assertTrue(out.startsWith("连接 1：") && out.contains("（只在客户端上追踪；"), out);
    assertEquals(List.of(), EnglishWords.offending(out), out);
    String seen = visibleText(page);
    assertTrue(seen.contains("第一次握手") && seen.contains("快速重传"), seen);
    assertEquals(List.of(), EnglishWords.offending(seen));
  }

  @Test
  void check_findsTheEnglishOfAnEnglishRun() {
    // The check is real: the same run in English is caught, word by word.
    String out = run("demo", "--scenario", "why-three-way");
    assertTrue(EnglishWords.offending(out).size() > 10, out);
    assertEquals(List.of("held", "it"), EnglishWords.in("服务端 held it 63.000 秒"));
    assertEquals(
        List.of(),
        EnglishWords.in(
            "10.0.0.1.40000 > 10.0.0.2.80: Flags [S.], seq 0, ack 1, win 65535, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0"));
  }
}
