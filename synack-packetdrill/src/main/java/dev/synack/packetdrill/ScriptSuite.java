package dev.synack.packetdrill;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

/** Finds scripts in files and directories, runs them, and counts the outcomes. */
public final class ScriptSuite {
  private ScriptSuite() {}

  /** The counts of one run, printed as {@code N passed, N failed, N unsupported}. */
  public record Summary(int passed, int failed, int unsupported) {
    public boolean allPassed() {
      return failed == 0 && unsupported == 0;
    }

    @Override
    public String toString() {
      return passed + " passed, " + failed + " failed, " + unsupported + " unsupported";
    }
  }

  /**
   * Returns the scripts named: files as given, directories searched for {@code *.pkt}, each list
   * sorted by path.
   *
   * @throws IllegalArgumentException for a path that does not exist, or a directory without scripts
   */
  public static List<Path> find(List<Path> paths) {
    List<Path> scripts = new ArrayList<>();
    for (Path p : paths) {
      if (Files.isDirectory(p)) {
        try (Stream<Path> s = Files.walk(p)) {
          List<Path> found =
              s.filter(f -> f.toString().endsWith(".pkt") && Files.isRegularFile(f))
                  .sorted()
                  .toList();
          if (found.isEmpty()) throw new IllegalArgumentException("no *.pkt scripts in " + p);
          scripts.addAll(found);
        } catch (IOException e) {
          throw new IllegalArgumentException("cannot read " + p + ": " + e.getMessage());
        }
      } else if (Files.isRegularFile(p)) {
        scripts.add(p);
      } else {
        throw new IllegalArgumentException("no such file or directory: " + p);
      }
    }
    return scripts;
  }

  /**
   * What runs one script's text: {@link ScriptRunner#run} (synack) or {@link KernelRunner#run}
   * (Linux).
   */
  @FunctionalInterface
  public interface Runner {
    /** Runs the script {@code text} named {@code name}. */
    ScriptResult run(String name, String text);
  }

  /**
   * Runs every script in turn against synack, handing each result to {@code each}, and returns the
   * counts.
   */
  public static Summary run(List<Path> scripts, ScriptRunner runner, Consumer<ScriptResult> each) {
    return run(scripts, (Runner) runner::run, each);
  }

  /** Runs every script in turn, handing each result to {@code each}, and returns the counts. */
  public static Summary run(List<Path> scripts, Runner runner, Consumer<ScriptResult> each) {
    int passed = 0, failed = 0, unsupported = 0;
    for (Path p : scripts) {
      ScriptResult r = runner.run(p.toString(), read(p));
      switch (r.outcome()) {
        case PASS -> passed++;
        case FAIL -> failed++;
        case UNSUPPORTED -> unsupported++;
      }
      each.accept(r);
    }
    return new Summary(passed, failed, unsupported);
  }

  /** Runs one script file. */
  public static ScriptResult run(Path script, ScriptRunner runner) {
    return runner.run(script.toString(), read(script));
  }

  /** Runs one script file with {@code runner}. */
  public static ScriptResult run(Path script, Runner runner) {
    return runner.run(script.toString(), read(script));
  }

  /**
   * Reads a script: UTF-8 text with at least one line outside comments. A script that checks
   * nothing (an empty file, only comments) must not pass, and a binary file (a capture given by
   * mistake) is no script.
   *
   * @throws IllegalArgumentException with one line naming the file and what is wrong with it
   */
  public static String read(Path script) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(script);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + script + ": " + e.getMessage());
    }
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes))
              .toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException(
          script + ": not a script: not UTF-8 text (a capture or other binary file?)");
    }
    if (text.indexOf('\0') >= 0) {
      throw new IllegalArgumentException(
          script + ": not a script: it holds NUL bytes (a binary file?)");
    }
    if (withoutComments(text).isBlank()) {
      throw new IllegalArgumentException(
          script
              + ": nothing to check: the script is "
              + (text.isBlank() ? "empty" : "only comments")
              + ", and a script that checks nothing cannot pass");
    }
    return text;
  }

  /**
   * Returns {@code text} without its packetdrill comments ({@code //} to the end of the line, and
   * {@code /* *}{@code /}).
   */
  private static String withoutComments(String text) {
    return text.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\n]*", " ");
  }
}
