package dev.synack.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.stack.Connection;
import dev.synack.stack.Host;
import dev.synack.stack.HostConfig;
import dev.synack.stack.Listener;
import dev.synack.trace.TraceEvent;
import dev.synack.trace.TraceSink;
import dev.synack.wire.Checksum;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/**
 * Data packets whose TCP checksum the sending host left partial, as for a device with checksum
 * offload: on an ideal link to a host nobody sums the payload (Linux's loopback and veth), and
 * whoever else sees the packet (an observer, a filter, a corrupting link, a host that traces
 * packets) sees it whole.
 */
class PartialChecksumTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void idealLink_dataTravelsWithPartialChecksums_andArrivesIntact() throws Exception {
    Pair pair = new Pair(LinkConfig.ideal(), TraceSink.NONE);
    byte[] data = pair.transfer(300_000);
    assertArrayEquals(pair.sent, data, "every byte arrives, in order");
    assertEquals(0, pair.server.partialSent, "the receiver sends no data");
    assertTrue(
        pair.client.partialSent > 150, pair.client.partialSent + " data packets left partial");
    // Nobody completed them: the server was handed packets whose checksum does not verify as they
    // stand, and took them as verified, as Linux's TCP takes a CHECKSUM_PARTIAL skb over loopback.
    assertEquals(pair.client.partialSent, pair.server.partialReceived);
    assertEquals(0, pair.serverHost.counters().malformed());
  }

  @Test
  void observer_seesOnlyWholeChecksums_evenWhenAddedWithPacketsInFlight() throws Exception {
    Pair pair = new Pair(LinkConfig.ideal().withDelay(Duration.ofMillis(5)), TraceSink.NONE);
    List<byte[]> seen = new ArrayList<>();
    PacketObserver observer =
        new PacketObserver() {
          @Override
          public void onSend(SimNode from, SimNode to, byte[] packet, long now) {
            seen.add(packet.clone());
          }

          @Override
          public void onDeliver(SimNode from, SimNode to, byte[] packet, long now) {
            seen.add(packet.clone());
          }
        };
    // Data in flight, sent partial while no one watched.
    ByteBuffer src = ByteBuffer.wrap(new byte[200_000]);
    pair.clientConnection.send(src, pair.net.now());
    pair.net.nextEventTime(); // takes the hosts' output: the initial window leaves
    assertTrue(pair.net.inFlight() > 3, pair.net.inFlight() + " packets in flight");
    assertTrue(pair.client.partialSent > 3, pair.client.partialSent + " sent partial");
    pair.net.addObserver(observer);
    ByteBuffer dst = ByteBuffer.allocate(200_000);
    for (int steps = 0; dst.hasRemaining() && steps < 100_000; steps++) {
      if (src.hasRemaining()) pair.clientConnection.send(src, pair.net.now());
      pair.serverConnection.receive(dst, pair.net.now());
      if (!pair.net.step()) break;
    }
    assertEquals(0, dst.remaining(), "every byte arrives");
    assertTrue(seen.size() > 100, seen.size() + " packets seen");
    for (byte[] packet : seen) assertTrue(verifies(packet), "a packet seen with a bad checksum");
    assertEquals(0, pair.server.partialReceived, "completed before the server got it too");
  }

  @Test
  void tracingReceiver_getsWholeChecksums() throws Exception {
    TraceSink packets =
        new TraceSink() {
          @Override
          public void accept(TraceEvent event) {}

          @Override
          public boolean wantsPackets() {
            return true;
          }
        };
    Pair pair = new Pair(LinkConfig.ideal(), packets);
    byte[] data = pair.transfer(100_000);
    assertArrayEquals(pair.sent, data);
    assertTrue(pair.client.partialSent > 50, pair.client.partialSent + " left partial");
    assertEquals(0, pair.server.partialReceived, "the server's trace shows the packet's bytes");
  }

  @Test
  void corruptingLink_completesFirst_andTheReceiverCatchesEachCorruption() throws Exception {
    Pair pair = new Pair(LinkConfig.ideal().withCorruption(0.05), TraceSink.NONE);
    byte[] data = pair.transfer(200_000);
    assertArrayEquals(pair.sent, data, "corrupted packets dropped and sent again");
    long corrupted = pair.net.stats(pair.client, pair.server).corrupted();
    assertTrue(corrupted > 3, corrupted + " corrupted");
    assertTrue(pair.client.partialSent > 50, pair.client.partialSent + " left partial by the host");
    // Only the corrupted ones reached the server with a checksum that does not verify.
    assertTrue(
        pair.server.partialReceived <= corrupted,
        pair.server.partialReceived + " bad checksums received, " + corrupted + " corrupted");
    // A corrupted byte in the payload or the TCP header fails the checksum the network completed
    // before the link corrupted it (the IP header's own checksum catches the rest).
    assertTrue(pair.serverHost.counters().malformed() > 0, "corruption caught by the receiver");
  }

  /** Returns whether a packet's TCP checksum verifies as it stands (RFC 9293 §3.1). */
  static boolean verifies(byte[] packet) {
    ByteBuffer p = ByteBuffer.wrap(packet);
    int tcpLength = packet.length - 20;
    long pseudo = Checksum.sum(p, 12, 8) + 6 + tcpLength;
    return Checksum.verifies(pseudo + Checksum.sum(p, 20, tcpLength));
  }

  /** A host node that counts the packets it sent partial and was handed partial. */
  static final class Counting implements SimNode {
    final HostNode node;
    int partialSent;
    int partialReceived;

    Counting(Host host) {
      node = new HostNode(host);
    }

    @Override
    public String name() {
      return node.name();
    }

    @Override
    public void handlePacket(byte[] packet, long now) {
      node.handlePacket(packet, now);
    }

    @Override
    public void handlePacket(byte[] packet, boolean checksumUnnecessary, long now) {
      if (!verifies(packet)) partialReceived++;
      node.handlePacket(packet, checksumUnnecessary, now);
    }

    @Override
    public boolean sendsCorrectChecksums() {
      return node.sendsCorrectChecksums();
    }

    @Override
    public byte[] pollTransmit(long now) {
      return node.pollTransmit(now);
    }

    @Override
    public byte[] pollTransmit(long now, IntFunction<byte[]> arrays) {
      byte[] packet = node.pollTransmit(now, arrays);
      if (packet != null && node.lastChecksumPartial()) partialSent++;
      return packet;
    }

    @Override
    public boolean lastChecksumPartial() {
      return node.lastChecksumPartial();
    }

    @Override
    public boolean acceptsPartialChecksums() {
      return node.acceptsPartialChecksums();
    }

    @Override
    public boolean readsPacketsDuringCallOnly() {
      return node.readsPacketsDuringCallOnly();
    }

    @Override
    public long pollTimeout() {
      return node.pollTimeout();
    }

    @Override
    public void handleTimeout(long now) {
      node.handleTimeout(now);
    }
  }

  /** Two hosts, one connection from client to server. */
  static final class Pair {
    final SimNetwork net = new SimNetwork(7);
    final Counting client;
    final Counting server;
    final Host serverHost;
    final Connection clientConnection;
    final Connection serverConnection;
    byte[] sent = new byte[0];

    Pair(LinkConfig link, TraceSink serverTrace) throws UnknownHostException {
      Host a = new Host("client", HostConfig.defaults(1), null);
      Host b = new Host("server", HostConfig.defaults(2), serverTrace);
      InetAddress aAddress = InetAddress.getByAddress(new byte[] {10, 0, 0, 1});
      InetAddress bAddress = InetAddress.getByAddress(new byte[] {10, 0, 0, 2});
      a.addAddress(aAddress);
      b.addAddress(bAddress);
      client = new Counting(a);
      server = new Counting(b);
      serverHost = b;
      net.attach(client, aAddress);
      net.attach(server, bAddress);
      net.setDefaultLink(link);
      Listener listener = b.listen(null, 5001, 16);
      clientConnection = a.connect(aAddress, 0, bAddress, 5001, net.now());
      assertTrue(net.runUntil(() -> listener.pendingAccepts() > 0, 10 * SECOND));
      serverConnection = listener.accept();
    }

    /** Sends {@code length} random bytes and returns what the server read. */
    byte[] transfer(int length) {
      sent = new byte[length];
      new SplittableRandom(length).nextBytes(sent);
      ByteBuffer src = ByteBuffer.wrap(sent);
      ByteBuffer dst = ByteBuffer.allocate(length + 1);
      for (int steps = 0; dst.position() < length && steps < 1_000_000; steps++) {
        if (src.hasRemaining()) clientConnection.send(src, net.now());
        serverConnection.receive(dst, net.now());
        if (dst.position() >= length || !net.step()) break;
      }
      byte[] got = new byte[dst.position()];
      dst.flip().get(got);
      return got;
    }
  }
}
