package dev.synack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.wire.OutboundSegment;
import dev.synack.wire.SeqNum;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The engine's small parts: ISN generator, RTT estimator, challenge-ACK limiter, byte queue,
 * configuration, 4-tuple.
 */
class EngineUnitsTest {
  private static final long MS = 1_000_000L;

  @Nested
  class Isn {
    private final IsnGenerator gen =
        new IsnGenerator(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});

    @Test
    void isn_sameTupleLater_advancesOnePer4Microseconds() {
      int a = gen.isn(EnginePair.CLIENT_ID, 0);
      int b = gen.isn(EnginePair.CLIENT_ID, 4_000_000); // 4 ms later
      assertEquals(1000, SeqNum.diff(b, a), "RFC 6528: M ticks every 4 µs");
    }

    @Test
    void isn_otherTuple_unrelatedOffset() {
      assertNotEquals(gen.isn(EnginePair.CLIENT_ID, 0), gen.isn(EnginePair.SERVER_ID, 0));
    }

    @Test
    void isn_otherKey_otherIsn() {
      assertNotEquals(
          gen.isn(EnginePair.CLIENT_ID, 0),
          new IsnGenerator(new byte[16]).isn(EnginePair.CLIENT_ID, 0));
    }

    @Test
    void isn_badKeyLength_rejectedWithTheLength() {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> new IsnGenerator(new byte[8]));
      assertTrue(e.getMessage().contains("8"), e.getMessage());
    }

    @Test
    void timestampOffset_samePairSameOffset() {
      InetAddress a = EnginePair.CLIENT_ID.localAddress();
      InetAddress b = EnginePair.CLIENT_ID.remoteAddress();
      assertEquals(gen.timestampOffset(a, b), gen.timestampOffset(a, b));
      assertNotEquals(gen.timestampOffset(a, b), gen.timestampOffset(b, a));
    }
  }

  @Nested
  class Rtt {
    private final TcpConfig cfg = TcpConfig.defaults(); // RTO 1 s, 200 ms to 120 s
    private final RttEstimator rtt = new RttEstimator(cfg);

    @Test
    void rtt_beforeSample_initialRtoDoublesOnTimeout() {
      assertEquals(1000 * MS, rtt.rto(cfg));
      rtt.backOff(cfg);
      assertEquals(2000 * MS, rtt.rto(cfg));
      rtt.backOff(cfg);
      assertEquals(4000 * MS, rtt.rto(cfg));
    }

    @Test
    void rtt_firstSample_srttAndHalfVariance() {
      rtt.sample(100 * MS, cfg);
      assertEquals(100 * MS, rtt.srtt());
      assertEquals(50 * MS, rtt.rttvar());
      assertEquals(300 * MS, rtt.rto(cfg), "SRTT + max(minRto, 4 RTTVAR) = 100 + 200 ms");
    }

    @Test
    void rtt_laterSamples_rfc6298Smoothing() {
      rtt.sample(100 * MS, cfg);
      rtt.sample(200 * MS, cfg);
      assertEquals(112_500_000L, rtt.srtt(), "7/8 * 100 + 1/8 * 200");
      assertEquals(62_500_000L, rtt.rttvar(), "3/4 * 50 + 1/4 * |100 - 200|");
      assertEquals(362_500_000L, rtt.rto(cfg));
    }

    @Test
    void rtt_backoff_cappedAtMaxAndClearedBySample() {
      for (int i = 0; i < 20; i++) rtt.backOff(cfg);
      assertEquals(120_000 * MS, rtt.rto(cfg));
      rtt.sample(10 * MS, cfg);
      assertEquals(210 * MS, rtt.rto(cfg), "Linux-like floor: SRTT + minRto");
    }

    @Test
    void rtt_afterSynTimeoutWithoutSample_threeSeconds() {
      rtt.backOff(cfg);
      rtt.afterSynTimeout(cfg);
      assertEquals(3000 * MS, rtt.rto(cfg), "RFC 6298 §5.7");
    }
  }

  /** FreeBSD's RTO: rexmit_min 30 ms, rexmit_slop 200 ms, TCPTV_REXMTMAX 64 s. */
  @Nested
  class RttWithSlop {
    private final TcpConfig cfg =
        TcpConfig.defaults()
            .withRto(Duration.ofMillis(1000), Duration.ofMillis(30), Duration.ofMillis(64_000))
            .withRtoSlop(Duration.ofMillis(200));
    private final RttEstimator rtt = new RttEstimator(cfg);

    @Test
    void beforeSample_firstTimerIsTheInitialRto_backoffsAddTheSlop() {
      assertEquals(1000 * MS, rtt.rto(cfg), "the first SYN's timer: t_rxtcur = rexmit_initial");
      rtt.backOff(cfg);
      assertEquals(2200 * MS, rtt.rto(cfg), "1 s doubled, plus 200 ms");
      rtt.backOff(cfg);
      assertEquals(4200 * MS, rtt.rto(cfg));
    }

    @Test
    void afterSample_srttPlusFourRttvar_plusSlop() {
      rtt.sample(100 * MS, cfg);
      assertEquals(500 * MS, rtt.rto(cfg), "max(30, 100 + 4 * 50) + 200 ms");
      rtt.backOff(cfg);
      assertEquals(800 * MS, rtt.rto(cfg), "300 doubled, plus 200 ms");
    }

    @Test
    void tinyRtt_floorIsRexmitMinPlusSlop() {
      rtt.sample(1 * MS, cfg);
      assertEquals(230 * MS, rtt.rto(cfg));
    }

    @Test
    void backoff_cappedAtTheMaximum() {
      for (int i = 0; i < 20; i++) rtt.backOff(cfg);
      assertEquals(64_000 * MS, rtt.rto(cfg));
    }
  }

  @Nested
  class ChallengeAcks {
    @Test
    void limiter_allowsLimitPerSecond() {
      ChallengeAckLimiter l = new ChallengeAckLimiter(3);
      assertTrue(l.tryAcquire(0));
      assertTrue(l.tryAcquire(1));
      assertTrue(l.tryAcquire(2));
      assertFalse(l.tryAcquire(999_999_999));
      assertTrue(l.tryAcquire(1_000_000_000));
    }
  }

  @Nested
  class Bytes {
    @Test
    void queue_wrapsAroundAndGrows() {
      ByteQueue q = new ByteQueue(10_000);
      byte[] data = new byte[6000];
      for (int i = 0; i < data.length; i++) data[i] = (byte) i;
      assertEquals(6000, q.write(ByteBuffer.wrap(data)));
      q.discard(5000);
      assertEquals(4000, q.write(ByteBuffer.wrap(data, 0, 4000)));
      assertEquals(5000, q.size());
      OutboundSegment lent = new OutboundSegment().header(1, 2, 0, 0, 0, 0);
      q.lend(999, 2, lent);
      ByteBuffer copy = lent.toSegment().payload();
      assertEquals((byte) 5999, copy.get(0));
      assertEquals((byte) 0, copy.get(1));
      ByteBuffer out = ByteBuffer.allocate(10_000);
      assertEquals(5000, q.read(out));
      assertEquals(0, q.size());
    }

    @Test
    void queue_full_takesWhatFits() {
      ByteQueue q = new ByteQueue(5);
      ByteBuffer src = ByteBuffer.wrap(new byte[8]);
      assertEquals(5, q.write(src));
      assertEquals(3, src.remaining());
      assertEquals(0, q.free());
    }
  }

  @Nested
  class Config {
    @Test
    void defaults_likeLinux() {
      TcpConfig c = TcpConfig.defaults();
      assertEquals(1460, c.mss());
      assertTrue(c.windowScale() && c.sackPermitted() && c.timestamps() && c.rfc1337());
      assertEquals(30_000 * MS, c.msl());
      assertEquals(60_000 * MS, c.finWait2Timeout());
      assertEquals(6, c.synRetries());
      assertEquals(5, c.synAckRetries());
      assertEquals(15, c.retries2());
      assertEquals(1000 * MS, c.initialRto());
      assertEquals(200 * MS, c.minRto());
      assertEquals(120_000 * MS, c.maxRto());
      assertEquals(0, c.userTimeout());
      assertEquals(1000, c.challengeAckLimit());
      assertEquals(128 * 1024, c.receiveBuffer());
      assertEquals(128 * 1024, c.sendBuffer());
    }

    @Test
    void with_returnsCopyAndLeavesOriginal() {
      TcpConfig a = TcpConfig.defaults();
      TcpConfig b = a.withMsl(Duration.ofSeconds(1));
      assertEquals(30_000 * MS, a.msl());
      assertEquals(1000 * MS, b.msl());
    }

    @Test
    void badArguments_rejectedWithTheValue() {
      TcpConfig c = TcpConfig.defaults();
      assertTrue(
          assertThrows(IllegalArgumentException.class, () -> c.withMss(70000))
              .getMessage()
              .contains("70000"));
      assertTrue(
          assertThrows(IllegalArgumentException.class, () -> c.withWindowScale(true, 15))
              .getMessage()
              .contains("15"));
      assertTrue(
          assertThrows(IllegalArgumentException.class, () -> c.withMsl(Duration.ofSeconds(-1)))
              .getMessage()
              .contains("PT-1S"));
      assertTrue(
          assertThrows(IllegalArgumentException.class, () -> c.withChallengeAckLimit(0))
              .getMessage()
              .contains("0"));
    }
  }

  @Nested
  class Tuple {
    @Test
    void toString_isTheTraceConn() throws Exception {
      assertEquals("10.0.0.1:40000-10.0.0.2:80", EnginePair.CLIENT_ID.toString());
      FourTuple v6 =
          new FourTuple(InetAddress.ofLiteral("::1"), 80, InetAddress.ofLiteral("fe80::1"), 40000);
      assertEquals(
          "[::1]:80-[fe80::1]:40000",
          v6.toString(),
          "IPv6 in the canonical form of RFC 5952, as tcpdump prints it");
      assertEquals(
          "10.0.0.2:80-*:*",
          new FourTuple(EnginePair.SERVER_ID.localAddress(), 80, null, 0).toString());
    }
  }
}
