package dev.synack.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.synack.link.NetnsFixture;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The kernel's TCP states during a test, from {@code ss -tan} run every 10 ms inside the test's
 * namespace. Sampling sees the states that last (ESTAB, FIN-WAIT-2 while the peer holds its side
 * open, TIME-WAIT); a state that lasts less than a sample may be missed, which {@link #assertPath}
 * allows for.
 */
final class KernelStates {
  private final NetnsFixture.Started sampler;
  private Map<String, List<String>> paths;

  private KernelStates(NetnsFixture.Started sampler) {
    this.sampler = sampler;
  }

  /** Starts sampling in {@code ns}; returns once the first sample is taken. */
  static KernelStates start(NetnsFixture ns) throws IOException {
    NetnsFixture.Started s =
        ns.start("sh", "-c", "while :; do ss -tanH; echo ---; sleep 0.01; done");
    try {
      if (!s.awaitOutput("---", Duration.ofSeconds(10)))
        throw new IOException("ss gave no sample: " + s.outputSoFar());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted");
    }
    return new KernelStates(s);
  }

  /** Stops sampling; from now on {@link #of} answers. */
  KernelStates stop() throws IOException {
    if (paths == null) paths = parse(sampler.terminate(Duration.ofSeconds(5)).output());
    return this;
  }

  /**
   * Returns the states, in the order seen and without repeats, of the kernel's connection from
   * {@code local} to {@code peer} ("10.99.0.1:45000", "10.99.0.2:7").
   */
  List<String> of(String local, String peer) throws IOException {
    stop();
    return paths.getOrDefault(local + " " + peer, List.of());
  }

  /** Returns every connection's states, for failure messages. */
  String all() throws IOException {
    stop();
    return paths.toString();
  }

  /** Parses ss's samples, blocks of "STATE RECV-Q SEND-Q LOCAL PEER" lines ended by "---". */
  static Map<String, List<String>> parse(String output) {
    Map<String, List<String>> paths = new LinkedHashMap<>();
    for (String line : output.split("\n")) {
      String[] f = line.strip().split("\\s+");
      if (f.length < 5) continue;
      List<String> path = paths.computeIfAbsent(f[3] + " " + f[4], k -> new ArrayList<>());
      if (path.isEmpty() || !path.getLast().equals(f[0])) path.add(f[0]);
    }
    return paths;
  }

  /**
   * Checks a sampled path: every state seen follows the one before in {@code order} (the states a
   * connection may pass through, in order), and each of {@code lasting} (states the test held long
   * enough to be sampled) was seen.
   */
  static void assertPath(List<String> seen, List<String> order, List<String> lasting) {
    int at = -1;
    for (String state : seen) {
      int i = order.indexOf(state);
      assertTrue(i > at, "kernel states " + seen + " do not follow " + order);
      at = i;
    }
    assertTrue(seen.containsAll(lasting), "kernel states " + seen + " miss some of " + lasting);
  }
}
