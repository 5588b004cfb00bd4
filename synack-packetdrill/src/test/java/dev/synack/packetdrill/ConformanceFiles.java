package dev.synack.packetdrill;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where the conformance scripts live: the repository's own, and the shared FreeBSD suite beside the
 * repository.
 */
final class ConformanceFiles {
  private ConformanceFiles() {}

  /**
   * Returns the repository's root directory, which the build passes as {@code synack.repo.root}.
   */
  static Path repoRoot() {
    String root = System.getProperty("synack.repo.root");
    return root == null ? Path.of("..").toAbsolutePath().normalize() : Path.of(root);
  }

  /**
   * Returns the FreeBSD suite: {@code ../shared/conformance/freebsd-tcp-testsuite} from the
   * repository's root, or from a directory above it (a worktree lives deeper), or, for a clone made
   * elsewhere from a local checkout (as CI clones into a fresh directory), from beside the
   * repository it was cloned from. Where it is absent the test is skipped with one line, except
   * under CI, where it must be there.
   */
  static Path freeBsdSuite() {
    Path suite = suiteAbove(repoRoot());
    if (suite == null) {
      Path origin = localOrigin(repoRoot());
      if (origin != null) suite = suiteAbove(origin);
    }
    if (suite != null) return suite;
    String missing =
        "FreeBSD conformance suite not found in ../shared/conformance/freebsd-tcp-testsuite above "
            + repoRoot();
    if ("true".equals(System.getenv("CI"))) fail(missing);
    assumeTrue(false, missing);
    return null;
  }

  private static Path suiteAbove(Path repo) {
    for (Path dir = repo.toAbsolutePath().normalize().getParent();
        dir != null;
        dir = dir.getParent()) {
      Path suite = dir.resolve("shared/conformance/freebsd-tcp-testsuite");
      if (Files.isDirectory(suite)) return suite;
    }
    return null;
  }

  /**
   * Returns the directory {@code repo} was cloned from when its origin is a local path, else null.
   */
  private static Path localOrigin(Path repo) {
    Path config = repo.resolve(".git/config");
    if (!Files.isRegularFile(config)) return null;
    try {
      boolean inOrigin = false;
      for (String line : Files.readAllLines(config)) {
        String t = line.strip();
        if (t.startsWith("[")) inOrigin = t.equals("[remote \"origin\"]");
        if (!inOrigin || !t.startsWith("url")) continue;
        String url = t.substring(t.indexOf('=') + 1).strip();
        if (url.startsWith("file://")) url = url.substring("file://".length());
        Path path = url.startsWith("/") ? Path.of(url) : null;
        return path != null && Files.isDirectory(path) ? path : null;
      }
    } catch (IOException e) {
      return null;
    }
    return null;
  }

  /**
   * Reads a list of expected failures: one script per line, its path in the suite, then {@code #}
   * and the reason; blank lines and lines starting with {@code #} are comments.
   */
  static Map<String, String> expectedFailures(Path list) {
    Map<String, String> entries = new LinkedHashMap<>();
    try {
      for (String line : Files.readAllLines(list)) {
        String t = line.strip();
        if (t.isEmpty() || t.startsWith("#")) continue;
        int hash = t.indexOf('#');
        String path = (hash < 0 ? t : t.substring(0, hash)).strip();
        String reason = hash < 0 ? "" : t.substring(hash + 1).strip();
        if (entries.put(path, reason) != null) fail(list + ": " + path + " is listed twice");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return entries;
  }
}
