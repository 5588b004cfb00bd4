package dev.synack.cli;

import dev.synack.lesson.Ladder;
import dev.synack.lesson.Narration;
import dev.synack.lesson.Sentence;
import dev.synack.trace.CaptureStates;
import dev.synack.trace.Json;
import dev.synack.trace.JsonLines;
import dev.synack.trace.TraceEvent;
import dev.synack.wire.IpDatagram;
import dev.synack.wire.LinkType;
import dev.synack.wire.MalformedReason;
import dev.synack.wire.Packets;
import dev.synack.wire.Parsed;
import dev.synack.wire.PcapRecord;
import dev.synack.wire.SeqNum;
import dev.synack.wire.TcpCodec;
import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpSegment;
import java.io.PrintWriter;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Explains the records of a capture: one tcpdump-like line (or JSON trace line) per packet, the TCP
 * segments grouped into connections whose states are inferred by {@link CaptureStates}, and at the
 * end each connection as a ladder diagram with its states named, the path of states of each end,
 * and a summary.
 *
 * <p>Call {@link #record} for each record in file order, then {@link #finish} once.
 */
final class CaptureDecoder {
  /**
   * One connection of the capture, named by its endpoints in the order the capture first saw them.
   */
  private record Connection(
      String first,
      String second,
      CaptureStates states,
      SegmentAnalysis analysis,
      List<TraceEvent> events) {}

  private final PrintWriter out;
  private final boolean json;
  private final ZoneId zone;

  /** The connection to show ({@code --conn}): its number, or an endpoint it has; null for all. */
  private final String only;

  /** Whether the text shows the numbers on the wire rather than relative ones. */
  private final boolean absolute;

  /** The language of each connection's narration: en or zh. */
  private final String lang;

  /**
   * The origin of each direction's numbers, {@code "from>to"}: its SYN's sequence number; without a
   * SYN in the capture, one below the first sequence number seen, or below the first ACK of it, so
   * that a capture begun mid-stream starts at 1 as in Wireshark.
   */
  private final Map<String, Integer> origins = new HashMap<>();

  /** Connections by their direction-independent key, in the order they first appear. */
  private final Map<String, Connection> connections = new LinkedHashMap<>();

  /** The time of the first record; JSON times count from it. */
  private long firstNanos = Long.MIN_VALUE;

  private int packets;
  private int segments;
  private int malformed;

  /**
   * TCP segments whose checksum does not verify, read, not dropped. A capture taken where the
   * packets were sent shows bad TCP checksums: Linux leaves the checksum to the device
   * (CHECKSUM_PARTIAL: the field holds only the pseudo-header's sum) when the device offloads it;
   * the capture sees the packet before the device, and the loopback device never fills it in at
   * all, its receiver trusting it (CHECKSUM_UNNECESSARY). tcpdump -v shows the same as "incorrect".
   */
  private int badChecksums;

  CaptureDecoder(PrintWriter out, boolean json, ZoneId zone) {
    this(out, json, zone, null);
  }

  /**
   * A decoder that shows only the connection {@code only} names (its number, or an endpoint of it),
   * or all when null.
   */
  CaptureDecoder(PrintWriter out, boolean json, ZoneId zone, String only) {
    this(out, json, zone, only, false, "en");
  }

  /**
   * A decoder whose text shows numbers relative to each direction's ISN, as Wireshark does by
   * default ({@code tcp.relative_sequence_numbers}), unless {@code absolute}, and tells each
   * connection in {@code lang} ({@code en} or {@code zh}).
   */
  CaptureDecoder(
      PrintWriter out, boolean json, ZoneId zone, String only, boolean absolute, String lang) {
    this.out = out;
    this.json = json;
    this.zone = zone;
    this.only = only;
    this.absolute = absolute;
    this.lang = lang;
  }

  /** Returns whether {@code c} is one the decoder shows. */
  private boolean shown(Connection c) {
    if (only == null) return true;
    if (only.matches("\\d+")) return String.valueOf(number(c)).equals(only);
    return c.first().equals(only) || c.second().equals(only);
  }

  private int number(Connection c) {
    return new ArrayList<>(connections.values()).indexOf(c) + 1;
  }

  /** Returns the trace events of the connections shown, for a page of them. */
  List<TraceEvent> shownEvents() {
    List<TraceEvent> all = new ArrayList<>();
    for (Connection c : connections.values()) if (shown(c)) all.addAll(c.events());
    return all;
  }

  /** Returns the endpoints of the connections shown, first connection first. */
  List<String> shownHosts() {
    for (Connection c : connections.values()) if (shown(c)) return List.of(c.first(), c.second());
    return List.of();
  }

  /** Returns the number of connections the capture holds. */
  int connectionCount() {
    return connections.size();
  }

  /** Decodes one record and prints its line. */
  void record(PcapRecord r) {
    if (firstNanos == Long.MIN_VALUE) firstNanos = r.timeNanos();
    packets++;
    long t = r.timeNanos() - firstNanos;
    String time = TcpdumpFormat.time(r.timeNanos(), zone);
    if (r.ipPacket() == null) {
      if (!json)
        out.println(
            time
                + " not IP: "
                + LinkType.name(r.linkType())
                + " frame, length "
                + r.originalLength());
      return;
    }
    Parsed<IpDatagram> ip = IpDatagram.parse(r.ipPacket());
    if (!ip.isOk()) {
      drop(t, time, "", "", "malformed IP packet: ", ip.reason().text());
      return;
    }
    IpDatagram d = ip.value();
    String src = TcpdumpFormat.address(d.source());
    String dst = TcpdumpFormat.address(d.destination());
    Parsed<Packets.TcpPacket> tcp = Packets.parseTcp(d, false);
    if (!tcp.isOk() && tcp.reason() == MalformedReason.IP_NOT_TCP) {
      if (!json) {
        String other = TcpdumpOther.line(d);
        out.println(
            time
                + " "
                + (other != null
                    ? other
                    : TcpdumpFormat.ipVersion(d.source())
                        + " "
                        + src
                        + " > "
                        + dst
                        + ": protocol "
                        + d.protocol()
                        + " (not TCP), length "
                        + d.payload().remaining()));
      }
      return;
    }
    if (!tcp.isOk()) {
      drop(
          t,
          time,
          src,
          src + "-" + dst,
          TcpdumpFormat.ipVersion(d.source()) + " " + src + " > " + dst + ": malformed TCP: ",
          tcp.reason().text());
      return;
    }
    segments++;
    TcpSegment s = tcp.value().segment();
    // Kernel captures on loopback often carry unfinished checksums (checksum offload), so a bad
    // checksum is reported, not dropped, as tcpdump does.
    boolean checksumOk = TcpCodec.parse(d.payload(), d.source(), d.destination(), true).isOk();
    if (!checksumOk) badChecksums++;
    String from = TcpdumpFormat.endpoint(d.source(), s.sourcePort());
    String to = TcpdumpFormat.endpoint(d.destination(), s.destinationPort());
    Connection c =
        connections.computeIfAbsent(
            from.compareTo(to) < 0 ? from + " " + to : to + " " + from,
            k ->
                new Connection(
                    from,
                    to,
                    new CaptureStates(from, to),
                    new SegmentAnalysis(),
                    new ArrayList<>()));
    SegmentAnalysis.Result marks = c.analysis().segment(r.timeNanos(), from.equals(c.first()), s);
    List<TraceEvent> events = c.states().segment(t, from, s);
    c.events().addAll(events);
    if (!shown(c)) return;
    if (json) {
      for (TraceEvent e : events) {
        if (e instanceof TraceEvent.Segment seg && seg.action() == TraceEvent.SegmentAction.RECV)
          continue;
        String line = JsonLines.toJson(e);
        if (e instanceof TraceEvent.Segment) {
          line =
              line.substring(0, line.length() - 1)
                  + ",\"src\":"
                  + Json.quote(src)
                  + ",\"sport\":"
                  + s.sourcePort()
                  + ",\"dst\":"
                  + Json.quote(dst)
                  + ",\"dport\":"
                  + s.destinationPort()
                  + ",\"checksum_ok\":"
                  + checksumOk
                  + analysisJson(marks)
                  + "}";
        }
        out.println(line);
      }
    } else {
      String labels = marks.labels(lang);
      String line =
          absolute
              ? TcpdumpFormat.segment(d.source(), d.destination(), s)
              : relative(d, from, to, s);
      out.println(time + " " + line + (labels.isEmpty() ? "" : " " + labels.strip()));
    }
  }

  /** Returns a segment's line with each number relative to the origin of its direction. */
  private String relative(IpDatagram d, String from, String to, TcpSegment s) {
    String fwd = from + ">" + to;
    String rev = to + ">" + from;
    if (s.has(TcpFlags.SYN)) {
      origins.put(fwd, s.sequenceNumber()); // a new SYN starts the numbers over
    } else {
      origins.putIfAbsent(fwd, SeqNum.add(s.sequenceNumber(), -1));
    }
    if (s.has(TcpFlags.ACK)) origins.putIfAbsent(rev, SeqNum.add(s.acknowledgmentNumber(), -1));
    return TcpdumpFormat.segment(
        d.source(),
        d.destination(),
        s,
        origins.get(fwd),
        s.has(TcpFlags.ACK) ? origins.get(rev) : 0);
  }

  /**
   * Returns the JSON fields of a segment's analysis, {@code
   * ,"analysis":["duplicate_ack"],"dup_ack":2}, or "".
   */
  private static String analysisJson(SegmentAnalysis.Result marks) {
    if (marks.marks().isEmpty()) return "";
    StringBuilder b = new StringBuilder(",\"analysis\":[");
    String sep = "";
    for (SegmentAnalysis.Mark m : marks.marks()) {
      b.append(sep).append(Json.quote(m.field()));
      sep = ",";
    }
    b.append(']');
    if (marks.duplicateAck() > 0) b.append(",\"dup_ack\":").append(marks.duplicateAck());
    return b.toString();
  }

  /** Prints each connection's states and the summary line (text only). */
  void finish() {
    if (json) return;
    int n = 0;
    for (Connection c : connections.values()) {
      n++;
      if (!shown(c)) continue;
      out.println();
      out.println(
          Sentence.of(Sentence.Kind.DECODE_CONNECTION, "n", n, "a", c.first(), "b", c.second())
              .in(lang));
      out.println();
      out.print(
          Ladder.render(
              c.events(),
              Ladder.Options.defaults()
                  .withHosts(List.of(c.first(), c.second()))
                  .withTimers(true)
                  .withRelativeSeq(!absolute)
                  .withLang(lang)));
      out.println();
      for (String sentence : Narration.narrate(c.events(), lang, !absolute))
        out.println("  " + sentence);
      out.println();
      out.println("  " + statePath(c, c.first()));
      out.println("  " + statePath(c, c.second()));
    }
    out.println();
    out.println(summary().in(lang));
    if (badChecksums > 0)
      out.println(Sentence.of(Sentence.Kind.DECODE_BAD_CHECKSUMS, "n", badChecksums).in(lang));
  }

  /** Returns the summary line, {@code 11 packets, 11 TCP segments, 1 connection, 0 malformed}. */
  Sentence summary() {
    return Sentence.of(
        Sentence.Kind.DECODE_SUMMARY,
        "packets",
        packets,
        "segments",
        segments,
        "connections",
        connections.size(),
        "malformed",
        malformed);
  }

  /**
   * Returns the states an endpoint went through, {@code 10.0.0.1:40000: CLOSED -> SYN_SENT -> ...}.
   */
  private static String statePath(Connection c, String endpoint) {
    StringBuilder b = new StringBuilder(endpoint).append(':');
    boolean first = true;
    for (TraceEvent e : c.events()) {
      if (e instanceof TraceEvent.StateChange sc && sc.host().equals(endpoint)) {
        if (first) b.append(' ').append(sc.from());
        b.append(" -> ").append(sc.to());
        first = false;
      }
    }
    if (first) b.append(' ').append(c.states().state(endpoint));
    return b.toString();
  }

  private void drop(long t, String time, String host, String conn, String what, String reason) {
    malformed++;
    if (json) {
      out.println(
          "{\"t\":"
              + seconds(t)
              + ",\"host\":"
              + Json.quote(host)
              + ",\"conn\":"
              + Json.quote(conn)
              + ",\"event\":\"drop\",\"reason\":"
              + Json.quote(reason)
              + "}");
    } else {
      out.println(time + " " + what + reason);
    }
  }

  /**
   * Returns nanoseconds as seconds with six to nine decimals, as {@link JsonLines} writes times.
   */
  private static String seconds(long nanos) {
    String s = String.format("%d.%09d", nanos / 1_000_000_000L, nanos % 1_000_000_000L);
    int end = s.length();
    while (end > s.length() - 3 && s.charAt(end - 1) == '0') end--;
    return s.substring(0, end);
  }
}
