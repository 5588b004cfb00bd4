package dev.synack.stack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.sim.HostNode;
import dev.synack.sim.LinkConfig;
import dev.synack.sim.SimNetwork;
import dev.synack.tcp.FourTuple;
import dev.synack.tcp.TcpState;
import dev.synack.trace.DropReason;
import dev.synack.wire.Packets;
import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpSegment;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Blind attacks (RFC 5961) on a connection moving data on the simulated network: an attacker off
 * the path knows the addresses and ports but cannot see the traffic, so it guesses sequence
 * numbers. The transfer must end with the same SHA-256 both ways, the attacker's packets must be
 * dropped with their reason in the counters, and what they draw in reply must stay rate-limited.
 */
class BlindAttackTest {
  static final InetAddress CLIENT = Ipv6EndToEndTest.ip("10.0.0.1");
  static final InetAddress SERVER = Ipv6EndToEndTest.ip("10.0.0.2");
  static final InetAddress ATTACKER = Ipv6EndToEndTest.ip("10.0.0.66");
  static final int PORT = 443;
  static final long MS = 1_000_000L;
  static final long SECOND = 1000 * MS;

  /**
   * Blind packets per attack: 20 a millisecond for a second, while the transfer runs (about 1.5 s
   * at 8 Mbit/s).
   */
  static final int ATTACK_PACKETS = 20_000;

  /** One run: a connection, an attack on it while data moves, and what both hosts counted. */
  static final class Run {
    final Host client = new Host("client", HostConfig.defaults(1), null);
    final Host server = new Host("server", HostConfig.defaults(2), null);
    final SimNetwork net = new SimNetwork(3);
    final Listener listener;
    final Connection c;
    final Connection s;
    Attacker attacker;

    /** Packets the server sent towards the client while the attack ran, counted by the network. */
    long serverToClientDuringAttack;

    Run() {
      client.addAddress(CLIENT);
      server.addAddress(SERVER);
      HostNode clientNode = new HostNode(client);
      HostNode serverNode = new HostNode(server);
      net.attach(clientNode, CLIENT);
      net.attach(serverNode, SERVER);
      net.setDefaultLink(
          LinkConfig.ideal().withDelay(Duration.ofMillis(10)).withBandwidth(8_000_000));
      listener = server.listen(null, PORT, 16);
      c = client.connect(SERVER, PORT, 0);
      assertTrue(net.runUntil(() -> listener.pendingAccepts() > 0, 10 * SECOND));
      s = listener.accept();
    }

    /**
     * The server's end as the attacker sees it: it knows the addresses and ports (RFC 5961 §1's
     * threat model).
     */
    FourTuple serverId() {
      return s.id();
    }

    /**
     * Starts {@code make(i, random)} as packets from the attacker, 20 per millisecond, while data
     * moves both ways.
     */
    void attackDuringTransfer(BiFunction<Integer, SplittableRandom, byte[]> make) {
      attackDuringTransfer(20, ATTACK_PACKETS, make);
    }

    /**
     * Starts {@code total} packets {@code make(i, random)} from the attacker, {@code perMs} a
     * millisecond, while data moves.
     */
    void attackDuringTransfer(
        int perMs, int total, BiFunction<Integer, SplittableRandom, byte[]> make) {
      SplittableRandom random = new SplittableRandom(7);
      attacker =
          new Attacker(
              "attacker", net.now() + 50 * MS, MS, perMs, total, i -> make.apply(i, random));
      net.attach(attacker, ATTACKER);
      byte[] up = Ipv6EndToEndTest.random(1_000_000, 11);
      byte[] down = Ipv6EndToEndTest.random(400_000, 12);
      byte[][] got = SimExchange.exchange(net, c, s, up, down);
      assertArrayEquals(
          SimExchange.sha256(up), SimExchange.sha256(got[0]), "client to server: same SHA-256");
      assertArrayEquals(
          SimExchange.sha256(down), SimExchange.sha256(got[1]), "server to client: same SHA-256");
      assertTrue(
          attacker.sent() > Math.min(total, ATTACK_PACKETS) / 2,
          "the attack ran during the transfer: " + attacker.sent());
      net.runUntilIdle(600 * SECOND);
      assertEquals(total, attacker.sent());
      assertEquals(TcpState.CLOSED, c.state());
      assertEquals(TcpState.CLOSED, s.state());
      assertEquals(null, c.closeError(), "closed in order, not reset");
      assertEquals(null, s.closeError(), "closed in order, not reset");
    }

    /** Returns the number of the server's drops whose reason starts with {@code prefix}. */
    long serverDrops(DropReason... reasons) {
      long n = 0;
      for (DropReason r : reasons) n += server.counters().dropped(r.code());
      return n;
    }

    /**
     * Returns a packet from the client's address and port to the server's, as the attacker forges
     * it.
     */
    byte[] spoofedFromClient(int seq, int ack, int flags, int length) {
      FourTuple id = serverId();
      TcpSegment seg = TcpSegment.of(id.remotePort(), id.localPort(), seq, ack, flags, 65535);
      if (length > 0) seg = seg.withPayload(ByteBuffer.wrap(new byte[length]));
      return Packets.tcp(CLIENT, SERVER, 64, seg);
    }
  }

  @Nested
  class BlindReset {
    @Test
    void randomSequenceRsts_neverResetTheConnection_inWindowOnesDrawRateLimitedChallengeAcks() {
      Run run = new Run();
      run.attackDuringTransfer((i, r) -> run.spoofedFromClient(r.nextInt(), 0, TcpFlags.RST, 0));

      long outside = run.serverDrops(DropReason.RST_OUTSIDE_WINDOW);
      long challenged = run.serverDrops(DropReason.RST_CHALLENGED);
      long limited = run.serverDrops(DropReason.RST_CHALLENGE_LIMITED);
      // RFC 5961 §3.2: outside the window dropped; inside but not exactly RCV.NXT, a challenge ACK.
      assertEquals(
          ATTACK_PACKETS,
          outside + challenged + limited + run.serverDrops(DropReason.CLOSED),
          "every blind RST dropped: " + run.server.counters().drops());
      assertTrue(outside > ATTACK_PACKETS * 9 / 10, "most guesses miss the window: " + outside);
      assertTrue(
          challenged <= 1000 * 2,
          "challenge ACKs within the per-second limit (RFC 5961 §7): " + challenged);
    }

    @Test
    void rstsSweepingTheWholeSequenceSpace_inWindowOnesOnlyDrawChallengeAcks_neverAReset() {
      // The classic blind reset (RFC 5961 §1.1): one RST every 64 KiB of sequence space, 65,536 of
      // them, sent within a third of a second, so that at least one lands in the server's receive
      // window (at least 64 KiB) while it is open. Without RFC 5961 that one would reset the
      // connection.
      Run run = new Run();
      int offset = new SplittableRandom(5).nextInt();
      run.attackDuringTransfer(
          200, 1 << 16, (i, r) -> run.spoofedFromClient(offset + (i << 16), 0, TcpFlags.RST, 0));

      long inWindow = run.serverDrops(DropReason.RST_CHALLENGED, DropReason.RST_CHALLENGE_LIMITED);
      assertTrue(inWindow >= 1, "the sweep hit the window: " + run.server.counters().drops());
      assertEquals(
          1 << 16,
          inWindow + run.serverDrops(DropReason.RST_OUTSIDE_WINDOW),
          "every one dropped: " + run.server.counters().drops());
    }

    @Test
    void rstFlood_atTheListenerAndClosedPorts_answeredByNothing_createsNoState() {
      Run run = new Run();
      long resetsBefore = run.server.counters().resetsSent();
      run.attackDuringTransfer(
          (i, r) -> {
            int port = i % 2 == 0 ? PORT : 1 + r.nextInt(65535);
            byte[] source = {10, 0, (byte) r.nextInt(256), (byte) (1 + r.nextInt(254))};
            TcpSegment rst =
                TcpSegment.of(
                    1024 + r.nextInt(60000),
                    port,
                    r.nextInt(),
                    r.nextInt(),
                    TcpFlags.RST | (i % 3 == 0 ? TcpFlags.ACK : 0),
                    0);
            return Packets.tcp(address(source), SERVER, 64, rst);
          });

      assertEquals(
          resetsBefore,
          run.server.counters().resetsSent(),
          "a RST is never answered (RFC 9293 §3.10.7.1)");
      assertEquals(0, run.server.connectionCount());
      assertTrue(
          run.server.counters().dropped("closed-port")
                  + run.server.counters().dropped("listen-not-syn")
                  + run.serverDrops(
                      DropReason.LISTEN_RST,
                      DropReason.RST_OUTSIDE_WINDOW,
                      DropReason.RST_CHALLENGED,
                      DropReason.RST_CHALLENGE_LIMITED,
                      DropReason.TIME_WAIT_RST,
                      DropReason.SYN_SENT_RST_NO_ACK)
              >= ATTACK_PACKETS - 100,
          "dropped and counted: " + run.server.counters().drops());
    }
  }

  @Nested
  class BlindSyn {
    @Test
    void synIntoTheEstablishedConnection_drawsOnlyRateLimitedChallengeAcks() {
      Run run = new Run();
      run.attackDuringTransfer((i, r) -> run.spoofedFromClient(r.nextInt(), 0, TcpFlags.SYN, 0));

      long challenged = run.serverDrops(DropReason.SYN_CHALLENGED);
      long limited = run.serverDrops(DropReason.SYN_CHALLENGE_LIMITED);
      // RFC 5961 §4.2: a SYN in a synchronized state, whatever its sequence number, gets a
      // challenge ACK.
      assertTrue(
          challenged + limited >= ATTACK_PACKETS - 100,
          "the SYNs were challenged: " + run.server.counters().drops());
      assertTrue(
          challenged <= 1000 * 2,
          "at most the per-second limit in the attack's 1 s: " + challenged);
      assertTrue(limited > 0, "the limit was reached");
    }
  }

  @Nested
  class BlindData {
    @Test
    void outOfWindowData_droppedAndAckedAtMostTwiceASecond() {
      Run run = new Run();
      run.attackDuringTransfer(
          (i, r) ->
              run.spoofedFromClient(r.nextInt(), r.nextInt(), TcpFlags.ACK | TcpFlags.PSH, 100));

      long acked = run.serverDrops(DropReason.OUTSIDE_WINDOW);
      long limited = run.serverDrops(DropReason.OUTSIDE_WINDOW_ACK_RATE_LIMITED);
      long badAck =
          run.serverDrops(
              DropReason.ACK_UNSENT,
              DropReason.ACK_UNSENT_RATE_LIMITED,
              DropReason.ACK_TOO_OLD,
              DropReason.ACK_TOO_OLD_RATE_LIMITED);
      assertTrue(
          acked + limited + badAck >= ATTACK_PACKETS - 100,
          "injected data dropped: " + run.server.counters().drops());
      assertTrue(limited > ATTACK_PACKETS / 2, "most draw no ACK: " + limited);
      // Beyond the few that land behind RCV.NXT (a possible retransmission), one ACK per 500 ms.
      assertTrue(
          acked <= 10 + ATTACK_PACKETS / 1000, "ACKs to injected data rate-limited: " + acked);
    }
  }

  @Nested
  class AckFlood {
    @Test
    void acksToTheListener_answeredWithRst_noStateCreated() {
      Run run = new Run();
      long resetsBefore = run.server.counters().resetsSent();
      run.attackDuringTransfer(
          (i, r) -> {
            byte[] source = {10, 1, (byte) r.nextInt(256), (byte) (1 + r.nextInt(254))};
            TcpSegment ack =
                TcpSegment.of(
                    1024 + r.nextInt(60000), PORT, r.nextInt(), r.nextInt(), TcpFlags.ACK, 512);
            return Packets.tcp(address(source), SERVER, 64, ack);
          });

      // RFC 9293 §3.10.7.2: an ACK in LISTEN is answered <SEQ=SEG.ACK><CTL=RST>; no cookie was
      // sent, so none is checked.
      assertEquals(resetsBefore + ATTACK_PACKETS, run.server.counters().resetsSent());
      assertEquals(0, run.server.counters().syncookiesFailed());
      assertEquals(0, run.server.connectionCount(), "no state from the ACKs");
      assertEquals(0, run.listener.pendingHandshakes());
    }
  }

  private static InetAddress address(byte[] raw) {
    try {
      return InetAddress.getByAddress(raw);
    } catch (java.net.UnknownHostException e) {
      throw new AssertionError(e);
    }
  }
}
