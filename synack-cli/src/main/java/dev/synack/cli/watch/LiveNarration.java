package dev.synack.cli.watch;

import dev.synack.lesson.Narration;
import dev.synack.trace.TraceEvent;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Tells the connections of a running host as they grow, in the words of the {@code --html} page
 * ({@link Narration}, numbers relative to each direction's ISN): each event settles the sentences
 * of the steps before its instant (a step's sentence can still change while its instant lasts: a
 * state change is told with the send that follows it at once), and {@link #flush} settles the rest
 * when the host has gone quiet.
 *
 * <p>Bounded: a connection is told for its first {@link #MAX_EVENTS} events, and at most {@link
 * #MAX_CONNECTIONS} connections are followed, the oldest forgotten first. Not thread-safe: the
 * feed's pump alone calls it.
 */
final class LiveNarration {
  /**
   * Events told per connection; the trace is narrated whole at each event, so this bounds the work.
   */
  static final int MAX_EVENTS = 1000;

  /** Connections followed at once. */
  static final int MAX_CONNECTIONS = 256;

  /** A settled sentence of one connection, at the time of its step. */
  record Said(long timeNanos, String host, String conn, String text) {}

  private static final class Conn {
    final List<TraceEvent> events = new ArrayList<>();

    /** The sentences already said, by step and text. */
    final Set<String> said = new HashSet<>();

    /** Whether events came since the last flush. */
    boolean dirty;
  }

  private final String lang;
  private final Map<String, Conn> conns = new LinkedHashMap<>();

  LiveNarration(String lang) {
    this.lang = lang;
  }

  /**
   * Takes an event of the host and returns the sentences it settles, in order; none for an event of
   * no connection.
   */
  List<Said> add(TraceEvent e) {
    if (e.conn().indexOf('-') < 0
        || e instanceof TraceEvent.Packet
        || e instanceof TraceEvent.Sample) return List.of();
    Conn c = conns.get(e.conn());
    if (c == null) {
      if (conns.size() >= MAX_CONNECTIONS) {
        Iterator<String> oldest = conns.keySet().iterator();
        oldest.next();
        oldest.remove();
      }
      c = new Conn();
      conns.put(e.conn(), c);
    }
    if (c.events.size() >= MAX_EVENTS) return List.of();
    addWithPeer(c.events, e);
    c.dirty = true;
    return tell(e.host(), e.conn(), c, e.timeNanos());
  }

  /** Returns every sentence not yet said, now that nothing more came for a while. */
  List<Said> flush() {
    List<Said> out = new ArrayList<>();
    for (Map.Entry<String, Conn> e : conns.entrySet()) {
      Conn c = e.getValue();
      if (!c.dirty) continue;
      c.dirty = false;
      out.addAll(tell(c.events.getFirst().host(), e.getKey(), c, Long.MAX_VALUE));
    }
    return out;
  }

  /**
   * Adds an event, and for a segment the peer's side of it (its send of what arrived, its receipt
   * of what left), as the {@code --html} page of a live run draws the untraced peer: a column named
   * by its endpoint, the segment crossing at the instant the host traced it.
   */
  private static void addWithPeer(List<TraceEvent> events, TraceEvent e) {
    if (!(e instanceof TraceEvent.Segment s) || s.segment() == null) {
      events.add(e);
      return;
    }
    int dash = s.conn().lastIndexOf('-');
    String peer = s.conn().substring(dash + 1);
    String peerConn = peer + "-" + s.conn().substring(0, dash);
    switch (s.action()) {
      case SEND, RETRANSMIT -> {
        events.add(e);
        events.add(
            new TraceEvent.Segment(
                s.timeNanos(), peer, peerConn, TraceEvent.SegmentAction.RECV, s.segment(), null));
      }
      case RECV -> {
        events.add(
            new TraceEvent.Segment(
                s.timeNanos(), peer, peerConn, TraceEvent.SegmentAction.SEND, s.segment(), null));
        events.add(e);
      }
      case DROP -> events.add(e);
    }
  }

  /**
   * Returns the sentences of steps before {@code before} that were not said yet, and marks them
   * said.
   */
  private List<Said> tell(String host, String conn, Conn c, long before) {
    List<Said> out = new ArrayList<>();
    for (Narration.Timed t : Narration.timed(c.events, lang, true)) {
      if (t.timeNanos() >= before) continue;
      if (c.said.add(t.step() + " " + t.text()))
        out.add(new Said(t.timeNanos(), host, conn, t.text()));
    }
    return out;
  }
}
