package dev.synack.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The README's "Embed it" section shows the examples' source as it is, so the two cannot drift. */
class ReadmeExamplesTest {
  private static final List<String> EXAMPLES = List.of("TwoHosts", "TunHttpServer", "VpnForwarder");

  @Test
  void embedSection_javaBlocks_equalTheExamplesSourceInOrder() throws IOException {
    List<String> blocks = codeBlocks(section(readme(), "## Embed it"), "java");
    assertEquals(
        EXAMPLES.size(), blocks.size(), "java blocks in README's Embed it: " + blocks.size());
    for (int i = 0; i < EXAMPLES.size(); i++) {
      Path source =
          root().resolve("examples/src/main/java/dev/synack/examples/" + EXAMPLES.get(i) + ".java");
      assertEquals(
          Files.readString(source),
          blocks.get(i),
          "README's Embed it block " + (i + 1) + " differs from " + root().relativize(source));
    }
  }

  @Test
  void embedSection_runsEachExampleByItsModuleAndClass() throws IOException {
    String commands = String.join("\n", codeBlocks(section(readme(), "## Embed it"), "sh"));
    for (String example : EXAMPLES) {
      assertTrue(
          commands.contains("-m dev.synack.examples/dev.synack.examples." + example), example);
    }
  }

  private static Path root() {
    String root = System.getProperty("synack.repo.root");
    return root == null ? Path.of("..").toAbsolutePath().normalize() : Path.of(root);
  }

  private static String readme() throws IOException {
    return Files.readString(root().resolve("README.md"));
  }

  /** Returns the text from {@code heading} to the next heading of its level. */
  static String section(String markdown, String heading) {
    int start = markdown.indexOf("\n" + heading + "\n");
    assertTrue(start >= 0, "README has no section " + heading);
    int end = markdown.indexOf("\n## ", start + heading.length() + 1);
    return markdown.substring(start, end < 0 ? markdown.length() : end);
  }

  /** Returns the contents of the fenced blocks of {@code language}, each ending in a newline. */
  static List<String> codeBlocks(String markdown, String language) {
    List<String> blocks = new ArrayList<>();
    int at = 0;
    while ((at = markdown.indexOf("\n```" + language + "\n", at)) >= 0) {
      int from = at + language.length() + 5;
      int to = markdown.indexOf("\n```\n", from - 1);
      assertTrue(to >= 0, "unclosed ```" + language + " block");
      blocks.add(markdown.substring(from, to + 1));
      at = to + 4;
    }
    return blocks;
  }
}
