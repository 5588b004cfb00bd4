package dev.synack.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code synack script}: the per-script lines, the summary, the exit codes, and bad input. */
class ScriptCommandTest {
  private static final Path RFC = Decode.repoRoot().resolve("conformance/rfc");

  @TempDir Path dir;

  /** One in-process run: exit code, stdout and stderr lines. */
  private record Run(int code, List<String> out, List<String> err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] all = new String[args.length + 1];
    all[0] = "script";
    System.arraycopy(args, 0, all, 1, args.length);
    int code = Main.run(all, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(code, lines(out.toString()), lines(err.toString()));
  }

  private static List<String> lines(String s) {
    return s.isEmpty() ? List.of() : List.of(s.split("\n"));
  }

  @Nested
  class Results {
    @Test
    void rfcScripts_underTheRfcProfile_allPass_exitZero() {
      Run r = run("--profile", "rfc", RFC.toString());
      assertEquals(0, r.code(), String.join("\n", r.out()));
      assertEquals(31, r.out().stream().filter(l -> l.startsWith("pass ")).count());
      assertEquals("31 passed, 0 failed, 0 unsupported", r.out().getLast());
    }

    @Test
    void aFailingScript_printsItsLine_expectedAndSeen_exitOne() throws IOException {
      Path script =
          Files.writeString(
              dir.resolve("bad.pkt"),
              """
          0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
          +0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
          +0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
          +0 > S. 0:0(0) ack 1 <...>
          """);
      Run r = run("--profile", "rfc", script.toString());
      assertEquals(1, r.code());
      assertEquals(
          "FAIL         " + script + ":4: outbound packet: tcp flags: expected S., seen S",
          r.out().get(0));
      assertEquals("    expected: > S. 0:0(0) ack 1 <...>", r.out().get(1));
      assertTrue(r.out().get(2).startsWith("    seen:     > S 0:0(0) win "), r.out().get(2));
      assertEquals("0 passed, 1 failed, 0 unsupported", r.out().getLast());
    }

    @Test
    void anUnsupportedScript_isCounted_andExitsOne() throws IOException {
      Path script = Files.writeString(dir.resolve("md5.pkt"), "0 `setkey -F`\n");
      Run r = run(script.toString());
      assertEquals(1, r.code());
      assertTrue(
          r.out().get(0).startsWith("unsupported  " + script + ":1: unsupported: shell command"),
          r.out().get(0));
      assertEquals("0 passed, 0 failed, 1 unsupported", r.out().getLast());
    }

    @Test
    void quiet_printsOnlyWhatDidNotPass() {
      Run r = run("--quiet", "--profile", "rfc", "--match", "semantic", RFC.toString());
      assertEquals(List.of("31 passed, 0 failed, 0 unsupported"), r.out());
    }
  }

  @Nested
  class Trace {
    @Test
    void traceOfOneScript_isJsonLines_withStatesAndSegments() throws IOException {
      Path trace = dir.resolve("t.jsonl");
      Run r =
          run(
              "--profile",
              "rfc",
              "--trace",
              trace.toString(),
              RFC.resolve("fig5-finwait1-closing-timewait.pkt").toString());
      assertEquals(0, r.code(), String.join("\n", r.out()));
      List<String> lines = Files.readAllLines(trace);
      assertTrue(
          lines.stream()
              .anyMatch(l -> l.contains("\"event\":\"state\"") && l.contains("\"to\":\"CLOSING\"")),
          lines.toString());
      assertTrue(lines.stream().anyMatch(l -> l.contains("\"event\":\"send\"")), lines.toString());
    }

    @Test
    void traceOfSeveralScripts_isAUsageError() {
      Run r = run("--trace", dir.resolve("t.jsonl").toString(), RFC.toString());
      assertEquals(2, r.code());
      assertEquals(List.of("synack script: --trace takes one script, not 31"), r.err());
    }
  }

  @Nested
  class BadInput {
    @Test
    void unknownProfile_oneLine_exitTwo() {
      Run r = run("--profile", "solaris", RFC.toString());
      assertEquals(2, r.code());
      assertEquals(
          List.of("synack script: unknown profile 'solaris' (freebsd, linux or rfc)"), r.err());
    }

    @Test
    void unknownMatchMode_oneLine_exitTwo() {
      Run r = run("--match", "fuzzy", RFC.toString());
      assertEquals(2, r.code());
      assertEquals(
          List.of("synack script: unknown match mode 'fuzzy' (exact or semantic)"), r.err());
    }

    @Test
    void unknownTarget_oneLine_exitTwo() {
      Run r = run("--target", "bsd", RFC.toString());
      assertEquals(2, r.code());
      assertEquals(List.of("synack script: unknown target 'bsd' (synack or kernel)"), r.err());
    }

    @Test
    void kernelTargetWithTrace_oneLine_exitTwo() {
      Run r =
          run("--target", "kernel", "--trace", dir.resolve("t.jsonl").toString(), RFC.toString());
      assertEquals(2, r.code());
      assertEquals(
          List.of("synack script: --trace is synack's trace; the kernel target has none"), r.err());
    }

    @Test
    void missingPath_oneLine_exitTwo() {
      Run r = run(dir.resolve("nothing.pkt").toString());
      assertEquals(2, r.code());
      assertEquals(
          List.of("synack script: no such file or directory: " + dir.resolve("nothing.pkt")),
          r.err());
    }

    @Test
    void directoryWithoutScripts_oneLine_exitTwo() {
      Run r = run(dir.toString());
      assertEquals(2, r.code());
      assertEquals(List.of("synack script: no *.pkt scripts in " + dir), r.err());
    }

    @Test
    void noPath_usageError_exitTwo() {
      Run r = run();
      assertEquals(2, r.code());
      assertEquals(1, r.err().size());
      assertTrue(r.err().getFirst().startsWith("synack script: "), r.err().getFirst());
    }
  }
}
