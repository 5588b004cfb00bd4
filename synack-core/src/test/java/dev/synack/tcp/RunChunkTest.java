package dev.synack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.wire.OutboundSegment;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * New data taken for an offloaded write ({@link TcpConnection#pollTransmit(long, OutboundSegment,
 * int)} with room for several segments) leaves the connection as one chunk of whole segments, one
 * scoreboard record, where taken one segment at a time it is a chunk and a record per segment.
 */
class RunChunkTest {
  @Test
  void established_initialWindowTakenForOneWrite_oneChunkOneRecord() {
    EnginePair p = EnginePair.establishedUntraced(TcpConfig.defaults());
    TcpConnection c = p.client();
    c.send(ByteBuffer.allocate(100_000), p.now());
    int mss = c.segmentMss(p.now());
    OutboundSegment out = new OutboundSegment();
    assertTrue(c.pollTransmit(p.now(), out, 64));
    int window = c.recovery.cwnd();
    int segments = window / mss;
    assertTrue(segments >= 2, "the initial window holds several segments: " + window);
    assertEquals(segments * mss, out.payloadLength(), "the whole initial window in one chunk");
    assertEquals(mss, out.segmentSize(), "cut into segments of one MSS");
    assertEquals(1, c.snd.scoreboard().count(), "one record for the run");
    assertEquals(segments, c.counters.dataSegsOut, "counted as the segments the device sends");
    assertFalse(c.pollTransmit(p.now(), out, 64), "cwnd is full: nothing more");
  }

  @Test
  void established_initialWindowTakenOneByOne_aChunkAndRecordPerSegment() {
    EnginePair p = EnginePair.establishedUntraced(TcpConfig.defaults());
    TcpConnection c = p.client();
    c.send(ByteBuffer.allocate(100_000), p.now());
    int mss = c.segmentMss(p.now());
    OutboundSegment out = new OutboundSegment();
    assertTrue(c.pollTransmit(p.now(), out), "the first segment");
    int segments = c.recovery.cwnd() / mss;
    for (int i = 1; i < segments; i++) {
      assertTrue(c.pollTransmit(p.now(), out), "segment " + i);
      assertEquals(mss, out.payloadLength());
      assertEquals(0, out.segmentSize(), "one segment, not a run");
    }
    assertEquals(segments, c.snd.scoreboard().count(), "a record per segment");
  }

  @Test
  void runEndingTheData_carriesTheFin() {
    EnginePair p = EnginePair.establishedUntraced(TcpConfig.defaults());
    TcpConnection c = p.client();
    int mss = c.segmentMss(p.now());
    c.send(ByteBuffer.allocate(3 * mss), p.now());
    c.close(p.now());
    OutboundSegment out = new OutboundSegment();
    assertTrue(c.pollTransmit(p.now(), out, 64));
    assertEquals(3 * mss, out.payloadLength());
    assertTrue((out.flags() & dev.synack.wire.TcpFlags.FIN) != 0, "FIN rides on the run");
    assertTrue((out.flags() & dev.synack.wire.TcpFlags.PSH) != 0, "PSH ends the data");
  }
}
