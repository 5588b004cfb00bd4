package dev.synack.stack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.tcp.TcpInfo;
import dev.synack.tcp.TcpState;
import dev.synack.wire.GsoPacket;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A sender whose output is taken in runs (a link with segmentation offload) takes each run from the
 * connection as one chunk of whole segments, one record of its scoreboard, and the device's cut of
 * it is what the segments sent one by one were: every byte arrives intact, a segment lost from the
 * middle of a run is resent alone, and the counters count the segments the device sent.
 *
 * <p>Driven in virtual time: the client's super-packets are cut into segments ({@link
 * GsoPacket#segment}) that reach the server 25 us later, whose ACKs come back 25 us later.
 */
class RunTransmitTest {
  private static final long US = 1_000;
  private static final long DELAY = 25 * US;
  private static final int TOTAL = 2 << 20;

  @Test
  void bulkOverOffloadingLink_runsTakenWhole_intactAndCountedAsSegments() throws Exception {
    Run runs = run(64, -1);
    Run single = run(1, -1);
    String both = "runs: " + runs + "; one by one: " + single;
    assertArrayEquals(runs.expected, runs.received, "every byte arrived in order, runs");
    assertArrayEquals(single.expected, single.received, "every byte arrived, one by one");
    // Runs of whole segments, each one write (RunChunkTest: and one chunk of the connection).
    assertTrue(runs.writes * 10 < single.writes, both);
    assertTrue(runs.segments >= TOTAL / 1448, both);
    // The device sends segments: the connection counts them, not the chunks.
    assertEquals(runs.segments, runs.info.dataSegsOut(), both);
    assertEquals(single.segments, single.info.dataSegsOut(), both);
    assertEquals(0, runs.info.totalRetrans(), both);
  }

  @Test
  void segmentLostFromTheMiddleOfARun_resentAlone_everyByteArrives() throws Exception {
    Run lossy = run(64, 20);
    assertArrayEquals(lossy.expected, lossy.received, "every byte arrived in order: " + lossy);
    assertTrue(lossy.droppedFromRunOf > 2, "the segment dropped was inside a run: " + lossy);
    // SACK splits the run's record: only the lost segment is resent, not the run around it.
    assertEquals(1, lossy.info.totalRetrans(), lossy.toString());
    assertEquals(1448, lossy.info.bytesRetrans(), lossy.toString());
  }

  /** What one transfer did. */
  private static final class Run {
    byte[] expected;
    byte[] received;
    int writes;
    int segments;
    int droppedFromRunOf;
    TcpInfo info;

    @Override
    public String toString() {
      return writes
          + " data writes of "
          + segments
          + " segments; dropped from a run of "
          + droppedFromRunOf
          + "; client "
          + (info == null ? "-" : info.toString());
    }
  }

  /** A packet on its way, in the order of arrival. */
  private record Arrival(long at, long order, Host to, byte[] packet)
      implements Comparable<Arrival> {
    @Override
    public int compareTo(Arrival o) {
      return at != o.at ? Long.compare(at, o.at) : Long.compare(order, o.order);
    }
  }

  /**
   * Moves {@link #TOTAL} seeded bytes from client to server taking the client's output in runs of
   * up to {@code maxSegments}; drops the middle segment of the {@code dropWrite}th data write of
   * more than two segments (none when negative).
   */
  private static Run run(int maxSegments, int dropWrite) throws Exception {
    Host client = host("client", 1, "10.0.0.1");
    Host server = host("server", 2, "10.0.0.2");
    Listener listener = server.listen(null, 80, 8);
    long now = 1_000 * US;
    Connection c = client.connect(InetAddress.getByName("10.0.0.2"), 80, now);
    Connection s = null;
    Run run = new Run();
    run.expected = new byte[TOTAL];
    new Random(7).nextBytes(run.expected);
    ByteBuffer received = ByteBuffer.allocate(TOTAL);
    PriorityQueue<Arrival> wire = new PriorityQueue<>();
    long order = 0;
    int written = 0;
    int runWrites = 0;
    ByteBuffer buffer = ByteBuffer.allocate(GsoPacket.MAX_PACKET);
    Transmit transmit = new Transmit();
    for (int step = 0; step < 1_000_000; step++) {
      while (!wire.isEmpty() && wire.peek().at() <= now) {
        Arrival a = wire.poll();
        a.to().handlePacket(ByteBuffer.wrap(a.packet()), true, now);
      }
      if (client.pollTimeout() <= now) client.handleTimeout(now);
      if (server.pollTimeout() <= now) server.handleTimeout(now);
      if (s == null) s = listener.accept();
      if (c.state() == TcpState.ESTABLISHED && written < TOTAL) {
        written += c.send(ByteBuffer.wrap(run.expected, written, TOTAL - written), now);
      }
      if (s != null) s.receive(received, now);
      if (!received.hasRemaining()) {
        run.received = received.array();
        run.info = c.info(now);
        return run;
      }
      while (true) {
        buffer.clear();
        if (!client.pollTransmit(now, buffer, maxSegments, transmit)) break;
        buffer.flip();
        List<byte[]> segments = new ArrayList<>();
        if (transmit.segmentSize() == 0) {
          byte[] whole = new byte[buffer.remaining()];
          buffer.get(whole);
          segments.add(whole);
        } else {
          segments.addAll(GsoPacket.segment(buffer, transmit.segmentSize()));
        }
        int drop = -1;
        if (payloadLength(segments.getFirst()) > 0) {
          run.writes++;
          run.segments += segments.size();
          if (segments.size() > 2 && runWrites++ == dropWrite) {
            drop = segments.size() / 2;
            run.droppedFromRunOf = segments.size();
          }
        }
        for (int i = 0; i < segments.size(); i++)
          if (i != drop) wire.add(new Arrival(now + DELAY, order++, server, segments.get(i)));
      }
      while (true) {
        buffer.clear();
        if (!server.pollTransmit(now, buffer, 1, transmit)) break;
        buffer.flip();
        byte[] p = new byte[buffer.remaining()];
        buffer.get(p);
        wire.add(new Arrival(now + DELAY, order++, client, p));
      }
      long next = Math.min(client.pollTimeout(), server.pollTimeout());
      if (!wire.isEmpty()) next = Math.min(next, wire.peek().at());
      if (next == Long.MAX_VALUE) break;
      now = Math.max(now, next);
    }
    throw new AssertionError("transfer did not finish: " + run);
  }

  /** Returns a whole IPv4 TCP packet's payload length. */
  private static int payloadLength(byte[] packet) {
    int ip = (packet[0] & 0x0f) * 4;
    int total = ByteBuffer.wrap(packet).getShort(2) & 0xffff;
    return total - ip - ((packet[ip + 12] & 0xf0) >>> 2);
  }

  private static Host host(String name, long seed, String address) throws Exception {
    Host h = new Host(name, HostConfig.defaults(seed).withMtu(1500), null);
    h.addAddress(InetAddress.getByName(address));
    return h;
  }
}
