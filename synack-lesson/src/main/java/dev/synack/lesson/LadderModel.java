package dev.synack.lesson;

import dev.synack.trace.CaptureStates;
import dev.synack.trace.TraceEvent;
import dev.synack.trace.TraceEvent.Note;
import dev.synack.trace.TraceEvent.Packet;
import dev.synack.trace.TraceEvent.Sample;
import dev.synack.trace.TraceEvent.Segment;
import dev.synack.trace.TraceEvent.SegmentAction;
import dev.synack.trace.TraceEvent.SegmentInfo;
import dev.synack.trace.TraceEvent.StateChange;
import dev.synack.trace.TraceEvent.Timer;
import dev.synack.wire.TcpFlags;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The drawing of a trace that every rendering shares: a column per host, and the steps in event
 * order, where a segment's send and its receipt at the peer are one {@link Arrow}.
 *
 * <p>Matching: a receipt ({@code recv} or {@code drop}) at host B on connection {@code b-a} is the
 * segment that host A sent on {@code a-b} with the same fields. When several sends fit (duplicate
 * ACKs, retransmissions), the receipt takes the earlier send whose transit time is nearest the
 * usual delay of that direction, learnt from the receipts that fit one send only; with no delay
 * known, the first send, unless a retransmission of it followed. When no send precedes the receipt,
 * as in traces of two hosts simply concatenated, the first unmatched send is taken. A send nobody
 * received is lost when its peer is in the trace, and unobserved when only the sender was traced,
 * in which case the peer gets a column named after its address.
 *
 * @param hosts the columns, left to right
 * @param traced the hosts whose events are in the trace; the other columns are peers named by
 *     address
 * @param steps what happened, in event order
 * @param samples the sender samples, for plots
 */
record LadderModel(List<String> hosts, Set<String> traced, List<Step> steps, List<Sample> samples) {

  /** One thing drawn in the diagram. */
  sealed interface Step {
    /** Returns the time at which the step is drawn, in nanoseconds. */
    long time();
  }

  /** What became of a segment. */
  enum Fate {
    /** The peer received it. */
    DELIVERED,
    /** The peer (or the network, at the sender) dropped it, with a reason. */
    DROPPED,
    /** The peer is traced and never saw it. */
    LOST,
    /** Only the sender is traced: drawn as delivered. */
    UNOBSERVED
  }

  /**
   * A segment from one column to another.
   *
   * @param from the sender's column
   * @param to the receiver's column
   * @param sendTime when it was sent, or -1 when the send is not in the trace
   * @param endTime when it was received or dropped, or -1 when lost or unobserved
   * @param conn the connection as the sender names it
   * @param segment the fields
   * @param retransmit whether the sender traced it as a retransmission
   * @param fate what became of it
   * @param reason the drop reason, or null
   */
  record Arrow(
      int from,
      int to,
      long sendTime,
      long endTime,
      String conn,
      SegmentInfo segment,
      boolean retransmit,
      Fate fate,
      String reason)
      implements Step {
    @Override
    public long time() {
      return sendTime >= 0 ? sendTime : endTime;
    }

    /** Returns whether the send is in the trace. */
    boolean sent() {
      return sendTime >= 0;
    }

    /** Returns whether the arrow stops half-way. */
    boolean stopsShort() {
      return fate == Fate.DROPPED || fate == Fate.LOST;
    }
  }

  /** The receipt (or drop) of an arrow at its receiver, for renderings that slant arrows. */
  record Arrival(long time, Arrow arrow) implements Step {}

  /** A state change of the host in column {@code column}. */
  record StateStep(long time, int column, String conn, String from, String to) implements Step {}

  /** How a timer event reads. */
  enum TimerAction {
    SET,
    RESTARTED,
    FIRED,
    CANCELLED
  }

  /**
   * A timer event.
   *
   * @param firesAfter for a set or restart, how long until the trace shows it fire, else -1
   */
  record TimerStep(
      long time, int column, String conn, String timer, TimerAction action, long firesAfter)
      implements Step {}

  /** A note, e.g. a host-wide notice. */
  record NoteStep(long time, int column, String conn, String text) implements Step {}

  /**
   * Returns the model of a trace; {@code hostOrder} names the first columns, the rest follow in
   * order of appearance.
   */
  static LadderModel of(List<TraceEvent> events, List<String> hostOrder) {
    return new Builder(events, hostOrder).build();
  }

  /**
   * Returns whether the trace's times come from one clock that sees a segment leave and arrive at
   * once: no arrow takes time to cross. So it is with a capture ({@link CaptureStates} puts a
   * segment's send and receipt at the capture time) and with a live run that traces one end only;
   * not with a simulated path that has a delay. In such a trace a reply is not at the time of what
   * it answers: it follows it by the peer's own processing time.
   */
  boolean realTime() {
    for (Step s : steps) {
      if (s instanceof Arrow a && a.sent() && a.endTime() > a.sendTime()) return false;
    }
    return true;
  }

  /**
   * Returns whether an arrow's sender is traced yet did not trace sending it: an old duplicate or a
   * forgery.
   */
  boolean unsent(Arrow a) {
    return !a.sent() && traced.contains(hosts.get(a.from()));
  }

  /** Returns the connection as its peer names it: {@code a:1-b:2} becomes {@code b:2-a:1}. */
  static String reverse(String conn) {
    int dash = conn.indexOf('-'); // addresses never contain '-' (IPv6 ones are in brackets)
    return dash < 0 ? conn : conn.substring(dash + 1) + "-" + conn.substring(0, dash);
  }

  /** Returns the segment's flags in tcpdump's order, {@code SYN,ACK} rather than header order. */
  static String flagNames(int flags) {
    StringBuilder b = new StringBuilder();
    String[] names = {"SYN", "FIN", "RST", "PSH", "ACK", "URG", "ECE", "CWR", "AE"};
    int[] bits = {
      TcpFlags.SYN,
      TcpFlags.FIN,
      TcpFlags.RST,
      TcpFlags.PSH,
      TcpFlags.ACK,
      TcpFlags.URG,
      TcpFlags.ECE,
      TcpFlags.CWR,
      TcpFlags.AE
    };
    for (int i = 0; i < bits.length; i++) {
      if ((flags & bits[i]) != 0) b.append(b.isEmpty() ? "" : ",").append(names[i]);
    }
    return b.isEmpty() ? "none" : b.toString();
  }

  /**
   * Labels arrows, in step order, with sequence numbers absolute or relative to the ISN of their
   * direction like tcpdump; a SYN sets the origin, so a reused 4-tuple starts again from 0.
   */
  static final class Labeler {
    /** Origins by sender column and connection; null when numbers stay absolute. */
    private final Map<String, Long> origins;

    /**
     * Window-scale shifts offered in each sender's SYN, by sender column and connection; null when
     * windows stay raw.
     */
    private final Map<String, Integer> shifts;

    Labeler(boolean relative) {
      this(relative, false);
    }

    /** A labeler whose windows are in bytes, scaled as RFC 7323 §2.3 says, when {@code scaled}. */
    Labeler(boolean relative, boolean scaled) {
      this.origins = relative ? new HashMap<>() : null;
      this.shifts = scaled ? new HashMap<>() : null;
    }

    /** Returns the fields of an arrow as one label: {@code SYN,ACK seq=300 ack=101 win=65160}. */
    String label(Arrow a) {
      SegmentInfo s = a.segment();
      String key = a.from() + " " + a.conn();
      String peer = a.to() + " " + reverse(a.conn());
      if (origins != null && (s.has(TcpFlags.SYN) || !origins.containsKey(key)))
        origins.put(key, s.seq());
      if (shifts != null && s.has(TcpFlags.SYN)) shifts.put(key, shift(s.options()));
      StringBuilder b = new StringBuilder(flagNames(s.flags()));
      b.append(" seq=").append(relative(s.seq(), key));
      if (s.has(TcpFlags.ACK)) b.append(" ack=").append(relative(s.ack(), peer));
      if (s.len() > 0) b.append(" len=").append(s.len());
      b.append(" win=").append(window(s, key, peer));
      return b.toString();
    }

    /**
     * Returns the window in bytes: the raw field shifted when both SYNs offered a scale; a SYN's
     * own window is never scaled.
     */
    private long window(SegmentInfo s, String key, String peer) {
      if (shifts == null || s.has(TcpFlags.SYN)) return s.win();
      Integer mine = shifts.get(key);
      Integer theirs = shifts.get(peer);
      if (mine == null || theirs == null || mine < 0 || theirs < 0) return s.win();
      return (long) s.win() << Math.min(mine, 14); // RFC 7323 §2.3: a shift above 14 is taken as 14
    }

    private static int shift(String options) {
      if (options == null) return -1;
      int at = options.indexOf("wscale ");
      if (at < 0) return -1;
      int end = at + 7;
      while (end < options.length() && Character.isDigit(options.charAt(end))) end++;
      return end == at + 7 ? -1 : Integer.parseInt(options.substring(at + 7, end));
    }

    private long relative(long value, String key) {
      Long origin = origins == null ? null : origins.get(key);
      return origin == null ? value : (value - origin) & 0xffff_ffffL;
    }
  }

  /** Builds a model in two passes: match receipts to sends, then list the steps. */
  private static final class Builder {
    private final List<TraceEvent> events;
    private final List<String> hosts = new ArrayList<>();

    /** Connections each traced host has events on. */
    private final Map<String, Set<String>> connsByHost = new HashMap<>();

    /** For each event index, the index of the send or receipt it is matched with, or -1. */
    private final int[] match;

    /** Events folded into the one before them (a RETRANSMIT traced beside its SEND). */
    private final boolean[] folded;

    /** Sends traced twice, as SEND and RETRANSMIT. */
    private final boolean[] retransmitted;

    Builder(List<TraceEvent> events, List<String> hostOrder) {
      // A packet too broken to read as a segment (a bad checksum) has no fields to draw as an
      // arrow; it is shown where it was dropped, as a note.
      this.events =
          events.stream()
              .map(
                  e ->
                      e instanceof Segment s && s.segment() == null
                          ? new Note(s.timeNanos(), s.host(), s.conn(), "drop: " + s.reason())
                          : e)
              .toList();
      this.match = new int[events.size()];
      this.folded = new boolean[events.size()];
      this.retransmitted = new boolean[events.size()];
      Arrays.fill(match, -1);
      Set<String> order = new LinkedHashSet<>(hostOrder);
      for (TraceEvent e : this.events) {
        if (e instanceof Packet) continue;
        order.add(e.host());
        connsByHost.computeIfAbsent(e.host(), h -> new LinkedHashSet<>()).add(e.conn());
      }
      hosts.addAll(order);
    }

    LadderModel build() {
      foldRetransmits();
      matchReceipts();
      List<Step> steps = new ArrayList<>();
      List<Sample> samples = new ArrayList<>();
      Map<Integer, Arrow> arrows = arrows();
      Map<String, Boolean> armed = new HashMap<>();
      for (int i = 0; i < events.size(); i++) {
        TraceEvent e = events.get(i);
        int column = hosts.indexOf(e.host());
        switch (e) {
          case StateChange s ->
              steps.add(new StateStep(s.timeNanos(), column, s.conn(), s.from(), s.to()));
          case Segment s -> {
            if (folded[i]) continue;
            boolean receipt = s.action() == SegmentAction.RECV || s.action() == SegmentAction.DROP;
            if (receipt && match[i] >= 0) {
              steps.add(new Arrival(s.timeNanos(), arrows.get(match[i])));
            } else {
              steps.add(arrows.get(i));
            }
          }
          case Timer t -> steps.add(timerStep(i, t, column, armed));
          case Note n -> steps.add(new NoteStep(n.timeNanos(), column, n.conn(), n.text()));
          case Sample s -> samples.add(s);
          case Packet p -> {}
        }
      }
      return new LadderModel(
          List.copyOf(hosts),
          Set.copyOf(connsByHost.keySet()),
          List.copyOf(steps),
          List.copyOf(samples));
    }

    /** Folds a RETRANSMIT traced right after the SEND of the same segment into that send. */
    private void foldRetransmits() {
      for (int i = 1; i < events.size(); i++) {
        if (events.get(i) instanceof Segment r
            && events.get(i - 1) instanceof Segment s
            && isSend(r)
            && isSend(s)
            && r.action() != s.action()
            && r.host().equals(s.host())
            && r.conn().equals(s.conn())
            && r.segment().equals(s.segment())
            && r.timeNanos() == s.timeNanos()) {
          folded[i] = true;
          retransmitted[i - 1] = true;
        }
      }
    }

    /**
     * Matches receipts to sends in two rounds: first the receipts with a single candidate, whose
     * transit times then tell the usual delay of each direction; then the others, each taking the
     * earlier send whose transit time is nearest that delay.
     */
    private void matchReceipts() {
      // Sends by the key their receiver sees: (receiver's conn, fields).
      Map<List<Object>, List<Integer>> sendsByKey = new HashMap<>();
      for (int i = 0; i < events.size(); i++) {
        if (events.get(i) instanceof Segment s && isSend(s) && !folded[i]) {
          sendsByKey
              .computeIfAbsent(List.of(reverse(s.conn()), s.segment()), k -> new ArrayList<>())
              .add(i);
        }
      }
      Map<String, List<Long>> delays = new HashMap<>();
      for (int round = 0; round < 2; round++) {
        Map<String, Long> usual = new HashMap<>();
        delays.forEach(
            (pair, list) -> usual.put(pair, list.stream().sorted().toList().get(list.size() / 2)));
        for (int r = 0; r < events.size(); r++) {
          if (!(events.get(r) instanceof Segment s) || isSend(s) || match[r] >= 0) continue;
          List<Integer> candidates =
              candidates(
                  sendsByKey.getOrDefault(List.of(s.conn(), s.segment()), List.of()),
                  s.host(),
                  false);
          if (candidates.isEmpty() && s.action() == SegmentAction.DROP) {
            // Dropped on the way out, traced at the sender (a link that loses it, say).
            candidates =
                candidates(
                    sendsByKey.getOrDefault(List.of(reverse(s.conn()), s.segment()), List.of()),
                    s.host(),
                    true);
          }
          if (candidates.isEmpty() || (round == 0 && candidates.size() > 1)) continue;
          int send = round == 0 ? candidates.getFirst() : choose(candidates, r, usual);
          match[send] = r;
          match[r] = send;
          if (round == 0) {
            delays
                .computeIfAbsent(events.get(send).host() + ">" + s.host(), k -> new ArrayList<>())
                .add(s.timeNanos() - events.get(send).timeNanos());
          }
        }
      }
    }

    private List<Integer> candidates(List<Integer> sends, String receiver, boolean sameHost) {
      return sends.stream()
          .filter(c -> match[c] < 0 && events.get(c).host().equals(receiver) == sameHost)
          .toList();
    }

    /**
     * Returns the send for the receipt at {@code r}: among the sends before it, the one whose
     * transit time is nearest the usual delay of its direction, else the first; without a send
     * before it (two hosts' traces concatenated), the first.
     */
    private int choose(List<Integer> candidates, int r, Map<String, Long> usual) {
      String receiver = events.get(r).host();
      int chosen = -1;
      long best = Long.MAX_VALUE;
      for (int c : candidates) {
        if (c > r) break;
        Long delay = usual.get(events.get(c).host() + ">" + receiver);
        if (delay == null) {
          // No usual delay known: the first send, unless retransmitted (its sender gave it up).
          if (chosen < 0 || ((Segment) events.get(c)).action() == SegmentAction.RETRANSMIT)
            chosen = c;
          continue;
        }
        long off = Math.abs(events.get(r).timeNanos() - events.get(c).timeNanos() - delay);
        if (chosen < 0 || off < best) {
          chosen = c;
          best = off;
        }
      }
      return chosen >= 0 ? chosen : candidates.getFirst();
    }

    /** Returns the arrows, keyed by the index of the event they are drawn at. */
    private Map<Integer, Arrow> arrows() {
      Map<Integer, Arrow> arrows = new LinkedHashMap<>();
      for (int i = 0; i < events.size(); i++) {
        if (!(events.get(i) instanceof Segment s) || folded[i]) continue;
        int here = column(s.host());
        if (isSend(s)) {
          boolean retransmit = s.action() == SegmentAction.RETRANSMIT || retransmitted[i];
          if (match[i] >= 0) {
            Segment r = (Segment) events.get(match[i]);
            boolean dropped = r.action() == SegmentAction.DROP;
            int to = r.host().equals(s.host()) ? peerColumn(s.host(), s.conn()) : column(r.host());
            arrows.put(
                i,
                new Arrow(
                    here,
                    to,
                    s.timeNanos(),
                    r.timeNanos(),
                    s.conn(),
                    s.segment(),
                    retransmit,
                    dropped ? Fate.DROPPED : Fate.DELIVERED,
                    dropped ? r.reason() : null));
          } else {
            int to = peerColumn(s.host(), s.conn());
            Fate fate = connsByHost.containsKey(hosts.get(to)) ? Fate.LOST : Fate.UNOBSERVED;
            arrows.put(
                i,
                new Arrow(
                    here, to, s.timeNanos(), -1, s.conn(), s.segment(), retransmit, fate, null));
          }
        } else if (match[i] < 0) {
          boolean dropped = s.action() == SegmentAction.DROP;
          arrows.put(
              i,
              new Arrow(
                  peerColumn(s.host(), s.conn()),
                  here,
                  -1,
                  s.timeNanos(),
                  reverse(s.conn()),
                  s.segment(),
                  false,
                  dropped ? Fate.DROPPED : Fate.DELIVERED,
                  dropped ? s.reason() : null));
        }
      }
      return arrows;
    }

    /**
     * Returns the column of the other end of {@code conn} seen from {@code host}: the traced host
     * with events on the reversed connection, else the only other traced host, else a column named
     * after the remote address.
     */
    private int peerColumn(String host, String conn) {
      int dash = conn.indexOf('-');
      if (dash >= 0) {
        String reversed = reverse(conn);
        for (String h : hosts) {
          if (!h.equals(host) && connsByHost.getOrDefault(h, Set.of()).contains(reversed))
            return hosts.indexOf(h);
        }
      }
      List<String> others =
          hosts.stream().filter(h -> !h.equals(host) && connsByHost.containsKey(h)).toList();
      if (others.size() == 1) return hosts.indexOf(others.getFirst());
      return column(dash < 0 ? "peer" : conn.substring(dash + 1));
    }

    private int column(String host) {
      int i = hosts.indexOf(host);
      if (i >= 0) return i;
      hosts.add(host);
      return hosts.size() - 1;
    }

    private TimerStep timerStep(int i, Timer t, int column, Map<String, Boolean> armed) {
      String key = t.host() + " " + t.conn() + " " + t.timer();
      TimerAction action =
          switch (t.action()) {
            case "set" -> armed.getOrDefault(key, false) ? TimerAction.RESTARTED : TimerAction.SET;
            case "fired" -> TimerAction.FIRED;
            default -> TimerAction.CANCELLED;
          };
      armed.put(key, action == TimerAction.SET || action == TimerAction.RESTARTED);
      long firesAfter = -1;
      if (action == TimerAction.SET || action == TimerAction.RESTARTED) {
        for (int j = i + 1; j < events.size(); j++) {
          if (events.get(j) instanceof Timer n
              && n.host().equals(t.host())
              && n.conn().equals(t.conn())
              && n.timer().equals(t.timer())) {
            if (n.action().equals("fired")) firesAfter = n.timeNanos() - t.timeNanos();
            break;
          }
        }
      }
      return new TimerStep(t.timeNanos(), column, t.conn(), t.timer(), action, firesAfter);
    }

    private static boolean isSend(Segment s) {
      return s.action() == SegmentAction.SEND || s.action() == SegmentAction.RETRANSMIT;
    }
  }
}
