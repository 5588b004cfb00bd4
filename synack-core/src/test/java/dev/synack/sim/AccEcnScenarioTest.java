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
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Accurate ECN end to end over the simulated network (RFC 9768): two synack hosts in AccECN mode, a
 * 10 Mbit/s bottleneck whose queue marks CE above 30 KB. Every mark the link makes is counted by
 * the receiver (r.cep), fed back in the ACE field and the AccECN option, and counted again by the
 * sender (delivered_ce), whose congestion control answers once per round trip, without a loss.
 */
class AccEcnScenarioTest {
  private static final long MS = 1_000_000L;
  private static final InetAddress CLIENT = TestPackets.addr("10.0.0.1");
  private static final InetAddress SERVER = TestPackets.addr("10.0.0.2");

  @Test
  void accEcnBothEnds_everyMarkCountedByReceiverAndSender_cwndAnswersWithoutLoss() {
    List<TraceEvent> events = new ArrayList<>();
    TcpConfig tcp =
        TcpConfig.defaults().withBuffers(128 * 1024, 1 << 20).withEcn(TcpConfig.ECN_ACCECN);
    Host client = new Host("client", HostConfig.defaults(1).withTcp(tcp), events::add);
    Host server =
        new Host(
            "server",
            HostConfig.defaults(2).withTcp(tcp.withEcn(TcpConfig.ECN_ACCECN_ANSWER)),
            events::add);
    client.addAddress(CLIENT);
    server.addAddress(SERVER);
    SimNetwork net = new SimNetwork(11);
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
            .withEcnMarking(30_000));
    int[] toServer = new int[4]; // data packets that reach the server, by codepoint
    net.addObserver(
        new PacketObserver() {
          @Override
          public void onDeliver(SimNode from, SimNode to, byte[] packet, long now) {
            if (to == serverNode && packet.length > 100) toServer[Ecn.of(packet)]++;
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
    new SplittableRandom(5).nextBytes(data);
    ByteBuffer pending = ByteBuffer.wrap(data);
    ByteBuffer received = ByteBuffer.allocate(data.length);
    assertTrue(
        net.runUntil(
            () -> {
              while (client.pollEvent() != null) {}
              while (server.pollEvent() != null) {}
              if (pending.hasRemaining()) c.send(pending, net.now());
              while (s[0].receive(received, net.now()) > 0) {}
              return !received.hasRemaining() && c.info(net.now()).unacked() == 0;
            },
            net.now() + 60_000 * MS),
        "2 MiB moved and acknowledged within 60 s of virtual time");
    assertArrayEquals(data, received.array(), "every byte once, in order");

    TcpInfo sender = c.info(net.now());
    TcpInfo receiver = s[0].info(net.now());
    String both =
        "sender "
            + sender.ssLine()
            + "\nreceiver "
            + receiver.ssLine()
            + "\nat server "
            + java.util.Arrays.toString(toServer);
    assertTrue(toServer[Ecn.CE] > 5, "the queue marked CE: " + both);
    assertEquals(0, toServer[Ecn.NOT_ECT], "no data packet is not-ECT: nothing was resent");
    assertEquals(
        toServer[Ecn.CE],
        receiver.receivedCe(),
        "the receiver counted every mark (r.cep): " + both);
    assertEquals(
        receiver.receivedCe(),
        sender.deliveredCe(),
        "the sender counted every mark from the ACE field: " + both);
    assertEquals(
        receiver.receivedCeBytes(),
        sender.deliveredCeBytes(),
        "and every CE byte from the option: " + both);
    assertEquals(receiver.receivedE0Bytes(), sender.deliveredE0Bytes(), both);
    assertEquals(
        data.length,
        receiver.receivedE0Bytes() + receiver.receivedCeBytes(),
        "all payload counted once: " + both);
    assertEquals(0, sender.totalRetrans(), "no retransmission: " + both);
    assertEquals(0, net.stats(clientNode, serverNode).droppedTotal(), "nothing dropped");
    long reductions =
        events.stream()
            .filter(
                e ->
                    e instanceof TraceEvent.Note n
                        && n.host().equals("client")
                        && n.text().startsWith("ECN echo: cwnd reduced"))
            .count();
    assertTrue(
        reductions > 0 && reductions < sender.deliveredCe(),
        "cwnd answered the marks, at most once per window ("
            + reductions
            + " reductions for "
            + sender.deliveredCe()
            + " marks)");
  }
}
