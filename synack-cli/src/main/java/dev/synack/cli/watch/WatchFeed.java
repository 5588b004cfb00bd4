package dev.synack.cli.watch;

import dev.synack.trace.JsonLines;
import dev.synack.trace.TraceEvent;
import dev.synack.trace.TraceSink;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The trace of a running host as JSON lines for the watching browsers: the event loop hands each
 * state change and segment to a bounded queue without waiting ({@link #accept}); one pump thread
 * turns them into JSON, keeps the latest in a bounded history for a browser that comes later, and
 * offers each to every {@link Subscriber}'s own bounded queue.
 *
 * <p>Nothing here ever blocks the loop: when the queue is full the event is lost and counted
 * ({@link #lostAtSource}); a browser too slow to take its events loses them the same way, counted
 * on its subscriber, and the page says how many.
 */
public final class WatchFeed implements TraceSink, AutoCloseable {
  /** Events waiting for the pump; past this the loop drops them rather than wait. */
  static final int QUEUE = 8192;

  /** Events kept for a browser that opens the page later. */
  static final int HISTORY = 4000;

  /** A subscriber's queue: the history it starts with, and room for a burst. */
  static final int SUBSCRIBER_QUEUE = HISTORY + 4096;

  private final ArrayBlockingQueue<TraceEvent> queue;

  /** Events the loop could not queue (the pump was behind), since the start. */
  private final AtomicLong lostAtSource = new AtomicLong();

  /**
   * Guards {@link #history}, {@link #forgotten} and {@link #subscribers}: the pump and a
   * subscription.
   */
  private final Object lock = new Object();

  private final ArrayDeque<String> history = new ArrayDeque<>();

  /** Events that fell out of the history, oldest first; a late browser misses them. */
  private long forgotten;

  private final List<Subscriber> subscribers = new ArrayList<>();
  private final Thread pump;

  /** Tells each connection, for the page's narration; the pump's alone. */
  private final LiveNarration narration;

  private volatile boolean closed;

  private WatchFeed(int queue, String lang) {
    this.queue = new ArrayBlockingQueue<>(queue);
    this.narration = new LiveNarration(lang);
    this.pump = Thread.ofPlatform().daemon().name("synack-watch-pump").unstarted(this::pump);
  }

  /** Starts a feed and its pump thread, its narration in English. */
  public static WatchFeed start() {
    return start("en");
  }

  /**
   * Starts a feed and its pump thread, its narration in {@code lang} ({@code en} or {@code zh}).
   */
  public static WatchFeed start(String lang) {
    return start(QUEUE, lang);
  }

  /** Starts a feed whose loop-side queue holds {@code queue} events (small in tests). */
  static WatchFeed start(int queue) {
    return start(queue, "en");
  }

  private static WatchFeed start(int queue, String lang) {
    WatchFeed feed = new WatchFeed(queue, lang);
    feed.pump.start();
    return feed;
  }

  /**
   * Returns a feed whose pump is not started: what the loop's side does when the pump is stuck
   * (tests).
   */
  static WatchFeed unstarted(int queue) {
    return new WatchFeed(queue, "en");
  }

  /** Returns the events waiting for the pump. */
  int queued() {
    return queue.size();
  }

  /**
   * Takes an event on the host's loop: queued if there is room, else counted as lost; never waits.
   * State changes and segments go to the browsers; timers and notes only to the narration.
   */
  @Override
  public void accept(TraceEvent event) {
    if (!(event instanceof TraceEvent.StateChange
            || event instanceof TraceEvent.Segment
            || event instanceof TraceEvent.Timer
            || event instanceof TraceEvent.Note)
        || closed) return;
    if (!queue.offer(event)) lostAtSource.incrementAndGet();
  }

  /** Returns the events the loop could not queue because the pump was behind. */
  public long lostAtSource() {
    return lostAtSource.get();
  }

  /**
   * Returns a new subscriber whose queue starts with the history (and a count of what fell out of
   * it), then gets every event from now on, without a gap or a repeat.
   */
  Subscriber subscribe() {
    Subscriber s = new Subscriber(SUBSCRIBER_QUEUE);
    synchronized (lock) {
      s.forgotten = forgotten;
      for (String line : history) s.offer(line);
      subscribers.add(s);
    }
    return s;
  }

  /** Stops sending to a subscriber (its browser went away). */
  void unsubscribe(Subscriber s) {
    synchronized (lock) {
      subscribers.remove(s);
    }
  }

  /** Returns whether the feed was closed. */
  boolean closed() {
    return closed;
  }

  private void pump() {
    try {
      while (!closed) {
        TraceEvent e = queue.poll(200, TimeUnit.MILLISECONDS);
        if (e == null) {
          publish(narration.flush()); // quiet for a while: the last instant's sentences are settled
          continue;
        }
        if (e instanceof TraceEvent.StateChange || e instanceof TraceEvent.Segment)
          publish(JsonLines.toJson(e));
        publish(narration.add(e));
      }
    } catch (InterruptedException e) {
      // Closed.
    }
  }

  /**
   * Sends sentences of the narration as {@code say} events: {@code
   * {"t":..,"host":..,"conn":..,"event":"say","text":..}}.
   */
  private void publish(List<LiveNarration.Said> said) {
    for (LiveNarration.Said s : said) {
      // A note's JSON line with its event named "say": the same fields, t, host, conn and text.
      publish(
          JsonLines.toJson(new TraceEvent.Note(s.timeNanos(), s.host(), s.conn(), s.text()))
              .replace(",\"event\":\"note\",", ",\"event\":\"say\","));
    }
  }

  /** Keeps a line in the history and offers it to every browser. */
  private void publish(String line) {
    synchronized (lock) {
      history.addLast(line);
      if (history.size() > HISTORY) {
        history.removeFirst();
        forgotten++;
      }
      for (Subscriber s : subscribers) s.offer(line);
    }
  }

  /** Stops the pump; subscribers see {@link #closed} and end their streams. */
  @Override
  public void close() {
    closed = true;
    pump.interrupt();
  }

  /**
   * One browser's queue of JSON lines, filled by the pump, emptied by the thread that writes its
   * stream.
   */
  static final class Subscriber {
    private final ArrayBlockingQueue<String> lines;

    /** Lines the pump could not queue because this browser was behind. */
    private final AtomicLong lost = new AtomicLong();

    /** Events that fell out of the history before this browser came. */
    long forgotten;

    Subscriber(int capacity) {
      lines = new ArrayBlockingQueue<>(capacity);
    }

    void offer(String line) {
      if (!lines.offer(line)) lost.incrementAndGet();
    }

    /** Returns the next line, or null after {@code millis} without one. */
    String next(long millis) throws InterruptedException {
      return lines.poll(millis, TimeUnit.MILLISECONDS);
    }

    /** Returns the lines lost because this browser took them too slowly. */
    long lost() {
      return lost.get();
    }
  }
}
