package dev.synack.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.synack.fuzz.FuzzInput;
import dev.synack.fuzz.SeededMutations;
import dev.synack.tcp.Status;
import dev.synack.tcp.TcpException;
import dev.synack.tcp.TcpState;
import dev.synack.wire.IcmpMessage;
import dev.synack.wire.Packets;
import dev.synack.wire.SackBlock;
import dev.synack.wire.SeqNum;
import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpOption;
import dev.synack.wire.TcpOptions;
import dev.synack.wire.TcpSegment;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Fuzz target of the host (Jazzer): a host with a listener and one connection brought into a state
 * by {@link StatePeer} receives packets made from the fuzzer's bytes — mutations of the segment the
 * connection expects next (flags, SEQ and ACK at the edges of its windows, windows, lengths,
 * options), raw byte changes, ICMP errors quoting its segments, user calls and the passing of time
 * — and must never throw, never leak and keep its invariants (see {@link #checkInvariants}); at the
 * end its timers are run out, and every connection must either be released or rest in a state that
 * needs no timer.
 *
 * <p>Input layout (see {@link FuzzInput}): byte 0 picks the state, byte 1 timestamps on or off (bit
 * 0) and SYN cookies for every SYN (bit 1), then steps until the bytes run out, each led by a byte
 * choosing what happens: a crafted segment, a mutated packet, time, a user call, an ICMP error, or
 * another client's handshake (through the SYN queue or a cookie). The seed corpus in {@code
 * src/test/resources/dev/synack/stack/HostFuzzTestInputs/packetsIntoEveryState/} has inputs for
 * every state; {@code mvn verify} runs them and a bounded number of seeded mutations.
 */
class HostFuzzTest {
  /** The states the fuzzer can start a connection in; LISTEN means the listener alone. */
  static final TcpState[] STATES = {
    TcpState.LISTEN,
    TcpState.SYN_SENT,
    TcpState.SYN_RECEIVED,
    TcpState.ESTABLISHED,
    TcpState.FIN_WAIT_1,
    TcpState.FIN_WAIT_2,
    TcpState.CLOSE_WAIT,
    TcpState.CLOSING,
    TcpState.LAST_ACK,
    TcpState.TIME_WAIT
  };

  /** States a connection may rest in with no timer running, as on Linux without keepalive. */
  private static final Set<TcpState> MAY_IDLE =
      EnumSet.of(TcpState.ESTABLISHED, TcpState.CLOSE_WAIT, TcpState.FIN_WAIT_2);

  private static final int MAX_STEPS = 64;
  private static final InetAddress ROUTER = address("10.0.0.254");
  private static final InetAddress STRANGER = address("10.9.9.9");

  @FuzzTest(maxDuration = "10m")
  void packetsIntoEveryState(byte[] data) {
    FuzzInput in = new FuzzInput(data);
    TcpState state = STATES[in.choose(STATES.length)];
    int flags = in.nextByte();
    // A SYN-RECEIVED entry cannot be had when every SYN gets a cookie.
    boolean cookiesAlways = (flags & 2) != 0 && state != TcpState.SYN_RECEIVED;
    StatePeer peer =
        StatePeer.into(
            state,
            (flags & 1) != 0,
            cookiesAlways ? SynCookiePolicy.ALWAYS : SynCookiePolicy.WHEN_SYN_QUEUE_FULL);
    try {
      fuzzSteps(peer, in);
    } catch (RuntimeException | AssertionError e) {
      // -Dsynack.fuzz.trace=true keeps the host's trace: printed here as JSON lines to show what
      // happened.
      peer.trace.forEach(event -> System.err.println(dev.synack.trace.JsonLines.toJson(event)));
      throw e;
    }
  }

  private static void fuzzSteps(StatePeer peer, FuzzInput in) {
    checkInvariants(peer);
    for (int step = 0; step < MAX_STEPS && in.hasMore(); step++) {
      switch (in.choose(9)) {
        case 0, 1, 2, 3 -> peer.send(craftedSegment(peer, in));
        case 4 -> peer.deliver(mutatedPacket(peer, in));
        case 5 ->
            peer.advance(
                in.pick(
                    StatePeer.MS,
                    40 * StatePeer.MS,
                    200 * StatePeer.MS,
                    1000 * StatePeer.MS,
                    3000 * StatePeer.MS,
                    30_000 * StatePeer.MS,
                    61_000 * StatePeer.MS,
                    130_000 * StatePeer.MS));
        case 6 -> userCall(peer, in);
        case 7 -> peer.deliver(icmpError(peer, in));
        default -> newPeerHandshake(peer, in);
      }
      checkInvariants(peer);
    }
    runTimersOut(peer);
  }

  @ParameterizedTest
  @EnumSource(value = TcpState.class, names = "CLOSED", mode = EnumSource.Mode.EXCLUDE)
  void everyState_isReachedByThePeerScript(TcpState state) {
    checkInvariants(StatePeer.into(state, true));
    if (state != TcpState.SYN_RECEIVED) {
      checkInvariants(StatePeer.into(state, false, SynCookiePolicy.ALWAYS));
    }
  }

  @Test
  void packetsIntoEveryState_generatedInputs_keepTheInvariants() {
    List<byte[]> seeds = SeededMutations.corpus(HostFuzzTest.class, "packetsIntoEveryState");
    SeededMutations.run(seeds, 3000, 3, 512, this::packetsIntoEveryState);
  }

  // ---- What the peer sends ----

  /**
   * Returns a segment near the one the connection expects, each field at an edge the input chooses.
   */
  private static TcpSegment craftedSegment(StatePeer peer, FuzzInput in) {
    Status st = live(peer) ? peer.connection.status() : null;
    int rcvNxt = st != null && st.irs() != 0 ? st.rcvNxt() : peer.peerNxt;
    int rcvWnd = st != null ? Math.max(st.rcvWnd(), 0) : 65535;
    int sndUna = st != null ? st.sndUna() : 0;
    int sndNxt = st != null ? st.sndNxt() : 0;
    int srcPort = in.choose(8) == 0 ? in.nextU16() : peer.peerPort;
    int dstPort = in.choose(16) == 0 ? in.nextU16() : peer.hostPort;
    int flags =
        switch (in.choose(9)) {
          case 0, 1 -> TcpFlags.ACK;
          case 2 -> TcpFlags.ACK | TcpFlags.PSH;
          case 3 -> TcpFlags.FIN | TcpFlags.ACK;
          case 4 -> TcpFlags.RST;
          case 5 -> TcpFlags.RST | TcpFlags.ACK;
          case 6 -> TcpFlags.SYN;
          case 7 -> TcpFlags.SYN | TcpFlags.ACK;
          default -> in.nextByte();
        };
    int seq =
        switch (in.choose(10)) {
          case 0 -> rcvNxt;
          case 1 -> SeqNum.add(rcvNxt, -1);
          case 2 -> SeqNum.add(rcvNxt, 1);
          case 3 -> SeqNum.add(rcvNxt, rcvWnd - 1);
          case 4 -> SeqNum.add(rcvNxt, rcvWnd);
          case 5 -> SeqNum.add(rcvNxt, rcvWnd + 1);
          case 6 -> SeqNum.add(rcvNxt, -65536);
          case 7 -> SeqNum.add(rcvNxt, Integer.MIN_VALUE);
          case 8 -> in.nextInt();
          default -> peer.peerNxt;
        };
    int ack =
        switch (in.choose(9)) {
          case 0 -> sndNxt;
          case 1 -> sndUna;
          case 2 -> SeqNum.add(sndUna, -1);
          case 3 -> SeqNum.add(sndNxt, 1);
          case 4 -> SeqNum.add(sndUna, SeqNum.diff(sndNxt, sndUna) / 2);
          case 5 -> SeqNum.add(sndUna, -(1 << 20));
          case 6 -> SeqNum.add(sndNxt, Integer.MIN_VALUE);
          case 7 -> 0;
          default -> in.nextInt();
        };
    int window =
        switch (in.choose(4)) {
          case 0 -> 0;
          case 1 -> 1;
          case 2 -> 65535;
          default -> in.nextU16();
        };
    int length =
        switch (in.choose(7)) {
          case 0, 1 -> 0;
          case 2 -> 1;
          case 3 -> 1460;
          case 4 -> Math.min(rcvWnd, 8000);
          case 5 -> Math.min(rcvWnd + 1, 8001);
          default -> in.nextU16() % 3000;
        };
    TcpOptions options = options(peer, in, sndUna, sndNxt);
    int urgent = in.choose(8) == 0 ? in.nextU16() : 0;
    byte[] payload = new byte[length];
    if (length > 0) payload[0] = (byte) in.nextByte();
    return new TcpSegment(
        srcPort, dstPort, seq, ack, flags, window, 0, urgent, options, ByteBuffer.wrap(payload));
  }

  private static TcpOptions options(StatePeer peer, FuzzInput in, int sndUna, int sndNxt) {
    TcpOption.NoOperation nop = new TcpOption.NoOperation();
    return switch (in.choose(8)) {
      case 0 -> TcpOptions.of(nop, nop, new TcpOption.Timestamps(++peer.peerTsVal, peer.hostTsVal));
      case 1 -> TcpOptions.NONE;
      case 2 ->
          TcpOptions.of(
              nop,
              nop,
              new TcpOption.Timestamps(peer.peerTsVal - 1 - in.nextByte() * 4096, peer.hostTsVal));
      case 3 ->
          TcpOptions.of(
              nop,
              nop,
              new TcpOption.Timestamps(peer.peerTsVal + (in.nextInt() & 0x7fffffff), in.nextInt()));
      case 4 ->
          TcpOptions.of(
              new TcpOption.MaximumSegmentSize(in.nextU16()),
              new TcpOption.SackPermitted(),
              new TcpOption.WindowScale(in.pick(0, 7, 14, 15, 255)));
      case 5 ->
          TcpOptions.of(
              nop,
              nop,
              new TcpOption.Sack(
                  List.of(
                      new SackBlock(
                          SeqNum.add(sndUna, in.nextByte() * 100),
                          SeqNum.add(sndNxt, in.nextByte() - 128)),
                      new SackBlock(in.nextInt(), in.nextInt()))));
      case 6 -> TcpOptions.of(new TcpOption.Unknown(in.nextByte() | 0x10, new byte[in.choose(30)]));
      default ->
          TcpOptions.of(
              new TcpOption.MaximumSegmentSize(0),
              new TcpOption.WindowScale(255),
              nop,
              new TcpOption.Timestamps(in.nextInt(), in.nextInt()));
    };
  }

  /**
   * Returns a crafted segment's packet with a few bytes changed or cut (checksums then mostly fail:
   * the parse path).
   */
  private static byte[] mutatedPacket(StatePeer peer, FuzzInput in) {
    byte[] packet = Packets.tcp(StatePeer.PEER, StatePeer.HOST, 64, craftedSegment(peer, in));
    int changes = 1 + in.choose(4);
    for (int i = 0; i < changes; i++) {
      if (in.choose(8) == 0) {
        packet = java.util.Arrays.copyOf(packet, in.choose(packet.length + 1));
      } else if (packet.length > 0) {
        packet[in.choose(Math.min(packet.length, 256))] = (byte) in.nextByte();
      }
    }
    return packet;
  }

  /**
   * Returns an ICMP error from a router (or a stranger) quoting a segment the host might have sent.
   */
  private static byte[] icmpError(StatePeer peer, FuzzInput in) {
    Status st = live(peer) ? peer.connection.status() : null;
    int sndUna = st != null ? st.sndUna() : in.nextInt();
    int sndNxt = st != null ? st.sndNxt() : sndUna;
    int seq =
        switch (in.choose(4)) {
          case 0 -> sndUna;
          case 1 -> SeqNum.add(sndUna, -1);
          case 2 -> sndNxt;
          default -> in.nextInt();
        };
    TcpSegment quoted = TcpSegment.of(peer.hostPort, peer.peerPort, seq, 0, TcpFlags.ACK, 0);
    byte[] original = Packets.tcp(StatePeer.HOST, StatePeer.PEER, 64, quoted);
    ByteBuffer quote = ByteBuffer.wrap(original, 0, in.pick(28, 24, 40, original.length)).slice();
    IcmpMessage message =
        switch (in.choose(3)) {
          case 0 -> new IcmpMessage.DestinationUnreachable(in.choose(16), 0, quote);
          case 1 ->
              new IcmpMessage.DestinationUnreachable(
                  4, in.pick(0, 68, 500, 576, 1280, 1500, 65535), quote);
          default -> new IcmpMessage.TimeExceeded(in.choose(2), quote);
        };
    return Packets.icmp(in.choose(8) == 0 ? STRANGER : ROUTER, StatePeer.HOST, 64, message);
  }

  /**
   * Plays another client that opens a connection: its SYN (with or without timestamps), then an ACK
   * built from the host's SYN-ACK — an entry's or a cookie's — with the acknowledgment, the echoed
   * TSval (whose low bits carry a cookie's options) and the data chosen by the input.
   */
  private static void newPeerHandshake(StatePeer peer, FuzzInput in) {
    int port = 30000 + in.choose(64);
    int iss = in.nextInt();
    TcpOption.NoOperation nop = new TcpOption.NoOperation();
    TcpOptions synOptions =
        in.nextBoolean()
            ? TcpOptions.of(
                new TcpOption.MaximumSegmentSize(in.pick(536, 1000, 1460, 9000)),
                new TcpOption.SackPermitted(),
                new TcpOption.Timestamps(100, 0),
                nop,
                new TcpOption.WindowScale(in.pick(0, 7, 14)))
            : TcpOptions.of(new TcpOption.MaximumSegmentSize(1460));
    peer.takeSent();
    peer.send(
        TcpSegment.of(port, StatePeer.HOST_PORT, iss, 0, TcpFlags.SYN, 65535)
            .withOptions(synOptions));
    TcpSegment synAck =
        peer.takeSent().stream()
            .filter(s -> s.has(TcpFlags.SYN) && s.destinationPort() == port)
            .findFirst()
            .orElse(null);
    if (synAck == null) return;
    int ack = SeqNum.add(synAck.sequenceNumber(), 1 + in.pick(0, 0, 0, 1, -1, 1 << 24));
    TcpOption.Timestamps ts = synAck.options().timestamps();
    TcpOptions ackOptions =
        ts == null || in.choose(8) == 0
            ? TcpOptions.NONE
            : TcpOptions.of(
                nop,
                nop,
                new TcpOption.Timestamps(101, ts.tsVal() ^ in.pick(0, 0, 0, 0x0f, 0x10, 0x3f)));
    int length = in.pick(0, 0, 1, 1000);
    TcpSegment seg =
        TcpSegment.of(
                port,
                StatePeer.HOST_PORT,
                SeqNum.add(iss, 1 + in.pick(0, 0, 0, 1448)),
                ack,
                TcpFlags.ACK | (in.choose(4) == 0 ? TcpFlags.FIN : 0),
                in.nextU16())
            .withOptions(ackOptions);
    peer.send(length == 0 ? seg : seg.withPayload(ByteBuffer.wrap(new byte[length])));
  }

  /**
   * Makes a user call on the connection; the RFC's errors for calls in the wrong state are
   * expected.
   */
  private static void userCall(StatePeer peer, FuzzInput in) {
    int call = in.choose(6);
    if (call == 5 || peer.connection == null) {
      Connection accepted = peer.listener.accept();
      if (accepted != null && peer.connection == null) {
        peer.connection = accepted;
      } else if (accepted != null) {
        peer.acceptedByUser++; // the application holds it from now on: the host may not drop it
      }
      return;
    }
    Connection c = peer.connection;
    try {
      switch (call) {
        case 0 -> c.send(ByteBuffer.wrap(new byte[in.choose(6) * 1000]), peer.now);
        case 1 -> c.receive(ByteBuffer.allocate(70_000), peer.now);
        case 2 -> c.close(peer.now);
        case 3 -> c.closeFully(peer.now);
        default -> c.abort(peer.now);
      }
    } catch (TcpException expected) {
      assertNotNull(expected.error());
    }
    peer.drain();
  }

  // ---- Invariants ----

  /**
   * After every step, with the host's output drained: the connections are bounded by what the
   * listener may hold, the one under test and those the application accepted; each has SND.UNA =<
   * SND.NXT and queues within its buffers; none is CLOSED (a closed connection is released); the
   * listener's queues hold live children within the backlog; the deadline queue is bounded by the
   * connections.
   */
  static void checkInvariants(StatePeer peer) {
    Host host = peer.host;
    // The listener's two queues, the connection under test and its successor on the 4-tuple, and
    // those the application accepted and holds (as any server may; they are its to close).
    int bound = 2 + 2 * StatePeer.BACKLOG + peer.acceptedByUser;
    assertTrue(
        host.connectionCount() <= bound,
        "connections bounded: " + host.connectionCount() + " > " + bound);
    for (Connection c : host.connections()) {
      Status s = c.status();
      assertNotNull(s.state());
      assertFalse(c.isReleased(), "a held connection is not released");
      assertTrue(
          s.state() != TcpState.CLOSED,
          "a CLOSED connection is released once its output is drained: " + c);
      assertTrue(SeqNum.le(s.sndUna(), s.sndNxt()), "SND.UNA =< SND.NXT: " + s);
      assertTrue(s.receiveQueued() >= 0 && s.sendQueued() >= 0, "queues not negative: " + s);
    }
    if (peer.connection != null && peer.connection.state() == TcpState.CLOSED) {
      assertTrue(peer.connection.isReleased(), "the connection under test, CLOSED, is released");
    }
    assertTrue(
        peer.listener.pendingHandshakes() <= StatePeer.BACKLOG, "SYN queue within the backlog");
    assertTrue(
        peer.listener.pendingAccepts() <= StatePeer.BACKLOG, "accept queue within the backlog");
    for (Connection child : peer.listener.synQueue)
      assertFalse(child.isReleased(), "SYN queue holds live children");
    assertTrue(
        host.deadlineQueueSize() <= 2 * host.connectionCount() + 65,
        "deadline queue bounded: " + host.deadlineQueueSize());
  }

  /**
   * Fires timers until none is left (or a bounded number of rounds, for a zero-window probe that
   * may go on forever as on Linux); then every connection left must rest in a state that needs no
   * timer, with nothing in flight.
   */
  private static void runTimersOut(StatePeer peer) {
    Host host = peer.host;
    for (int round = 0; round < 400 && host.pollTimeout() != Long.MAX_VALUE; round++) {
      peer.now = Math.max(peer.now, host.pollTimeout());
      host.handleTimeout(peer.now);
      peer.drain();
      checkInvariants(peer);
    }
    // A silent peer: every timer gives up in bounded rounds (R2 retransmissions and zero-window
    // probes, keep-alive's count, 2 MSL), none re-arms for ever (issue 12's persist overflow did).
    assertEquals(
        Long.MAX_VALUE,
        host.pollTimeout(),
        () ->
            "timers still run after 400 rounds: "
                + host.connections().stream().map(c -> c.status().toString()).toList());
    for (Connection c : host.connections()) {
      Status s = c.status();
      assertTrue(
          MAY_IDLE.contains(s.state()),
          "without a timer, a connection rests only where it may: " + s);
      assertEquals(s.sndUna(), s.sndNxt(), "without a timer, nothing is in flight: " + s);
    }
  }

  private static boolean live(StatePeer peer) {
    return peer.connection != null && !peer.connection.isReleased();
  }

  private static InetAddress address(String text) {
    try {
      return InetAddress.getByName(text);
    } catch (java.net.UnknownHostException e) {
      throw new AssertionError(e);
    }
  }
}
