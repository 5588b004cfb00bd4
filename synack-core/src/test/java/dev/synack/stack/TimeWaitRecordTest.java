package dev.synack.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.tcp.ConnectionEvent;
import dev.synack.tcp.FourTuple;
import dev.synack.tcp.TcpConfig;
import dev.synack.tcp.TcpState;
import dev.synack.wire.IcmpMessage;
import dev.synack.wire.Packets;
import dev.synack.wire.SeqNum;
import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpOption;
import dev.synack.wire.TcpOptions;
import dev.synack.wire.TcpSegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * A connection in TIME-WAIT that the user let go ({@code closeFully}) and that is not traced is
 * held as a {@link dev.synack.tcp.TimeWaitTcb} record: its user sees CLOSED at once, the host keeps
 * the 4-tuple for 2 MSL, and every segment for it is answered as the full connection answers it.
 * Each scenario runs twice, with the record and with the full connection ({@link
 * TcpEndpoints#compactTimeWait} off), and the two transcripts (segments sent, connection count,
 * next deadline, counters) must be equal; each also asserts the behaviour itself.
 */
class TimeWaitRecordTest {
  private static final long MS = 1_000_000L;
  private static final long SECOND = 1_000 * MS;

  /** What one run saw: a line per step. */
  private static final class Transcript {
    final List<String> lines = new ArrayList<>();
    final List<TcpSegment> sent = new ArrayList<>();
  }

  /**
   * Brings the host's accepted end into TIME-WAIT by closing it first with {@code closeFully}; the
   * record replaces it unless {@code full}.
   */
  private static StatePeer intoTimeWait(boolean full, boolean timestamps) {
    StatePeer p =
        new StatePeer(
            HostConfig.defaults(11).withTcp(TcpConfig.defaults().withTimestamps(timestamps, 0)),
            false);
    p.host.tcpEndpoints().compactTimeWait = !full;
    p.send(p.syn());
    p.hostIss = p.takeSent().getLast().sequenceNumber();
    p.send(p.segment(p.peerNxt, SeqNum.add(p.hostIss, 1), TcpFlags.ACK, 0));
    p.connection = p.listener.accept();
    p.connection.closeFully(p.now);
    p.drain();
    p.advance(10 * MS);
    p.send(p.ack(0)); // our FIN acknowledged: FIN-WAIT-2
    p.advance(10 * MS);
    p.send(p.segment(p.peerNxt, p.hostSndNxt(), TcpFlags.FIN | TcpFlags.ACK, 0));
    p.peerNxt = SeqNum.add(p.peerNxt, 1);
    return p;
  }

  /** Runs {@code steps} against a TIME-WAIT end, held as a record or not, and notes each step. */
  private static Transcript run(boolean full, boolean timestamps, List<Consumer<StatePeer>> steps) {
    StatePeer p = intoTimeWait(full, timestamps);
    Transcript t = new Transcript();
    note(t, p, "in TIME-WAIT");
    for (Consumer<StatePeer> step : steps) {
      step.accept(p);
      note(t, p, "step");
    }
    return t;
  }

  private static void note(Transcript t, StatePeer p, String what) {
    List<TcpSegment> sent = p.takeSent();
    t.sent.addAll(sent);
    t.lines.add(
        what
            + " at "
            + p.now
            + ": sent "
            + sent
            + ", connections "
            + p.host.connectionCount()
            + ", next deadline "
            + p.host.pollTimeout()
            + ", counters "
            + p.host.counters());
  }

  /** Runs the steps both ways, asserts equal transcripts, and returns the record's. */
  @SafeVarargs
  private static Transcript same(boolean timestamps, Consumer<StatePeer>... steps) {
    Transcript full = run(true, timestamps, List.of(steps));
    Transcript record = run(false, timestamps, List.of(steps));
    assertEquals(
        String.join("\n", full.lines),
        String.join("\n", record.lines),
        "the record answers as the full connection");
    return record;
  }

  @SafeVarargs
  private static Transcript same(Consumer<StatePeer>... steps) {
    return same(true, steps);
  }

  private static Consumer<StatePeer> after(long nanos) {
    return p -> p.advance(nanos);
  }

  private static Consumer<StatePeer> send(java.util.function.Function<StatePeer, TcpSegment> s) {
    return p -> p.send(s.apply(p));
  }

  /** The peer's FIN again: our ACK of it was lost. */
  private static TcpSegment resentFin(StatePeer p) {
    return p.segment(SeqNum.add(p.peerNxt, -1), p.hostSndNxt(), TcpFlags.FIN | TcpFlags.ACK, 0);
  }

  @Nested
  class TheSwap {
    @Test
    void closedFullyEnd_isHeldAsRecord_userSeesClosedOnce() {
      StatePeer p = intoTimeWait(false, true);
      Connection c = p.connection;
      assertEquals(TcpState.CLOSED, c.state(), "the user's handle is done with");
      assertTrue(c.isReleased());
      assertNull(c.closeError(), "an orderly close");
      assertEquals(1, p.host.connectionCount(), "the record holds the 4-tuple");
      assertEquals(1, p.host.tcpEndpoints().connectionCount());
      assertFalse(p.host.connections().isEmpty(), "listed");
    }

    @Test
    void closedFullyEnd_userGetsOneClosedEvent() {
      StatePeer p = new StatePeer(HostConfig.defaults(11).withTcp(TcpConfig.defaults()), false);
      p.send(p.syn());
      p.hostIss = p.takeSent().getLast().sequenceNumber();
      p.send(p.segment(p.peerNxt, SeqNum.add(p.hostIss, 1), TcpFlags.ACK, 0));
      Connection c = p.listener.accept();
      p.connection = c;
      c.closeFully(p.now);
      for (byte[] b = p.host.pollPacket(p.now); b != null; b = p.host.pollPacket(p.now)) {}
      int closed = 0;
      List<TcpSegment> steps =
          List.of(p.ack(0), p.segment(p.peerNxt, p.hostSndNxt(), TcpFlags.FIN | TcpFlags.ACK, 0));
      List<Long> times = List.of(10 * MS, 20 * MS, 120 * SECOND);
      for (int i = 0; i < times.size(); i++) {
        p.now = times.get(i);
        if (i < steps.size()) {
          p.host.handlePacket(Packets.tcp(StatePeer.PEER, StatePeer.HOST, 64, steps.get(i)), p.now);
        } else {
          p.host.handleTimeout(p.now);
        }
        for (byte[] b = p.host.pollPacket(p.now); b != null; b = p.host.pollPacket(p.now)) {}
        for (HostEvent e = p.host.pollEvent(); e != null; e = p.host.pollEvent()) {
          if (e instanceof HostEvent.OfConnection(Connection of, ConnectionEvent.Closed ignored)
              && of == c) closed++;
        }
        if (i == 1) assertEquals(1, closed, "Closed as the record replaced it");
      }
      assertEquals(1, closed);
      assertEquals(0, p.host.connectionCount());
    }

    @Test
    void endClosedWithCloseOnly_staysFull() {
      // close() leaves the receive side open: the user may still read, so nothing is swapped.
      StatePeer p = StatePeer.into(TcpState.TIME_WAIT, true);
      assertEquals(TcpState.TIME_WAIT, p.connection.state());
      assertFalse(p.connection.isReleased());
    }

    @Test
    void tracedEnd_staysFull() {
      StatePeer p = new StatePeer(HostConfig.defaults(11), true);
      assertTrue(p.host.tcpEndpoints().compactTimeWait);
      p.send(p.syn());
      p.hostIss = p.takeSent().getLast().sequenceNumber();
      p.send(p.segment(p.peerNxt, SeqNum.add(p.hostIss, 1), TcpFlags.ACK, 0));
      p.connection = p.listener.accept();
      p.connection.closeFully(p.now);
      p.drain();
      p.send(p.ack(0));
      p.send(p.segment(p.peerNxt, p.hostSndNxt(), TcpFlags.FIN | TcpFlags.ACK, 0));
      assertEquals(TcpState.TIME_WAIT, p.connection.state(), "its trace shows it to the end");
    }
  }

  @Nested
  class Segments {
    @Test
    void resentFin_isAcknowledgedAnd2MslRestart() {
      Transcript t = same(after(10 * SECOND), send(TimeWaitRecordTest::resentFin));
      TcpSegment ack = t.sent.getLast();
      assertEquals(TcpFlags.ACK, ack.flags());
      assertTrue(
          t.lines.getLast().contains("next deadline " + (10 * SECOND + 20 * MS + 60 * SECOND)),
          t.lines.getLast());
    }

    @Test
    void resentFin_thenExpiry_freesThePairAt2MslFromTheResentFin() {
      Transcript t =
          same(
              after(10 * SECOND),
              send(TimeWaitRecordTest::resentFin),
              after(55 * SECOND),
              after(10 * SECOND));
      assertTrue(t.lines.get(3).contains("connections 1"), t.lines.get(3));
      assertTrue(t.lines.get(4).contains("connections 0"), t.lines.get(4));
    }

    @Test
    void dataAtRcvNxt_isAnsweredAsTheFullConnectionDoes() {
      Transcript t = same(send(p -> p.segment(p.peerNxt, p.hostSndNxt(), TcpFlags.ACK, 100)));
      assertFalse(t.sent.isEmpty(), "answered");
    }

    @Test
    void oldDuplicateData_getsAnAck() {
      Transcript t =
          same(send(p -> p.segment(SeqNum.add(p.peerNxt, -50), p.hostSndNxt(), TcpFlags.ACK, 20)));
      assertEquals(TcpFlags.ACK, t.sent.getLast().flags() & ~TcpFlags.PSH);
    }

    @Test
    void oldDuplicateData_withoutTimestamps_getsAnAck() {
      Transcript t =
          same(
              false,
              send(
                  p ->
                      TcpSegment.of(
                              p.peerPort,
                              p.hostPort,
                              SeqNum.add(p.peerNxt, -50),
                              p.hostSndNxt(),
                              TcpFlags.ACK,
                              65535)
                          .withPayload(ByteBuffer.wrap(new byte[20]))));
      assertFalse(t.sent.isEmpty());
    }

    @Test
    void rstAtRcvNxt_handledAsNow() {
      same(send(p -> p.segment(p.peerNxt, 0, TcpFlags.RST, 0)), after(SECOND));
    }

    @Test
    void rstOutsideTheWindow_isDropped() {
      Transcript t = same(send(p -> p.segment(SeqNum.add(p.peerNxt, 1 << 30), 0, TcpFlags.RST, 0)));
      assertTrue(t.lines.getLast().contains("connections 1"));
    }

    @Test
    void segmentWithoutAck_handledAsNow() {
      same(send(p -> p.segment(p.peerNxt, 0, 0, 10)));
    }

    @Test
    void oldTimestamp_pawsAnswersAtTheRateLimit() {
      same(
          send(
              p -> {
                p.peerTsVal -= 1000;
                return p.segment(p.peerNxt, p.hostSndNxt(), TcpFlags.ACK, 10);
              }),
          send(p -> p.segment(p.peerNxt, p.hostSndNxt(), TcpFlags.ACK, 10)));
    }

    @Test
    void newSynWithHigherSeq_reopensThePair() {
      Transcript t =
          same(
              after(SECOND),
              send(
                  p -> {
                    p.peerNxt = SeqNum.add(p.peerNxt, 100_000);
                    return p.syn();
                  }));
      TcpSegment synAck = t.sent.getLast();
      assertEquals(TcpFlags.SYN | TcpFlags.ACK, synAck.flags(), "a new incarnation answers");
      assertTrue(t.lines.getLast().contains("connections 1"), t.lines.getLast());
    }

    @Test
    void oldSyn_getsAnAckNotASynAck() {
      Transcript t =
          same(
              send(
                  p -> {
                    p.peerTsVal -= 1000;
                    int keep = p.peerNxt;
                    p.peerNxt = SeqNum.add(p.peerNxt, -10);
                    TcpSegment s = p.syn();
                    p.peerNxt = keep;
                    return s;
                  }));
      assertTrue(t.sent.isEmpty() || (t.sent.getLast().flags() & TcpFlags.SYN) == 0);
    }

    @Test
    void manySegments_eachAnsweredAsNow() {
      same(
          send(TimeWaitRecordTest::resentFin),
          send(TimeWaitRecordTest::resentFin),
          after(2 * SECOND),
          send(p -> p.segment(p.peerNxt, p.hostSndNxt(), TcpFlags.ACK, 0)),
          send(TimeWaitRecordTest::resentFin),
          after(61 * SECOND));
    }
  }

  @Nested
  class TheHost {
    @Test
    void icmpErrorForTheTuple_ignoredInState() {
      Transcript t =
          same(
              p -> {
                TcpSegment ours =
                    TcpSegment.of(
                        p.hostPort, p.peerPort, p.hostSndNxt(), p.peerNxt, TcpFlags.ACK, 0);
                byte[] sent = Packets.tcp(StatePeer.HOST, StatePeer.PEER, 64, ours);
                p.deliver(
                    Packets.icmp(
                        StatePeer.PEER,
                        StatePeer.HOST,
                        64,
                        new IcmpMessage.DestinationUnreachable(
                            3, 0, ByteBuffer.wrap(sent, 0, 28).slice())));
              });
      assertTrue(t.lines.getLast().contains("icmp-ignored-in-state"), t.lines.getLast());
    }

    @Test
    void connectionsList_showsTheEndInTimeWait() {
      StatePeer p = intoTimeWait(false, true);
      List<Connection> listed = p.host.connections();
      assertEquals(1, listed.size());
      assertEquals(TcpState.TIME_WAIT, listed.getFirst().state());
      assertEquals(p.connection.id(), listed.getFirst().id());
      p.drain();
      assertEquals(1, p.host.connectionCount(), "held once, as a record again");
    }

    @Test
    void theTupleIsHeld_untilExpiry() {
      StatePeer p = intoTimeWait(false, true);
      FourTuple id = p.connection.id();
      assertTrue(p.host.tcpEndpoints().connectionCount() == 1);
      assertThrows(
          IllegalStateException.class,
          () ->
              p.host.connect(
                  id.localAddress(), id.localPort(), id.remoteAddress(), id.remotePort(), p.now));
      p.advance(61 * SECOND);
      assertEquals(0, p.host.connectionCount());
      Connection again =
          p.host.connect(
              id.localAddress(), id.localPort(), id.remoteAddress(), id.remotePort(), p.now);
      assertEquals(TcpState.SYN_SENT, again.state());
    }
  }

  @Test
  void options_areKeptByTheRecord() {
    // A SACK-permitted, scaled, timestamped handshake: the ACKs of the record carry the same
    // window and echo the same TS.Recent (compared whole by same()).
    Transcript t = same(send(TimeWaitRecordTest::resentFin));
    TcpOptions o = t.sent.getLast().options();
    TcpOption.Timestamps ts = o.timestamps();
    assertTrue(ts != null && ts.tsEcr() != 0, "TS.Recent echoed: " + o);
  }
}
