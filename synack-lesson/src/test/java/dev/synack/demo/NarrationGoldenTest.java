package dev.synack.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.lesson.Ladder;
import dev.synack.lesson.Narration;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The narration of every demo scenario, in English and Chinese, compared line for line with a
 * golden file under {@code src/test/resources/dev/synack/demo/narration/SCENARIO.LANG.txt}.
 *
 * <p>To regenerate after a deliberate change of wording or behaviour, run
 *
 * <pre>
 * bin/mvn -o -q -pl synack-lesson -am test -Dtest=NarrationGoldenTest -Dsurefire.failIfNoSpecifiedTests=false -Dsynack.golden.update=true
 * </pre>
 *
 * which rewrites the files (from the module directory), then read every changed file against the
 * run's ladder ({@code bin/synack demo --scenario NAME}) before committing it: a golden file only
 * freezes what was checked by a person.
 */
class NarrationGoldenTest {
  private static final Path GOLDEN = Path.of("src/test/resources/dev/synack/demo/narration");

  /**
   * Flag names, state names and the articles' own abbreviations: the only Latin letters the Chinese
   * may hold.
   */
  private static final Pattern ALLOWED =
      Pattern.compile(
          "(?<![A-Za-z])(SYN|ACK|FIN|RST|PSH|URG|CLOSED|LISTEN|SYN_SENT|SYN_RECEIVED|ESTABLISHED|FIN_WAIT_1|FIN_WAIT_2"
              + "|CLOSE_WAIT|CLOSING|LAST_ACK|TIME_WAIT|ISN|MSL|seq|ack)(?![A-Za-z_])");

  /**
   * The options of a scenario's golden run: the defaults, but a short transfer over a lossy path
   * for {@code transfer}.
   */
  static DemoOptions options(Scenario s) {
    return s == Scenario.TRANSFER
        ? new DemoOptions(0.05, 10, 0, 0, 3, 20_000)
        : DemoOptions.defaults();
  }

  static Stream<Arguments> runs() {
    List<Arguments> all = new ArrayList<>();
    for (Scenario s : Scenario.values()) {
      all.add(Arguments.of(s, "en"));
      all.add(Arguments.of(s, "zh"));
    }
    return all.stream();
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("runs")
  void narration_matchesItsGoldenFile(Scenario s, String lang) throws IOException {
    DemoRun run = DemoRunner.run(s, options(s), null);
    assertTrue(run.ok(), String.join("\n", run.results()));
    List<String> lines = Narration.narrate(run.events(), lang);
    String name = s.cliName() + "." + lang + ".txt";
    String got = String.join("\n", lines) + "\n";
    if (Boolean.getBoolean("synack.golden.update")) {
      Files.createDirectories(GOLDEN);
      Files.writeString(GOLDEN.resolve(name), got);
    }
    String want;
    try (InputStream in = NarrationGoldenTest.class.getResourceAsStream("narration/" + name)) {
      assertTrue(in != null, "no golden file " + name + " (see the class doc to create it)");
      want = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertEquals(
        want,
        got,
        name + " differs; the run:\n" + Ladder.render(run.events(), Ladder.Options.defaults()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  void chinese_holdsNoEnglishButFlagsStatesAndNumbers(Scenario s) {
    DemoRun run = DemoRunner.run(s, options(s), null);
    for (String line : Narration.narrate(run.events(), "zh")) {
      String rest = ALLOWED.matcher(line).replaceAll("");
      assertFalse(rest.matches("(?s).*[A-Za-z].*"), "English in: " + line);
    }
  }

  static Stream<Scenario> scenarios() {
    return Stream.of(Scenario.values());
  }

  @Test
  void everyScenario_hasItsTwoGoldenFiles() {
    for (Scenario s : Scenario.values()) {
      for (String lang : List.of("en", "zh")) {
        assertTrue(
            NarrationGoldenTest.class.getResource("narration/" + s.cliName() + "." + lang + ".txt")
                != null,
            s.cliName() + "." + lang);
      }
    }
  }
}
