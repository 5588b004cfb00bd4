package dev.synack.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    String body = html.replaceFirst("<!DOCTYPE html>", "");
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
    assertFalse(body.replaceAll("&(amp|lt|gt|quot|#39);", "").contains("&"), "a bare & in the page");
  }

  @Test
  void lostSegment_page_drawsAnArrowPerSegmentAndEveryState() {
    List<TraceEvent> events = Scenarios.lostSegment();
    String html = HtmlReport.render(events, HtmlReport.Options.defaults().withTitle("lost segment"));
    assertTrue(html.startsWith("<!DOCTYPE html>"));
    assertWellFormed(html);
    assertEquals(6, count(html, "<g class=\"seg "), "3 handshake, the lost copy, its retransmission, the ACK");
    assertEquals(1, count(html, "<g class=\"seg lost\""));
    assertEquals(1, count(html, "<g class=\"seg rtx\""));
    assertTrue(html.contains(">✗</text>") && html.contains(">lost</text>"), "the lost copy ends in a cross");
    long states = events.stream().filter(e -> e instanceof TraceEvent.StateChange).count();
    assertEquals(states, count(html, "<text class=\"state\""));
    for (String state : List.of(">SYN_SENT</text>", ">SYN_RECEIVED</text>", ">ESTABLISHED</text>")) {
      assertTrue(html.contains(state), state);
    }
    assertTrue(html.contains("<title>client → server\nPSH,ACK seq=101 ack=301 len=1000 win=502 len=1000"), "tooltip");
    assertEquals(1 + 3, count(html, "<svg "), "the ladder and three plots");
    assertTrue(html.contains("Congestion window (bytes)") && html.contains("Smoothed RTT (ms)"));
    assertEquals(3, count(html, "<polyline class=\"series s0\""), "one side sampled, one line per plot");
    assertEquals(events.size(), count(html, "<tr class="), "a table row per event");
  }

  @Test
  void page_isSelfContained() {
    String html = HtmlReport.render(Scenarios.lostLastAck(), HtmlReport.Options.defaults());
    String withoutSvgNamespace = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    assertFalse(withoutSvgNamespace.contains("http://") || withoutSvgNamespace.contains("https://"));
    assertFalse(html.contains("<script") || html.contains("<link") || html.contains("src=")
        || html.contains("@import") || html.contains("url(http"), "nothing is loaded");
    assertWellFormed(html);
  }

  @Test
  void namesWithMarkup_areEscaped() {
    List<TraceEvent> events = new Scenarios.Trace()
        .at(0).note("<b>&\"x'</b>", "say <hi> & \"bye\"")
        .events();
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
    assertEquals(1, count(html, "<svg "));
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
