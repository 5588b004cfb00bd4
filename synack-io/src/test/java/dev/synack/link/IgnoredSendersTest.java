package dev.synack.link;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** Tests of {@link IgnoredSenders} in virtual time. */
class IgnoredSendersTest {
  private static final long SECOND = 1_000_000_000L;

  private static InetSocketAddress sender(int n) {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), 10_000 + n);
  }

  @Test
  void report_sameSenderAgain_reportedOnce() {
    IgnoredSenders s = new IgnoredSenders();
    assertTrue(s.report(sender(1), 0));
    assertFalse(s.report(sender(1), 1));
    assertFalse(s.report(sender(1), 100 * SECOND));
  }

  @Test
  void report_manyNewSendersAtOnce_aBurstThenOneASecond() {
    IgnoredSenders s = new IgnoredSenders();
    int n = 0;
    for (int i = 0; i < IgnoredSenders.BURST; i++)
      assertTrue(s.report(sender(n++), 0), "burst " + i);
    assertFalse(s.report(sender(n++), 0), "the burst is spent");
    assertFalse(s.report(sender(n++), SECOND - 1), "not a second yet");
    assertTrue(s.report(sender(n++), SECOND), "a second earns one");
    assertFalse(s.report(sender(n++), SECOND + 1));
  }

  @Test
  void report_senderRefusedByTheRate_reportedLater() {
    IgnoredSenders s = new IgnoredSenders();
    for (int i = 0; i < IgnoredSenders.BURST; i++) s.report(sender(i), 0);
    InetSocketAddress late = sender(99);
    assertFalse(s.report(late, 0));
    assertTrue(
        s.report(late, 5 * SECOND), "not remembered when refused, so told once there is room");
  }
}
