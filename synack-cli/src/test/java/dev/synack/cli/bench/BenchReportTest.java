package dev.synack.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How a report is rendered as a table, from figures given here (nothing is measured). */
class BenchReportTest {
  @Test
  void text_tableHasEachFigureWithItsRatioAndSkippedOnesWithTheirReason() {
    BenchReport report =
        new BenchReport(
            "quick",
            Map.of("cores", 2),
            Map.of("bulkBytes", 1024L),
            List.of(
                Figure.measured("sim-bulk-mtu1500", "Gbit/s", 3.0, 30.0, "1 GiB one way"),
                Figure.skipped("tun-rr-latency", "us", "not root")));
    StringWriter text = new StringWriter();
    report.printText(new PrintWriter(text));
    List<String> lines = text.toString().lines().toList();
    String row =
        lines.stream().filter(l -> l.startsWith("sim-bulk-mtu1500 ")).findFirst().orElseThrow();
    assertEquals(
        List.of("sim-bulk-mtu1500", "Gbit/s", "3.000", "30.0", "0.100"),
        List.of(row.trim().split("\\s+")));
    String skipped =
        lines.stream().filter(l -> l.startsWith("tun-rr-latency ")).findFirst().orElseThrow();
    assertTrue(skipped.contains("skipped"), skipped);
    assertTrue(lines.contains("  tun-rr-latency: not root"), text.toString());
    assertTrue(lines.contains("  cores: 2"), text.toString());
  }

  @Test
  void ratio_isSynackOverReference_andNaNWhenSkipped() {
    assertEquals(0.25, Figure.measured("idle-conn-bytes", "bytes", 1000, 4000, "").ratio());
    assertTrue(Double.isNaN(Figure.skipped("tun-rr-latency", "us", "not root").ratio()));
  }
}
