package dev.synack.cli.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The heap one sim-conn-rate cycle holds while its client end waits in TIME-WAIT (the server's end
 * released), measured as after full GCs, with a bound: the figure keeps one per cycle until virtual
 * time jumps over 2 MSL, so this is what each young collection of its timed window copies. 1,779 B
 * before session 9 let TIME-WAIT drop congestion control and RACK state; about 1,283 B after.
 */
class TimeWaitBytesTest {
  @Test
  void clientInTimeWait_holdsAtMost1400BytesPerCycle() {
    double perCycle =
        ConnRateBench.timeWaitBytesPerCycle(2 * BenchSettings.MIN_MEASURABLE_IDLE_CONNS);
    assertTrue(perCycle > 300, "the heap measured almost nothing per TIME-WAIT: " + perCycle);
    assertTrue(perCycle <= 1_400, "a cycle in TIME-WAIT holds " + perCycle + " B");
  }
}
