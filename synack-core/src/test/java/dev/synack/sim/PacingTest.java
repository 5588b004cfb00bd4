package dev.synack.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.stack.Connection;
import dev.synack.stack.Host;
import dev.synack.stack.HostConfig;
import dev.synack.stack.Listener;
import dev.synack.tcp.TcpConfig;
import dev.synack.trace.TraceSink;
import dev.synack.wire.Packets;
import dev.synack.wire.Parsed;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Pacing in virtual time: a paced sender's segments leave exactly {@code size / rate} apart
 * (Linux's {@code tcp_update_skb_after_send}), and a burst never exceeds the pacing quantum.
 */
class PacingTest {
  private static final long SECOND = 1_000_000_000L;

  /**
   * One data segment as it left the client: when, its payload, the pacing rate then, how many ACKs
   * had reached the client; and for the flight bound, the bytes outstanding after it (SND.NXT −
   * SND.UNA as the wire shows them), cwnd, the peer's last window, and whether pipe was outstanding
   * (no SACKed nor lost segment, so that the two are equal).
   */
  private record Sent(
      long at,
      int length,
      long rate,
      int acksBefore,
      long outstanding,
      int cwnd,
      long peerWindow,
      boolean plain) {}

  @Test
  void bbr_segmentsSpacedBySizeOverRate() throws Exception {
    List<Sent> sent = transfer(TcpConfig.defaults().withCongestionControl("bbr"));
    int checked = 0;
    for (int i = 1; i + 1 < sent.size(); i++) {
      Sent a = sent.get(i - 1);
      Sent b = sent.get(i);
      Sent c = sent.get(i + 1);
      // b and c left on the pacing timer (later than the one before, no ACK between): b at its
      // time, so c exactly b's size over the rate later.
      if (a.acksBefore() != c.acksBefore()
          || b.at() <= a.at()
          || c.at() <= b.at()
          || b.rate() != c.rate()) continue;
      assertEquals(
          b.length() * SECOND / b.rate(),
          c.at() - b.at(),
          "segments " + i + " and " + (i + 1) + ": " + b + " " + c);
      checked++;
    }
    assertTrue(checked >= 30, "only " + checked + " paced pairs of " + sent.size() + " segments");
  }

  @Test
  void bbr_burstsNoLargerThanTheQuantum() throws Exception {
    List<Sent> sent = transfer(TcpConfig.defaults().withCongestionControl("bbr"));
    int burst = 0;
    int largest = 0;
    for (int i = 1; i < sent.size(); i++) {
      // A burst: segments that left at the same instant. After the first round trip (the initial
      // window), at most ~1 ms of data at the pacing rate, at least 2 segments (Linux's
      // tcp_tso_autosize).
      burst =
          sent.get(i).at() == sent.get(i - 1).at()
              ? burst + sent.get(i).length()
              : sent.get(i).length();
      if (sent.get(i).acksBefore() == 0) continue;
      long quantum = Math.max(2, Math.min(sent.get(i).rate() >> 10, 65536) / 1448) * 1448;
      assertTrue(
          burst <= quantum, "burst of " + burst + " B at " + sent.get(i) + ", quantum " + quantum);
      largest = Math.max(largest, burst);
    }
    assertTrue(largest > 0);
  }

  @ParameterizedTest
  @ValueSource(strings = {"bbr", "cubic"})
  void inFlight_neverAboveCwndNorThePeersWindow(String cc) throws Exception {
    // Issue 12 point 3: in flight ≤ min(cwnd, peer window), checked as each data segment leaves
    // (a lone segment may go into an empty network whatever cwnd says, RFC 5681 §3.1's loss
    // window).
    List<Sent> sent = transfer(TcpConfig.defaults().withCongestionControl(cc));
    int checked = 0;
    for (Sent s : sent) {
      assertTrue(s.outstanding() <= s.peerWindow(), "beyond the peer's window: " + s);
      if (!s.plain()) continue;
      assertTrue(s.outstanding() <= Math.max(s.cwnd(), s.length()), "beyond cwnd: " + s);
      checked++;
    }
    assertTrue(checked > sent.size() / 2, checked + " of " + sent.size());
  }

  @Test
  void cubic_notPacedByDefault_pacedWhenAsked() throws Exception {
    // Without pacing, CUBIC sends its initial window in one instant, as Linux without fq.
    List<Sent> plain = transfer(TcpConfig.defaults());
    assertEquals(0, plain.getLast().rate());
    List<Sent> paced = transfer(TcpConfig.defaults().withPacing(true));
    assertTrue(paced.getLast().rate() > 0, "Linux's cwnd/SRTT rate once SRTT is known");
  }

  /** Moves 1 MB over a 100 Mbit/s, 20 ms path and returns the client's data segments. */
  private static List<Sent> transfer(TcpConfig tcp) throws Exception {
    return transfer(tcp, c -> {});
  }

  @Test
  void tcpCongestion_perConnection_overridesTheConfiguration() throws Exception {
    String[] name = {null};
    List<Sent> sent =
        transfer(
            TcpConfig.defaults(),
            c -> {
              c.setCongestionControl("bbr");
              name[0] = c.congestionControl();
            });
    assertEquals("bbr", name[0]);
    assertTrue(sent.getLast().rate() > 0, "BBR paces");
    assertThrows(
        IllegalArgumentException.class,
        () -> transfer(TcpConfig.defaults(), c -> c.setCongestionControl("vegas")));
  }

  private static List<Sent> transfer(TcpConfig tcp, java.util.function.Consumer<Connection> setup)
      throws Exception {
    PathConfig path = PathConfig.of(100_000_000, Duration.ofMillis(20));
    InetAddress ca = InetAddress.getByAddress(new byte[] {10, 0, 0, 1});
    InetAddress sa = InetAddress.getByAddress(new byte[] {10, 0, 0, 2});
    TcpConfig big = tcp.withBuffers(4 << 20, 4 << 20);
    Host client = new Host("client", HostConfig.defaults(1).withTcp(big), TraceSink.NONE);
    Host server = new Host("server", HostConfig.defaults(2).withTcp(big), TraceSink.NONE);
    client.addAddress(ca);
    server.addAddress(sa);
    SimNetwork net = new SimNetwork(1);
    HostNode cn = new HostNode(client);
    HostNode sn = new HostNode(server);
    net.attach(cn, ca);
    net.attach(sn, sa);
    net.setOneWayLink(cn, sn, path.dataLink());
    net.setOneWayLink(sn, cn, path.ackLink());
    Listener listener = server.listen(null, 5001, 1);
    Connection conn = client.connect(sa, 5001, 0);
    setup.accept(conn);
    List<Sent> sent = new ArrayList<>();
    int[] acks = {0};
    int[] highest = {0};
    int[] highestAck = {0};
    long[] peerWindow = {Long.MAX_VALUE};
    net.addObserver(
        new PacketObserver() {
          @Override
          public void onSend(SimNode from, SimNode to, byte[] packet, long now) {
            if (from != cn
                || !(Packets.parseTcp(ByteBuffer.wrap(packet), false)
                    instanceof Parsed.Ok<Packets.TcpPacket>(var p))) return;
            var seg = p.segment();
            if (seg.payloadLength() == 0) return;
            int end = seg.sequenceNumber() + seg.payloadLength();
            if (sent.isEmpty() || end - highest[0] > 0) highest[0] = end;
            var info = conn.info(now);
            boolean plain =
                info.caState().equals("OPEN")
                    && info.sacked() == 0
                    && info.lost() == 0
                    && info.retrans() == 0;
            sent.add(
                new Sent(
                    now,
                    seg.payloadLength(),
                    info.pacingRate(),
                    acks[0],
                    Integer.toUnsignedLong(highest[0] - highestAck[0]),
                    info.cwndBytes(),
                    peerWindow[0],
                    plain));
          }

          @Override
          public void onDeliver(SimNode from, SimNode to, byte[] packet, long now) {
            if (to != cn) return;
            acks[0]++;
            if (!(Packets.parseTcp(ByteBuffer.wrap(packet), false)
                instanceof Parsed.Ok<Packets.TcpPacket>(var p))) return;
            var seg = p.segment();
            if ((seg.flags() & dev.synack.wire.TcpFlags.SYN) != 0) {
              highestAck[0] = seg.acknowledgmentNumber();
              return;
            }
            if (seg.acknowledgmentNumber() - highestAck[0] > 0)
              highestAck[0] = seg.acknowledgmentNumber();
            peerWindow[0] = (long) seg.window() << conn.info(now).sndWscale();
          }
        });
    int total = 1_000_000;
    long[] written = {0};
    long[] read = {0};
    Connection[] accepted = {null};
    ByteBuffer zeros = ByteBuffer.allocate(64 * 1024);
    ByteBuffer in = ByteBuffer.allocate(64 * 1024);
    boolean done =
        net.runUntil(
            () -> {
              long now = net.now();
              while (client.pollEvent() != null) {
                /* drained */
              }
              while (server.pollEvent() != null) {
                /* drained */
              }
              if (accepted[0] == null) accepted[0] = listener.accept();
              int n;
              while (written[0] < total
                  && (n =
                          conn.send(
                              zeros
                                  .clear()
                                  .limit((int) Math.min(zeros.capacity(), total - written[0])),
                              now))
                      > 0) {
                written[0] += n;
              }
              if (accepted[0] != null) {
                while ((n = accepted[0].receive(in.clear(), now)) > 0) read[0] += n;
              }
              return read[0] == total;
            },
            60 * SECOND);
    assertTrue(done, "transfer did not complete");
    return sent;
  }
}
