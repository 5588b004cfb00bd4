package dev.synack.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.tcp.FourTuple;
import dev.synack.tcp.TcpConfig;
import dev.synack.tcp.TcpState;
import dev.synack.trace.TraceEvent;
import dev.synack.wire.SeqNum;
import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpOption;
import dev.synack.wire.TcpOptions;
import dev.synack.wire.TcpSegment;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * SYN cookies (RFC 4987 §3.6, Linux's scheme): a listener whose SYN queue is full answers with a
 * cookie and keeps nothing; the ACK that returns a valid cookie opens the connection in
 * ESTABLISHED; anything else is answered as an ACK to a listener is, with a RST.
 */
class SynCookieTest {
  static final long SECOND = 1_000_000_000L;

  /** A peer of a host whose listener (backlog 4) has its SYN queue filled by four other SYNs. */
  static StatePeer fullSynQueue(boolean timestamps) {
    StatePeer p =
        new StatePeer(
            HostConfig.defaults(11).withTcp(TcpConfig.defaults().withTimestamps(timestamps, 0)),
            true);
    for (int i = 0; i < StatePeer.BACKLOG; i++) {
      p.send(TcpSegment.of(50000 + i, StatePeer.HOST_PORT, 7, 0, TcpFlags.SYN, 65535));
    }
    assertEquals(StatePeer.BACKLOG, p.listener.pendingHandshakes());
    p.takeSent();
    return p;
  }

  /** Sends the peer's SYN (timestamps as given) and returns the host's only answer, a SYN-ACK. */
  static TcpSegment synAck(StatePeer p, TcpSegment syn) {
    p.send(syn);
    List<TcpSegment> sent = p.takeSent();
    assertEquals(1, sent.size(), () -> "one answer: " + sent);
    TcpSegment synAck = sent.getFirst();
    assertEquals(TcpFlags.SYN | TcpFlags.ACK, synAck.flags());
    return synAck;
  }

  static TcpSegment synWithoutTimestamps(StatePeer p, int mss) {
    TcpSegment s =
        TcpSegment.of(p.peerPort, p.hostPort, p.peerNxt, 0, TcpFlags.SYN, 65535)
            .withOptions(
                TcpOptions.of(
                    new TcpOption.MaximumSegmentSize(mss),
                    new TcpOption.NoOperation(),
                    new TcpOption.WindowScale(7)));
    p.peerNxt = SeqNum.add(p.peerNxt, 1);
    return s;
  }

  /** The peer's ACK of the SYN-ACK, echoing its TSval when it had one, with {@code data} bytes. */
  static TcpSegment ackOf(StatePeer p, TcpSegment synAck, int ackDelta, int data) {
    TcpSegment ack =
        TcpSegment.of(
            p.peerPort,
            p.hostPort,
            p.peerNxt,
            synAck.sequenceNumber() + 1 + ackDelta,
            TcpFlags.ACK,
            512);
    TcpOption.Timestamps ts = synAck.options().timestamps();
    if (ts != null) {
      ack =
          ack.withOptions(
              TcpOptions.of(
                  new TcpOption.NoOperation(),
                  new TcpOption.NoOperation(),
                  new TcpOption.Timestamps(++p.peerTsVal, ts.tsVal())));
    }
    return data == 0 ? ack : ack.withPayload(ByteBuffer.wrap(new byte[data]));
  }

  @Nested
  class WhenTheSynQueueIsFull {
    /**
     * The cookie cannot keep an ECN agreement, so the SYN-ACK must not offer one (RFC 3168 §6.1.1
     * lets it decline).
     */
    @Test
    void ecnSetupSyn_cookieSynAckDeclinesEcn() {
      StatePeer p = fullSynQueue(false);
      TcpSegment syn = synWithoutTimestamps(p, 1460);
      syn =
          TcpSegment.of(
                  syn.sourcePort(),
                  syn.destinationPort(),
                  syn.sequenceNumber(),
                  0,
                  TcpFlags.SYN | TcpFlags.ECE | TcpFlags.CWR,
                  65535)
              .withOptions(syn.options());
      TcpSegment synAck = synAck(p, syn); // exactly SYN and ACK: no ECE
      assertEquals(0, synAck.flags() & TcpFlags.ECE);
      assertEquals(1, p.host.counters().syncookiesSent());
    }

    @Test
    void syn_answeredWithACookie_keepsNoState_offersTheOptionsInTheTimestamp() {
      StatePeer p = fullSynQueue(true);
      int before = p.host.connectionCount();

      TcpSegment synAck = synAck(p, p.syn());

      assertEquals(before, p.host.connectionCount(), "no state for the cookie");
      assertEquals(1, p.host.counters().syncookiesSent());
      assertEquals(SeqNum.add(StatePeer.PEER_ISS, 1), synAck.acknowledgmentNumber());
      TcpOptions o = synAck.options();
      assertEquals(1460, o.mss());
      assertTrue(o.sackPermitted());
      assertEquals(7, o.windowScale(), "our shift, as for any SYN-ACK");
      // Linux's cookie_init_timestamp: the low 4 bits carry the peer's shift (7), bit 4
      // SACK-permitted.
      assertEquals(7 | 16, o.timestamps().tsVal() & 0x3f);
      assertEquals(p.peerTsVal, o.timestamps().tsEcr());
      assertTrue(
          p.trace.stream()
              .anyMatch(
                  e -> e instanceof TraceEvent.Note n && n.text().contains("SYN cookie sent")));
    }

    @Test
    void validCookieAck_opensTheConnectionInEstablished_withTheOptionsTheCookieKept() {
      StatePeer p = fullSynQueue(true);
      TcpSegment synAck = synAck(p, p.syn());

      p.send(ackOf(p, synAck, 0, 100));

      assertEquals(1, p.host.counters().syncookiesValidated());
      Connection c = p.listener.accept();
      assertNotNull(c, "straight to the accept queue");
      assertEquals(TcpState.ESTABLISHED, c.state());
      assertEquals(SeqNum.add(synAck.sequenceNumber(), 1), c.status().sndUna());
      assertEquals(
          1460 - 12,
          c.status().effectiveMss(),
          "MSS from the cookie's table, less the timestamps option");
      assertEquals(
          512 << 7, c.status().sndWnd(), "the peer's window scale came back through TSecr");
      assertEquals(100, c.status().receiveQueued(), "data on the ACK is taken");
      TcpSegment ackOfData = p.takeSent().getLast();
      assertEquals(SeqNum.add(p.peerNxt, 100), ackOfData.acknowledgmentNumber());
      assertTrue(
          p.trace.stream()
              .anyMatch(
                  e ->
                      e instanceof TraceEvent.StateChange s
                          && s.from().equals("SYN_RECEIVED")
                          && s.to().equals("ESTABLISHED")),
          "the trace shows the restored handshake end");
    }

    @Test
    void withoutTimestamps_theCookieSynAckOffersOnlyTheMss_andTheMssIsRoundedDownToTheTable() {
      StatePeer p = fullSynQueue(false);
      TcpSegment synAck = synAck(p, synWithoutTimestamps(p, 1400));

      assertEquals(
          TcpOptions.of(new TcpOption.MaximumSegmentSize(1460)).list(),
          synAck.options().list().stream()
              .filter(o -> !(o instanceof TcpOption.NoOperation))
              .toList(),
          "no window scale or SACK: nothing would remember them (Linux)");

      p.send(ackOf(p, synAck, 0, 0));
      Connection c = p.listener.accept();
      assertNotNull(c);
      assertEquals(1300, c.status().effectiveMss(), "1400 rounded down to the table's 1300");
      assertEquals(512, c.status().sndWnd(), "no window scale");
    }

    @Test
    void wrongCookie_answeredWithRst_countedAsFailed_noState() {
      StatePeer p = fullSynQueue(true);
      TcpSegment synAck = synAck(p, p.syn());
      int before = p.host.connectionCount();

      p.send(ackOf(p, synAck, 1, 0));

      TcpSegment rst = p.takeSent().getFirst();
      assertEquals(TcpFlags.RST, rst.flags());
      assertEquals(synAck.sequenceNumber() + 2, rst.sequenceNumber(), "<SEQ=SEG.ACK><CTL=RST>");
      assertEquals(1, p.host.counters().syncookiesFailed());
      assertEquals(before, p.host.connectionCount());
    }

    @Test
    void cookieTwoPeriodsOld_isNoLongerValid() {
      StatePeer p = fullSynQueue(true);
      TcpSegment synAck = synAck(p, p.syn());
      // Keep cookies "recently sent" so that the ACK is checked at all.
      p.now += 2 * SynCookies.PERIOD_NANOS;
      p.host.listen(null, 81, 1).cookieSentAt = p.now;
      p.listener.cookieSentAt = p.now;

      p.send(ackOf(p, synAck, 0, 0));

      assertEquals(1, p.host.counters().syncookiesFailed());
      assertTrue(p.takeSent().getFirst().has(TcpFlags.RST));
    }

    @Test
    void acceptQueueFull_validCookieAckDropped_withoutRst_thenTheResentAckGetsIn() {
      StatePeer p =
          new StatePeer(HostConfig.defaults(11).withSynCookies(SynCookiePolicy.ALWAYS), true);
      for (int i = 0; i < StatePeer.BACKLOG; i++) {
        int port = 50000 + i;
        TcpSegment sa =
            synAck(p, TcpSegment.of(port, StatePeer.HOST_PORT, 7, 0, TcpFlags.SYN, 65535));
        p.send(
            TcpSegment.of(
                port, StatePeer.HOST_PORT, 8, sa.sequenceNumber() + 1, TcpFlags.ACK, 65535));
      }
      assertEquals(StatePeer.BACKLOG, p.listener.pendingAccepts());
      p.takeSent();
      // A SYN now meets a full accept queue and is dropped; ours was answered before it filled:
      TcpSegment dropped = p.syn();
      p.send(dropped);
      assertTrue(p.takeSent().isEmpty(), "SYN dropped while the accept queue is full");
      p.listener.accept();
      TcpSegment synAck = synAck(p, dropped);
      // Fill the accept queue again before our ACK arrives.
      TcpSegment other =
          synAck(p, TcpSegment.of(50010, StatePeer.HOST_PORT, 7, 0, TcpFlags.SYN, 65535));
      p.send(
          TcpSegment.of(
              50010, StatePeer.HOST_PORT, 8, other.sequenceNumber() + 1, TcpFlags.ACK, 65535));
      long overflows = p.host.counters().listenOverflows();

      p.send(ackOf(p, synAck, 0, 0));

      assertTrue(p.takeSent().isEmpty(), "no RST: tcp_abort_on_overflow = 0");
      assertEquals(overflows + 1, p.host.counters().listenOverflows());
      p.listener.accept();
      p.send(ackOf(p, synAck, 0, 0));
      assertEquals(
          StatePeer.BACKLOG, p.listener.pendingAccepts(), "the resent ACK completes the handshake");
    }
  }

  @Nested
  class WhenNoFlood {
    @Test
    void ackToListener_isNotCheckedAsACookie_andGetsARst() {
      StatePeer p = new StatePeer(HostConfig.defaults(11), true);
      p.send(TcpSegment.of(StatePeer.PEER_PORT, StatePeer.HOST_PORT, 5, 12345, TcpFlags.ACK, 512));

      assertEquals(TcpFlags.RST, p.takeSent().getFirst().flags());
      assertEquals(
          0,
          p.host.counters().syncookiesFailed(),
          "no cookie was sent recently: not a cookie check");
    }

    @Test
    void policyOff_synBeyondTheBacklog_droppedAndCounted() {
      StatePeer p =
          new StatePeer(HostConfig.defaults(11).withSynCookies(SynCookiePolicy.OFF), true);
      for (int i = 0; i <= StatePeer.BACKLOG; i++) {
        p.send(TcpSegment.of(50000 + i, StatePeer.HOST_PORT, 7, 0, TcpFlags.SYN, 65535));
      }

      assertEquals(StatePeer.BACKLOG, p.takeSent().size(), "the last SYN dropped");
      assertEquals(1, p.host.counters().synQueueFullDrops());
      assertEquals(1, p.host.counters().dropped("syn-queue-full"));
      assertEquals(0, p.host.counters().syncookiesSent());
    }

    @Test
    void policyAlways_everySynGetsACookie_andTheHandshakeCompletes() {
      StatePeer p =
          new StatePeer(HostConfig.defaults(11).withSynCookies(SynCookiePolicy.ALWAYS), true);
      TcpSegment synAck = synAck(p, p.syn());
      assertEquals(0, p.listener.pendingHandshakes());

      p.send(ackOf(p, synAck, 0, 0));

      Connection c = p.listener.accept();
      assertNotNull(c);
      assertEquals(TcpState.ESTABLISHED, c.state());
      assertEquals(1, p.host.counters().syncookiesSent());
      assertEquals(1, p.host.counters().syncookiesValidated());
    }
  }

  @Nested
  class CookieArithmetic {
    final SynCookies cookies = new SynCookies(1, 2, 3, 4);
    final FourTuple id = new FourTuple(StatePeer.HOST, 80, StatePeer.PEER, 40000);

    @Test
    void everyMssIndex_comesBack_inTheSameAndTheNextPeriod_notLater() {
      for (boolean v6 : new boolean[] {false, true}) {
        for (int index = 0; index < 4; index++) {
          long made = 5 * SynCookies.PERIOD_NANOS + 17;
          int cookie = cookies.cookie(id, 0xfffffff0, index, made);
          int mss = SynCookies.mssOf(index, v6);
          assertEquals(mss, cookies.check(id, 0xfffffff0, cookie, made, v6).mss());
          assertEquals(
              mss, cookies.check(id, 0xfffffff0, cookie, made + SynCookies.PERIOD_NANOS, v6).mss());
          assertNull(cookies.check(id, 0xfffffff0, cookie, made + 2 * SynCookies.PERIOD_NANOS, v6));
        }
      }
    }

    @Test
    void anotherFourTupleKeyOrSequenceNumber_failsTheCheck() {
      int cookie = cookies.cookie(id, 1000, 3, 0);
      assertNull(
          cookies.check(
              new FourTuple(StatePeer.HOST, 80, StatePeer.PEER, 40001), 1000, cookie, 0, false));
      // Like Linux's, the cookie guards SEG.ACK; a SEG.SEQ off by a few may decode to another MSS
      // index.
      assertNull(cookies.check(id, 1000 + 1000, cookie, 0, false));
      assertNull(new SynCookies(1, 2, 3, 5).check(id, 1000, cookie, 0, false), "another key");
    }

    @Test
    void mssIndex_isTheLargestTableValueNotAbove_theSmallestForTinyMss() {
      assertEquals(3, SynCookies.mssIndex(1460, false));
      assertEquals(2, SynCookies.mssIndex(1459, false));
      assertEquals(0, SynCookies.mssIndex(100, false));
      assertEquals(3, SynCookies.mssIndex(65535, true));
    }

    @Test
    void timestamp_carriesTheOptions_neverAheadOfTheClock() {
      for (int tsNow : new int[] {0, 63, 64, 1000, -1, Integer.MAX_VALUE}) {
        int ts = SynCookies.timestamp(tsNow, 7, true);
        assertTrue(SeqNum.le(ts, tsNow), "TSval never ahead of the clock: " + ts + " vs " + tsNow);
        assertTrue(SeqNum.diff(tsNow, ts) < 64);
        SynCookies.TimestampOptions o = SynCookies.options(ts);
        assertEquals(7, o.windowScale());
        assertTrue(o.sackPermitted());
      }
      assertEquals(-1, SynCookies.options(SynCookies.timestamp(100, -1, false)).windowScale());
      assertFalse(SynCookies.options(SynCookies.timestamp(100, -1, false)).sackPermitted());
    }
  }
}
