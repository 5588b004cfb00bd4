package dev.synack.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.lesson.Narration;
import dev.synack.trace.TraceEvent;
import dev.synack.trace.TraceEvent.Segment;
import dev.synack.trace.TraceEvent.SegmentAction;
import dev.synack.trace.TraceEvent.SegmentInfo;
import dev.synack.wire.TcpFlags;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The key sentence of each scenario's narration, tied to the facts of the run's own trace: the
 * numbers a sentence gives are those of the segment it tells, and what it calls a thing is what the
 * trace shows it to be.
 */
class NarrationFactsTest {
  private record Run(List<TraceEvent> events, List<String> en) {
    String text() {
      return String.join("\n", en);
    }
  }

  private static Run run(Scenario s) {
    DemoRun r = DemoRunner.run(s, DemoOptions.defaults(), null);
    assertTrue(r.ok(), String.join("\n", r.results()));
    return new Run(r.events(), Narration.narrate(r.events(), "en"));
  }

  private static List<Segment> segments(Run r, String host, SegmentAction... actions) {
    List<Segment> out = new ArrayList<>();
    for (TraceEvent e : r.events()) {
      if (e instanceof Segment s
          && s.host().equals(host)
          && s.segment() != null
          && List.of(actions).contains(s.action())) {
        out.add(s);
      }
    }
    return out;
  }

  private static long count(Run r, String prefix) {
    return r.en().stream().filter(l -> l.startsWith(prefix)).count();
  }

  @Test
  void reset_isTheClientsAbortWithItsRstSeq_notAnOldDuplicate() {
    Run r = run(Scenario.RESET);
    SegmentInfo rst =
        segments(r, "client", SegmentAction.SEND).stream()
            .map(Segment::segment)
            .filter(s -> s.has(TcpFlags.RST))
            .findFirst()
            .orElseThrow();
    assertTrue(
        r.en().stream()
            .anyMatch(
                l ->
                    l.startsWith(
                        "client aborts the connection: it sends RST, seq=" + rst.seq() + ",")),
        r.text());
    assertFalse(r.text().contains("old, delayed SYN"), r.text());
    assertTrue(r.en().getLast().endsWith("enters CLOSED: the connection was reset"), r.text());
  }

  @Test
  void refused_saysRefusedWithTheRstAckOfTheSyn() {
    Run r = run(Scenario.REFUSED);
    SegmentInfo syn = segments(r, "client", SegmentAction.SEND).getFirst().segment();
    SegmentInfo rst = segments(r, "server", SegmentAction.SEND).getFirst().segment();
    assertEquals(syn.seq() + 1, rst.ack());
    assertEquals(
        List.of(
            "server has no listener on that port and answers the SYN with RST,ACK, ack="
                + rst.ack()
                + ": the connection is refused",
            "client receives the RST,ACK and enters CLOSED: the connection is refused"),
        r.en().subList(1, 3));
  }

  @Test
  void simultaneousClose_bothFinsCrossAndNobodyMayStillSendData() {
    Run r = run(Scenario.SIMULTANEOUS_CLOSE);
    assertFalse(r.text().contains("may still send data"), r.text());
    assertFalse(
        r.text().contains("Teardown, step 2")
            || r.text().contains("Teardown, step 3")
            || r.text().contains("Teardown, step 4"),
        r.text());
    assertEquals(1, count(r, "Teardown, step 1: client sends the first FIN"), r.text());
    assertEquals(1, count(r, "Simultaneous close: server sends its own FIN"), r.text());
    assertEquals(
        2,
        r.en().stream()
            .filter(l -> l.startsWith("Simultaneous close:") && l.contains("enters CLOSING"))
            .count(),
        r.text());
  }

  @Test
  void oldDuplicateSyn_theAnswerToTheSynInEstablishedIsAChallengeAck() {
    Run r = run(Scenario.OLD_DUPLICATE_SYN);
    List<TraceEvent> ev = r.events();
    long ack = -1;
    for (int i = 0; i < ev.size() - 1; i++) {
      if (ev.get(i) instanceof Segment d
          && d.action() == SegmentAction.DROP
          && d.host().equals("server")
          && d.reason().startsWith("SYN in a synchronized state")) {
        for (int j = i + 1; j < ev.size(); j++) {
          if (ev.get(j) instanceof Segment s
              && s.host().equals("server")
              && s.action() == SegmentAction.SEND) {
            ack = s.segment().ack();
            break;
          }
        }
      }
    }
    assertTrue(ack >= 0, "the trace shows the SYN dropped and answered");
    assertTrue(
        r.en()
            .contains(
                "server sends a challenge ACK (RFC 5961), ack="
                    + ack
                    + ": the SYN it got may be forged,"
                    + " so the peer must show it knows the sequence numbers"),
        r.text());
    assertEquals(
        1,
        count(r, "client got a SYN,ACK for an old, delayed SYN (ack=90001) and answers RST"),
        r.text());
  }

  @Test
  void fastRetransmit_namesEachDuplicateAckAndTheRetransmittedSegment() {
    Run r = run(Scenario.FAST_RETRANSMIT);
    SegmentInfo resent = segments(r, "client", SegmentAction.RETRANSMIT).getFirst().segment();
    // The server's ACKs of the hole, same window as the one before: the first is no duplicate.
    List<SegmentInfo> acks =
        segments(r, "server", SegmentAction.SEND).stream()
            .map(Segment::segment)
            .filter(s -> s.ack() == resent.seq())
            .toList();
    int dups = 0;
    for (int i = 1; i < acks.size(); i++) if (acks.get(i).win() == acks.get(i - 1).win()) dups++;
    assertTrue(dups >= 3, "the trace has at least three duplicate ACKs");
    for (int n = 1; n <= dups; n++) {
      assertEquals(
          1,
          count(r, "server sends duplicate ACK #" + n + ", still ack=" + resent.seq() + ":"),
          r.text());
    }
    assertEquals(0, count(r, "server sends duplicate ACK #" + (dups + 1) + ","), r.text());
    assertEquals(
        1,
        count(r, "Fast retransmit: client sends 1448 bytes again, seq=" + resent.seq()),
        r.text());
    assertEquals(
        1, count(r, "client has received 3 duplicate ACKs for ack=" + resent.seq()), r.text());
  }

  @Test
  void timeout_eachTimeoutTwiceTheOneBefore() {
    Run r = run(Scenario.TIMEOUT);
    Pattern after = Pattern.compile("fires (?:again, )?after (\\d+\\.\\d+)s");
    List<Double> waits = new ArrayList<>();
    for (String l : r.en()) {
      Matcher m = after.matcher(l);
      if (l.startsWith("client's retransmission timer") && m.find())
        waits.add(Double.parseDouble(m.group(1)));
    }
    assertEquals(3, waits.size(), r.text());
    assertEquals(waits.get(0) * 2, waits.get(1), 1e-9, r.text());
    assertEquals(waits.get(1) * 2, waits.get(2), 1e-9, r.text());
    assertEquals(
        4, segments(r, "client", SegmentAction.RETRANSMIT).size(), "the probe and three timeouts");
    assertEquals(1, count(r, "Tail-loss probe: client sends its last segment again"), r.text());
    assertEquals(
        3, count(r, "Retransmission after the timeout: client sends 100 bytes again"), r.text());
    assertEquals(
        1,
        count(
            r,
            "client's retransmission timer fires again, after "
                + String.format("%.3f", waits.get(2))
                + "s, timeout #3 in a row"),
        r.text());
  }

  @Test
  void spuriousRetransmit_theUndoIsToldIffTheEngineNotedIt() {
    Run r = run(Scenario.SPURIOUS_RETRANSMIT);
    boolean noted =
        r.events().stream()
            .anyMatch(
                e ->
                    e instanceof TraceEvent.Note n
                        && n.text().startsWith("spurious retransmission"));
    assertTrue(noted, "the scenario's run undoes its retransmission");
    assertEquals(
        1,
        count(
            r,
            "client judges its retransmission needless (a D-SACK block says the peer got it twice)"),
        r.text());
  }

  @Test
  void zeroWindow_aProbeForEachPersistTimeoutAndTheWindowReopens() {
    Run r = run(Scenario.ZERO_WINDOW);
    long fired =
        r.events().stream()
            .filter(
                e ->
                    e instanceof TraceEvent.Timer t
                        && t.host().equals("client")
                        && t.timer().equals("PERSIST")
                        && t.action().equals("fired"))
            .count();
    assertTrue(fired >= 2, "the run probes the closed window more than once");
    assertEquals(fired, count(r, "client's persist timer fires"), r.text());
    assertEquals(fired, count(r, "Window probe: client sends a probe of"), r.text());
    assertEquals(
        1,
        count(r, "Window update: server has made room, and its window opens again to 8192 bytes"),
        r.text());
    assertTrue(r.text().contains("window 0 bytes; its window is zero"), r.text());
  }

  @Test
  void keepAlive_theProbeIsOneBelowWhatWasSent() {
    Run r = run(Scenario.KEEP_ALIVE);
    SegmentInfo syn = segments(r, "client", SegmentAction.SEND).getFirst().segment();
    assertEquals(
        1,
        count(
            r, "Keep-alive probe: client sends seq=" + syn.seq() + ", one below what it has sent"),
        r.text());
    assertEquals(
        1, count(r, "server answers the keep-alive probe with ack=" + (syn.seq() + 1)), r.text());
  }

  @Test
  void halfClose_eachDataSegmentAfterTheFinIsToldAsHalfClosed() {
    Run r = run(Scenario.HALF_CLOSE);
    long data =
        segments(r, "server", SegmentAction.SEND).stream()
            .filter(s -> s.segment().len() > 0)
            .count();
    assertEquals(data, count(r, "server, in CLOSE_WAIT, still sends"), r.text());
  }

  @Test
  void lostFinalAck_theRestartOfTwoMslFollowsTheResentFin() {
    Run r = run(Scenario.LOST_FINAL_ACK);
    int restart =
        r.en()
            .indexOf(
                "The FIN came again (the last ACK was lost): client acknowledges it again and restarts the 2 MSL timer");
    assertTrue(restart > 0, r.text());
    assertTrue(
        r.en().get(restart - 1).startsWith("Retransmission: server sends FIN,ACK again"), r.text());
    assertTrue(
        r.en().get(restart + 1).startsWith("client acknowledges the FIN again with ack="),
        r.text());
  }
}
