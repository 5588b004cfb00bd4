package dev.synack.cli.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The heap one sim-conn-rate cycle holds while its client end waits in TIME-WAIT (the server's end
 * released), measured as after full GCs, with a bound: the figure keeps one per cycle until virtual
 * time jumps over 2 MSL, so this is what each young collection of its timed window copies. 1,779 B
 * before session 9 let TIME-WAIT drop congestion control and RACK state; about 1,283 B after; about
 * 233 B since the host holds the end as a TimeWaitTcb record (session 10).
 */
class TimeWaitBytesTest {
  @Test
  void clientInTimeWait_holdsAtMost300BytesPerCycle() {
    double perCycle =
        ConnRateBench.timeWaitBytesPerCycle(2 * BenchSettings.MIN_MEASURABLE_IDLE_CONNS);
    assertTrue(perCycle > 100, "the heap measured almost nothing per TIME-WAIT: " + perCycle);
    assertTrue(perCycle <= 300, "a cycle in TIME-WAIT holds " + perCycle + " B");
  }
}
