package dev.synack.tcp;

/**
 * Linux's {@code TCP_CORK} and the push that {@code TCP_NODELAY} and uncorking give, on a
 * connection's {@link Sender}. While corked, a segment smaller than the MSS waits, whatever is in
 * flight ({@code tcp_nagle_check} with {@code TCP_NAGLE_CORK}); full segments go, and so does the
 * segment that carries our FIN ({@code tcp_nagle_test}). The wait has a ceiling, the one tcp(7)
 * calls 200 ms: when nothing is in flight, Linux's zero-window probe timer ({@code
 * tcp_check_probe_timer}, max(RTO, {@code TCP_RTO_MIN} = 200 ms)) fires and {@code
 * tcp_write_wakeup} sends the partial segment; here the persist timer does the same (RFC 9293
 * §3.8.6.2.1's override timeout, {@link Timeouts}). Uncorking pushes what waits only when Nagle is
 * off ({@code __tcp_sock_set_cork}); otherwise Nagle decides, as in Linux.
 */
final class Cork {
  private Cork() {}

  /** Returns whether the cork holds a partial segment now: corked, and no FIN to carry. */
  static boolean holds(Sender snd) {
    return snd.corked && !snd.finQueued;
  }

  /**
   * Sets or clears the cork; clearing with Nagle off pushes the data queued (Linux's {@code
   * TCP_NAGLE_PUSH}).
   */
  static void set(Sender snd, boolean on) {
    snd.corked = on;
    if (!on && snd.noDelay) push(snd);
  }

  /**
   * Sets or clears {@code TCP_NODELAY}; setting it pushes the data queued even while corked, as
   * tcp(7) says ("forces an explicit flush of pending output, even if TCP_CORK is currently set").
   */
  static void setNoDelay(Sender snd, boolean on) {
    snd.noDelay = on;
    if (on) push(snd);
  }

  /**
   * Lets the data queued now go as soon as window and cwnd allow, partial segment included; data
   * written later waits again.
   */
  static void push(Sender snd) {
    if (snd.unsent() == 0) return;
    snd.pushPending = true;
    snd.pushEnd = snd.endOfData();
  }
}
