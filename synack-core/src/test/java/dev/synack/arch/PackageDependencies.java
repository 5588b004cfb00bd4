package dev.synack.arch;

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

/**
 * The dependencies between synack's packages, read from compiled classes: each class's constant
 * pool, descriptors and signatures, so that a use written as a fully qualified name counts as much
 * as an import. Shared by the architecture tests of the core and of the modules above it.
 */
public final class PackageDependencies {
  private static final Pattern SYNACK_CLASS = Pattern.compile("dev/synack/([a-z0-9_]+)/");

  private PackageDependencies() {}

  /**
   * Returns, for each package under {@code dev.synack} in {@code classes}, the other such packages
   * it uses.
   */
  public static Map<String, Set<String>> of(Path classes) throws IOException {
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
  public static List<String> cycles(Map<String, Set<String>> uses) {
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
