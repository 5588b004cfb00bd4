package dev.synack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Receive-buffer auto-tuning (Linux's tcp_rcv_space_adjust): once per round trip, the rate the
 * application reads at sizes the buffer.
 */
class ReceiveBufferTunerTest {
  private static final long MS = 1_000_000L;
  private static final int MSS = 1460;

  @Nested
  class Tuner {
    @Test
    void lessThanOneRoundTrip_noChange() {
      ReceiveBufferTuner t = new ReceiveBufferTuner(6 << 20);
      assertEquals(131072, t.onRead(0, 0, 50 * MS, 131072, MSS));
      assertEquals(131072, t.onRead(100_000, 49 * MS, 50 * MS, 131072, MSS));
    }

    @Test
    void readMoreThanLastRoundTrip_bufferGrowsToTwiceThatAndMore() {
      ReceiveBufferTuner t = new ReceiveBufferTuner(6 << 20);
      t.onRead(0, 0, 50 * MS, 131072, MSS);
      int grown = t.onRead(100_000, 50 * MS, 50 * MS, 131072, MSS);
      assertTrue(grown > 2 * 100_000, "at least twice the rate read: " + grown);
      // A steady rate (the same bytes per round trip) grows it no further.
      assertEquals(grown, t.onRead(200_000, 100 * MS, 50 * MS, grown, MSS));
    }

    @Test
    void growth_cappedAtTheMaximum() {
      ReceiveBufferTuner t = new ReceiveBufferTuner(1 << 20);
      t.onRead(0, 0, 10 * MS, 131072, MSS);
      assertEquals(1 << 20, t.onRead(900_000, 10 * MS, 10 * MS, 131072, MSS));
    }

    @Test
    void lockedByTheUser_neverTuned() {
      ReceiveBufferTuner t = new ReceiveBufferTuner(6 << 20);
      t.lock();
      t.onRead(0, 0, 10 * MS, 65536, MSS);
      assertEquals(65536, t.onRead(900_000, 10 * MS, 10 * MS, 65536, MSS));
    }

    @Test
    void timestampSamples_smoothedWithGainOneEighth() {
      ReceiveBufferTuner t = new ReceiveBufferTuner(6 << 20);
      t.onTimestampSample(80 * MS);
      t.onTimestampSample(160 * MS);
      assertEquals(90 * MS, t.rtt());
    }

    @Test
    void withoutTimestamps_aWindowsWorthOfDataTimesTheRoundTrip() {
      ReceiveBufferTuner t = new ReceiveBufferTuner(6 << 20);
      t.onInOrderData(1000, 5000, 0); // the sample ends when RCV.NXT passes 6000
      t.onInOrderData(4000, 5000, 20 * MS);
      assertEquals(0, t.rtt());
      t.onInOrderData(6000, 5000, 45 * MS);
      assertEquals(45 * MS, t.rtt());
    }
  }

  @Nested
  class Engine {
    @Test
    void established_applicationReadsFast_windowAnnouncedGrowsPast128KiB() {
      EnginePair p = EnginePair.established(TcpConfig.defaults().withBuffers(128 * 1024, 1 << 20));
      int before = p.server().status().rcvWnd();
      for (int round = 0; round < 6; round++) {
        p.tick(Duration.ofMillis(20));
        p.send(p.client(), "r".repeat(120_000));
        p.run();
        p.read(p.server());
        p.run();
        p.advance(Duration.ofMillis(50));
      }
      int after = p.server().status().rcvWnd();
      assertTrue(
          before <= 131072 && after > 131072,
          "window " + before + " -> " + after + "\n" + p.trace.dump());
    }

    @Test
    void tuningOff_windowStaysAtTheBuffer() {
      EnginePair p =
          EnginePair.established(
              TcpConfig.defaults()
                  .withBuffers(128 * 1024, 1 << 20)
                  .withReceiveBufferAutoTuning(false, 6 << 20));
      for (int round = 0; round < 6; round++) {
        p.tick(Duration.ofMillis(20));
        p.send(p.client(), "r".repeat(120_000));
        p.run();
        p.read(p.server());
        p.run();
      }
      assertTrue(p.server().status().rcvWnd() <= 131072 + 128);
    }
  }
}
