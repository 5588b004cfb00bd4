package dev.synack.runtime;

import java.util.function.Consumer;

/**
 * Keeps a driver's link errors as conditions, not failures: counts them, notes each episode once
 * when it starts and once when the link works again in every direction that failed (never once per
 * packet, and not at all for a repeat of the same error within {@link #QUIET_NANOS} of the last
 * note), and says how long to wait before the next receive after one failed, growing from {@link
 * #FIRST_PAUSE_NANOS} to {@link #MAX_PAUSE_NANOS} while the errors go on, so that a link that fails
 * at once on every call costs a few wake-ups a second rather than a spinning core.
 *
 * <p>Written by whoever runs the loop: the loop thread, which reports receives while a caller that
 * claimed it ({@link EventLoop}) may report sends, so the reports are synchronized (uncontended but
 * in that window); {@link #snapshot} may be read from any thread.
 */
final class LinkTrouble {
  /** The pause after the first failed receive of an episode. */
  static final long FIRST_PAUSE_NANOS = 10_000_000L;

  /** The longest pause: a link that comes back is used again within this. */
  static final long MAX_PAUSE_NANOS = 1_000_000_000L;

  /**
   * An episode that starts sooner than this after the last note, with the same error as the episode
   * before, is counted but not noted: a flapping link does not fill the log.
   */
  static final long QUIET_NANOS = 10_000_000_000L;

  private final String link;
  private final Consumer<String> notes;
  private long sendErrors;
  private long receiveErrors;
  private long episodes;

  /**
   * Whether the last send, and the last receive, failed: the episode lasts until neither direction
   * fails.
   */
  private boolean sendsFailing;

  private boolean receivesFailing;

  /**
   * When the current episode started (loop time), its errors, and whether it goes unnoted;
   * meaningful while failing.
   */
  private long episodeStart;

  private long episodeErrors;
  private boolean quiet;

  /** When the last note was given (loop time); there was none while {@link #noted} is false. */
  private long lastNote;

  private boolean noted;
  private long pause = FIRST_PAUSE_NANOS;
  private String lastError;

  /** The first error of the current (or last) episode. */
  private String episodeError;

  private volatile LinkErrors snapshot = new LinkErrors(0, 0, 0, false, null);

  LinkTrouble(String link, Consumer<String> notes) {
    this.link = link;
    this.notes = notes;
  }

  /** Records a failed send at {@code now}; its packets are dropped. */
  synchronized void sendFailed(Exception e, long now) {
    sendErrors++;
    failed(e, now);
    sendsFailing = true;
    publish();
  }

  /** Records a failed receive at {@code now}; returns how long to wait before receiving again. */
  synchronized long receiveFailed(Exception e, long now) {
    receiveErrors++;
    failed(e, now);
    receivesFailing = true;
    publish();
    long wait = pause;
    pause = Math.min(MAX_PAUSE_NANOS, pause * 2);
    return wait;
  }

  /** Records that a send worked at {@code now}. */
  synchronized void sendSucceeded(long now) {
    if (!sendsFailing) return;
    sendsFailing = false;
    maybeEnd(now);
  }

  /** Records that a receive brought packets at {@code now}. */
  synchronized void receiveSucceeded(long now) {
    if (!receivesFailing) return;
    receivesFailing = false;
    pause = FIRST_PAUSE_NANOS;
    maybeEnd(now);
  }

  /** Returns the counts so far; any thread. */
  LinkErrors snapshot() {
    return snapshot;
  }

  private boolean failing() {
    return sendsFailing || receivesFailing;
  }

  private void maybeEnd(long now) {
    if (failing()) return;
    publish();
    if (quiet) return;
    note(
        now,
        "synack: link "
            + link
            + " works again after "
            + episodeErrors
            + " errors in "
            + seconds(now - episodeStart)
            + " s (the packets were dropped; TCP resends them)");
  }

  private void failed(Exception e, long now) {
    lastError = e.getMessage() != null ? e.getMessage() : e.toString();
    if (!failing()) {
      episodes++;
      episodeStart = now;
      episodeErrors = 0;
      quiet = noted && now - lastNote < QUIET_NANOS && lastError.equals(episodeError);
      episodeError = lastError;
      if (!quiet) {
        note(
            now,
            lastError.startsWith("synack: ")
                ? lastError + "; dropping packets and carrying on"
                : "synack: link " + link + ": " + lastError + "; dropping packets and carrying on");
      }
    }
    episodeErrors++;
  }

  private void note(long now, String line) {
    noted = true;
    lastNote = now;
    notes.accept(line);
  }

  private void publish() {
    snapshot = new LinkErrors(sendErrors, receiveErrors, episodes, failing(), lastError);
  }

  private static String seconds(long nanos) {
    return String.format(java.util.Locale.ROOT, "%.1f", nanos / 1e9);
  }
}
