package dev.synack.sim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.tcp.TcpConfig;
import java.time.Duration;
import java.util.Locale;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Issue 4's figures, on two synack hosts over a simulated 100 Mbit/s path with a 50 ms round trip,
 * in virtual time (deterministic: these are measurements of the algorithms, not of the machine).
 * The bandwidth-delay product is 625 kB, so the window must scale past 64 KiB (RFC 7323) and the
 * receive buffer must grow by auto-tuning.
 */
class TransferFiguresTest {
  private static final long MBIT = 1_000_000;
  private static final PathConfig PATH = PathConfig.of(100 * MBIT, Duration.ofMillis(50));

  @Nested
  class CleanPath {
    @Test
    void afterSlowStart_theLinkIsKeptAtLeast95PercentFull() {
      PathResult r = PathExperiment.run(PATH, 60_000_000, TcpConfig.defaults(), 1);
      System.out.println("clean 100 Mbit/s 50 ms: " + r.describe());

      assertTrue(r.completed(), r.describe().toString());
      // Goodput, not link use: retransmissions of what the bottleneck queue dropped do not count.
      assertTrue(r.goodputAfterSlowStart() >= 0.95 * PATH.bandwidth(), r.describe().toString());
    }
  }

  @Nested
  class OnePercentLoss {
    /** MSS/RTT * 1.22/sqrt(p) (Mathis et al. 1997), the loss-limited goodput of Reno. */
    private static double mathisBound(int mss, double rttSeconds, double p) {
      return mss * 8 / rttSeconds * 1.22 / Math.sqrt(p);
    }

    private double goodput(String cc, long seed) {
      PathResult r =
          PathExperiment.run(
              PATH.withLoss(0.01),
              15_000_000,
              TcpConfig.defaults().withCongestionControl(cc),
              seed);
      assertTrue(r.completed(), r.describe().toString());
      System.out.println(cc + " 1 % loss seed " + seed + ": " + r.describe());
      return r.goodput();
    }

    @Test
    void goodput_reachesTheMathisBound_andCubicBeatsNewReno() {
      double bound = mathisBound(1448, 0.050, 0.01);
      double cubic = 0, newReno = 0;
      for (long seed = 1; seed <= 3; seed++) {
        cubic += goodput("cubic", seed) / 3;
        newReno += goodput("newreno", seed) / 3;
      }
      String figures =
          String.format(
              Locale.ROOT,
              "Mathis %.2f Mbit/s, CUBIC %.2f, NewReno %.2f",
              bound / 1e6,
              cubic / 1e6,
              newReno / 1e6);
      System.out.println(figures);
      assertTrue(cubic >= bound, figures);
      assertTrue(newReno >= bound, figures);
      assertTrue(cubic > newReno, figures);
    }
  }
}
