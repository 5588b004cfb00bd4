package dev.synack.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.tcp.TcpState;
import dev.synack.wire.GsoPacket;
import dev.synack.wire.SeqNum;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import org.junit.jupiter.api.Test;

/**
 * A sender whose output is taken in runs (a link with segmentation offload) holds new data that
 * would make a partial run until the ACK due next opens room for a whole one, as Linux's {@code
 * tcp_tso_should_defer}, and never longer than 1 ms after its last data left.
 *
 * <p>Driven in virtual time by a small event simulation: the client's runs are cut into segments
 * that cross a 10 Gbit/s link one by one (1.2 us each) and 25 us of delay, the server's ACKs come
 * back after 25 us, and each host's output is taken after every instant at which packets arrived,
 * as the driver takes it after each batch it reads.
 */
class TsoDeferralTest {
  private static final long US = 1_000;
  private static final long DELAY = 25 * US;
  private static final long PER_SEGMENT = 1_200;
  private static final int MAX_SEGMENTS = 64;
  private static final int TOTAL = 8 << 20;

  /** The segments of MSS 1448 in one 64 KiB write: a whole run. */
  private static final int FULL_RUN = 45;

  @Test
  void bulkOverOffloadingLink_deferralOn_fewerPartialRunsAndFewerWrites() throws Exception {
    Run on = run(true, false);
    Run off = run(false, false);
    assertEquals(TOTAL, on.received, "every byte arrived with the deferral on");
    assertEquals(TOTAL, off.received, "every byte arrived with it off");
    String both = "on: " + on + "; off: " + off;
    // Without the deferral the room each ACK opens goes at once: most writes are partial runs.
    assertTrue(off.partialRuns > off.dataWrites / 2, both);
    assertTrue(on.partialRuns * 4 < off.partialRuns, both);
    assertTrue(on.dataWrites * 2 < off.dataWrites, both);
    assertTrue(on.meanSegments() > 2 * off.meanSegments(), both);
    // Holding partial runs back does not slow the transfer down: the ACK comes as expected.
    assertTrue(on.finishedAt < off.finishedAt * 1.1, both);
  }

  @Test
  void partialRunHeld_ackNeverComes_sentWithinOneMillisecondOfLastData() throws Exception {
    Run off = run(false, true);
    assertEquals(0, off.heldAt, "without the deferral every ACK that opens room sends: " + off);
    Run on = run(true, true);
    assertTrue(on.heldAt > 0, "an ACK that opened room sent nothing, the deferral held: " + on);
    // Every packet after that instant is lost, so no ACK ends the wait: the pacing timer does.
    assertTrue(on.releasedAt > on.heldAt, on.toString());
    assertTrue(
        on.releasedAt <= on.lastDataAt + 1_000 * US,
        "held data left at most 1 ms after the last data: " + on);
    assertFalse(on.releasedRetransmission, "what left was the held new data: " + on);
  }

  /** What one transfer did. */
  private static final class Run {
    int received;
    int dataWrites;
    int dataSegments;
    int partialRuns;
    long finishedAt;
    long heldAt;
    long lastDataAt;
    long releasedAt;
    boolean releasedRetransmission;

    double meanSegments() {
      return dataWrites == 0 ? 0 : (double) dataSegments / dataWrites;
    }

    @Override
    public String toString() {
      return String.format(
          java.util.Locale.ROOT,
          "%d B in %d data writes (%.1f segments each, %d partial runs), done at %d us;"
              + " held at %d us after data at %d us, released at %d us",
          received,
          dataWrites,
          meanSegments(),
          partialRuns,
          finishedAt / US,
          heldAt / US,
          lastDataAt / US,
          releasedAt / US);
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
   * Moves {@link #TOTAL} bytes from client to server; with {@code loseAfterHold}, stops at the
   * first instant where an ACK of new data reached the client while it had data unsent and it sent
   * none, loses every packet from then on, and records when the client's next data segment leaves.
   */
  private static Run run(boolean deferral, boolean loseAfterHold) throws Exception {
    Host client = host("client", 1, "10.0.0.1", deferral);
    Host server = host("server", 2, "10.0.0.2", deferral);
    Listener listener = server.listen(null, 80, 8);
    long now = 1_000 * US;
    Connection c = client.connect(InetAddress.getByName("10.0.0.2"), 80, now);
    Connection s = null;
    PriorityQueue<Arrival> wire = new PriorityQueue<>();
    long order = 0;
    long linkFreeAt = 0;
    Run run = new Run();
    int written = 0;
    long sentNew = 0; // payload bytes first sent
    int sentEnd = 0; // the highest sequence number sent, plus one
    int highestAck = 0;
    boolean started = false;
    boolean losing = false;
    ByteBuffer buffer = ByteBuffer.allocate(GsoPacket.MAX_PACKET);
    ByteBuffer data = ByteBuffer.allocate(256 * 1024);
    ByteBuffer sink = ByteBuffer.allocate(1 << 20);
    Transmit transmit = new Transmit();
    for (int step = 0; step < 2_000_000; step++) {
      boolean ackedNew = false;
      while (!wire.isEmpty() && wire.peek().at() <= now) {
        Arrival a = wire.poll();
        if (a.to() == client) {
          int ack = ByteBuffer.wrap(a.packet()).getInt(28);
          if (started && SeqNum.gt(ack, highestAck)) ackedNew = true;
          if (!started || SeqNum.gt(ack, highestAck)) highestAck = ack;
        }
        a.to().handlePacket(ByteBuffer.wrap(a.packet()), true, now);
      }
      if (client.pollTimeout() <= now) client.handleTimeout(now);
      if (server.pollTimeout() <= now) server.handleTimeout(now);
      if (s == null) s = listener.accept();
      if (c.state() == TcpState.ESTABLISHED) {
        while (written < TOTAL) {
          data.clear().limit(Math.min(data.capacity(), TOTAL - written));
          int n = c.send(data, now);
          if (n <= 0) break;
          written += n;
        }
      }
      if (s != null) {
        for (int n; (n = s.receive(sink.clear(), now)) > 0; ) run.received += n;
      }
      if (run.received == TOTAL && run.finishedAt == 0) run.finishedAt = now;
      if (run.finishedAt != 0) return run;
      // The client's output, cut as the device cuts it, onto the link one segment after another.
      boolean sentData = false;
      while (true) {
        buffer.clear();
        if (!client.pollTransmit(now, buffer, MAX_SEGMENTS, transmit)) break;
        buffer.flip();
        List<byte[]> segments = new ArrayList<>();
        if (transmit.segmentSize() == 0) {
          byte[] whole = new byte[buffer.remaining()];
          buffer.get(whole);
          segments.add(whole);
        } else {
          segments.addAll(GsoPacket.segment(buffer, transmit.segmentSize()));
        }
        int first = sequence(segments.getFirst());
        int payload = 0;
        for (byte[] p : segments) payload += payloadLength(p);
        if (payload > 0) {
          sentData = true;
          boolean resent = started && SeqNum.lt(first, sentEnd);
          if (losing && run.releasedAt == 0) {
            run.releasedAt = now;
            run.releasedRetransmission = resent;
          }
          if (!losing) run.lastDataAt = now;
          run.dataWrites++;
          run.dataSegments += segments.size();
          if (segments.size() < FULL_RUN) run.partialRuns++;
          int end = SeqNum.add(first, payload);
          if (!started || SeqNum.gt(end, sentEnd)) {
            sentNew += started ? SeqNum.diff(end, sentEnd) : payload;
            sentEnd = end;
          }
          started = true;
        }
        for (byte[] p : segments) {
          linkFreeAt = Math.max(linkFreeAt, now) + PER_SEGMENT;
          if (!losing) wire.add(new Arrival(linkFreeAt + DELAY, order++, server, p));
        }
      }
      if (run.releasedAt != 0) return run;
      for (byte[] p; (p = drain(server, now, buffer, transmit)) != null; )
        if (!losing) wire.add(new Arrival(now + DELAY, order++, client, p));
      if (loseAfterHold && !losing && ackedNew && !sentData && written - sentNew > 0) {
        run.heldAt = now;
        losing = true; // everything on the wire and everything sent from now on is lost
        wire.clear();
      }
      long next = Math.min(client.pollTimeout(), server.pollTimeout());
      if (!wire.isEmpty()) next = Math.min(next, wire.peek().at());
      if (next == Long.MAX_VALUE || (losing && next > now + 1_000_000 * US)) break;
      now = Math.max(now, next);
    }
    return run;
  }

  /** Returns a whole IPv4 TCP packet's sequence number. */
  private static int sequence(byte[] packet) {
    return ByteBuffer.wrap(packet).getInt(ipHeaderLength(packet) + 4);
  }

  /** Returns a whole IPv4 TCP packet's payload length. */
  private static int payloadLength(byte[] packet) {
    int ip = ipHeaderLength(packet);
    int total = ByteBuffer.wrap(packet).getShort(2) & 0xffff;
    return total - ip - ((packet[ip + 12] & 0xf0) >>> 2);
  }

  private static int ipHeaderLength(byte[] packet) {
    return (packet[0] & 0x0f) * 4;
  }

  private static byte[] drain(Host h, long now, ByteBuffer buffer, Transmit transmit) {
    buffer.clear();
    if (!h.pollTransmit(now, buffer, MAX_SEGMENTS, transmit)) return null;
    buffer.flip();
    byte[] p = new byte[buffer.remaining()];
    buffer.get(p);
    return p;
  }

  private static Host host(String name, long seed, String address, boolean deferral)
      throws Exception {
    HostConfig config = HostConfig.defaults(seed).withMtu(1500);
    config = config.withTcp(config.tcp().withTsoDeferral(deferral));
    Host h = new Host(name, config, null);
    h.addAddress(InetAddress.getByName(address));
    return h;
  }
}
