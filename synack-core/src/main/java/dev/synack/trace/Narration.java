package dev.synack.trace;

import dev.synack.trace.LadderModel.Arrival;
import dev.synack.trace.LadderModel.Arrow;
import dev.synack.trace.LadderModel.Fate;
import dev.synack.trace.LadderModel.NoteStep;
import dev.synack.trace.LadderModel.StateStep;
import dev.synack.trace.LadderModel.Step;
import dev.synack.trace.LadderModel.TimerAction;
import dev.synack.trace.LadderModel.TimerStep;
import dev.synack.trace.NarrationText.Say;
import dev.synack.trace.TraceEvent.SegmentInfo;
import dev.synack.wire.TcpFlags;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A trace told in sentences, one per step, in the words of the articles: which handshake or wave
 * a segment is, which state it leaves its sender in, why TIME_WAIT waits 2 MSL, what a RST, a
 * challenge ACK or a reply to an old duplicate SYN means. For {@code synack demo --lang en|zh}.
 *
 * <pre>
 * First handshake: client sends SYN with its initial sequence number ISN=100; client enters SYN_SENT
 * 第一次握手：客户端发送 SYN 报文，指明初始化序列号 ISN=100，此时客户端处于 SYN_SENT 状态
 * </pre>
 */
public final class Narration {
  /** States in which both sides' sequence numbers are known (RFC 9293 §3.3.2, "synchronized"). */
  private static final Set<String> SYNCHRONIZED = Set.of("ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2",
      "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT");

  private Narration() {}

  /**
   * Returns a sentence per step of the trace; a state change that comes with a send, or with a
   * receipt, shares its sentence.
   *
   * @param lang {@code en} or {@code zh}
   * @throws IllegalArgumentException for another language
   */
  public static List<String> narrate(List<TraceEvent> events, String lang) {
    Map<Say, String> text = NarrationText.of(lang);
    return new Narrator(LadderModel.of(events, List.of()), lang, text).run();
  }

  /** Walks the steps once, remembering what each side last received and which FIN came first. */
  private static final class Narrator {
    private final LadderModel model;
    private final String lang;
    private final Map<Say, String> text;
    private final List<String> lines = new ArrayList<>();
    /** Last segment accepted by a host, keyed by column and the connection as that host names it. */
    private final Map<String, SegmentInfo> lastReceived = new HashMap<>();
    /** The current state of each column. */
    private final Map<Integer, String> states = new HashMap<>();
    /** The senders of FINs per connection (either direction), in order: first wave, third wave. */
    private final Map<String, List<String>> finSenders = new HashMap<>();
    /** Senders of SYNs, by column and connection. */
    private final Set<String> synSenders = new HashSet<>();
    /** The state a sender entered right before the send being told. */
    private final Map<Integer, String> pendingState = new HashMap<>();
    /** Timer sentences held back until the send they come with has been told. */
    private final List<String> deferred = new ArrayList<>();

    Narrator(LadderModel model, String lang, Map<Say, String> text) {
      this.model = model;
      this.lang = lang;
      this.text = text;
    }

    List<String> run() {
      List<Step> steps = model.steps();
      for (int i = 0; i < steps.size(); i++) {
        switch (steps.get(i)) {
          case StateStep s -> state(s, i);
          case Arrow a -> arrow(a);
          case Arrival a -> {
            if (a.arrow().fate() != Fate.DROPPED) received(a.arrow());
          }
          case TimerStep t -> timer(t);
          case NoteStep n -> lines.add(say(Say.NOTE, n.column(), Map.of("text", n.text())));
        }
      }
      lines.addAll(deferred);
      return lines.stream().map(NarrationText::tidy).toList();
    }

    private void state(StateStep s, int i) {
      states.put(s.column(), s.to());
      // A state entered right before a send is told with that send; timers between them wait.
      for (int j = i + 1; j < model.steps().size(); j++) {
        Step next = model.steps().get(j);
        if (next instanceof TimerStep t && t.time() == s.time() && t.column() == s.column()) continue;
        if (next instanceof Arrow a && a.sent() && a.from() == s.column() && a.time() == s.time()) {
          pendingState.put(s.column(), s.to());
          return;
        }
        break;
      }
      SegmentInfo cause = receiptBefore(s, i);
      if (cause != null) {
        Say why = switch (s.to()) {
          case "ESTABLISHED" -> s.from().equals("SYN_RECEIVED") ? Say.ESTABLISHED_BOTH : null;
          case "FIN_WAIT_2" -> Say.WAITS_FOR_FIN;
          case "LISTEN" -> Say.BACK_TO_LISTEN;
          case "CLOSED" -> cause.has(TcpFlags.RST) ? Say.RESET_CLOSED
              : s.from().equals("LAST_ACK") ? Say.CLOSED_AFTER_LAST_ACK : null;
          default -> null;
        };
        lines.add(say(Say.RECEIVED_ENTERS, s.column(), Map.of("flags", LadderModel.flagNames(cause.flags()),
            "to", s.to())) + (why == null ? "" : text.get(why)));
      } else if (s.from().equals("TIME_WAIT") && s.to().equals("CLOSED")) {
        lines.add(say(Say.TIME_WAIT_OVER, s.column(), Map.of()));
      } else {
        lines.add(say(Say.ENTERS, s.column(), Map.of("from", s.from(), "to", s.to())));
      }
    }

    /** Returns the segment whose receipt, just before step {@code i}, caused the state change, or null. */
    private SegmentInfo receiptBefore(StateStep s, int i) {
      if (i == 0) return null;
      Step prev = model.steps().get(i - 1);
      Arrow a = prev instanceof Arrival r ? r.arrow() : prev instanceof Arrow ra && !ra.sent() ? ra : null;
      if (a == null || a.to() != s.column() || prev.time() != s.time() || a.fate() == Fate.DROPPED) return null;
      return a.segment();
    }

    private void arrow(Arrow a) {
      SegmentInfo f = a.segment();
      Map<String, String> values = Map.of("seq", Long.toString(f.seq()), "ack", Long.toString(f.ack()),
          "len", Integer.toString(f.len()), "flags", LadderModel.flagNames(f.flags()));
      StringBuilder line = new StringBuilder();
      if (a.retransmit()) line.append(text.get(Say.RETRANSMIT));
      SegmentInfo last = lastReceived.get(a.from() + " " + a.conn());
      Say role = role(a, last);
      if (role == Say.RST_OLD_DUPLICATE || role == Say.CHALLENGE_ACK) {
        values = Map.of("ack", Long.toString(role == Say.CHALLENGE_ACK ? f.ack() : last.ack()),
            "flags", LadderModel.flagNames(last.flags()));
      }
      line.append(say(role, role == Say.UNSENT ? a.to() : a.from(), values));
      String entered = pendingState.remove(a.from());
      if (entered != null) line.append(say(Say.IN_STATE, a.from(), Map.of("state", entered)));
      if (a.fate() == Fate.LOST) line.append(text.get(Say.LOST));
      if (a.fate() == Fate.DROPPED) line.append(say(Say.DROPPED, a.to(), Map.of("reason", String.valueOf(a.reason()))));
      lines.add(line.toString());
      lines.addAll(deferred);
      deferred.clear();
      if (!a.sent() && a.fate() != Fate.DROPPED) received(a);
    }

    private Say role(Arrow a, SegmentInfo last) {
      SegmentInfo f = a.segment();
      if (model.unsent(a)) return Say.UNSENT;
      if (f.has(TcpFlags.RST)) {
        // RFC 9293 §3.10.7.3: in SYN-SENT, an ACK outside ISS..SND.NXT is answered with a reset.
        boolean oldSynAck = last != null && last.has(TcpFlags.SYN | TcpFlags.ACK)
            && !SYNCHRONIZED.contains(states.getOrDefault(a.from(), "CLOSED"));
        return oldSynAck ? Say.RST_OLD_DUPLICATE : Say.RST;
      }
      if (f.has(TcpFlags.SYN | TcpFlags.ACK)) return Say.SYN_ACK;
      if (f.has(TcpFlags.SYN)) {
        // The peer's SYN already sent, and not yet received here: the SYNs cross (RFC 9293 §3.5, figure 7).
        boolean crossing = synSenders.contains(a.to() + " " + LadderModel.reverse(a.conn())) && last == null;
        synSenders.add(a.from() + " " + a.conn());
        return crossing ? Say.SYN_SIMULTANEOUS : Say.SYN;
      }
      if (f.has(TcpFlags.FIN)) return finOrdinal(a.from() + " " + a.conn(), a.conn(), true) == 1 ? Say.FIN_1 : Say.FIN_2;
      if (f.len() > 0) return "CLOSE_WAIT".equals(states.get(a.from())) ? Say.DATA_HALF_CLOSED : Say.DATA;
      if (!f.has(TcpFlags.ACK)) return Say.SEGMENT;
      if (last != null) {
        if (last.has(TcpFlags.SYN | TcpFlags.ACK)) return Say.HANDSHAKE_ACK;
        if (last.has(TcpFlags.FIN) && f.ack() == ((last.seq() + last.len() + 1) & 0xffff_ffffL)) {
          String finSender = a.to() + " " + LadderModel.reverse(a.conn());
          return finOrdinal(finSender, a.conn(), false) == 1 ? Say.FIN_ACK_1 : Say.FIN_ACK_2;
        }
        // RFC 5961 §3.2 and §4.2: a RST or SYN in a synchronized state that is not exactly right gets an ACK.
        if ((last.has(TcpFlags.RST) || last.has(TcpFlags.SYN)) && SYNCHRONIZED.contains(states.get(a.from()))) {
          return Say.CHALLENGE_ACK;
        }
      }
      return Say.ACK;
    }

    /** Returns 1 for the first FIN sender of the connection, 2 for the second; records a new sender when asked. */
    private int finOrdinal(String sender, String conn, boolean record) {
      String reversed = LadderModel.reverse(conn);
      String key = conn.compareTo(reversed) <= 0 ? conn : reversed;
      List<String> senders = finSenders.computeIfAbsent(key, k -> new ArrayList<>());
      if (!senders.contains(sender) && record) senders.add(sender);
      int i = senders.indexOf(sender);
      return i < 0 ? 1 : i + 1;
    }

    private void received(Arrow a) {
      lastReceived.put(a.to() + " " + LadderModel.reverse(a.conn()), a.segment());
    }

    private void timer(TimerStep t) {
      String line = null;
      if (t.timer().equals("TIME_WAIT") && t.action() == TimerAction.SET) {
        String dur = t.firesAfter() < 0 ? ""
            : (lang.equals("zh") ? "（" : " (") + Ladder.seconds(t.firesAfter(), 3) + (lang.equals("zh") ? "）" : ")");
        line = say(Say.TIME_WAIT_SET, t.column(), Map.of("dur", dur));
      } else if (t.timer().equals("TIME_WAIT") && t.action() == TimerAction.RESTARTED) {
        line = say(Say.TIME_WAIT_RESTARTED, t.column(), Map.of());
      } else if (t.action() == TimerAction.FIRED && !t.timer().equals("TIME_WAIT")) {
        line = t.timer().equals("RTO") ? say(Say.RTO_FIRED, t.column(), Map.of())
            : say(Say.TIMER_FIRED, t.column(), Map.of("timer", t.timer()));
      }
      if (line == null) return; // TIME_WAIT's end is told by the state change to CLOSED
      if (pendingState.containsKey(t.column())) {
        deferred.add(line);
      } else {
        lines.add(line);
      }
    }

    private String say(Say what, int column, Map<String, String> values) {
      String s = text.get(what).replace("{h}", NarrationText.host(model.hosts().get(column), lang));
      for (Map.Entry<String, String> e : values.entrySet()) s = s.replace("{" + e.getKey() + "}", e.getValue());
      return s;
    }
  }
}
