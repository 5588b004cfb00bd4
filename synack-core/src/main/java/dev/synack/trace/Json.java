package dev.synack.trace;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small JSON reader and writer (RFC 8259) over plain Java values, for traces, {@code synack
 * decode} and tests.
 *
 * <p>The value model: an object is a {@code Map<String, Object>} keeping the order of its members,
 * an array a {@code List<Object>}, a string a {@code String}, a number a {@code Long} when it is
 * written without fraction or exponent and fits, otherwise a {@code Double}; {@code true} and
 * {@code false} are {@code Boolean}s and {@code null} is {@code null}. Parsed maps and lists are
 * unmodifiable.
 */
public final class Json {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private Json() {}

  /** A malformed JSON text, with the offset where the problem was found. */
  public static final class ParseException extends IllegalArgumentException {
    private final int offset;

    ParseException(String message, int offset) {
      super(message + " at offset " + offset);
      this.offset = offset;
    }

    /** Returns the offset in the text where parsing stopped. */
    public int offset() {
      return offset;
    }
  }

  /**
   * Returns the value of one JSON text, e.g. {@code {"a":[1,2.5,"x"]}}; surrounding white space is
   * allowed, anything else after the value is an error.
   *
   * @throws ParseException when the text is not JSON
   */
  public static Object parse(CharSequence text) {
    return parse(text, false);
  }

  /**
   * Returns the value of one JSON text; with {@code exactDecimals}, numbers with a fraction or an
   * exponent are {@link BigDecimal}s rather than doubles, so that no digit is lost.
   */
  static Object parse(CharSequence text, boolean exactDecimals) {
    JsonParser p = new JsonParser(text, exactDecimals);
    Object value = p.value();
    p.end();
    return value;
  }

  /** Returns the parsed object of a JSON text whose value must be an object. */
  public static Map<String, Object> parseObject(CharSequence text) {
    return parseObject(text, false);
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> parseObject(CharSequence text, boolean exactDecimals) {
    Object value = parse(text, exactDecimals);
    if (!(value instanceof Map<?, ?>)) {
      throw new ParseException("expected an object, got " + typeName(value), 0);
    }
    return (Map<String, Object>) value;
  }

  /**
   * Returns the JSON text of a value of the model; {@code Integer}, {@code Short}... are written as
   * numbers too.
   */
  public static String write(Object value) {
    StringBuilder b = new StringBuilder();
    write(value, b);
    return b.toString();
  }

  /** Appends the JSON text of a value of the model to {@code out}. */
  public static void write(Object value, Appendable out) {
    try {
      writeValue(value, out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Returns {@code s} as a quoted JSON string. */
  public static String quote(String s) {
    StringBuilder b = new StringBuilder(s.length() + 2);
    try {
      writeString(s, b);
    } catch (IOException e) {
      throw new AssertionError(e); // a StringBuilder does not throw
    }
    return b.toString();
  }

  private static void writeValue(Object value, Appendable out) throws IOException {
    switch (value) {
      case null -> out.append("null");
      case String s -> writeString(s, out);
      case Boolean bool -> out.append(bool.toString());
      case Double d -> writeDouble(d, out);
      case Float f -> writeDouble(f.doubleValue(), out);
      case Number n -> out.append(n.toString());
      case Map<?, ?> map -> {
        out.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : map.entrySet()) {
          if (!first) out.append(',');
          first = false;
          writeString(String.valueOf(e.getKey()), out);
          out.append(':');
          writeValue(e.getValue(), out);
        }
        out.append('}');
      }
      case List<?> list -> {
        out.append('[');
        for (int i = 0; i < list.size(); i++) {
          if (i > 0) out.append(',');
          writeValue(list.get(i), out);
        }
        out.append(']');
      }
      default ->
          throw new IllegalArgumentException("not a JSON value: " + value.getClass().getName());
    }
  }

  private static void writeDouble(double d, Appendable out) throws IOException {
    // JSON has no NaN or infinities; null is what JavaScript's JSON.stringify writes for them.
    if (!Double.isFinite(d)) {
      out.append("null");
    } else if (d == Math.rint(d) && Math.abs(d) < 1e15 && d != 0) {
      out.append(Long.toString((long) d)).append(".0");
    } else {
      out.append(Double.toString(d));
    }
  }

  private static void writeString(String s, Appendable out) throws IOException {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> {
          // Control characters must be escaped (RFC 8259 §7); U+2028/2029 too, so that a line
          // stays one line for JavaScript readers of the HTML page.
          if (c < 0x20 || c == '\u2028' || c == '\u2029') {
            out.append("\\u")
                .append(HEX[c >> 12])
                .append(HEX[(c >> 8) & 0xf])
                .append(HEX[(c >> 4) & 0xf])
                .append(HEX[c & 0xf]);
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }

  static String typeName(Object value) {
    return switch (value) {
      case null -> "null";
      case Map<?, ?> m -> "object";
      case List<?> l -> "array";
      case String s -> "string";
      case Number n -> "number";
      case Boolean b -> "boolean";
      default -> value.getClass().getSimpleName();
    };
  }

  /** A recursive-descent parser over one text; {@link #value()} reads one value at the cursor. */
  private static final class JsonParser {
    /** Nesting limit, so that hostile input cannot overflow the stack. */
    private static final int MAX_DEPTH = 512;

    private final CharSequence text;

    /** Whether decimals are read as BigDecimal rather than double. */
    private final boolean exactDecimals;

    /** The next character to read. */
    private int pos;

    private int depth;

    JsonParser(CharSequence text, boolean exactDecimals) {
      this.text = text;
      this.exactDecimals = exactDecimals;
    }

    Object value() {
      skipSpace();
      if (pos >= text.length()) throw error("unexpected end of input");
      char c = text.charAt(pos);
      return switch (c) {
        case '{' -> object();
        case '[' -> array();
        case '"' -> string();
        case 't' -> literal("true", true);
        case 'f' -> literal("false", false);
        case 'n' -> literal("null", null);
        default -> {
          if (c == '-' || (c >= '0' && c <= '9')) yield number();
          throw error("unexpected character '" + c + "'");
        }
      };
    }

    void end() {
      skipSpace();
      if (pos < text.length()) throw error("unexpected text after the value");
    }

    private Map<String, Object> object() {
      enter();
      pos++; // '{'
      Map<String, Object> map = new LinkedHashMap<>();
      skipSpace();
      if (peek() == '}') {
        pos++;
        depth--;
        return Collections.unmodifiableMap(map);
      }
      while (true) {
        skipSpace();
        if (peek() != '"') throw error("expected a member name");
        int at = pos;
        String key = string();
        skipSpace();
        expect(':');
        Object value = value();
        if (map.containsKey(key)) throw new ParseException("duplicate member \"" + key + "\"", at);
        map.put(key, value);
        skipSpace();
        char c = next();
        if (c == '}') break;
        if (c != ',') throw errorBefore("expected ',' or '}'");
      }
      depth--;
      return Collections.unmodifiableMap(map);
    }

    private List<Object> array() {
      enter();
      pos++; // '['
      List<Object> list = new ArrayList<>();
      skipSpace();
      if (peek() == ']') {
        pos++;
        depth--;
        return Collections.unmodifiableList(list);
      }
      while (true) {
        list.add(value());
        skipSpace();
        char c = next();
        if (c == ']') break;
        if (c != ',') throw errorBefore("expected ',' or ']'");
      }
      depth--;
      return Collections.unmodifiableList(list);
    }

    private String string() {
      pos++; // '"'
      StringBuilder b = new StringBuilder();
      while (true) {
        if (pos >= text.length()) throw error("unterminated string");
        char c = text.charAt(pos++);
        if (c == '"') return b.toString();
        if (c < 0x20) throw errorBefore("unescaped control character in a string");
        if (c != '\\') {
          b.append(c);
          continue;
        }
        char e = next();
        switch (e) {
          case '"', '\\', '/' -> b.append(e);
          case 'b' -> b.append('\b');
          case 'f' -> b.append('\f');
          case 'n' -> b.append('\n');
          case 'r' -> b.append('\r');
          case 't' -> b.append('\t');
          case 'u' -> b.append(hex4());
          default -> throw errorBefore("bad escape '\\" + e + "'");
        }
      }
    }

    /** Reads the four hex digits of a {@code \\u} escape; surrogate pairs come as two escapes. */
    private char hex4() {
      if (pos + 4 > text.length()) throw error("truncated \\u escape");
      int v = 0;
      for (int i = 0; i < 4; i++) {
        int d = Character.digit(text.charAt(pos + i), 16);
        if (d < 0) throw new ParseException("bad hex digit in \\u escape", pos + i);
        v = v * 16 + d;
      }
      pos += 4;
      return (char) v;
    }

    private Object number() {
      int start = pos;
      if (peek() == '-') pos++;
      if (peek() == '0') {
        pos++;
      } else if (isDigit(peek())) {
        while (isDigit(peek())) pos++;
      } else {
        throw error("expected a digit");
      }
      boolean integral = true;
      if (peek() == '.') {
        integral = false;
        pos++;
        if (!isDigit(peek())) throw error("expected a digit after '.'");
        while (isDigit(peek())) pos++;
      }
      if (peek() == 'e' || peek() == 'E') {
        integral = false;
        pos++;
        if (peek() == '+' || peek() == '-') pos++;
        if (!isDigit(peek())) throw error("expected a digit in the exponent");
        while (isDigit(peek())) pos++;
      }
      String lexeme = text.subSequence(start, pos).toString();
      if (integral) {
        try {
          return Long.parseLong(lexeme);
        } catch (NumberFormatException tooBig) {
          // Beyond a long: keep the magnitude, as JavaScript would.
        }
      }
      return exactDecimals ? new BigDecimal(lexeme) : Double.parseDouble(lexeme);
    }

    private Object literal(String word, Object value) {
      for (int i = 0; i < word.length(); i++) {
        if (pos + i >= text.length() || text.charAt(pos + i) != word.charAt(i)) {
          throw new ParseException("expected '" + word + "'", pos);
        }
      }
      pos += word.length();
      return value;
    }

    private void enter() {
      if (++depth > MAX_DEPTH) throw error("nesting deeper than " + MAX_DEPTH);
    }

    private void skipSpace() {
      while (pos < text.length()) {
        char c = text.charAt(pos);
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
        pos++;
      }
    }

    private void expect(char c) {
      if (next() != c) throw errorBefore("expected '" + c + "'");
    }

    /** Returns the character at the cursor, or 0 at the end. */
    private char peek() {
      return pos < text.length() ? text.charAt(pos) : 0;
    }

    private char next() {
      if (pos >= text.length()) throw error("unexpected end of input");
      return text.charAt(pos++);
    }

    private static boolean isDigit(char c) {
      return c >= '0' && c <= '9';
    }

    private ParseException error(String message) {
      return new ParseException(message, pos);
    }

    private ParseException errorBefore(String message) {
      return new ParseException(message, pos - 1);
    }
  }
}
