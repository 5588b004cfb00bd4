package dev.synack.arch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Enforces the layering of DESIGN.md ("Layers and modules", "Modules as the architecture") on
 * synack-core's compiled classes: each package uses only the packages below it, so no two packages
 * depend on each other. Reads every class's constant pool, descriptors and signatures, so a use
 * written as a fully qualified name counts as much as an import.
 */
class PackageDependencyTest {
  /**
   * The packages (under {@code dev.synack}) each core package may use. {@code trace} is the event
   * vocabulary that the engine, the host and the simulator emit into, so it sits just above {@code
   * wire} and below {@code tcp}.
   */
  static final Map<String, Set<String>> ALLOWED =
      Map.of(
          "wire", Set.of(),
          "trace", Set.of("wire"),
          "tcp", Set.of("wire", "trace"),
          "stack", Set.of("wire", "trace", "tcp"),
          "sim", Set.of("wire", "trace", "tcp", "stack"));

  /** The packages of the modules built on the core (synack-lesson), which the core must not use. */
  static final Set<String> ABOVE_CORE = Set.of("lesson", "demo");

  /** Returns each use, "from -> to", of one of {@code packages}. */
  static List<String> usesOf(Map<String, Set<String>> uses, Set<String> packages) {
    List<String> found = new ArrayList<>();
    new TreeMap<>(uses)
        .forEach(
            (from, tos) -> {
              for (String to : new TreeSet<>(tos))
                if (packages.contains(to)) found.add(from + " -> " + to);
            });
    return found;
  }

  @Test
  void corePackages_useOnlyThePackagesBelowThem() throws IOException {
    Map<String, Set<String>> uses = PackageDependencies.of(Path.of("target/classes"));
    assertFalse(uses.isEmpty(), "no classes found under target/classes");
    assertEquals(ALLOWED.keySet(), uses.keySet(), "the core's packages are the rows of the table");
    List<String> violations = new ArrayList<>();
    uses.forEach(
        (from, tos) -> {
          for (String to : tos) {
            if (!ALLOWED.get(from).contains(to)) violations.add(from + " -> " + to);
          }
        });
    assertEquals(List.of(), violations, "package dependencies outside DESIGN.md's table");
  }

  @Test
  void corePackages_formNoCycle() throws IOException {
    Map<String, Set<String>> uses = PackageDependencies.of(Path.of("target/classes"));
    assertEquals(List.of(), PackageDependencies.cycles(uses), "package cycles in synack-core");
  }

  @Test
  void corePackages_useNothingOfTheModulesAboveThem() throws IOException {
    // The narration, renderings and demo scenarios (synack-lesson) read the core; the core never
    // reads them, not even by a name in a signature.
    Map<String, Set<String>> uses = PackageDependencies.of(Path.of("target/classes"));
    assertEquals(List.of(), usesOf(uses, ABOVE_CORE), "core packages that use synack-lesson's");
  }

  @Test
  void usesOf_findsAUseOfAPackageAboveTheCore() {
    // The check above must be able to fail.
    Map<String, Set<String>> leaky = Map.of("trace", Set.of("wire", "lesson"), "wire", Set.of());
    assertEquals(List.of("trace -> lesson"), usesOf(leaky, ABOVE_CORE));
  }

  @Test
  void cycleFinder_findsACycleAndOnlyACycle() {
    // The check above must be able to fail: tcp <-> trace as it was before SeqNum moved to wire.
    Map<String, Set<String>> cyclic =
        Map.of("wire", Set.of(), "tcp", Set.of("wire", "trace"), "trace", Set.of("wire", "tcp"));
    assertEquals(List.of("tcp -> trace -> tcp"), PackageDependencies.cycles(cyclic));
    assertEquals(List.of(), PackageDependencies.cycles(ALLOWED));
  }
}
