package dev.synack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.wire.TcpOption;
import dev.synack.wire.TcpSegment;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Slow start as Linux: the initial window of ten segments at any MSS ({@code TCP_INIT_CWND}) and
 * growth by every segment a stretch ACK covers ({@code tcp_slow_start}), with RFC 6928's byte bound
 * and RFC 3465's L = 2 as settings. The scenarios drive one engine (the passive end, which sends)
 * against a scripted peer that acknowledges 44 segments at a time, as a Linux receiver with GRO
 * does at MTU 1500.
 */
class SlowStartTest {
  private static final int MSS = 1460;
  private static final int LOOPBACK_MSS = 65483;
  private static final Duration RTT = Duration.ofMillis(10);

  /** SACK and timestamps off (plain segments), window scaling on, room for a large window. */
  private static final TcpConfig CFG =
      TcpConfig.builder()
          .timestamps(false, 0)
          .sackPermitted(false)
          .buffers(16 << 20, 16 << 20)
          .build();

  @Nested
  class Rules {
    @Test
    void rfc6928_tenSegmentsWithin14600BytesNeverBelowTwo() {
      assertEquals(14480, SlowStart.rfc6928(1448));
      assertEquals(10 * 536, SlowStart.rfc6928(536));
      assertEquals(14600, SlowStart.rfc6928(4000), "min(10*MSS, max(2*MSS, 14600))");
      assertEquals(18000, SlowStart.rfc6928(9000), "never below two segments");
      assertEquals(2 * LOOPBACK_MSS, SlowStart.rfc6928(LOOPBACK_MSS));
    }

    @Test
    void initialWindow_segmentsAtAnyMss_zeroMeansRfc6928() {
      assertEquals(10 * LOOPBACK_MSS, SlowStart.LINUX.initialWindow(LOOPBACK_MSS));
      assertEquals(10 * MSS, SlowStart.LINUX.initialWindow(MSS));
      assertEquals(2 * LOOPBACK_MSS, new SlowStart(0, 0).initialWindow(LOOPBACK_MSS));
      assertEquals(4 * MSS, new SlowStart(4, 0).initialWindow(MSS));
    }

    @Test
    void countable_allBytesWithoutLimit_atMostLSegmentsWithOne() {
      assertEquals(44 * MSS, SlowStart.LINUX.countable(44 * MSS, MSS));
      assertEquals(2 * MSS, new SlowStart(10, 2).countable(44 * MSS, MSS), "RFC 3465 §2.3 L=2");
      assertEquals(MSS, new SlowStart(10, 2).countable(MSS, MSS));
    }

    @Test
    void everyAlgorithm_startsFromTheConfiguredWindow() {
      for (String name : CongestionControl.NAMES) {
        assertEquals(
            10 * LOOPBACK_MSS,
            CongestionControl.create(name, LOOPBACK_MSS).cwnd(),
            name + ": Linux's ten segments");
        assertEquals(
            2 * LOOPBACK_MSS,
            CongestionControl.create(name, LOOPBACK_MSS, new SlowStart(0, 0)).cwnd(),
            name + ": RFC 6928's bound");
      }
    }

    @Test
    void newReno_stretchAckPastSsthresh_restCarriedIntoAvoidance() {
      NewReno cc = new NewReno(MSS);
      cc.onEnterRecovery(40 * MSS, 0); // ssthresh 20 segments, cwnd 20
      cc.onExitRecovery(0);
      cc.onRetransmissionTimeout(0, false, 0); // cwnd 1, ssthresh kept
      cc.onAck(19 * MSS, -1, 0);
      assertEquals(20 * MSS, cc.cwnd(), "slow start up to ssthresh");
      cc.onAck(44 * MSS, -1, 0);
      assertEquals(
          22 * MSS, cc.cwnd(), "44 segments in avoidance at 20 then 21: two segments more");
    }

    @Test
    void settings_outOfRange_rejectedWithTheValue() {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> CFG.withInitialCwnd(-1));
      assertTrue(e.getMessage().contains("-1"), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> CFG.withSlowStartAckLimit(1025));
    }
  }

  @Nested
  class FirstFlight {
    @Test
    void mss1460_tenSegments() {
      Sender s = Sender.established(CFG, MSS);
      assertEquals(List.of(10), List.of(s.flight().size()));
    }

    @Test
    void loopbackMss_tenSegmentsAsLinux() {
      Sender s = Sender.established(CFG.withMss(LOOPBACK_MSS), LOOPBACK_MSS);
      List<Integer> flight = s.flight();
      assertEquals(10, flight.size(), "segments");
      assertTrue(flight.stream().allMatch(n -> n == LOOPBACK_MSS), "full segments: " + flight);
    }

    @Test
    void loopbackMss_rfc6928Setting_twoSegments() {
      Sender s = Sender.established(CFG.withMss(LOOPBACK_MSS).withInitialCwnd(0), LOOPBACK_MSS);
      assertEquals(2, s.flight().size());
    }

    @Test
    void mss1460_rfc6928Setting_tenSegments() {
      Sender s = Sender.established(CFG.withInitialCwnd(0), MSS);
      assertEquals(10, s.flight().size(), "14600 bytes are ten segments of 1460");
    }
  }

  @Nested
  class StretchAcks {
    @Test
    void cubic_everySegmentCounts_windowDoublesPerRound() {
      Sender s = Sender.established(CFG, MSS);
      List<Integer> cwnds = s.cwndsAfterEachAck(5);
      // Rounds of 10, 20, 40, 80 and 160 segments, each acknowledged 44 segments at a time: cwnd
      // grows by what each ACK covers.
      assertEquals(
          List.of(20, 40, 80, 124, 160, 204, 248, 292, 320), segments(cwnds), s.trace.dump());
    }

    @Test
    void newReno_everySegmentCounts() {
      Sender s = Sender.established(CFG.withCongestionControl("newreno"), MSS);
      assertEquals(
          List.of(20, 40, 80, 124, 160, 204, 248, 292, 320),
          segments(s.cwndsAfterEachAck(5)),
          s.trace.dump());
    }

    @Test
    void rfc3465Limit_twoSegmentsPerAck() {
      Sender s = Sender.established(CFG.withSlowStartAckLimit(2), MSS);
      // Rounds of 10, 12, 14, 16 and 18 segments: one ACK each, two segments more each.
      assertEquals(List.of(12, 14, 16, 18, 20), segments(s.cwndsAfterEachAck(5)), s.trace.dump());
    }
  }

  private static List<Integer> segments(List<Integer> cwnds) {
    List<Integer> out = new ArrayList<>();
    for (int c : cwnds) {
      assertEquals(0, c % MSS, "cwnd a whole number of segments: " + c);
      out.add(c / MSS);
    }
    return out;
  }

  /** The engine as a bulk sender after a passive open, and the peer that acknowledges it. */
  private static final class Sender {
    /** Segments one ACK covers: 64 KB of GRO at MTU 1500, as a Linux receiver sends them. */
    static final int SEGMENTS_PER_ACK = 44;

    final EngineScript script;
    final TraceRecorder trace;
    final int mss;
    final ByteBuffer data = ByteBuffer.allocate(4 << 20);

    /** The peer's next ACK: the first byte not yet acknowledged. */
    int una = EnginePair.CLIENT_ISS + 1;

    private Sender(EngineScript script, int mss) {
      this.script = script;
      this.trace = script.trace;
      this.mss = mss;
    }

    /**
     * Returns an engine ESTABLISHED after a peer's SYN announcing {@code mss} and window scale 7,
     * whose third ACK opened a window of 8 MB.
     */
    static Sender established(TcpConfig cfg, int mss) {
      TcpSegment syn =
          Seg.withOptions(
              Seg.of(40000, 80, "S", EngineScript.PEER_ISS, 0, 65535),
              new TcpOption.MaximumSegmentSize(mss),
              new TcpOption.WindowScale(7));
      EngineScript s = EngineScript.accept(cfg, syn);
      s.expect("S.", EnginePair.CLIENT_ISS, EngineScript.PEER_ISS + 1);
      s.inject(".", EngineScript.PEER_ISS + 1, EnginePair.CLIENT_ISS + 1);
      s.assertState(TcpState.ESTABLISHED);
      Sender sender = new Sender(s, mss);
      sender.topUp();
      return sender;
    }

    /** Gives the engine all the data its send buffer takes. */
    void topUp() {
      while (true) {
        if (!data.hasRemaining()) data.clear();
        if (script.conn().send(data, script.now()) == 0) return;
      }
    }

    /** Returns the payload sizes of everything the engine sends now. */
    List<Integer> flight() {
      List<Integer> sizes = new ArrayList<>();
      for (TcpSegment seg; (seg = script.conn().pollTransmit(script.now())) != null; ) {
        sizes.add(seg.payloadLength());
        assertTrue(sizes.size() < 10_000, "a bounded flight");
      }
      return sizes;
    }

    /**
     * Sends {@code rounds} flights, acknowledges each a round trip later 44 segments at a time, and
     * returns cwnd after each ACK.
     */
    List<Integer> cwndsAfterEachAck(int rounds) {
      List<Integer> cwnds = new ArrayList<>();
      List<Integer> flight = flight();
      for (int r = 0; r < rounds; r++) flight = acknowledge(flight, cwnds);
      return cwnds;
    }

    /**
     * Acknowledges a flight a round trip after it left, 44 segments at a time, and returns the next
     * flight: what the engine sent after each ACK, as a host polls it.
     */
    private List<Integer> acknowledge(List<Integer> flight, List<Integer> cwnds) {
      for (int n : flight) assertEquals(mss, n, "full segments");
      script.tick(RTT);
      List<Integer> next = new ArrayList<>();
      for (int i = 0; i < flight.size(); i += SEGMENTS_PER_ACK) {
        int covered = Math.min(SEGMENTS_PER_ACK, flight.size() - i);
        una += covered * mss;
        script.inject(
            Seg.of(40000, 80, ".", EngineScript.PEER_ISS + 1, una, EngineScript.PEER_WINDOW));
        cwnds.add(script.conn().recovery.cwnd());
        topUp();
        next.addAll(flight());
      }
      return next;
    }
  }
}
