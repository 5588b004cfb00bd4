package dev.synack.tcp;

/**
 * HyStart++ (RFC 9406): leaves slow start before it overflows the path's queue, from the rise of
 * the minimum RTT between rounds. When the minimum RTT of a round exceeds the last round's by
 * {@code eta} (1/8 of it, within 4 to 16 ms), slow start turns into Conservative Slow Start (CSS),
 * growing a quarter as fast; if the RTT falls back below the baseline, slow start resumes (the rise
 * was spurious); after {@link #CSS_ROUNDS} rounds of CSS, congestion avoidance begins.
 */
final class HyStartPlusPlus {
  private static final long MIN_RTT_THRESH = 4_000_000L;
  private static final long MAX_RTT_THRESH = 16_000_000L;
  private static final int MIN_RTT_DIVISOR = 8;
  private static final int N_RTT_SAMPLE = 8;

  /** RFC 9406 §4.3: CSS grows cwnd by a quarter of what slow start would. */
  static final int CSS_GROWTH_DIVISOR = 4;

  private static final int CSS_ROUNDS = 5;
  private static final long NONE = Long.MAX_VALUE;

  private long lastRoundMinRtt = NONE;
  private long currentRoundMinRtt = NONE;
  private int rttSampleCount;

  /** The minimum RTT of the round in which CSS began; {@link #NONE} outside CSS. */
  private long cssBaselineMinRtt = NONE;

  private int cssRounds;

  /** Whether slow start should end now (CSS ran its rounds): the algorithm sets ssthresh = cwnd. */
  private boolean done;

  /** Returns whether Conservative Slow Start is on. */
  boolean inCss() {
    return cssBaselineMinRtt != NONE;
  }

  /**
   * Returns, once, whether CSS has lasted {@link #CSS_ROUNDS} rounds and slow start must end (RFC
   * 9406 §4.3).
   */
  boolean takeSlowStartEnd() {
    boolean end = done;
    done = false;
    return end;
  }

  /**
   * Starts a round (RFC 9406 §4.2: "At the start of each round during standard slow start and
   * CSS").
   */
  void onRoundStart() {
    lastRoundMinRtt = currentRoundMinRtt;
    currentRoundMinRtt = NONE;
    rttSampleCount = 0;
    if (inCss() && ++cssRounds >= CSS_ROUNDS) {
      done = true;
      cssBaselineMinRtt = NONE;
    }
  }

  /** Takes an RTT sample in ns while in slow start or CSS. */
  void onRttSample(long rtt) {
    if (rtt < 0) return;
    currentRoundMinRtt = Math.min(currentRoundMinRtt, rtt);
    rttSampleCount++;
    if (rttSampleCount < N_RTT_SAMPLE || currentRoundMinRtt == NONE) return;
    if (!inCss()) {
      if (lastRoundMinRtt == NONE) return;
      long eta = Math.clamp(lastRoundMinRtt / MIN_RTT_DIVISOR, MIN_RTT_THRESH, MAX_RTT_THRESH);
      if (currentRoundMinRtt >= lastRoundMinRtt + eta) {
        cssBaselineMinRtt = currentRoundMinRtt;
        cssRounds = 0;
      }
    } else if (currentRoundMinRtt < cssBaselineMinRtt) {
      cssBaselineMinRtt = NONE; // the RTT rise was spurious: back to standard slow start
    }
  }

  /** Forgets everything: slow start after a timeout starts HyStart++ afresh (RFC 9406 §4.3). */
  void reset() {
    lastRoundMinRtt = currentRoundMinRtt = cssBaselineMinRtt = NONE;
    rttSampleCount = cssRounds = 0;
    done = false;
  }
}
