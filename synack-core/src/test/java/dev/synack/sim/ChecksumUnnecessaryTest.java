package dev.synack.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.stack.Connection;
import dev.synack.stack.Host;
import dev.synack.stack.HostConfig;
import dev.synack.stack.Listener;
import dev.synack.tcp.TcpState;
import dev.synack.wire.Packets;
import dev.synack.wire.TcpFlags;
import dev.synack.wire.TcpSegment;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Linux's CHECKSUM_UNNECESSARY on the simulated network: a packet a host built, over a link that
 * cannot corrupt, reaches the other host marked so, and its TCP checksum is not summed a second
 * time; a corrupting link, an injected packet or a node that does not vouch for its checksums leave
 * every checksum to be verified, and a bad one is caught.
 */
class ChecksumUnnecessaryTest {
  private static final long MS = 1_000_000L;
  private static final InetAddress CLIENT = TestPackets.addr("10.0.0.1");
  private static final InetAddress SERVER = TestPackets.addr("10.0.0.2");

  private final SimNetwork net = new SimNetwork(11);
  private final Host client = new Host("client", HostConfig.defaults(1), null);
  private final Host server = new Host("server", HostConfig.defaults(2), null);
  private final HostNode clientNode = new HostNode(client);
  private final HostNode serverNode = new HostNode(server);

  ChecksumUnnecessaryTest() {
    client.addAddress(CLIENT);
    server.addAddress(SERVER);
    net.attach(clientNode, CLIENT);
    net.attach(serverNode, SERVER);
  }

  @Nested
  class BetweenHosts {
    @Test
    void idealLink_transfer_serverTrustsEverySegmentAndGetsTheBytes() {
      byte[] data = transfer(200_000);
      assertEquals(200_000, data.length);
      long segments = server.counters().packetsIn();
      assertTrue(segments > 100, "the data took many segments: " + segments);
      assertEquals(segments, server.counters().checksumsTrusted(), "none was summed again");
      assertEquals(0, server.counters().dropped("tcp-bad-checksum"));
    }

    @Test
    void corruptingLink_transfer_everyChecksumVerifiedCorruptionCaughtBytesIntact() {
      net.setLink(clientNode, serverNode, LinkConfig.ideal().withCorruption(0.05));
      byte[] data = transfer(200_000);
      assertEquals(200_000, data.length, "TCP resent what corruption destroyed");
      assertEquals(
          0, server.counters().checksumsTrusted(), "a link that may corrupt vouches for nothing");
      assertTrue(net.stats(clientNode, serverNode).corrupted() > 0);
      long caught =
          server.counters().dropped("tcp-bad-checksum")
              + server.counters().dropped("ipv4-bad-header-checksum");
      assertTrue(caught > 0, "corrupted packets dropped: " + server.counters().drops());
    }
  }

  @Nested
  class NotVouchedFor {
    @Test
    void idealLink_injectedSegmentWithBadChecksum_dropped() {
      server.listen(null, 80, 8);
      byte[] syn =
          Packets.tcp(CLIENT, SERVER, 64, TcpSegment.of(40000, 80, 1, 0, TcpFlags.SYN, 1000));
      syn[syn.length - 1] ^=
          0x40; // the last byte of the TCP header: the checksum no longer matches
      net.inject(clientNode, syn);
      net.runUntilIdle(net.now() + 10 * MS);
      assertEquals(1, server.counters().dropped("tcp-bad-checksum"), server.counters().toString());
      assertEquals(0, server.counters().checksumsTrusted());
      assertEquals(0, server.connectionCount());
    }

    @Test
    void idealLink_nodeThatDoesNotVouch_badChecksumDropped() {
      ScriptedNode forger = new ScriptedNode("forger");
      InetAddress forgerAddress = TestPackets.addr("10.0.0.9");
      net.attach(forger, forgerAddress);
      server.listen(null, 80, 8);
      byte[] syn =
          Packets.tcp(
              forgerAddress, SERVER, 64, TcpSegment.of(40000, 80, 1, 0, TcpFlags.SYN, 1000));
      syn[syn.length - 1] ^= 0x40;
      forger.sendNow(syn);
      net.runUntilIdle(net.now() + 10 * MS);
      assertEquals(1, server.counters().dropped("tcp-bad-checksum"), server.counters().toString());
      assertEquals(0, server.connectionCount());
    }
  }

  /**
   * Sends {@code size} random bytes from the client to the server over the links as set; returns
   * what the server read.
   */
  private byte[] transfer(int size) {
    Listener listener = server.listen(null, 80, 8);
    Connection c = client.connect(SERVER, 80, net.now());
    Connection[] s = new Connection[1];
    assertTrue(
        net.runUntil(
            () ->
                (s[0] = s[0] != null ? s[0] : listener.accept()) != null
                    && c.state() == TcpState.ESTABLISHED,
            net.now() + 30_000 * MS),
        "connected");
    byte[] data = new byte[size];
    new SplittableRandom(5).nextBytes(data);
    ByteBuffer pending = ByteBuffer.wrap(data);
    ByteBuffer received = ByteBuffer.allocate(size);
    assertTrue(
        net.runUntil(
            () -> {
              while (client.pollEvent() != null) {}
              while (server.pollEvent() != null) {}
              if (pending.hasRemaining()) c.send(pending, net.now());
              while (s[0].receive(received, net.now()) > 0) {}
              return !received.hasRemaining();
            },
            net.now() + 300_000 * MS),
        "every byte arrived");
    assertArrayEquals(data, received.array(), "every byte once, in order");
    return received.array();
  }
}
