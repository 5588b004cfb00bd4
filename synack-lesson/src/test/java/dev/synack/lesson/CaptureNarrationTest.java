package dev.synack.lesson;

import static dev.synack.wire.TcpFlags.ACK;
import static dev.synack.wire.TcpFlags.FIN;
import static dev.synack.wire.TcpFlags.PSH;
import static dev.synack.wire.TcpFlags.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.trace.CaptureStates;
import dev.synack.trace.TraceEvent;
import dev.synack.wire.TcpSegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The narration of a capture, where a reply comes some microseconds after what it answers: it is
 * linked to its cause when it is the next thing its sender does and acknowledges exactly that
 * segment, and only then.
 */
class CaptureNarrationTest {
  private static final String C = "10.0.0.1:40000";
  private static final String S = "10.0.0.2:80";
  private static final int X = 1000;
  private static final int Y = 5000;

  /** Each segment 40 µs after the one before, as a capture on loopback shows them. */
  private static final long GAP = 40_000;

  private final CaptureStates states = new CaptureStates(C, S);
  private final List<TraceEvent> events = new ArrayList<>();
  private long time;

  private void send(String from, int flags, int seq, int ack, int len) {
    int sport = from.equals(C) ? 40000 : 80;
    int dport = from.equals(C) ? 80 : 40000;
    TcpSegment s =
        new TcpSegment(sport, dport, seq, ack, flags, 512, 0, 0, null, ByteBuffer.allocate(len));
    time += GAP;
    events.addAll(states.segment(time, from, s));
  }

  /** Handshake, 5 bytes each way, the client closes first, the server's ACK and FIN apart. */
  private void connection(boolean unrelatedAckBeforeLastAck) {
    send(C, SYN, X, 0, 0);
    send(S, SYN | ACK, Y, X + 1, 0);
    send(C, ACK, X + 1, Y + 1, 0);
    send(C, PSH | ACK, X + 1, Y + 1, 5);
    send(S, ACK, Y + 1, X + 6, 0);
    send(S, PSH | ACK, Y + 1, X + 6, 5);
    send(C, ACK, X + 6, Y + 6, 0);
    send(C, FIN | ACK, X + 6, Y + 6, 0);
    send(S, ACK, Y + 6, X + 7, 0);
    send(S, FIN | ACK, Y + 6, X + 7, 0);
    // An ACK that tells the client nothing new reaches it after the FIN and before its last ACK.
    if (unrelatedAckBeforeLastAck) send(S, ACK, Y + 7, X + 7, 0);
    send(C, ACK, X + 7, Y + 7, 0);
  }

  @Test
  void capture_linksEachReplyToTheSegmentItAnswers_inBothLanguages() {
    connection(false);
    List<String> en = Narration.narrate(events, "en", true);
    assertEquals(
        1,
        count(en, "Handshake, step 3: 10.0.0.1:40000 acknowledges the peer's SYN with ack=1"),
        String.join("\n", en));
    assertEquals(
        1,
        count(en, "Teardown, step 2: 10.0.0.2:80 acknowledges the first FIN with ack=7"),
        String.join("\n", en));
    assertEquals(
        1,
        count(en, "Teardown, step 3: 10.0.0.2:80 has no more data either"),
        String.join("\n", en));
    assertEquals(
        1,
        count(en, "Teardown, step 4: 10.0.0.1:40000 acknowledges the second FIN with ack=7"),
        String.join("\n", en));
    List<String> zh = Narration.narrate(events, "zh", true);
    assertEquals(
        1, count(zh, "第三次握手：10.0.0.1:40000 收到 SYN 报文之后，发送一个 ACK 报文"), String.join("\n", zh));
    assertEquals(1, count(zh, "第二次挥手：10.0.0.2:80 收到 FIN 之后，发送 ACK 报文"), String.join("\n", zh));
    assertEquals(1, count(zh, "第四次挥手：10.0.0.1:40000 收到 FIN 之后"), String.join("\n", zh));
  }

  @Test
  void capture_anUnrelatedAckBetween_leavesTheLastAckUnlinked() {
    connection(true);
    List<String> en = Narration.narrate(events, "en", true);
    // The client's last segment answers the server's plain ACK, which reached it last, not its FIN.
    assertEquals(0, count(en, "Teardown, step 4"), String.join("\n", en));
    assertEquals(1, count(en, "Handshake, step 3"), String.join("\n", en));
    assertEquals(1, count(en, "Teardown, step 2"), String.join("\n", en));
    assertEquals(0, count(Narration.narrate(events, "zh", true), "第四次挥手"));
  }

  @Test
  void capture_aReplyThatAcknowledgesSomethingElse_isNotLinked() {
    send(C, SYN, X, 0, 0);
    send(S, SYN | ACK, Y, X + 1, 0);
    // Not Y+1: this ACK does not acknowledge the SYN,ACK that reached the client last.
    send(C, ACK, X + 1, Y, 0);
    List<String> en = Narration.narrate(events, "en", true);
    assertFalse(
        en.stream().anyMatch(l -> l.startsWith("Handshake, step 3")), String.join("\n", en));
  }

  @Test
  void capture_aSecondSendAfterTheReply_isNotLinkedAgain() {
    send(C, SYN, X, 0, 0);
    send(S, SYN | ACK, Y, X + 1, 0);
    send(C, ACK, X + 1, Y + 1, 0);
    send(C, ACK, X + 1, Y + 1, 0); // the same ACK once more: the SYN,ACK was answered already
    List<String> en = Narration.narrate(events, "en", true);
    assertEquals(1, count(en, "Handshake, step 3"), String.join("\n", en));
    assertTrue(
        en.getLast().startsWith("10.0.0.1:40000 sends duplicate ACK #1"), String.join("\n", en));
  }

  private static long count(List<String> lines, String start) {
    return lines.stream().filter(l -> l.startsWith(start)).count();
  }
}
