package dev.synack.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.stack.Connection;
import dev.synack.stack.Host;
import dev.synack.stack.HostConfig;
import dev.synack.stack.Listener;
import dev.synack.tcp.TcpConfig;
import dev.synack.tcp.TcpInfo;
import dev.synack.tcp.TcpState;
import dev.synack.trace.TraceEvent;
import dev.synack.wire.Ecn;
import dev.synack.wire.TcpFlags;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * ECN end to end over the simulated network (RFC 3168): two hosts, the client asking for ECN, a 10
 * Mbit/s bottleneck whose queue marks CE above 30 KB (AQM). The codepoint crosses each host's
 * boundary: ECT(0) leaves on data, the link turns it into CE, the receiver's connection sees the
 * mark and echoes it, and the sender slows down without a single loss.
 */
class EcnScenarioTest {
  private static final long MS = 1_000_000L;
  private static final InetAddress CLIENT = TestPackets.addr("10.0.0.1");
  private static final InetAddress SERVER = TestPackets.addr("10.0.0.2");
  private static final int MARK_AT = 30_000;

  /** What one transfer did. */
  private record Run(
      List<TraceEvent> events, LinkStats data, int[] codepoints, TcpInfo clientInfo, long elapsed) {
    long segments(String host, TraceEvent.SegmentAction action, int flag) {
      return events.stream()
          .filter(
              e ->
                  e instanceof TraceEvent.Segment s
                      && s.host().equals(host)
                      && s.action() == action
                      && (s.segment().flags() & flag) != 0)
          .count();
    }
  }

  private static Run transfer(int clientEcn) {
    List<TraceEvent> events = new ArrayList<>();
    HostConfig clientConfig =
        HostConfig.defaults(1)
            .withTcp(TcpConfig.defaults().withBuffers(128 * 1024, 1 << 20).withEcn(clientEcn));
    Host client = new Host("client", clientConfig, events::add);
    Host server = new Host("server", HostConfig.defaults(2), events::add);
    client.addAddress(CLIENT);
    server.addAddress(SERVER);
    SimNetwork net = new SimNetwork(7);
    HostNode clientNode = new HostNode(client);
    HostNode serverNode = new HostNode(server);
    net.attach(clientNode, CLIENT);
    net.attach(serverNode, SERVER);
    net.setLink(
        clientNode,
        serverNode,
        LinkConfig.ideal()
            .withDelay(Duration.ofMillis(20))
            .withBandwidth(10_000_000)
            .withQueueLimit(1 << 20)
            .withEcnMarking(MARK_AT));
    int[] codepoints = new int[4]; // of the data packets that reach the server, by codepoint
    net.addObserver(
        new PacketObserver() {
          @Override
          public void onDeliver(SimNode from, SimNode to, byte[] packet, long now) {
            if (to == serverNode && packet.length > 100) codepoints[Ecn.of(packet)]++;
          }
        });

    Listener listener = server.listen(null, 80, 8);
    Connection c = client.connect(SERVER, 80, net.now());
    Connection[] s = new Connection[1];
    assertTrue(
        net.runUntil(
            () ->
                (s[0] = s[0] != null ? s[0] : listener.accept()) != null
                    && c.state() == TcpState.ESTABLISHED,
            net.now() + 10_000 * MS));
    byte[] data = new byte[2 * 1024 * 1024];
    new SplittableRandom(3).nextBytes(data);
    ByteBuffer pending = ByteBuffer.wrap(data);
    ByteBuffer received = ByteBuffer.allocate(data.length);
    long start = net.now();
    assertTrue(
        net.runUntil(
            () -> {
              while (client.pollEvent() != null) {}
              while (server.pollEvent() != null) {}
              if (pending.hasRemaining()) c.send(pending, net.now());
              while (s[0].receive(received, net.now()) > 0) {}
              return !received.hasRemaining();
            },
            start + 60_000 * MS),
        "2 MiB moved within 60 s of virtual time");
    assertArrayEquals(data, received.array(), "every byte once, in order");
    return new Run(
        events,
        net.stats(clientNode, serverNode),
        codepoints,
        c.info(net.now()),
        net.now() - start);
  }

  @Test
  void ecnClient_aqmMarksInsteadOfDropping_senderSlowsWithoutLoss() {
    Run r = transfer(TcpConfig.ECN_ON);
    assertEquals(
        TcpInfo.OPT_ECN,
        r.clientInfo().options() & TcpInfo.OPT_ECN,
        "negotiated: " + r.clientInfo().ssLine());
    assertEquals(0, r.data().droppedTotal(), "nothing dropped: " + r.data());
    assertTrue(
        r.codepoints()[Ecn.CE] > 0,
        "the queue marked CE: " + java.util.Arrays.toString(r.codepoints()));
    assertTrue(
        r.codepoints()[Ecn.ECT_0] > 0,
        "data leaves ECT(0): " + java.util.Arrays.toString(r.codepoints()));
    assertEquals(0, r.codepoints()[Ecn.NOT_ECT], "no data packet is not-ECT: nothing was resent");
    assertTrue(
        r.segments("server", TraceEvent.SegmentAction.SEND, TcpFlags.ECE) > 0,
        "the receiver echoed");
    assertTrue(
        r.segments("client", TraceEvent.SegmentAction.SEND, TcpFlags.CWR) > 0,
        "the sender answered with CWR");
    assertEquals(0, r.clientInfo().totalRetrans(), "no retransmission");
  }

  @Test
  void plainClient_sameQueueDropsNotEctPackets() {
    Run r = transfer(TcpConfig.ECN_ANSWER);
    assertEquals(0, r.clientInfo().options() & TcpInfo.OPT_ECN);
    assertTrue(r.data().dropped(SimNetwork.AQM_DROP) > 0, "without ECN the AQM drops: " + r.data());
    assertEquals(0, r.codepoints()[Ecn.CE] + r.codepoints()[Ecn.ECT_0]);
    assertTrue(r.clientInfo().totalRetrans() > 0);
  }
}
