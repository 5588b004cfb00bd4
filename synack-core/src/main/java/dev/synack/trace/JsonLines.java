package dev.synack.trace;

import dev.synack.trace.TraceEvent.Note;
import dev.synack.trace.TraceEvent.Packet;
import dev.synack.trace.TraceEvent.Sample;
import dev.synack.trace.TraceEvent.Segment;
import dev.synack.trace.TraceEvent.SegmentAction;
import dev.synack.trace.TraceEvent.SegmentInfo;
import dev.synack.trace.TraceEvent.StateChange;
import dev.synack.trace.TraceEvent.Timer;
import dev.synack.wire.TcpFlags;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The JSON-lines form of a trace, one event per line, as DESIGN.md fixes it: every line has {@code
 * t} (seconds), {@code host}, {@code conn} and {@code event}, then the fields of the event.
 *
 * <pre>{@code
 * {"t":0.000123,"host":"client","conn":"10.0.0.1:40000-10.0.0.2:80","event":"send","flags":["SYN"],"seq":100,"ack":0,"win":64240,"len":0,"options":"mss 1460,sackOK,wscale 7"}
 * }</pre>
 *
 * <p>Times are written with at least six decimals and as many as the nanoseconds need, so that
 * reading a line back gives the same event. {@link Packet} events are not written: pcap carries
 * them.
 */
public final class JsonLines {
  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  private JsonLines() {}

  /** Returns whether an event has a JSON form; {@link Packet} events have none. */
  public static boolean isWritten(TraceEvent event) {
    return !(event instanceof Packet);
  }

  /**
   * Returns the JSON line of an event, without the line feed.
   *
   * @throws IllegalArgumentException for a {@link Packet} event, which has no JSON form
   */
  public static String toJson(TraceEvent event) {
    if (!isWritten(event))
      throw new IllegalArgumentException("packet events are not written as JSON: " + event);
    StringBuilder b = new StringBuilder(160);
    b.append("{\"t\":")
        .append(seconds(event.timeNanos()))
        .append(",\"host\":")
        .append(Json.quote(event.host()))
        .append(",\"conn\":")
        .append(Json.quote(event.conn()))
        .append(",\"event\":")
        .append(Json.quote(event.eventName()));
    switch (event) {
      case StateChange s ->
          b.append(",\"from\":")
              .append(Json.quote(s.from()))
              .append(",\"to\":")
              .append(Json.quote(s.to()));
      // A packet dropped before it parsed as a segment (malformed, not for this host) has only its
      // reason.
      case Segment s when s.segment() == null ->
          b.append(",\"reason\":").append(Json.quote(s.reason()));
      case Segment s -> {
        SegmentInfo i = s.segment();
        b.append(",\"flags\":")
            .append(Json.write(TcpFlags.names(i.flags())))
            .append(",\"seq\":")
            .append(i.seq())
            .append(",\"ack\":")
            .append(i.ack())
            .append(",\"win\":")
            .append(i.win())
            .append(",\"len\":")
            .append(i.len())
            .append(",\"options\":")
            .append(Json.quote(i.options()));
        if (s.reason() != null) b.append(",\"reason\":").append(Json.quote(s.reason()));
      }
      case Timer t ->
          b.append(",\"timer\":")
              .append(Json.quote(t.timer()))
              .append(",\"action\":")
              .append(Json.quote(t.action()));
      case Sample s ->
          b.append(",\"cwnd\":")
              .append(s.cwnd())
              .append(",\"srtt\":")
              .append(seconds(s.srttNanos()))
              .append(",\"inflight\":")
              .append(s.bytesInFlight());
      case Note n -> b.append(",\"text\":").append(Json.quote(n.text()));
      case Packet p -> throw new AssertionError(p); // excluded above
    }
    return b.append('}').toString();
  }

  /**
   * Appends the JSON line of an event and a line feed to {@code out}; writes nothing for a {@link
   * Packet} event.
   *
   * @return whether a line was written
   */
  public static boolean write(TraceEvent event, Appendable out) throws IOException {
    if (!isWritten(event)) return false;
    out.append(toJson(event)).append('\n');
    return true;
  }

  /**
   * Returns the event of one JSON line.
   *
   * @throws IllegalArgumentException naming the field, when the line is not JSON or not an event
   */
  public static TraceEvent parse(String line) {
    return event(Json.parseObject(line, true));
  }

  /** Returns the events of a text of JSON lines; blank lines are skipped, errors name the line. */
  public static List<TraceEvent> parseAll(CharSequence text) {
    List<TraceEvent> events = new ArrayList<>();
    int lineNo = 0;
    for (String line : text.toString().split("\r?\n", -1)) {
      lineNo++;
      addLine(line, lineNo, events);
    }
    return events;
  }

  /** Reads the events of a stream of JSON lines to its end; the caller closes the reader. */
  public static List<TraceEvent> read(Reader in) throws IOException {
    BufferedReader r = in instanceof BufferedReader br ? br : new BufferedReader(in);
    List<TraceEvent> events = new ArrayList<>();
    int lineNo = 0;
    for (String line = r.readLine(); line != null; line = r.readLine()) {
      lineNo++;
      addLine(line, lineNo, events);
    }
    return events;
  }

  private static void addLine(String line, int lineNo, List<TraceEvent> events) {
    if (line.isBlank()) return;
    try {
      events.add(parse(line));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("line " + lineNo + ": " + e.getMessage(), e);
    }
  }

  /**
   * Returns the event of a parsed JSON object ({@link Json}'s model; decimals may be Double or
   * BigDecimal).
   */
  public static TraceEvent event(Map<String, Object> o) {
    long t = nanos(o, "t");
    String host = string(o, "host");
    String conn = string(o, "conn");
    String name = string(o, "event");
    return switch (name) {
      case "state" -> new StateChange(t, host, conn, string(o, "from"), string(o, "to"));
      case "timer" -> new Timer(t, host, conn, string(o, "timer"), string(o, "action"));
      case "sample" ->
          new Sample(t, host, conn, integer(o, "cwnd"), nanos(o, "srtt"), integer(o, "inflight"));
      case "note" -> new Note(t, host, conn, string(o, "text"));
      default -> {
        for (SegmentAction action : SegmentAction.values()) {
          if (action.jsonName().equals(name)) {
            Object reason = o.get("reason");
            if (reason != null && !(reason instanceof String))
              throw badField("reason", "a string", reason);
            // A dropped packet too broken to read as a segment has a reason and no segment fields.
            boolean unreadable =
                action == SegmentAction.DROP && !o.containsKey("flags") && reason != null;
            yield new Segment(
                t, host, conn, action, unreadable ? null : segmentInfo(o), (String) reason);
          }
        }
        throw new IllegalArgumentException("unknown event \"" + name + "\"");
      }
    };
  }

  private static SegmentInfo segmentInfo(Map<String, Object> o) {
    Object flags = o.get("flags");
    if (!(flags instanceof List<?> list)) throw badField("flags", "an array of flag names", flags);
    List<String> names = new ArrayList<>(list.size());
    for (Object f : list) {
      if (!(f instanceof String s)) throw badField("flags", "an array of flag names", flags);
      names.add(s);
    }
    Object options = o.getOrDefault("options", "");
    if (!(options instanceof String opts)) throw badField("options", "a string", options);
    return new SegmentInfo(
        TcpFlags.parse(names),
        integer(o, "seq"),
        integer(o, "ack"),
        Math.toIntExact(integer(o, "win")),
        Math.toIntExact(integer(o, "len")),
        opts);
  }

  /**
   * Returns nanoseconds as seconds with at least six and at most nine decimals, e.g. {@code
   * 0.000123}.
   */
  static String seconds(long nanos) {
    StringBuilder b = new StringBuilder(20);
    if (nanos < 0) b.append('-');
    long abs =
        Math.abs(nanos); // Long.MIN_VALUE nanos is 292 years before the epoch: not a trace time
    String frac = Long.toString(abs % NANOS_PER_SECOND);
    frac = "0".repeat(9 - frac.length()) + frac;
    int end = 9;
    while (end > 6 && frac.charAt(end - 1) == '0') end--;
    return b.append(abs / NANOS_PER_SECOND).append('.').append(frac, 0, end).toString();
  }

  private static long nanos(Map<String, Object> o, String field) {
    Object v = o.get(field);
    try {
      return switch (v) {
        case Long l -> Math.multiplyExact(l, NANOS_PER_SECOND);
        // Decimals are read exactly: a double would lose nanoseconds after about 100 days.
        case BigDecimal d ->
            d.movePointRight(9).setScale(0, RoundingMode.HALF_EVEN).longValueExact();
        case Double d ->
            new BigDecimal(Double.toString(d))
                .movePointRight(9)
                .setScale(0, RoundingMode.HALF_EVEN)
                .longValueExact();
        case null, default -> throw badField(field, "a number of seconds", v);
      };
    } catch (ArithmeticException e) {
      throw badField(field, "a number of seconds that fits in nanoseconds", v);
    }
  }

  private static long integer(Map<String, Object> o, String field) {
    if (o.get(field) instanceof Long l) return l;
    throw badField(field, "an integer", o.get(field));
  }

  private static String string(Map<String, Object> o, String field) {
    if (o.get(field) instanceof String s) return s;
    throw badField(field, "a string", o.get(field));
  }

  private static IllegalArgumentException badField(String field, String expected, Object got) {
    return new IllegalArgumentException(
        got == null
            ? "missing or null field \"" + field + "\", expected " + expected
            : "field \"" + field + "\" must be " + expected + ", not " + Json.write(got));
  }
}
