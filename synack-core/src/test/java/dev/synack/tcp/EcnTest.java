package dev.synack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.wire.Ecn;
import dev.synack.wire.OutboundSegment;
import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpOption;
import dev.synack.wire.TcpSegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Explicit Congestion Notification on the engine (RFC 3168 §6.1), against a scripted peer: the
 * negotiation (an ECN-setup SYN only when asked for, as Linux's {@code tcp_ecn}), the codepoints of
 * what we send, the receiver's echo until CWR, and the sender's one reduction per window.
 */
class EcnTest {
  private static final Duration RTT = Duration.ofMillis(50);
  private static final TcpConfig CFG =
      TcpConfig.defaults().withTimestamps(false, 0).withWindowScale(false, 0);
  private static final int MSS = 1000;

  /** A segment the engine sent with the codepoint of its IP header. */
  record Sent(TcpSegment segment, int ecn) {
    boolean has(int flag) {
      return segment.has(flag);
    }
  }

  static List<Sent> drain(EngineScript s) {
    List<Sent> sent = new ArrayList<>();
    OutboundSegment out = new OutboundSegment();
    while (s.conn().pollTransmit(s.now(), out)) sent.add(new Sent(out.toSegment(), out.ecn()));
    return sent;
  }

  /**
   * Returns the ACK the engine sends for data received: at once, or when the delayed-ACK timer
   * fires.
   */
  static Sent ack(EngineScript s) {
    List<Sent> sent = drain(s);
    if (sent.isEmpty()) {
      s.fireNextTimer();
      sent = drain(s);
    }
    assertEquals(1, sent.size(), s.trace.dump());
    return sent.getFirst();
  }

  /**
   * Returns an engine ESTABLISHED by an active open with {@code cfg}, the peer's SYN-ACK carrying
   * {@code synAckFlags}.
   */
  static EngineScript established(TcpConfig cfg, String synAckFlags) {
    EngineScript s = EngineScript.connect(cfg);
    drain(s);
    s.tick(RTT);
    s.inject(
        Seg.withOptions(
            s.peer(synAckFlags, EngineScript.PEER_ISS, 1001),
            new TcpOption.MaximumSegmentSize(MSS),
            new TcpOption.SackPermitted()));
    drain(s);
    s.drainEvents();
    return s;
  }

  static EngineScript ecnEstablished() {
    EngineScript s = established(CFG.withEcn(TcpConfig.ECN_ON), "SE.");
    assertTrue((s.conn().ecn != null && s.conn().ecn.enabled()), s.trace.dump());
    return s;
  }

  @Nested
  class Negotiation {
    @Test
    void activeOpen_defaultAnswerOnly_plainSyn() {
      EngineScript s = EngineScript.connect(CFG);
      Sent syn = drain(s).getFirst();
      assertFalse(
          syn.has(TcpFlags.ECE) || syn.has(TcpFlags.CWR),
          "tcp_ecn=2: no ECN-setup SYN " + syn.segment());
      assertEquals(Ecn.NOT_ECT, syn.ecn());
    }

    @Test
    void activeOpen_ecnOn_setupSynThenEcnSynAckAgrees() {
      EngineScript s = EngineScript.connect(CFG.withEcn(TcpConfig.ECN_ON));
      Sent syn = drain(s).getFirst();
      assertTrue(
          syn.has(TcpFlags.ECE) && syn.has(TcpFlags.CWR),
          "RFC 3168 §6.1.1: an ECN-setup SYN " + syn.segment());
      assertEquals(Ecn.NOT_ECT, syn.ecn(), "§6.1.1: SYNs are not-ECT");
      s.inject(s.peer("SE.", EngineScript.PEER_ISS, 1001));
      assertTrue((s.conn().ecn != null && s.conn().ecn.enabled()));
      assertEquals(TcpInfo.OPT_ECN, s.conn().info(s.now()).options() & TcpInfo.OPT_ECN);
      assertTrue(
          s.conn().info(s.now()).ssLine().contains("ecn cubic"),
          "as ss -ti prints it: " + s.conn().info(s.now()).ssLine());
    }

    @Test
    void activeOpen_ecnOn_plainSynAck_noEcn() {
      EngineScript s = established(CFG.withEcn(TcpConfig.ECN_ON), "S.");
      assertFalse((s.conn().ecn != null && s.conn().ecn.enabled()));
      s.send("a".repeat(MSS));
      Sent data = drain(s).getFirst();
      assertEquals(Ecn.NOT_ECT, data.ecn(), "no ECN agreed: data is not-ECT");
      assertEquals(0, s.conn().info(s.now()).options() & TcpInfo.OPT_ECN);
    }

    @Test
    void activeOpen_synAckWithEceAndCwr_isNotAnAgreement() {
      EngineScript s = established(CFG.withEcn(TcpConfig.ECN_ON), "SEW.");
      assertFalse(
          (s.conn().ecn != null && s.conn().ecn.enabled()),
          "RFC 3168 §6.1.1: an ECN-setup SYN-ACK has CWR clear");
    }

    @Test
    void passiveOpen_ecnSetupSyn_answeredByDefault() {
      EngineScript s =
          EngineScript.accept(
              CFG,
              Seg.of(
                  EnginePair.CLIENT_ID.remotePort(),
                  EnginePair.CLIENT_ID.localPort(),
                  "SEW",
                  EngineScript.PEER_ISS,
                  0,
                  65535));
      Sent synAck = drain(s).getFirst();
      assertTrue(synAck.has(TcpFlags.SYN) && synAck.has(TcpFlags.ECE), synAck.segment().toString());
      assertFalse(synAck.has(TcpFlags.CWR), "§6.1.1: ECE alone on the SYN-ACK");
      assertEquals(Ecn.NOT_ECT, synAck.ecn());
      assertTrue((s.conn().ecn != null && s.conn().ecn.enabled()));
    }

    @Test
    void passiveOpen_ecnOff_plainSynAck() {
      EngineScript s =
          EngineScript.accept(
              CFG.withEcn(TcpConfig.ECN_OFF),
              Seg.of(
                  EnginePair.CLIENT_ID.remotePort(),
                  EnginePair.CLIENT_ID.localPort(),
                  "SEW",
                  EngineScript.PEER_ISS,
                  0,
                  65535));
      Sent synAck = drain(s).getFirst();
      assertFalse(synAck.has(TcpFlags.ECE), synAck.segment().toString());
      assertFalse((s.conn().ecn != null && s.conn().ecn.enabled()));
    }
  }

  @Nested
  class Receiver {
    @Test
    void ceMarkedData_eceOnEveryAckUntilCwr() {
      EngineScript s = ecnEstablished();
      s.conn()
          .handleSegment(Seg.withText(s.peer("P.", 5001, 1001), "x".repeat(100)), Ecn.CE, s.now());
      Sent ack = ack(s);
      assertTrue(ack.has(TcpFlags.ECE), "RFC 3168 §6.1.3: CE is echoed " + ack.segment());
      assertEquals(Ecn.NOT_ECT, ack.ecn(), "§6.1.4: a pure ACK is not-ECT");
      s.conn()
          .handleSegment(
              Seg.withText(s.peer("P.", 5101, 1001), "y".repeat(100)), Ecn.ECT_0, s.now());
      assertTrue(ack(s).has(TcpFlags.ECE), "every ACK until CWR");
      s.conn()
          .handleSegment(
              Seg.withText(s.peer("PW.", 5201, 1001), "z".repeat(100)), Ecn.ECT_0, s.now());
      assertFalse(ack(s).has(TcpFlags.ECE), "CWR ends the echo");
    }

    @Test
    void ceWithoutEcnAgreed_notEchoed() {
      EngineScript s = established(CFG, "S.");
      s.conn()
          .handleSegment(Seg.withText(s.peer("P.", 5001, 1001), "x".repeat(100)), Ecn.CE, s.now());
      assertFalse(ack(s).has(TcpFlags.ECE));
    }
  }

  @Nested
  class Sender {
    @Test
    void ece_oneReductionPerWindow_noRetransmission_cwrOnNextNewData() {
      EngineScript s = ecnEstablished();
      s.send("d".repeat(40 * MSS));
      List<Sent> flight = drain(s);
      assertEquals(10, flight.size());
      assertTrue(flight.stream().allMatch(f -> f.ecn() == Ecn.ECT_0), "§6.1.2: new data is ECT(0)");
      assertTrue(flight.stream().noneMatch(f -> f.has(TcpFlags.CWR)));
      s.tick(RTT);
      int cwnd = s.conn().recovery.cwnd();
      s.inject(s.peer(".E", EngineScript.PEER_ISS + 1, 2001));
      int reduced = s.conn().recovery.cwnd();
      // As a loss (RFC 3168 §6.1.2): CUBIC's ssthresh = 0.7 · FlightSize, the 9 segments still out.
      assertEquals(6, reduced / MSS, "from " + cwnd);
      assertEquals(List.of(), drain(s), "nothing resent, nothing new: 9 segments out, cwnd 6");
      s.inject(
          s.peer(".E", EngineScript.PEER_ISS + 1, 3001)); // the receiver echoes until it sees CWR
      assertEquals(reduced, s.conn().recovery.cwnd(), "§6.1.2: one reduction per window of data");
      assertEquals(1, s.conn().counters.ecnReductions);
      assertEquals(List.of(), drain(s));
      s.inject(s.peer(".E", EngineScript.PEER_ISS + 1, 6001)); // five segments out: room for one
      List<Sent> first = drain(s);
      assertEquals(1, first.size(), s.trace.dump());
      assertTrue(
          first.getFirst().has(TcpFlags.CWR),
          "CWR on the first new data " + first.getFirst().segment());
      assertEquals(Ecn.ECT_0, first.getFirst().ecn());
      s.inject(s.peer(".", EngineScript.PEER_ISS + 1, 7001));
      List<Sent> next = drain(s);
      assertEquals(1, next.size(), "no growth in the reduced window");
      assertFalse(next.getFirst().has(TcpFlags.CWR), "CWR only once");
      assertFalse(s.trace.dump().contains("retransmit ."), "no retransmission");
      assertEquals(reduced, s.conn().recovery.cwnd());
      // A window later, a new mark reduces again.
      s.tick(RTT);
      s.inject(s.peer(".E", EngineScript.PEER_ISS + 1, s.conn().snd.sndNxt));
      assertEquals(2, s.conn().counters.ecnReductions);
      assertTrue(s.conn().recovery.cwnd() < reduced);
    }

    @Test
    void retransmission_isNotEct() {
      EngineScript s = ecnEstablished();
      s.send("r".repeat(MSS));
      assertEquals(Ecn.ECT_0, drain(s).getFirst().ecn());
      s.fireNextTimer(); // the probe, then the timeout: both resend
      List<Sent> again = drain(s);
      assertEquals(1, again.size());
      assertEquals(
          Ecn.NOT_ECT, again.getFirst().ecn(), "RFC 3168 §6.1.5: retransmissions are not-ECT");
    }
  }
}
