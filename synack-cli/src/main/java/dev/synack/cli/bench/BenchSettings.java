package dev.synack.cli.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The sizes of one {@code synack bench} run. Every setting is printed with the results, so a figure
 * can always be read with what produced it.
 *
 * @param bulkBytes bytes moved one way for each bulk figure (sim and kernel loopback)
 * @param connCycles connection cycles for the connection-rate figure, each side
 * @param connConcurrency cycles in progress at once (kernel: one virtual thread each)
 * @param idleConns idle established synack connections held for the memory figure
 * @param kernelIdleConns idle established kernel connections for the memory reference (bounded by
 *     the descriptor limit: two descriptors per connection)
 * @param tunBytes bytes moved one way for each TUN throughput figure
 * @param rrRounds 1-byte request/response rounds for the latency figure
 * @param repeats how many times each throughput or rate is measured; the best is kept, but for the
 *     TUN throughput figures: the median, each repeat beside a reference of its own
 * @param synFloodRate spoofed SYNs a second asked of the flood beside a download (issue 12's
 *     360,000; shrunk runs ask less, so that a test's flood stays small)
 */
record BenchSettings(
    long bulkBytes,
    int connCycles,
    int connConcurrency,
    int idleConns,
    int kernelIdleConns,
    long tunBytes,
    int rrRounds,
    int repeats,
    long synFloodRate) {

  /** The fewest idle connections whose heap a full GC measures above its noise. */
  static final int MIN_MEASURABLE_IDLE_CONNS = 10_000;

  /**
   * Kernel connections below which the slab counters' noise (other processes' sockets) drowns the
   * figure.
   */
  static final int MIN_MEASURABLE_KERNEL_CONNS = 2_000;

  /** The SYN flood Linux absorbs in full with cookies (issue 12). */
  static final long SYN_FLOOD_RATE = 360_000;

  /** A run under two minutes. */
  static BenchSettings quick() {
    return new BenchSettings(
        1L << 30, 20_000, 16, 100_000, 20_000, 256L << 20, 5_000, 2, SYN_FLOOD_RATE);
  }

  /** The full run, recorded in BENCHMARKS.md. */
  static BenchSettings full() {
    return new BenchSettings(
        4L << 30, 100_000, 16, 100_000, 100_000, 1L << 30, 20_000, 3, SYN_FLOOD_RATE);
  }

  /** Returns these settings with a million idle connections ({@code --large}). */
  BenchSettings large() {
    return new BenchSettings(
        bulkBytes,
        connCycles,
        connConcurrency,
        1_000_000,
        kernelIdleConns,
        tunBytes,
        rrRounds,
        repeats,
        synFloodRate);
  }

  /**
   * Returns these settings divided by {@code divisor}, for tests that check the shape of the output
   * without spending time on it. The idle connections stay at 10,000 or more: fewer would weigh
   * less than the heap's own noise after a GC (a region of the collector is a megabyte or more).
   */
  BenchSettings shrunk(int divisor) {
    return new BenchSettings(
        Math.max(1 << 16, bulkBytes / divisor),
        Math.max(16, connCycles / divisor),
        connConcurrency,
        Math.max(MIN_MEASURABLE_IDLE_CONNS, idleConns / divisor),
        Math.min(kernelIdleConns, Math.max(MIN_MEASURABLE_KERNEL_CONNS, kernelIdleConns / divisor)),
        Math.max(1 << 16, tunBytes / divisor),
        Math.max(16, rrRounds / divisor),
        1,
        Math.max(1_000, synFloodRate / divisor));
  }

  /** Returns every setting by name, in the order printed. */
  Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("bulkBytes", bulkBytes);
    m.put("connCycles", connCycles);
    m.put("connConcurrency", connConcurrency);
    m.put("idleConns", idleConns);
    m.put("kernelIdleConns", kernelIdleConns);
    m.put("tunBytes", tunBytes);
    m.put("rrRounds", rrRounds);
    m.put("repeats", repeats);
    m.put("synFloodRate", synFloodRate);
    return m;
  }
}
