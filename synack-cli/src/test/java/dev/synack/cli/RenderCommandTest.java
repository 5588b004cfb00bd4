package dev.synack.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code synack render}: the ladders of a trace, from both ends or from one. */
class RenderCommandTest {
  @TempDir Path dir;

  @Test
  void demoTrace_bothEnds_drawnWithTheirStates() throws Exception {
    Path trace = demoTrace();
    String[] r = run("render", trace.toString());
    assertEquals("0", r[0], r[2]);
    String out = r[1];
    assertTrue(out.startsWith("connection 1: 10.0.0.1:"), out);
    for (String state :
        List.of(
            "SYN_SENT",
            "SYN_RECEIVED",
            "ESTABLISHED",
            "FIN_WAIT_1",
            "CLOSE_WAIT",
            "LAST_ACK",
            "TIME_WAIT")) {
      assertTrue(out.contains(state), state + " missing:\n" + out);
    }
    assertTrue(out.contains("client") && out.contains("server"), out);
  }

  @Test
  void oneEndsTrace_peerDrawnAsItsEndpoint_everySegmentOnce() throws Exception {
    Path trace = demoTrace();
    // What serve or connect write: the events of one host only.
    List<String> clientOnly =
        Files.readAllLines(trace).stream().filter(l -> l.contains("\"host\":\"client\"")).toList();
    long sent = clientOnly.stream().filter(l -> l.contains("\"event\":\"send\"")).count();
    long received = clientOnly.stream().filter(l -> l.contains("\"event\":\"recv\"")).count();
    Path one = dir.resolve("client.jsonl");
    Files.write(one, clientOnly);
    String[] r = run("render", one.toString(), "--ascii");
    assertEquals("0", r[0], r[2]);
    String out = r[1];
    assertTrue(out.contains("traced at client; the peer's states are not in the trace"), out);
    assertTrue(out.contains("10.0.0.2:80"), "the peer is its endpoint:\n" + out);
    // Each segment is one arrow: the client's sends point right, what it received points left.
    assertEquals(sent, count(out, "->|"), out);
    assertEquals(received, count(out, "|<-"), out);
    assertTrue(out.contains("TIME_WAIT"), out);
  }

  @Test
  void htmlAndConnChoice() throws Exception {
    Path trace = demoTrace();
    Path html = dir.resolve("t.html");
    String[] r = run("render", trace.toString(), "--conn", "1", "--html", html.toString());
    assertEquals("0", r[0], r[2]);
    String page = Files.readString(html);
    assertTrue(page.startsWith("<!DOCTYPE html>") && page.contains("<svg"), page.substring(0, 200));
    String[] bad = run("render", trace.toString(), "--conn", "2");
    assertEquals("2", bad[0]);
    assertTrue(bad[2].contains("the trace has 1 connection"), bad[2]);
  }

  @Test
  void notATrace_oneLineExit2() throws Exception {
    Path junk = dir.resolve("junk.jsonl");
    Files.writeString(junk, "this is not json\n");
    String[] r = run("render", junk.toString());
    assertEquals("2", r[0]);
    assertEquals(1, r[2].strip().lines().count(), r[2]);
  }

  private Path demoTrace() {
    Path trace = dir.resolve("demo.jsonl");
    String[] r = run("demo", "--scenario", "connection", "--trace", trace.toString());
    assertEquals("0", r[0], r[2]);
    return trace;
  }

  private static long count(String text, String what) {
    return Pattern.compile(Pattern.quote(what)).matcher(text).results().count();
  }

  private static String[] run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new String[] {String.valueOf(code), out.toString(), err.toString()};
  }
}
