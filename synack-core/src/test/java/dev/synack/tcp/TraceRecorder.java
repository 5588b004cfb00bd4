package dev.synack.tcp;

import dev.synack.trace.TraceEvent;
import dev.synack.trace.TraceSink;
import dev.synack.wire.TcpFlags;
import java.util.ArrayList;
import java.util.List;

/**
 * A trace sink that keeps every event, for tests: {@link #dump()} renders them one per line, in the
 * order they happened, for assertion messages, so that a failing test shows both ends' trace.
 */
public final class TraceRecorder implements TraceSink {
  private final List<TraceEvent> events = new ArrayList<>();

  /** Whether connections trace into this recorder at all ({@link TraceSink#enabled}). */
  private final boolean enabled;

  /** Makes a recorder that wants every event. */
  public TraceRecorder() {
    this(true);
  }

  /**
   * Makes a recorder; {@code enabled} false makes connections untraced, as a host's are by default.
   */
  public TraceRecorder(boolean enabled) {
    this.enabled = enabled;
  }

  @Override
  public boolean enabled() {
    return enabled;
  }

  @Override
  public void accept(TraceEvent event) {
    events.add(event);
  }

  /** Returns the events so far. */
  public List<TraceEvent> events() {
    return List.copyOf(events);
  }

  /** Returns the states a host went through, in order, starting with the first {@code to}. */
  public List<String> states(String host) {
    List<String> states = new ArrayList<>();
    for (TraceEvent e : events) {
      if (e instanceof TraceEvent.StateChange s && s.host().equals(host)) states.add(s.to());
    }
    return states;
  }

  /** Returns the drop reasons of a host, in order. */
  public List<String> dropReasons(String host) {
    List<String> reasons = new ArrayList<>();
    for (TraceEvent e : events) {
      if (e instanceof TraceEvent.Segment s
          && s.host().equals(host)
          && s.action() == TraceEvent.SegmentAction.DROP) {
        reasons.add(s.reason());
      }
    }
    return reasons;
  }

  /**
   * Returns every event as one line, e.g. {@code 1.000000 client send S seq=1000 ack=0 win=64240
   * len=0 [mss 1460]}.
   */
  public String dump() {
    StringBuilder b = new StringBuilder("trace (").append(events.size()).append(" events):\n");
    for (TraceEvent e : events) b.append("  ").append(line(e)).append('\n');
    return b.toString();
  }

  /** Returns one event as a line of the dump. */
  public static String line(TraceEvent e) {
    String head = String.format("%11.6f %-7s %s ", e.timeNanos() / 1e9, e.host(), e.eventName());
    return head
        + switch (e) {
          case TraceEvent.StateChange s -> s.from() + " -> " + s.to();
          case TraceEvent.Segment s ->
              TcpFlags.tcpdump(s.segment().flags())
                  + " seq="
                  + s.segment().seq()
                  + " ack="
                  + s.segment().ack()
                  + " win="
                  + s.segment().win()
                  + " len="
                  + s.segment().len()
                  + (s.segment().options().isEmpty() ? "" : " [" + s.segment().options() + "]")
                  + (s.reason() == null ? "" : " reason=\"" + s.reason() + "\"");
          case TraceEvent.Timer t -> t.timer() + " " + t.action();
          default -> e.toString();
        };
  }

  @Override
  public String toString() {
    return dump();
  }
}
