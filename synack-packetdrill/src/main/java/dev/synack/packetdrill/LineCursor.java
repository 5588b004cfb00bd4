package dev.synack.packetdrill;

/** Reads the tokens of one script line from left to right; every error names the line. */
final class LineCursor {
  private final String text;
  private final int line;
  private int pos;

  LineCursor(String text, int line) {
    this.text = text;
    this.line = line;
  }

  int line() {
    return line;
  }

  /** Reads the rest of the line. */
  void skipRest() {
    pos = text.length();
  }

  /** Returns the text not read yet. */
  String rest() {
    return text.substring(pos);
  }

  LineCursor skipSpaces() {
    while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) pos++;
    return this;
  }

  boolean atEnd() {
    return skipSpaces().pos >= text.length();
  }

  /** Returns whether the unread text starts with {@code s} (after spaces). */
  boolean at(String s) {
    return skipSpaces().text.startsWith(s, pos);
  }

  /** Reads {@code s} if the unread text starts with it (after spaces); returns whether it did. */
  boolean accept(String s) {
    if (!at(s)) return false;
    pos += s.length();
    return true;
  }

  void expect(String s) {
    if (!accept(s)) throw error("expected '" + s + "'");
  }

  /**
   * Returns whether a name (letters, digits, underscores, starting with a letter or _) comes next.
   */
  boolean atWord() {
    skipSpaces();
    return pos < text.length() && (Character.isLetter(text.charAt(pos)) || text.charAt(pos) == '_');
  }

  /** Returns whether the name {@code w} comes next, as a whole word. */
  boolean atWordExactly(String w) {
    if (!at(w)) return false;
    int end = pos + w.length();
    return end >= text.length()
        || !(Character.isLetterOrDigit(text.charAt(end)) || text.charAt(end) == '_');
  }

  /** Reads the name {@code w} if it comes next as a whole word; returns whether it did. */
  boolean acceptWord(String w) {
    if (!atWordExactly(w)) return false;
    pos += w.length();
    return true;
  }

  void expectWord(String w) {
    if (!acceptWord(w)) throw error("expected '" + w + "'");
  }

  /** Reads a run of letters, digits and underscores (a name, or a hex blob such as a cookie). */
  String token() {
    skipSpaces();
    int start = pos;
    while (pos < text.length()
        && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '_')) pos++;
    if (start == pos) throw error("expected a name or hex digits");
    return text.substring(start, pos);
  }

  /** Reads a name. */
  String word() {
    if (!atWord()) throw error("expected a name");
    int start = pos;
    while (pos < text.length()
        && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '_')) pos++;
    return text.substring(start, pos);
  }

  /** Reads a word of the given kind of characters (such as TCP flags); empty when none. */
  String run(String allowed) {
    skipSpaces();
    int start = pos;
    while (pos < text.length() && allowed.indexOf(text.charAt(pos)) >= 0) pos++;
    return text.substring(start, pos);
  }

  /**
   * Reads characters of {@code allowed} that follow at once, without skipping spaces; empty when
   * none.
   */
  String runAdjacent(String allowed) {
    int start = pos;
    while (pos < text.length() && allowed.indexOf(text.charAt(pos)) >= 0) pos++;
    return text.substring(start, pos);
  }

  /** Returns whether an integer (optionally negative) comes next. */
  boolean atNumber() {
    skipSpaces();
    int p = pos;
    if (p < text.length() && text.charAt(p) == '-') p++;
    return p < text.length() && Character.isDigit(text.charAt(p));
  }

  /** Reads an integer: decimal, or hexadecimal with {@code 0x}; optionally negative. */
  long number() {
    if (!atNumber()) throw error("expected a number");
    boolean negative = accept("-");
    int start = pos;
    long value;
    try {
      if (text.startsWith("0x", pos) || text.startsWith("0X", pos)) {
        pos += 2;
        int digits = pos;
        while (pos < text.length() && Character.digit(text.charAt(pos), 16) >= 0) pos++;
        value = Long.parseUnsignedLong(text.substring(digits, pos), 16);
      } else {
        while (pos < text.length() && Character.isDigit(text.charAt(pos))) pos++;
        value = Long.parseLong(text.substring(start, pos));
      }
    } catch (NumberFormatException e) {
      throw error("bad number: " + text.substring(start, pos));
    }
    return negative ? -value : value;
  }

  /** Reads a number of seconds such as {@code 0.1} or {@code 2}, as microseconds. */
  long seconds() {
    skipSpaces();
    int start = pos;
    while (pos < text.length()
        && (Character.isDigit(text.charAt(pos)) || text.charAt(pos) == '.')) {
      if (text.startsWith("...", pos)) break; // a blocking call's "start...end"
      pos++;
    }
    String s = text.substring(start, pos);
    try {
      return new java.math.BigDecimal(s)
          .movePointRight(6)
          .setScale(0, java.math.RoundingMode.HALF_EVEN)
          .longValueExact();
    } catch (NumberFormatException | ArithmeticException e) {
      throw error("bad time: '" + s + "'");
    }
  }

  /** Reads up to (not including) {@code end}, and then {@code end}. */
  String until(String end) {
    int i = text.indexOf(end, pos);
    if (i < 0) throw error("missing '" + end + "'");
    String s = text.substring(pos, i);
    pos = i + end.length();
    return s;
  }

  ScriptException error(String message) {
    String near =
        pos >= text.length()
            ? "end of line"
            : "'" + text.substring(pos, Math.min(text.length(), pos + 20)) + "'";
    return ScriptException.syntax(line, message + " at " + near);
  }
}
