package dev.synack.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.tcp.TcpChoices;
import dev.synack.tcp.TcpConfig;
import dev.synack.tcp.TcpState;
import dev.synack.trace.TraceEvent;
import dev.synack.wire.IcmpMessage;
import dev.synack.wire.Packets;
import dev.synack.wire.Parsed;
import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpOption;
import dev.synack.wire.TcpOptions;
import dev.synack.wire.TcpSegment;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** A host answering packets crafted by hand, as a peer on the wire would send them. */
class HostTest {
  static final InetAddress HOST = ip("10.0.0.2");
  static final InetAddress PEER = ip("10.0.0.1");
  static final long MS = 1_000_000L;

  final List<TraceEvent> trace = new ArrayList<>();

  /** pollTransmit needs a time no earlier than the last call's; tests here stay within a few ms. */
  long lastNow = 0;

  final Host host = new Host("server", HostConfig.defaults(7), trace::add);

  HostTest() {
    host.addAddress(HOST);
  }

  @Nested
  class ClosedPort {
    @Test
    void syn_toClosedPort_answeredWithRstAckOfSegLen() {
      deliver(tcpFromPeer(TcpSegment.of(40000, 80, 1000, 0, TcpFlags.SYN, 65535)), 0);

      TcpSegment rst = onlySegmentSent();
      // RFC 9293 §3.10.7.1: no ACK in the segment, so <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
      assertEquals(TcpFlags.RST | TcpFlags.ACK, rst.flags());
      assertEquals(0, rst.sequenceNumber());
      assertEquals(1001, rst.acknowledgmentNumber());
      assertEquals(80, rst.sourcePort());
      assertEquals(40000, rst.destinationPort());
      assertEquals(1, host.counters().resetsSent());
    }

    @Test
    void ack_toClosedPort_answeredWithRstAtItsAckNumber() {
      deliver(tcpFromPeer(TcpSegment.of(40000, 80, 1000, 5555, TcpFlags.ACK, 65535)), 0);

      TcpSegment rst = onlySegmentSent();
      assertEquals(TcpFlags.RST, rst.flags());
      assertEquals(5555, rst.sequenceNumber());
    }

    @Test
    void rst_toClosedPort_isDroppedSilently() {
      deliver(tcpFromPeer(TcpSegment.of(40000, 80, 1000, 0, TcpFlags.RST, 0)), 0);

      assertNull(host.pollPacket(0));
      assertEquals(1, host.counters().dropped("closed-port"));
    }
  }

  @Nested
  class Listening {
    @Test
    void ack_toListener_answeredWithRst() {
      host.listen(null, 80, 8);
      deliver(tcpFromPeer(TcpSegment.of(40000, 80, 1000, 777, TcpFlags.ACK, 65535)), 0);

      TcpSegment rst = onlySegmentSent();
      assertEquals(TcpFlags.RST, rst.flags());
      assertEquals(777, rst.sequenceNumber());
    }

    @Test
    void syn_toListener_answeredWithSynAckAndQueuedForAccept() {
      Listener l = host.listen(null, 80, 8);
      deliver(tcpFromPeer(synWithMss(40000, 1000)), 0);

      TcpSegment synAck = onlySegmentSent();
      assertEquals(TcpFlags.SYN | TcpFlags.ACK, synAck.flags());
      assertEquals(1001, synAck.acknowledgmentNumber());
      assertEquals(
          1460,
          synAck.options().mss(),
          "MSS follows from the 1500-byte MTU less 40 bytes of headers");
      assertEquals(1, l.pendingHandshakes());
      assertNull(l.accept(), "not accepted before the handshake completes");

      deliver(
          tcpFromPeer(
              TcpSegment.of(40000, 80, 1001, synAck.sequenceNumber() + 1, TcpFlags.ACK, 65535)),
          MS);

      Connection c = l.accept();
      assertNotNull(c);
      assertEquals(TcpState.ESTABLISHED, c.state());
      assertEquals(0, l.pendingHandshakes());
      assertTrue(drainEvents().stream().anyMatch(e -> e instanceof HostEvent.Acceptable));
    }

    @Test
    void syn_toListener_childSharesTheHostsOwnAddressInstance() {
      // Idle connections are counted in bytes: the child keeps the host's address, not a parsed
      // copy.
      Listener l = host.listen(null, 80, 8);
      deliver(tcpFromPeer(synWithMss(40000, 1000)), 0);
      TcpSegment synAck = onlySegmentSent();
      deliver(
          tcpFromPeer(
              TcpSegment.of(40000, 80, 1001, synAck.sequenceNumber() + 1, TcpFlags.ACK, 65535)),
          MS);
      Connection c = l.accept();
      assertNotNull(c);
      assertSame(
          host.addresses().get(0), c.id().localAddress(), "same instance as the host's address");
    }

    @Test
    void syn_beyondBacklog_answeredWithASynCookie_noStateKept() {
      host.listen(null, 80, 2);
      for (int port = 40000; port < 40003; port++) {
        deliver(tcpFromPeer(synWithMss(port, 1000)), 0);
      }

      assertEquals(
          3,
          segmentsSent().size(),
          "two SYN-ACKs of queued connections, the third with a SYN cookie");
      assertEquals(2, host.connectionCount(), "the cookie keeps no state");
      assertEquals(1, host.counters().syncookiesSent());
    }

    @Test
    void listen_portInUse_refused() {
      host.listen(null, 80, 8);
      assertThrows(IllegalStateException.class, () -> host.listen(HOST, 80, 8));
    }

    @Test
    void closedListener_resetsConnectionsNotYetAccepted() {
      Listener l = host.listen(null, 80, 8);
      deliver(tcpFromPeer(synWithMss(40000, 1000)), 0);
      TcpSegment synAck = onlySegmentSent();
      deliver(
          tcpFromPeer(
              TcpSegment.of(40000, 80, 1001, synAck.sequenceNumber() + 1, TcpFlags.ACK, 65535)),
          MS);

      lastNow = 2 * MS;
      l.close(lastNow);

      TcpSegment rst = onlySegmentSent();
      assertTrue(rst.has(TcpFlags.RST));
      assertEquals(0, host.connectionCount(), "the aborted child is released");
    }
  }

  @Nested
  class PacketInABuffer {
    @Test
    void synInTheMiddleOfAReusedBuffer_answeredAndTheBufferLeftAsItWas() {
      // A driver reads packets into one buffer it reuses: the host reads position..limit and keeps
      // nothing.
      host.listen(null, 80, 8);
      byte[] syn = tcpFromPeer(synWithMss(40000, 1000));
      ByteBuffer buffer = ByteBuffer.allocateDirect(syn.length + 20);
      buffer.position(7).put(syn).flip().position(7);
      int limit = buffer.limit();
      host.handlePacket(buffer, 0);

      assertEquals(7, buffer.position());
      assertEquals(limit, buffer.limit());
      TcpSegment synAck = onlySegmentSent();
      assertEquals(TcpFlags.SYN | TcpFlags.ACK, synAck.flags());
      assertEquals(1001, synAck.acknowledgmentNumber());
    }
  }

  @Nested
  class ActiveOpen {
    @Test
    void connect_choosesDistinctEphemeralPortsInLinuxRange() {
      Set<Integer> ports = new HashSet<>();
      for (int i = 0; i < 200; i++) {
        Connection c = host.connect(PEER, 80, 0);
        int p = c.id().localPort();
        assertTrue(p >= 32768 && p <= 60999, "port " + p + " in ip_local_port_range");
        ports.add(p);
      }
      assertEquals(200, ports.size());
    }

    @Test
    void refused_connectionReleasedOnceClosed() {
      Connection c = host.connect(PEER, 80, 0);
      TcpSegment syn = onlySegmentSent();
      deliver(
          tcpFromPeer(
              TcpSegment.of(
                  80,
                  c.id().localPort(),
                  0,
                  syn.sequenceNumber() + 1,
                  TcpFlags.RST | TcpFlags.ACK,
                  0)),
          MS);
      assertNull(host.pollPacket(MS));

      assertEquals(TcpState.CLOSED, c.state());
      assertEquals(dev.synack.tcp.TcpError.CONNECTION_REFUSED, c.closeError());
      assertTrue(c.isReleased());
      assertEquals(0, host.connectionCount());
    }
  }

  @Nested
  class ZeroWindow {
    @Test
    void dataBehindZeroWindow_persistTimerIsTheHostsDeadline_andFiresAProbe() {
      // The client connects; the peer's SYN-ACK offers a window of 0, so the data the user sends
      // must wait, and the persist timer (RFC 9293 §3.8.6.1) is all that can reopen it.
      Connection c = host.connect(PEER, 80, 0);
      TcpSegment syn = onlySegmentSent();
      deliver(
          tcpFromPeer(
              TcpSegment.of(
                  80,
                  c.id().localPort(),
                  5000,
                  syn.sequenceNumber() + 1,
                  TcpFlags.SYN | TcpFlags.ACK,
                  0)),
          MS);
      onlySegmentSent(); // the ACK that completes the handshake
      assertEquals(TcpState.ESTABLISHED, c.state());

      c.send(ByteBuffer.wrap(new byte[100]), MS);
      assertTrue(segmentsSent().isEmpty(), "nothing may go into a zero window");

      long deadline = host.pollTimeout();
      assertTrue(
          deadline > MS && deadline < Long.MAX_VALUE,
          "the persist timer is the host's deadline: " + deadline);
      lastNow = deadline;
      host.handleTimeout(deadline);
      TcpSegment probe = onlySegmentSent();
      assertEquals(
          syn.sequenceNumber(), probe.sequenceNumber(), "Linux's probe: an ACK at SND.UNA - 1");
    }
  }

  @Nested
  class BadInput {
    @Test
    void garbage_droppedCountedAndTraced_neverThrows() {
      deliver(new byte[] {0x45, 0, 0}, 0);
      deliver(new byte[0], 0);

      assertEquals(2, host.counters().droppedTotal());
      assertTrue(
          trace.stream()
              .anyMatch(
                  e ->
                      e instanceof TraceEvent.Segment s
                          && s.action() == TraceEvent.SegmentAction.DROP
                          && s.reason() != null));
    }

    @Test
    void badTcpChecksum_dropped() {
      byte[] p = tcpFromPeer(TcpSegment.of(40000, 80, 1000, 0, TcpFlags.SYN, 65535));
      p[p.length - 1] ^= 0x55; // inside the TCP header: the checksum no longer matches
      deliver(p, 0);

      assertNull(host.pollPacket(0));
      assertEquals(1, host.counters().dropped("tcp-bad-checksum"));
    }

    @Test
    void packetForAnotherAddress_dropped() {
      byte[] p =
          Packets.tcp(PEER, ip("10.0.0.99"), 64, TcpSegment.of(40000, 80, 1, 0, TcpFlags.SYN, 100));
      deliver(p, 0);
      assertEquals(1, host.counters().dropped("not-for-this-host"));
    }
  }

  @Nested
  class Icmp {
    @Test
    void echoRequest_answeredWithEchoReply() {
      byte[] ping =
          Packets.icmp(
              PEER,
              HOST,
              64,
              new IcmpMessage.EchoRequest(7, 1, ByteBuffer.wrap(new byte[] {1, 2, 3})));
      deliver(ping, 0);

      byte[] reply = host.pollPacket(0);
      assertNotNull(reply);
      var parsed = dev.synack.wire.IpDatagram.parse(ByteBuffer.wrap(reply)).value();
      assertEquals(PEER, parsed.destination());
      var msg = dev.synack.wire.IcmpCodec.parse(parsed, true).value();
      assertTrue(
          msg instanceof IcmpMessage.EchoReply r && r.identifier() == 7 && r.sequenceNumber() == 1,
          msg.toString());
      assertEquals(1, host.counters().echoReplies());
    }
  }

  @Nested
  class Fragments {
    @Test
    void ipv4Fragments_reassembledIntoOneSyn() {
      host.listen(null, 80, 8);
      byte[] whole = tcpFromPeer(synWithMss(40000, 1000));
      // Split the 24-byte TCP header at 16 bytes: fragment offset 0 (MF) and offset 2 (16 bytes).
      byte[] first = fragment(whole, 0, 16, true);
      byte[] second = fragment(whole, 16, whole.length - 20 - 16, false);
      deliver(second, 0);
      assertNull(host.pollPacket(0), "nothing until the datagram is whole");
      deliver(first, MS);

      TcpSegment synAck = onlySegmentSent();
      assertEquals(TcpFlags.SYN | TcpFlags.ACK, synAck.flags());
    }

    @Test
    void overlappingFragments_dropTheDatagram() {
      byte[] whole = tcpFromPeer(synWithMss(40000, 1000));
      deliver(fragment(whole, 0, 16, true), 0);
      deliver(fragment(whole, 8, 16, false), 0);
      assertEquals(1, host.counters().dropped("ipv4-fragment-overlap"));
    }

    @Test
    void incompleteDatagram_expiresAfterTheTimeout() {
      byte[] whole = tcpFromPeer(synWithMss(40000, 1000));
      deliver(fragment(whole, 0, 16, true), 0);
      assertEquals(30_000 * MS, host.pollTimeout());
      lastNow = 30_000 * MS;
      host.handleTimeout(lastNow);
      assertEquals(Long.MAX_VALUE, host.pollTimeout());
    }
  }

  @Nested
  class ListenerWithItsOwnSettings {
    private final TcpSegment synAck =
        TcpSegment.of(40000, 80, 1000, 77, TcpFlags.SYN | TcpFlags.ACK, 65535);

    @Test
    void synAck_toAListener_isAnsweredWithRstAtItsAck() {
      host.listen(null, 80, 8);
      deliver(tcpFromPeer(synAck), 0);
      TcpSegment rst = onlySegmentSent();
      assertEquals(TcpFlags.RST, rst.flags());
      assertEquals(77, rst.sequenceNumber());
    }

    @Test
    void synAck_toAListenerThatDropsThem_isDroppedSilently() {
      TcpConfig bsd =
          host.config().tcp().withChoices(TcpChoices.defaults().withSynAckToListenerDropped(true));
      host.listen(null, 80, 8, bsd);
      deliver(tcpFromPeer(synAck), 0);
      assertEquals(List.of(), segmentsSent());
    }

    @Test
    void acceptedConnection_startsWithTheListenersSettings_andIsListed() {
      host.listen(null, 80, 8, host.config().tcp().withBuffers(4096, 4096));
      deliver(tcpFromPeer(synWithMss(40000, 1000)), 0);
      segmentsSent();
      List<Connection> all = host.connections();
      assertEquals(1, all.size());
      assertEquals(TcpState.SYN_RECEIVED, all.getFirst().state());
      assertEquals(4096, all.getFirst().receiveBufferSize());
    }
  }

  // ---------------------------------------------------------------------------------------------

  static TcpSegment synWithMss(int port, int seq) {
    return TcpSegment.of(port, 80, seq, 0, TcpFlags.SYN, 65535)
        .withOptions(TcpOptions.of(new TcpOption.MaximumSegmentSize(1460)));
  }

  static byte[] tcpFromPeer(TcpSegment seg) {
    return Packets.tcp(PEER, HOST, 64, seg);
  }

  /**
   * Cuts {@code length} payload bytes at {@code offset} out of a 20-byte-header IPv4 packet as one
   * fragment.
   */
  static byte[] fragment(byte[] whole, int offset, int length, boolean more) {
    byte[] f = new byte[20 + length];
    System.arraycopy(whole, 0, f, 0, 20);
    System.arraycopy(whole, 20 + offset, f, 20, length);
    f[2] = (byte) (f.length >>> 8);
    f[3] = (byte) f.length;
    int flagsOffset = (more ? 0x2000 : 0) | (offset / 8);
    f[6] = (byte) (flagsOffset >>> 8);
    f[7] = (byte) flagsOffset;
    f[10] = 0;
    f[11] = 0;
    int c = dev.synack.wire.Checksum.compute(ByteBuffer.wrap(f), 0, 20);
    f[10] = (byte) (c >>> 8);
    f[11] = (byte) c;
    return f;
  }

  /** Hands a packet to the host at time {@code now}, which later polls use. */
  void deliver(byte[] packet, long now) {
    lastNow = now;
    host.handlePacket(packet, now);
  }

  List<TcpSegment> segmentsSent() {
    List<TcpSegment> out = new ArrayList<>();
    byte[] p;
    while ((p = host.pollPacket(lastNow)) != null) {
      if (Packets.parseTcp(ByteBuffer.wrap(p), true)
          instanceof Parsed.Ok<Packets.TcpPacket>(var tp)) {
        out.add(tp.segment());
      }
    }
    return out;
  }

  TcpSegment onlySegmentSent() {
    List<TcpSegment> sent = segmentsSent();
    assertEquals(1, sent.size(), () -> "segments sent: " + sent + "\ntrace:\n" + traceText());
    return sent.getFirst();
  }

  List<HostEvent> drainEvents() {
    List<HostEvent> out = new ArrayList<>();
    HostEvent e;
    while ((e = host.pollEvent()) != null) out.add(e);
    return out;
  }

  String traceText() {
    StringBuilder b = new StringBuilder();
    for (TraceEvent e : trace) b.append("  ").append(e).append('\n');
    return b.toString();
  }

  static InetAddress ip(String s) {
    try {
      return InetAddress.getByName(s);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }
}
