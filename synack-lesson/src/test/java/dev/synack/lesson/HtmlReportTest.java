package dev.synack.lesson;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.trace.TraceEvent;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class HtmlReportTest {
  private static final Pattern TAG = Pattern.compile("<(/?)([a-zA-Z][a-zA-Z0-9-]*)([^>]*?)(/?)>");
  private static final Set<String> VOID = Set.of("meta", "br", "hr", "img", "input", "link");

  private static int count(String text, String needle) {
    int n = 0;
    for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) n++;
    return n;
  }

  /** Checks that every element is closed in order, as XML would require. */
  private static void assertWellFormed(String html) {
    Deque<String> open = new ArrayDeque<>();
    // The page's one inline script is code, not markup: its text is left out of the markup checks.
    String body =
        html.replaceFirst("<!DOCTYPE html>", "")
            .replaceAll("(?s)(<script[^>]*>).*?(</script>)", "$1$2");
    Matcher m = TAG.matcher(body);
    while (m.find()) {
      String name = m.group(2);
      if (!m.group(4).isEmpty() || VOID.contains(name)) continue;
      if (m.group(1).isEmpty()) {
        open.push(name);
      } else {
        assertEquals(open.isEmpty() ? "(none)" : open.peek(), name, "closing tag at " + m.start());
        open.pop();
      }
    }
    assertTrue(open.isEmpty(), "unclosed: " + open);
    assertFalse(
        body.replaceAll("&(amp|lt|gt|quot|#39);", "").contains("&"), "a bare & in the page");
  }

  @Test
  void lostSegment_page_drawsAnArrowPerSegmentAndEveryState() {
    List<TraceEvent> events = Scenarios.lostSegment();
    String html =
        HtmlReport.render(events, HtmlReport.Options.defaults().withTitle("lost segment"));
    assertTrue(html.startsWith("<!DOCTYPE html>"));
    assertWellFormed(html);
    assertEquals(
        6,
        count(html, "<g class=\"seg "),
        "3 handshake, the lost copy, its retransmission, the ACK");
    assertEquals(1, count(html, "<g class=\"seg lost\""));
    assertEquals(1, count(html, "<g class=\"seg rtx\""));
    assertTrue(
        html.contains(">✗</text>") && html.contains(">lost</text>"),
        "the lost copy ends in a cross");
    long states = events.stream().filter(e -> e instanceof TraceEvent.StateChange).count();
    assertEquals(states, count(html, "<text class=\"state\""));
    for (String state :
        List.of(">SYN_SENT</text>", ">SYN_RECEIVED</text>", ">ESTABLISHED</text>")) {
      assertTrue(html.contains(state), state);
    }
    assertTrue(
        html.contains(
            "<title>client → server\nPSH,ACK seq=1 ack=1 len=1000 win=64256 len=1000\n"
                + "absolute: PSH,ACK seq=101 ack=301 len=1000 win=64256\nraw window field: 502\n"),
        "tooltip: relative, absolute, raw window");
    assertEquals(
        1 + 1 + 1 + 3,
        count(html, "<svg "),
        "the ladder, the state diagram, a time-sequence graph, three plots");
    assertEquals(
        1, count(html, "<line class=\"ts-seg lost\""), "the lost copy in the time-sequence graph");
    assertEquals(1, count(html, "<line class=\"ts-seg rtx\""), "its retransmission");
    assertTrue(html.contains("Congestion window (bytes)") && html.contains("Smoothed RTT (ms)"));
    assertEquals(
        3, count(html, "<polyline class=\"series s0\""), "one side sampled, one line per plot");
    assertEquals(events.size(), count(html, "<tr class="), "a table row per event");
  }

  @Test
  void page_isSelfContained() {
    String html = HtmlReport.render(Scenarios.lostLastAck(), HtmlReport.Options.defaults());
    String withoutSvgNamespace = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    assertFalse(
        withoutSvgNamespace.contains("http://") || withoutSvgNamespace.contains("https://"));
    assertFalse(
        html.contains("<script src")
            || html.contains("<link")
            || html.contains("src=")
            || html.contains("@import")
            || html.contains("url(http"),
        "nothing is loaded");
    assertWellFormed(html);
  }

  @Test
  void namesWithMarkup_areEscaped() {
    List<TraceEvent> events =
        new Scenarios.Trace().at(0).note("<b>&\"x'</b>", "say <hi> & \"bye\"").events();
    String html = HtmlReport.render(events, HtmlReport.Options.defaults().withTitle("a < b & c"));
    assertTrue(html.contains("<title>a &lt; b &amp; c</title>"));
    assertTrue(html.contains("say &lt;hi&gt; &amp; &quot;bye&quot;"));
    assertFalse(html.contains("<b>"));
    assertWellFormed(html);
  }

  @Test
  void traceWithoutSamples_saysSoInsteadOfPlots() {
    String html = HtmlReport.render(Scenarios.handshake(), HtmlReport.Options.defaults());
    assertTrue(html.contains("No samples in this trace."));
    assertEquals(2, count(html, "<svg "), "the ladder and the state diagram");
  }

  @Test
  void narration_besideTheLadder_eachSentenceTiedToADrawnStep() {
    List<TraceEvent> events = Scenarios.lostSegment();
    String html = HtmlReport.render(events, HtmlReport.Options.defaults());
    List<String> sentences = Narration.narrate(events, "en");
    assertEquals(sentences.size(), count(html, "<li data-step=\""));
    Matcher m = Pattern.compile("<li data-step=\"(\\d+)\"").matcher(html);
    while (m.find()) {
      String step = m.group(1);
      assertTrue(
          html.contains("<g class=\"seg ok\" data-step=\"" + step + "\"")
              || html.contains("<g class=\"seg rtx\" data-step=\"" + step + "\"")
              || html.contains("<g class=\"seg lost\" data-step=\"" + step + "\"")
              || html.contains("data-step=\"" + step + "\"><title>"),
          "step " + step + " is drawn");
    }
    assertEquals(6, count(html, "{\"s\":"), "a player frame per arrow");
  }

  @Test
  void lang_zh_narratesAndLabelsInChinese() {
    String html =
        HtmlReport.render(
            Scenarios.handshakeAndTeardown(), HtmlReport.Options.defaults().withLang("zh"));
    assertTrue(html.contains("<html lang=\"zh\">"));
    assertTrue(
        html.contains(">第一次握手：客户端发送 SYN 报文") && html.contains("第四次挥手"), "the Chinese narration");
    assertTrue(html.contains("过程说明") && html.contains("下一步"), "the page's own words");
    assertFalse(html.contains("Handshake, step 1"));
    String timers =
        HtmlReport.render(
            Scenarios.handshakeAndTeardown(),
            HtmlReport.Options.defaults().withLang("zh").withTimers(true));
    assertTrue(timers.contains(">TIME_WAIT计时器设置，60.000 秒后到期</text>"), "timers in Chinese");
    assertFalse(timers.contains(">timer "), "no English timer text");
  }

  @Test
  void numbers_relativeByDefault_absoluteKeptForTheToggle_windowsScaled() {
    String html = HtmlReport.render(Scenarios.handshake(), HtmlReport.Options.defaults());
    assertTrue(html.contains(">SYN seq=0 win="), "relative by default");
    assertTrue(html.contains("data-abs=\"SYN seq=100 "), "absolute on the toggle");
    String abs =
        HtmlReport.render(
            Scenarios.handshake(), HtmlReport.Options.defaults().withRelativeSeq(false));
    assertTrue(abs.contains(">SYN seq=100 ") && abs.contains("id=\"absolute\" checked"));
  }

  @Test
  void firstStates_shown_timersOnlyWhenAsked() {
    String html =
        HtmlReport.render(Scenarios.handshakeAndTeardown(), HtmlReport.Options.defaults());
    assertTrue(
        html.contains("<text class=\"state first\"")
            && html.contains(">CLOSED</text>")
            && html.contains(">LISTEN</text>"));
    assertFalse(html.contains("<text class=\"timer\""), "no timers by default");
    assertTrue(
        HtmlReport.render(
                Scenarios.handshakeAndTeardown(), HtmlReport.Options.defaults().withTimers(true))
            .contains("<text class=\"timer\""));
  }

  @Test
  void niceStep_andTicks_areRound() {
    assertEquals(0.05, PlotSvg.niceStep(0.2), 1e-12);
    assertEquals(5000, PlotSvg.niceStep(14600), 1e-9);
    assertEquals("0.3", PlotSvg.tick(0.1 + 0.2));
    assertEquals("14600", PlotSvg.tick(14600));
    assertEquals("-2.5", SequenceSvg.num(-2.49));
  }
}
