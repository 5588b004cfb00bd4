package dev.synack.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.link.NetnsFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The relay on the synack loop: idle relayed connections hold no relay buffer, many transfers at
 * once arrive intact both ways, a client that stops reading holds the server back instead of
 * growing the relay's memory, and a destination's ICMP port unreachable reaches the UDP client.
 */
class ForwarderRelayTest extends ForwarderNamespaces {
  @Test
  void idleRelayedConnections_afterTransfersBothWays_holdNoRelayBuffer() throws Exception {
    NetnsFixture.Started idle =
        client.start(
            "python3", dir.resolve("client.py").toString(), "idle-echo", SERVER4, "20", "300000");
    try {
      assertTrue(idle.awaitOutput("idle 20", TIMEOUT), idle.outputSoFar() + flows);
      ForwarderCounters c = forwarder.counters();
      assertEquals(20, c.tcpActive(), c.toString());
      assertEquals(20 * 300_000L, c.bytesToHost(), c.toString());
      assertEquals(20 * 300_000L, c.bytesFromHost(), c.toString());
      assertEquals(0, c.relayBuffers(), "an idle relayed connection holds no relay buffer: " + c);
      assertEquals(0, c.relayBytes(), c.toString());
      // Each relayed connection carries its flow and nothing else: the loop made no waiter
      // signal (with its lock and condition) for a connection nobody waits on.
      List<String> attachments =
          forwarder
              .driver()
              .call(
                  now ->
                      forwarder.driver().host().connections().stream()
                          .map(
                              k ->
                                  k.attachment() == null
                                      ? "none"
                                      : k.attachment().getClass().getSimpleName())
                          .toList());
      assertEquals(20, attachments.size(), attachments.toString());
      for (String a : attachments) assertEquals("Flow", a, attachments.toString());
    } finally {
      idle.kill();
    }
  }

  @Test
  void twoHundredTransfersAtOnce_downloadsAndUploads_allIntact() throws Exception {
    String sha = writeFile("par.bin", 512 << 10);
    String out = python("parallel", SERVER4, "200", "par.bin");
    List<String> lines = out.lines().toList();
    assertEquals(200, lines.size(), out);
    assertEquals(100, lines.stream().filter(sha::equals).count(), out);
    assertEquals(100, lines.stream().filter("got 1000000"::equals).count(), out);
    for (int i = 0; i < 100 && forwarder.counters().tcpActive() != 0; i++) Thread.sleep(100);
    ForwarderCounters c = forwarder.counters();
    assertEquals(0, c.tcpActive(), c.toString());
    assertEquals(200, c.tcpClosed(), c.toString());
    assertEquals(0, c.relayBuffers(), c.toString());
  }

  @Test
  void clientThatStopsReading_holdsTheServerBack_relayMemoryStaysBounded_thenAllArrives()
      throws Exception {
    String sha = writeFile("slow.bin", 64 << 20);
    Path go = dir.resolve("go-read");
    NetnsFixture.Started reader =
        client.start(
            "python3",
            dir.resolve("client.py").toString(),
            "slow-read",
            SERVER4,
            "slow.bin",
            go.toString());
    try {
      assertTrue(reader.awaitOutput("paused", TIMEOUT), reader.outputSoFar());
      ForwarderCounters c = forwarder.counters();
      long taken = c.bytesFromHost();
      // What left the server while the client read nothing: the client's receive window and
      // synack's send buffer (4 MiB at most) — not the 64 MiB the server had to send.
      assertTrue(
          taken < 16 << 20, "bytes taken from the server while the client read nothing: " + taken);
      assertTrue(c.relayBytes() <= TcpRelay.CHUNK, c.toString());
      assertTrue(c.relayBuffers() <= 1, c.toString());
      Files.createFile(go);
      NetnsFixture.Result done = reader.await(TIMEOUT);
      assertEquals(
          sha,
          done.output().lines().reduce((a, b) -> b).orElse(""),
          done.output() + flows + forwarder.counters());
    } finally {
      reader.kill();
    }
  }

  @Test
  void udpToAClosedPort_clientSeesConnectionRefused_ipv4AndIpv6() throws Exception {
    assertEquals(
        "refused", python("udp-refused", SERVER4, "9"), () -> flows + " " + forwarder.counters());
    assertEquals(
        "refused", python("udp-refused", SERVER6, "9"), () -> flows + " " + forwarder.counters());
    assertEquals(2, forwarder.counters().udpUnreachables(), forwarder.counters().toString());
    // The flow stays (conntrack keeps it too): an answer from an open port still comes back.
    assertEquals("A 192.0.2.53", python("dns", SERVER4));
  }

  @Test
  void udpToAnAddressWithNoRoute_clientGetsNetworkUnreachable() throws Exception {
    // "outside" has no route to 10.97.0.0/16: the flow's socket cannot even connect, and the client
    // gets the ICMP network unreachable a router would send.
    assertEquals(
        "ENETUNREACH",
        python("udp-unreachable", "10.97.0.5", "53"),
        () -> flows + " " + forwarder.counters());
    assertEquals(1, forwarder.counters().udpUnreachables(), forwarder.counters().toString());
  }

  @Test
  void connectionRate_manyShortConnectionsInARow_eachOpenedAndClosed() throws Exception {
    NetnsFixture.Result r =
        client.exec(
            TIMEOUT,
            "python3",
            "-c",
            "import socket\n"
                + "n=0\n"
                + "for i in range(300):\n"
                + "  s=socket.create_connection(('"
                + SERVER4
                + "',7000),timeout=20)\n"
                + "  s.sendall(b'abc'); s.shutdown(socket.SHUT_WR)\n"
                + "  if s.recv(100)==b'got 3': n+=1\n"
                + "  s.close()\n"
                + "print(n)\n");
    assertEquals("300", r.output().strip(), r.output() + forwarder.counters());
    for (int i = 0; i < 100 && forwarder.counters().tcpActive() != 0; i++) Thread.sleep(100);
    assertEquals(300, forwarder.counters().tcpClosed(), forwarder.counters().toString());
    assertEquals(0, forwarder.counters().tcpActive(), forwarder.counters().toString());
  }
}
