package dev.synack.packetdrill;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parses the packetdrill language as the TCP suites write it: {@code --option=value} lines, then
 * events, one per line (Python code between {@code %{} and {@code }%} may span lines), each a time
 * followed by a packet, a system call, a shell command in backquotes or code. Comments are {@code
 * //} to the end of the line and {@code /* ... *}{@code /}.
 *
 * <p>What the language has and the runner cannot honour (TCP-MD5, fast open cookies...) is parsed
 * far enough to fail the script as unsupported, never skipped.
 */
final class ScriptParser {
  private ScriptParser() {}

  /**
   * Parses a script.
   *
   * @param name how reports name the script
   * @param text the script
   * @param defined the names {@code #ifdef} sees as defined
   * @throws ScriptException for text that is not the language, or a construct the runner cannot
   *     honour
   */
  static Script parse(String name, String text, Set<String> defined) {
    String[] lines = stripComments(Preprocessor.apply(text, defined));
    Map<String, String> options = new LinkedHashMap<>();
    List<Event> events = new ArrayList<>();
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty()) continue;
      if (line.startsWith("--")) {
        int eq = line.indexOf('=');
        options.put(
            eq < 0 ? line.substring(2) : line.substring(2, eq),
            eq < 0 ? "" : line.substring(eq + 1).strip());
        continue;
      }
      int first = i;
      while (count(line, '`') % 2 == 1 && i + 1 < lines.length) {
        // A command in backquotes may run over several lines.
        line = line + "\n" + lines[++i];
      }
      if (!line.contains("%{") && !line.startsWith("`")) {
        // A call, a structure or a packet may run over lines (packetdrill's grammar ignores line
        // ends): lines are joined while a bracket is open, and a line that cannot start an event
        // continues the one before it.
        while (i + 1 < lines.length && (depth(line) > 0 ? true : continues(lines[i + 1]))) {
          line = line + " " + lines[++i].strip();
        }
      }
      if (line.contains("%{")) {
        // Code may run over several lines, up to "}%".
        StringBuilder b = new StringBuilder(line);
        while (!b.toString().contains("}%") && i + 1 < lines.length) {
          b.append('\n').append(lines[++i]);
        }
        line = b.toString();
      }
      if (line.startsWith("`")) {
        // packetdrill's init command (before the first event) and cleanup command (after the last),
        // without a time: the first runs first, the second when the events are done.
        LineCursor c = new LineCursor(line, first + 1);
        c.expect("`");
        String command = c.until("`");
        if (!c.atEnd()) throw c.error("text after a command");
        EventTime at =
            events.isEmpty()
                ? new EventTime(EventTime.Kind.ABSOLUTE, 0, 0)
                : new EventTime(EventTime.Kind.RELATIVE, 0, 0);
        events.add(new Event.Command(at, first + 1, line, command.strip()));
        continue;
      }
      events.add(event(new LineCursor(line, first + 1)));
    }
    return new Script(name, options, List.copyOf(events));
  }

  /** Returns how many brackets ( [ { are open at the end of {@code s}, outside strings. */
  static int depth(String s) {
    int depth = 0;
    boolean inString = false;
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (inString) {
        if (ch == '\\') i++;
        else if (ch == '"') inString = false;
      } else if (ch == '"') {
        inString = true;
      } else if (ch == '(' || ch == '[' || ch == '{') {
        depth++;
      } else if (ch == ')' || ch == ']' || ch == '}') {
        depth--;
      }
    }
    return depth;
  }

  /**
   * Returns whether a line goes on with the event before it: it is not empty and cannot start an
   * event or an option.
   */
  private static boolean continues(String next) {
    String t = next.strip();
    if (t.isEmpty()) return false;
    char ch = t.charAt(0);
    return !(Character.isDigit(ch)
        || ch == '+'
        || ch == '*'
        || ch == '.'
        || ch == '`'
        || ch == '%'
        || ch == '-');
  }

  private static int count(String s, char ch) {
    int n = 0;
    for (int i = 0; i < s.length(); i++) if (s.charAt(i) == ch) n++;
    return n;
  }

  /** Parses one event: a time, then what happens. */
  static Event event(LineCursor c) {
    EventTime time = time(c);
    String text = c.skipSpaces().rest().strip();
    int line = c.line();
    if (c.at("<") || c.at(">")) {
      return new Event.Packet(time, line, text, PacketParser.packet(c));
    }
    if (c.accept("`")) {
      String command = c.until("`");
      if (!c.atEnd()) throw c.error("text after a command");
      return new Event.Command(time, line, text, command.strip());
    }
    if (c.accept("%{")) {
      String code = c.until("}%");
      if (!c.atEnd()) throw c.error("text after code");
      return new Event.Code(time, line, text, code.strip());
    }
    if ((time.kind() == EventTime.Kind.ABSOLUTE || time.kind() == EventTime.Kind.RELATIVE)
        && c.accept("...")) {
      // A blocking system call: "start...end". The end counts from where the start does
      // (packetdrill
      // shifts both by the same offset), so "+a...b" ends b after the previous event, b - a after
      // its
      // start; "start...+d" (nplab's form) ends d after its start.
      EventTime end;
      if (c.accept("+")) {
        long d = c.seconds();
        end = new EventTime(EventTime.Kind.RELATIVE, d, d);
      } else {
        long e = c.seconds();
        if (e < time.startMicros()) throw c.error("time range is backwards");
        end =
            time.relative()
                ? new EventTime(
                    EventTime.Kind.RELATIVE, e - time.startMicros(), e - time.startMicros())
                : absolute(e);
      }
      return syscall(c, time, line, c.skipSpaces().rest().strip(), end);
    }
    if (c.atWord()) return syscall(c, time, line, text, null);
    throw c.error("expected a packet, a system call, a `command` or %{ code }%");
  }

  // ---- Times ----

  static EventTime time(LineCursor c) {
    if (c.accept("*")) return new EventTime(EventTime.Kind.ANY, 0, 0);
    if (c.accept("+")) {
      long start = c.seconds();
      if (c.accept("~")) {
        c.accept("+");
        return new EventTime(EventTime.Kind.RELATIVE_RANGE, start, c.seconds());
      }
      return new EventTime(EventTime.Kind.RELATIVE, start, start);
    }
    if (!c.atNumber()) throw c.error("expected a time");
    long start = c.seconds();
    if (c.accept("~")) return new EventTime(EventTime.Kind.ABSOLUTE_RANGE, start, c.seconds());
    return absolute(start);
  }

  private static EventTime absolute(long micros) {
    return new EventTime(EventTime.Kind.ABSOLUTE, micros, micros);
  }

  // ---- System calls ----

  private static Event.Syscall syscall(
      LineCursor c, EventTime time, int line, String text, EventTime end) {
    String name = c.word();
    c.expect("(");
    List<Expr> args = new ArrayList<>();
    if (!c.accept(")")) {
      do {
        args.add(expr(c));
      } while (c.accept(","));
      c.expect(")");
    }
    c.expect("=");
    Expr result = result(c);
    String errno = null;
    if (c.atWord()) errno = c.word();
    if (c.accept("("))
      c.until(")"); // "(Operation now in progress)", "(flags O_RDWR)": a note for the reader
    if (!c.atEnd()) throw c.error("unexpected text after a system call");
    return new Event.Syscall(time, line, text, name, List.copyOf(args), result, errno, end);
  }

  /**
   * Parses a call's result: a value, where a name is never a call ({@code = SOME (note)} is a name
   * and a note).
   */
  private static Expr result(LineCursor c) {
    if (!c.atWord()) return expr(c);
    List<Expr> terms = new ArrayList<>();
    do {
      terms.add(c.atWord() ? new Expr.Sym(c.word()) : term(c));
    } while (c.accept("|"));
    return terms.size() == 1 ? terms.getFirst() : new Expr.Or(List.copyOf(terms));
  }

  static Expr expr(LineCursor c) {
    List<Expr> terms = new ArrayList<>();
    terms.add(term(c));
    while (c.accept("|")) terms.add(term(c));
    return terms.size() == 1 ? terms.getFirst() : new Expr.Or(List.copyOf(terms));
  }

  /**
   * Parses one value: {@code ...}, an integer, a name, a call such as {@code htons(8080)} or {@code
   * inet_addr("192.0.2.1")}, {@code name=value} (a field, as in {@code {onoff=1, linger=0}} or
   * {@code msg_iov(1)=[...]}), strings (adjacent ones joined, {@code "abc"...}), an array, or
   * braces: a structure of fields and positional values ({@code {..., 1000}} is an iovec).
   */
  private static Expr term(LineCursor c) {
    if (c.accept("...")) return new Expr.Ellipsis();
    if (c.atNumber()) return new Expr.Num(c.number());
    if (c.atWord()) {
      String name = c.word();
      List<Expr> args = List.of();
      boolean call = c.at("(");
      if (call) {
        c.expect("(");
        args = list(c, ")");
      }
      if (c.at("=") && !c.at("==")) {
        c.expect("=");
        return new Expr.Assign(name, args, expr(c));
      }
      return call ? new Expr.Call(name, args) : new Expr.Sym(name);
    }
    if (c.at("\"")) {
      StringBuilder b = new StringBuilder();
      while (c.accept("\"")) b.append(c.until("\""));
      c.accept("...");
      return new Expr.Str(b.toString());
    }
    if (c.accept("[")) return new Expr.Array(list(c, "]"));
    if (c.accept("{")) {
      java.util.Map<String, Expr> fields = new LinkedHashMap<>();
      List<Expr> positional = new ArrayList<>();
      for (Expr e : list(c, "}")) {
        if (e instanceof Expr.Assign a) {
          fields.put(a.name(), a.value());
          // msg_iov(1)=[...]: the count in parentheses is the length field.
          if (a.index().size() == 1) fields.put(a.name() + "len", a.index().getFirst());
        } else {
          positional.add(e);
        }
      }
      return new Expr.Struct(fields, positional);
    }
    throw c.error("expected a value");
  }

  /** Parses values separated by commas up to {@code close}. */
  private static List<Expr> list(LineCursor c, String close) {
    List<Expr> elements = new ArrayList<>();
    if (c.accept(close)) return List.of();
    do {
      elements.add(expr(c));
    } while (c.accept(","));
    c.expect(close);
    return List.copyOf(elements);
  }

  // ---- Comments ----

  /**
   * Blanks out {@code //} and {@code /* *}{@code /} comments, outside backquotes, strings and code.
   */
  static String[] stripComments(String[] lines) {
    String[] out = new String[lines.length];
    boolean inBlock = false;
    boolean inCode = false;
    boolean inCommand = false;
    for (int i = 0; i < lines.length; i++) {
      String s = lines[i];
      StringBuilder b = new StringBuilder(s.length());
      boolean inString = false;
      for (int j = 0; j < s.length(); j++) {
        char ch = s.charAt(j);
        if (inBlock) {
          if (s.startsWith("*/", j)) {
            inBlock = false;
            j++;
          }
          continue;
        }
        if (inCode) {
          if (s.startsWith("}%", j)) inCode = false;
        } else if (inCommand) {
          if (ch == '`') inCommand = false;
        } else if (inString) {
          if (ch == '"') inString = false;
        } else if (ch == '`') {
          inCommand = true;
        } else if (ch == '"') {
          inString = true;
        } else if (s.startsWith("%{", j)) {
          inCode = true;
        } else if (s.startsWith("//", j)) {
          break;
        } else if (s.startsWith("/*", j)) {
          inBlock = true;
          j++;
          continue;
        }
        b.append(ch);
      }
      out[i] = b.toString();
    }
    return out;
  }
}
