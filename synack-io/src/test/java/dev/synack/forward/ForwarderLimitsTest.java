package dev.synack.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.link.NetnsFixture;
import org.junit.jupiter.api.Test;

/**
 * The bound on the relay buffer memory over all flows: a connection whose buffers would go beyond
 * it is not opened (its SYN is dropped, counted, and the client retransmits), and opens once an
 * earlier connection has ended and given its buffers back.
 */
class ForwarderLimitsTest extends ForwarderNamespaces {
  /** A TCP flow's two relay buffers (TcpRelay's 64 KiB each way). */
  static final long FLOW_BYTES = 2 * 64 * 1024;

  @Test
  void relayBufferBound_twoFlowsFit_theThirdWaits_untilOneEnds() throws Exception {
    forwarder.close();
    startForwarder(ForwarderOptions.defaults().withMaxBufferBytes(2 * FLOW_BYTES));
    NetnsFixture.Result r = client.exec(TIMEOUT, "python3", "-c", "import socket,time\n"
        + "held=[socket.create_connection(('" + SERVER4 + "',8080),timeout=10) for _ in range(2)]\n"
        + "try:\n"
        + "  socket.create_connection(('" + SERVER4 + "',8080),timeout=2.5)\n"
        + "  print('third opened')\n"
        + "except OSError as e:\n"
        + "  print('third', type(e).__name__)\n"
        + "held[0].close()\n"
        + "s=socket.create_connection(('" + SERVER4 + "',8080),timeout=20)\n"
        + "print('third after one ended')\n");
    assertEquals(0, r.exitCode(), r.output() + forwarder.counters());
    assertEquals("third TimeoutError\nthird after one ended", r.output().strip(), forwarder.counters().toString());
    ForwarderCounters c = forwarder.counters();
    assertTrue(c.relayOverBudget() >= 1, c.toString());
    assertEquals(2 * FLOW_BYTES, c.relayBytesPeak(), c.toString());
    assertEquals(3, c.tcpOpened(), c.toString());
  }

  @Test
  void relayBuffers_givenBackWhenConnectionsEnd() throws Exception {
    String sha = writeFile("b.bin", 1 << 20);
    NetnsFixture.Result r = client.exec(TIMEOUT, "sh", "-c", "for i in 1 2 3; do curl -sS --max-time 60 http://" + SERVER4
        + ":8080/b.bin | sha256sum; done");
    assertEquals(3, r.output().lines().filter(l -> l.startsWith(sha)).count(), r.output());
    for (int i = 0; i < 100 && forwarder.counters().relayBytes() != 0; i++) Thread.sleep(100);
    ForwarderCounters c = forwarder.counters();
    assertEquals(0, c.relayBytes(), c.toString());
    assertTrue(c.relayBytesPeak() >= FLOW_BYTES, c.toString());
    assertEquals(0, c.relayOverBudget(), c.toString());
  }
}
