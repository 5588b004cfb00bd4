package dev.synack.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.trace.Json;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The shape of {@code synack bench}'s output, with every size shrunk so that a run takes seconds.
 * Nothing here asserts how fast anything is: only that every figure is there, measured beside its
 * reference, with a positive ratio that is synack / reference.
 */
class BenchCommandTest {
  /** Every figure the issues name, plus the largest-MTU TUN pair. */
  private static final List<String> NAMES =
      List.of(
          "sim-bulk-mtu65535",
          "sim-bulk-mtu1500",
          "sim-conn-rate",
          "idle-conn-bytes",
          "tun-kernel-to-synack-mtu1500",
          "tun-synack-to-kernel-mtu1500",
          "tun-kernel-to-synack-mtu65535",
          "tun-synack-to-kernel-mtu65535",
          "tun-rr-latency",
          "tun-scale-conn-rate-1loop",
          "tun-scale-conn-rate-all-loops",
          "tun-scale-bulk-1loop",
          "tun-scale-bulk-all-loops",
          "forward-iperf-up-mtu1500",
          "forward-iperf-down-mtu1500",
          "forward-iperf-up-mtu65520",
          "forward-iperf-down-mtu65520",
          "forward-conn-rate",
          "forward-idle-conn-bytes",
          "nio-echo",
          "nio-echo-tun",
          "tun-curl-serve-http",
          "syn-flood-download",
          "syn-flood-download-loops2");

  private record Run(int exitCode, String out, String err) {}

  private static Run bench(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] all = new String[args.length + 1];
    all[0] = "bench";
    System.arraycopy(args, 0, all, 1, args.length);
    int code = Main.run(all, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(code, out.toString(), err.toString());
  }

  @Nested
  class QuickJson {
    @Test
    @SuppressWarnings("unchecked")
    void shrunkRun_printsOneObjectWithEveryFigureBesideItsReference() {
      Run run = bench("--quick", "--json", "--shrink", "4000");
      assertEquals(0, run.exitCode(), run.err());
      Map<String, Object> root = Json.parseObject(run.out().strip());

      Map<String, Object> machine = (Map<String, Object>) root.get("machine");
      for (String key : List.of("jvm", "cores", "cpu", "kernel", "loadAverageBefore")) {
        assertNotNull(machine.get(key), "machine." + key + " in " + machine);
      }
      Map<String, Object> settings = (Map<String, Object>) root.get("settings");
      assertTrue(((Number) settings.get("bulkBytes")).longValue() > 0, settings.toString());

      List<Map<String, Object>> figures = (List<Map<String, Object>>) root.get("figures");
      assertEquals(NAMES, figures.stream().map(f -> f.get("name")).toList());
      boolean ci = "true".equals(System.getenv("CI"));
      for (Map<String, Object> f : figures) {
        String name = (String) f.get("name");
        assertInstanceOf(String.class, f.get("unit"), name);
        assertFalse(((String) f.get("note")).isBlank(), name);
        if (Boolean.TRUE.equals(f.get("skipped"))) {
          // Only the TUN and forward figures may be skipped, for want of root; in CI (root) nothing
          // may be.
          assertTrue(
              (name.startsWith("tun-")
                      || name.startsWith("forward-")
                      || name.equals("nio-echo-tun")
                      || name.startsWith("syn-flood"))
                  && !ci,
              name + " skipped: " + f.get("note"));
          continue;
        }
        double synack = ((Number) f.get("synack")).doubleValue();
        double reference = ((Number) f.get("reference")).doubleValue();
        double ratio = ((Number) f.get("ratio")).doubleValue();
        assertTrue(synack > 0 && reference > 0 && ratio > 0, name + ": " + f);
        assertEquals(synack / reference, ratio, ratio * 1e-9, name);
      }
      assertEquals("bytes", figures.get(NAMES.indexOf("idle-conn-bytes")).get("unit"));
      assertEquals("us", figures.get(NAMES.indexOf("tun-rr-latency")).get("unit"));
    }
  }

  @Nested
  class BadInput {
    @Test
    void zeroShrink_oneLineOnStderrAndExitCode2() {
      Run run = bench("--shrink", "0");
      assertEquals(2, run.exitCode());
      assertEquals(1, run.err().strip().lines().count(), run.err());
      assertTrue(run.err().contains("--shrink"), run.err());
      assertEquals("", run.out());
    }

    @Test
    void unknownOption_oneLineOnStderrAndExitCode2() {
      Run run = bench("--fast");
      assertEquals(2, run.exitCode());
      assertEquals(1, run.err().strip().lines().count(), run.err());
    }
  }
}
