package dev.synack.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.trace.TraceEvent;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The receive side on a simulated network, as the stories tell it: segments that arrive early wait
 * for the one that was lost or late, the receiver's ACKs say with SACK which data it holds, and a
 * duplicate is reported with D-SACK.
 */
class ReceiveScenarioTest {
  private static final Pattern FIRST_SACK_BLOCK = Pattern.compile("sack \\d+ \\{(\\d+):(\\d+)\\}");

  @Test
  void transfer_overLossAndReordering_reassembledOnceInOrderWithSackBlocks() {
    DemoRun r =
        DemoRunner.run(Scenario.TRANSFER, new DemoOptions(0.02, 10, 0.2, 0, 11, 300_000), null);
    assertTrue(r.ok(), r.results().toString());
    List<TraceEvent.Segment> serverSends = segments(r, "server", TraceEvent.SegmentAction.SEND);
    long sackAcks =
        serverSends.stream().filter(s -> s.segment().options().contains("sack ")).count();
    assertTrue(
        sackAcks > 10, "the server's ACKs report the data held beyond each hole: " + sackAcks);
    List<TraceEvent.Segment> drops = segments(r, "server", TraceEvent.SegmentAction.DROP);
    assertTrue(
        drops.stream().noneMatch(d -> d.reason().contains("out of order")),
        "early segments are held, not dropped");
  }

  @Test
  void transfer_overDuplication_duplicatesReportedWithDsack() {
    DemoRun r =
        DemoRunner.run(Scenario.TRANSFER, new DemoOptions(0, 10, 0, 0.1, 12, 100_000), null);
    assertTrue(r.ok(), r.results().toString());
    long dsacks = 0;
    for (TraceEvent.Segment s : segments(r, "server", TraceEvent.SegmentAction.SEND)) {
      Matcher m = FIRST_SACK_BLOCK.matcher(s.segment().options());
      // RFC 2883: a first block at or below the cumulative ACK reports a duplicate.
      if (m.find() && Long.parseLong(m.group(2)) <= s.segment().ack()) dsacks++;
    }
    assertTrue(dsacks > 5, "duplicated segments draw D-SACKs: " + dsacks);
    assertEquals(
        0,
        segments(r, "server", TraceEvent.SegmentAction.RETRANSMIT).size(),
        "duplication alone needs no retransmission");
  }

  private static List<TraceEvent.Segment> segments(
      DemoRun r, String host, TraceEvent.SegmentAction action) {
    return r.events().stream()
        .filter(
            e -> e instanceof TraceEvent.Segment s && s.host().equals(host) && s.action() == action)
        .map(e -> (TraceEvent.Segment) e)
        .toList();
  }
}
