package dev.synack.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.tcp.TcpState;
import dev.synack.wire.SeqNum;
import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpSegment;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Data and a CLOSE queued on a passive connection still in SYN-RECEIVED (RFC 9293 §3.10.4: "queue
 * for processing after entering ESTABLISHED state") must still leave, whatever the peer does first.
 * Both cases were found by HostFuzzTest.
 */
class EarlyCloseTest {
  static final long SECOND = 1_000_000_000L;

  static StatePeer queuedDataAndClose() {
    StatePeer p = StatePeer.into(TcpState.SYN_RECEIVED, true);
    p.connection.send(ByteBuffer.wrap(new byte[2000]), p.now);
    p.connection.close(p.now);
    p.drain();
    p.takeSent();
    return p;
  }

  @Test
  void handshakeCompletedByAZeroWindow_persistTimerRuns_andProbes() {
    StatePeer p = queuedDataAndClose();
    TcpSegment ack = p.ack(0);
    p.send(
        new TcpSegment(
            ack.sourcePort(),
            ack.destinationPort(),
            ack.sequenceNumber(),
            ack.acknowledgmentNumber(),
            ack.flags(),
            0,
            0,
            0,
            ack.options(),
            null));

    assertEquals(
        TcpState.FIN_WAIT_1, p.connection.state(), "the queued CLOSE applies once ESTABLISHED");
    assertNotEquals(
        Long.MAX_VALUE, p.host.pollTimeout(), "the persist timer reached the host's deadlines");
    p.advance(p.host.pollTimeout() - p.now);
    List<TcpSegment> probe = p.takeSent();
    assertEquals(1, probe.size(), "a zero-window probe");
    assertEquals(SeqNum.add(p.connection.status().sndUna(), -1), probe.getFirst().sequenceNumber());
  }

  @Test
  void peerFinBeforeOurDataLeft_closingStillSendsTheDataAndFin_thenTimeWait() {
    StatePeer p = queuedDataAndClose();
    // The peer completes the handshake and closes at once, its window shut.
    TcpSegment fin = p.segment(p.peerNxt, p.hostSndNxt(), TcpFlags.FIN | TcpFlags.ACK, 0);
    p.send(
        new TcpSegment(
            fin.sourcePort(),
            fin.destinationPort(),
            fin.sequenceNumber(),
            fin.acknowledgmentNumber(),
            fin.flags(),
            0,
            0,
            0,
            fin.options(),
            null));
    p.peerNxt = SeqNum.add(p.peerNxt, 1);
    assertEquals(TcpState.CLOSING, p.connection.state());
    p.takeSent();

    p.send(p.ack(0)); // the window opens

    List<TcpSegment> sent = p.takeSent();
    int data = sent.stream().mapToInt(TcpSegment::payloadLength).sum();
    assertEquals(2000, data, "the queued data leaves in CLOSING: " + sent);
    assertTrue(sent.getLast().has(TcpFlags.FIN), "then our FIN");
    p.send(p.ack(0));
    assertEquals(TcpState.TIME_WAIT, p.connection.state());
  }
}
