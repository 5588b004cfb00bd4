package dev.synack.stack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.sim.HostNode;
import dev.synack.sim.LinkConfig;
import dev.synack.sim.SimNetwork;
import dev.synack.trace.JsonLines;
import dev.synack.trace.TraceEvent;
import dev.synack.trace.TraceSink;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The steady receive path ({@link SteadyInput}: segments read through a reused view, no records)
 * against the general path (parse into records): the same two-way transfer over a lossy,
 * reordering, duplicating and corrupting link, with SACK, timestamps and window scaling, run once
 * with the steady path and once without, must give the same trace event for event, the same packets
 * byte for byte, the same counters and the same data.
 */
class SteadyInputTest {
  static final long SECOND = 1_000_000_000L;

  /** What one run left behind. */
  record Run(
      List<String> events,
      byte[] atServer,
      byte[] atClient,
      String clientCounters,
      String serverCounters,
      long steadyTaken) {}

  @ParameterizedTest(name = "{0}, traced {1}, seed {2}")
  @CsvSource({
    "4, true, 1",
    "4, false, 2",
    "6, true, 3",
    "6, false, 4",
  })
  void lossyTransfer_steadyPath_behavesAsTheGeneralPath(int family, boolean traced, long seed) {
    Run steady = run(family, traced, seed, true);
    Run general = run(family, traced, seed, false);

    assertEquals(0, general.steadyTaken(), "the general run takes no segment the steady way");
    assertTrue(
        steady.steadyTaken() > 200,
        "most segments of the steady run take the steady path: " + steady.steadyTaken());
    assertArrayEquals(general.atServer(), steady.atServer(), "what the server read");
    assertArrayEquals(general.atClient(), steady.atClient(), "what the client read");
    assertEquals(general.clientCounters(), steady.clientCounters(), "the client's counters");
    assertEquals(general.serverCounters(), steady.serverCounters(), "the server's counters");
    assertEquals(general.events().size(), steady.events().size(), "as many trace events");
    for (int i = 0; i < general.events().size(); i++)
      assertEquals(general.events().get(i), steady.events().get(i), "trace event " + i);
    if (traced) {
      assertTrue(
          steady.events().stream().anyMatch(e -> e.contains("\"recv\"") && e.contains("sack ")),
          "SACK blocks were received");
      assertTrue(
          steady.events().stream().anyMatch(e -> e.contains("wscale")), "window scaling agreed");
      assertTrue(
          steady.events().stream().anyMatch(e -> e.contains("\"drop\"")), "segments were dropped");
    }
  }

  private static Run run(int family, boolean traced, long seed, boolean steadyOn) {
    List<String> events = new ArrayList<>();
    TraceSink sink =
        new TraceSink() {
          @Override
          public void accept(TraceEvent event) {
            if (event instanceof TraceEvent.Packet p) {
              events.add(
                  p.timeNanos()
                      + " "
                      + p.host()
                      + (p.outbound() ? " out " : " in ")
                      + HexFormat.of().formatHex(p.bytes()));
            } else {
              events.add(JsonLines.toJson(event));
            }
          }

          @Override
          public boolean wantsPackets() {
            return true;
          }
        };
    Host client = new Host("client", HostConfig.defaults(31), traced ? sink : null);
    Host server = new Host("server", HostConfig.defaults(32), traced ? sink : null);
    client.setSteadyInput(steadyOn);
    server.setSteadyInput(steadyOn);
    InetAddress clientAddress = ip(family == 4 ? "10.0.0.1" : "fd00::1");
    InetAddress serverAddress = ip(family == 4 ? "10.0.0.2" : "fd00::2");
    client.addAddress(clientAddress);
    server.addAddress(serverAddress);
    SimNetwork net = new SimNetwork(seed);
    HostNode c = new HostNode(client);
    HostNode s = new HostNode(server);
    net.attach(c, clientAddress);
    net.attach(s, serverAddress);
    net.setLink(
        c,
        s,
        LinkConfig.ideal()
            .withDelay(Duration.ofMillis(5))
            .withLoss(0.02)
            .withReorder(0.03, Duration.ofMillis(3))
            .withDuplication(0.01)
            .withCorruption(0.005));
    Listener listener = server.listen(null, 443, 8);
    Connection active = client.connect(serverAddress, 443, 0);
    assertTrue(
        net.runUntil(() -> listener.pendingAccepts() > 0, 60 * SECOND), "handshake completes");
    Connection passive = listener.accept();
    byte[] up = random(300_000, seed);
    byte[] down = random(120_000, seed + 100);
    byte[][] got = SimExchange.exchange(net, active, passive, up, down);
    assertArrayEquals(up, got[0], "client to server, every byte once and in order");
    assertArrayEquals(down, got[1], "server to client");
    net.runUntilIdle(net.now() + 120 * SECOND);
    return new Run(
        events,
        got[0],
        got[1],
        client.counters().toString(),
        server.counters().toString(),
        client.steadyTaken() + server.steadyTaken());
  }

  static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new SplittableRandom(seed).nextBytes(b);
    return b;
  }

  static InetAddress ip(String text) {
    try {
      return InetAddress.getByName(text);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(e);
    }
  }
}
