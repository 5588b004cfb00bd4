package dev.synack.lesson;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.synack.arch.PackageDependencies;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Enforces DESIGN.md's "Modules as the architecture" on synack-lesson's compiled classes: the
 * narration and renderings ({@code lesson}) read the trace format and the wire, not the engine, the
 * simulator or the demo's scenarios; the scenarios ({@code demo}) read both; and with the core's
 * own packages (synack-core's {@code PackageDependencyTest}) they form no cycle.
 */
class ModuleLayoutTest {
  /**
   * The packages (under {@code dev.synack}) each package of this module may use. The renderings
   * read the event stream alone, so {@code lesson} sits on {@code trace} and {@code wire}; the
   * scenarios drive hosts on the simulator and hand their events to the renderings.
   */
  static final Map<String, Set<String>> ALLOWED =
      Map.of(
          "lesson", Set.of("wire", "trace"),
          "demo", Set.of("wire", "trace", "tcp", "stack", "sim", "lesson"));

  private static final Path CLASSES = Path.of("target/classes");
  private static final Path CORE_CLASSES = Path.of("../synack-core/target/classes");

  @Test
  void lessonPackages_useOnlyTheCoreAndThePackagesBelowThem() throws IOException {
    Map<String, Set<String>> uses = PackageDependencies.of(CLASSES);
    assertEquals(
        ALLOWED.keySet(), uses.keySet(), "the module's packages are the rows of the table");
    List<String> violations = new ArrayList<>();
    new TreeMap<>(uses)
        .forEach(
            (from, tos) -> {
              for (String to : tos)
                if (!ALLOWED.get(from).contains(to)) violations.add(from + " -> " + to);
            });
    assertEquals(List.of(), violations, "package dependencies outside DESIGN.md's layering");
  }

  @Test
  void coreAndLessonPackages_formNoCycle() throws IOException {
    Map<String, Set<String>> core = PackageDependencies.of(CORE_CLASSES);
    assertFalse(core.isEmpty(), "synack-core's classes not found at " + CORE_CLASSES);
    Map<String, Set<String>> all = new TreeMap<>(core);
    all.putAll(PackageDependencies.of(CLASSES));
    assertEquals(
        Set.of("wire", "trace", "tcp", "stack", "sim", "lesson", "demo"),
        all.keySet(),
        "every package of both modules is scanned");
    assertEquals(List.of(), PackageDependencies.cycles(all), "package cycles across the modules");
  }
}
