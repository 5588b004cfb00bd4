package dev.synack.packetdrill;

import java.util.List;

/**
 * How one script ended.
 *
 * @param name the script's name (its path)
 * @param outcome passed, failed, or unsupported
 * @param line the line that failed, 0 when it passed or the failure is on no line
 * @param message what went wrong, null when it passed
 * @param expected what the line expected, or null
 * @param seen what the stack did instead, or null
 * @param warnings lines that differed under {@code --non_fatal}, which packetdrill reports and
 *     passes
 */
public record ScriptResult(
    String name,
    Outcome outcome,
    int line,
    String message,
    String expected,
    String seen,
    List<String> warnings) {

  /** The three ends of a script. */
  public enum Outcome {
    PASS,
    FAIL,
    UNSUPPORTED
  }

  static ScriptResult passed(String name, List<String> warnings) {
    return new ScriptResult(name, Outcome.PASS, 0, null, null, null, List.copyOf(warnings));
  }

  static ScriptResult of(String name, ScriptException e, List<String> warnings) {
    Outcome o = e.kind() == ScriptException.Kind.UNSUPPORTED ? Outcome.UNSUPPORTED : Outcome.FAIL;
    return new ScriptResult(
        name, o, e.line(), e.getMessage(), e.expected(), e.seen(), List.copyOf(warnings));
  }

  /** Returns the report lines: the outcome and name, then where and why for a failure. */
  public List<String> describe() {
    String head =
        switch (outcome) {
          case PASS -> "pass         ";
          case FAIL -> "FAIL         ";
          case UNSUPPORTED -> "unsupported  ";
        };
    if (outcome == Outcome.PASS) return List.of(head + name);
    java.util.ArrayList<String> lines = new java.util.ArrayList<>();
    lines.add(head + name + (line > 0 ? ":" + line : "") + ": " + message);
    if (expected != null) lines.add("    expected: " + expected);
    if (seen != null) lines.add("    seen:     " + seen);
    return lines;
  }
}
