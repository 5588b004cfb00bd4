package dev.synack.cli.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The scaling bench's CPU accounting: the machine's busy and total time from /proc/stat. */
class CpuAccountTest {
  @Test
  void parseStat_busyIsEverythingButIdleAndIowait_guestNotCountedTwice() {
    String stat =
        "cpu  100 5 40 800 20 3 7 2 50 0\n" + "cpu0 50 2 20 400 10 1 3 1 25 0\n" + "intr 12345\n";
    // busy: user 100 + nice 5 + system 40 + irq 3 + softirq 7 + steal 2; total adds idle and
    // iowait; guest (50) is already inside user.
    assertArrayEquals(new long[] {157, 977}, CpuAccount.parseStat(stat));
  }

  @Test
  void parseStat_withoutTheAggregateLine_isNull() {
    assertNull(CpuAccount.parseStat("cpu0 1 2 3 4\nintr 1\n"));
  }

  @Test
  void machineAccount_withoutLoops_saysTheMachineOnly() {
    String line = new CpuAccount(null).finish().describe(10, "cycle");
    assertTrue(
        line.startsWith("machine ") && !line.contains("loop"), "machine only, no loops: " + line);
  }
}
