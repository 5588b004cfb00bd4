package dev.synack.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;

/**
 * One in-process run of {@code synack decode}: its exit code, and its output as lines.
 *
 * @param out stdout, split into lines
 * @param err stderr, split into lines
 */
record Decode(int exitCode, List<String> out, List<String> err) {
  /** Runs {@code synack decode} with the given arguments in this JVM. */
  static Decode run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] all = new String[args.length + 1];
    all[0] = "decode";
    System.arraycopy(args, 0, all, 1, args.length);
    int code = Main.run(all, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Decode(code, lines(out.toString()), lines(err.toString()));
  }

  /**
   * Returns the repository's root directory, which the build passes as {@code synack.repo.root}.
   */
  static Path repoRoot() {
    String root = System.getProperty("synack.repo.root");
    return root == null ? Path.of("..").toAbsolutePath().normalize() : Path.of(root);
  }

  /** Returns the lines that start with a tcpdump time of day, without the time. */
  List<String> packetLines() {
    return out.stream()
        .filter(l -> l.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{6} .*"))
        .map(l -> l.substring(16))
        .map(l -> l.replaceFirst("( \\[TCP [^]]+])+$", ""))
        .toList();
  }

  /**
   * Returns the analysis marks at the end of each packet line ({@code [TCP Dup ACK #1]}), "" where
   * none.
   */
  List<String> packetMarks() {
    return out.stream()
        .filter(l -> l.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{6} .*"))
        .map(
            l -> {
              java.util.regex.Matcher m =
                  java.util.regex.Pattern.compile("((?: \\[TCP [^]]+])+)$").matcher(l);
              return m.find() ? m.group(1).strip() : "";
            })
        .toList();
  }

  private static List<String> lines(String s) {
    return s.isEmpty() ? List.of() : List.of(s.split("\n"));
  }
}
