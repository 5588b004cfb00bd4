package dev.synack.packetdrill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.link.NetnsFixture;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The repository's RFC scripts ({@code conformance/rfc}) against the Linux kernel, as {@code synack
 * script --target kernel} runs them: each in a network namespace of its own through a TUN device,
 * in real time. A script passes, or fails at the line {@code conformance/linux-differences.txt}
 * gives with the reason Linux differs there; those {@code conformance/linux-skipped.txt} lists
 * (AccECN, which Linux 6.18 cannot turn on) are not run. Needs root (skipped elsewhere with one
 * line; under CI it runs).
 */
class KernelScriptsTest {
  private static final Path ROOT = ConformanceFiles.repoRoot().resolve("conformance");

  /**
   * Timing tolerance floor: the machine is shared, and a real clock is late; events are 100 ms
   * apart.
   */
  private static final long TOLERANCE_FLOOR_MICROS = 50_000;

  /** Longest a script may take: the TIME-WAIT script waits 240 s on its own clock. */
  private static final long TIMEOUT_SECONDS = 400;

  @Test
  void rfcScripts_passOnLinux_orDifferWhereListed() throws Exception {
    NetnsFixture.assumePrivileged();
    NetnsFixture.assumeCommand("python3", "python3");
    Map<String, String> differences =
        ConformanceFiles.expectedFailures(ROOT.resolve("linux-differences.txt"));
    Map<String, String> skipped =
        ConformanceFiles.expectedFailures(ROOT.resolve("linux-skipped.txt"));
    List<Path> all = ScriptSuite.find(List.of(ROOT.resolve("rfc")));
    for (String listed : skipped.keySet()) {
      assertTrue(
          all.stream().anyMatch(p -> ROOT.relativize(p).toString().equals(listed)),
          listed + " is listed as skipped but no such script");
      System.out.println("skipped on Linux: " + listed + " (" + skipped.get(listed) + ")");
    }
    List<Path> scripts =
        all.stream().filter(p -> !skipped.containsKey(ROOT.relativize(p).toString())).toList();
    KernelRunner runner = new KernelRunner(MatchMode.EXACT, TOLERANCE_FLOOR_MICROS);
    Map<String, ScriptResult> results = new TreeMap<>();
    // Each run has a namespace and threads of its own, and mostly sleeps: a few at once bound the
    // wall time.
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      Map<String, Future<ScriptResult>> running = new TreeMap<>();
      for (Path p : scripts) {
        running.put(
            ROOT.relativize(p).toString(), pool.submit(() -> ScriptSuite.run(p, runner::run)));
      }
      for (var e : running.entrySet())
        results.put(e.getKey(), e.getValue().get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
    } finally {
      pool.shutdownNow();
    }
    List<String> wrong = new ArrayList<>();
    for (var e : results.entrySet()) {
      ScriptResult r = e.getValue();
      String listed =
          differences.keySet().stream()
              .filter(k -> k.startsWith(e.getKey() + ":"))
              .findFirst()
              .orElse(null);
      String got =
          r.outcome() == ScriptResult.Outcome.PASS ? "pass" : r.outcome() + " at line " + r.line();
      if (listed == null && r.outcome() != ScriptResult.Outcome.PASS) {
        wrong.add(e.getKey() + ": expected to pass on Linux, " + String.join(" / ", r.describe()));
      } else if (listed != null
          && !(r.outcome() == ScriptResult.Outcome.FAIL && within(r.line(), listed))) {
        wrong.add(
            e.getKey()
                + ": listed as "
                + listed
                + " ("
                + differences.get(listed)
                + "), but "
                + got
                + (r.message() == null ? "" : ": " + String.join(" / ", r.describe())));
      }
    }
    for (String listed : differences.keySet()) {
      assertTrue(
          results.containsKey(listed.substring(0, listed.lastIndexOf(':'))),
          listed + " is listed but no such script");
    }
    assertEquals(25, results.size(), "RFC scripts");
    assertFalse(
        results.values().stream().allMatch(r -> r.outcome() != ScriptResult.Outcome.PASS),
        "none passed");
    assertEquals("", String.join("\n", wrong));
  }

  /** Returns whether {@code line} is the listed {@code path:N}, or within {@code path:A-B}. */
  private static boolean within(int line, String listed) {
    String lines = listed.substring(listed.lastIndexOf(':') + 1);
    int dash = lines.indexOf('-');
    int from = Integer.parseInt(dash < 0 ? lines : lines.substring(0, dash));
    int to = dash < 0 ? from : Integer.parseInt(lines.substring(dash + 1));
    return line >= from && line <= to;
  }
}
