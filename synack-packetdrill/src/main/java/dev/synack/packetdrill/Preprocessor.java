package dev.synack.packetdrill;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Set;

/**
 * Applies the conditional lines packetdrill scripts use ({@code #ifdef NAME}, {@code #ifndef NAME},
 * {@code #else}, {@code #endif}, nestable) for a set of defined names, as packetdrill's {@code -D
 * NAME} does. Lines left out, and the directives themselves, become empty lines so that every line
 * keeps its number for error messages.
 */
final class Preprocessor {
  private Preprocessor() {}

  /**
   * Returns the script's lines with the conditional ones applied.
   *
   * @throws ScriptException on an {@code #else} or {@code #endif} without {@code #if}, an
   *     unterminated {@code #if}, or a directive packetdrill scripts do not use ({@code #if EXPR})
   */
  static String[] apply(String text, Set<String> defined) {
    String[] lines = text.split("\r?\n", -1);
    // Each open conditional: whether its current branch is taken, and whether its parent's is.
    Deque<boolean[]> open = new ArrayDeque<>();
    for (int i = 0; i < lines.length; i++) {
      String t = lines[i].strip();
      boolean active = open.isEmpty() || open.peek()[0];
      if (t.startsWith("#")) {
        String[] words = t.substring(1).strip().split("\\s+");
        String directive = words[0];
        switch (directive) {
          case "ifdef", "ifndef" -> {
            if (words.length != 2)
              throw ScriptException.syntax(i + 1, "#" + directive + " needs one name: " + t);
            boolean holds = defined.contains(words[1]) == directive.equals("ifdef");
            open.push(new boolean[] {active && holds, active});
          }
          case "else" -> {
            if (open.isEmpty()) throw ScriptException.syntax(i + 1, "#else without #ifdef");
            boolean[] top = open.peek();
            top[0] = top[1] && !top[0];
          }
          case "endif" -> {
            if (open.isEmpty()) throw ScriptException.syntax(i + 1, "#endif without #ifdef");
            open.pop();
          }
          default ->
              throw ScriptException.unsupported(i + 1, "preprocessor directive #" + directive);
        }
        lines[i] = "";
      } else if (!active) {
        lines[i] = "";
      }
    }
    if (!open.isEmpty()) throw ScriptException.syntax(lines.length, "#ifdef without #endif");
    return lines;
  }
}
