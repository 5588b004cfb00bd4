package dev.synack.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.tcp.TcpConfig;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The path experiment itself: only what holds for any correct engine is asserted (bytes delivered,
 * physical bounds, flow control, losses repaired); issue 4's figures are in {@link
 * TransferFiguresTest}.
 */
class PathExperimentTest {
  private static final long MBIT = 1_000_000;

  /** 10 Mbit/s, 20 ms: a BDP of 25 kB, so that small transfers still cross many round trips. */
  private static final PathConfig PATH = PathConfig.of(10 * MBIT, Duration.ofMillis(20));

  private static final TcpConfig SMALL_BUFFERS =
      TcpConfig.defaults().withBuffers(16 * 1024, 16 * 1024);

  @Nested
  class CleanPath {
    @Test
    void windowLimitedTransfer_everyByteArrives_noneDropped() {
      PathResult r = PathExperiment.run(PATH, 500_000, SMALL_BUFFERS, 1);

      assertTrue(r.completed(), r.describe().toString());
      assertEquals(500_000, r.delivered());
      assertEquals(0, r.dataLink().droppedTotal(), "a queue of one BDP holds a 16 KiB window");
      assertTrue(r.segmentsSent() >= 500_000 / 1448, "at least one segment per MSS of data");
    }

    @Test
    void goodput_neverAboveTheWindowPerRoundTripNorTheBottleneck() {
      PathResult r = PathExperiment.run(PATH, 500_000, SMALL_BUFFERS, 1);

      // Flow control: no more than the receive buffer per round trip (RFC 9293 §3.8.6).
      double windowLimit = 16 * 1024 * 8 / 0.020;
      assertTrue(r.goodputAfterSlowStart() <= windowLimit * 1.02, r.describe().toString());
      assertTrue(r.goodput() <= PATH.bandwidth());
      assertTrue(r.linkUtilisation() > 0 && r.linkUtilisation() <= 1.0, r.describe().toString());
      // A round trip may also hold the end of a packet whose serialisation began in the one before.
      double perRoundTripLimit = PATH.bandwidth() + PATH.mtu() * 8 / 0.020;
      for (double perRtt : r.perRoundTrip())
        assertTrue(perRtt <= perRoundTripLimit, "round trip at " + perRtt);
    }

    @Test
    void slowStart_endsAfterTheHandshakeAndBeforeTheTransferDoes() {
      PathResult r = PathExperiment.run(PATH, 500_000, SMALL_BUFFERS, 1);

      assertTrue(
          r.slowStartEndNanos() >= PATH.rttNanos(),
          "no data arrives in the handshake's round trip");
      assertTrue(r.slowStartEndNanos() < r.durationNanos(), r.describe().toString());
      List<Double> curve = r.perRoundTrip();
      assertEquals(0.0, curve.getFirst(), "the first round trip is the handshake");
      assertTrue(curve.size() >= r.durationNanos() / PATH.rttNanos(), "one point per round trip");
    }

    @Test
    void sameArguments_sameResult() {
      assertEquals(
          PathExperiment.run(PATH, 100_000, SMALL_BUFFERS, 3),
          PathExperiment.run(PATH, 100_000, SMALL_BUFFERS, 3));
    }
  }

  @Nested
  class LossyPath {
    @Test
    void randomLoss_everyByteArrives_andLostDataIsRetransmitted() {
      PathResult r = PathExperiment.run(PATH.withLoss(0.02), 300_000, SMALL_BUFFERS, 5);

      assertTrue(r.completed(), r.describe().toString());
      assertEquals(300_000, r.delivered());
      assertTrue(r.dataLink().dropped(SimNetwork.LOSS) > 0);
      assertTrue(r.retransmissions() > 0, r.describe().toString());
      assertTrue(
          r.goodput() < PathExperiment.run(PATH, 300_000, SMALL_BUFFERS, 5).goodput(),
          "loss costs goodput");
    }
  }

  @Nested
  class Config {
    @Test
    void of_queueOfOneBandwidthDelayProduct() {
      PathConfig p = PathConfig.of(100 * MBIT, Duration.ofMillis(50));
      assertEquals(625_000, p.bdpBytes(), "issue 4's path: 100 Mbit/s x 50 ms");
      assertEquals(625_000, p.queueBytes());
      assertEquals(0.0, p.loss());
    }

    @Test
    void badValues_rejectedWithTheValue() {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> PATH.withLoss(1.5));
      assertTrue(e.getMessage().contains("1.5"), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> new PathConfig(0, 1, 0, 0, 1500));
      assertThrows(IllegalArgumentException.class, () -> PATH.withMtu(100));
      assertThrows(
          IllegalArgumentException.class, () -> PathExperiment.run(PATH, 0, SMALL_BUFFERS, 1));
    }
  }
}
