package dev.synack.lesson;

import dev.synack.trace.TraceEvent;
import dev.synack.trace.TraceEvent.Note;
import dev.synack.trace.TraceEvent.Sample;
import dev.synack.trace.TraceEvent.Segment;
import dev.synack.trace.TraceEvent.SegmentAction;
import dev.synack.trace.TraceEvent.SegmentInfo;
import dev.synack.trace.TraceEvent.StateChange;
import dev.synack.trace.TraceEvent.Timer;
import dev.synack.wire.TcpFlags;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The articles' scenarios as hand-written traces of a client (10.0.0.1:40000) and a server
 * (10.0.0.2:80), 25 ms apart, in the order a simulation would emit them.
 */
final class Scenarios {
  static final String CLIENT = "10.0.0.1:40000-10.0.0.2:80";
  static final String SERVER = "10.0.0.2:80-10.0.0.1:40000";
  static final String SYN_OPTIONS = "mss 1460,sackOK,wscale 7";

  private Scenarios() {}

  /** Three-way handshake: SYN seq=100; SYN,ACK seq=300 ack=101; ACK ack=301. */
  static List<TraceEvent> handshake() {
    return new Trace()
        .at(0)
        .state("client", "CLOSED", "SYN_SENT")
        .send("client", "SYN", 100, 0, 64240, 0, SYN_OPTIONS)
        .at(25)
        .recv("server", "SYN", 100, 0, 64240, 0, SYN_OPTIONS)
        .state("server", "LISTEN", "SYN_RECEIVED")
        .send("server", "SYN,ACK", 300, 101, 65160, 0, SYN_OPTIONS)
        .at(50)
        .recv("client", "SYN,ACK", 300, 101, 65160, 0, SYN_OPTIONS)
        .state("client", "SYN_SENT", "ESTABLISHED")
        .send("client", "ACK", 101, 301, 502, 0, "")
        .at(75)
        .recv("server", "ACK", 101, 301, 502, 0, "")
        .state("server", "SYN_RECEIVED", "ESTABLISHED")
        .events();
  }

  /** The handshake, then the four-way teardown started by the client, with TIME_WAIT's 2 MSL. */
  static List<TraceEvent> handshakeAndTeardown() {
    return new Trace()
        .add(handshake())
        .at(1000)
        .state("client", "ESTABLISHED", "FIN_WAIT_1")
        .send("client", "FIN,ACK", 101, 301, 502, 0, "")
        .at(1025)
        .recv("server", "FIN,ACK", 101, 301, 502, 0, "")
        .state("server", "ESTABLISHED", "CLOSE_WAIT")
        .send("server", "ACK", 301, 102, 509, 0, "")
        .at(1050)
        .recv("client", "ACK", 301, 102, 509, 0, "")
        .state("client", "FIN_WAIT_1", "FIN_WAIT_2")
        .at(1200)
        .state("server", "CLOSE_WAIT", "LAST_ACK")
        .send("server", "FIN,ACK", 301, 102, 509, 0, "")
        .at(1225)
        .recv("client", "FIN,ACK", 301, 102, 509, 0, "")
        .state("client", "FIN_WAIT_2", "TIME_WAIT")
        .timer("client", "TIME_WAIT", "set")
        .send("client", "ACK", 102, 302, 502, 0, "")
        .at(1250)
        .recv("server", "ACK", 102, 302, 502, 0, "")
        .state("server", "LAST_ACK", "CLOSED")
        .at(61225)
        .timer("client", "TIME_WAIT", "fired")
        .state("client", "TIME_WAIT", "CLOSED")
        .events();
  }

  /** The client closes first; the server, in CLOSE_WAIT, still sends 500 bytes, then closes. */
  static List<TraceEvent> halfClose() {
    return new Trace()
        .add(handshake())
        .at(1000)
        .state("client", "ESTABLISHED", "FIN_WAIT_1")
        .send("client", "FIN,ACK", 101, 301, 502, 0, "")
        .at(1025)
        .recv("server", "FIN,ACK", 101, 301, 502, 0, "")
        .state("server", "ESTABLISHED", "CLOSE_WAIT")
        .send("server", "ACK", 301, 102, 509, 0, "")
        .at(1050)
        .recv("client", "ACK", 301, 102, 509, 0, "")
        .state("client", "FIN_WAIT_1", "FIN_WAIT_2")
        .at(1100)
        .send("server", "PSH,ACK", 301, 102, 509, 500, "")
        .at(1125)
        .recv("client", "PSH,ACK", 301, 102, 509, 500, "")
        .send("client", "ACK", 102, 801, 498, 0, "")
        .at(1150)
        .recv("server", "ACK", 102, 801, 498, 0, "")
        .at(1200)
        .state("server", "CLOSE_WAIT", "LAST_ACK")
        .send("server", "FIN,ACK", 801, 102, 509, 0, "")
        .at(1225)
        .recv("client", "FIN,ACK", 801, 102, 509, 0, "")
        .state("client", "FIN_WAIT_2", "TIME_WAIT")
        .send("client", "ACK", 102, 802, 498, 0, "")
        .at(1250)
        .recv("server", "ACK", 102, 802, 498, 0, "")
        .state("server", "LAST_ACK", "CLOSED")
        .events();
  }

  /** After the handshake a data segment is lost, the RTO fires, the retransmission gets through. */
  static List<TraceEvent> lostSegment() {
    return new Trace()
        .add(handshake())
        .at(100)
        .send("client", "PSH,ACK", 101, 301, 502, 1000, "")
        .timer("client", "RTO", "set")
        .sample("client", 14600, 50, 1000)
        .at(300)
        .timer("client", "RTO", "fired")
        .retransmit("client", "PSH,ACK", 101, 301, 502, 1000, "")
        .timer("client", "RTO", "set")
        .sample("client", 1460, 50, 1000)
        .at(325)
        .recv("server", "PSH,ACK", 101, 301, 502, 1000, "")
        .send("server", "ACK", 301, 1101, 509, 0, "")
        .at(350)
        .recv("client", "ACK", 301, 1101, 509, 0, "")
        .timer("client", "RTO", "cancelled")
        .sample("client", 2920, 50, 0)
        .events();
  }

  /**
   * Both ends send a SYN at once: each enters SYN_RECEIVED, answers with SYN,ACK, and is
   * established.
   */
  static List<TraceEvent> simultaneousOpen() {
    String a = "10.0.0.1:5000-10.0.0.2:6000";
    String b = "10.0.0.2:6000-10.0.0.1:5000";
    return new Trace()
        .at(0)
        .state("a", a, "CLOSED", "SYN_SENT")
        .send("a", a, "SYN", 1000, 0, 64240, 0, "")
        .state("b", b, "CLOSED", "SYN_SENT")
        .send("b", b, "SYN", 2000, 0, 64240, 0, "")
        .at(25)
        .recv("a", a, "SYN", 2000, 0, 64240, 0, "")
        .state("a", a, "SYN_SENT", "SYN_RECEIVED")
        .send("a", a, "SYN,ACK", 1000, 2001, 64240, 0, "")
        .recv("b", b, "SYN", 1000, 0, 64240, 0, "")
        .state("b", b, "SYN_SENT", "SYN_RECEIVED")
        .send("b", b, "SYN,ACK", 2000, 1001, 64240, 0, "")
        .at(50)
        .recv("a", a, "SYN,ACK", 2000, 1001, 64240, 0, "")
        .state("a", a, "SYN_RECEIVED", "ESTABLISHED")
        .recv("b", b, "SYN,ACK", 1000, 2001, 64240, 0, "")
        .state("b", b, "SYN_RECEIVED", "ESTABLISHED")
        .events();
  }

  /**
   * The teardown's last ACK is lost: the server resends its FIN, the client in TIME_WAIT answers
   * again and restarts its 2 MSL timer.
   */
  static List<TraceEvent> lostLastAck() {
    return new Trace()
        .add(handshake())
        .at(1000)
        .state("client", "ESTABLISHED", "FIN_WAIT_1")
        .send("client", "FIN,ACK", 101, 301, 502, 0, "")
        .at(1025)
        .recv("server", "FIN,ACK", 101, 301, 502, 0, "")
        .state("server", "ESTABLISHED", "CLOSE_WAIT")
        .send("server", "ACK", 301, 102, 509, 0, "")
        .at(1050)
        .recv("client", "ACK", 301, 102, 509, 0, "")
        .state("client", "FIN_WAIT_1", "FIN_WAIT_2")
        .at(1200)
        .state("server", "CLOSE_WAIT", "LAST_ACK")
        .send("server", "FIN,ACK", 301, 102, 509, 0, "")
        .timer("server", "RTO", "set")
        .at(1225)
        .recv("client", "FIN,ACK", 301, 102, 509, 0, "")
        .state("client", "FIN_WAIT_2", "TIME_WAIT")
        .timer("client", "TIME_WAIT", "set")
        .send("client", "ACK", 102, 302, 502, 0, "")
        .at(1400)
        .timer("server", "RTO", "fired")
        .retransmit("server", "FIN,ACK", 301, 102, 509, 0, "")
        .at(1425)
        .recv("client", "FIN,ACK", 301, 102, 509, 0, "")
        .timer("client", "TIME_WAIT", "set")
        .send("client", "ACK", 102, 302, 502, 0, "")
        .at(1450)
        .recv("server", "ACK", 102, 302, 502, 0, "")
        .state("server", "LAST_ACK", "CLOSED")
        .at(61425)
        .timer("client", "TIME_WAIT", "fired")
        .state("client", "TIME_WAIT", "CLOSED")
        .events();
  }

  /**
   * Why three messages: an old SYN (seq=90) reaches the server before the client's new one; the
   * client answers the server's SYN,ACK for it with RST, and the server returns to LISTEN.
   */
  static List<TraceEvent> oldDuplicateSyn() {
    return new Trace()
        .at(0)
        .state("client", "CLOSED", "SYN_SENT")
        .send("client", "SYN", 100, 0, 64240, 0, "")
        .at(10)
        .recv("server", "SYN", 90, 0, 64240, 0, "")
        .state("server", "LISTEN", "SYN_RECEIVED")
        .send("server", "SYN,ACK", 300, 91, 65160, 0, "")
        .at(25)
        .recv("server", "SYN", 100, 0, 64240, 0, "")
        .at(35)
        .recv("client", "SYN,ACK", 300, 91, 65160, 0, "")
        .send("client", "RST", 91, 0, 0, 0, "")
        .at(60)
        .recv("server", "RST", 91, 0, 0, 0, "")
        .state("server", "SYN_RECEIVED", "LISTEN")
        .events();
  }

  /**
   * In ESTABLISHED the server gets a RST inside the window but not at RCV.NXT, and sends a
   * challenge ACK.
   */
  static List<TraceEvent> challengeAck() {
    return new Trace()
        .add(handshake())
        .at(500)
        .recv("server", "RST", 5000, 0, 0, 0, "")
        .send("server", "ACK", 301, 101, 509, 0, "")
        .at(525)
        .recv("client", "ACK", 301, 101, 509, 0, "")
        .events();
  }

  /**
   * A bulk transfer after the handshake: {@code n} segments of 1000 bytes, each acknowledged, then
   * one more that the server drops for a bad checksum.
   */
  static List<TraceEvent> bulkTransfer(int n) {
    Trace t = new Trace().add(handshake());
    for (int i = 0; i < n; i++) {
      t.at(100 + 50 * i)
          .send("client", "ACK", 101 + 1000 * i, 301, 502, 1000, "")
          .at(125 + 50 * i)
          .recv("server", "ACK", 101 + 1000 * i, 301, 502, 1000, "")
          .send("server", "ACK", 301, 1101 + 1000 * i, 509, 0, "")
          .at(150 + 50 * i)
          .recv("client", "ACK", 301, 1101 + 1000 * i, 509, 0, "");
    }
    long seq = 101 + 1000L * n;
    return t.at(100 + 50 * n)
        .send("client", "PSH,ACK", seq, 301, 502, 1000, "")
        .at(125 + 50 * n)
        .drop("server", "bad checksum", "PSH,ACK", seq, 301, 502, 1000, "")
        .events();
  }

  /** A builder of traces; times in milliseconds, connections implied by the host name. */
  static final class Trace {
    private final List<TraceEvent> events = new ArrayList<>();
    private long now;

    Trace at(double millis) {
      now = Math.round(millis * 1_000_000);
      return this;
    }

    Trace add(List<TraceEvent> more) {
      events.addAll(more);
      return this;
    }

    Trace state(String host, String from, String to) {
      return state(host, conn(host), from, to);
    }

    Trace state(String host, String conn, String from, String to) {
      events.add(new StateChange(now, host, conn, from, to));
      return this;
    }

    Trace send(String host, String flags, long seq, long ack, int win, int len, String options) {
      return send(host, conn(host), flags, seq, ack, win, len, options);
    }

    Trace send(
        String host,
        String conn,
        String flags,
        long seq,
        long ack,
        int win,
        int len,
        String options) {
      return segment(host, conn, SegmentAction.SEND, flags, seq, ack, win, len, options, null);
    }

    Trace recv(String host, String flags, long seq, long ack, int win, int len, String options) {
      return recv(host, conn(host), flags, seq, ack, win, len, options);
    }

    Trace recv(
        String host,
        String conn,
        String flags,
        long seq,
        long ack,
        int win,
        int len,
        String options) {
      return segment(host, conn, SegmentAction.RECV, flags, seq, ack, win, len, options, null);
    }

    Trace retransmit(
        String host, String flags, long seq, long ack, int win, int len, String options) {
      return segment(
          host, conn(host), SegmentAction.RETRANSMIT, flags, seq, ack, win, len, options, null);
    }

    Trace drop(
        String host,
        String reason,
        String flags,
        long seq,
        long ack,
        int win,
        int len,
        String options) {
      return segment(
          host, conn(host), SegmentAction.DROP, flags, seq, ack, win, len, options, reason);
    }

    Trace timer(String host, String timer, String action) {
      events.add(new Timer(now, host, conn(host), timer, action));
      return this;
    }

    Trace sample(String host, long cwnd, double srttMillis, long inflight) {
      events.add(
          new Sample(now, host, conn(host), cwnd, Math.round(srttMillis * 1_000_000), inflight));
      return this;
    }

    Trace note(String host, String text) {
      events.add(new Note(now, host, conn(host), text));
      return this;
    }

    List<TraceEvent> events() {
      return List.copyOf(events);
    }

    private Trace segment(
        String host,
        String conn,
        SegmentAction action,
        String flags,
        long seq,
        long ack,
        int win,
        int len,
        String options,
        String reason) {
      int bits = TcpFlags.parse(Arrays.asList(flags.split(",")));
      events.add(
          new Segment(
              now, host, conn, action, new SegmentInfo(bits, seq, ack, win, len, options), reason));
      return this;
    }

    private static String conn(String host) {
      return host.equals("server") ? SERVER : CLIENT;
    }
  }
}
