package dev.synack.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The spin of a thread waiting for the loop's outcome, on a virtual clock that moves 1 µs per read:
 * it ends when the outcome comes or the budget is spent, and after four losses in a row the next 64
 * waits park at once without polling.
 */
class CallerSpinTest {
  private static final long US = 1_000;

  /** A clock that moves by one microsecond each time it is read. */
  private static final class Clock {
    long now = 1_000_000;

    long read() {
      return now += US;
    }
  }

  @Test
  void outcomeComesWithinTheBudget_spinWins_andStopsAtIt() {
    Clock clock = new Clock();
    CallerSpin spin = new CallerSpin(50 * US, clock::read);
    int[] polls = {0};
    assertTrue(spin.spin(() -> ++polls[0] == 10));
    assertEquals(10, polls[0], "stopped at the poll that saw the outcome");
    assertArrayEquals(new long[] {1, 0, 0}, spin.counts());
  }

  @Test
  void outcomeLate_spinsForTheBudgetOnly_thenLoses() {
    Clock clock = new Clock();
    CallerSpin spin = new CallerSpin(50 * US, clock::read);
    long start = clock.now;
    assertFalse(spin.spin(() -> false));
    long spent = clock.now - start;
    assertTrue(spent >= 50 * US && spent <= 52 * US, "spun for the budget, no more: " + spent);
    assertArrayEquals(new long[] {0, 1, 0}, spin.counts());
  }

  @Test
  void fourLossesInARow_nextWaitsParkWithoutPolling_thenTheSpinIsTriedAgain() {
    Clock clock = new Clock();
    CallerSpin spin = new CallerSpin(50 * US, clock::read);
    int[] polls = {0};
    for (int i = 0; i < CallerSpin.LOSSES_BEFORE_BACKOFF; i++) assertFalse(spin.spin(() -> false));
    for (int i = 0; i < CallerSpin.SKIPPED_AFTER_LOSSES; i++) {
      assertFalse(spin.spin(() -> ++polls[0] > 0), "backing off: parks at once");
    }
    assertEquals(0, polls[0], "no wait polled while the spin backed off");
    assertArrayEquals(
        new long[] {0, CallerSpin.LOSSES_BEFORE_BACKOFF, CallerSpin.SKIPPED_AFTER_LOSSES},
        spin.counts());
    assertTrue(spin.spin(() -> ++polls[0] > 0), "then the spin is tried again, and wins");
    assertEquals(1, polls[0]);
  }

  @Test
  void aWinBetweenLosses_startsTheCountAgain_noBackoff() {
    Clock clock = new Clock();
    CallerSpin spin = new CallerSpin(50 * US, clock::read);
    for (int round = 0; round < 10; round++) {
      for (int i = 0; i < CallerSpin.LOSSES_BEFORE_BACKOFF - 1; i++) spin.spin(() -> false);
      assertTrue(spin.spin(() -> true));
    }
    assertArrayEquals(
        new long[] {10, 10 * (CallerSpin.LOSSES_BEFORE_BACKOFF - 1), 0},
        spin.counts(),
        "every wait spun: three losses and a win never back off");
  }

  @Test
  void noBudget_neverPolls() {
    CallerSpin spin = new CallerSpin(0, () -> 0);
    int[] polls = {0};
    assertFalse(spin.spin(() -> ++polls[0] > 0));
    assertEquals(0, polls[0]);
    assertArrayEquals(new long[] {0, 0, 0}, spin.counts());
    assertThrows(IllegalArgumentException.class, () -> new CallerSpin(-1, () -> 0));
  }
}
