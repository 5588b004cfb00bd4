package dev.synack.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The host's deadlines: the earliest first, a deadline moved in place, a connection removed
 * wherever it sits.
 */
class DeadlineQueueTest {

  @Nested
  class Moves {
    @Test
    void retransmissionTimerRestartedLater_theOtherConnectionComesFirst() {
      DeadlineQueue q = new DeadlineQueue();
      Connection a = connection();
      Connection b = connection();
      q.schedule(a, 100);
      q.schedule(b, 200);
      assertSame(a, q.first());
      q.schedule(a, 300); // an ACK restarted a's RTO
      assertSame(b, q.first());
      assertEquals(200, q.nextTime());
    }

    @Test
    void noDeadlineLeft_connectionLeavesTheQueue() {
      DeadlineQueue q = new DeadlineQueue();
      Connection a = connection();
      q.schedule(a, 100);
      q.schedule(a, Long.MAX_VALUE);
      assertNull(q.first());
      assertEquals(Long.MAX_VALUE, q.nextTime());
      assertEquals(-1, a.deadlineIndex);
    }
  }

  /**
   * Any sequence of schedules and removals over a few connections keeps the earliest deadline
   * first.
   */
  @Property(tries = 300)
  void anySchedules_earliestFirst(
      @ForAll @Size(max = 80) List<@IntRange(min = -1, max = 1000) Integer> times,
      @ForAll @Size(max = 80) List<@IntRange(min = 0, max = 7) Integer> who) {
    DeadlineQueue q = new DeadlineQueue();
    List<Connection> conns = new ArrayList<>();
    for (int i = 0; i < 8; i++) conns.add(connection());
    Map<Connection, Long> model = new HashMap<>();
    for (int k = 0; k < Math.min(times.size(), who.size()); k++) {
      Connection c = conns.get(who.get(k));
      long time = times.get(k) < 0 ? Long.MAX_VALUE : times.get(k);
      if (time == 1000) {
        q.remove(c);
        model.remove(c);
      } else {
        q.schedule(c, time);
        if (time == Long.MAX_VALUE) model.remove(c);
        else model.put(c, time);
      }
      long earliest =
          model.values().stream().mapToLong(Long::longValue).min().orElse(Long.MAX_VALUE);
      assertEquals(earliest, q.nextTime());
      if (q.first() != null) assertEquals(earliest, model.get(q.first()));
    }
    // Taking them all gives the times in order.
    long last = Long.MIN_VALUE;
    for (int n = model.size(); n > 0; n--) {
      Connection c = q.first();
      assertEquals(true, c.scheduledDeadline >= last);
      last = c.scheduledDeadline;
      q.remove(c);
    }
    assertNull(q.first());
  }

  private static Connection connection() {
    return new Connection(null, null, null);
  }
}
