package dev.synack.lesson;

import dev.synack.lesson.LadderModel.Arrival;
import dev.synack.lesson.LadderModel.Arrow;
import dev.synack.lesson.LadderModel.Fate;
import dev.synack.lesson.LadderModel.NoteStep;
import dev.synack.lesson.LadderModel.StateStep;
import dev.synack.lesson.LadderModel.Step;
import dev.synack.lesson.LadderModel.TimerAction;
import dev.synack.lesson.LadderModel.TimerStep;
import dev.synack.lesson.NarrationText.Say;
import dev.synack.trace.TraceEvent.SegmentInfo;
import dev.synack.wire.SeqNum;
import dev.synack.wire.TcpFlags;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Walks a {@link LadderModel} once and tells each step, keeping per connection end what a textbook
 * reader keeps in mind: its state, the segment that just reached it, the timer that just fired,
 * which FIN came first, the ACKs it sent (to count duplicates) and whether it is in fast recovery.
 */
final class Narrator {
  /** States in which both sides' sequence numbers are known (RFC 9293 §3.3.2, "synchronized"). */
  private static final Set<String> SYNCHRONIZED =
      Set.of(
          "ESTABLISHED",
          "FIN_WAIT_1",
          "FIN_WAIT_2",
          "CLOSE_WAIT",
          "CLOSING",
          "LAST_ACK",
          "TIME_WAIT");

  private static final Pattern FAST_RECOVERY =
      Pattern.compile("loss detected: fast recovery, cwnd (\\d+)");
  private static final Pattern UNDO =
      Pattern.compile("spurious retransmission \\((.*)\\): cwnd back to (\\d+)");
  private static final Pattern TLP_REPAIRED =
      Pattern.compile("the probe repaired a loss: cwnd (\\d+)");
  private static final Pattern GIVE_UP =
      Pattern.compile("retransmission limit: (\\d+) timeouts unanswered for (\\d+) ms");

  /**
   * The notes that open the two runs of a "why" scenario ({@code dev.synack.demo.WhyRuns}), and
   * what each says.
   */
  private static final Map<String, Say> RUN_NOTES =
      Map.of(
          "lesson run: two-message handshake",
          Say.LESSON_TWO_MESSAGE,
          "real run: three-way handshake",
          Say.REAL_THREE_WAY,
          "lesson run: no TIME-WAIT",
          Say.LESSON_NO_TIME_WAIT,
          "real run: TIME-WAIT of 2 MSL",
          Say.REAL_TIME_WAIT);

  /** A sentence and the step it tells (an index into the model's steps). */
  record Line(int step, String text) {}

  /** How a FIN takes part in the teardown. */
  private enum FinRole {
    FIRST,
    SECOND,
    SIMULTANEOUS
  }

  /** What one end of a connection has seen and done so far. */
  private static final class End {
    /** The current state; null while the trace shows none (no listener, say). */
    String state;

    /** The state before a change told with the send that follows it. */
    String stateBeforeSend;

    /** A state entered right before a send, told with that send. */
    String pendingEnter;

    boolean passive;
    boolean synSent;

    /**
     * The segment that reached this end last, when, whether it was dropped, and whether its sender
     * never sent it.
     */
    SegmentInfo lastIn;

    long lastInTime = -1;
    boolean lastInDropped;
    boolean lastInUnsent;

    /** Whether this end has sent anything since {@link #lastIn} reached it. */
    boolean lastInAnswered;

    /** The kind of the last segment this end sent, for the peer's reply. */
    Say lastSentKind;

    boolean finReceived;
    FinRole finRole;
    long lastAckSent = -1;
    int lastWinSent = -1;
    int dupAcksSent;
    long lastAckIn = -1;
    long highestAckIn = -1;
    int dupAcksIn;
    int rtoInARow;
    String firedTimer;
    long firedTime = -1;
    String noteKind;
    long noteTime = -1;
    boolean recovery;
    long recoverPoint;

    /** When TIME_WAIT was set to last no time at all (a lesson), or -1. */
    long timeWaitZero = -1;

    long sentEnd = -1;
    int wscale = -1;
    boolean sackOk;

    /** Sequence numbers this end has retransmitted. */
    final Set<Long> retransmitted = new HashSet<>();
  }

  private final LadderModel model;
  private final String lang;
  private final Map<Say, String> text;
  private final List<Line> lines = new ArrayList<>();
  private final Map<String, End> ends = new HashMap<>();

  /**
   * Whether numbers other than an ISN are told relative to their direction's ISN, as the page shows
   * them.
   */
  private final boolean relative;

  /** The ISN of each direction, by sender column and connection. */
  private final Map<String, Long> origins = new HashMap<>();

  /** Timer sentences held back until the send they come with has been told. */
  private final List<Line> deferred = new ArrayList<>();

  /**
   * Whether the model's times are a capture's (or a live run's): see {@link
   * LadderModel#realTime()}.
   */
  private final boolean realTime;

  Narrator(LadderModel model, String lang, boolean relative) {
    this.model = model;
    this.realTime = model.realTime();
    this.lang = lang;
    this.relative = relative;
    this.text = NarrationText.of(lang);
  }

  List<Line> run() {
    List<Step> steps = model.steps();
    for (int i = 0; i < steps.size(); i++) {
      switch (steps.get(i)) {
        case StateStep s -> state(s, i);
        case Arrow a -> arrow(a, i);
        case Arrival a -> received(a.arrow(), i);
        case TimerStep t -> timer(t, i);
        case NoteStep n -> note(n, i);
      }
    }
    lines.addAll(deferred);
    return lines.stream().map(l -> new Line(l.step(), NarrationText.tidy(l.text()))).toList();
  }

  private End end(int column, String conn) {
    return ends.computeIfAbsent(column + " " + conn, k -> new End());
  }

  /**
   * Returns a new end for a connection opened anew on the same 4-tuple; it keeps only the segment
   * that just arrived.
   */
  private End restart(End old, int column, String conn) {
    End e = new End();
    e.lastIn = old.lastIn;
    e.lastInTime = old.lastInTime;
    e.lastInDropped = old.lastInDropped;
    e.lastInUnsent = old.lastInUnsent;
    e.lastInAnswered = old.lastInAnswered;
    e.firedTimer = old.firedTimer;
    e.firedTime = old.firedTime;
    ends.put(column + " " + conn, e);
    return e;
  }

  private void state(StateStep s, int i) {
    End e = end(s.column(), s.conn());
    if (s.from().equals("CLOSED") || s.from().equals("LISTEN"))
      e = restart(e, s.column(), s.conn());
    String before = e.state;
    e.state = s.to();
    if (s.from().equals("LISTEN")) e.passive = true;
    if (sendFollows(s, i)) {
      e.pendingEnter = s.to();
      e.stateBeforeSend = before == null ? s.from() : before;
      return;
    }
    SegmentInfo cause = e.lastInTime == s.time() && !e.lastInDropped ? e.lastIn : null;
    if (cause != null) {
      Say why =
          switch (s.to()) {
            case "ESTABLISHED" -> s.from().equals("SYN_RECEIVED") ? Say.ESTABLISHED_BOTH : null;
            case "FIN_WAIT_2" -> Say.WAITS_FOR_FIN;
            case "TIME_WAIT" -> s.from().equals("CLOSING") ? Say.TIME_WAIT_AFTER_CLOSING : null;
            case "LISTEN" -> Say.BACK_TO_LISTEN;
            case "CLOSED" ->
                cause.has(TcpFlags.RST)
                    ? (s.from().equals("SYN_SENT")
                        ? Say.REFUSED_CLOSED
                        : s.from().equals("SYN_RECEIVED") && e.passive
                            ? Say.BACK_TO_LISTEN
                            : Say.RESET_CLOSED)
                    : s.from().equals("LAST_ACK") ? Say.CLOSED_AFTER_LAST_ACK : null;
            default -> null;
          };
      add(
          i,
          say(
                  Say.RECEIVED_ENTERS,
                  s.column(),
                  Map.of("flags", LadderModel.flagNames(cause.flags()), "to", s.to()))
              + (why == null ? "" : text.get(why)));
    } else if (s.from().equals("TIME_WAIT") && s.to().equals("CLOSED")) {
      if (e.timeWaitZero < 0 || s.time() - e.timeWaitZero >= 1_000_000)
        add(i, say(Say.TIME_WAIT_OVER, s.column(), Map.of())); // else told when it was set
    } else {
      add(i, say(Say.ENTERS, s.column(), Map.of("from", s.from(), "to", s.to())));
    }
  }

  /**
   * Returns whether the same end sends at the same instant, before it does anything else: the
   * change is told with that send.
   */
  private boolean sendFollows(StateStep s, int i) {
    for (int j = i + 1; j < model.steps().size(); j++) {
      Step next = model.steps().get(j);
      if (next.time() != s.time()) return false;
      if (next instanceof Arrow a && a.sent() && a.from() == s.column()) {
        // Told with the send only when the send is what the change is about: its own SYN, FIN or
        // RST, or the ACK of a SYN or FIN that just arrived; not a data segment that happens to
        // follow.
        End e = end(s.column(), s.conn());
        SegmentInfo in = e.lastInTime == s.time() && !e.lastInDropped ? e.lastIn : null;
        boolean about =
            a.segment().has(TcpFlags.SYN)
                || a.segment().has(TcpFlags.FIN)
                || a.segment().has(TcpFlags.RST)
                || (in != null
                    && (in.has(TcpFlags.SYN) || in.has(TcpFlags.FIN))
                    && !s.to().equals("ESTABLISHED"))
                || (in != null && in.has(TcpFlags.SYN | TcpFlags.ACK));
        return a.conn().equals(s.conn()) && about;
      }
      if (next instanceof TimerStep || next instanceof NoteStep) continue;
      if (next instanceof StateStep o && o.column() == s.column()) return false;
      if (next instanceof Arrival r && r.arrow().to() == s.column()) return false;
    }
    return false;
  }

  private void arrow(Arrow a, int i) {
    if (!a.sent()) {
      // A receipt whose send is not in the trace: told as received.
      StringBuilder line = new StringBuilder();
      // A received SYN starts its direction's numbers, as a sent one does.
      if (a.segment().has(TcpFlags.SYN)) origins.put(a.from() + " " + a.conn(), a.segment().seq());
      if (model.unsent(a)) {
        line.append(say(Say.UNSENT, a.to(), segmentValues(a)));
      } else {
        line.append(say(Say.SEGMENT, a.from(), segmentValues(a)));
      }
      if (a.fate() == Fate.DROPPED) line.append(dropped(a));
      add(i, line.toString());
      flushDeferred();
      received(a, i);
      return;
    }
    End e = end(a.from(), a.conn());
    End peer = end(a.to(), LadderModel.reverse(a.conn()));
    String before = e.pendingEnter != null ? e.stateBeforeSend : e.state;
    SegmentInfo f = a.segment();
    Say kind = classify(a, e, peer, before);
    if (f.has(TcpFlags.SYN) && !a.retransmit()) origins.put(a.from() + " " + a.conn(), f.seq());
    Map<String, String> values = new HashMap<>(segmentValues(a));
    SegmentInfo trigger = trigger(e, a);
    if (kind == Say.RST_OLD_DUPLICATE || kind == Say.RST_UNASKED_SYN_ACK)
      values.put("ack", number(trigger.ack(), a.from(), a.conn()));
    if (kind == Say.CHALLENGE_ACK || kind == Say.RST_NO_CONNECTION)
      values.put("flags", LadderModel.flagNames(trigger.flags()));
    values.put("n", Integer.toString(f.ack() == e.lastAckSent ? e.dupAcksSent + 1 : 1));
    values.put("win", Long.toString(scaledWindow(e, peer, f)));
    StringBuilder line = new StringBuilder(say(kind, a.from(), values));
    if (f.has(TcpFlags.FIN) && f.len() > 0 && kind != Say.RETRANSMIT)
      line.append(say(Say.FIN_DATA, a.from(), values));
    if (kind == Say.DUP_ACK && f.options() != null && f.options().contains("sack "))
      line.append(text.get(Say.SACK_BLOCKS));
    if (kind == Say.ACK && "DELACK".equals(e.firedTimer) && e.firedTime == a.time())
      line.append(text.get(Say.DELAYED));
    if (f.win() == 0
        && !f.has(TcpFlags.RST)
        && e.lastWinSent != 0
        && before != null
        && SYNCHRONIZED.contains(before)) {
      line.append(text.get(Say.ZERO_WINDOW));
    }
    if (e.pendingEnter != null) {
      // A passive end that answers a SYN straight into ESTABLISHED runs the two-message lesson.
      boolean twoMessage =
          e.pendingEnter.equals("ESTABLISHED") && f.has(TcpFlags.SYN | TcpFlags.ACK) && e.passive;
      line.append(
          twoMessage
              ? say(Say.ESTABLISHED_ON_SYN, a.from(), Map.of())
              : say(Say.IN_STATE, a.from(), Map.of("state", e.pendingEnter)));
      e.pendingEnter = null;
    }
    if (a.fate() == Fate.LOST) line.append(text.get(Say.LOST));
    if (a.fate() == Fate.DROPPED) line.append(dropped(a));
    add(i, line.toString());
    flushDeferred();
    sent(a, e, kind);
  }

  /**
   * Returns what a sent segment is, from the sender's state and what just reached it, fired or was
   * noted there.
   */
  private Say classify(Arrow a, End e, End peer, String before) {
    SegmentInfo f = a.segment();
    SegmentInfo trigger = trigger(e, a);
    boolean synced = before != null && SYNCHRONIZED.contains(before);
    String fired = e.firedTime == a.time() ? e.firedTimer : null;
    String noted = e.noteTime == a.time() ? e.noteKind : null;
    if (f.has(TcpFlags.RST)) {
      // RFC 9293 §3.10.7.3: in SYN-SENT, an ACK outside ISS..SND.NXT is answered with a reset.
      if (trigger != null && trigger.has(TcpFlags.SYN | TcpFlags.ACK) && "SYN_SENT".equals(before))
        return Say.RST_OLD_DUPLICATE;
      // RFC 9293 §3.10.7.1: a SYN to a port with no TCB is answered
      // <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
      if (trigger != null
          && trigger.has(TcpFlags.SYN)
          && !trigger.has(TcpFlags.ACK)
          && (before == null || before.equals("CLOSED"))) {
        return Say.RST_REFUSED;
      }
      if (trigger != null
          && trigger.has(TcpFlags.SYN | TcpFlags.ACK)
          && (before == null || before.equals("CLOSED"))) {
        return Say.RST_UNASKED_SYN_ACK;
      }
      if (trigger != null && (before == null || before.equals("CLOSED")))
        return Say.RST_NO_CONNECTION;
      if (trigger == null && synced) return Say.RST_ABORT;
      return Say.RST;
    }
    if (f.has(TcpFlags.SYN | TcpFlags.ACK)) {
      if (a.retransmit()) return Say.RETRANSMIT;
      if (trigger != null && e.lastInUnsent) return Say.SYN_ACK_OLD;
      return e.synSent ? Say.SYN_ACK_SIMULTANEOUS : Say.SYN_ACK;
    }
    if (f.has(TcpFlags.SYN)) {
      if (a.retransmit()) return Say.RETRANSMIT;
      // The peer's SYN already sent, and not yet received here: the SYNs cross (RFC 9293 §3.5,
      // figure 7).
      return peer.synSent && e.lastIn == null ? Say.SYN_SIMULTANEOUS : Say.SYN;
    }
    if (f.has(TcpFlags.FIN)) {
      if (a.retransmit() && e.finRole != null) return Say.RETRANSMIT;
      if (e.finRole == null) {
        e.finRole =
            e.finReceived
                ? FinRole.SECOND
                : peer.finRole != null ? FinRole.SIMULTANEOUS : FinRole.FIRST;
      }
      return switch (e.finRole) {
        case FIRST -> Say.FIN_1;
        case SIMULTANEOUS -> Say.FIN_SIMULTANEOUS;
        case SECOND ->
            trigger != null && trigger.has(TcpFlags.FIN) && f.ack() != e.lastAckSent
                ? Say.FIN_2_3
                : Say.FIN_3;
      };
    }
    if (f.len() > 0 || "PERSIST".equals(fired)) {
      if ("PERSIST".equals(fired)) return Say.ZERO_WINDOW_PROBE;
      if ("KEEPALIVE".equals(fired)) return Say.KEEPALIVE_PROBE;
      // The probe's own note follows its send; the timer that fired precedes it (RFC 8985 §7.3).
      if ("TLP".equals(fired)) return a.retransmit() ? Say.TLP_RETRANSMIT : Say.TLP_NEW;
      if (a.retransmit()) {
        if ("RTO".equals(fired)) return Say.RTO_RETRANSMIT;
        if ("RECOVERY".equals(noted)) return Say.FAST_RETRANSMIT;
        if (e.recovery && e.retransmitted.contains(f.seq())) return Say.RECOVERY_RETRANSMIT_AGAIN;
        if (e.recovery)
          return e.sackOk && peer.sackOk ? Say.RECOVERY_RETRANSMIT_SACK : Say.RECOVERY_RETRANSMIT;
        return Say.RETRANSMIT;
      }
      return "CLOSE_WAIT".equals(before) ? Say.DATA_HALF_CLOSED : Say.DATA;
    }
    if ("KEEPALIVE".equals(fired)) return Say.KEEPALIVE_PROBE;
    if (!f.has(TcpFlags.ACK)) return Say.SEGMENT;
    if (trigger != null) {
      // RFC 5961 §3.2 and §4.2: a RST or SYN in a synchronized state that is not exactly right gets
      // an ACK.
      if ((trigger.has(TcpFlags.RST) || (trigger.has(TcpFlags.SYN) && !trigger.has(TcpFlags.ACK)))
          && synced) {
        return Say.CHALLENGE_ACK;
      }
      if (trigger.has(TcpFlags.SYN | TcpFlags.ACK))
        return synced && !"SYN_SENT".equals(before) && e.lastAckSent >= 0
            ? Say.ACK
            : Say.HANDSHAKE_ACK;
      if (trigger.has(TcpFlags.FIN)
          && f.ack()
              == Integer.toUnsignedLong(SeqNum.add((int) trigger.seq(), trigger.len() + 1))) {
        // In real time the receiver enters TIME_WAIT when the FIN arrives, before its first ACK of
        // it.
        if (("TIME_WAIT".equals(before) && !realTime) || f.ack() == e.lastAckSent)
          return Say.FIN_ACK_AGAIN;
        if (peer.finRole == FinRole.SECOND) return Say.FIN_ACK_4;
        if (peer.finRole == FinRole.SIMULTANEOUS || e.finRole != null)
          return Say.FIN_ACK_SIMULTANEOUS;
        return Say.FIN_ACK_1;
      }
      if (peer.lastSentKind == Say.KEEPALIVE_PROBE) return Say.KEEPALIVE_REPLY;
      // Bytes its peer never sent now (an old segment) taken in: the ACK covers some of them.
      if (e.lastInUnsent
          && trigger.len() > 0
          && synced
          && after(f.ack(), trigger.seq())
          && (e.lastAckSent < 0 || after(f.ack(), e.lastAckSent))) {
        return Say.OLD_DATA_ACCEPTED;
      }
      if (peer.lastSentKind == Say.ZERO_WINDOW_PROBE) return Say.PROBE_REPLY;
    }
    if (f.ack() == e.lastAckSent && !f.has(TcpFlags.FIN)) {
      if (f.win() == e.lastWinSent) {
        // A duplicate of bytes it already had (RFC 2883: the first SACK block then reports it).
        boolean old =
            trigger != null
                && trigger.len() > 0
                && !after(
                    Integer.toUnsignedLong(SeqNum.add((int) trigger.seq(), trigger.len())),
                    f.ack());
        return old ? Say.DUP_ACK_OLD : Say.DUP_ACK;
      }
      if (f.win() > e.lastWinSent)
        return e.lastWinSent == 0 ? Say.WINDOW_REOPENED : Say.WINDOW_UPDATE;
    }
    return Say.ACK;
  }

  /**
   * Returns the segment the send answers, or null: the one that reached the sender at the instant
   * it sends. In a capture or a live run (real time), where a reply comes some microseconds after
   * what it answers, the last segment that reached the sender, when the sender has sent nothing
   * since and the send acknowledges exactly that segment.
   */
  private SegmentInfo trigger(End e, Arrow a) {
    if (e.lastInTime == a.time()) return e.lastIn;
    if (!realTime || e.lastIn == null || e.lastInDropped || e.lastInAnswered) return null;
    return answers(a.segment(), e.lastIn) ? e.lastIn : null;
  }

  /**
   * Returns whether {@code reply} acknowledges exactly the end of {@code in} (its SYN, bytes and
   * FIN), or is the reset that RFC 9293 §3.10.7.1 sends for it, {@code <SEQ=SEG.ACK><CTL=RST>}.
   */
  private static boolean answers(SegmentInfo reply, SegmentInfo in) {
    if (reply.has(TcpFlags.RST) && !reply.has(TcpFlags.ACK))
      return in.has(TcpFlags.ACK) && reply.seq() == in.ack();
    if (!reply.has(TcpFlags.ACK)) return false;
    int span = in.len() + (in.has(TcpFlags.SYN) ? 1 : 0) + (in.has(TcpFlags.FIN) ? 1 : 0);
    return reply.ack() == Integer.toUnsignedLong(SeqNum.add((int) in.seq(), span));
  }

  /** Records what a send tells its sender's later segments. */
  private void sent(Arrow a, End e, Say kind) {
    SegmentInfo f = a.segment();
    if (f.has(TcpFlags.SYN)) {
      e.synSent = !f.has(TcpFlags.ACK);
      e.wscale = option(f.options(), "wscale ");
      e.sackOk = f.options() != null && f.options().contains("sackOK");
    }
    if (f.has(TcpFlags.ACK) && !f.has(TcpFlags.RST)) {
      if (f.ack() != e.lastAckSent) e.dupAcksSent = 0;
      if (kind == Say.DUP_ACK || kind == Say.DUP_ACK_OLD) e.dupAcksSent++;
      e.lastAckSent = f.ack();
      e.lastWinSent = f.win();
    }
    long endSeq =
        Integer.toUnsignedLong(
            SeqNum.add(
                (int) f.seq(),
                f.len() + (f.has(TcpFlags.SYN) ? 1 : 0) + (f.has(TcpFlags.FIN) ? 1 : 0)));
    if (e.sentEnd < 0 || after(endSeq, e.sentEnd)) e.sentEnd = endSeq;
    e.lastSentKind = kind;
    e.lastInAnswered = true;
    if (a.retransmit()) e.retransmitted.add(f.seq());
  }

  /** Records a segment reaching its receiver (delivered or dropped). */
  private void received(Arrow a, int i) {
    End e = end(a.to(), LadderModel.reverse(a.conn()));
    SegmentInfo f = a.segment();
    boolean dropped = a.fate() == Fate.DROPPED;
    e.lastIn = f;
    e.lastInTime = a.endTime();
    e.lastInDropped = dropped;
    e.lastInUnsent = model.unsent(a);
    e.lastInAnswered = false;
    if (dropped) return;
    if (f.has(TcpFlags.FIN)) e.finReceived = true;
    if (f.has(TcpFlags.ACK) && !f.has(TcpFlags.SYN) && !f.has(TcpFlags.RST)) {
      if (e.highestAckIn < 0 || after(f.ack(), e.highestAckIn)) {
        e.highestAckIn = f.ack();
        e.rtoInARow = 0;
        e.dupAcksIn = 0;
        if (e.recovery && !after(e.recoverPoint, f.ack())) {
          e.recovery = false;
          add(
              i,
              say(
                  Say.RECOVERY_DONE,
                  a.to(),
                  Map.of("ack", number(f.ack(), a.to(), LadderModel.reverse(a.conn())))));
        }
      } else if (f.ack() == e.lastAckIn && f.len() == 0 && !f.has(TcpFlags.FIN)) {
        e.dupAcksIn++;
      }
      e.lastAckIn = f.ack();
    }
  }

  private void timer(TimerStep t, int i) {
    End e = end(t.column(), t.conn());
    String line = null;
    if (t.action() == TimerAction.FIRED) {
      e.firedTimer = t.timer();
      e.firedTime = t.time();
    }
    if (t.timer().equals("TIME_WAIT") && t.action() == TimerAction.SET) {
      String dur =
          t.firesAfter() < 0
              ? ""
              : (lang.equals("zh") ? "（" : " (")
                  + NarrationText.duration(t.firesAfter(), lang)
                  + (lang.equals("zh") ? "）" : ")");
      if (t.firesAfter() >= 0
          && t.firesAfter() < 1_000_000) { // TIME_WAIT cut to nothing: the lesson
        e.timeWaitZero = t.time();
        line = say(Say.TIME_WAIT_ZERO, t.column(), Map.of());
      } else {
        line = say(Say.TIME_WAIT_SET, t.column(), Map.of("dur", dur));
      }
    } else if (t.timer().equals("TIME_WAIT") && t.action() == TimerAction.RESTARTED) {
      line = say(Say.TIME_WAIT_RESTARTED, t.column(), Map.of());
    } else if (t.action() == TimerAction.FIRED) {
      String dur = NarrationText.duration(armedFor(t, i), lang);
      line =
          switch (t.timer()) {
            case "TIME_WAIT", "TLP", "DELACK" ->
                null; // told by the state change, the probe's note, the ACK
            case "RTO" ->
                ++e.rtoInARow > 1
                    ? say(
                        Say.RTO_BACKOFF,
                        t.column(),
                        Map.of("dur", dur, "n", Integer.toString(e.rtoInARow)))
                    : say(Say.RTO_FIRED, t.column(), Map.of("dur", dur));
            case "PERSIST" -> say(Say.PERSIST_FIRED, t.column(), Map.of());
            case "KEEPALIVE" -> say(Say.KEEPALIVE_FIRED, t.column(), Map.of("dur", dur));
            case "RACK" -> say(Say.RACK_FIRED, t.column(), Map.of());
            default ->
                say(
                    Say.TIMER_FIRED,
                    t.column(),
                    Map.of("timer", NarrationText.timer(t.timer(), lang)));
          };
    }
    if (line == null) return;
    if (e.pendingEnter != null) {
      deferred.add(new Line(i, line));
    } else {
      add(i, line);
    }
  }

  /**
   * Returns how long the timer that fires at step {@code i} was armed: since its last set or
   * restart.
   */
  private long armedFor(TimerStep fired, int i) {
    for (int j = i - 1; j >= 0; j--) {
      if (model.steps().get(j) instanceof TimerStep t
          && t.column() == fired.column()
          && t.conn().equals(fired.conn())
          && t.timer().equals(fired.timer())
          && (t.action() == TimerAction.SET || t.action() == TimerAction.RESTARTED)) {
        return fired.time() - t.time();
      }
    }
    return 0;
  }

  private void note(NoteStep n, int i) {
    String host = model.hosts().get(n.column());
    if ((n.conn().isEmpty() && !model.traced().contains(host)) || host.equals("net")) {
      return; // the network's own notes (a loss, a corruption): the arrow's fate tells them
    }
    End e = end(n.column(), n.conn());
    Matcher m;
    if ((m = FAST_RECOVERY.matcher(n.text())).matches()) {
      e.recovery = true;
      e.recoverPoint = e.sentEnd;
      e.noteKind = "RECOVERY";
      e.noteTime = n.time();
      Map<String, String> v =
          Map.of(
              "n",
              Integer.toString(e.dupAcksIn),
              "ack",
              number(e.highestAckIn, n.column(), n.conn()),
              "cwnd",
              m.group(1));
      add(i, say(e.dupAcksIn > 0 ? Say.FAST_RECOVERY : Say.FAST_RECOVERY_RACK, n.column(), v));
    } else if ((m = UNDO.matcher(n.text())).matches()) {
      e.recovery = false;
      add(
          i,
          say(
              Say.UNDO,
              n.column(),
              Map.of("why", NarrationText.evidence(m.group(1), lang), "cwnd", m.group(2))));
    } else if (RUN_NOTES.containsKey(n.text())) {
      add(i, text.get(RUN_NOTES.get(n.text())));
    } else if ((m = GIVE_UP.matcher(n.text())).matches()) {
      add(
          i,
          say(
              Say.GIVE_UP,
              n.column(),
              Map.of(
                  "n",
                  m.group(1),
                  "dur",
                  NarrationText.duration(Long.parseLong(m.group(2)) * 1_000_000, lang))));
    } else if ((m = TLP_REPAIRED.matcher(n.text())).matches()) {
      add(i, say(Say.TLP_REPAIRED, n.column(), Map.of("cwnd", m.group(1))));
    } else if (n.text().startsWith("tail loss probe")) {
      return; // told with the probe, found by the TLP timer that fired before it
    } else if (n.text().startsWith("drop: ")) {
      String reason = n.text().substring(6);
      String zh = NarrationText.reasonZh(reason);
      add(
          i,
          say(
              Say.NOTE,
              n.column(),
              Map.of(
                  "text",
                  lang.equals("zh")
                      ? "丢弃了一个无法解析的报文" + (zh == null ? "" : "：" + zh)
                      : "drops a packet it cannot read: " + reason)));
    } else {
      add(
          i,
          say(
              Say.NOTE,
              n.column(),
              Map.of("text", lang.equals("zh") ? NarrationText.noteZh(n.text()) : n.text())));
    }
  }

  private String dropped(Arrow a) {
    String reason = String.valueOf(a.reason());
    if (lang.equals("zh")) {
      String zh = NarrationText.reasonZh(reason);
      return zh == null
          ? say(Say.DROPPED_UNKNOWN, a.to(), Map.of())
          : say(Say.DROPPED, a.to(), Map.of("reason", zh));
    }
    return say(Say.DROPPED, a.to(), Map.of("reason", reason));
  }

  /**
   * Returns the window a segment advertises in bytes: the raw field scaled when both SYNs carried
   * window scale (RFC 7323 §2.3).
   */
  private static long scaledWindow(End sender, End peer, SegmentInfo f) {
    if (f.has(TcpFlags.SYN) || sender.wscale < 0 || peer.wscale < 0) return f.win();
    return (long) f.win() << sender.wscale;
  }

  private static int option(String options, String name) {
    if (options == null) return -1;
    int at = options.indexOf(name);
    if (at < 0) return -1;
    int start = at + name.length();
    int stop = start;
    while (stop < options.length() && Character.isDigit(options.charAt(stop))) stop++;
    return stop == start ? -1 : Integer.parseInt(options.substring(start, stop));
  }

  /** Returns whether sequence number {@code a} is after {@code b}, mod 2^32. */
  private static boolean after(long a, long b) {
    return SeqNum.gt((int) a, (int) b);
  }

  /**
   * Returns the values of an arrow's sentence: a SYN's {@code seq} is its ISN, absolute; other
   * numbers are relative to their direction's ISN when the narration is relative.
   */
  private Map<String, String> segmentValues(Arrow a) {
    SegmentInfo f = a.segment();
    String seq = f.has(TcpFlags.SYN) ? Long.toString(f.seq()) : number(f.seq(), a.from(), a.conn());
    return Map.of(
        "seq",
        seq,
        "ack",
        number(f.ack(), a.to(), LadderModel.reverse(a.conn())),
        "len",
        Integer.toString(f.len()),
        "flags",
        LadderModel.flagNames(f.flags()));
  }

  /**
   * Returns a sequence number of the sequence space that {@code column} sends on {@code conn},
   * relative when asked and known.
   */
  private String number(long value, int column, String conn) {
    Long origin = relative ? origins.get(column + " " + conn) : null;
    return Long.toString(origin == null ? value : (value - origin) & 0xffff_ffffL);
  }

  private void flushDeferred() {
    lines.addAll(deferred);
    deferred.clear();
  }

  private void add(int step, String line) {
    lines.add(new Line(step, line));
  }

  private String say(Say what, int column, Map<String, String> values) {
    String s = text.get(what).replace("{h}", NarrationText.host(model.hosts().get(column), lang));
    for (Map.Entry<String, String> e : values.entrySet())
      s = s.replace("{" + e.getKey() + "}", e.getValue());
    return s;
  }
}
