package dev.synack.trace;

import static dev.synack.wire.TcpFlags.ACK;
import static dev.synack.wire.TcpFlags.FIN;
import static dev.synack.wire.TcpFlags.PSH;
import static dev.synack.wire.TcpFlags.RST;
import static dev.synack.wire.TcpFlags.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.synack.wire.TcpSegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The scenarios of the handshake and teardown articles, as a capture would show them. */
class CaptureStatesTest {
  private static final String C = "10.0.0.1:40000";
  private static final String S = "10.0.0.2:80";
  private static final int X = 1000; // the client's ISN, "seq=x"
  private static final int Y = 5000; // the server's ISN, "seq=y"

  /** Feeds segments and keeps the state changes as {@code "C SYN_SENT->ESTABLISHED"} lines. */
  private final CaptureStates states = new CaptureStates(C, S);

  private final List<TraceEvent> events = new ArrayList<>();
  private long time;

  private void send(String from, int flags, int seq, int ack, int len) {
    int sport = from.equals(C) ? 40000 : 80;
    TcpSegment s =
        new TcpSegment(
            sport, 120 - sport + 39920, seq, ack, flags, 512, 0, 0, null, ByteBuffer.allocate(len));
    events.addAll(states.segment(++time, from, s));
  }

  private List<String> changes() {
    List<String> lines = new ArrayList<>();
    for (TraceEvent e : events) {
      if (e instanceof TraceEvent.StateChange c)
        lines.add((c.host().equals(C) ? "C " : "S ") + c.from() + "->" + c.to());
    }
    return lines;
  }

  private void handshake() {
    send(C, SYN, X, 0, 0);
    send(S, SYN | ACK, Y, X + 1, 0);
    send(C, ACK, X + 1, Y + 1, 0);
  }

  @Nested
  class Opening {
    @Test
    void threeWayHandshake_movesBothEndsToEstablished() {
      handshake();
      assertEquals(
          List.of(
              "C CLOSED->SYN_SENT",
              "S LISTEN->SYN_RECEIVED",
              "C SYN_SENT->ESTABLISHED",
              "S SYN_RECEIVED->ESTABLISHED"),
          changes());
      assertEquals("ESTABLISHED", states.state(C));
      assertEquals("ESTABLISHED", states.state(S));
    }

    @Test
    void eachSegment_isSentByOneEndAndReceivedByTheOther() {
      send(C, SYN, X, 0, 0);
      assertEquals(3, events.size());
      TraceEvent.Segment sent = (TraceEvent.Segment) events.get(1);
      TraceEvent.Segment received = (TraceEvent.Segment) events.get(2);
      assertEquals(TraceEvent.SegmentAction.SEND, sent.action());
      assertEquals(C, sent.host());
      assertEquals(C + "-" + S, sent.conn());
      assertEquals(TraceEvent.SegmentAction.RECV, received.action());
      assertEquals(S, received.host());
      assertEquals(S + "-" + C, received.conn());
      assertEquals(X, received.segment().seq());
    }

    @Test
    void retransmittedSyn_changesNothing() {
      send(C, SYN, X, 0, 0);
      send(C, SYN, X, 0, 0);
      assertEquals(List.of("C CLOSED->SYN_SENT"), changes());
      assertEquals("?", states.state(S));
    }

    @Test
    void simultaneousOpen_passesThroughSynReceivedOnBothEnds() {
      send(C, SYN, X, 0, 0);
      send(S, SYN, Y, 0, 0);
      send(C, SYN | ACK, X, Y + 1, 0);
      send(S, SYN | ACK, Y, X + 1, 0);
      assertEquals(
          List.of(
              "C CLOSED->SYN_SENT",
              "S CLOSED->SYN_SENT",
              "S SYN_SENT->SYN_RECEIVED",
              "C SYN_SENT->SYN_RECEIVED",
              "S SYN_RECEIVED->ESTABLISHED",
              "C SYN_RECEIVED->ESTABLISHED"),
          changes());
    }

    @Test
    void synAnsweredWithReset_closesTheClientAndNotesNoListener() {
      send(C, SYN, X, 0, 0);
      send(S, RST | ACK, 0, X + 1, 0);
      assertEquals(List.of("C CLOSED->SYN_SENT", "C SYN_SENT->CLOSED"), changes());
      assertEquals("CLOSED", states.state(S));
      assertEquals(
          1,
          events.stream()
              .filter(e -> e instanceof TraceEvent.Note n && n.text().startsWith("no listener"))
              .count());
    }

    @Test
    void resetNotAcknowledgingTheSyn_isIgnoredInSynSent() {
      send(C, SYN, X, 0, 0);
      send(S, RST | ACK, 0, X + 7, 0);
      assertEquals("SYN_SENT", states.state(C));
    }

    @Test
    void resetInSynReceived_returnsAPassiveEndToListen() {
      send(C, SYN, X, 0, 0);
      send(S, SYN | ACK, Y, X + 1, 0);
      send(C, RST, X + 1, 0, 0);
      assertEquals("S SYN_RECEIVED->LISTEN", changes().getLast());
    }

    @Test
    void captureStartingMidConnection_takesBothEndsToBeEstablished() {
      send(S, ACK | PSH, Y + 1, X + 1, 10);
      assertEquals("ESTABLISHED", states.state(C));
      assertEquals("ESTABLISHED", states.state(S));
      assertEquals(List.of(), changes());
      assertEquals(1, events.stream().filter(e -> e instanceof TraceEvent.Note).count());
    }
  }

  @Nested
  class Closing {
    @Test
    void fourWayTeardown_endsInTimeWaitAndClosed() {
      handshake();
      send(C, FIN | ACK, X + 1, Y + 1, 0);
      send(S, ACK, Y + 1, X + 2, 0);
      send(S, FIN | ACK, Y + 1, X + 2, 0);
      send(C, ACK, X + 2, Y + 2, 0);
      assertEquals(
          List.of(
              "C ESTABLISHED->FIN_WAIT_1",
              "S ESTABLISHED->CLOSE_WAIT",
              "C FIN_WAIT_1->FIN_WAIT_2",
              "S CLOSE_WAIT->LAST_ACK",
              "C FIN_WAIT_2->TIME_WAIT",
              "S LAST_ACK->CLOSED"),
          changes().subList(4, 10));
      assertEquals(
          1,
          events.stream()
              .filter(e -> e instanceof TraceEvent.Timer t && t.timer().equals("TIME_WAIT"))
              .count());
    }

    @Test
    void halfClose_serverKeepsSendingInCloseWait() {
      handshake();
      send(C, FIN | ACK, X + 1, Y + 1, 0);
      send(S, ACK, Y + 1, X + 2, 0);
      send(S, ACK | PSH, Y + 1, X + 2, 100);
      send(C, ACK, X + 2, Y + 101, 0);
      assertEquals("CLOSE_WAIT", states.state(S));
      assertEquals("FIN_WAIT_2", states.state(C));
      send(S, FIN | ACK, Y + 101, X + 2, 0);
      send(C, ACK, X + 2, Y + 102, 0);
      assertEquals("TIME_WAIT", states.state(C));
      assertEquals("CLOSED", states.state(S));
    }

    @Test
    void finWithDataAndPiggybackedAck_countsTheDataBeforeTheFin() {
      handshake();
      send(C, FIN | ACK | PSH, X + 1, Y + 1, 50);
      send(S, ACK, Y + 1, X + 51, 0);
      assertEquals("FIN_WAIT_1", states.state(C)); // the FIN is at X + 51: not yet acknowledged
      send(S, FIN | ACK, Y + 1, X + 52, 0);
      assertEquals(
          List.of(
              "C ESTABLISHED->FIN_WAIT_1",
              "S ESTABLISHED->CLOSE_WAIT",
              "S CLOSE_WAIT->LAST_ACK",
              "C FIN_WAIT_1->FIN_WAIT_2",
              "C FIN_WAIT_2->TIME_WAIT"),
          changes().subList(4, 9));
    }

    @Test
    void simultaneousClose_passesThroughClosing() {
      handshake();
      send(C, FIN | ACK, X + 1, Y + 1, 0);
      send(S, FIN | ACK, Y + 1, X + 1, 0); // sent before the client's FIN arrived
      send(C, ACK, X + 2, Y + 2, 0);
      send(S, ACK, Y + 2, X + 2, 0);
      assertEquals(
          List.of(
              "C ESTABLISHED->FIN_WAIT_1",
              "S ESTABLISHED->CLOSE_WAIT",
              "S CLOSE_WAIT->LAST_ACK",
              "C FIN_WAIT_1->CLOSING",
              "S LAST_ACK->CLOSED",
              "C CLOSING->TIME_WAIT"),
          changes().subList(4, 10));
    }

    @Test
    void retransmittedFinInTimeWait_restartsTheTimer() {
      handshake();
      send(C, FIN | ACK, X + 1, Y + 1, 0);
      send(S, FIN | ACK, Y + 1, X + 2, 0);
      send(C, ACK, X + 2, Y + 2, 0);
      send(S, FIN | ACK, Y + 1, X + 2, 0);
      assertEquals(2, events.stream().filter(e -> e instanceof TraceEvent.Timer).count());
      assertEquals("TIME_WAIT", states.state(C));
    }

    @Test
    void resetFromEstablished_closesBothEnds() {
      handshake();
      send(C, ACK | PSH, X + 1, Y + 1, 4);
      send(C, RST | ACK, X + 5, Y + 1, 0);
      assertEquals(
          List.of("C ESTABLISHED->CLOSED", "S ESTABLISHED->CLOSED"), changes().subList(4, 6));
    }

    @Test
    void reuseAfterTimeWait_opensANewIncarnation() {
      handshake();
      send(C, FIN | ACK, X + 1, Y + 1, 0);
      send(S, FIN | ACK, Y + 1, X + 2, 0);
      send(C, ACK, X + 2, Y + 2, 0);
      send(C, SYN, X + 100_000, 0, 0);
      send(S, SYN | ACK, Y + 100_000, X + 100_001, 0);
      assertEquals(
          List.of(
              "C TIME_WAIT->CLOSED",
              "C CLOSED->SYN_SENT",
              "S LISTEN->SYN_RECEIVED",
              "C SYN_SENT->ESTABLISHED"),
          changes().subList(changes().size() - 4, changes().size()));
    }
  }

  @Test
  void unknownEndpoint_isRejectedWithItsName() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> states.segment(0, "1.2.3.4:5", TcpSegment.of(5, 80, 0, 0, SYN, 0)));
    assertEquals("endpoint 1.2.3.4:5 is not " + C + " or " + S, e.getMessage());
  }
}
