package dev.synack.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.lesson.Ladder;
import dev.synack.trace.TraceEvent;
import dev.synack.trace.TraceEvent.SegmentAction;
import dev.synack.wire.TcpFlags;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Each demo scenario, run for real on two hosts, shows in its trace the behaviour it is named
 * after. A failure prints the ladder of the run.
 */
class DemoRunnerTest {
  static DemoRun run(Scenario s) {
    return DemoRunner.run(s, DemoOptions.defaults(), null);
  }

  @Test
  void handshake_clientSynServerSynAckClientAck_bothEstablished() {
    DemoRun r = run(Scenario.HANDSHAKE);
    assertOk(r);
    assertStates(r, "client", "SYN_SENT", "ESTABLISHED");
    assertStates(r, "server", "SYN_RECEIVED", "ESTABLISHED");
    List<Integer> clientSends =
        sends(r, "client").stream().map(TraceEvent.SegmentInfo::flags).toList();
    assertEquals(TcpFlags.SYN, clientSends.get(0), ladder(r));
    assertEquals(TcpFlags.SYN | TcpFlags.ACK, sends(r, "server").getFirst().flags(), ladder(r));
    assertEquals(TcpFlags.ACK, clientSends.get(1), ladder(r));
  }

  @Test
  void connection_dataBothWays_teardownThroughTimeWaitToClosed() {
    DemoRun r = run(Scenario.CONNECTION);
    assertOk(r);
    assertStates(
        r, "client", "SYN_SENT", "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2", "TIME_WAIT", "CLOSED");
    assertStates(r, "server", "SYN_RECEIVED", "ESTABLISHED", "CLOSE_WAIT", "LAST_ACK", "CLOSED");
    assertTrue(sends(r, "client").stream().anyMatch(s -> s.len() > 0), ladder(r));
    assertTrue(sends(r, "server").stream().anyMatch(s -> s.len() > 0), ladder(r));
  }

  @Test
  void teardown_clientClosesFirst_clientPassesTimeWait() {
    DemoRun r = run(Scenario.TEARDOWN);
    assertOk(r);
    assertStates(r, "client", "FIN_WAIT_1", "FIN_WAIT_2", "TIME_WAIT", "CLOSED");
    assertStates(r, "server", "CLOSE_WAIT", "LAST_ACK", "CLOSED");
    assertTrue(
        events(
                    r,
                    e ->
                        e instanceof TraceEvent.Timer t
                            && t.host().equals("client")
                            && t.timer().equals("TIME_WAIT")
                            && t.action().equals("fired"))
                .size()
            == 1,
        ladder(r));
  }

  @Test
  void halfClose_serverKeepsSendingInCloseWait_clientReceivesInFinWait2() {
    DemoRun r = run(Scenario.HALF_CLOSE);
    assertOk(r);
    assertStates(r, "client", "FIN_WAIT_1", "FIN_WAIT_2", "TIME_WAIT", "CLOSED");
    assertStates(r, "server", "CLOSE_WAIT", "LAST_ACK", "CLOSED");
    long dataAfterFin =
        events(
                r,
                e ->
                    e instanceof TraceEvent.Segment s
                        && s.host().equals("server")
                        && s.action() == SegmentAction.SEND
                        && s.segment().len() > 0)
            .size();
    assertEquals(3, dataAfterFin, ladder(r));
  }

  @Test
  void simultaneousOpen_bothSynSent_thenSynReceived_thenEstablished() {
    DemoRun r = run(Scenario.SIMULTANEOUS_OPEN);
    assertOk(r);
    assertStates(r, "client", "SYN_SENT", "SYN_RECEIVED", "ESTABLISHED");
    assertStates(r, "server", "SYN_SENT", "SYN_RECEIVED", "ESTABLISHED");
  }

  @Test
  void simultaneousClose_bothFinWait1_thenClosing_thenTimeWait() {
    DemoRun r = run(Scenario.SIMULTANEOUS_CLOSE);
    assertOk(r);
    assertStates(r, "client", "FIN_WAIT_1", "CLOSING", "TIME_WAIT", "CLOSED");
    assertStates(r, "server", "FIN_WAIT_1", "CLOSING", "TIME_WAIT", "CLOSED");
  }

  @Test
  void lostFinalAck_serverResendsFin_timeWaitAcksAgainAndRestarts() {
    DemoRun r = run(Scenario.LOST_FINAL_ACK);
    assertOk(r);
    assertTrue(
        events(
                    r,
                    e ->
                        e instanceof TraceEvent.Segment s
                            && s.host().equals("server")
                            && s.action() == SegmentAction.RETRANSMIT
                            && s.segment().has(TcpFlags.FIN))
                .size()
            >= 1,
        ladder(r));
    long timeWaitSets =
        events(
                r,
                e ->
                    e instanceof TraceEvent.Timer t
                        && t.host().equals("client")
                        && t.timer().equals("TIME_WAIT")
                        && t.action().equals("set"))
            .size();
    assertEquals(2, timeWaitSets, "2 MSL started, then restarted by the resent FIN\n" + ladder(r));
    assertStates(r, "server", "LAST_ACK", "CLOSED");
  }

  @Test
  void oldDuplicateSyn_clientResetsTheOldSynAck_thenConnects_andAnOldSynGetsAChallengeAck() {
    DemoRun r = run(Scenario.OLD_DUPLICATE_SYN);
    assertOk(r);
    assertTrue(
        sends(r, "client").stream().anyMatch(s -> s.has(TcpFlags.RST)),
        "client RSTs the SYN-ACK of the old SYN\n" + ladder(r));
    assertStates(r, "client", "SYN_SENT", "ESTABLISHED");
  }

  @Test
  void reset_clientAborts_serverClosedByRst() {
    DemoRun r = run(Scenario.RESET);
    assertOk(r);
    assertTrue(sends(r, "client").stream().anyMatch(s -> s.has(TcpFlags.RST)), ladder(r));
    assertStates(r, "server", "ESTABLISHED", "CLOSED");
  }

  @Test
  void refused_synToClosedPort_answeredWithRstAck() {
    DemoRun r = run(Scenario.REFUSED);
    assertOk(r);
    assertTrue(
        sends(r, "server").stream().anyMatch(s -> s.flags() == (TcpFlags.RST | TcpFlags.ACK)),
        ladder(r));
    assertStates(r, "client", "SYN_SENT", "CLOSED");
  }

  @Test
  void transfer_overLossReorderDuplication_everyByteArrivesOnce() {
    DemoRun r =
        DemoRunner.run(Scenario.TRANSFER, new DemoOptions(0.05, 5, 0.05, 0.02, 3, 200_000), null);
    assertOk(r);
    assertEquals(2, r.results().size());
    for (String line : r.results()) {
      String[] parts = line.split(" ");
      assertEquals(
          parts[2].substring("sent=".length()), parts[3].substring("received=".length()), line);
    }
  }

  @Test
  void sameSeed_sameRun() {
    DemoOptions o = new DemoOptions(0.05, 5, 0.05, 0.02, 9, 50_000);
    assertEquals(
        DemoRunner.run(Scenario.TRANSFER, o, null).events(),
        DemoRunner.run(Scenario.TRANSFER, o, null).events());
  }

  // ---------------------------------------------------------------------------------------------

  static void assertOk(DemoRun r) {
    assertTrue(r.ok(), r.results() + "\n" + ladder(r));
  }

  static void assertStates(DemoRun r, String host, String... expected) {
    List<String> seen =
        events(r, e -> e instanceof TraceEvent.StateChange s && s.host().equals(host)).stream()
            .map(e -> ((TraceEvent.StateChange) e).to())
            .toList();
    int i = 0;
    for (String s : seen) {
      if (i < expected.length && s.equals(expected[i])) i++;
    }
    assertEquals(
        expected.length,
        i,
        host
            + " should pass through "
            + List.of(expected)
            + " in order, saw "
            + seen
            + "\n"
            + ladder(r));
  }

  static List<TraceEvent.SegmentInfo> sends(DemoRun r, String host) {
    List<TraceEvent.SegmentInfo> out = new ArrayList<>();
    for (TraceEvent e : r.events()) {
      if (e instanceof TraceEvent.Segment s
          && s.host().equals(host)
          && s.segment() != null
          && (s.action() == SegmentAction.SEND || s.action() == SegmentAction.RETRANSMIT)) {
        out.add(s.segment());
      }
    }
    return out;
  }

  static List<TraceEvent> events(DemoRun r, Predicate<TraceEvent> p) {
    return r.events().stream().filter(p).toList();
  }

  static String ladder(DemoRun r) {
    return Ladder.render(r.events(), Ladder.Options.defaults().withTimers(true));
  }
}
