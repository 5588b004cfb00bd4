package dev.synack.stack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.tcp.TcpState;
import dev.synack.wire.Checksum;
import dev.synack.wire.GsoPacket;
import dev.synack.wire.IpDatagram;
import dev.synack.wire.Packets;
import dev.synack.wire.Parsed;
import dev.synack.wire.TcpFlags;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The lending form of output ({@link Host#pollTransmit(long, ByteBuffer, int, Transmit)}) writes
 * the very bytes the array form ({@link Host#pollPacket}) makes: two identical host pairs run the
 * same varied transfer (writes of many sizes both ways, losses, a close), one through each form,
 * the lending one with GSO super-packets cut back in software, and every packet each host sends is
 * compared, byte for byte, in order. The deferral of partial runs is off in both, since only the
 * lent form could make it ({@link dev.synack.tcp.TcpConfig#tsoDeferral()}).
 */
class LentTransmitTest {
  private static final long US = 1_000;
  private static final int[] WRITES = {1, 100, 1448, 3000, 20_000, 70_000, 5, 1447, 1449, 9000};

  /** How one run takes a host's output. */
  private interface Output {
    List<byte[]> drain(Host host, long now);
  }

  /** The array form: one new array per packet. */
  private static final Output ARRAYS =
      (host, now) -> {
        List<byte[]> out = new ArrayList<>();
        for (byte[] p; (p = host.pollPacket(now)) != null; ) out.add(p);
        return out;
      };

  /** The lending form, its super-packets checked and cut as Linux's software GSO cuts them. */
  private static final class Lent implements Output {
    final ByteBuffer buffer;
    final int offset;
    final int maxSegments;
    final Transmit transmit = new Transmit();
    int superPackets;
    int segmentsInSuperPackets;

    /** Packets of one data segment whose checksum was left partial for the link. */
    int partialSingles;

    Lent(ByteBuffer buffer, int offset, int maxSegments) {
      this.buffer = buffer;
      this.offset = offset;
      this.maxSegments = maxSegments;
    }

    @Override
    public List<byte[]> drain(Host host, long now) {
      List<byte[]> out = new ArrayList<>();
      while (true) {
        buffer.clear().position(offset);
        if (!host.pollTransmit(now, buffer, maxSegments, transmit)) break;
        assertEquals(
            offset + transmit.length(), buffer.position(), "the position moves past the packet");
        ByteBuffer packet = buffer.duplicate().limit(buffer.position()).position(offset);
        if (transmit.segmentSize() == 0) {
          assertEquals(1, transmit.segments());
          byte[] whole = new byte[packet.remaining()];
          packet.get(whole);
          out.add(whole);
          continue;
        }
        if (transmit.segments() == 1) {
          partialSingles++;
        } else {
          superPackets++;
          segmentsInSuperPackets += transmit.segments();
        }
        assertTrue(
            transmit.segments() >= 1 && transmit.segments() <= maxSegments, transmit::toString);
        assertTrue(transmit.length() <= GsoPacket.MAX_PACKET, transmit::toString);
        checkPartialChecksum(packet);
        List<byte[]> segments = GsoPacket.segment(packet, transmit.segmentSize());
        assertEquals(transmit.segments(), segments.size(), transmit::toString);
        out.addAll(segments);
      }
      return out;
    }
  }

  @ParameterizedTest(name = "{0} MTU {1}, buffer {2} from {3}, at most {4} segments, direct {5}")
  @CsvSource({
    "10.0.0.1, 1500, 65535, 0, 64, false",
    "10.0.0.1, 1500, 65535, 0, 64, true",
    "10.0.0.1, 1500, 5000, 3, 64, false",
    "10.0.0.1, 1500, 65535, 0, 3, false",
    "10.0.0.1, 9000, 65535, 0, 64, false",
    "10.0.0.1, 65535, 65535, 0, 64, false",
    "fd00::1, 1500, 65535, 0, 64, false",
    "fd00::1, 9000, 70000, 11, 64, true",
  })
  void lentOutput_variedTransfer_sameBytesAsArrays(
      String client, int mtu, int bufferSize, int offset, int maxSegments, boolean direct)
      throws Exception {
    List<List<byte[]>> arrays = transfer(client, mtu, ARRAYS);
    ByteBuffer buffer =
        direct ? ByteBuffer.allocateDirect(bufferSize) : ByteBuffer.allocate(bufferSize);
    Lent lent = new Lent(buffer, offset, maxSegments);
    List<List<byte[]>> lending = transfer(client, mtu, lent);
    for (int side = 0; side < 2; side++) {
      List<byte[]> a = arrays.get(side);
      List<byte[]> b = lending.get(side);
      for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
        int k = i;
        assertArrayEquals(
            a.get(i),
            b.get(i),
            () ->
                (k == 0 ? "client" : "server")
                    + " packet "
                    + k
                    + " differs:\n"
                    + HexFormat.of().formatHex(a.get(k))
                    + "\n"
                    + HexFormat.of().formatHex(b.get(k)));
      }
      assertEquals(
          a.size(), b.size(), "packets sent by " + (side == 0 ? "the client" : "the server"));
    }
    if (mtu > GsoPacket.MAX_PACKET / 2) {
      assertEquals(
          0,
          lent.superPackets,
          "a segment as large as the MTU leaves alone: no second one fits in 64 KiB");
      assertTrue(
          lent.partialSingles >= 400_000 / 65_483 + 1,
          "each data segment leaves with its checksum partial for the link: "
              + lent.partialSingles);
      return;
    }
    // Not vacuous: runs left as super-packets, and they held most of the bulk segments.
    assertTrue(lent.superPackets > 10, "super-packets: " + lent.superPackets);
    assertTrue(
        lent.segmentsInSuperPackets > arrays.get(0).size() / 3,
        lent.segmentsInSuperPackets
            + " of "
            + arrays.get(0).size()
            + " client segments in super-packets");
  }

  @Test
  void maxSegmentsOne_neverSendsSuperPackets() throws Exception {
    Lent lent = new Lent(ByteBuffer.allocate(65535), 0, 1);
    List<List<byte[]>> lending = transfer("10.0.0.1", 1500, lent);
    assertEquals(0, lent.superPackets);
    assertEquals(0, lent.partialSingles, "every checksum complete for a link without offload");
    assertEquals(transfer("10.0.0.1", 1500, ARRAYS).get(0).size(), lending.get(0).size());
  }

  @Test
  void oneDataSegment_offloadingLink_checksumLeftPartial_pureAckWhole() throws Exception {
    Host client = host("client", 1, "10.0.0.1", 1500);
    Host server = host("server", 2, "10.0.0.2", 1500);
    Listener listener = server.listen(null, 80, 8);
    long now = 1_000 * US;
    Connection c = client.connect(InetAddress.getByName("10.0.0.2"), 80, now);
    for (int i = 0; i < 3; i++) {
      for (byte[] p; (p = client.pollPacket(now)) != null; ) server.handlePacket(p, now);
      for (byte[] p; (p = server.pollPacket(now)) != null; ) client.handlePacket(p, now);
    }
    assertEquals(TcpState.ESTABLISHED, c.state());
    Connection s = listener.accept();
    c.send(ByteBuffer.wrap(new byte[100]), now);
    Transmit transmit = new Transmit();
    ByteBuffer wire = ByteBuffer.allocate(65535);
    assertTrue(client.pollTransmit(now, wire, 64, transmit));
    assertEquals(1, transmit.segments(), transmit::toString);
    assertEquals(100, transmit.segmentSize(), "partial: the segment size says its payload");
    checkPartialChecksum(wire.duplicate().flip());
    List<byte[]> cut = GsoPacket.segment(wire.duplicate().flip(), transmit.segmentSize());
    assertEquals(1, cut.size());
    assertTrue(
        Packets.parseTcp(ByteBuffer.wrap(cut.get(0)), true).isOk(),
        "completed in software, the checksum verifies");
    server.handlePacket(cut.get(0), now);
    assertEquals(100, s.receive(ByteBuffer.allocate(200), now));
    s.configure(o -> o.setQuickAck(1, now));
    ByteBuffer ack = ByteBuffer.allocate(65535);
    assertTrue(server.pollTransmit(now, ack, 64, transmit), "the server's ACK");
    assertEquals(0, transmit.segmentSize(), "a pure ACK leaves whole: " + transmit);
    assertTrue(Packets.parseTcp(ack.flip(), true).isOk(), "its checksum complete");
  }

  @Test
  void bufferTooSmall_throwsAndKeepsThePacketFirstInLine() throws Exception {
    Host client = host("client", 1, "10.0.0.1", 1500);
    client.connect(InetAddress.getByName("10.0.0.2"), 80, 0);
    Transmit transmit = new Transmit();
    ByteBuffer small = ByteBuffer.allocate(20);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> client.pollTransmit(0, small, 64, transmit));
    assertTrue(e.getMessage().contains("buffer has 20"), e.getMessage());
    assertEquals(0, small.position(), "nothing written");
    ByteBuffer room = ByteBuffer.allocate(1500);
    assertTrue(client.pollTransmit(0, room, 64, transmit));
    Parsed<Packets.TcpPacket> syn = Packets.parseTcp(room.flip(), true);
    assertEquals(
        TcpFlags.SYN, syn.value().segment().flags(), "the SYN, whole and with its checksum");
    assertFalse(client.pollTransmit(0, room.clear(), 64, transmit), "sent once");
  }

  /**
   * The checksum field of a super-packet holds the pseudo-header sum, folded, for the device to
   * finish.
   */
  private static void checkPartialChecksum(ByteBuffer packet) {
    IpDatagram ip = IpDatagram.parse(packet.duplicate()).value();
    int tcp = packet.position() + packet.remaining() - ip.payload().remaining();
    int tcpLength = ip.payload().remaining();
    long pseudo = Checksum.pseudoHeaderSum(ip.source(), ip.destination(), 6, tcpLength);
    assertEquals(Checksum.fold(pseudo), packet.getShort(tcp + 16) & 0xffff, "CHECKSUM_PARTIAL");
  }

  /**
   * Runs a transfer between two new hosts, taking their output through {@code output}; returns
   * every packet the client sent and every packet the server sent, in order. Every 23rd packet each
   * way is lost, so retransmissions and SACKs come into it; the data is checked on arrival.
   */
  private static List<List<byte[]>> transfer(String clientAddress, int mtu, Output output)
      throws Exception {
    boolean v6 = clientAddress.contains(":");
    String serverAddress = v6 ? "fd00::2" : "10.0.0.2";
    Host client = host("client", 1, clientAddress, mtu);
    Host server = host("server", 2, serverAddress, mtu);
    Listener listener = server.listen(null, 80, 8);
    long now = 1_000 * US;
    Connection c = client.connect(InetAddress.getByName(serverAddress), 80, now);
    Connection s = null;
    List<byte[]> fromClient = new ArrayList<>();
    List<byte[]> fromServer = new ArrayList<>();
    Stream up = new Stream(400_000);
    Stream down = new Stream(50_000);
    boolean closed = false;
    for (int round = 0; round < 200_000; round++) {
      if (s == null) s = listener.accept();
      if (s != null && c.state() == TcpState.ESTABLISHED) {
        up.write(c, now);
        down.write(s, now);
        up.read(s, now);
        down.read(c, now);
        if (!closed && up.done() && down.done()) {
          c.close(now);
          s.close(now);
          closed = true;
        }
      }
      if (closed && c.isReleased() && server.connectionCount() == 0 && fromClient.size() > 0) break;
      deliver(output.drain(client, now), fromClient, server, now);
      deliver(output.drain(server, now), fromServer, client, now);
      while (client.pollEvent() != null) {}
      while (server.pollEvent() != null) {}
      now += 50 * US;
      if (client.pollTimeout() <= now) client.handleTimeout(now);
      if (server.pollTimeout() <= now) server.handleTimeout(now);
      if (closed && client.connectionCount() == 0 && server.connectionCount() == 0) break;
    }
    assertTrue(
        up.done() && down.done(),
        "the transfer completed: " + up.received + " and " + down.received);
    return List.of(fromClient, fromServer);
  }

  private static void deliver(List<byte[]> packets, List<byte[]> record, Host to, long now) {
    for (byte[] p : packets) {
      record.add(p);
      if (record.size() % 23 == 7) continue; // lost
      to.handlePacket(p, now);
    }
  }

  /** A pattern of bytes written in writes of {@link #WRITES}' sizes, and checked as it is read. */
  private static final class Stream {
    final int total;
    int written;
    int received;
    int writeIndex;

    Stream(int total) {
      this.total = total;
    }

    void write(Connection c, long now) {
      while (written < total) {
        int size = Math.min(WRITES[writeIndex % WRITES.length], total - written);
        ByteBuffer data = ByteBuffer.allocate(size);
        for (int i = 0; i < size; i++) data.put(i, (byte) (((written + i) * 31) >>> 3));
        int n = c.send(data, now);
        written += n;
        if (n < size) return;
        writeIndex++;
      }
    }

    void read(Connection c, long now) {
      ByteBuffer dst = ByteBuffer.allocate(100_000);
      int n = c.receive(dst, now);
      for (int i = 0; i < Math.max(0, n); i++) {
        assertEquals((byte) (((received + i) * 31) >>> 3), dst.get(i), "byte " + (received + i));
      }
      received += Math.max(0, n);
    }

    boolean done() {
      return received == total;
    }
  }

  private static Host host(String name, long seed, String address, int mtu)
      throws UnknownHostException {
    HostConfig config = HostConfig.defaults(seed).withMtu(mtu);
    // The forms of output are compared here, not the transmit decision: a lent output taken in
    // runs may hold a partial run back for the next ACK (TsoDeferralTest), the array form never.
    config = config.withTcp(config.tcp().withTsoDeferral(false));
    Host h = new Host(name, config, null);
    h.addAddress(InetAddress.getByName(address));
    return h;
  }
}
