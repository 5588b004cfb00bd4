package dev.synack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The pacer's arithmetic: exact spacing, a burst bounded by the quantum, no overflow. */
class PacerTest {
  private static final long MS = 1_000_000L;

  @Test
  void onTime_segmentsExactlySizeOverRateApart() {
    Pacer p = new Pacer();
    long rate = 1_250_000; // 10 Mbit/s: 1448 B every 1.1584 ms
    p.onSent(1448, rate, 1448, 0);
    long t = 0;
    for (int i = 0; i < 100; i++) {
      // Sending at the very instant allowed (what the pacing timer does): the next is 1448 / rate
      // later.
      while (p.ready(t)) {
        p.onSent(1448, rate, 1448, t);
      }
      long next = p.nextSend();
      assertFalse(p.ready(next - 1));
      t = next;
    }
    long t0 = t;
    p.onSent(1448, rate, 1448, t0);
    assertEquals(t0 + 1448L * 1_000_000_000L / rate, p.nextSend());
  }

  @Test
  void lateWakeUp_catchesUpAtMostOneQuantum() {
    Pacer p = new Pacer();
    long rate = 100_000_000; // 800 Mbit/s: a quantum of 1 ms is 97,656 B, 67 segments of 1448
    p.onSent(1448, rate, 1448, 0);
    long late = 50 * MS;
    int burst = 0;
    while (p.ready(late)) {
      p.onSent(1448, rate, 1448, late);
      burst++;
    }
    assertEquals(Pacer.quantumSegments(rate, 1448), 45, "64 KiB cap: 65536 / 1448");
    assertEquals(
        Pacer.quantumSegments(rate, 1448),
        burst,
        "a late wake-up sends one quantum at once, no more");
  }

  @Test
  void slowRate_quantumTwoSegments_andNoOverflow() {
    assertEquals(2, Pacer.quantumSegments(1000, 1448));
    Pacer p = new Pacer();
    p.onSent(65535, 1, 1448, Long.MAX_VALUE - 10);
    assertTrue(p.nextSend() > Long.MAX_VALUE - 10, "saturated, not wrapped");
  }
}
