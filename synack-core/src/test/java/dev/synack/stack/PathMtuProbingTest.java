package dev.synack.stack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.sim.HostNode;
import dev.synack.sim.LinkConfig;
import dev.synack.sim.PacketObserver;
import dev.synack.sim.SimNetwork;
import dev.synack.sim.SimNode;
import dev.synack.tcp.Plpmtud;
import dev.synack.tcp.TcpConfig;
import dev.synack.tcp.TcpInfo;
import dev.synack.trace.TraceEvent;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Packetization-layer path MTU discovery (RFC 4821, Linux's {@code tcp_mtu_probing}) on a link that
 * silently drops every packet above its MTU and sends no ICMP: a black hole.
 */
class PathMtuProbingTest {
  static final InetAddress CLIENT4 = ip("10.0.0.1");
  static final InetAddress SERVER4 = ip("10.0.0.2");
  static final InetAddress CLIENT6 = ip("fd00::1");
  static final InetAddress SERVER6 = ip("fd00::2");
  static final int PORT = 443;
  static final long SECOND = 1_000_000_000L;

  final List<TraceEvent> trace = new ArrayList<>();

  @Nested
  class BlackHoleDetection {
    @Test
    void ipv4_mode1_fallsToTheBaseMss_thenProbesUpToTheLinkMtu() {
      Run r = transfer(TcpConfig.defaults(), SERVER4, 1300, 2_000_000);
      assertArrayEquals(r.sent, r.received, "every byte arrives once, in order");
      assertTrue(
          notes("black hole suspected").stream().anyMatch(t -> t.contains("MSS 1448 -> 1024")),
          notes("").toString());
      // The search (RFC 4821 §7.3) ends within 8 bytes of the link's 1300: 1288 works, 1394, 1340,
      // 1313 fail, 1300 works, 1306 fails.
      assertEquals(1300 - 40 - 12, r.finalMss, notes("path MTU").toString());
      assertEquals(List.of(1288, 1394, 1340, 1313, 1300, 1306), probeSizes());
      assertEquals(2, notes("probe acknowledged").size());
      assertEquals(4, notes("lost: search").size());
      assertEquals(
          new Plpmtud(Plpmtud.COMPLETE, 1300, 1305, 0),
          r.info.plpmtud(),
          "TcpInfo: the search's end, 1306 failed");
      assertEquals(1500, r.info.pmtu(), "no ICMP came: the interface's MTU, as Linux's tcpi_pmtu");
      assertEquals(
          List.of(Plpmtud.WAITING, Plpmtud.SEARCHING, Plpmtud.PROBING, Plpmtud.COMPLETE),
          r.states.stream().distinct().toList(),
          "the states TcpInfo showed, in order: " + r.states);
      assertEquals(Plpmtud.COMPLETE, r.states.getLast());
    }

    @Test
    void ipv6_mode1_findsTheLinkMtu() {
      Run r = transfer(TcpConfig.defaults(), SERVER6, 1400, 2_000_000);
      assertArrayEquals(r.sent, r.received);
      assertTrue(
          notes("black hole suspected").stream().anyMatch(t -> t.contains("MSS 1428 -> 1024")),
          notes("").toString());
      assertTrue(
          r.finalMss <= 1400 - 60 - 12 && r.finalMss > 1400 - 60 - 12 - 8,
          "within the probe threshold: " + r.finalMss);
    }

    @Test
    void lostProbes_areNotCongestion_noFastRecoveryFromThem() {
      transfer(TcpConfig.defaults(), SERVER4, 1300, 2_000_000);
      // Each lost probe is resent at the MSS without a congestion response (RFC 4821 §7.5); the
      // link loses nothing else, so no recovery is entered at all.
      assertEquals(List.of(), notes("fast recovery"));
    }

    @Test
    void mode0_neverDetectsTheBlackHole_andTheConnectionTimesOut() {
      TcpConfig off = TcpConfig.defaults().withMtuProbing(TcpConfig.MTU_PROBING_OFF);
      dev.synack.tcp.TcpException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              dev.synack.tcp.TcpException.class, () -> transfer(off, SERVER4, 1300, 100_000));
      assertTrue(e.getMessage().contains("timed out"), e.getMessage());
      assertEquals(List.of(), notes("black hole"));
    }

    @Test
    void pathThatCarriesFullSegments_isNeverProbed() {
      Run r = transfer(TcpConfig.defaults(), SERVER4, 1500, 500_000);
      assertArrayEquals(r.sent, r.received);
      assertEquals(1448, r.finalMss);
      assertEquals(List.of(), notes("path MTU"));
      assertEquals(
          List.of(Plpmtud.WAITING), r.states, "mode 1 waits for a black hole that never comes");
    }
  }

  @Nested
  class AlwaysOn {
    @Test
    void mode2_startsAtTheBaseMss_andSearchesUpToTheFullMss() {
      Run r =
          transfer(
              TcpConfig.defaults().withMtuProbing(TcpConfig.MTU_PROBING_ALWAYS),
              SERVER4,
              1500,
              2_000_000);
      assertArrayEquals(r.sent, r.received);
      assertEquals(List.of(), notes("black hole"));
      assertTrue(
          r.finalMss > 1448 - 8 && r.finalMss <= 1448,
          "searched up to the full MSS: " + r.finalMss);
      assertFalse(notes("probe acknowledged").isEmpty());
    }

    @Test
    void mode2_withALowerBaseMss_startsThere_andBisectsToTheLinkMtu() {
      Run r =
          transfer(
              TcpConfig.defaults().withMtuProbing(TcpConfig.MTU_PROBING_ALWAYS).withBaseMss(512),
              SERVER4,
              1000,
              6_000_000); // seven probes take rounds: enough data to outlast them at any growth
      assertArrayEquals(r.sent, r.received);
      // From 564 (512 + 12 + 40) to 1500: each probe halves the range; 1032 and 1001 are lost, the
      // rest arrive.
      assertEquals(List.of(1032, 797, 914, 972, 1001, 986, 993), probeSizes());
      assertEquals(993 - 52, r.finalMss, "within 8 bytes of the link's 1000 (tcp_probe_threshold)");
    }
  }

  /**
   * What a transfer gave: the bytes, the MSS it ended with, the client's TcpInfo then, and the
   * PLPMTUD states it went through.
   */
  record Run(byte[] sent, byte[] received, int finalMss, TcpInfo info, List<String> states) {}

  /**
   * Sends {@code bytes} from a client with {@code tcp} to a server across a link of {@code linkMtu}
   * that drops bigger packets silently.
   */
  Run transfer(TcpConfig tcp, InetAddress serverAddress, int linkMtu, int bytes) {
    Host client = new Host("client", HostConfig.defaults(21).withTcp(tcp), trace::add);
    Host server = new Host("server", HostConfig.defaults(22), trace::add);
    client.addAddress(CLIENT4);
    client.addAddress(CLIENT6);
    server.addAddress(SERVER4);
    server.addAddress(SERVER6);
    SimNetwork net = new SimNetwork(5);
    HostNode c = new HostNode(client);
    HostNode s = new HostNode(server);
    net.attach(c, CLIENT4, CLIENT6);
    net.attach(s, SERVER4, SERVER6);
    net.setLink(c, s, LinkConfig.ideal().withDelay(Duration.ofMillis(10)).withMtu(linkMtu));
    Listener listener = server.listen(null, PORT, 8);
    Connection conn = client.connect(serverAddress, PORT, 0);
    assertTrue(net.runUntil(() -> listener.pendingAccepts() > 0, 60 * SECOND));
    Connection accepted = listener.accept();
    List<String> states = new ArrayList<>();
    net.addObserver(
        new PacketObserver() {
          @Override
          public void onSend(SimNode from, SimNode to, byte[] packet, long now) {
            String state = conn.info(now).plpmtud().state();
            if (from == c && (states.isEmpty() || !states.getLast().equals(state)))
              states.add(state);
          }
        });
    byte[] up = random(bytes, 3);
    byte[][] got = SimExchange.exchange(net, conn, accepted, up, new byte[0]);
    return new Run(up, got[0], lastFullSegment(), conn.info(net.now()), states);
  }

  /**
   * Returns the largest payload among the client's last 100 new data segments: the MSS the transfer
   * ended with.
   */
  int lastFullSegment() {
    List<Integer> lengths =
        trace.stream()
            .filter(
                e ->
                    e instanceof TraceEvent.Segment seg
                        && seg.host().equals("client")
                        && seg.action() == TraceEvent.SegmentAction.SEND
                        && seg.segment().len() > 0)
            .map(e -> ((TraceEvent.Segment) e).segment().len())
            .toList();
    return lengths.subList(Math.max(0, lengths.size() - 100), lengths.size()).stream()
        .mapToInt(Integer::intValue)
        .max()
        .orElse(-1);
  }

  List<String> notes(String containing) {
    return trace.stream()
        .filter(
            e ->
                e instanceof TraceEvent.Note n
                    && n.host().equals("client")
                    && n.text().contains(containing))
        .map(e -> ((TraceEvent.Note) e).text())
        .toList();
  }

  List<Integer> probeSizes() {
    return notes("path MTU probe: ").stream()
        .map(t -> Integer.parseInt(t.substring("path MTU probe: ".length(), t.indexOf(" bytes"))))
        .toList();
  }

  static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new SplittableRandom(seed).nextBytes(b);
    return b;
  }

  static InetAddress ip(String s) {
    try {
      return InetAddress.getByName(s);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }
}
