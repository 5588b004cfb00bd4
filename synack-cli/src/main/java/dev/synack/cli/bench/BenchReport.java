package dev.synack.cli.bench;

import dev.synack.trace.Json;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The results of a run with what they were measured on, as a table or as one JSON object. */
record BenchReport(
    String mode, Map<String, Object> machine, Map<String, Object> settings, List<Figure> figures) {

  /**
   * Writes the machine, the settings and a table of figures with their ratios, then each figure's
   * note.
   */
  void printText(PrintWriter out) {
    out.println("synack bench (" + mode + ")");
    machine.forEach((k, v) -> out.println("  " + k + ": " + v));
    out.println("settings:");
    settings.forEach((k, v) -> out.println("  " + k + ": " + v));
    out.println();
    out.println(
        String.format(
            Locale.ROOT,
            "%-32s %-9s %12s %12s %8s",
            "figure",
            "unit",
            "synack",
            "kernel",
            "ratio"));
    for (Figure f : figures) {
      if (f.skipped()) {
        out.println(
            String.format(
                Locale.ROOT, "%-32s %-9s %12s %12s %8s", f.name(), f.unit(), "skipped", "-", "-"));
      } else {
        out.println(
            String.format(
                Locale.ROOT,
                "%-32s %-9s %12s %12s %8s",
                f.name(),
                f.unit(),
                number(f.synack()),
                number(f.reference()),
                String.format(Locale.ROOT, "%.3f", f.ratio())));
      }
    }
    out.println();
    out.println(
        "ratio = synack / kernel (higher is better for Gbit/s and cycles/s, lower for bytes and us)");
    for (Figure f : figures) out.println("  " + f.name() + ": " + f.note());
    out.flush();
  }

  /**
   * Writes one JSON object: mode, machine, settings, and {@code figures} of {name, unit, synack,
   * reference, ratio}.
   */
  void printJson(PrintWriter out) {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("mode", mode);
    root.put("machine", machine);
    root.put("settings", settings);
    List<Object> list = new ArrayList<>();
    for (Figure f : figures) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", f.name());
      m.put("unit", f.unit());
      m.put("synack", finiteOrNull(f.synack()));
      m.put("reference", finiteOrNull(f.reference()));
      m.put("ratio", finiteOrNull(f.ratio()));
      m.put("skipped", f.skipped());
      m.put("note", f.note());
      list.add(m);
    }
    root.put("figures", list);
    out.println(Json.write(root));
    out.flush();
  }

  private static Object finiteOrNull(double v) {
    return Double.isFinite(v) ? v : null;
  }

  private static String number(double v) {
    if (Double.isNaN(v)) return "-";
    if (Math.abs(v) >= 1000) return String.format(Locale.ROOT, "%.0f", v);
    if (Math.abs(v) >= 10) return String.format(Locale.ROOT, "%.1f", v);
    return String.format(Locale.ROOT, "%.3f", v);
  }
}
