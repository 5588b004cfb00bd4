package dev.synack.lesson;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.trace.TraceEvent;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class LadderTest {
  private static final Ladder.Options DEFAULTS = Ladder.Options.defaults();

  private static List<TraceEvent> clientOnly(List<TraceEvent> events) {
    return events.stream().filter(e -> e.host().equals("client")).toList();
  }

  /** The articles' scenarios, drawn exactly. */
  @Nested
  class Golden {
    @Test
    void handshake_defaultOptions_drawsTheThreeArrowsOfTheArticles() {
      assertEquals(
          """
                        client                                                                    server
                        CLOSED │                                                                │ LISTEN
          +0.000s     SYN_SENT │────── SYN seq=100 win=64240 [mss 1460,sackOK,wscale 7] ───────▶│
          +0.025s              │◀── SYN,ACK seq=300 ack=101 win=65160 [mss 1460,sackOK,wsca…] ──│ SYN_RECEIVED
          +0.050s  ESTABLISHED │───────────────── ACK seq=101 ack=301 win=502 ─────────────────▶│
          +0.075s              │                                                                │ ESTABLISHED
          """,
          Ladder.render(Scenarios.handshake()));
    }

    @Test
    void teardown_withTimers_showsTimeWaitForTwoMsl() {
      assertEquals(
          """
                         client                                                                   server
                         CLOSED │                                                               │ LISTEN
           +0.000s     SYN_SENT │────── SYN seq=100 win=64240 [mss 1460,sackOK,wscale 7] ──────▶│
           +0.025s              │◀── SYN,ACK seq=300 ack=101 win=65160 [mss 1460,sackOK,wsc…] ──│ SYN_RECEIVED
           +0.050s  ESTABLISHED │──────────────── ACK seq=101 ack=301 win=502 ─────────────────▶│
           +0.075s              │                                                               │ ESTABLISHED
           +1.000s   FIN_WAIT_1 │────────────── FIN,ACK seq=101 ack=301 win=502 ───────────────▶│
           +1.025s              │◀──────────────── ACK seq=301 ack=102 win=509 ─────────────────│ CLOSE_WAIT
           +1.050s   FIN_WAIT_2 │                                                               │
           +1.200s              │◀────────────── FIN,ACK seq=301 ack=102 win=509 ───────────────│ LAST_ACK
           +1.225s    TIME_WAIT │ timer TIME_WAIT set, fires after 60.000s                      │
           +1.225s              │──────────────── ACK seq=102 ack=302 win=502 ─────────────────▶│
           +1.250s              │                                                               │ CLOSED
          +61.225s       CLOSED │ timer TIME_WAIT fired                                         │
          """,
          Ladder.render(Scenarios.handshakeAndTeardown(), DEFAULTS.withTimers(true)));
    }

    @Test
    void halfClose_relativeSeq_showsDataFlowingFromCloseWait() {
      assertEquals(
          """
                        client                                                                    server
                        CLOSED │                                                                │ LISTEN
          +0.000s     SYN_SENT │─────── SYN seq=0 win=64240 [mss 1460,sackOK,wscale 7] ────────▶│
          +0.025s              │◀── SYN,ACK seq=0 ack=1 win=65160 [mss 1460,sackOK,wscale 7] ───│ SYN_RECEIVED
          +0.050s  ESTABLISHED │─────────────────── ACK seq=1 ack=1 win=502 ───────────────────▶│
          +0.075s              │                                                                │ ESTABLISHED
          +1.000s   FIN_WAIT_1 │───────────────── FIN,ACK seq=1 ack=1 win=502 ─────────────────▶│
          +1.025s              │◀─────────────────── ACK seq=1 ack=2 win=509 ───────────────────│ CLOSE_WAIT
          +1.050s   FIN_WAIT_2 │                                                                │
          +1.100s              │◀───────────── PSH,ACK seq=1 ack=2 len=500 win=509 ─────────────│
          +1.125s              │────────────────── ACK seq=2 ack=501 win=498 ──────────────────▶│
          +1.200s              │◀──────────────── FIN,ACK seq=501 ack=2 win=509 ────────────────│ LAST_ACK
          +1.225s    TIME_WAIT │────────────────── ACK seq=2 ack=502 win=498 ──────────────────▶│
          +1.250s              │                                                                │ CLOSED
          """,
          Ladder.render(Scenarios.halfClose(), DEFAULTS.withRelativeSeq(true)));
    }

    @Test
    void lostSegment_withTimers_stopsHalfWayThenRetransmits() {
      assertEquals(
          """
                        client                                                                    server
                        CLOSED │                                                                │ LISTEN
          +0.000s     SYN_SENT │────── SYN seq=100 win=64240 [mss 1460,sackOK,wscale 7] ───────▶│
          +0.025s              │◀── SYN,ACK seq=300 ack=101 win=65160 [mss 1460,sackOK,wsca…] ──│ SYN_RECEIVED
          +0.050s  ESTABLISHED │───────────────── ACK seq=101 ack=301 win=502 ─────────────────▶│
          +0.075s              │                                                                │ ESTABLISHED
          +0.100s              │── PSH,ACK seq=101 ack=301 len=1000 win=502 ──✗ lost            │
          +0.100s              │ timer RTO set, fires after 0.200s                              │
          +0.300s              │ timer RTO fired                                                │
          +0.300s              │──── PSH,ACK seq=101 ack=301 len=1000 win=502 (retransmit) ────▶│
          +0.300s              │ timer RTO set                                                  │
          +0.325s              │◀──────────────── ACK seq=301 ack=1101 win=509 ─────────────────│
          """,
          Ladder.render(Scenarios.lostSegment(), DEFAULTS.withTimers(true)));
    }

    @Test
    void simultaneousOpen_ascii_bothSidesPassSynReceived() {
      assertEquals(
          """
                              a                                               b
                         CLOSED |                                           | CLOSED
          +0.000s      SYN_SENT |--------- SYN seq=1000 win=64240 --------->|
          +0.000s               |<--------- SYN seq=2000 win=64240 ---------| SYN_SENT
          +0.025s  SYN_RECEIVED |-- SYN,ACK seq=1000 ack=2001 win=64240 --->|
          +0.025s               |<-- SYN,ACK seq=2000 ack=1001 win=64240 ---| SYN_RECEIVED
          +0.050s   ESTABLISHED |                                           |
          +0.050s               |                                           | ESTABLISHED
          """,
          Ladder.render(Scenarios.simultaneousOpen(), DEFAULTS.withAscii(true).withWidth(80)));
    }

    @Test
    void oneSidedTrace_drawsThePeerAsAColumnNamedByItsAddress() {
      assertEquals(
          """
                         client                                                          10.0.0.2:80
                         CLOSED │                                                      │
           +0.000s     SYN_SENT │── SYN seq=100 win=64240 [mss 1460,sackOK,wscale…] ──▶│
           +0.050s              │◀── SYN,ACK seq=300 ack=101 win=65160 [mss 1460,s…] ──│
           +0.050s  ESTABLISHED │──────────── ACK seq=101 ack=301 win=502 ────────────▶│
           +1.000s   FIN_WAIT_1 │────────── FIN,ACK seq=101 ack=301 win=502 ──────────▶│
           +1.050s              │◀──────────── ACK seq=301 ack=102 win=509 ────────────│
           +1.050s   FIN_WAIT_2 │                                                      │
           +1.225s              │◀────────── FIN,ACK seq=301 ack=102 win=509 ──────────│
           +1.225s    TIME_WAIT │──────────── ACK seq=102 ack=302 win=502 ────────────▶│
          +61.225s       CLOSED │                                                      │
          """,
          Ladder.render(clientOnly(Scenarios.handshakeAndTeardown()), DEFAULTS.withWidth(90)));
    }

    @Test
    void bulkTransfer_collapse_hidesTheMiddleOfARunAndShowsADrop() {
      assertEquals(
          """
                        client                                                                    server
                        CLOSED │                                                                │ LISTEN
          +0.000s     SYN_SENT │─────── SYN seq=0 win=64240 [mss 1460,sackOK,wscale 7] ────────▶│
          +0.025s              │◀── SYN,ACK seq=0 ack=1 win=65160 [mss 1460,sackOK,wscale 7] ───│ SYN_RECEIVED
          +0.050s  ESTABLISHED │─────────────────── ACK seq=1 ack=1 win=502 ───────────────────▶│
          +0.075s              │                                                                │ ESTABLISHED
          +0.100s              │────────────── ACK seq=1 ack=1 len=1000 win=502 ───────────────▶│
          +0.125s              │◀───────────────── ACK seq=1 ack=1001 win=509 ──────────────────│
          +0.150s              │───────────── ACK seq=1001 ack=1 len=1000 win=502 ─────────────▶│
          +0.175s              │           … 36 more segments, 18000 bytes of data …            │
          +1.075s              │◀───────────────── ACK seq=1 ack=20001 win=509 ─────────────────│
          +1.100s              │── PSH,ACK seq=20001 ack=1 len=1000 win=502 ──✗ bad checksum    │
          """,
          Ladder.render(
              Scenarios.bulkTransfer(20), DEFAULTS.withRelativeSeq(true).withCollapse(3)));
    }
  }

  @Nested
  class Layout {
    @Test
    void emptyTrace_rendersNothing() {
      assertEquals("", Ladder.render(List.of()));
    }

    @Test
    void singleHostNotes_areWrittenBesideItsLifeline() {
      List<TraceEvent> events =
          new Scenarios.Trace().at(0).note("server", "listener full, SYN dropped").events();
      assertEquals(
          """
                   server
          +0.000s         │ listener full, SYN dropped
          """,
          Ladder.render(events));
    }

    @Test
    void narrowWidth_keepsTheRetransmitMarkAndTheLength() {
      String ladder = Ladder.render(Scenarios.lostSegment(), DEFAULTS.withWidth(80));
      assertTrue(ladder.contains("len=10… (rtx) ──▶│"), ladder);
      for (String line : ladder.split("\n")) assertTrue(line.length() <= 80, line);
    }

    @Test
    void labelLongerThanTheArrow_dropsOptionsThenWindowThenCuts() {
      Ladder.Label label =
          new Ladder.Label("SYN,ACK seq=300 ack=101 win=65160", " (retransmit)", "mss 1460,sackOK");
      assertEquals(
          "SYN,ACK seq=300 ack=101 win=65160 (retransmit) [mss 1460,sackOK]", label.fit(100, "…"));
      assertEquals("SYN,ACK seq=300 ack=101 win=65160 (retransmit) [mss…]", label.fit(53, "…"));
      assertEquals("SYN,ACK seq=300 ack=101 win=65160 (retransmit)", label.fit(47, "…"));
      assertEquals("SYN,ACK seq=300 ack=101 (retransmit)", label.fit(40, "…"));
      assertEquals("SYN,ACK seq=300 ack=101 (rtx)", label.fit(30, "…"));
      assertEquals("SYN,ACK seq=3... (rtx)", label.fit(22, "..."));
    }

    @Test
    void hostsOption_putsTheServerOnTheLeft() {
      String ladder = Ladder.render(Scenarios.handshake(), DEFAULTS.withHosts(List.of("server")));
      String first = ladder.lines().findFirst().orElseThrow();
      assertTrue(first.indexOf("server") < first.indexOf("client"), first);
      assertTrue(
          ladder.contains("SYN_RECEIVED │── SYN,ACK"), "the SYN,ACK now points right: " + ladder);
    }

    @Test
    void threeHosts_arrowsSpanTheirOwnColumns() {
      List<TraceEvent> events =
          new Scenarios.Trace()
              .at(0)
              .send("a", "a:1-b:2", "SYN", 1, 0, 100, 0, "")
              .at(1)
              .recv("b", "b:2-a:1", "SYN", 1, 0, 100, 0, "")
              .at(2)
              .send("c", "c:3-a:1", "RST", 9, 0, 0, 0, "")
              .at(3)
              .recv("a", "a:1-c:3", "RST", 9, 0, 0, 0, "")
              .events();
      List<String> lines = Ladder.render(events, DEFAULTS.withWidth(80)).lines().toList();
      assertEquals(3, lines.size(), String.join("\n", lines));
      String syn = lines.get(1);
      String rst = lines.get(2);
      int b = syn.indexOf('▶');
      assertTrue(
          b > 0 && b < rst.lastIndexOf('│'),
          "the SYN stops at b, before c's lifeline:\n" + syn + "\n" + rst);
      assertTrue(
          rst.charAt(b + 1) != '│' && rst.charAt(b + 1) != ' ',
          "the RST from c to a crosses b's lifeline:\n" + syn + "\n" + rst);
    }

    @Test
    void microsecondGaps_printSixDecimals() {
      List<TraceEvent> events =
          new Scenarios.Trace()
              .at(0)
              .send("client", "SYN", 1, 0, 100, 0, "")
              .at(0.05)
              .recv("server", "SYN", 1, 0, 100, 0, "")
              .send("server", "RST,ACK", 0, 2, 0, 0, "")
              .events();
      assertTrue(Ladder.render(events).contains("+0.000050s"), Ladder.render(events));
    }

    @Test
    void options_outOfRange_areRejectedWithTheValue() {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> DEFAULTS.withWidth(10));
      assertTrue(e.getMessage().contains("10"), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> DEFAULTS.withCollapse(-1));
    }
  }

  /** Which send a receipt belongs to. */
  @Nested
  class Matching {
    private List<LadderModel.Arrow> arrows(List<TraceEvent> events) {
      return LadderModel.of(events, List.of()).steps().stream()
          .filter(s -> s instanceof LadderModel.Arrow)
          .map(s -> (LadderModel.Arrow) s)
          .toList();
    }

    @Test
    void lostSynThenRetransmission_theFirstCopyIsLost() {
      List<TraceEvent> events =
          new Scenarios.Trace()
              .at(0)
              .send("client", "SYN", 100, 0, 64240, 0, "")
              .at(1000)
              .retransmit("client", "SYN", 100, 0, 64240, 0, "")
              .at(1025)
              .recv("server", "SYN", 100, 0, 64240, 0, "")
              .events();
      List<LadderModel.Arrow> arrows = arrows(events);
      assertEquals(LadderModel.Fate.LOST, arrows.get(0).fate());
      assertEquals(LadderModel.Fate.DELIVERED, arrows.get(1).fate());
      assertEquals(1_025_000_000L, arrows.get(1).endTime());
    }

    @Test
    void duplicateAcks_matchFirstInFirstOut() {
      List<TraceEvent> events =
          new Scenarios.Trace()
              .at(0)
              .send("server", "ACK", 1, 5, 100, 0, "")
              .at(1)
              .send("server", "ACK", 1, 5, 100, 0, "")
              .at(25)
              .recv("client", "ACK", 1, 5, 100, 0, "")
              .at(26)
              .recv("client", "ACK", 1, 5, 100, 0, "")
              .events();
      List<LadderModel.Arrow> arrows = arrows(events);
      assertEquals(
          List.of(25_000_000L, 26_000_000L),
          arrows.stream().map(LadderModel.Arrow::endTime).toList());
    }

    @Test
    void concatenatedTraces_receiptsBeforeSends_stillMatch() {
      List<TraceEvent> handshake = Scenarios.handshake();
      List<TraceEvent> concatenated = new java.util.ArrayList<>(clientOnly(handshake));
      handshake.stream().filter(e -> e.host().equals("server")).forEach(concatenated::add);
      List<LadderModel.Arrow> arrows = arrows(concatenated);
      assertEquals(3, arrows.size());
      assertTrue(
          arrows.stream().allMatch(a -> a.fate() == LadderModel.Fate.DELIVERED && a.sent()),
          arrows.toString());
    }

    @Test
    void sendTracedTwiceAsRetransmit_isOneArrowMarkedRetransmitted() {
      List<TraceEvent> events =
          new Scenarios.Trace()
              .at(5)
              .send("client", "FIN,ACK", 7, 9, 100, 0, "")
              .retransmit("client", "FIN,ACK", 7, 9, 100, 0, "")
              .at(30)
              .recv("server", "FIN,ACK", 7, 9, 100, 0, "")
              .events();
      List<LadderModel.Arrow> arrows = arrows(events);
      assertEquals(1, arrows.size());
      assertTrue(arrows.get(0).retransmit());
      assertEquals(LadderModel.Fate.DELIVERED, arrows.get(0).fate());
    }

    @Test
    void dropAtTheReceiver_stopsTheArrowWithTheReason() {
      List<LadderModel.Arrow> arrows = arrows(Scenarios.bulkTransfer(1));
      LadderModel.Arrow last = arrows.getLast();
      assertEquals(LadderModel.Fate.DROPPED, last.fate());
      assertEquals("bad checksum", last.reason());
    }

    @Test
    void unreadablePacketDropped_isANoteWithTheReason_notAnArrow() {
      List<TraceEvent> events = new java.util.ArrayList<>(Scenarios.handshake());
      events.add(
          new TraceEvent.Segment(
              events.getLast().timeNanos(),
              "server",
              "",
              TraceEvent.SegmentAction.DROP,
              null,
              "tcp-bad-checksum"));

      LadderModel model = LadderModel.of(events, List.of());

      assertEquals(arrows(Scenarios.handshake()).size(), arrows(events).size());
      assertTrue(
          model.steps().stream()
              .anyMatch(
                  s ->
                      s instanceof LadderModel.NoteStep n
                          && n.text().equals("drop: tcp-bad-checksum")));
      assertTrue(Ladder.render(events, DEFAULTS).contains("drop: tcp-bad-checksum"));
    }

    @Test
    void receiptWithoutItsSend_isDrawnFromThePeer() {
      List<TraceEvent> serverOnly =
          Scenarios.handshake().stream().filter(e -> e.host().equals("server")).toList();
      LadderModel model = LadderModel.of(serverOnly, List.of());
      assertEquals(List.of("server", "10.0.0.1:40000"), model.hosts());
      List<LadderModel.Arrow> arrows = arrows(serverOnly);
      assertEquals(1, arrows.get(0).from());
      assertEquals(-1, arrows.get(0).sendTime());
      assertEquals(LadderModel.Fate.UNOBSERVED, arrows.get(1).fate());
    }
  }
}
