package dev.synack.cli.script;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Where the conformance scripts live: the repository's own, and the shared FreeBSD suite beside the repository. */
final class ConformanceFiles {
  private ConformanceFiles() {}

  /** Returns the repository's root directory, which the build passes as {@code synack.repo.root}. */
  static Path repoRoot() {
    String root = System.getProperty("synack.repo.root");
    return root == null ? Path.of("..").toAbsolutePath().normalize() : Path.of(root);
  }

  /**
   * Returns the FreeBSD suite: {@code ../shared/conformance/freebsd-tcp-testsuite} from the
   * repository's root, or from a directory above it (a worktree lives deeper). Where it is absent
   * the test is skipped with one line, except under CI, where it must be there.
   */
  static Path freeBsdSuite() {
    for (Path dir = repoRoot().getParent(); dir != null; dir = dir.getParent()) {
      Path suite = dir.resolve("shared/conformance/freebsd-tcp-testsuite");
      if (Files.isDirectory(suite)) return suite;
    }
    String missing = "FreeBSD conformance suite not found in ../shared/conformance/freebsd-tcp-testsuite above " + repoRoot();
    if ("true".equals(System.getenv("CI"))) fail(missing);
    assumeTrue(false, missing);
    return null;
  }

  /**
   * Reads a list of expected failures: one script per line, its path in the suite, then
   * {@code #} and the reason; blank lines and lines starting with {@code #} are comments.
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
