package dev.synack.tcp;

import static dev.synack.tcp.TcpState.CLOSED;
import static dev.synack.tcp.TcpState.ESTABLISHED;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.synack.trace.TraceEvent;
import dev.synack.wire.TcpSegment;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Basic data transfer in ESTABLISHED (RFC 9293 §3.8, §3.10.7.4 seventh step; RFC 6298): segments of
 * the effective MSS, in-order delivery, the peer's window, retransmission from SND.UNA with
 * backoff, and out-of-order segments held with a duplicate ACK.
 */
class DataTransferTest {
  private static final TcpConfig PLAIN = EngineScript.PLAIN;

  @Nested
  class Sending {
    @Test
    void established_largeSend_segmentedByEffectiveMss() {
      EnginePair p = EnginePair.established(TcpConfig.defaults());
      p.send(p.client(), "a".repeat(3000));
      assertEquals(1448, p.clientToServer(".", 1001, 5001).payloadLength());
      assertEquals(1448, p.clientToServer(".", 2449, 5001).payloadLength());
      assertEquals(104, p.clientToServer("P.", 3897, 5001).payloadLength());
      p.run();
      assertEquals("a".repeat(3000), p.read(p.server()));
      assertEquals(0, p.client().status().sendQueued());
    }

    @Test
    void established_peerWindow_respectedWithoutSillySegments() {
      EngineScript s = EngineScript.established(PLAIN);
      s.inject(Seg.of(80, 40000, ".", 5001, 1001, 1000));
      s.send("b".repeat(1500));
      assertEquals(536, s.expect(".", 1001, 5001).payloadLength());
      s.expectNothing(); // 464 bytes would fit, but a segment that small waits (RFC 9293
      // §3.8.6.2.1)
      s.inject(Seg.of(80, 40000, ".", 5001, 1537, 1000));
      assertEquals(536, s.expect(".", 1537, 5001).payloadLength());
      assertEquals(
          428, s.expect("P.", 2073, 5001).payloadLength(), "the rest of the data fits: it goes");
    }

    @Test
    void established_rto_retransmitsFromSndUnaOneSegmentAtATimeWithBackoff() {
      EngineScript s = EngineScript.established(PLAIN);
      s.send("d".repeat(1000));
      s.expect(".", 1001, 5001);
      s.expect("P.", 1537, 5001);
      long t1 = s.fireNextTimer();
      assertEquals(200_000_001L, t1, "the handshake's RTT sample (0) gives SRTT + minRto");
      // RFC 5681 §3.1: after a timeout cwnd is the loss window, one segment.
      s.expect(".", 1001, 5001);
      s.expectNothing();
      // The ACK opens cwnd to two segments (slow start); the second segment, given up at the
      // timeout too, follows.
      s.inject(".", 5001, 1537);
      s.expect("P.", 1537, 5001);
      long t2 = s.fireNextTimer();
      assertEquals(2 * 200_000_001L, t2 - t1, "the backed-off RTO stays until a new sample (Karn)");
      s.expect("P.", 1537, 5001);
      long retransmits =
          s.trace.events().stream()
              .filter(
                  e ->
                      e instanceof TraceEvent.Segment seg
                          && seg.action() == TraceEvent.SegmentAction.RETRANSMIT)
              .count();
      assertEquals(3, retransmits);
    }

    @Test
    void established_retries2Exhausted_closesTimedOut() {
      EngineScript s = EngineScript.established(PLAIN.withRetries(6, 5, 2));
      s.send("e");
      s.expect("P.", 1001, 5001);
      s.fireNextTimer();
      s.expect("P.", 1001, 5001);
      s.fireNextTimer();
      s.expect("P.", 1001, 5001);
      s.fireNextTimer();
      s.expectNothing();
      s.assertState(CLOSED);
      assertEquals(
          new ConnectionEvent.Closed(TcpError.CONNECTION_TIMED_OUT), s.drainEvents().getLast());
    }
  }

  @Nested
  class Receiving {
    @Test
    void established_inOrderData_deliveredAndAcked() {
      EngineScript s = EngineScript.established(PLAIN);
      s.injectText("P.", 5001, 1001, "hello");
      s.expect(".", 1001, 5006);
      assertEquals(List.of(new ConnectionEvent.Readable()), s.drainEvents());
      assertEquals("hello", s.read());
    }

    @Test
    void established_outOfOrderData_heldWithDuplicateAck() {
      EngineScript s = EngineScript.established(PLAIN);
      s.injectText("P.", 5101, 1001, "later");
      s.expect(".", 1001, 5001);
      assertEquals("", s.read());
      assertEquals(
          5, s.conn().rcv.outOfOrderBytes(), "held for when the hole fills (ReassemblyTest)");
    }

    @Test
    void established_partlyOldSegment_onlyNewBytesDelivered() {
      EngineScript s = EngineScript.established(PLAIN);
      s.injectText("P.", 5001, 1001, "0123456789");
      s.expect(".", 1001, 5011);
      s.injectText("P.", 5006, 1001, "56789abcde");
      s.expect(".", 1001, 5016);
      assertEquals("0123456789abcde", s.read());
    }

    @Test
    void established_oldDuplicateData_ackedNotDelivered() {
      EngineScript s = EngineScript.established(PLAIN);
      s.injectText("P.", 5001, 1001, "once");
      s.expect(".", 1001, 5005);
      s.injectText("P.", 5001, 1001, "once");
      s.expect(".", 1001, 5005);
      assertEquals("once", s.read());
    }

    @Test
    void established_dataBeyondWindow_cutToTheWindow() {
      EngineScript s = EngineScript.established(PLAIN.withBuffers(10, 10));
      s.injectText("P.", 5001, 1001, "0123456789overflow");
      s.expect(".", 1001, 5011);
      assertEquals("0123456789", s.read());
    }

    @Test
    void established_pureAckAtTheRightEdge_acceptedWithoutReply() {
      // The peer filled our 10-byte window with data that was lost, so its SND.NXT is our
      // RCV.NXT + RCV.WND; its ACK of our data carries that sequence number. Linux takes it;
      // answering it with an ACK instead lets two such peers ACK each other's ACKs forever.
      EngineScript s = EngineScript.established(PLAIN.withBuffers(10, 10));
      s.send("abc");
      s.expect("P.", 1001, 5001);
      s.inject(".", 5011, 1004);
      s.expectNothing();
      assertEquals(1004, s.conn().status().sndUna(), "its ACK was processed");
      assertEquals(0, s.conn().status().sendQueued());
    }

    @Test
    void established_pureAckBeyondTheRightEdge_answeredWithAck() {
      EngineScript s = EngineScript.established(PLAIN.withBuffers(10, 10));
      s.inject(".", 5012, 1001);
      s.expect(".", 1001, 5001);
      s.assertDropped("outside the receive window");
    }

    @Test
    void established_zeroWindowProbe_answeredWithWindow() {
      EngineScript s = EngineScript.established(PLAIN.withBuffers(4, 4));
      s.injectText("P.", 5001, 1001, "full");
      TcpSegment ack = s.expect(".", 1001, 5005);
      assertEquals(0, ack.window());
      s.injectText("P.", 5005, 1001, "x");
      assertEquals(0, s.expect(".", 1001, 5005).window());
      s.assertState(ESTABLISHED);
    }
  }

  @Nested
  class BothWays {
    @Test
    void pair_bulkTransferWithLosses_everyByteOnceInOrder() {
      EnginePair p = EnginePair.established(TcpConfig.defaults());
      byte[] data = new byte[300_000];
      for (int i = 0; i < data.length; i++) data[i] = (byte) (i * 31 + 7);
      ByteBuffer src = ByteBuffer.wrap(data);
      ByteBuffer got = ByteBuffer.allocate(data.length);
      int[] count = {0};
      for (int round = 0; round < 10_000 && got.hasRemaining(); round++) {
        p.client().send(src, p.now());
        if (round % 3 == 1)
          p.dropNextFromClient(seg -> seg.payloadLength() > 0 && ++count[0] % 5 == 0);
        p.run();
        while (p.server().receive(got, p.now()) > 0) {}
        if (!src.hasRemaining() && p.client().status().sendQueued() == 0) break;
        if (p.client().status().sendQueued() > 0 && p.client().pollTimeout() != Long.MAX_VALUE) {
          p.run();
          if (p.client().status().sendQueued() > 0) p.fireNextTimer();
        }
        while (p.server().receive(got, p.now()) > 0) {}
      }
      assertEquals(data.length, got.position(), p.trace.events().size() + " events");
      got.flip();
      assertEquals(ByteBuffer.wrap(data), got);
      p.assertState(p.client(), ESTABLISHED);
    }
  }
}
