package dev.synack.trace;

import dev.synack.wire.SeqNum;
import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpSegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Infers the TCP states of both ends of one connection from its segments as a capture shows them,
 * moving each end as the state diagram of RFC 9293 (figure 5) would, and tells it as trace events.
 *
 * <p>Feed the connection's segments in capture order to {@link #segment}. Each returns the events
 * it explains: the sender's state changes and a {@code send} event at the sender, then a {@code
 * recv} event and the receiver's state changes at the receiver, all at the capture time (a capture
 * point sees a segment leave one end and reach the other at once). Host names are the endpoints,
 * {@code "addr:port"}.
 *
 * <p>A capture shows only segments, so some moves are inferred when their evidence arrives: an end
 * that answers a SYN with SYN+ACK was in LISTEN and moves to SYN_RECEIVED when it sends the
 * SYN+ACK; an end that answers with RST had no listener and stays CLOSED. A capture that starts
 * after the handshake takes both ends to be ESTABLISHED. TIME_WAIT ends 2 MSL later, which no
 * capture of the connection shows, so it is left there.
 */
public final class CaptureStates {
  /** The states of RFC 9293 §3.3.2, named as DESIGN.md's trace contract does. */
  private enum State {
    CLOSED,
    LISTEN,
    SYN_SENT,
    SYN_RECEIVED,
    ESTABLISHED,
    FIN_WAIT_1,
    FIN_WAIT_2,
    CLOSE_WAIT,
    CLOSING,
    LAST_ACK,
    TIME_WAIT
  }

  /** What the capture has shown of one end. */
  private static final class End {
    /** The endpoint, {@code "addr:port"}. */
    final String name;

    /** The inferred state; {@code null} until the capture shows it. */
    State state;

    /**
     * Whether this end opened passively (LISTEN), so that a RST in SYN_RECEIVED returns it there.
     */
    boolean passive;

    /** The sequence number of this end's SYN (ISS), valid when {@link #synSent}. */
    int iss;

    boolean synSent;

    /** The sequence number of this end's FIN, valid when {@link #finSent}. */
    int finSeq;

    boolean finSent;

    /**
     * Whether a SYN reached this end before the capture showed its state (a listener, or a
     * simultaneous open).
     */
    boolean synPending;

    End(String name) {
      this.name = name;
    }
  }

  private final End a;
  private final End b;
  private boolean started;

  /** The events of the segment being explained. */
  private List<TraceEvent> out = new ArrayList<>();

  private long now;

  /**
   * Returns an inference for the connection between two endpoints.
   *
   * @param a one endpoint, {@code "addr:port"} (IPv6 addresses in brackets)
   * @param b the other endpoint
   */
  public CaptureStates(String a, String b) {
    if (a.equals(b))
      throw new IllegalArgumentException("a connection needs two endpoints, not twice " + a);
    this.a = new End(a);
    this.b = new End(b);
  }

  /**
   * Takes the next segment of the connection and returns the events that explain it.
   *
   * @param timeNanos when the capture saw it
   * @param from the endpoint that sent it, one of the two given to the constructor
   */
  public List<TraceEvent> segment(long timeNanos, String from, TcpSegment s) {
    End x;
    if (from.equals(a.name)) x = a;
    else if (from.equals(b.name)) x = b;
    else
      throw new IllegalArgumentException(
          "endpoint " + from + " is not " + a.name + " or " + b.name);
    End y = x == a ? b : a;
    out = new ArrayList<>();
    now = timeNanos;
    if (!started) {
      start(x, y, s);
    }
    send(x, y, s);
    out.add(
        new TraceEvent.Segment(
            now,
            x.name,
            conn(x, y),
            TraceEvent.SegmentAction.SEND,
            TraceEvent.SegmentInfo.of(s),
            null));
    out.add(
        new TraceEvent.Segment(
            now,
            y.name,
            conn(y, x),
            TraceEvent.SegmentAction.RECV,
            TraceEvent.SegmentInfo.of(s),
            null));
    receive(y, x, s);
    return out;
  }

  /**
   * Returns the inferred state of an endpoint, e.g. {@code "TIME_WAIT"}, or {@code "?"} before the
   * capture shows it.
   */
  public String state(String endpoint) {
    End e = endpoint.equals(a.name) ? a : endpoint.equals(b.name) ? b : null;
    if (e == null)
      throw new IllegalArgumentException(
          "endpoint " + endpoint + " is not " + a.name + " or " + b.name);
    return e.state == null ? "?" : e.state.name();
  }

  /** Sets the states the first segment implies, for captures that do not start with a SYN. */
  private void start(End x, End y, TcpSegment s) {
    started = true;
    if (s.has(TcpFlags.SYN) && !s.has(TcpFlags.ACK)) {
      x.state = State.CLOSED;
    } else if (s.has(TcpFlags.SYN)) {
      y.state = State.SYN_SENT;
      note(x, y, "capture starts after the SYN: " + y.name + " taken to be in SYN_SENT");
    } else {
      x.state = State.ESTABLISHED;
      y.state = State.ESTABLISHED;
      note(x, y, "capture starts mid-connection: both ends taken to be ESTABLISHED");
    }
  }

  /** Moves the sender, for what it chose to send. */
  private void send(End x, End y, TcpSegment s) {
    int seq = s.sequenceNumber();
    if (s.has(TcpFlags.RST)) {
      if (x.state == null || x.state == State.CLOSED) {
        // RFC 9293 §3.10.7.1: a segment to a port with no listener is answered with a reset.
        note(x, y, "no listener on " + x.name + ": the reset refuses the connection");
        x.state = State.CLOSED;
      } else if (x.state != State.LISTEN && x.state != State.TIME_WAIT) {
        change(x, State.CLOSED); // ABORT call, RFC 9293 §3.10.5
      }
      return;
    }
    if (s.has(TcpFlags.SYN)) {
      if (s.has(TcpFlags.ACK)) {
        if (x.state == null || x.state == State.CLOSED || x.state == State.LISTEN) {
          // LISTEN --rcv SYN / snd SYN,ACK--> SYN_RECEIVED: the SYN+ACK shows there was a listener.
          x.state = State.LISTEN;
          x.passive = true;
          change(x, State.SYN_RECEIVED);
        }
      } else if (x.state == null || x.state == State.CLOSED || x.state == State.TIME_WAIT) {
        boolean crossed = x.synPending;
        if (x.state == State.TIME_WAIT) change(x, State.CLOSED); // the 4-tuple is reused
        change(x, State.SYN_SENT); // CLOSED --active OPEN / snd SYN--> SYN_SENT
        if (crossed) {
          // The peer's SYN, seen earlier, crossed this one: a simultaneous open (§3.5, figure 8).
          change(x, State.SYN_RECEIVED);
        }
      }
      x.iss = seq;
      x.synSent = true;
    }
    if (s.has(TcpFlags.FIN)) {
      x.finSeq = SeqNum.add(seq, s.payloadLength() + (s.has(TcpFlags.SYN) ? 1 : 0));
      x.finSent = true;
      switch (x.state) {
        case ESTABLISHED, SYN_RECEIVED -> change(x, State.FIN_WAIT_1); // CLOSE / snd FIN
        case CLOSE_WAIT -> change(x, State.LAST_ACK); // CLOSE / snd FIN
        case null, default -> {} // a retransmitted FIN
      }
    }
  }

  /** Moves the receiver, following the steps of RFC 9293 §3.10.7 that change state. */
  private void receive(End y, End x, TcpSegment s) {
    int ack = s.acknowledgmentNumber();
    boolean hasAck = s.has(TcpFlags.ACK);
    if (s.has(TcpFlags.RST)) {
      receiveReset(y, hasAck, ack);
      return;
    }
    if (s.has(TcpFlags.SYN)) {
      if (!hasAck) {
        // §3.10.7.3: a SYN in SYN_SENT without an ACK is a simultaneous open.
        if (y.state == State.SYN_SENT) change(y, State.SYN_RECEIVED);
        else if (y.state == null || y.state == State.CLOSED) y.synPending = true;
        return;
      }
      if ((y.state == State.SYN_SENT && acceptableInSynSent(y, ack))
          || y.state == State.SYN_RECEIVED) {
        change(y, State.ESTABLISHED); // SYN_SENT --rcv SYN,ACK / snd ACK--> ESTABLISHED
      }
      return;
    }
    // Fifth, check the ACK field (§3.10.7.4).
    if (hasAck && y.state != null) {
      switch (y.state) {
        case SYN_RECEIVED -> {
          if (acksSyn(y, ack)) change(y, State.ESTABLISHED);
        }
        case FIN_WAIT_1 -> {
          if (acksFin(y, ack)) change(y, State.FIN_WAIT_2);
        }
        case CLOSING -> {
          if (acksFin(y, ack)) enterTimeWait(y);
        }
        case LAST_ACK -> {
          if (acksFin(y, ack)) change(y, State.CLOSED);
        }
        default -> {}
      }
    }
    // Eighth, check the FIN bit (§3.10.7.4).
    if (s.has(TcpFlags.FIN) && y.state != null) {
      switch (y.state) {
        case SYN_RECEIVED, ESTABLISHED -> change(y, State.CLOSE_WAIT);
        case FIN_WAIT_1 ->
            change(y, State.CLOSING); // simultaneous close: our FIN is not yet acknowledged
        case FIN_WAIT_2 -> enterTimeWait(y);
        case TIME_WAIT -> {
          // "Restart the 2 MSL time-wait timeout": the peer did not get our last ACK.
          out.add(new TraceEvent.Timer(now, y.name, conn(y, x), "TIME_WAIT", "set"));
        }
        default -> {}
      }
    }
  }

  /** Second, check the RST bit (§3.10.7.3 for SYN_SENT, §3.10.7.4 for the others). */
  private void receiveReset(End y, boolean hasAck, int ack) {
    if (y.state == null) return;
    switch (y.state) {
      case SYN_SENT -> {
        // Acceptable only if it acknowledges our SYN; otherwise it is dropped.
        if (hasAck && acceptableInSynSent(y, ack)) change(y, State.CLOSED);
      }
      case SYN_RECEIVED -> change(y, y.passive ? State.LISTEN : State.CLOSED);
      case CLOSED, LISTEN -> {}
      default -> change(y, State.CLOSED);
    }
  }

  /**
   * §3.10.7.3: in SYN_SENT an ACK is acceptable only if ISS < SEG.ACK =< SND.NXT, and SND.NXT is
   * ISS+1.
   */
  private static boolean acceptableInSynSent(End e, int ack) {
    return e.synSent && ack == SeqNum.add(e.iss, 1);
  }

  private static boolean acksSyn(End e, int ack) {
    return e.synSent && SeqNum.ge(ack, SeqNum.add(e.iss, 1));
  }

  private static boolean acksFin(End e, int ack) {
    return e.finSent && SeqNum.ge(ack, SeqNum.add(e.finSeq, 1));
  }

  private void enterTimeWait(End e) {
    change(e, State.TIME_WAIT);
    out.add(new TraceEvent.Timer(now, e.name, conn(e, e == a ? b : a), "TIME_WAIT", "set"));
  }

  /** Moves an end to another state: every move passes here, and becomes a trace event. */
  private void change(End e, State to) {
    State from = e.state == null ? State.CLOSED : e.state;
    e.state = to;
    e.synPending = false;
    if (from != to) {
      out.add(
          new TraceEvent.StateChange(now, e.name, conn(e, e == a ? b : a), from.name(), to.name()));
    }
  }

  private void note(End x, End y, String text) {
    out.add(new TraceEvent.Note(now, x.name, conn(x, y), text));
  }

  private static String conn(End self, End peer) {
    return self.name + "-" + peer.name;
  }
}
