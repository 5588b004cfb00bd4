package dev.synack.packetdrill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.trace.TraceSink;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The parser over a corpus: every script of the shared FreeBSD suite (all its folders) and the
 * Linux-style scripts in this package's {@code linux/} resources, which write each construct of
 * packetdrill's language (every data call, structures over several lines, ICMP and UDP lines, outer
 * headers, every TCP option, {@code #ifdef}, Python blocks, sysctl forms, defaults.sh): each parses
 * under both profiles' {@code #ifdef} names, with no error. Running them, a line the runner cannot
 * honour ends the script as unsupported, naming the construct, never as a parse error.
 */
class ScriptCorpusTest {
  private static Path linuxScripts() {
    try {
      return Path.of(ScriptCorpusTest.class.getResource("linux").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<String> parseErrors(List<Path> scripts) {
    List<String> errors = new ArrayList<>();
    for (Path p : scripts) {
      String text;
      try {
        text = Files.readString(p);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      for (Profile profile : Profile.values()) {
        try {
          ScriptParser.parse(p.toString(), text, profile.defines());
        } catch (ScriptException e) {
          errors.add(p + ":" + e.line() + " (" + profile.cliName() + "): " + e.getMessage());
        }
      }
    }
    return errors;
  }

  @Test
  void everyFreeBsdSuiteScript_parses() {
    List<Path> scripts = ScriptSuite.find(List.of(ConformanceFiles.freeBsdSuite()));
    assertTrue(scripts.size() >= 702, "only " + scripts.size() + " scripts in the suite");
    List<String> errors = parseErrors(scripts);
    assertEquals(List.of(), errors, () -> String.join("\n", errors));
  }

  @Test
  void everyLinuxStyleScript_parses() {
    List<Path> scripts = ScriptSuite.find(List.of(linuxScripts()));
    assertTrue(scripts.size() >= 10, "only " + scripts.size() + " Linux-style scripts");
    List<String> errors = parseErrors(scripts);
    assertEquals(List.of(), errors, () -> String.join("\n", errors));
  }

  /**
   * What each Linux-style script does with the Linux profile: pass, or which line is unsupported
   * and why.
   */
  @Test
  void linuxStyleScripts_runWithTheLinuxProfile_toTheirKnownEnds() {
    Map<String, String> expected = new TreeMap<>();
    expected.put("blocking-and-times.pkt", "pass");
    expected.put("comments-ifdef-python.pkt", "pass");
    expected.put("data-calls.pkt", "pass");
    expected.put("epoll-and-ioctl.pkt", "pass");
    expected.put("epoll-oneshot.pkt", "pass");
    expected.put("fastopen-client-cookie.pkt", "pass");
    expected.put("fastopen-client-no-cookie.pkt", "pass");
    expected.put("fastopen-server-cookie.pkt", "pass");
    expected.put("fastopen-server-data.pkt", "pass");
    expected.put("icmp-and-udp.pkt", "unsupported:16:UDP packet line");
    expected.put("linger-reset.pkt", "pass");
    expected.put("options-and-flags.pkt", "unsupported:11:TCP-MD5 signature option");
    expected.put("passive-open-defaults.pkt", "pass");
    expected.put("poll-reset.pkt", "pass");
    expected.put("poll-states.pkt", "pass");
    expected.put("syscalls-and-structs.pkt", "unsupported:16:socket option SO_TIMESTAMPING");
    expected.put("sysctl-forms.pkt", "pass");
    expected.put("tso-merged.pkt", "pass");
    ScriptRunner runner = new ScriptRunner(Profile.LINUX, MatchMode.EXACT, TraceSink.NONE);
    Map<String, String> seen = new TreeMap<>();
    for (Path p : ScriptSuite.find(List.of(linuxScripts()))) {
      ScriptResult r = ScriptSuite.run(p, runner);
      String name = p.getFileName().toString();
      String want = expected.getOrDefault(name, "pass");
      String got =
          switch (r.outcome()) {
            case PASS -> "pass";
            case FAIL -> "FAIL:" + r.line() + ":" + String.join(" | ", r.describe());
            case UNSUPPORTED ->
                "unsupported:" + r.line() + ":" + r.message().substring("unsupported: ".length());
          };
      seen.put(name, got.startsWith(want) ? want : got);
    }
    assertEquals(expected, seen);
  }
}
