package dev.synack.cli.bench;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What a figure was measured on: the JVM and its flags, the CPU, the kernel, the memory. */
final class MachineInfo {
  private MachineInfo() {}

  /** Returns the machine and JVM, by name, in the order printed. */
  static Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put(
        "jvm",
        Runtime.version()
            + " "
            + System.getProperty("java.vm.name")
            + " ("
            + System.getProperty("java.vendor")
            + ")");
    m.put("jvmFlags", String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()));
    List<String> gcs = new ArrayList<>();
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans())
      gcs.add(gc.getName());
    m.put("gc", String.join(", ", gcs));
    m.put("maxHeapBytes", Runtime.getRuntime().maxMemory());
    m.put("cores", Runtime.getRuntime().availableProcessors());
    m.put(
        "cpu",
        firstValue(Path.of("/proc/cpuinfo"), "model name").orElse(System.getProperty("os.arch")));
    m.put("kernel", System.getProperty("os.name") + " " + System.getProperty("os.version"));
    m.put("memory", firstValue(Path.of("/proc/meminfo"), "MemTotal").orElse("unknown"));
    m.put("root", Privileges.isRoot());
    return m;
  }

  /**
   * Returns /proc/loadavg's first three fields: on a shared machine, how many runnable threads
   * competed for the cores while the figures were measured.
   */
  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).strip().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  /**
   * Returns the value after the colon of the first line of {@code file} that starts with {@code
   * key}.
   */
  private static java.util.Optional<String> firstValue(Path file, String key) {
    try {
      for (String line : Files.readAllLines(file)) {
        if (line.startsWith(key)) {
          int colon = line.indexOf(':');
          if (colon > 0) return java.util.Optional.of(line.substring(colon + 1).strip());
        }
      }
    } catch (IOException | RuntimeException e) {
      // Not Linux, or /proc not mounted: the caller says "unknown".
    }
    return java.util.Optional.empty();
  }
}
