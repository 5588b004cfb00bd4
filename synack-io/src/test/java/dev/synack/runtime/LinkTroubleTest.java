package dev.synack.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link LinkTrouble} in given times: counts, one note per episode, quiet repeats, growing pauses.
 */
class LinkTroubleTest {
  private static final long S = 1_000_000_000L;
  private final List<String> notes = new ArrayList<>();
  private final LinkTrouble trouble = new LinkTrouble("tun0", notes::add);

  @Test
  void manySendErrors_oneEpisode_notedWhenItStartsAndWhenSendsWorkAgain() {
    for (int i = 0; i < 1_000; i++)
      trouble.sendFailed(new IOException("synack: TUN device tun0 is down"), i);
    trouble.receiveSucceeded(2_000); // packets still arrive: the sends are what failed
    assertTrue(trouble.snapshot().failing());
    trouble.sendSucceeded(3 * S);
    assertEquals(
        List.of(
            "synack: TUN device tun0 is down; dropping packets and carrying on",
            "synack: link tun0 works again after 1000 errors in 3.0 s (the packets were dropped; TCP resends them)"),
        notes);
    assertEquals(
        new LinkErrors(1_000, 0, 1, false, "synack: TUN device tun0 is down"), trouble.snapshot());
  }

  @Test
  void sameErrorAgainSoon_countedNotNoted_differentErrorOrLater_noted() {
    trouble.sendFailed(new IOException("down"), 0);
    trouble.sendSucceeded(S);
    trouble.sendFailed(
        new IOException("down"), 2 * S); // a flap: same error within 10 s of the last note
    trouble.sendSucceeded(3 * S);
    assertEquals(2, notes.size(), String.valueOf(notes));
    trouble.sendFailed(new IOException("Connection refused"), 4 * S); // another error: noted
    trouble.sendSucceeded(5 * S);
    assertEquals(4, notes.size(), String.valueOf(notes));
    trouble.sendFailed(
        new IOException("Connection refused"), 20 * S); // the same one, but long after
    assertEquals(5, notes.size(), String.valueOf(notes));
    assertEquals(
        "synack: link tun0: Connection refused; dropping packets and carrying on", notes.getLast());
    assertEquals(4, trouble.snapshot().episodes());
  }

  @Test
  void receiveFailures_pausesDoubleUpToASecond_andStartOverOncePacketsArrive() {
    List<Long> pauses = new ArrayList<>();
    for (int i = 0; i < 9; i++) pauses.add(trouble.receiveFailed(new IOException("gone"), i));
    assertEquals(
        List.of(
            10_000_000L,
            20_000_000L,
            40_000_000L,
            80_000_000L,
            160_000_000L,
            320_000_000L,
            640_000_000L,
            S,
            S),
        pauses);
    trouble.sendSucceeded(10 * S); // sends say nothing about receives
    assertTrue(trouble.snapshot().failing());
    trouble.receiveSucceeded(10 * S);
    assertFalse(trouble.snapshot().failing());
    assertEquals(10_000_000L, trouble.receiveFailed(new IOException("gone"), 11 * S));
    assertEquals(9 + 1, trouble.snapshot().receiveErrors());
  }
}
