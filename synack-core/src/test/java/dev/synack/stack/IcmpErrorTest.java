package dev.synack.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.tcp.TcpError;
import dev.synack.tcp.TcpState;
import dev.synack.trace.TraceEvent;
import dev.synack.wire.IcmpMessage;
import dev.synack.wire.IpDatagram;
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
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * ICMP errors reaching the connection whose segment they quote (RFC 1122 §4.2.3.9, RFC 5927), in
 * IPv4 and IPv6: the test plays the peer and the routers between, crafting each packet by hand.
 */
class IcmpErrorTest {
  static final long MS = 1_000_000L;
  static final int PORT = 80;

  final List<TraceEvent> trace = new ArrayList<>();
  final Host host = new Host("client", HostConfig.defaults(11), trace::add);
  long now = 0;

  /** The addresses of one IP version: ours, the peer's, and a router's on the way. */
  record Net(InetAddress local, InetAddress peer, InetAddress router) {}

  static final Net V4 = new Net(ip("10.0.0.1"), ip("10.0.0.2"), ip("10.0.9.1"));
  static final Net V6 = new Net(ip("fd00::1"), ip("fd00::2"), ip("fd00:9::1"));

  IcmpErrorTest() {
    host.addAddress(V4.local());
    host.addAddress(V6.local());
  }

  @Nested
  class SynSent {
    @Test
    void portUnreachable_abortsTheConnect_refused() {
      Connection c = host.connect(V4.peer(), PORT, now);
      byte[] syn = onlyPacketSent();

      deliver(unreachable(V4.peer(), syn, 3), MS);

      assertEquals(TcpState.CLOSED, c.state());
      assertEquals(TcpError.CONNECTION_REFUSED, c.closeError());
      assertNull(host.pollPacket(now), "no RST: the peer never had the connection");
      assertTrue(c.isReleased());
      assertEquals(1, host.counters().icmpErrorsDelivered());
      assertTrue(
          notes().stream().anyMatch(n -> n.contains("connection refused")), notes().toString());
    }

    @Test
    void hostUnreachableFromARouter_abortsTheConnectAtOnce_softOrNot() {
      // RFC 5461: the handshake gives up on a soft error too, as Linux does, rather than
      // retrying a SYN that a router says cannot arrive.
      Connection c = host.connect(V4.peer(), PORT, now);
      deliver(unreachable(V4.router(), onlyPacketSent(), 1), MS);

      assertEquals(TcpError.HOST_UNREACHABLE, c.closeError());
    }

    @Test
    void networkUnreachable_abortsWithNetworkUnreachable() {
      Connection c = host.connect(V4.peer(), PORT, now);
      deliver(unreachable(V4.router(), onlyPacketSent(), 0), MS);

      assertEquals(TcpError.NETWORK_UNREACHABLE, c.closeError());
    }

    @Test
    void timeExceeded_abortsWithHostUnreachable() {
      Connection c = host.connect(V4.peer(), PORT, now);
      byte[] syn = onlyPacketSent();
      deliver(
          Packets.icmp(
              V4.router(), V4.local(), 64, new IcmpMessage.TimeExceeded(0, rfc792Quote(syn))),
          MS);

      assertEquals(TcpError.HOST_UNREACHABLE, c.closeError());
    }

    @Test
    void sourceQuench_isIgnored() {
      // RFC 6633: source quench is deprecated and TCP ignores it.
      Connection c = host.connect(V4.peer(), PORT, now);
      byte[] syn = onlyPacketSent();
      deliver(
          Packets.icmp(
              V4.router(), V4.local(), 64, new IcmpMessage.Other(4, 0, 0, rfc792Quote(syn))),
          MS);

      assertEquals(TcpState.SYN_SENT, c.state());
      assertEquals(1, host.counters().dropped("icmp-not-handled"));
    }
  }

  @Nested
  class ForgedOrStray {
    @Test
    void quotedSequenceNumberOutsideSndUnaToSndNxt_droppedAndTraced() {
      Connection c = host.connect(V4.peer(), PORT, now);
      byte[] syn = onlyPacketSent();
      byte[] forged = syn.clone();
      forged[20 + 4] ^= 0x40; // a blind attacker guessed the ports, not the ISS

      deliver(unreachable(V4.peer(), forged, 3), MS);

      assertEquals(TcpState.SYN_SENT, c.state());
      assertEquals(1, host.counters().dropped("icmp-out-of-window"));
      assertTrue(
          trace.stream()
              .anyMatch(
                  e ->
                      e instanceof TraceEvent.Segment s
                          && s.action() == TraceEvent.SegmentAction.DROP
                          && "icmp-out-of-window".equals(s.reason())
                          && s.conn().equals(c.id().toString())));
    }

    @Test
    void errorQuotingNoConnection_dropped() {
      byte[] stray =
          Packets.tcp(
              V4.local(), V4.peer(), 64, TcpSegment.of(40000, PORT, 1, 0, TcpFlags.SYN, 100));
      deliver(unreachable(V4.peer(), stray, 3), 0);
      assertEquals(1, host.counters().dropped("icmp-no-connection"));
    }

    @Test
    void quoteCutShortOfThePorts_dropped_neverThrows() {
      Connection c = host.connect(V4.peer(), PORT, now);
      byte[] syn = onlyPacketSent();
      ByteBuffer tooShort = ByteBuffer.wrap(syn, 0, 24).slice();
      deliver(
          Packets.icmp(
              V4.peer(), V4.local(), 64, new IcmpMessage.DestinationUnreachable(3, 0, tooShort)),
          MS);

      assertEquals(TcpState.SYN_SENT, c.state());
      assertEquals(1, host.counters().dropped("icmp-quote-truncated"));
    }

    @Test
    void mutatedQuotesOfEveryKind_neverThrow_andEveryOneIsCountedOnce() {
      Connection c = established(V4);
      c.send(ByteBuffer.wrap(new byte[500]), now);
      byte[] data = onlyPacketSent();
      Connection c6 = established(V6);
      c6.send(ByteBuffer.wrap(new byte[500]), now);
      byte[] data6 = onlyPacketSent();
      java.util.SplittableRandom random = new java.util.SplittableRandom(5927);
      HostCounters n = host.counters();
      long before = n.packetsIn() - n.icmpErrorsDelivered() - n.droppedTotal() - n.echoReplies();
      for (int i = 0; i < 3000; i++) {
        boolean v6 = random.nextBoolean();
        byte[] quote = (v6 ? data6 : data).clone();
        for (int flips = random.nextInt(4); flips > 0; flips--)
          quote[random.nextInt(quote.length)] = (byte) random.nextInt(256);
        ByteBuffer cut = ByteBuffer.wrap(quote, 0, random.nextInt(quote.length + 1)).slice();
        Net net = v6 ? V6 : V4;
        IcmpMessage m =
            switch (random.nextInt(4)) {
              case 0 ->
                  new IcmpMessage.DestinationUnreachable(
                      random.nextInt(20), random.nextInt(65536), cut);
              case 1 -> new IcmpMessage.TimeExceeded(random.nextInt(3), cut);
              case 2 -> new IcmpMessage.PacketTooBig(random.nextInt(), cut);
              default ->
                  new IcmpMessage.Other(
                      random.nextInt(256), random.nextInt(256), random.nextInt(), cut);
            };
        if (!v6 && m instanceof IcmpMessage.PacketTooBig) continue; // ICMPv4 cannot carry it
        deliver(Packets.icmp(net.router(), net.local(), 64, m), now);
        packetsSent();
      }
      // Each message was acted on, answered (an echo request), or dropped with a reason; none
      // twice.
      assertEquals(
          before,
          n.packetsIn() - n.icmpErrorsDelivered() - n.droppedTotal() - n.echoReplies(),
          n.toString());
      assertTrue(n.icmpErrorsDelivered() > 0, n.toString());
    }

    @Test
    void badIcmpChecksum_dropped() {
      Connection c = host.connect(V4.peer(), PORT, now);
      byte[] error = unreachable(V4.peer(), onlyPacketSent(), 3);
      error[error.length - 1] ^= 1;
      deliver(error, MS);

      assertEquals(TcpState.SYN_SENT, c.state());
      assertEquals(1, host.counters().dropped("icmp-bad-checksum"));
    }
  }

  @Nested
  class SynQueue {
    @Test
    void portUnreachableForTheSynAck_removesTheHalfOpenConnectionSilently() {
      Listener l = host.listen(null, PORT, 8);
      deliver(Packets.tcp(V4.peer(), V4.local(), 64, syn(40000, 1000)), 0);
      byte[] synAck = onlyPacketSent();
      assertEquals(1, l.pendingHandshakes());

      deliver(unreachable(V4.peer(), synAck, 3), MS);

      assertNull(host.pollPacket(now), "removed without a RST, as Linux's tcp_req_err");
      assertEquals(0, l.pendingHandshakes());
      assertEquals(0, host.connectionCount());
      assertNull(l.accept());
    }

    @Test
    void hostUnreachableForTheSynAck_leavesItToRetransmission() {
      Listener l = host.listen(null, PORT, 8);
      deliver(Packets.tcp(V4.peer(), V4.local(), 64, syn(40000, 1000)), 0);
      byte[] synAck = onlyPacketSent();

      deliver(unreachable(V4.router(), synAck, 1), MS);

      assertEquals(1, l.pendingHandshakes());
      assertEquals(1, host.counters().dropped("icmp-ignored-in-state"));
    }
  }

  @Nested
  class Synchronized {
    @Test
    void hostUnreachable_isRemembered_andReportedWhenTheConnectionTimesOut() {
      Connection c = established(V4);
      c.send(ByteBuffer.wrap(new byte[100]), now);
      byte[] data = onlyPacketSent();

      deliver(unreachable(V4.router(), data, 1), now + MS);
      assertEquals(TcpState.ESTABLISHED, c.state(), "soft: RFC 1122 §4.2.3.9 MUST NOT abort");

      runTimersUntilClosed(c);
      assertEquals(
          TcpError.HOST_UNREACHABLE,
          c.closeError(),
          "\"no route to host\" instead of \"timed out\"");
    }

    @Test
    void portUnreachable_isSoftToo_blindResetsByIcmpDoNotWork() {
      // RFC 5927 §5.2: in the synchronized states hard errors are treated as soft.
      Connection c = established(V4);
      c.send(ByteBuffer.wrap(new byte[100]), now);

      deliver(unreachable(V4.peer(), onlyPacketSent(), 3), now + MS);

      assertEquals(TcpState.ESTABLISHED, c.state());
    }

    @Test
    void softError_forgottenOnceDataIsAcknowledged() {
      Connection c = established(V4);
      c.send(ByteBuffer.wrap(new byte[100]), now);
      byte[] data = onlyPacketSent();
      deliver(unreachable(V4.router(), data, 1), now + MS);
      TcpSegment sent = segment(data);
      deliver(
          fromPeer(
              V4,
              TcpSegment.of(
                  PORT,
                  c.id().localPort(),
                  peerNxt,
                  sent.sequenceNumber() + 100,
                  TcpFlags.ACK,
                  65535)),
          now + MS);
      c.send(ByteBuffer.wrap(new byte[100]), now);
      onlyPacketSent();

      runTimersUntilClosed(c);
      assertEquals(
          TcpError.CONNECTION_TIMED_OUT, c.closeError(), "the path worked after the error");
    }

    @Test
    void errorInTimeWait_ignored() {
      Connection c = established(V4);
      c.close(now);
      byte[] ourFin = onlyPacketSent();
      // The peer acknowledges our FIN and sends its own in one segment.
      deliver(
          fromPeer(
              V4,
              TcpSegment.of(
                  PORT,
                  c.id().localPort(),
                  peerNxt,
                  ourNxt + 1,
                  TcpFlags.FIN | TcpFlags.ACK,
                  65535)),
          now + MS);
      packetsSent();
      assertEquals(TcpState.TIME_WAIT, c.state());

      deliver(unreachable(V4.peer(), ourFin, 3), now + MS);

      assertEquals(TcpState.TIME_WAIT, c.state());
      assertEquals(1, host.counters().dropped("icmp-ignored-in-state"));
    }
  }

  @Nested
  class UdpPathMtu {
    final UdpEndpoint udp = host.bindUdp(null, 5000);

    List<byte[]> sendUdp(InetAddress to, int bytes) {
      udp.send(ByteBuffer.wrap(new byte[bytes]), to, 53, now);
      return packetsSent();
    }

    @Test
    void fragmentationNeeded_laterDatagramsToThatDestinationLeaveInFragmentsOfTheReportedMtu() {
      List<byte[]> first = sendUdp(V4.peer(), 1400);
      assertEquals(1, first.size(), "1428 bytes fit the link's 1500");
      deliver(tooBig(V4, first.getFirst(), 1000), MS);
      List<byte[]> fragments = sendUdp(V4.peer(), 1400);
      assertEquals(
          2, fragments.size(), "fragmented to the path MTU ICMP gave (Linux's IP_PMTUDISC_WANT)");
      assertTrue(
          fragments.stream().allMatch(f -> f.length <= 1000), "each fragment within 1000 bytes");
      assertEquals(
          1, sendUdp(ip("10.0.0.3"), 1400).size(), "another destination keeps the link's MTU");
    }

    @Test
    void dontFragment_aSendOverTheLearnedPathMtuIsEmsgsize() {
      udp.setDontFragment(true); // Linux's IP_PMTUDISC_DO
      List<byte[]> first = sendUdp(V4.peer(), 1400);
      deliver(tooBig(V4, first.getFirst(), 1000), MS);
      MessageTooLongException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              MessageTooLongException.class, () -> sendUdp(V4.peer(), 1400));
      assertEquals(1000, e.mtu(), "the path's MTU, not the link's");
      assertEquals(1, sendUdp(V4.peer(), 1000 - 28).size(), "a datagram that fits the path goes");
    }

    @Test
    void learnedPathMtu_expiresAfterTenMinutes_asLinuxsIpRtMtuExpires() {
      deliver(tooBig(V4, sendUdp(V4.peer(), 1400).getFirst(), 1000), MS);
      now = MS + 599_000 * MS;
      assertEquals(2, sendUdp(V4.peer(), 1400).size());
      now = MS + 600_000 * MS;
      assertEquals(
          1, sendUdp(V4.peer(), 1400).size(), "the link's MTU is tried again (RFC 1191 §6.3)");
    }

    @Test
    void reportsBelowTheMinimum_ipv4RaisedTo552_ipv6Discarded() {
      deliver(tooBig(V4, sendUdp(V4.peer(), 1400).getFirst(), 68), MS);
      assertTrue(
          sendUdp(V4.peer(), 1400).stream().allMatch(f -> f.length <= 552),
          "Linux's ip_rt_min_pmtu");
      byte[] v6 = sendUdp(V6.peer(), 1400).getFirst();
      deliver(tooBig(V6, v6, 1000), 2 * MS);
      assertEquals(1, sendUdp(V6.peer(), 1400).size(), "RFC 8200 §5: below 1280 is not a path MTU");
      deliver(tooBig(V6, v6, 1300), 3 * MS);
      List<byte[]> fragments = sendUdp(V6.peer(), 1400);
      assertEquals(2, fragments.size());
      assertTrue(fragments.stream().allMatch(f -> f.length <= 1300));
    }
  }

  @Nested
  class PathMtu {
    @Test
    void fragmentationNeeded_lowersTheMss_andResendsAtTheNewSize() {
      Connection c = established(V4);
      c.send(ByteBuffer.wrap(new byte[3000]), now);
      List<byte[]> sent = packetsSent();
      assertEquals(1460, segment(sent.getFirst()).payload().remaining());

      deliver(tooBig(V4, sent.getFirst(), 1000), now + MS);

      assertEquals(
          960, c.status().effectiveMss(), "1000 less 20 bytes of IPv4 and 20 of TCP header");
      assertEquals(1000, c.info(now).pmtu(), "tcpi_pmtu: the path MTU ICMP gave");
      List<TcpSegment> resent = packetsSent().stream().map(IcmpErrorTest::segment).toList();
      assertFalse(resent.isEmpty(), "resent at once, not after the RTO");
      assertTrue(resent.stream().allMatch(s -> s.payload().remaining() <= 960), resent.toString());
      assertEquals(ourNxt, resent.getFirst().sequenceNumber(), "from SND.UNA");
      assertTrue(
          notes().stream().anyMatch(n -> n.contains("MSS lowered to 960")), notes().toString());
    }

    @Test
    void fragmentationNeededBelow68_clampedToLinuxMinPmtu() {
      Connection c = established(V4);
      c.send(ByteBuffer.wrap(new byte[3000]), now);
      deliver(tooBig(V4, packetsSent().getFirst(), 20), now + MS);

      assertEquals(
          552 - 40, c.status().effectiveMss(), "never below Linux's min_pmtu of 552 bytes");
    }

    /**
     * Issue 12: a forged "fragmentation needed" with MTU 68 cut segments to 28 bytes; Linux stops
     * at 552.
     */
    @Test
    void forgedFragmentationNeeded68_segmentsStayAt512Bytes() {
      Connection c = established(V4);
      c.send(ByteBuffer.wrap(new byte[3000]), now);
      deliver(tooBig(V4, packetsSent().getFirst(), 68), now + MS);

      assertEquals(512, c.status().effectiveMss());
      List<TcpSegment> resent = packetsSent().stream().map(IcmpErrorTest::segment).toList();
      assertFalse(resent.isEmpty());
      assertEquals(
          512,
          resent.stream().mapToInt(s -> s.payload().remaining()).max().orElseThrow(),
          resent.toString());
      assertTrue(
          resent.stream().allMatch(s -> s.payload().remaining() > 400),
          "no 28-byte segments: " + resent);
    }

    @Test
    void fragmentationNeededAtMinPmtu_lowersTheMssTo512() {
      Connection c = established(V4);
      c.send(ByteBuffer.wrap(new byte[3000]), now);
      deliver(tooBig(V4, packetsSent().getFirst(), 552), now + MS);

      assertEquals(512, c.status().effectiveMss());
      deliver(tooBig(V4, packetsSent().getFirst(), 551), now + 2 * MS);
      assertEquals(512, c.status().effectiveMss(), "551 is below the floor: nothing lower");
    }

    @Test
    void tooBigThatLowersNothing_ignored() {
      Connection c = established(V4);
      c.send(ByteBuffer.wrap(new byte[3000]), now);
      deliver(tooBig(V4, packetsSent().getFirst(), 9000), now + MS);

      assertEquals(1460, c.status().effectiveMss());
      assertEquals(1, host.counters().dropped("icmp-ignored-in-state"));
    }

    @Test
    void ipv6PacketTooBig_lowersTheMssTo1280LessHeaders() {
      Connection c = established(V6);
      c.send(ByteBuffer.wrap(new byte[3000]), now);
      List<byte[]> sent = packetsSent();
      assertEquals(1440, segment(sent.getFirst()).payload().remaining());

      deliver(tooBig(V6, sent.getFirst(), 1280), now + MS);

      assertEquals(1280 - 60, c.status().effectiveMss());
      assertTrue(
          packetsSent().stream()
              .map(IcmpErrorTest::segment)
              .allMatch(s -> s.payload().remaining() <= 1220));
    }

    @Test
    void ipv6PacketTooBigBelow1280_discarded() {
      Connection c = established(V6);
      c.send(ByteBuffer.wrap(new byte[3000]), now);
      deliver(tooBig(V6, packetsSent().getFirst(), 1000), now + MS);

      assertEquals(1440, c.status().effectiveMss(), "RFC 8201 §4: a node must discard it");
    }
  }

  /**
   * The path MTU one connection learned serves the next ones to the destination (Linux's route
   * exception, read by {@code tcp_connect_init}), and UDP's sends: one cache.
   */
  @Nested
  class PathMtuOfNewConnections {
    /** Lowers the path MTU to {@code net}'s peer to {@code mtu} through a first connection. */
    void learnThroughAFirstConnection(Net net, int mtu) {
      Connection first = established(net);
      first.send(ByteBuffer.wrap(new byte[3000]), now);
      deliver(tooBig(net, packetsSent().getFirst(), mtu), now + MS);
      packetsSent();
    }

    @Test
    void afterFragmentationNeeded_aSecondConnectionSendsNothingOverTheLearnedMtu() {
      learnThroughAFirstConnection(V4, 1000);
      Connection second = established(V4);
      assertEquals(960, second.status().effectiveMss(), "from its first segment");
      assertEquals(1000, second.info(now).pmtu(), "tcpi_pmtu");
      second.send(ByteBuffer.wrap(new byte[5000]), now);
      List<byte[]> sent = packetsSent();
      assertFalse(sent.isEmpty());
      assertTrue(
          sent.stream().allMatch(p -> p.length <= 1000),
          () -> sent.stream().map(p -> p.length).toList().toString());
      assertEquals(960, segment(sent.getFirst()).payload().remaining());
    }

    @Test
    void theSecondConnectionsSyn_announcesTheMssThePathLeaves() {
      learnThroughAFirstConnection(V4, 1000);
      host.connect(V4.peer(), PORT, now);
      assertEquals(960, segment(onlyPacketSent()).options().mss(), "Linux's advmss from the route");
      host.connect(ip("10.0.0.3"), PORT, now);
      assertEquals(
          1460, segment(onlyPacketSent()).options().mss(), "another destination: the link's MTU");
    }

    @Test
    void learnedMtu_expiresAfter600s_thenNewConnectionsStartFromTheLinkAgain() {
      learnThroughAFirstConnection(V4, 1000);
      long learned = now;
      now = learned + 599_000 * MS;
      host.connect(V4.peer(), PORT, now);
      assertEquals(960, segment(onlyPacketSent()).options().mss());
      now = learned + 600_000 * MS;
      host.connect(V4.peer(), PORT, now);
      assertEquals(1460, segment(onlyPacketSent()).options().mss(), "ip_rt_mtu_expires");
    }

    @Test
    void forgedErrorOutsideTheWindow_teachesTheHostNothing() {
      Connection first = established(V4);
      first.send(ByteBuffer.wrap(new byte[3000]), now);
      byte[] sent = packetsSent().getFirst();
      byte[] shifted = sent.clone();
      shifted[24] ^= 0x40; // the quoted sequence number far from SND.UNA..SND.NXT
      deliver(tooBig(V4, shifted, 1000), now + MS);
      assertEquals(1, host.counters().dropped("icmp-out-of-window"));
      host.connect(V4.peer(), PORT, now);
      assertEquals(1460, segment(onlyPacketSent()).options().mss());
    }

    @Test
    void ipv6_packetTooBigAt1280_theNextConnectionStartsThere() {
      learnThroughAFirstConnection(V6, 1280);
      host.connect(V6.peer(), PORT, now);
      assertEquals(1220, segment(onlyPacketSent()).options().mss());
    }

    @Test
    void oneCacheForUdpAndTcp_eachLearnsForTheOther() {
      learnThroughAFirstConnection(V4, 1000);
      UdpEndpoint udp = host.bindUdp(null, 5000);
      udp.send(ByteBuffer.wrap(new byte[1400]), V4.peer(), 53, now);
      List<byte[]> fragments = packetsSent();
      assertEquals(2, fragments.size(), "UDP fragments to the MTU TCP learned");
      assertTrue(fragments.stream().allMatch(f -> f.length <= 1000));

      InetAddress other = ip("10.0.0.3");
      udp.send(ByteBuffer.wrap(new byte[1400]), other, 53, now);
      byte[] datagram = onlyPacketSent();
      deliver(
          Packets.icmp(
              V4.router(),
              V4.local(),
              64,
              new IcmpMessage.DestinationUnreachable(4, 800, rfc792Quote(datagram))),
          now + MS);
      host.connect(other, PORT, now);
      assertEquals(760, segment(onlyPacketSent()).options().mss(), "TCP starts from UDP's report");
    }
  }

  @Nested
  class Ipv6 {
    @Test
    void icmpv6PortUnreachable_abortsTheConnect_refused() {
      Connection c = host.connect(V6.peer(), PORT, now);
      deliver(unreachable(V6.peer(), onlyPacketSent(), 4), MS);

      assertEquals(TcpError.CONNECTION_REFUSED, c.closeError());
    }

    @Test
    void icmpv6AddressUnreachable_abortsTheConnect_hostUnreachable() {
      Connection c = host.connect(V6.peer(), PORT, now);
      deliver(unreachable(V6.router(), onlyPacketSent(), 3), MS);

      assertEquals(TcpError.HOST_UNREACHABLE, c.closeError());
    }

    @Test
    void icmpv6NoRoute_rememberedInEstablished() {
      Connection c = established(V6);
      c.send(ByteBuffer.wrap(new byte[10]), now);
      deliver(unreachable(V6.router(), onlyPacketSent(), 0), now + MS);

      assertEquals(TcpState.ESTABLISHED, c.state());
      runTimersUntilClosed(c);
      assertEquals(TcpError.NETWORK_UNREACHABLE, c.closeError());
    }
  }

  // ---------------------------------------------------------------------------------------------

  /** The peer's next sequence number and ours, once {@link #established} ran. */
  int peerNxt;

  int ourNxt;

  /**
   * Opens a connection to {@code net}'s peer, playing the peer's SYN-ACK (MSS 1460, no options
   * else).
   */
  Connection established(Net net) {
    Connection c = host.connect(net.peer(), PORT, now);
    TcpSegment syn = segment(onlyPacketSent());
    peerNxt = 5001;
    ourNxt = syn.sequenceNumber() + 1;
    TcpSegment synAck =
        TcpSegment.of(PORT, c.id().localPort(), 5000, ourNxt, TcpFlags.SYN | TcpFlags.ACK, 65535)
            .withOptions(TcpOptions.of(new TcpOption.MaximumSegmentSize(1460)));
    deliver(fromPeer(net, synAck), now + MS);
    assertEquals(TcpFlags.ACK, segment(onlyPacketSent()).flags());
    assertEquals(TcpState.ESTABLISHED, c.state());
    return c;
  }

  static TcpSegment syn(int port, int seq) {
    return TcpSegment.of(port, PORT, seq, 0, TcpFlags.SYN, 65535)
        .withOptions(TcpOptions.of(new TcpOption.MaximumSegmentSize(1460)));
  }

  byte[] fromPeer(Net net, TcpSegment seg) {
    return Packets.tcp(net.peer(), net.local(), 64, seg);
  }

  /**
   * Returns a destination-unreachable error from {@code from} about {@code sent}, as a router
   * quotes it.
   */
  static byte[] unreachable(InetAddress from, byte[] sent, int code) {
    IpDatagram ip = datagram(sent);
    return Packets.icmp(
        from, ip.source(), 64, new IcmpMessage.DestinationUnreachable(code, 0, rfc792Quote(sent)));
  }

  /**
   * Returns ICMPv4 fragmentation-needed or ICMPv6 packet-too-big from a router about {@code sent}.
   */
  static byte[] tooBig(Net net, byte[] sent, int mtu) {
    IcmpMessage m =
        datagram(sent).version() == 4
            ? new IcmpMessage.DestinationUnreachable(4, mtu, rfc792Quote(sent))
            : new IcmpMessage.PacketTooBig(
                mtu, ByteBuffer.wrap(sent, 0, Math.min(sent.length, 1232)).slice());
    return Packets.icmp(net.router(), net.local(), 64, m);
  }

  /**
   * Returns what RFC 792 asks a router to quote: the IP header and the first 8 bytes after it (v6:
   * the 40-byte header and 8).
   */
  static ByteBuffer rfc792Quote(byte[] sent) {
    int header = (sent[0] >>> 4) == 4 ? (sent[0] & 0xf) * 4 : 40;
    return ByteBuffer.wrap(sent, 0, header + 8).slice();
  }

  void deliver(byte[] packet, long at) {
    now = at;
    host.handlePacket(packet, now);
  }

  /** Fires the host's deadlines, answering nothing, until {@code c} is closed. */
  void runTimersUntilClosed(Connection c) {
    while (c.state() != TcpState.CLOSED) {
      long next = host.pollTimeout();
      assertTrue(next != Long.MAX_VALUE, "no timer left but " + c.state());
      now = Math.max(now, next);
      host.handleTimeout(now);
      packetsSent();
    }
  }

  List<byte[]> packetsSent() {
    List<byte[]> out = new ArrayList<>();
    byte[] p;
    while ((p = host.pollPacket(now)) != null) out.add(p);
    return out;
  }

  List<TcpSegment> segmentsSent() {
    return packetsSent().stream().map(IcmpErrorTest::segment).toList();
  }

  byte[] onlyPacketSent() {
    List<byte[]> sent = packetsSent();
    assertEquals(1, sent.size(), () -> sent.size() + " packets sent; trace:\n" + trace);
    return sent.getFirst();
  }

  List<String> notes() {
    return trace.stream()
        .filter(e -> e instanceof TraceEvent.Note)
        .map(e -> ((TraceEvent.Note) e).text())
        .toList();
  }

  static IpDatagram datagram(byte[] packet) {
    return IpDatagram.parse(ByteBuffer.wrap(packet)).value();
  }

  static TcpSegment segment(byte[] packet) {
    Parsed<Packets.TcpPacket> p = Packets.parseTcp(ByteBuffer.wrap(packet), true);
    assertNotNull(p.value(), () -> "not TCP: " + p.reason());
    return p.value().segment();
  }

  static InetAddress ip(String s) {
    try {
      return InetAddress.getByName(s);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }
}
