package dev.synack.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.synack.tcp.TcpConfig;
import dev.synack.tcp.TcpState;
import dev.synack.trace.TraceEvent;
import dev.synack.wire.Packets;
import dev.synack.wire.Parsed;
import dev.synack.wire.SeqNum;
import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpOption;
import dev.synack.wire.TcpOptions;
import dev.synack.wire.TcpSegment;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A peer played by hand against one {@link Host}: it brings one of the host's connections into a
 * chosen RFC 9293 state with well-formed segments, then lets a test send it anything. It keeps its
 * own sequence numbers and timestamp clock, and what the host sent last, so that a test can aim at
 * the edges of the host's windows. Virtual time only.
 */
final class StatePeer {
  static final InetAddress HOST = address("10.0.0.2");
  static final InetAddress PEER = address("10.0.0.1");
  static final int HOST_PORT = 80;
  static final int PEER_PORT = 40000;
  static final int PEER_ISS = 1_000_000;
  static final int BACKLOG = 4;

  /** Connections the fuzzer's application accepted beside the one under test, and holds open. */
  int acceptedByUser;

  static final long MS = 1_000_000L;

  final Host host;
  final Listener listener;

  /** The host's end of the connection under test; null for LISTEN. */
  Connection connection;

  /** The host's port of the connection (the ephemeral one for an active open). */
  int hostPort = HOST_PORT;

  /**
   * The peer's port of the connection (the listener's port the host connects to, for an active
   * open).
   */
  int peerPort = PEER_PORT;

  /** The ISS of the host's SYN-ACK. */
  int hostIss;

  /** The peer's next sequence number (SND.NXT of the peer). */
  int peerNxt = PEER_ISS;

  /** The peer's TSval clock; rises with every segment it sends. */
  int peerTsVal = 5000;

  /** The host's last TSval seen, echoed by the peer. */
  int hostTsVal;

  long now;

  /** Segments the host sent since the last {@link #takeSent()}. */
  private final List<TcpSegment> sent = new ArrayList<>();

  /**
   * The host's trace, kept when the system property {@code synack.fuzz.trace} is set (to debug a
   * finding).
   */
  final List<TraceEvent> trace = new ArrayList<>();

  /**
   * A peer of a host made with {@code config}, listening on {@link #HOST_PORT}; {@code traced}
   * keeps its {@link #trace}.
   */
  StatePeer(HostConfig config, boolean traced) {
    host = new Host("host", config, traced ? trace::add : null);
    host.addAddress(HOST);
    listener = host.listen(null, HOST_PORT, BACKLOG);
  }

  /**
   * Brings a connection of the host into {@code state} (LISTEN: the listener alone) and checks it
   * got there.
   */
  static StatePeer into(TcpState state, boolean timestamps) {
    return into(state, timestamps, SynCookiePolicy.WHEN_SYN_QUEUE_FULL);
  }

  /** As {@link #into(TcpState, boolean)}, with the host's SYN cookie policy. */
  static StatePeer into(TcpState state, boolean timestamps, SynCookiePolicy cookies) {
    StatePeer p =
        new StatePeer(
            HostConfig.defaults(11)
                .withTcp(TcpConfig.defaults().withTimestamps(timestamps, 0))
                .withSynCookies(cookies),
            Boolean.getBoolean("synack.fuzz.trace"));
    p.driveTo(state);
    TcpState reached = p.connection == null ? TcpState.LISTEN : p.connection.state();
    assertEquals(state, reached, "the peer script reaches the state");
    p.takeSent();
    return p;
  }

  private void driveTo(TcpState state) {
    switch (state) {
      case LISTEN -> {}
      case SYN_SENT -> {
        connection = host.connect(PEER, HOST_PORT, now);
        hostPort = connection.id().localPort();
        peerPort = HOST_PORT;
        drain();
      }
      case SYN_RECEIVED -> {
        send(syn());
        // With SYN cookies for every SYN there is no entry: the cookie stands for it.
        connection = listener.synQueue.isEmpty() ? null : listener.synQueue.iterator().next();
        hostIss = sent.getLast().sequenceNumber();
      }
      case ESTABLISHED -> {
        driveTo(TcpState.SYN_RECEIVED);
        send(segment(peerNxt, SeqNum.add(hostIss, 1), TcpFlags.ACK, 0));
        connection = listener.accept();
        // Data in flight, unacknowledged: the ACK edges are then SND.UNA < SND.NXT apart.
        connection.send(ByteBuffer.wrap(new byte[3000]), now);
        drain();
      }
      case FIN_WAIT_1 -> {
        driveTo(TcpState.ESTABLISHED);
        connection.close(now);
        drain();
      }
      case FIN_WAIT_2 -> {
        driveTo(TcpState.FIN_WAIT_1);
        send(ack(0));
      }
      case CLOSING -> {
        driveTo(TcpState.FIN_WAIT_1);
        // The peer's FIN crosses ours: it acknowledges the data but not our FIN.
        send(segment(peerNxt, SeqNum.add(hostSndNxt(), -1), TcpFlags.FIN | TcpFlags.ACK, 0));
        peerNxt = SeqNum.add(peerNxt, 1);
      }
      case TIME_WAIT -> {
        driveTo(TcpState.FIN_WAIT_2);
        send(segment(peerNxt, hostSndNxt(), TcpFlags.FIN | TcpFlags.ACK, 0));
        peerNxt = SeqNum.add(peerNxt, 1);
      }
      case CLOSE_WAIT -> {
        driveTo(TcpState.ESTABLISHED);
        send(segment(peerNxt, hostSndNxt(), TcpFlags.FIN | TcpFlags.ACK, 0));
        peerNxt = SeqNum.add(peerNxt, 1);
      }
      case LAST_ACK -> {
        driveTo(TcpState.CLOSE_WAIT);
        connection.close(now);
        drain();
      }
      case CLOSED -> throw new IllegalArgumentException("CLOSED has no connection to fuzz");
    }
  }

  /** Returns the peer's SYN with Linux's options. */
  TcpSegment syn() {
    TcpSegment s =
        TcpSegment.of(peerPort, hostPort, peerNxt, 0, TcpFlags.SYN, 65535)
            .withOptions(
                TcpOptions.of(
                    new TcpOption.MaximumSegmentSize(1460),
                    new TcpOption.SackPermitted(),
                    new TcpOption.Timestamps(peerTsVal, 0),
                    new TcpOption.NoOperation(),
                    new TcpOption.WindowScale(7)));
    peerNxt = SeqNum.add(peerNxt, 1);
    return s;
  }

  /** Returns an ACK of everything the host sent, less {@code short} bytes. */
  TcpSegment ack(int shortBy) {
    return segment(peerNxt, SeqNum.add(hostSndNxt(), -shortBy), TcpFlags.ACK, 0);
  }

  /**
   * Returns a segment from the peer with its timestamps (when the connection has them) and {@code
   * length} zero bytes.
   */
  TcpSegment segment(int seq, int ack, int flags, int length) {
    TcpSegment s = TcpSegment.of(peerPort, hostPort, seq, ack, flags, 65535);
    s =
        s.withOptions(
            TcpOptions.of(
                new TcpOption.NoOperation(),
                new TcpOption.NoOperation(),
                new TcpOption.Timestamps(++peerTsVal, hostTsVal)));
    return length == 0 ? s : s.withPayload(ByteBuffer.wrap(new byte[length]));
  }

  /** Returns the host's SND.NXT on the connection (the SYN-ACK's ISS + 1 included). */
  int hostSndNxt() {
    return connection.status().sndNxt();
  }

  /** Sends a segment from the peer to the host, then takes what the host answers. */
  void send(TcpSegment segment) {
    deliver(Packets.tcp(PEER, HOST, 64, segment));
  }

  /** Hands the host a packet, then takes what it answers. */
  void deliver(byte[] packet) {
    host.handlePacket(packet, now);
    drain();
  }

  /** Moves virtual time on and fires what is due. */
  void advance(long nanos) {
    now += nanos;
    if (host.pollTimeout() <= now) host.handleTimeout(now);
    drain();
  }

  /** Takes every packet and event the host has, noting the host's TSval. */
  void drain() {
    for (byte[] p = host.pollPacket(now); p != null; p = host.pollPacket(now)) {
      if (Packets.parseTcp(ByteBuffer.wrap(p), true)
          instanceof Parsed.Ok<Packets.TcpPacket>(Packets.TcpPacket tcp)) {
        TcpSegment s = tcp.segment();
        sent.add(s);
        TcpOption.Timestamps ts = s.options().timestamps();
        if (ts != null) hostTsVal = ts.tsVal();
      }
    }
    while (host.pollEvent() != null) {
      // Events are not the subject here; accept() is left to the script, so the accept queue fills
      // as Linux's would.
    }
  }

  /** Returns what the host sent since the last call. */
  List<TcpSegment> takeSent() {
    List<TcpSegment> s = List.copyOf(sent);
    sent.clear();
    return s;
  }

  private static InetAddress address(String text) {
    try {
      return InetAddress.getByName(text);
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }
}
