package dev.synack.cli.script;

import java.util.List;
import java.util.Map;

/**
 * An argument or result of a system call in a script: {@code 3}, {@code SOL_SOCKET},
 * {@code ...}, {@code [65536]}, {@code O_RDWR | O_NONBLOCK}, {@code "text"}, or a poll structure
 * {@code {fd=3, events=POLLIN}}.
 */
sealed interface Expr {
  /** An integer, decimal or hexadecimal. */
  record Num(long value) implements Expr {
    @Override public String toString() { return Long.toString(value); }
  }

  /** A symbolic constant such as {@code SO_RCVBUF} or {@code ECONNRESET}. */
  record Sym(String name) implements Expr {
    @Override public String toString() { return name; }
  }

  /** {@code ...}: a value the script does not give (a buffer, an address). */
  record Ellipsis() implements Expr {
    @Override public String toString() { return "..."; }
  }

  /** {@code [a, b]}: an array, also the way a pointer to one value is written ({@code [65536]}). */
  record Array(List<Expr> elements) implements Expr {
    @Override public String toString() {
      return elements.stream().map(Object::toString).collect(java.util.stream.Collectors.joining(", ", "[", "]"));
    }
  }

  /** {@code a | b}: bits or-ed together. */
  record Or(List<Expr> terms) implements Expr {
    @Override public String toString() {
      return terms.stream().map(Object::toString).collect(java.util.stream.Collectors.joining(" | "));
    }
  }

  /** A quoted string. */
  record Str(String value) implements Expr {
    @Override public String toString() { return '"' + value + '"'; }
  }

  /** {@code {fd=3, events=POLLIN}}: a structure, as poll's array elements are written. */
  record Struct(Map<String, Expr> fields) implements Expr {
    @Override public String toString() {
      return fields.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
          .collect(java.util.stream.Collectors.joining(", ", "{", "}"));
    }
  }
}
