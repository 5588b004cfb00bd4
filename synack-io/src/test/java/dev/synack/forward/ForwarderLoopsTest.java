package dev.synack.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.link.NetnsFixture;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link Forwarder} on two loops, each on a queue of a multiqueue TUN device with relays of its
 * own, in the namespaces of {@link ForwarderNamespaces}: flows are sharded by their 4-tuple, so
 * parallel downloads land on both loops, and a packet read on the queue of the loop that does not
 * own its flow is handed over. Root only; skipped elsewhere, never under CI=true.
 */
class ForwarderLoopsTest extends ForwarderNamespaces {
  @Override
  int loops() {
    return 2;
  }

  @Test
  void parallelDownloads_allIntact_relayedOnBothLoops() throws Exception {
    assertEquals(2, forwarder.loopCount());
    String sha = writeFile("mid.bin", 4 << 20);
    NetnsFixture.Result r =
        client.exec(
            TIMEOUT,
            "sh",
            "-c",
            "for i in $(seq 16); do (curl -sS --max-time 100 http://"
                + SERVER4
                + ":8080/mid.bin | sha256sum) & done; wait");
    List<String> sums = r.output().lines().map(ForwarderLoopsTest::firstWord).toList();
    assertEquals(16, sums.size(), r.output());
    for (String s : sums) assertEquals(sha, s, r.output());
    ForwarderCounters c = forwarder.counters();
    assertEquals(2, c.loops());
    assertTrue(c.tcpOpened() >= 16, c.toString());
    // 16 4-tuples under a keyed hash: all on one loop has a chance of 2^-15.
    assertTrue(c.tcpOpened(0) > 0 && c.tcpOpened(1) > 0, c.toString());
    assertEquals(c.tcpOpened(), c.tcpOpened(0) + c.tcpOpened(1), c.toString());
    assertTrue(c.toString().contains("per loop: tcp opened "), c.toString());
  }

  @Test
  void curl_downloads20MegabytesIntact() throws Exception {
    String sha = writeFile("big.bin", 20 << 20);
    NetnsFixture.Result r =
        client.exec(
            TIMEOUT,
            "sh",
            "-c",
            "curl -sS --max-time 110 http://" + SERVER4 + ":8080/big.bin | sha256sum");
    assertEquals(sha, firstWord(r.output()), r.output() + flows);
    assertTrue(forwarder.counters().bytesFromHost() >= 20 << 20, forwarder.counters().toString());
  }

  @Test
  void udpEcho_tenThousandDatagrams_throughTwoLoops() throws Exception {
    assertEquals("echoed 10000", python("udp-echo", SERVER4, "10000"));
    ForwarderCounters c = forwarder.counters();
    assertEquals(1, c.udpFlows(), c.toString());
    assertEquals(1, c.udpFlows(0) + c.udpFlows(1), c.toString());
  }

  @Test
  void dns_overUdp_answered_ipv4AndIpv6() throws Exception {
    assertEquals("A 192.0.2.53", python("dns", SERVER4));
    assertEquals("A 192.0.2.53", python("dns", SERVER6));
  }

  @Test
  void dns_queriesFromManySourcePorts_spreadOverBothLoops() throws Exception {
    assertEquals("answered 32", python("dns-many", SERVER4, "32"));
    ForwarderCounters c = forwarder.counters();
    assertEquals(32, c.udpFlows(), c.toString());
    // 32 4-tuples to one port under a keyed hash: all on one loop has a chance of 2^-31 (by the
    // port alone, as before, all 32 landed on the loop of port 53).
    assertTrue(c.udpFlows(0) > 0 && c.udpFlows(1) > 0, c.toString());
    assertEquals(32, c.udpFlows(0) + c.udpFlows(1), c.toString());
  }

  @Test
  void ping_relayedOnTheLoops_repliesFromTheServer() throws Exception {
    NetnsFixture.assumeCommand("ping", "iputils-ping");
    NetnsFixture.Result allow =
        outside.exec(TIMEOUT, "sysctl", "-w", "net.ipv4.ping_group_range=0 2147483647");
    assertEquals(0, allow.exitCode(), allow.output());
    forwarder.close();
    startForwarder(ForwarderOptions.defaults());
    assertTrue(forwarder.icmpNote().contains("relayed"), forwarder.icmpNote());
    NetnsFixture.Result r =
        client.exec(TIMEOUT, "ping", "-n", "-c", "10", "-i", "0.05", "-W", "5", SERVER4);
    assertEquals(10, ForwarderIcmpTest.received(r.output()), r.output() + forwarder.counters());
    ForwarderCounters c = forwarder.counters();
    assertTrue(c.icmpRequests() >= 10 && c.icmpReplies() >= 10, c.toString());
    assertEquals(0, c.icmpAnsweredLocally(), c.toString());
  }
}
