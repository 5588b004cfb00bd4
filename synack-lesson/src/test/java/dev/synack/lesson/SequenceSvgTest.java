package dev.synack.lesson;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.demo.DemoOptions;
import dev.synack.demo.DemoRunner;
import dev.synack.demo.Scenario;
import dev.synack.trace.TraceEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The SVG ladder keeps every text readable: however many segments are in flight, no label, state,
 * timer, note or drop reason overlaps another. Boxes are estimated from the page's 12 px monospace
 * font (about 7.2 px a character), which is what the page asks the browser for.
 */
class SequenceSvgTest {
  private static final Pattern TEXT =
      Pattern.compile(
          "<text class=\"([a-z ]+)\" x=\"([-0-9.]+)\" y=\"([-0-9.]+)\"(?: text-anchor=\"([a-z]+)\")?[^>]*>(.*?)</text>");
  private static final double CHAR_WIDTH = 7.3;

  /** A text's estimated box, for the overlap check. */
  record Box(String text, double left, double top, double right, double bottom) {
    boolean overlaps(Box o) {
      return left < o.right && o.left < right && top < o.bottom && o.top < bottom;
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(
      value = Scenario.class,
      names = {"CONNECTION", "OLD_DUPLICATE_SYN", "LOST_FINAL_ACK", "SIMULTANEOUS_CLOSE"})
  void scenario_noTwoTextsOverlap(Scenario scenario) {
    assertNoOverlap(DemoRunner.run(scenario, DemoOptions.defaults(), null).events());
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(
      value = Scenario.class,
      names = {"TRANSFER"})
  void lossyTransfer_manySegmentsInFlight_noTwoTextsOverlap(Scenario scenario) {
    DemoOptions lossy = new DemoOptions(0.05, 10, 0.02, 0.01, 3, 30_000);
    assertNoOverlap(DemoRunner.run(scenario, lossy, null).events());
  }

  @org.junit.jupiter.api.Test
  void longTransfer_runsOfLikeSegmentsFolded_withACountThatAddsUp() {
    DemoOptions clean = new DemoOptions(0, 10, 0, 0, 1, 200_000);
    List<TraceEvent> events =
        DemoRunner.run(Scenario.TRANSFER, clean, null).events().stream()
            .filter(e -> !e.host().equals("net"))
            .toList();
    LadderModel model = LadderModel.of(events, List.of("client", "server"));
    long arrows = model.steps().stream().filter(s -> s instanceof LadderModel.Arrow).count();
    String svg = SequenceSvg.render(model, true);
    long drawn = count(svg, "<g class=\"seg ");
    Matcher m = Pattern.compile("⋯ (\\d+) more segments like these").matcher(svg);
    long folded = 0;
    int runs = 0;
    while (m.find()) {
      folded += Long.parseLong(m.group(1));
      runs++;
    }
    assertTrue(
        runs >= 2 && folded > arrows / 4, runs + " runs, " + folded + " of " + arrows + " folded");
    assertEquals(arrows, drawn + folded, "every segment is drawn or counted in a fold");
    assertNoOverlap(events);
  }

  private static long count(String text, String needle) {
    long n = 0;
    for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) n++;
    return n;
  }

  private static void assertNoOverlap(List<TraceEvent> events) {
    List<TraceEvent> hostsOnly = events.stream().filter(e -> !e.host().equals("net")).toList();
    String svg = SequenceSvg.render(LadderModel.of(hostsOnly, List.of("client", "server")), false);
    List<Box> boxes = boxes(svg);
    assertTrue(boxes.size() > 10, "texts found: " + boxes.size());
    for (int i = 0; i < boxes.size(); i++) {
      for (int j = i + 1; j < boxes.size(); j++) {
        Box a = boxes.get(i);
        Box b = boxes.get(j);
        assertTrue(!a.overlaps(b), () -> "overlap:\n  " + a + "\n  " + b);
      }
    }
    assertEquals(-1, svg.indexOf("rotate("), "labels are level");
  }

  private static List<Box> boxes(String svg) {
    List<Box> boxes = new ArrayList<>();
    Matcher m = TEXT.matcher(svg);
    while (m.find()) {
      String text = m.group(5).replaceAll("<title>.*?</title>", "").replaceAll("&[a-z#0-9]+;", "&");
      double x = Double.parseDouble(m.group(2));
      double y = Double.parseDouble(m.group(3));
      boolean cross = m.group(1).equals("cross");
      double width = cross ? 10 : text.length() * CHAR_WIDTH;
      String anchor = cross ? "middle" : m.group(4) == null ? "start" : m.group(4);
      double left =
          switch (anchor) {
            case "end" -> x - width;
            case "middle" -> x - width / 2;
            default -> x;
          };
      boxes.add(new Box(text, left, y - (cross ? 12 : 10), left + width, y + (cross ? 4 : 3)));
    }
    return boxes;
  }
}
