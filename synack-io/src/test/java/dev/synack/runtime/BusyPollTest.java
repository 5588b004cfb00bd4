package dev.synack.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The busy-poll before a park, on a virtual clock that moves 1 µs per poll. */
class BusyPollTest {
  private static final long US = 1_000;

  /** A clock that moves by one microsecond each time it is read. */
  private static final class Clock {
    long now = 1_000_000;

    long read() {
      return now += US;
    }
  }

  @Test
  void nothingFound_spinsUntilTheBudgetIsSpent_thenGivesUp() {
    Clock clock = new Clock();
    BusyPoll poll = new BusyPoll(50 * US, clock::read);
    int[] polls = {0};
    long start = clock.now;
    assertFalse(poll.spin(Long.MAX_VALUE, () -> ++polls[0] < 0));
    long spent = clock.now - start;
    assertTrue(spent >= 50 * US && spent <= 52 * US, "spun for the budget, no more: " + spent);
    assertTrue(polls[0] >= 48 && polls[0] <= 51, "polled about once per µs: " + polls[0]);
    assertEquals(0, poll.won());
    assertEquals(1, poll.lost());
  }

  @Test
  void somethingFound_returnsAtOnce() {
    Clock clock = new Clock();
    BusyPoll poll = new BusyPoll(50 * US, clock::read);
    int[] polls = {0};
    assertTrue(poll.spin(Long.MAX_VALUE, () -> ++polls[0] == 3));
    assertEquals(3, polls[0], "stopped at the poll that found work");
    assertEquals(1, poll.won());
    assertEquals(0, poll.lost());
  }

  @Test
  void deadlineBeforeTheBudget_neverSpinsPastIt() {
    Clock clock = new Clock();
    BusyPoll poll = new BusyPoll(50 * US, clock::read);
    long deadline = clock.now + 10 * US;
    assertFalse(poll.spin(deadline, () -> false));
    assertTrue(
        clock.now <= deadline + 2 * US, "stopped at the deadline: " + (clock.now - deadline));
  }

  @Test
  void deadlinePassed_orNoBudget_noPollAtAll() {
    Clock clock = new Clock();
    int[] polls = {0};
    BusyPoll poll = new BusyPoll(50 * US, clock::read);
    assertFalse(poll.spin(clock.now - 1, () -> ++polls[0] > 0));
    BusyPoll off = new BusyPoll(0, clock::read);
    assertFalse(off.spin(Long.MAX_VALUE, () -> ++polls[0] > 0));
    assertEquals(0, polls[0]);
    assertThrows(IllegalArgumentException.class, () -> new BusyPoll(-1, clock::read));
  }
}
