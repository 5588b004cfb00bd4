package dev.synack.lesson;

import dev.synack.lesson.LadderModel.Arrival;
import dev.synack.lesson.LadderModel.Arrow;
import dev.synack.lesson.LadderModel.Fate;
import dev.synack.lesson.LadderModel.NoteStep;
import dev.synack.lesson.LadderModel.StateStep;
import dev.synack.lesson.LadderModel.Step;
import dev.synack.lesson.LadderModel.TimerAction;
import dev.synack.lesson.LadderModel.TimerStep;
import dev.synack.trace.TraceEvent;
import dev.synack.wire.TcpFlags;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A trace drawn as a terminal ladder diagram, the way the handshake is drawn on a whiteboard: a
 * lifeline per host, an arrow per segment, state names beside the lifelines, relative time on the
 * left.
 *
 * <pre>
 *              client                                                         server
 *              CLOSED │                                                     │ LISTEN
 * +0.000s    SYN_SENT │───── SYN seq=100 win=64240 [mss 1460,sackOK,wscale 7] ─────▶│
 * +0.050s             │                                                     │ SYN_RECEIVED
 * +0.050s             │◀─────── SYN,ACK seq=300 ack=101 win=65160 [mss 1460] ───────│
 * </pre>
 *
 * <p>A state change right before a send of the same host is written on the arrow's row; the
 * receiver's state changes get rows of their own, at the time they happen. A segment that was lost
 * or dropped stops half-way at a cross, with the reason.
 */
public final class Ladder {
  private Ladder() {}

  /**
   * How to draw.
   *
   * @param ascii draw with ASCII only ({@code |}, {@code ->}, {@code x}) rather than box-drawing
   *     characters
   * @param width the width to fill, in columns; the diagram grows when the labels need more
   * @param showTimers whether timers set (with how long until they fire), restarted and fired are
   *     shown
   * @param relativeSeq whether sequence and acknowledgment numbers are relative to each direction's
   *     ISN
   * @param collapse a run of more than this many plain data or ACK rows shows this many, a count of
   *     the hidden ones and its last row; 0 shows every row
   * @param hosts hosts to put first, left to right; the others follow in order of appearance
   * @param lang the language of notes, timers, drop reasons and markers: {@code en} or {@code zh}
   */
  public record Options(
      boolean ascii,
      int width,
      boolean showTimers,
      boolean relativeSeq,
      int collapse,
      List<String> hosts,
      String lang) {
    public Options {
      if (width < 40 || width > 1000)
        throw new IllegalArgumentException("width must be 40 to 1000: " + width);
      if (collapse < 0)
        throw new IllegalArgumentException("collapse must not be negative: " + collapse);
      if (!"en".equals(lang) && !"zh".equals(lang))
        throw new IllegalArgumentException("language must be en or zh: " + lang);
      hosts = List.copyOf(hosts);
    }

    /**
     * Returns the defaults: unicode, 100 columns, no timers, absolute numbers, runs collapsed after
     * 6 rows, English.
     */
    public static Options defaults() {
      return new Options(false, 100, false, false, 6, List.of(), "en");
    }

    /**
     * Returns these options with notes, timers, drop reasons and markers in {@code lang}, {@code
     * en} or {@code zh}.
     */
    public Options withLang(String lang) {
      return new Options(ascii, width, showTimers, relativeSeq, collapse, hosts, lang);
    }

    /** Returns these options drawing with ASCII only, or not. */
    public Options withAscii(boolean ascii) {
      return new Options(ascii, width, showTimers, relativeSeq, collapse, hosts, lang);
    }

    /** Returns these options with another width. */
    public Options withWidth(int width) {
      return new Options(ascii, width, showTimers, relativeSeq, collapse, hosts, lang);
    }

    /** Returns these options showing timers, or not. */
    public Options withTimers(boolean showTimers) {
      return new Options(ascii, width, showTimers, relativeSeq, collapse, hosts, lang);
    }

    /** Returns these options with relative sequence numbers, or absolute ones. */
    public Options withRelativeSeq(boolean relativeSeq) {
      return new Options(ascii, width, showTimers, relativeSeq, collapse, hosts, lang);
    }

    /**
     * Returns these options collapsing runs longer than {@code collapse} rows; 0 never collapses.
     */
    public Options withCollapse(int collapse) {
      return new Options(ascii, width, showTimers, relativeSeq, collapse, hosts, lang);
    }

    /** Returns these options with the given hosts first, left to right. */
    public Options withHosts(List<String> hosts) {
      return new Options(ascii, width, showTimers, relativeSeq, collapse, hosts, lang);
    }
  }

  /** Returns the diagram of a trace with the default options. */
  public static String render(List<TraceEvent> events) {
    return render(events, Options.defaults());
  }

  /** Returns the diagram of a trace, lines ending in {@code \n}; empty when nothing is drawable. */
  public static String render(List<TraceEvent> events, Options options) {
    LadderModel model = LadderModel.of(events, options.hosts());
    if (model.steps().isEmpty()) return "";
    List<Row> rows =
        collapse(
            rows(model, options), options.collapse(), Glyphs.of(options.ascii()), options.lang());
    return new Canvas(model, rows, options).draw();
  }

  /** One line of the diagram below the header. */
  static final class Row {
    final long time;

    /** The state name written beside each column's lifeline, or null. */
    final String[] labels;

    /** The segment drawn across, or null. */
    Arrow arrow;

    Label arrowLabel;

    /** The column a note or timer is written beside, or -1. */
    int noteColumn = -1;

    String note;

    /** The count of collapsed rows, or null. */
    String summary;

    /** Why the arrow stops short, in the diagram's language, or null. */
    String why;

    Row(long time, int columns) {
      this.time = time;
      this.labels = new String[columns];
    }

    boolean isEmptyMiddle() {
      return arrow == null && note == null && summary == null;
    }

    /** Returns whether the row is ordinary data or ACK, the kind a long transfer repeats. */
    boolean isPlain() {
      return arrow != null
          && Arrays.stream(labels).allMatch(l -> l == null)
          && !arrow.retransmit()
          && !arrow.stopsShort()
          && (arrow.segment().flags() & (TcpFlags.SYN | TcpFlags.FIN | TcpFlags.RST)) == 0;
    }
  }

  private static List<Row> rows(LadderModel model, Options options) {
    int columns = model.hosts().size();
    LadderModel.Labeler labeler = new LadderModel.Labeler(options.relativeSeq());
    List<Step> steps = model.steps().stream().filter(s -> shown(s, options)).toList();
    List<Row> rows = new ArrayList<>();
    String[] pending = new String[columns];
    String lang = options.lang();
    boolean zhText = lang.equals("zh");
    for (int i = 0; i < steps.size(); i++) {
      switch (steps.get(i)) {
        case StateStep s -> {
          Step next = i + 1 < steps.size() ? steps.get(i + 1) : null;
          Row last = rows.isEmpty() ? null : rows.getLast();
          if (next instanceof Arrow a
              && a.sent()
              && a.from() == s.column()
              && a.time() == s.time()) {
            pending[s.column()] = s.to(); // the sender's new state, on the row of what it sends
          } else if (last != null
              && last.time == s.time()
              && last.noteColumn == s.column()
              && last.arrow == null
              && last.labels[s.column()] == null) {
            last.labels[s.column()] = s.to(); // beside the timer that caused it
          } else {
            Row row = new Row(s.time(), columns);
            row.labels[s.column()] = s.to();
            rows.add(row);
          }
        }
        case Arrow a -> {
          Row row = new Row(a.time(), columns);
          System.arraycopy(pending, 0, row.labels, 0, columns);
          Arrays.fill(pending, null);
          String marker =
              a.retransmit()
                  ? marker("retransmit", lang)
                  : model.unsent(a) ? marker("not sent", lang) : "";
          row.arrowLabel =
              new Label(
                  labeler.label(a),
                  marker,
                  a.segment().options(),
                  a.retransmit() ? marker("rtx", lang) : marker);
          if (a.stopsShort()) {
            String why = a.fate() == Fate.LOST ? "lost" : a.reason() == null ? "dropped" : null;
            String zh = why == null && zhText ? NarrationText.reasonZh(a.reason()) : null;
            row.why =
                why != null ? NarrationText.ladderWord(why, lang) : zh != null ? zh : a.reason();
          }
          if (a.from() == a.to()) {
            row.noteColumn = a.from();
            row.note =
                NarrationText.ladderWord("to itself", lang)
                    + (zhText ? "：" : ": ")
                    + row.arrowLabel.full();
          } else {
            row.arrow = a;
          }
          rows.add(row);
        }
        case TimerStep t ->
            note(
                rows,
                t.time(),
                t.column(),
                zhText ? NarrationText.timerZh(t) : timerText(t),
                columns);
        case NoteStep n ->
            note(
                rows,
                n.time(),
                n.column(),
                zhText ? NarrationText.noteZh(n.text()) : n.text(),
                columns);
        case Arrival a -> throw new AssertionError(a); // filtered out
      }
    }
    return rows;
  }

  private static boolean shown(Step s, Options options) {
    return switch (s) {
      case Arrival a -> false;
      case TimerStep t -> options.showTimers() && t.action() != TimerAction.CANCELLED;
      default -> true;
    };
  }

  /** Writes a note on the host's row just above when it has nothing across, else on a new row. */
  private static void note(List<Row> rows, long time, int column, String text, int columns) {
    Row last = rows.isEmpty() ? null : rows.getLast();
    if (last == null || last.time != time || !last.isEmptyMiddle() || last.labels[column] == null) {
      last = new Row(time, columns);
      rows.add(last);
    }
    last.noteColumn = column;
    last.note = text;
  }

  static String timerText(TimerStep t) {
    String after = t.firesAfter() >= 0 ? ", fires after " + seconds(t.firesAfter(), 3) : "";
    return switch (t.action()) {
      case SET -> "timer " + t.timer() + " set" + after;
      case RESTARTED -> "timer " + t.timer() + " restarted" + after;
      case FIRED -> "timer " + t.timer() + " fired";
      case CANCELLED -> "timer " + t.timer() + " cancelled";
    };
  }

  /** Returns a marker written after an arrow's fields, {@code (retransmit)}, in {@code lang}. */
  private static String marker(String word, String lang) {
    return " (" + NarrationText.ladderWord(word, lang) + ")";
  }

  /**
   * An arrow's label in parts, so that it can be shortened without losing the marker.
   *
   * @param tag the marker shortened, written when the label is short of room
   */
  record Label(String fields, String marker, String options, String tag) {
    /** A label in English, whose tag is {@code (rtx)} for a retransmission. */
    Label(String fields, String marker, String options) {
      this(fields, marker, options, marker.equals(" (retransmit)") ? " (rtx)" : marker);
    }

    String full() {
      return fields + marker + (options.isEmpty() ? "" : " [" + options + "]");
    }

    /**
     * Returns the label in at most {@code max} characters: options go first, then the window, then
     * the tail of the fields.
     */
    String fit(int max, String ellipsis) {
      String full = full();
      if (width(full) <= max) return full;
      String bare = fields + marker;
      int room = max - width(bare) - 3 - ellipsis.length();
      if (room >= 3) return bare + " [" + options.substring(0, room) + ellipsis + "]";
      if (width(bare) <= max) return bare;
      String noWindow = fields.replaceFirst(" win=\\d+", "");
      if (noWindow.length() + width(marker) <= max) return noWindow + marker;
      if (noWindow.length() + width(tag) <= max) return noWindow + tag;
      int keep = max - width(tag) - ellipsis.length();
      return keep <= 0 ? "" : noWindow.substring(0, keep) + ellipsis + tag;
    }
  }

  private static List<Row> collapse(List<Row> rows, int keep, Glyphs g, String lang) {
    if (keep == 0) return rows;
    List<Row> out = new ArrayList<>(rows.size());
    int i = 0;
    while (i < rows.size()) {
      int end = i;
      while (end < rows.size() && rows.get(end).isPlain()) end++;
      int run = end - i;
      if (run > keep + 2) {
        out.addAll(rows.subList(i, i + keep));
        long bytes = 0;
        for (Row r : rows.subList(i + keep, end - 1)) bytes += r.arrow.segment().len();
        Row summary = new Row(rows.get(i + keep).time, rows.get(i).labels.length);
        boolean zh = lang.equals("zh");
        summary.summary =
            g.ellipsis
                + (zh ? " 还有 " : " ")
                + (run - keep - 1)
                + " "
                + NarrationText.ladderWord("more segments", lang)
                + (bytes > 0
                    ? (zh ? "，共 " : ", ")
                        + bytes
                        + " "
                        + NarrationText.ladderWord("bytes of data", lang)
                        + " "
                    : " ")
                + g.ellipsis;
        out.add(summary);
        out.add(rows.get(end - 1));
        i = end;
      } else if (run > 0) {
        out.addAll(rows.subList(i, end));
        i = end;
      } else {
        out.add(rows.get(i++));
      }
    }
    return out;
  }

  /**
   * Returns how many terminal columns {@code text} takes: two for each East Asian wide character
   * (Unicode UAX #11: CJK ideographs, kana, Hangul, full-width forms), one for any other.
   */
  static int width(String text) {
    int w = 0;
    for (int i = 0; i < text.length(); i++) w += wide(text.charAt(i)) ? 2 : 1;
    return w;
  }

  private static boolean wide(char c) {
    return (c >= 0x1100 && c <= 0x115f)
        || (c >= 0x2e80 && c <= 0xa4cf)
        || (c >= 0xac00 && c <= 0xd7a3)
        || (c >= 0xf900 && c <= 0xfaff)
        || (c >= 0xfe30 && c <= 0xfe4f)
        || (c >= 0xff00 && c <= 0xff60)
        || (c >= 0xffe0 && c <= 0xffe6);
  }

  /** Returns {@code +1.234s}-style time with the given number of decimals. */
  static String seconds(long nanos, int decimals) {
    long unit = decimals == 6 ? 1_000L : 1_000_000L;
    long scale = decimals == 6 ? 1_000_000L : 1_000L;
    long units = Math.round((double) Math.abs(nanos) / unit);
    String frac = Long.toString(units % scale);
    return (nanos < 0 ? "-" : "")
        + units / scale
        + "."
        + "0".repeat(decimals - frac.length())
        + frac
        + "s";
  }

  /** The characters the diagram is drawn with. */
  private record Glyphs(char line, char dash, char right, char left, char cross, String ellipsis) {
    static Glyphs of(boolean ascii) {
      return ascii
          ? new Glyphs('|', '-', '>', '<', 'x', "...")
          : new Glyphs('│', '─', '▶', '◀', '✗', "…");
    }
  }

  /** Lays rows out on a grid of characters. */
  private static final class Canvas {
    private static final int MIN_GAP = 24;

    /** The second cell of a wide character. */
    private static final char FILLER = '\0';

    /** The hosts' names as the diagram's language calls them, left to right. */
    private final List<String> hosts;

    private final List<Row> rows;
    private final Glyphs g;
    private final String[] initial;
    private final int decimals;
    private final long origin;
    private final int[] x;
    private final int lineWidth;
    private final int margin;

    Canvas(LadderModel model, List<Row> rows, Options options) {
      this.hosts =
          model.hosts().stream().map(h -> NarrationText.host(h, options.lang()).strip()).toList();
      this.rows = rows;
      this.g = Glyphs.of(options.ascii());
      int n = hosts.size();
      initial = new String[n];
      for (Step s : model.steps()) {
        if (s instanceof StateStep st && initial[st.column()] == null)
          initial[st.column()] = st.from();
      }
      origin = model.steps().stream().mapToLong(Step::time).min().orElse(0);
      decimals = needsMicroseconds() ? 6 : 3;
      int timeWidth = 0;
      for (Row r : rows) timeWidth = Math.max(timeWidth, time(r).length());
      margin = timeWidth + 2;
      int left = gutter(0);
      int right = n > 1 ? gutter(n - 1) : 0;
      x = new int[n];
      x[0] = margin + left + 1;
      if (n > 1) {
        int last = Math.max(options.width() - right - 2, x[0] + MIN_GAP * (n - 1));
        for (int i = 1; i < n; i++) x[i] = x[0] + (last - x[0]) * i / (n - 1);
      }
      lineWidth = n > 1 ? x[n - 1] + 2 + right : Math.max(options.width(), x[0] + 2);
    }

    /** Returns whether two rows at different times would print the same time with milliseconds. */
    private boolean needsMicroseconds() {
      for (int i = 1; i < rows.size(); i++) {
        long a = rows.get(i - 1).time - origin;
        long b = rows.get(i).time - origin;
        if (a != b && seconds(a, 3).equals(seconds(b, 3))) return true;
      }
      return false;
    }

    private int gutter(int column) {
      int w =
          Math.max(
              width(hosts.get(column)), initial[column] == null ? 0 : initial[column].length());
      for (Row r : rows) if (r.labels[column] != null) w = Math.max(w, r.labels[column].length());
      return w;
    }

    String draw() {
      StringBuilder out = new StringBuilder();
      char[] line = blank();
      for (int c = 0; c < hosts.size(); c++) label(line, c, hosts.get(c));
      emit(out, line);
      if (Arrays.stream(initial).anyMatch(s -> s != null)) {
        line = withLifelines();
        for (int c = 0; c < hosts.size(); c++) if (initial[c] != null) label(line, c, initial[c]);
        emit(out, line);
      }
      for (Row r : rows) {
        line = withLifelines();
        String t = time(r);
        t.getChars(0, t.length(), line, margin - 2 - t.length());
        if (r.arrow != null) arrow(line, r.arrow, r.arrowLabel, r.why);
        if (r.note != null) note(line, r.noteColumn, r.note);
        if (r.summary != null) centre(line, x[0] + 1, x[x.length - 1] - 1, r.summary);
        for (int c = 0; c < hosts.size(); c++) if (r.labels[c] != null) label(line, c, r.labels[c]);
        emit(out, line);
      }
      return out.toString();
    }

    private String time(Row r) {
      return "+" + seconds(r.time - origin, decimals);
    }

    private char[] blank() {
      char[] line = new char[lineWidth];
      Arrays.fill(line, ' ');
      return line;
    }

    private char[] withLifelines() {
      char[] line = blank();
      for (int xi : x) line[xi] = g.line();
      return line;
    }

    /** Writes a state or host name: left of the first lifeline, right of the others. */
    private void label(char[] line, int column, String text) {
      if (column == 0) {
        put(line, x[0] - 1 - width(text), text, width(text));
      } else {
        int limit = column + 1 < x.length ? x[column + 1] - x[column] - 3 : lineWidth;
        put(line, x[column] + 2, text, limit);
      }
    }

    private void note(char[] line, int column, String text) {
      if (column == x.length - 1 && column > 0) {
        String t = fit(text, x[column] - x[0] - 3);
        put(line, x[column] - 1 - width(t), t, width(t));
      } else {
        int end = column + 1 < x.length ? x[x.length - 1] : lineWidth;
        put(line, x[column] + 2, fit(text, end - x[column] - 3), lineWidth);
      }
    }

    private void arrow(char[] line, Arrow a, Label label, String why) {
      int from = x[a.from()];
      int to = x[a.to()];
      boolean rightward = to > from;
      int lo = Math.min(from, to) + 1;
      int hi = Math.max(from, to) - 1; // cells lo..hi lie between the lifelines
      int span = hi - lo + 1;
      if (!a.stopsShort()) {
        Arrays.fill(line, lo, hi + 1, g.dash());
        line[rightward ? hi : lo] = rightward ? g.right() : g.left();
        int head = rightward ? 0 : 1;
        centre(line, lo + head, hi - 1 + head, " " + label.fit(span - 7, g.ellipsis()) + " ");
        return;
      }
      String reason = fit(why, span / 3);
      String shown = label.fit(span - width(reason) - 9, g.ellipsis());
      // The cross sits half-way, or further when the label needs the room.
      int shaft = Math.max(span / 2, width(shown) + 6);
      if (rightward) {
        Arrays.fill(line, lo, lo + shaft, g.dash());
        line[lo + shaft] = g.cross();
        centre(line, lo, lo + shaft - 1, " " + shown + " ");
        put(line, lo + shaft + 2, reason, width(reason));
      } else {
        Arrays.fill(line, hi - shaft + 1, hi + 1, g.dash());
        line[hi - shaft] = g.cross();
        centre(line, hi - shaft + 1, hi, " " + shown + " ");
        put(line, hi - shaft - 1 - width(reason), reason, width(reason));
      }
    }

    /** Writes text centred on cells {@code lo..hi}. */
    private static void centre(char[] line, int lo, int hi, String text) {
      int start = lo + Math.max(0, (hi - lo + 1 - width(text)) / 2);
      put(line, start, text, hi - start + 1);
    }

    /**
     * Writes text from cell {@code at}, at most {@code limit} cells of it; a wide character takes
     * two cells, the second holding {@link #FILLER}, which is not printed.
     */
    private static void put(char[] line, int at, String text, int limit) {
      int cell = 0;
      for (int i = 0; i < text.length(); i++) {
        char c = text.charAt(i);
        int w = wide(c) ? 2 : 1;
        if (cell + w > limit || at + cell + w > line.length) break;
        if (at + cell >= 0) line[at + cell] = c;
        if (w == 2 && at + cell + 1 >= 0) line[at + cell + 1] = FILLER;
        cell += w;
      }
    }

    /** Returns text cut to {@code max} columns, marked with an ellipsis. */
    private String fit(String text, int max) {
      if (width(text) <= max) return text;
      if (max <= g.ellipsis().length()) return "";
      StringBuilder b = new StringBuilder();
      int w = 0;
      for (int i = 0; i < text.length(); i++) {
        int cw = wide(text.charAt(i)) ? 2 : 1;
        if (w + cw > max - g.ellipsis().length()) break;
        b.append(text.charAt(i));
        w += cw;
      }
      return b + g.ellipsis();
    }

    private static void emit(StringBuilder out, char[] line) {
      int end = line.length;
      while (end > 0 && line[end - 1] == ' ') end--;
      for (int i = 0; i < end; i++) if (line[i] != FILLER) out.append(line[i]);
      out.append('\n');
    }
  }
}
