package dev.synack.packetdrill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.trace.TraceSink;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The repository's own scripts, {@code conformance/rfc/*.pkt}: every transition of RFC 9293 figure
 * 5 and what a RST and a SYN do in each state (§3.10.7), run with {@code --profile rfc}. All pass.
 */
class RfcScriptsTest {
  private static final Path DIR = ConformanceFiles.repoRoot().resolve("conformance/rfc");

  private static List<ScriptResult> run(Profile profile, String prefix) {
    ScriptRunner runner = new ScriptRunner(profile, MatchMode.EXACT, TraceSink.NONE);
    List<ScriptResult> results = new ArrayList<>();
    for (Path p : ScriptSuite.find(List.of(DIR))) {
      if (p.getFileName().toString().startsWith(prefix)) results.add(ScriptSuite.run(p, runner));
    }
    return results;
  }

  private static String failures(List<ScriptResult> results) {
    return results.stream()
        .filter(r -> r.outcome() != ScriptResult.Outcome.PASS)
        .flatMap(r -> r.describe().stream())
        .collect(Collectors.joining("\n"));
  }

  @Nested
  class Figure5 {
    @Test
    void everyTransitionScript_passes() {
      List<ScriptResult> results = run(Profile.RFC, "fig5-");
      assertEquals(10, results.size(), "figure 5 scripts");
      assertEquals("", failures(results));
    }
  }

  @Nested
  class ResetsAndSyns {
    @Test
    void everyStatesScript_passes() {
      List<ScriptResult> results = run(Profile.RFC, "rst-syn-");
      assertEquals(
          12,
          results.size(),
          "one script per state: CLOSED, LISTEN, SYN-SENT, two SYN-RECEIVED, seven synchronized");
      assertEquals("", failures(results));
    }

    @Test
    void timeWaitReopen_passes() {
      assertEquals("", failures(run(Profile.RFC, "time-wait-")));
    }
  }

  @Nested
  class SocketOptions {
    @Test
    void tcpCork_theExchangeLinuxGives_passes() {
      List<ScriptResult> results = run(Profile.RFC, "tcp-cork");
      assertEquals(1, results.size());
      assertEquals("", failures(results));
      assertEquals("", failures(run(Profile.LINUX, "tcp-cork")));
    }

    @Test
    void tcpQuickAck_bothValuesAsLinux_passes() {
      List<ScriptResult> results = run(Profile.RFC, "tcp-quickack");
      assertEquals(1, results.size());
      assertEquals("", failures(results));
      assertEquals("", failures(run(Profile.LINUX, "tcp-quickack")));
    }
  }

  @Nested
  class AccurateEcn {
    @Test
    void negotiationCountersAndFallbacks_asRfc9768_pass() {
      List<ScriptResult> results = run(Profile.RFC, "accecn-");
      assertEquals(
          6,
          results.size(),
          "negotiation, receiver counters, sender's delivered CE, three fallbacks");
      assertEquals("", failures(results));
      assertEquals("", failures(run(Profile.LINUX, "accecn-")));
    }
  }

  @Nested
  class UnderFreeBsdsChoices {
    @Test
    void theScriptsThatSeeAChoice_fail() {
      // FreeBSD repeats its FIN on ACKs, answers TIME-WAIT by tcp_twcheck and drops SYN-ACKs at a
      // listener: the RFC scripts see each difference, which shows they check what they claim.
      List<String> failed =
          run(Profile.FREEBSD, "").stream()
              .filter(r -> r.outcome() == ScriptResult.Outcome.FAIL)
              .map(r -> Path.of(r.name()).getFileName().toString())
              .toList();
      assertTrue(
          failed.containsAll(
              List.of(
                  "fig5-finwait1-closing-timewait.pkt",
                  "rst-syn-closing.pkt",
                  "rst-syn-listen.pkt",
                  "rst-syn-time-wait.pkt")),
          () -> "failed under freebsd: " + failed);
    }
  }
}
