package dev.synack.cli.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The heap an idle established connection retains, measured as the bench's {@code idle-conn-bytes}
 * figure measures it (heap after full GCs, per connection end, hosts' tables and user handles
 * included), with a bound: a change that makes every connection hold more fails here, not only in a
 * bench run. Issue 15's target is 640 B; the bound is what the engine holds now (1,207 B before
 * session 7 made the timeouts stateless and the ICMP error state and the sender's chunk lazy; 1,157
 * B with the chunk still held; about 1,125 B after; 1,070 to 1,077 B once untraced connections
 * share one tracer, session 8; about 890 B once the scoreboard and the send and receive queues are
 * made by the first data, session 9; 835 B in the bench once the host's table holds no map node per
 * connection and the keep-alive, ACK policy, RTT estimator and accepted ISS keep no copies, session
 * 10).
 */
class IdleConnBytesTest {
  /** Connections enough to weigh well above the collector's noise (the bench's own minimum × 2). */
  private static final int CONNECTIONS = 2 * BenchSettings.MIN_MEASURABLE_IDLE_CONNS;

  @Test
  void idleEstablishedConnection_retainsAtMost865BytesPerEnd() {
    double perEnd = IdleConnBench.synackBytesPerConnection(CONNECTIONS);
    assertTrue(perEnd > 300, "the heap measured almost nothing per connection end: " + perEnd);
    assertTrue(perEnd <= 865, "an idle connection end retains " + perEnd + " B");
  }
}
