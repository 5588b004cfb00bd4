package dev.synack.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.link.NetnsFixture;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The bound on the relay buffer memory over all flows: a flow the bound refuses bytes waits (its
 * windows close) and goes on once others gave theirs back, so transfers complete within the bound
 * instead of failing, and everything is given back when they end.
 */
class ForwarderLimitsTest extends ForwarderNamespaces {
  @Test
  void relayBufferBound_ofOneChunk_fourDownloadsInParallelComplete_neverHoldingMore()
      throws Exception {
    long bound = TcpRelay.CHUNK;
    forwarder.close();
    startForwarder(ForwarderOptions.defaults().withMaxBufferBytes(bound));
    String sha = writeFile("bound.bin", 4 << 20);
    NetnsFixture.Result r =
        client.exec(
            TIMEOUT,
            "sh",
            "-c",
            "for i in 1 2 3 4; do (curl -sS --max-time 100 http://"
                + SERVER4
                + ":8080/bound.bin | sha256sum) & done; wait");
    List<String> sums = r.output().lines().map(ForwarderTest::firstWord).toList();
    assertEquals(List.of(sha, sha, sha, sha), sums, r.output() + flows);
    ForwarderCounters c = forwarder.counters();
    assertTrue(c.relayBytesPeak() <= bound, "never more than the bound: " + c);
    assertTrue(c.relayBytesPeak() > 0, c.toString());
  }

  @Test
  void relayBuffers_givenBackWhenConnectionsEnd() throws Exception {
    String sha = writeFile("b.bin", 1 << 20);
    NetnsFixture.Result r =
        client.exec(
            TIMEOUT,
            "sh",
            "-c",
            "for i in 1 2 3; do curl -sS --max-time 60 http://"
                + SERVER4
                + ":8080/b.bin | sha256sum; done");
    assertEquals(3, r.output().lines().filter(l -> l.startsWith(sha)).count(), r.output());
    for (int i = 0; i < 100 && forwarder.counters().tcpActive() != 0; i++) Thread.sleep(100);
    ForwarderCounters c = forwarder.counters();
    assertEquals(0, c.tcpActive(), c.toString());
    assertEquals(0, c.relayBytes(), c.toString());
    assertEquals(0, c.relayBuffers(), c.toString());
    assertTrue(c.relayBytesPeak() > 0 && c.relayBytesPeak() <= 2L * TcpRelay.CHUNK, c.toString());
    assertEquals(0, c.relayOverBudget(), c.toString());
  }
}
