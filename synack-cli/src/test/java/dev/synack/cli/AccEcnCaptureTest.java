package dev.synack.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.link.NetnsFixture;
import dev.synack.sim.HostNode;
import dev.synack.sim.LinkConfig;
import dev.synack.sim.PacketObserver;
import dev.synack.sim.SimNetwork;
import dev.synack.sim.SimNode;
import dev.synack.stack.Connection;
import dev.synack.stack.Host;
import dev.synack.stack.HostConfig;
import dev.synack.stack.Listener;
import dev.synack.tcp.TcpConfig;
import dev.synack.tcp.TcpInfo;
import dev.synack.tcp.TcpState;
import dev.synack.trace.TraceSink;
import dev.synack.wire.PcapWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * synack's Accurate ECN on the wire as Wireshark decodes it (RFC 9768): two synack hosts in AccECN
 * mode on a simulated path whose queue marks CE, captured; tshark (not our own parser) reads the
 * handshake's AE, CWR and ECE bits, the AccECN option's fields and the ACE counter of the last ACK,
 * which must agree with what the receiver's TcpInfo counted. The kernel of this machine cannot
 * check these (Linux 6.18 refuses {@code tcp_ecn=3}), so a second implementation's decoder does.
 */
class AccEcnCaptureTest {
  private static final long MS = 1_000_000L;

  @TempDir Path dir;

  @Test
  void synackToSynack_accEcnHandshakeOptionAndAce_asTsharkDecodesThem() throws Exception {
    NetnsFixture.assumeCommand("tshark", "tshark");
    Path pcap = dir.resolve("accecn-sim.pcap");
    InetAddress a = InetAddress.ofLiteral("10.0.0.1");
    InetAddress b = InetAddress.ofLiteral("10.0.0.2");
    TcpConfig tcp = TcpConfig.defaults().withEcn(TcpConfig.ECN_ACCECN);
    Host client = new Host("client", HostConfig.defaults(1).withTcp(tcp), TraceSink.NONE);
    Host server = new Host("server", HostConfig.defaults(2).withTcp(tcp), TraceSink.NONE);
    client.addAddress(a);
    server.addAddress(b);
    SimNetwork net = new SimNetwork(3);
    HostNode clientNode = new HostNode(client);
    HostNode serverNode = new HostNode(server);
    net.attach(clientNode, a);
    net.attach(serverNode, b);
    net.setLink(
        clientNode,
        serverNode,
        LinkConfig.ideal()
            .withDelay(Duration.ofMillis(10))
            .withBandwidth(10_000_000)
            .withQueueLimit(1 << 20)
            .withEcnMarking(20_000));
    byte[] data = new byte[300_000];
    new SplittableRandom(9).nextBytes(data);
    ByteBuffer received = ByteBuffer.allocate(data.length);
    TcpInfo receiver;
    try (OutputStream out = Files.newOutputStream(pcap)) {
      PcapWriter writer = PcapWriter.open(out, PcapWriter.Resolution.MICROSECONDS);
      net.addObserver(
          new PacketObserver() {
            @Override
            public void onDeliver(SimNode from, SimNode to, byte[] packet, long now) {
              try {
                writer.write(now, packet);
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            }
          });
      Listener listener = server.listen(null, 80, 8);
      Connection c = client.connect(b, 80, net.now());
      Connection[] s = new Connection[1];
      assertTrue(
          net.runUntil(
              () ->
                  (s[0] = s[0] != null ? s[0] : listener.accept()) != null
                      && c.state() == TcpState.ESTABLISHED,
              net.now() + 10_000 * MS));
      ByteBuffer pending = ByteBuffer.wrap(data);
      assertTrue(
          net.runUntil(
              () -> {
                while (client.pollEvent() != null) {}
                while (server.pollEvent() != null) {}
                if (pending.hasRemaining()) c.send(pending, net.now());
                while (s[0].receive(received, net.now()) > 0) {}
                return !received.hasRemaining() && c.info(net.now()).unacked() == 0;
              },
              net.now() + 60_000 * MS));
      receiver = s[0].info(net.now());
    }
    assertArrayEquals(data, received.array());
    assertTrue(receiver.receivedCe() > 0, "the queue marked some data CE: " + receiver.ssLine());

    String syn =
        CaptureInteropTest.tshark(
            pcap,
            "tcp.flags.syn == 1 && tcp.flags.ack == 0"
                + " && tcp.flags.ae == 1 && tcp.flags.cwr == 1 && tcp.flags.ece == 1");
    assertEquals(1, syn.lines().count(), "the AccECN SYN: " + syn);
    String synAck =
        CaptureInteropTest.tshark(
            pcap,
            "tcp.flags.syn == 1 && tcp.flags.ack == 1 && tcp.flags.ae == 0"
                + " && tcp.flags.cwr == 1 && tcp.flags.ece == 0 && tcp.options.acc_ecn.ee0b == 1 && tcp.options.acc_ecn.eceb == 0"
                + " && tcp.options.acc_ecn.ee1b == 1");
    assertEquals(
        1,
        synAck.lines().count(),
        "the SYN-ACK's 010 and its option with initial counters: " + synAck);
    assertEquals(
        "",
        CaptureInteropTest.tshark(pcap, "_ws.malformed || _ws.expert.severity >= error"),
        "nothing tshark finds malformed");
    // The receiver's last ACK: its ACE is r.cep mod 8, its option r.ceb and r.e0b + 1, as TcpInfo
    // counted them.
    List<String> acks =
        fields(
            pcap,
            "ip.src == 10.0.0.2 && tcp.options.acc_ecn.eceb",
            "tcp.flags.ace",
            "tcp.options.acc_ecn.eceb",
            "tcp.options.acc_ecn.ee0b");
    String[] last = acks.getLast().split("\t");
    String counted =
        receiver.ssLine()
            + " ceBytes "
            + receiver.receivedCeBytes()
            + " e0Bytes "
            + receiver.receivedE0Bytes();
    assertEquals(
        (5 + receiver.receivedCe()) & 7,
        Long.parseLong(last[0]),
        "ACE: " + acks.getLast() + " / " + counted);
    assertEquals(receiver.receivedCeBytes(), Long.parseLong(last[1]), "ECEB: " + counted);
    assertEquals(receiver.receivedE0Bytes() + 1, Long.parseLong(last[2]), "EE0B: " + counted);
  }

  private static List<String> fields(Path pcap, String filter, String... names) throws Exception {
    List<String> command =
        new java.util.ArrayList<>(
            List.of("tshark", "-r", pcap.toString(), "-Y", filter, "-T", "fields"));
    for (String n : names) command.addAll(List.of("-e", n));
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String out =
        new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
            .strip();
    assertEquals(0, p.waitFor());
    assertTrue(!out.isEmpty(), "tshark found no " + filter);
    return out.lines().toList();
  }
}
