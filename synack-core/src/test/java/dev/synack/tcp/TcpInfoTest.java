package dev.synack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * {@link TcpInfo}: what each end of a pair knows of itself, counted as Linux's {@code tcp_info}
 * counts.
 */
class TcpInfoTest {
  @Test
  void established_fieldsOfTheHandshake() {
    EnginePair p = EnginePair.established(TcpConfig.defaults());
    TcpInfo c = p.client().info(p.now());
    assertEquals(TcpState.ESTABLISHED, c.state());
    assertEquals("OPEN", c.caState());
    assertEquals("cubic", c.congestionControl());
    assertEquals(TcpInfo.OPT_TIMESTAMPS | TcpInfo.OPT_SACK | TcpInfo.OPT_WSCALE, c.options());
    assertEquals(1448, c.sndMss());
    assertEquals(10, c.sndCwnd(), "IW10");
    assertEquals(0x7fffffff, c.sndSsthresh(), "infinite before the first loss, as Linux shows it");
    assertEquals(1, c.bytesAcked(), "the SYN, as Linux counts it");
    assertEquals(0, c.bytesReceived(), "the peer's SYN is not data received");
    assertEquals(2, c.segsOut(), "SYN and ACK");
    assertEquals(1, c.segsIn(), "the SYN-ACK");
    assertEquals(0, c.dataSegsOut());
    assertEquals(0, c.totalRetrans());
  }

  @Test
  void transfer_countsBytesAndSegmentsBothWays() {
    EnginePair p = EnginePair.established(TcpConfig.defaults());
    p.send(p.client(), "x".repeat(100_000));
    p.run();
    assertEquals(100_000, p.read(p.server()).length());
    TcpInfo c = p.client().info(p.now());
    TcpInfo s = p.server().info(p.now());
    assertEquals(100_000, c.bytesSent());
    assertEquals(100_001, c.bytesAcked());
    assertEquals(100_000, s.bytesReceived());
    int segments = (100_000 + 1447) / 1448;
    assertEquals(segments, c.dataSegsOut());
    assertEquals(segments, s.dataSegsIn());
    assertEquals(c.segsOut(), s.segsIn(), "every segment the client sent arrived");
    assertEquals(s.segsOut(), c.segsIn());
    assertEquals(0, c.unacked());
    assertEquals(0, c.notsentBytes());
    assertTrue(c.rtt() >= 0);
    assertTrue(
        c.ssLine().contains("bytes_acked:100001") && c.ssLine().contains("cubic"), c.ssLine());
  }

  @Test
  void lostSegment_retransmissionCounted() {
    EnginePair p = EnginePair.established(TcpConfig.defaults());
    p.dropNextFromClient(seg -> seg.payloadLength() > 0);
    p.send(p.client(), "y".repeat(5000));
    p.run();
    assertEquals(5000, p.read(p.server()).length());
    TcpInfo c = p.client().info(p.now());
    assertEquals(1, c.totalRetrans());
    assertEquals(1448, c.bytesRetrans());
    assertEquals(5000 + 1448, c.bytesSent(), "bytes_sent counts the retransmission too");
    assertEquals(5001, c.bytesAcked());
  }

  @Test
  void close_finCountsAsReceivedAndAcked() {
    EnginePair p = EnginePair.established(TcpConfig.defaults());
    p.client().close(p.now());
    p.run();
    assertEquals(1, p.server().info(p.now()).bytesReceived(), "the FIN");
    assertEquals(2, p.client().info(p.now()).bytesAcked(), "SYN and FIN");
  }

  @Test
  void passiveOpen_bytesAckedCountsItsSynOnly_notTheIss() {
    EnginePair p = EnginePair.established(TcpConfig.defaults());
    assertEquals(1, p.server().info(p.now()).bytesAcked(), "the SYN-ACK's SYN, as Linux counts it");
    p.send(p.server(), "z".repeat(3000));
    p.run();
    assertEquals(3001, p.server().info(p.now()).bytesAcked());
  }

  @Test
  void beforeTheHandshake_noFailure() {
    EnginePair p = EnginePair.connect(TcpConfig.defaults());
    TcpInfo c = p.client().info(p.now());
    assertEquals(TcpState.SYN_SENT, c.state());
    assertEquals(0, c.bytesAcked());
    assertEquals(10, c.sndCwnd());
  }
}
