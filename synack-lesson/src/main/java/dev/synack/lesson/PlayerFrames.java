package dev.synack.lesson;

import dev.synack.lesson.LadderModel.Arrow;
import dev.synack.lesson.LadderModel.StateStep;
import dev.synack.lesson.LadderModel.Step;

/**
 * The frames of the page's player as JSON: one per arrow, in order, with the step it is and the
 * state of every column at that moment, {@code [{"s":3,"st":["SYN_SENT","LISTEN"]}, ...]}.
 */
final class PlayerFrames {
  private PlayerFrames() {}

  static String json(LadderModel model) {
    int columns = model.hosts().size();
    String[] states = new String[columns];
    for (int c = 0; c < columns; c++) states[c] = "";
    boolean[] seen = new boolean[columns];
    for (Step s : model.steps()) {
      if (s instanceof StateStep st && !seen[st.column()]) {
        seen[st.column()] = true;
        states[st.column()] = st.from();
      }
    }
    java.util.Map<Integer, Integer> folds = SequenceSvg.folds(model);
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < model.steps().size(); i++) {
      Step s = model.steps().get(i);
      if (s instanceof StateStep st) states[st.column()] = st.to();
      if (!(s instanceof Arrow)) continue;
      if (folds.containsKey(i) && folds.get(i) != i) continue; // a folded run plays as one frame
      if (b.length() > 1) b.append(',');
      b.append("{\"s\":").append(i).append(",\"st\":[");
      for (int c = 0; c < columns; c++)
        b.append(c == 0 ? "" : ",").append('"').append(states[c]).append('"');
      b.append("]}");
    }
    return b.append(']').toString();
  }
}
