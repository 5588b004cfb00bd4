package dev.synack.arch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.constantpool.ClassEntry;
import java.lang.classfile.constantpool.PoolEntry;
import java.lang.classfile.constantpool.Utf8Entry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
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

  private static final Pattern SYNACK_CLASS = Pattern.compile("dev/synack/([a-z0-9_]+)/");

  @Test
  void corePackages_useOnlyThePackagesBelowThem() throws IOException {
    Map<String, Set<String>> uses = packageDependencies(Path.of("target/classes"));
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
    Map<String, Set<String>> uses = packageDependencies(Path.of("target/classes"));
    assertEquals(List.of(), cycles(uses), "package cycles in synack-core");
  }

  @Test
  void cycleFinder_findsACycleAndOnlyACycle() {
    // The check above must be able to fail: tcp <-> trace as it was before SeqNum moved to wire.
    Map<String, Set<String>> cyclic =
        Map.of("wire", Set.of(), "tcp", Set.of("wire", "trace"), "trace", Set.of("wire", "tcp"));
    assertEquals(List.of("tcp -> trace -> tcp"), cycles(cyclic));
    assertEquals(List.of(), cycles(ALLOWED));
  }

  /**
   * Returns, for each package under {@code dev.synack} in {@code classes}, the other such packages
   * it uses.
   */
  static Map<String, Set<String>> packageDependencies(Path classes) throws IOException {
    Map<String, Set<String>> uses = new TreeMap<>();
    try (Stream<Path> files = Files.walk(classes)) {
      for (Path file : files.filter(p -> p.toString().endsWith(".class")).toList()) {
        if (file.getFileName().toString().equals("module-info.class")) continue;
        ClassModel model = ClassFile.of().parse(file);
        Matcher self = SYNACK_CLASS.matcher(model.thisClass().asInternalName());
        if (!self.lookingAt()) continue;
        String from = self.group(1);
        Set<String> tos = uses.computeIfAbsent(from, k -> new TreeSet<>());
        for (PoolEntry entry : model.constantPool()) {
          // Class entries name the classes used; UTF-8 entries hold descriptors and generic
          // signatures.
          String text =
              entry instanceof ClassEntry c
                  ? c.asInternalName()
                  : entry instanceof Utf8Entry u ? u.stringValue() : null;
          if (text == null) continue;
          Matcher m = SYNACK_CLASS.matcher(text);
          while (m.find()) {
            if (!m.group(1).equals(from)) tos.add(m.group(1));
          }
        }
      }
    }
    return uses;
  }

  /**
   * Returns each cycle once, as "a -> b -> a" starting from its smallest package, found by
   * depth-first search.
   */
  static List<String> cycles(Map<String, Set<String>> uses) {
    Set<String> found = new TreeSet<>();
    for (String start : new TreeSet<>(uses.keySet()))
      walk(start, start, new ArrayList<>(List.of(start)), uses, found);
    return List.copyOf(found);
  }

  private static void walk(
      String start,
      String at,
      List<String> path,
      Map<String, Set<String>> uses,
      Set<String> found) {
    for (String next : uses.getOrDefault(at, Set.of())) {
      if (next.equals(start)) {
        found.add(String.join(" -> ", path) + " -> " + start);
      } else if (next.compareTo(start) > 0 && !path.contains(next)) {
        path.add(next);
        walk(start, next, path, uses, found);
        path.removeLast();
      }
    }
  }
}
