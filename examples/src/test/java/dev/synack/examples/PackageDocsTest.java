package dev.synack.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every package a module of the repository exports has a package doc that names a type to start
 * from (a {@code {@link}}), the bar of the embed guide; the javadoc build (doclint, in verify)
 * checks that what the docs say is well formed.
 */
class PackageDocsTest {
  private static final Pattern EXPORTS =
      Pattern.compile("^\\s*exports\\s+([\\w.]+)\\s*;", Pattern.MULTILINE);

  @Test
  void exportedPackages_eachHasAPackageDocThatLinksWhereToStart() throws IOException {
    Path root = Path.of(System.getProperty("synack.repo.root", "..")).toAbsolutePath().normalize();
    List<Path> modules;
    try (Stream<Path> found = Files.list(root)) {
      modules =
          found
              .map(m -> m.resolve("src/main/java/module-info.java"))
              .filter(Files::isRegularFile)
              .toList();
    }
    assertFalse(modules.isEmpty(), "no module-info.java under " + root);
    List<String> exported = new ArrayList<>();
    List<String> lacking = new ArrayList<>();
    for (Path moduleInfo : modules) {
      Matcher m = EXPORTS.matcher(Files.readString(moduleInfo));
      while (m.find()) {
        String pkg = m.group(1);
        exported.add(pkg);
        Path doc = moduleInfo.resolveSibling(pkg.replace('.', '/')).resolve("package-info.java");
        if (!Files.isRegularFile(doc) || !Files.readString(doc).contains("{@link ")) {
          lacking.add(root.relativize(doc).toString());
        }
      }
    }
    assertFalse(exported.isEmpty(), "no exported package found");
    assertEquals(List.of(), lacking, "package docs missing, or naming no type to start from");
  }
}
