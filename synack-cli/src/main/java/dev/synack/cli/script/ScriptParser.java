package dev.synack.cli.script;

import dev.synack.wire.SackBlock;
import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parses the packetdrill language as the TCP suites write it: {@code --option=value} lines, then
 * events, one per line (Python code between {@code %{} and {@code }%} may span lines), each a
 * time followed by a packet, a system call, a shell command in backquotes or code. Comments are
 * {@code //} to the end of the line and {@code /* ... *}{@code /}.
 *
 * <p>What the language has and the runner cannot honour (TCP-MD5, fast open cookies...) is parsed
 * far enough to fail the script as unsupported, never skipped.
 */
final class ScriptParser {
  private static final String TCP_FLAG_CHARS = "FSRP.EWCU";

  private ScriptParser() {}

  /**
   * Parses a script.
   *
   * @param name    how reports name the script
   * @param text    the script
   * @param defined the names {@code #ifdef} sees as defined
   * @throws ScriptException for text that is not the language, or a construct the runner cannot honour
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
        options.put(eq < 0 ? line.substring(2) : line.substring(2, eq), eq < 0 ? "" : line.substring(eq + 1).strip());
        continue;
      }
      int first = i;
      while (count(line, '`') % 2 == 1 && i + 1 < lines.length) {
        // A command in backquotes may run over several lines.
        line = line + "\n" + lines[++i];
      }
      if (line.contains("%{")) {
        // Code may run over several lines, up to "}%".
        StringBuilder b = new StringBuilder(line);
        while (!b.toString().contains("}%") && i + 1 < lines.length) {
          b.append('\n').append(lines[++i]);
        }
        line = b.toString();
      }
      if (line.startsWith("`") && events.isEmpty()) {
        // packetdrill's init command: a command before the first event, without a time, run first.
        LineCursor c = new LineCursor(line, first + 1);
        c.expect("`");
        String command = c.until("`");
        if (!c.atEnd()) throw c.error("text after a command");
        events.add(new Event.Command(new EventTime(EventTime.Kind.ABSOLUTE, 0, 0), first + 1, line, command.strip()));
        continue;
      }
      events.add(event(new LineCursor(line, first + 1)));
    }
    return new Script(name, options, List.copyOf(events));
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
      return new Event.Packet(time, line, text, packet(c));
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
    if (time.kind() == EventTime.Kind.ABSOLUTE && c.accept("...")) {
      // A blocking system call: "start...end".
      EventTime end = c.accept("+") ? new EventTime(EventTime.Kind.RELATIVE, c.seconds(), 0) : absolute(c.seconds());
      end = new EventTime(end.kind(), end.startMicros(), end.startMicros());
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

  // ---- Packets ----

  static ScriptPacket packet(LineCursor c) {
    boolean inbound = c.accept("<");
    if (!inbound) c.expect(">");
    ScriptPacket.Ecn ecn = null;
    if (c.accept("[")) {
      String word = c.word();
      ecn = null;
      for (ScriptPacket.Ecn e : ScriptPacket.Ecn.values()) if (e.word.equals(word)) ecn = e;
      if (ecn == null) throw c.error("unknown ECN codepoint '" + word + "'");
      c.expect("]");
    }
    ScriptPacket.IpField ipField = null;
    if (c.accept("(")) {
      String field = c.word();
      if (!Set.of("ttl", "tos", "hlim", "class").contains(field)) throw c.error("unknown IP field '" + field + "'");
      ipField = new ScriptPacket.IpField(field, (int) c.number());
      c.expect(")");
    }
    String flagText = c.run(TCP_FLAG_CHARS);
    if (flagText.isEmpty()) throw c.error("expected TCP flags");
    int flags = 0;
    for (char ch : flagText.toCharArray()) {
      flags |= switch (ch) {
        case 'F' -> TcpFlags.FIN;
        case 'S' -> TcpFlags.SYN;
        case 'R' -> TcpFlags.RST;
        case 'P' -> TcpFlags.PSH;
        case '.' -> TcpFlags.ACK;
        case 'E' -> TcpFlags.ECE;
        case 'W' -> TcpFlags.CWR;
        case 'U' -> TcpFlags.URG;
        default -> throw ScriptException.unsupported(c.line(), "TCP flag '" + ch + "'");
      };
    }
    boolean ignoreSeq = false;
    boolean absoluteSeq = false;
    long seq = 0;
    long end;
    if (c.accept("...")) {
      ignoreSeq = true;
      c.expect("(");
      end = c.number();
      c.expect(")");
    } else {
      seq = c.number();
      c.expect(":");
      end = c.number();
      c.expect("(");
      long length = c.number();
      c.expect(")");
      if (((end - seq) & 0xffffffffL) != length) throw c.error("the range " + seq + ":" + end + " is not " + length + " bytes long");
      end = length;
      absoluteSeq = c.accept("!");
    }
    int length = (int) end;
    if (length < 0 || length > 65535) throw c.error("bad payload length " + length);
    Long ack = null;
    Integer window = null;
    List<TcpOption> options = List.of();
    String udp = null;
    while (!c.atEnd()) {
      if (c.accept("ack")) {
        ack = c.number() & 0xffffffffL;
      } else if (c.accept("win")) {
        long w = c.number();
        if (w < 0 || w > 65535) throw c.error("window out of range: " + w);
        window = (int) w;
      } else if (c.accept("<")) {
        options = options(c);
      } else if (c.accept("/udp(")) {
        udp = c.until(")").strip();
      } else {
        throw c.error("unexpected text in a packet");
      }
    }
    if (inbound && window == null) throw ScriptException.syntax(c.line(), "an inbound packet needs a window");
    return new ScriptPacket(inbound, ecn, ipField, flags, seq & 0xffffffffL, length, absoluteSeq, ignoreSeq, ack, window, options, udp);
  }

  /** Parses the options after {@code <} up to {@code >}; returns null for {@code <...>}. */
  static List<TcpOption> options(LineCursor c) {
    if (c.accept("...")) {
      c.expect(">");
      return null;
    }
    List<TcpOption> list = new ArrayList<>();
    if (c.accept(">")) return list;
    do {
      list.add(option(c));
    } while (c.accept(","));
    c.expect(">");
    return list;
  }

  private static TcpOption option(LineCursor c) {
    String kind = c.word();
    return switch (kind) {
      case "nop" -> new TcpOption.NoOperation();
      case "eol" -> new TcpOption.EndOfOptionList();
      case "mss" -> new TcpOption.MaximumSegmentSize((int) bounded(c, 0xffff));
      case "wscale" -> new TcpOption.WindowScale((int) bounded(c, 0xff));
      case "sackOK" -> new TcpOption.SackPermitted();
      case "TS" -> {
        c.expect("val");
        long val = bounded(c, 0xffffffffL);
        c.expect("ecr");
        long ecr = bounded(c, 0xffffffffL);
        yield new TcpOption.Timestamps((int) val, (int) ecr);
      }
      case "sack" -> {
        List<SackBlock> blocks = new ArrayList<>();
        while (c.atNumber()) {
          long left = bounded(c, 0xffffffffL);
          c.expect(":");
          long right = bounded(c, 0xffffffffL);
          blocks.add(new SackBlock((int) left, (int) right));
        }
        if (blocks.isEmpty() || blocks.size() > 4) throw c.error("a sack option holds 1 to 4 blocks");
        yield new TcpOption.Sack(blocks);
      }
      case "md5" -> throw ScriptException.unsupported(c.line(), "TCP-MD5 signature option (RFC 2385)");
      default -> throw ScriptException.unsupported(c.line(), "TCP option '" + kind + "'");
    };
  }

  private static long bounded(LineCursor c, long max) {
    long v = c.number();
    if (v < 0 || v > max) throw c.error("value out of range 0.." + max + ": " + v);
    return v;
  }

  // ---- System calls ----

  private static Event.Syscall syscall(LineCursor c, EventTime time, int line, String text, EventTime end) {
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
    Expr result = expr(c);
    String errno = null;
    if (c.atWord()) errno = c.word();
    if (c.accept("(")) c.until(")"); // "(Operation now in progress)", "(flags O_RDWR)": a note for the reader
    if (!c.atEnd()) throw c.error("unexpected text after a system call");
    return new Event.Syscall(time, line, text, name, List.copyOf(args), result, errno, end);
  }

  static Expr expr(LineCursor c) {
    List<Expr> terms = new ArrayList<>();
    terms.add(term(c));
    while (c.accept("|")) terms.add(term(c));
    return terms.size() == 1 ? terms.getFirst() : new Expr.Or(List.copyOf(terms));
  }

  private static Expr term(LineCursor c) {
    if (c.accept("...")) return new Expr.Ellipsis();
    if (c.atNumber()) return new Expr.Num(c.number());
    if (c.atWord()) return new Expr.Sym(c.word());
    if (c.accept("\"")) return new Expr.Str(c.until("\""));
    if (c.accept("[")) {
      List<Expr> elements = new ArrayList<>();
      if (!c.accept("]")) {
        do {
          elements.add(expr(c));
        } while (c.accept(","));
        c.expect("]");
      }
      return new Expr.Array(List.copyOf(elements));
    }
    if (c.accept("{")) {
      Map<String, Expr> fields = new LinkedHashMap<>();
      if (!c.accept("}")) {
        do {
          String field = c.word();
          c.expect("=");
          fields.put(field, expr(c));
        } while (c.accept(","));
        c.expect("}");
      }
      return new Expr.Struct(fields);
    }
    throw c.error("expected a value");
  }

  // ---- Comments ----

  /** Blanks out {@code //} and {@code /* *}{@code /} comments, outside backquotes, strings and code. */
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
