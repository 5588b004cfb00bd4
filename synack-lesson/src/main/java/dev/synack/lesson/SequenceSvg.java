package dev.synack.lesson;

import dev.synack.lesson.LadderModel.Arrival;
import dev.synack.lesson.LadderModel.Arrow;
import dev.synack.lesson.LadderModel.Fate;
import dev.synack.lesson.LadderModel.NoteStep;
import dev.synack.lesson.LadderModel.StateStep;
import dev.synack.lesson.LadderModel.Step;
import dev.synack.lesson.LadderModel.TimerAction;
import dev.synack.lesson.LadderModel.TimerStep;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The ladder as an SVG sequence diagram: lifelines, arrows slanted from the row of the send to the
 * row of the receipt, state labels, lost segments ending in a cross, and a tooltip ({@code
 * <title>}) with every field on each arrow. Each step of the model takes one row, so slants show
 * which segments were in flight together rather than the time scale; and each text is written on
 * the row of its step, so none overlaps another.
 */
final class SequenceSvg {
  private static final int ROW = 24;
  private static final int TOP = 72;
  private static final int LEFT = 200;
  private static final int GAP = 460;
  private static final int RIGHT = 180;

  private final LadderModel model;
  private final boolean relativeSeq;
  private final boolean timers;

  /** The page's language: the ladder's notes and timers are told in it. */
  private final String lang;

  /** The page's words in {@link #lang}. */
  private final Map<String, String> words;

  private final StringBuilder out = new StringBuilder();

  /** The row each step is drawn on. */
  private final IdentityHashMap<Step, Integer> rowOf = new IdentityHashMap<>();

  /** The row each arrow's receipt is drawn on. */
  private final IdentityHashMap<Arrow, Integer> arrivalRow = new IdentityHashMap<>();

  private final long origin;

  /** The index of the step being drawn. */
  private int step;

  private SequenceSvg(LadderModel model, boolean relativeSeq, boolean timers, String lang) {
    this.lang = lang;
    this.words = HtmlWords.of(lang);
    this.model = model;
    this.relativeSeq = relativeSeq;
    this.timers = timers;
    this.origin = model.steps().stream().mapToLong(Step::time).min().orElse(0);
  }

  /** Returns the {@code <svg>} element of a model, timers included. */
  static String render(LadderModel model, boolean relativeSeq) {
    return render(model, relativeSeq, true);
  }

  /**
   * Returns the {@code <svg>} element of a model. Each step's element carries {@code data-step},
   * its index in the model, and each arrow's label both numberings ({@code data-rel}, {@code
   * data-abs}), so that a page can tie sentences to arrows and switch numbers.
   *
   * @param relativeSeq whether labels show sequence numbers relative to each direction's ISN at
   *     first
   * @param timers whether timer events take rows
   */
  static String render(LadderModel model, boolean relativeSeq, boolean timers) {
    return render(model, relativeSeq, timers, "en");
  }

  /**
   * Returns the {@code <svg>} element of a model, its notes and timers in {@code lang} ({@code en}
   * or {@code zh}).
   */
  static String render(LadderModel model, boolean relativeSeq, boolean timers, String lang) {
    return new SequenceSvg(model, relativeSeq, timers, lang).draw();
  }

  private String draw() {
    List<Step> steps = model.steps();
    Set<Arrow> received = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Step s : steps) {
      if (s instanceof Arrival a) received.add(a.arrow());
    }
    Map<Integer, Integer> folds = folds(model);
    IdentityHashMap<Arrow, Integer> index = new IdentityHashMap<>();
    for (int i = 0; i < steps.size(); i++) {
      if (steps.get(i) instanceof Arrow a) index.put(a, i);
    }
    Set<Arrow> hidden = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Map.Entry<Integer, Integer> f : folds.entrySet()) {
      if (!f.getKey().equals(f.getValue())) hidden.add((Arrow) steps.get(f.getKey()));
    }
    int row = 0;
    for (int i = 0; i < steps.size(); i++) {
      Step s = steps.get(i);
      if (s instanceof TimerStep t && (t.action() == TimerAction.CANCELLED || !timers)) continue;
      if (s instanceof Arrival a
          && (hidden.contains(a.arrow()) || folds.containsKey(index.get(a.arrow())))) continue;
      if (s instanceof Arrow a && folds.containsKey(i)) {
        if (!hidden.contains(a)) rowOf.put(s, row++); // the run's marker
        continue;
      }
      rowOf.put(s, row++);
      if (s instanceof Arrival a) arrivalRow.put(a.arrow(), rowOf.get(s));
      // An arrow with no receipt of its own (lost, unobserved, or received but never sent) ends on
      // a row kept for it, so its head, cross or reason shares a row with nothing else.
      if (s instanceof Arrow a && !received.contains(a)) arrivalRow.put(a, row++);
    }
    int columns = model.hosts().size();
    int width = LEFT + GAP * Math.max(1, columns - 1) + RIGHT;
    int height = TOP + ROW * (row + 1) + 20;
    out.append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"ladder\" width=\"")
        .append(width)
        .append("\" height=\"")
        .append(height)
        .append("\" viewBox=\"0 0 ")
        .append(width)
        .append(' ')
        .append(height)
        .append("\" role=\"img\">\n")
        .append("<defs>");
    for (String kind : List.of("ok", "rtx", "unsent")) {
      out.append("<marker id=\"head-")
          .append(kind)
          .append("\" class=\"head ")
          .append(kind)
          .append(
              "\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"8\" markerHeight=\"8\"")
          .append(" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\"/></marker>");
    }
    out.append("</defs>\n");
    for (int c = 0; c < columns; c++) {
      int x = x(c);
      out.append("<text class=\"host\" x=\"")
          .append(x)
          .append("\" y=\"24\">")
          .append(HtmlReport.escape(name(c)))
          .append("</text>\n")
          .append("<line class=\"lifeline\" x1=\"")
          .append(x)
          .append("\" y1=\"34\" x2=\"")
          .append(x)
          .append("\" y2=\"")
          .append(height - 10)
          .append("\"/>\n");
      String first = firstState(c);
      if (first != null) {
        boolean left = c == 0;
        out.append("<text class=\"state first\" x=\"")
            .append(x + (left ? -8 : 8))
            .append("\" y=\"")
            .append(TOP - 16)
            .append("\" text-anchor=\"")
            .append(left ? "end" : "start")
            .append("\">")
            .append(first)
            .append("</text>\n");
      }
    }
    LadderModel.Labeler rel = new LadderModel.Labeler(true, true);
    LadderModel.Labeler abs = new LadderModel.Labeler(false, true);
    String lastTime = "";
    for (int i = 0; i < steps.size(); i++) {
      Step s = steps.get(i);
      Integer r = rowOf.get(s);
      if (r == null) continue;
      step = i;
      String time = "+" + Ladder.seconds(s.time() - origin, 3);
      if (!time.equals(lastTime)) {
        out.append("<text class=\"time\" x=\"8\" y=\"")
            .append(y(r) + 4)
            .append("\">")
            .append(time)
            .append("</text>\n");
        lastTime = time;
      }
      switch (s) {
        case Arrow a -> {
          if (folds.containsKey(step)) {
            fold(a, folded(folds, step), r);
          } else {
            arrow(a, rel.label(a), abs.label(a), r);
          }
        }
        case StateStep st -> label(st.column(), r, "state", st.to(), st.from() + " → " + st.to());
        case TimerStep t ->
            aside(
                t.column(),
                r,
                "timer",
                lang.equals("zh") ? NarrationText.timerZh(t) : Ladder.timerText(t));
        case NoteStep n ->
            aside(
                n.column(),
                r,
                "note",
                lang.equals("zh") ? NarrationText.noteZh(n.text()) : n.text());
        case Arrival a -> {}
      }
    }
    return out.append("</svg>\n").toString();
  }

  /**
   * Draws an arrow from its sender's lifeline at {@code row} to its receiver's at its arrival row.
   * The label is written level, just above the start of the arrow on the sender's side: every row
   * holds one step, so no label can overlap another or a state, timer or note, however many
   * segments are in flight; a halo keeps it readable where other arrows cross it.
   */
  private void arrow(Arrow a, String relFields, String absFields, int row) {
    String fields = relativeSeq ? relFields : absFields;
    double x1 = x(a.from());
    double x2 = x(a.to());
    double y1 = y(row);
    double y2 = y(arrivalRow.get(a));
    String kind =
        a.stopsShort() ? "lost" : a.retransmit() ? "rtx" : model.unsent(a) ? "unsent" : "ok";
    // A lost or dropped segment ends in a cross half-way across, on the row where it was dropped or
    // would have arrived.
    if (a.stopsShort()) x2 = (x1 + x2) / 2;
    boolean rightward = a.to() >= a.from();
    String flags = LadderModel.flagNames(a.segment().flags());
    out.append("<g class=\"seg ")
        .append(kind)
        .append("\" data-step=\"")
        .append(step)
        .append("\" data-flags=\"")
        .append(flags)
        .append("\">")
        .append("<title>")
        .append(HtmlReport.escape(tooltip(a, fields, absFields)))
        .append("</title>")
        .append("<line x1=\"")
        .append(num(x1))
        .append("\" y1=\"")
        .append(num(y1))
        .append("\" x2=\"")
        .append(num(x2))
        .append("\" y2=\"")
        .append(num(y2))
        .append('"')
        .append(a.stopsShort() ? "" : " marker-end=\"url(#head-" + kind + ")\"")
        .append("/>");
    String mark = a.retransmit() ? words.get("rtxmark") : "";
    out.append("<text class=\"label\" x=\"")
        .append(num(x1 + (rightward ? 10 : -10)))
        .append("\" y=\"")
        .append(num(y1 - 4))
        .append("\" text-anchor=\"")
        .append(rightward ? "start" : "end")
        .append("\" data-rel=\"")
        .append(HtmlReport.escape(relFields + mark))
        .append("\" data-abs=\"")
        .append(HtmlReport.escape(absFields + mark))
        .append("\">")
        .append(HtmlReport.escape(fields + mark))
        .append("</text>");
    if (a.stopsShort()) {
      String why =
          a.fate() == Fate.LOST
              ? words.get("lostwhy")
              : a.reason() == null ? words.get("droppedwhy") : reason(a.reason());
      out.append("<text class=\"cross\" x=\"")
          .append(num(x2))
          .append("\" y=\"")
          .append(num(y2 + 5))
          .append("\">✗</text>")
          .append("<text class=\"why\" x=\"")
          .append(num(x2 + (rightward ? 12 : -12)))
          .append("\" y=\"")
          .append(num(y2 + 4))
          .append("\" text-anchor=\"")
          .append(rightward ? "start" : "end")
          .append("\">")
          .append(HtmlReport.escape(why))
          .append("</text>");
    }
    out.append("</g>\n");
  }

  private String tooltip(Arrow a, String fields, String absFields) {
    StringBuilder t = new StringBuilder();
    t.append(name(a.from()))
        .append(" → ")
        .append(name(a.to()))
        .append('\n')
        .append(fields)
        .append(" len=")
        .append(a.segment().len())
        .append('\n');
    if (!fields.equals(absFields)) t.append(words.get("tipabs")).append(absFields).append('\n');
    t.append(words.get("tipwin")).append(a.segment().win()).append('\n');
    if (!a.segment().options().isEmpty())
      t.append(words.get("tipoptions")).append(a.segment().options()).append('\n');
    t.append(words.get("tipconn")).append(a.conn()).append('\n');
    if (a.sent()) t.append(words.get("tipsent")).append(Ladder.seconds(a.sendTime() - origin, 6));
    if (a.endTime() >= 0) {
      t.append(a.sent() ? ", " : "")
          .append(words.get(a.fate() == Fate.DROPPED ? "tipdropped" : "tipreceived"))
          .append(Ladder.seconds(a.endTime() - origin, 6));
    }
    if (a.retransmit()) t.append('\n').append(words.get("rtx"));
    if (a.fate() == Fate.LOST) t.append('\n').append(words.get("tiplost"));
    if (a.reason() != null)
      t.append('\n').append(words.get("tipreason")).append(reason(a.reason()));
    if (model.unsent(a))
      t.append('\n').append(words.get("tipunsent").replace("{h}", name(a.from())));
    return t.toString();
  }

  /** Returns the name of the host in {@code column} as the page's language calls it. */
  private String name(int column) {
    return NarrationText.host(model.hosts().get(column), lang).strip();
  }

  /**
   * Returns a drop reason in the page's language, or as the engine gave it when it has no
   * translation.
   */
  private String reason(String reason) {
    String zh = lang.equals("zh") ? NarrationText.reasonZh(reason) : null;
    return zh == null ? reason : zh;
  }

  /** Writes a label beside a lifeline: left of the first, right of the others. */
  private void label(int column, int row, String cls, String text, String title) {
    boolean left = column == 0;
    int x = x(column) + (left ? -8 : 8);
    out.append("<text class=\"")
        .append(cls)
        .append("\" x=\"")
        .append(x)
        .append("\" y=\"")
        .append(y(row) + 4)
        .append("\" text-anchor=\"")
        .append(left ? "end" : "start")
        .append("\" data-step=\"")
        .append(step)
        .append("\"><title>")
        .append(HtmlReport.escape(title))
        .append("</title>")
        .append(HtmlReport.escape(text))
        .append("</text>\n");
  }

  /** Writes a timer or note inside the diagram: right of a lifeline, or left of the last one. */
  private void aside(int column, int row, String cls, String text) {
    boolean last = column == model.hosts().size() - 1 && column > 0;
    out.append("<text class=\"")
        .append(cls)
        .append("\" x=\"")
        .append(x(column) + (last ? -8 : 8))
        .append("\" y=\"")
        .append(y(row) + 4)
        .append("\" text-anchor=\"")
        .append(last ? "end" : "start")
        .append("\" data-step=\"")
        .append(step)
        .append("\">")
        .append(HtmlReport.escape(text))
        .append("</text>\n");
  }

  /** The shortest run of like segments that is folded. */
  private static final int FOLD_RUN = 6;

  /**
   * Returns the runs of like data segments folded to keep a long ladder readable: a run is at least
   * {@value #FOLD_RUN} arrows in a row of the steps (their receipts aside), from one sender, with
   * the same flags and length, delivered and sent once; its first two and its last stay drawn, the
   * others become one line with their count. Maps each folded arrow's step to the step of the run's
   * first folded arrow, where that line is drawn.
   */
  static Map<Integer, Integer> folds(LadderModel model) {
    List<Step> steps = model.steps();
    Map<Integer, Integer> folds = new HashMap<>();
    List<Integer> run = new ArrayList<>();
    for (int i = 0; i <= steps.size(); i++) {
      Step s = i < steps.size() ? steps.get(i) : null;
      if (s instanceof Arrival || s instanceof TimerStep) continue;
      if (s instanceof Arrow a
          && foldable(a)
          && (run.isEmpty() || alike((Arrow) steps.get(run.getFirst()), a))) {
        run.add(i);
        continue;
      }
      if (run.size() >= FOLD_RUN) {
        for (int k = 2; k < run.size() - 1; k++) folds.put(run.get(k), run.get(2));
      }
      run.clear();
      if (s instanceof Arrow a && foldable(a)) run.add(i);
    }
    return folds;
  }

  private static boolean foldable(Arrow a) {
    return a.sent() && !a.retransmit() && a.fate() == Fate.DELIVERED && a.segment().len() > 0;
  }

  private static boolean alike(Arrow a, Arrow b) {
    return a.from() == b.from()
        && a.conn().equals(b.conn())
        && a.segment().flags() == b.segment().flags()
        && a.segment().len() == b.segment().len();
  }

  private static int folded(Map<Integer, Integer> folds, int marker) {
    int n = 0;
    for (int v : folds.values()) if (v == marker) n++;
    return n;
  }

  /** Draws the line that stands for a folded run: its count, on the sender's side. */
  private void fold(Arrow first, int count, int row) {
    String text =
        lang.equals("zh")
            ? "⋯ 还有 " + count + " 个同样的报文段（" + first.segment().len() + " 字节）"
            : "⋯ " + count + " more segments like these (" + first.segment().len() + " bytes each)";
    boolean rightward = first.to() >= first.from();
    out.append("<text class=\"fold\" x=\"")
        .append(x(first.from()) + (rightward ? 10 : -10))
        .append("\" y=\"")
        .append(y(row) + 4)
        .append("\" text-anchor=\"")
        .append(rightward ? "start" : "end")
        .append("\" data-step=\"")
        .append(step)
        .append("\">")
        .append(HtmlReport.escape(text))
        .append("</text>\n");
  }

  /**
   * Returns the state a column starts in (the first change's {@code from}: CLOSED, LISTEN), or
   * null.
   */
  private String firstState(int column) {
    for (Step s : model.steps()) {
      if (s instanceof StateStep st && st.column() == column) return st.from();
    }
    return null;
  }

  private static int x(int column) {
    return LEFT + GAP * column;
  }

  private static int y(int row) {
    return TOP + ROW * row;
  }

  /** Returns a coordinate with at most one decimal, the same in every locale. */
  static String num(double v) {
    long tenths = Math.round(v * 10);
    String sign = tenths < 0 ? "-" : "";
    tenths = Math.abs(tenths);
    return sign + tenths / 10 + (tenths % 10 == 0 ? "" : "." + tenths % 10);
  }
}
