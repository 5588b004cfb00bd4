package dev.synack.packetdrill;

import java.util.List;
import java.util.Map;

/**
 * An argument or result of a system call in a script: {@code 3}, {@code SOL_SOCKET}, {@code ...},
 * {@code [65536]}, {@code O_RDWR | O_NONBLOCK}, {@code "text"}, or a poll structure {@code {fd=3,
 * events=POLLIN}}.
 */
sealed interface Expr {
  /** An integer, decimal or hexadecimal. */
  record Num(long value) implements Expr {
    @Override
    public String toString() {
      return Long.toString(value);
    }
  }

  /** A symbolic constant such as {@code SO_RCVBUF} or {@code ECONNRESET}. */
  record Sym(String name) implements Expr {
    @Override
    public String toString() {
      return name;
    }
  }

  /** {@code ...}: a value the script does not give (a buffer, an address). */
  record Ellipsis() implements Expr {
    @Override
    public String toString() {
      return "...";
    }
  }

  /** {@code [a, b]}: an array, also the way a pointer to one value is written ({@code [65536]}). */
  record Array(List<Expr> elements) implements Expr {
    @Override
    public String toString() {
      return elements.stream()
          .map(Object::toString)
          .collect(java.util.stream.Collectors.joining(", ", "[", "]"));
    }
  }

  /** {@code a | b}: bits or-ed together. */
  record Or(List<Expr> terms) implements Expr {
    @Override
    public String toString() {
      return terms.stream()
          .map(Object::toString)
          .collect(java.util.stream.Collectors.joining(" | "));
    }
  }

  /** A quoted string. */
  record Str(String value) implements Expr {
    @Override
    public String toString() {
      return '"' + value + '"';
    }
  }

  /**
   * {@code {fd=3, events=POLLIN}}: a structure, as poll's array elements, a linger, a sockaddr or a
   * msghdr are written; values without a name ({@code {..., 1000}}, an iovec) are positional.
   */
  record Struct(Map<String, Expr> fields, List<Expr> positional) implements Expr {
    Struct(Map<String, Expr> fields) {
      this(fields, List.of());
    }

    /** Returns the field of the first name present, or null. */
    Expr field(String... names) {
      for (String n : names) if (fields.containsKey(n)) return fields.get(n);
      return null;
    }

    @Override
    public String toString() {
      java.util.stream.Stream<String> named =
          fields.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue());
      return java.util.stream.Stream.concat(positional.stream().map(Object::toString), named)
          .collect(java.util.stream.Collectors.joining(", ", "{", "}"));
    }
  }

  /** {@code htons(8080)}, {@code inet_addr("192.0.2.1")}: a function of constant arguments. */
  record Call(String name, List<Expr> args) implements Expr {
    @Override
    public String toString() {
      return name
          + args.stream()
              .map(Object::toString)
              .collect(java.util.stream.Collectors.joining(", ", "(", ")"));
    }
  }

  /**
   * {@code name=value}, or {@code name(index)=value} as msghdr's {@code msg_iov(1)=[...]}: a named
   * field.
   */
  record Assign(String name, List<Expr> index, Expr value) implements Expr {
    @Override
    public String toString() {
      String idx =
          index.isEmpty()
              ? ""
              : index.stream()
                  .map(Object::toString)
                  .collect(java.util.stream.Collectors.joining(", ", "(", ")"));
      return name + idx + "=" + value;
    }
  }
}
