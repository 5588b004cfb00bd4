package dev.synack.packetdrill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.trace.TraceSink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The shared FreeBSD suite (702 packetdrill scripts written for FreeBSD's stack) run against synack
 * with {@code --profile freebsd}: every script passes, except those on the checked-in list {@code
 * conformance/freebsd-expected-failures.txt}, each with its reason, and every one on the list still
 * fails (so the list shrinks as gaps close).
 */
class FreeBsdSuiteTest {
  private static final Path LIST =
      ConformanceFiles.repoRoot().resolve("conformance/freebsd-expected-failures.txt");

  /** The folders the target counts: 90 % of their scripts must pass. */
  private static final List<String> TARGET_FOLDERS =
      List.of("state-event-engine", "snippets", "socket-api");

  /** The outcome of every script, by its path in the suite; the suite runs once for all tests. */
  private static Map<String, ScriptResult> results;

  private static synchronized Map<String, ScriptResult> results() {
    if (results == null) {
      Path suite = ConformanceFiles.freeBsdSuite();
      ScriptRunner runner = new ScriptRunner(Profile.FREEBSD, MatchMode.EXACT, TraceSink.NONE);
      Map<String, ScriptResult> all = new TreeMap<>();
      for (Path p : ScriptSuite.find(List.of(suite))) {
        all.put(suite.relativize(p).toString().replace('\\', '/'), ScriptSuite.run(p, runner));
      }
      results = all;
    }
    return results;
  }

  @Nested
  class WithTheFreeBsdProfile {
    @Test
    void everyScriptPasses_exceptTheListedOnes() {
      Map<String, String> expected = ConformanceFiles.expectedFailures(LIST);
      List<String> unexpected = new ArrayList<>();
      results()
          .forEach(
              (path, r) -> {
                if (r.outcome() != ScriptResult.Outcome.PASS && !expected.containsKey(path))
                  unexpected.addAll(r.describe());
              });
      assertTrue(
          unexpected.isEmpty(),
          () ->
              "scripts that failed and are not in " + LIST + ":\n" + String.join("\n", unexpected));
    }

    @Test
    void everyListedScript_stillFails() {
      List<String> passing =
          ConformanceFiles.expectedFailures(LIST).keySet().stream()
              .filter(
                  path ->
                      results().containsKey(path)
                          && results().get(path).outcome() == ScriptResult.Outcome.PASS)
              .toList();
      assertEquals(List.of(), passing, "these scripts pass now: take them off " + LIST);
    }

    @Test
    void atLeastNinetyPercent_ofTheStateEventEngineSnippetsAndSocketApiScripts_pass() {
      Map<String, int[]> perFolder = new LinkedHashMap<>();
      results()
          .forEach(
              (path, r) -> {
                int[] counts =
                    perFolder.computeIfAbsent(
                        path.substring(0, path.indexOf('/')), f -> new int[2]);
                counts[0]++;
                if (r.outcome() == ScriptResult.Outcome.PASS) counts[1]++;
              });
      int total = 0, passed = 0;
      for (String folder : TARGET_FOLDERS) {
        int[] c = perFolder.getOrDefault(folder, new int[2]);
        total += c[0];
        passed += c[1];
      }
      perFolder.forEach(
          (f, c) -> System.out.printf("FreeBSD suite, %s: %d of %d pass%n", f, c[1], c[0]));
      assertTrue(
          total > 600, "the target folders hold " + total + " scripts, fewer than the suite's 672");
      assertTrue(passed * 10 >= total * 9, passed + " of " + total + " pass, below 90 %");
    }
  }

  @Nested
  class ExpectedFailureList {
    @Test
    void everyEntry_namesAScriptOfTheSuite_andGivesAReason() {
      Path suite = ConformanceFiles.freeBsdSuite();
      ConformanceFiles.expectedFailures(LIST)
          .forEach(
              (path, reason) -> {
                assertTrue(
                    Files.isRegularFile(suite.resolve(path)),
                    () -> path + " is not a script of the suite");
                assertFalse(reason.isEmpty(), () -> path + " has no reason");
              });
    }
  }
}
