package dev.synack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.trace.TraceEvent;
import dev.synack.wire.SackBlock;
import dev.synack.wire.TcpOption;
import dev.synack.wire.TcpSegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * How the sender finds and repairs losses, one engine against a scripted receiver whose ACKs are
 * written out (packetdrill style), in virtual time: the retransmission timer and its doubling (RFC
 * 6298), fast retransmit after three duplicate ACKs with limited transmit and NewReno's partial
 * ACKs (RFC 5681, RFC 3042, RFC 6582), SACK recovery that resends only the holes (RFC 6675), RACK
 * detecting a lost retransmission and the tail loss probe (RFC 8985), and a D-SACK undoing a
 * reduction that reordering caused (RFC 3708).
 */
class LossRecoveryTest {
  private static final Duration RTT = Duration.ofMillis(50);

  /** Plain RFC 9293 (MSS 536, no options) with NewReno: what a peer without SACK gets. */
  private static final TcpConfig NEWRENO = EngineScript.PLAIN.withCongestionControl("newreno");

  /** SACK on, timestamps and window scale off, so that the scripted ACKs carry only SACK blocks. */
  private static final TcpConfig SACK =
      TcpConfig.defaults().withTimestamps(false, 0).withWindowScale(false, 0);

  private static final int MSS = 1000;

  @Nested
  class RetransmissionTimer {
    @Test
    void established_noAcks_rtoDoublesEachTime() {
      EngineScript s = EngineScript.established(NEWRENO);
      s.send("x".repeat(100));
      s.expect("P.", 1001, 5001);
      for (int i = 0; i < 5; i++) {
        s.fireNextTimer();
        s.expect("P.", 1001, 5001);
      }
      List<Long> fired = timerTimes(s.trace, "RTO", "fired");
      List<Long> intervals = new ArrayList<>();
      long previous = 0;
      for (long t : fired) {
        intervals.add(t - previous);
        previous = t;
      }
      // The handshake's RTT (0) gives SRTT 1 ns and RTO = SRTT + 200 ms; each timeout doubles it
      // (RFC 6298 §5.5).
      assertEquals(
          List.of(200_000_001L, 400_000_002L, 800_000_004L, 1_600_000_008L, 3_200_000_016L),
          intervals,
          s.trace.dump());
    }

    @Test
    void established_timeoutWithSacks_scoreboardForgottenAndAllResent() {
      EngineScript s = sackEstablished(SACK);
      s.send("y".repeat(10 * MSS));
      Burst flight = drain(s);
      assertEquals(10, flight.size());
      s.tick(RTT);
      sackAck(s, 1001, block(2001, 11001)); // the first segment is missing
      assertEquals(
          List.of(1001L),
          drain(s).retransmitted(),
          "RACK gives the hole up at once: 9 segments SACKed");
      assertEquals(9 * MSS, s.conn().snd.scoreboard().sackedBytes());
      s.fireNextTimer(); // the retransmission was lost too, and no ACK comes
      Scoreboard board = s.conn().snd.scoreboard();
      assertEquals(
          0, board.sackedBytes(), "RFC 6675 §5.1: the SACK information is forgotten at a timeout");
      assertEquals(
          board.outstandingBytes(), board.lostBytes(), "everything outstanding is to be resent");
      assertEquals(LossRecovery.Phase.LOSS, s.conn().recovery.phase());
      assertEquals(MSS, s.conn().recovery.cwnd(), "the loss window: one segment");
      assertEquals(List.of(1001L), drain(s).retransmitted());
    }
  }

  @Nested
  class DuplicateAcks {
    @Test
    void established_threeDuplicateAcks_fastRetransmitAndNewRenoHalving() {
      EngineScript s = EngineScript.established(NEWRENO);
      s.send("z".repeat(30 * 536));
      assertEquals(10, drain(s).size(), "the initial window: ten segments (RFC 6928)");
      s.tick(RTT);
      s.inject(".", 5001, 1537); // the second segment is lost
      assertEquals(2, drain(s).size(), "slow start: one more segment per segment acknowledged");
      s.inject(".", 5001, 1537);
      assertEquals(
          List.of(1001L + 536 * 12),
          drain(s).seqs(),
          "limited transmit: a new segment for the first duplicate ACK");
      s.inject(".", 5001, 1537);
      assertEquals(List.of(1001L + 536 * 13), drain(s).seqs(), "and for the second (RFC 3042)");
      int flight = s.conn().snd.flightSize();
      s.inject(".", 5001, 1537);
      Burst third = drain(s);
      assertEquals(
          List.of(1537L),
          third.retransmitted(),
          "the third duplicate ACK: fast retransmit of SND.UNA");
      assertEquals(1, third.size());
      CongestionControl cc = s.conn().recovery.congestionControl();
      assertEquals(flight / 2, cc.ssthresh(), "RFC 5681 §3.2: ssthresh = FlightSize / 2");
      assertEquals(flight / 2, cc.cwnd());
      assertEquals(LossRecovery.Phase.RECOVERY, s.conn().recovery.phase());
      s.tick(RTT);
      s.inject(".", 5001, s.conn().snd.sndNxt); // everything arrived: a full acknowledgment
      assertEquals(LossRecovery.Phase.OPEN, s.conn().recovery.phase());
      assertEquals(flight / 2, cc.cwnd(), "RFC 6582 §3.2 step 3: cwnd = ssthresh after recovery");
      assertTrue(
          notes(s.trace).stream().anyMatch(n -> n.startsWith("loss detected")), s.trace.dump());
    }

    @Test
    void recovery_partialAck_resendsTheNextHoleAtOnce() {
      EngineScript s = EngineScript.established(NEWRENO);
      s.send("w".repeat(10 * 536));
      drain(s);
      s.tick(RTT);
      int second = 1001 + 536;
      int fourth = 1001 + 3 * 536;
      for (int i = 0; i < 4; i++)
        s.inject(".", 5001, second); // an ACK then three duplicates: 2 and 4 lost
      assertEquals(List.of((long) second), drain(s).retransmitted());
      s.tick(RTT);
      s.inject(".", 5001, fourth); // the retransmission filled the first hole: a partial ACK
      assertEquals(
          List.of((long) fourth),
          drain(s).retransmitted(),
          "RFC 6582 §3.2 step 5: resend the first unacknowledged segment");
      assertEquals(
          LossRecovery.Phase.RECOVERY,
          s.conn().recovery.phase(),
          "recovery lasts until the recovery point");
      assertEquals(0, timerTimes(s.trace, "RTO", "fired").size());
    }
  }

  @Nested
  class SelectiveAcks {
    @Test
    void recovery_sackBlocks_onlyTheHolesResent() {
      holesResent(SACK);
    }

    @Test
    void recoveryWithoutRack_rfc6675DupThresh_onlyTheHolesResent() {
      holesResent(SACK.withRack(false));
    }

    private void holesResent(TcpConfig cfg) {
      EngineScript s = sackEstablished(cfg);
      s.send("v".repeat(30 * MSS));
      assertEquals(10, drain(s).size());
      s.tick(RTT);
      // Segments 2 (2001) and 5 (5001) are lost; the receiver reports the rest as it arrives.
      sackAck(s, 2001);
      sackAck(s, 2001, block(3001, 5001));
      sackAck(s, 2001, block(6001, 11001), block(3001, 5001));
      Burst sent = drain(s);
      assertEquals(
          List.of(2001L, 5001L),
          sent.retransmitted(),
          "only the holes: SACKed data is never resent");
      assertEquals(LossRecovery.Phase.RECOVERY, s.conn().recovery.phase());
      s.tick(RTT);
      s.inject(".", 5001, s.conn().snd.sndNxt);
      assertEquals(LossRecovery.Phase.OPEN, s.conn().recovery.phase());
      assertEquals(0, timerTimes(s.trace, "RTO", "fired").size(), s.trace.dump());
    }

    @Test
    void recovery_retransmissionLostToo_rackResendsItWithoutTimeout() {
      EngineScript s = sackEstablished(SACK);
      s.send("u".repeat(30 * MSS));
      drain(s);
      s.tick(RTT);
      sackAck(s, 2001, block(3001, 11001)); // segment 2 lost
      Burst recovery = drain(s);
      assertEquals(List.of(2001L), recovery.retransmitted());
      int highest = s.conn().snd.sndNxt;
      s.tick(RTT);
      // The retransmission is lost as well; what was sent with it arrives (RFC 8985 §6.2: a
      // segment sent after it was delivered, and RACK.rtt has passed since it left).
      sackAck(s, 2001, block(3001, highest));
      Burst again = drain(s);
      assertEquals(
          List.of(2001L),
          again.retransmitted(),
          "RACK detects the lost retransmission " + s.trace.dump());
      assertEquals(0, timerTimes(s.trace, "RTO", "fired").size(), "no timeout needed");
    }

    @Test
    void reordering_dsackOfTheRetransmission_undoesTheReduction() {
      EngineScript s = sackEstablished(SACK);
      s.send("t".repeat(30 * MSS));
      drain(s);
      s.tick(RTT);
      sackAck(s, 2001);
      drain(s);
      int before = s.conn().recovery.cwnd();
      // Segment 2 is only late: three segments after it arrive first, and RACK, having seen no
      // reordering yet, gives it up at once.
      sackAck(s, 2001, block(3001, 6001));
      assertEquals(List.of(2001L), drain(s).retransmitted());
      assertTrue(s.conn().recovery.cwnd() < before, "the window was reduced");
      sackAck(s, 11001); // the original arrives: it fills the hole
      sackAck(s, 11001, block(2001, 3001)); // then the retransmission: a D-SACK (RFC 2883)
      assertTrue(
          s.conn().recovery.cwnd() >= before,
          "the reduction is undone: " + s.conn().recovery.cwnd() + " < " + before);
      assertTrue(
          s.conn().recovery.rack().reorderingSeen(), "from now on RACK allows a reordering window");
      assertTrue(
          notes(s.trace).stream().anyMatch(n -> n.startsWith("spurious retransmission (D-SACK)")),
          s.trace.dump());
    }
  }

  @Nested
  class Timestamps {
    @Test
    void lostAckThenRetransmission_oldEchoGivesNoRttSample() {
      EngineScript s = timestampsEstablished();
      s.send("p".repeat(100));
      TcpSegment original = drain(s).segments().getFirst();
      long srtt = s.conn().rtt.srtt();
      s.fireNextTimer(); // the ACK of the original was lost: the timer resends it
      drain(s);
      // The peer, having the data, ACKs the copy with the TSecr of the segment that last moved its
      // window: the original, one RTO ago. That time is not a round trip.
      s.inject(
          Seg.withOptions(
              s.peer(".", EngineScript.PEER_ISS + 1, 1101),
              new TcpOption.Timestamps(9, original.options().timestamps().tsVal())));
      assertEquals(
          srtt, s.conn().rtt.srtt(), "no RTT sample from an echo older than the last copy sent");
    }
  }

  @Nested
  class Eifel {
    @Test
    void delaySpike_spuriousTimeout_undoneByTheEchoedTimestamp() {
      EngineScript s = timestampsEstablished();
      s.send("q".repeat(2 * MSS));
      Burst originals = drain(s);
      assertEquals(2, originals.size());
      int originalTsVal = originals.segments().getFirst().options().timestamps().tsVal();
      int cwnd = s.conn().recovery.cwnd();
      // The path stalls: no ACK answers the tail loss probe, and the retransmission timer fires.
      s.fireNextTimer();
      assertEquals(List.of(2001L), drain(s).retransmitted(), "the probe");
      s.fireNextTimer();
      assertEquals(List.of(1001L), drain(s).retransmitted(), "the timeout");
      assertEquals(LossRecovery.Phase.LOSS, s.conn().recovery.phase(), s.trace.dump());
      // Then the ACK of the originals arrives: its TSecr is older than the retransmission (RFC 3522
      // §3.2).
      s.inject(
          Seg.withOptions(
              s.peer(".", EngineScript.PEER_ISS + 1, 1001 + 2 * MSS),
              new TcpOption.Timestamps(8, originalTsVal)));
      assertEquals(cwnd, s.conn().recovery.cwnd(), "the window from before the timeout is back");
      assertEquals(LossRecovery.Phase.OPEN, s.conn().recovery.phase());
      assertTrue(
          notes(s.trace).stream()
              .anyMatch(n -> n.startsWith("spurious retransmission (timestamps)")),
          s.trace.dump());
    }
  }

  @Nested
  class TailLossProbe {
    @Test
    void tailLost_probeAfterTwoRttsThenSackRecovery() {
      EngineScript s = sackEstablished(SACK);
      s.send("s".repeat(5 * MSS));
      assertEquals(5, drain(s).size());
      s.tick(RTT);
      sackAck(s, 3001); // the last three segments are lost
      s.expectNothing();
      long ackTime = s.now();
      long fired = s.fireNextTimer();
      long pto = 2 * RTT.toNanos() + Rack.PROBE_TIMEOUT_MIN;
      assertEquals(
          List.of(ackTime + pto),
          timerTimes(s.trace, "TLP", "fired"),
          "PTO = 2·SRTT + 2 ms " + s.trace.dump());
      assertEquals(fired, ackTime + pto);
      Burst probe = drain(s);
      assertEquals(
          List.of(5001L),
          probe.retransmitted(),
          "the probe resends the last segment (no new data to send)");
      s.tick(RTT);
      sackAck(s, 3001, block(5001, 6001)); // the probe arrived: its SACK reveals the holes
      // PRR (RFC 6937 §3): the ACK delivered one segment, so one goes; the next ACK lets the other
      // out.
      assertEquals(List.of(3001L), drain(s).retransmitted());
      s.tick(RTT);
      sackAck(s, 4001, block(5001, 6001));
      assertEquals(List.of(4001L), drain(s).retransmitted());
      assertEquals(0, timerTimes(s.trace, "RTO", "fired").size(), "no timeout");
    }

    /**
     * Linux's TCP_TIMEOUT_MIN: at a near-zero RTT the PTO was 2 ns, a spurious probe after every
     * burst (issue 17).
     */
    @Test
    void nearZeroRtt_probeTimeoutHasTwoMillisecondsMore() {
      EngineScript s = EngineScript.connect(SACK);
      s.expect("S", 1000, 0);
      s.inject(
          Seg.withOptions(
              s.peer("S.", EngineScript.PEER_ISS, 1001),
              new TcpOption.MaximumSegmentSize(MSS),
              new TcpOption.SackPermitted()));
      s.expect(".", 1001, 5001);
      assertEquals(1, s.conn().rtt.srtt(), "the handshake took no time");
      s.send("n".repeat(3 * MSS));
      long sentAt = s.now();
      assertEquals(3, drain(s).size());
      assertEquals(
          sentAt + 2 + Rack.PROBE_TIMEOUT_MIN, s.conn().pollTimeout(), "PTO = 2·SRTT + 2 ms");
    }

    /**
     * One segment in flight: PTO = 2·SRTT + 200 ms (300 ms) is capped at the RTO's deadline (250
     * ms); both expire together and the probe goes first, the RTO restarting after it (RFC 8985
     * §7.2–7.3), so no backoff and no loss window follow (issue 17).
     */
    @Test
    void ptoCappedAtRto_probeGoesFirstAndTheRtoRestarts() {
      EngineScript s = sackEstablished(SACK);
      s.send("o".repeat(MSS));
      long sentAt = s.now();
      assertEquals(1, drain(s).size());
      long rto = s.conn().rtt.rto(s.conn().cfg);
      assertEquals(250_000_000L, rto, "SRTT 50 ms + max(200 ms, 4·25 ms)");
      int cwnd = s.conn().recovery.cwnd();
      long fired = s.fireNextTimer();
      assertEquals(sentAt + rto, fired);
      assertEquals(List.of(fired), timerTimes(s.trace, "TLP", "fired"), s.trace.dump());
      assertEquals(
          List.of(),
          timerTimes(s.trace, "RTO", "fired"),
          "the probe, not the timeout " + s.trace.dump());
      assertEquals(
          List.of(1001L),
          drain(s).retransmitted(),
          "the probe resends the last (and only) segment");
      assertEquals(LossRecovery.Phase.OPEN, s.conn().recovery.phase());
      assertEquals(cwnd, s.conn().recovery.cwnd(), "no loss window");
      assertEquals(rto, s.conn().rtt.rto(s.conn().cfg), "no backoff");
      assertEquals(fired + rto, s.conn().pollTimeout(), "the RTO restarted from the probe");
    }

    /**
     * Our FIN, held behind a full cwnd, is the new data a probe sends (RFC 8985 §7.3), not the last
     * segment again (issue 17).
     */
    @Test
    void onlyFinUnsent_theProbeIsTheFin() {
      EngineScript s = sackEstablished(SACK);
      s.send("f".repeat(10 * MSS));
      assertEquals(10, drain(s).size(), "the initial window");
      s.conn().close(s.now());
      s.expectNothing(); // the FIN waits behind cwnd
      s.fireNextTimer();
      assertEquals(1, timerTimes(s.trace, "TLP", "fired").size(), s.trace.dump());
      Burst probe = drain(s);
      assertEquals(1, probe.size());
      assertEquals(List.of(), probe.retransmitted());
      Seg.check(probe.segments().getFirst(), "F.", 1001 + 10 * MSS, 5001, s.trace::dump);
    }
  }

  @Nested
  class Samples {
    @Test
    void transfer_samplesTraceCwndRttAndFlight() {
      EngineScript s = sackEstablished(SACK);
      s.send("r".repeat(20 * MSS));
      drain(s);
      s.tick(RTT);
      sackAck(s, 3001);
      drain(s);
      List<TraceEvent.Sample> samples =
          s.trace.events().stream()
              .filter(e -> e instanceof TraceEvent.Sample)
              .map(e -> (TraceEvent.Sample) e)
              .toList();
      assertTrue(samples.size() >= 2, s.trace.dump());
      TraceEvent.Sample last = samples.getLast();
      assertEquals(
          12 * MSS, last.cwnd(), "slow start: two segments acknowledged, two more in the window");
      assertEquals(
          RTT.toNanos(), last.srttNanos(), "SRTT from the handshake and the first data segment");
      assertEquals(8 * MSS, last.bytesInFlight(), "pipe before the new segments leave");
    }
  }

  // ---- Helpers ----

  /**
   * Returns an engine ESTABLISHED with a peer that offered SACK-permitted and an MSS of 1000, the
   * SYN-ACK arriving one {@link #RTT} after the SYN (so SRTT starts at 50 ms).
   */
  static EngineScript sackEstablished(TcpConfig cfg) {
    EngineScript s = EngineScript.connect(cfg);
    s.expect("S", 1000, 0);
    s.tick(RTT);
    s.inject(
        Seg.withOptions(
            s.peer("S.", EngineScript.PEER_ISS, 1001),
            new TcpOption.MaximumSegmentSize(MSS),
            new TcpOption.SackPermitted()));
    s.expect(".", 1001, 5001);
    s.drainEvents();
    return s;
  }

  /**
   * Returns an engine ESTABLISHED with SACK and timestamps (TSval = ms since 0), its SYN-ACK one
   * {@link #RTT} after the SYN.
   */
  static EngineScript timestampsEstablished() {
    TcpConfig cfg = TcpConfig.defaults().withWindowScale(false, 0).withTimestamps(true, 0);
    EngineScript s = EngineScript.connect(cfg);
    int synTsVal = s.expect("S", 1000, 0).options().timestamps().tsVal();
    s.tick(RTT);
    s.inject(
        Seg.withOptions(
            s.peer("S.", EngineScript.PEER_ISS, 1001),
            new TcpOption.MaximumSegmentSize(MSS + 12),
            new TcpOption.SackPermitted(),
            new TcpOption.Timestamps(7, synTsVal)));
    s.expect(".", 1001, 5001);
    s.drainEvents();
    return s;
  }

  static SackBlock block(int left, int right) {
    return new SackBlock(left, right);
  }

  /** Injects an ACK from the scripted peer with these SACK blocks (none: a plain ACK). */
  static void sackAck(EngineScript s, int ack, SackBlock... blocks) {
    TcpSegment seg = s.peer(".", EngineScript.PEER_ISS + 1, ack);
    if (blocks.length > 0) seg = Seg.withOptions(seg, new TcpOption.Sack(Arrays.asList(blocks)));
    s.inject(seg);
  }

  /**
   * What the engine sent in one go: the segments, and the sequence numbers of those traced as
   * {@code retransmit}.
   */
  record Burst(List<TcpSegment> segments, List<Long> retransmitted) {
    int size() {
      return segments.size();
    }

    List<Long> seqs() {
      return segments.stream().map(seg -> Integer.toUnsignedLong(seg.sequenceNumber())).toList();
    }
  }

  /** Returns every segment the engine sends now. */
  static Burst drain(EngineScript s) {
    int mark = s.trace.events().size();
    List<TcpSegment> out = new ArrayList<>();
    for (TcpSegment seg; (seg = s.conn().pollTransmit(s.now())) != null; ) out.add(seg);
    List<Long> retransmitted =
        s.trace.events().subList(mark, s.trace.events().size()).stream()
            .filter(
                e ->
                    e instanceof TraceEvent.Segment seg
                        && seg.action() == TraceEvent.SegmentAction.RETRANSMIT)
            .map(e -> ((TraceEvent.Segment) e).segment().seq())
            .toList();
    return new Burst(out, retransmitted);
  }

  static List<Long> timerTimes(TraceRecorder trace, String timer, String action) {
    return trace.events().stream()
        .filter(
            e ->
                e instanceof TraceEvent.Timer t
                    && t.timer().equals(timer)
                    && t.action().equals(action))
        .map(TraceEvent::timeNanos)
        .toList();
  }

  static List<String> notes(TraceRecorder trace) {
    return trace.events().stream()
        .filter(e -> e instanceof TraceEvent.Note)
        .map(e -> ((TraceEvent.Note) e).text())
        .toList();
  }
}
