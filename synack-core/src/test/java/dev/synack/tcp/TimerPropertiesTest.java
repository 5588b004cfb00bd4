package dev.synack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/**
 * Every timer of a connection, with extreme settings: RTOs from 1 ns to 52 days, backoffs far past
 * a long's width, MSL, keep-alive, FIN-WAIT-2 and user timeouts as long, a clock started anywhere
 * up to 2^60 ns. Whatever the peer does not answer, each deadline lies after {@code now} and at
 * most the longest configured interval away (issue 12: an overflowed persist deadline was always
 * due, and {@code handleTimeout} never returned), and the connection ends, or rests with no timer,
 * within a bounded number of {@code handleTimeout} calls.
 */
class TimerPropertiesTest {
  /**
   * The longest interval generated: 2^52 ns, 52 days, so that hundreds of them fit in a long after
   * the start.
   */
  private static final long LONGEST = 1L << 52;

  private static final int MAX_CALLS = 5_000;

  /** What the connection is doing when its peer falls silent. */
  enum Scenario {
    DATA_UNANSWERED,
    ZERO_WINDOW,
    IDLE,
    DATA_RECEIVED,
    FIN_UNANSWERED,
    TIME_WAIT,
    SYN_UNANSWERED
  }

  @Property(tries = 200)
  void silentPeer_everyDeadlineAfterNowAndBounded_connectionEndsInBoundedCalls(
      @ForAll Scenario scenario,
      @ForAll @LongRange(min = 1, max = LONGEST) long rtoA,
      @ForAll @LongRange(min = 1, max = LONGEST) long rtoB,
      @ForAll @LongRange(min = 1, max = LONGEST) long rtoC,
      @ForAll @LongRange(min = 1, max = LONGEST) long msl,
      @ForAll @LongRange(min = 1, max = LONGEST) long finWait2,
      @ForAll @LongRange(min = 1, max = LONGEST) long keepIdle,
      @ForAll @LongRange(min = 1, max = LONGEST) long keepInterval,
      @ForAll @IntRange(min = 1, max = 127) int keepCount,
      @ForAll boolean keepAlive,
      @ForAll @LongRange(min = 0, max = LONGEST) long userTimeout,
      @ForAll boolean withUserTimeout,
      @ForAll @IntRange(min = 0, max = 255) int retries,
      @ForAll boolean boundedInTime,
      @ForAll @IntRange(min = 0, max = Byte.MAX_VALUE) int persistBackoff,
      @ForAll @IntRange(min = 0, max = 100) int rtoBackoffs,
      @ForAll @LongRange(min = 0, max = 1L << 60) long start) {
    long[] rto = {rtoA, rtoB, rtoC};
    Arrays.sort(rto);
    TcpConfig cfg =
        TcpConfig.defaults()
            .withRto(Duration.ofNanos(rto[1]), Duration.ofNanos(rto[0]), Duration.ofNanos(rto[2]))
            .withMsl(Duration.ofNanos(msl))
            .withFinWait2Timeout(Duration.ofNanos(finWait2))
            .withKeepAlive(
                keepAlive, Duration.ofNanos(keepIdle), Duration.ofNanos(keepInterval), keepCount)
            .withUserTimeout(Duration.ofNanos(withUserTimeout ? userTimeout : 0))
            .withRetries(Math.min(retries, 10), Math.min(retries, 10), retries);
    cfg = cfg.withChoices(cfg.choices().withRetransmissionsBoundedInTime(boundedInTime));
    long longest =
        Arrays.stream(
                new long[] {
                  rto[2],
                  TimeMath.product(2, msl),
                  finWait2,
                  keepIdle,
                  keepInterval,
                  withUserTimeout ? userTimeout : 0,
                  cfg.delayedAckTimeout(),
                  1_000_000_000L
                })
            .max()
            .orElseThrow();

    TcpConnection c = into(scenario, cfg);
    long now = start; // the pair met at 0: the clock jumps, as after a long pause
    if (scenario == Scenario.ZERO_WINDOW) c.snd.persistBackoff = (byte) persistBackoff;
    for (int i = 0; i < rtoBackoffs; i++) c.rtt.backOff(c.cfg);
    assertTrue(
        c.rtt.rto(c.cfg) > 0 && c.rtt.rto(c.cfg) <= rto[2],
        "RTO " + c.rtt.rto(c.cfg) + " within (0, " + rto[2] + "]");
    if (c.snd.persistBackoff > 0) {
      long p = c.persistTimeout();
      assertTrue(p > 0 && p <= rto[2], "persist interval " + p + " within (0, " + rto[2] + "]");
    }

    int calls = 0;
    for (long deadline; (deadline = c.pollTimeout()) != Long.MAX_VALUE; ) {
      assertTrue(
          ++calls <= MAX_CALLS,
          "still running after " + MAX_CALLS + " handleTimeout calls: " + c.state());
      // Deadlines set before the clock jumped to `start` may lie behind it: they fire at once.
      if (deadline > now) {
        assertTrue(
            deadline - now <= longest,
            "deadline " + (deadline - now) + " ns away, longest interval " + longest);
        now = deadline;
      }
      c.handleTimeout(now);
      for (int sent = 0; c.pollTransmit(now) != null; sent++) {
        assertTrue(sent < 10_000, "segments without end");
      }
      long next = c.pollTimeout();
      long at = now;
      assertTrue(
          next > at,
          () ->
              "after handleTimeout(" + at + ") a timer is still due: " + next + " in " + c.state());
    }
    if (c.state() != TcpState.CLOSED) {
      assertTrue(
          c.state() == TcpState.ESTABLISHED
              || c.state() == TcpState.CLOSE_WAIT
              || c.state() == TcpState.FIN_WAIT_2,
          "rests with no timer in " + c.state());
      assertEquals(c.snd.sndUna, c.snd.sndNxt, "rests with nothing in flight");
      assertTrue(!keepAlive || !c.keepAliveState(), "keep-alive on, yet no timer");
    }
  }

  @Property(tries = 2000)
  void timeMath_saturatesAndStaysAfterNow(
      @ForAll long now,
      @ForAll @LongRange(min = 0) long interval,
      @ForAll @LongRange(min = 1) long base,
      @ForAll int shifts,
      @ForAll @LongRange(min = 1) long max) {
    long d = TimeMath.after(now, interval);
    assertTrue(d > now || now >= TimeMath.LATEST, "deadline " + d + " after " + now);
    assertTrue(d <= TimeMath.LATEST);
    long b = TimeMath.backedOff(base, shifts, max);
    assertTrue(b >= Math.min(base, max) && b <= max, "backed off " + b);
    if (shifts > 0 && shifts < 63 && base <= (max >> shifts)) assertEquals(base << shifts, b);
  }

  /** Returns the client of a pair brought into the scenario, its peer from now on silent. */
  private static TcpConnection into(Scenario scenario, TcpConfig cfg) {
    if (scenario == Scenario.SYN_UNANSWERED) {
      EnginePair p = EnginePair.connect(cfg);
      p.clientSends();
      return p.client();
    }
    EnginePair p = EnginePair.established(cfg);
    TcpConnection c = p.client();
    switch (scenario) {
      case DATA_UNANSWERED -> c.send(ByteBuffer.allocate(100_000), p.now());
      case ZERO_WINDOW -> {
        p.toClient(Seg.of(80, 40000, ".", p.server().snd.sndNxt, c.snd.sndNxt, 0));
        c.send(ByteBuffer.allocate(1000), p.now());
      }
      case DATA_RECEIVED -> {
        p.send(p.server(), "x".repeat(3000));
        p.serverSends();
        p.serverSends();
        p.serverSends();
        p.run();
      }
      case FIN_UNANSWERED -> c.close(p.now());
      case TIME_WAIT -> {
        p.closeClient();
        p.run();
        p.closeServer();
        p.run();
        p.assertState(c, TcpState.TIME_WAIT);
      }
      default -> {}
    }
    while (c.pollTransmit(p.now()) != null) {} // lost: from here on nothing reaches the peer
    return c;
  }
}
