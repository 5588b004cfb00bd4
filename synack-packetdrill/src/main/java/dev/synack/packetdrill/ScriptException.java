package dev.synack.packetdrill;

/**
 * Why a script could not be run to its end: a line the runner does not understand or cannot honour
 * ({@link Kind#UNSUPPORTED}), text that is not the packetdrill language ({@link Kind#SYNTAX}), or a
 * line whose expectation the stack did not meet ({@link Kind#MISMATCH}).
 */
final class ScriptException extends RuntimeException {
  /** What went wrong. */
  enum Kind {
    SYNTAX,
    UNSUPPORTED,
    MISMATCH
  }

  private final Kind kind;
  private final int line;
  private final String expected;
  private final String seen;

  ScriptException(Kind kind, int line, String message, String expected, String seen) {
    super(message);
    this.kind = kind;
    this.line = line;
    this.expected = expected;
    this.seen = seen;
  }

  static ScriptException syntax(int line, String message) {
    return new ScriptException(Kind.SYNTAX, line, message, null, null);
  }

  static ScriptException unsupported(int line, String message) {
    return new ScriptException(Kind.UNSUPPORTED, line, "unsupported: " + message, null, null);
  }

  static ScriptException mismatch(int line, String message, String expected, String seen) {
    return new ScriptException(Kind.MISMATCH, line, message, expected, seen);
  }

  Kind kind() {
    return kind;
  }

  /** Returns the script line, from 1, or 0 when the problem is not on one line. */
  int line() {
    return line;
  }

  /** Returns what the script expected, or null. */
  String expected() {
    return expected;
  }

  /** Returns what the stack did instead, or null. */
  String seen() {
    return seen;
  }

  /** Returns this exception placed on a line, when it was raised without one. */
  ScriptException at(int lineNumber) {
    return line != 0 ? this : new ScriptException(kind, lineNumber, getMessage(), expected, seen);
  }
}
